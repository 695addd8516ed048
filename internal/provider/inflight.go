package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Creates in flight. Objects that cannot carry a mark (namespaces, VM configs, service
// accounts, registry credentials, role-binding subjects, local images) are looked up before their create is
// sent, and one found then is refused: it may be anyone's. That leaves one hole: a Terraform
// killed (SIGKILL, a CI runner stopped) after the create reached Orka and before the state
// recorded it. The next apply finds the object, and would refuse it.
//
// So before a create is sent, the provider writes a record of it where Terraform keeps the
// working directory's data (TF_DATA_DIR, by default .terraform), and removes it once
// Terraform has the object in its state (the next refresh reads it) or once Orka refused the
// create. A record that outlives its apply is therefore a create of this working directory
// whose outcome Terraform never learnt: an object found under its name that matches what was
// asked for is adopted instead of refused. Where the data directory does not survive (a
// fresh Terraform Cloud run), nothing is recorded and the object is refused with the import
// command, as before.
type inflightKey struct {
	kind, id string
}

// inflightDirName is the record's directory inside Terraform's data directory.
const inflightDirName = "orka-creates-in-flight"

// inflightStore is the process's view of the records of one data directory, loaded once.
type inflightStore struct {
	mu   sync.Mutex
	dir  string          // "" when there is no data directory to write to
	have map[string]bool // file names present
}

var (
	inflightMu     sync.Mutex
	inflightStores = map[string]*inflightStore{}
)

// inflightDataDir is where Terraform keeps this working directory's data, when it exists.
func inflightDataDir() string {
	d := os.Getenv("TF_DATA_DIR")
	if d == "" {
		d = ".terraform"
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() { //nolint:gosec // Terraform's own data directory, as TF_DATA_DIR names it
		return ""
	}
	if abs, err := filepath.Abs(d); err == nil {
		d = abs
	}
	return filepath.Join(d, inflightDirName)
}

// store is the records of the data directory in use now.
func store() *inflightStore {
	dir := inflightDataDir()
	inflightMu.Lock()
	defer inflightMu.Unlock()
	s := inflightStores[dir]
	if s == nil {
		s = &inflightStore{dir: dir, have: map[string]bool{}}
		if dir != "" {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				s.have[e.Name()] = true
			}
		}
		inflightStores[dir] = s
	}
	return s
}

func (k inflightKey) file() string {
	sum := sha256.Sum256([]byte(k.kind + "\x00" + k.id))
	return k.kind + "-" + hex.EncodeToString(sum[:8]) + ".json"
}

// start records a create about to be sent.
func (k inflightKey) start(ctx context.Context) {
	if k.kind == "" {
		return
	}
	s := store()
	if s.dir == "" {
		return
	}
	body, _ := json.Marshal(map[string]string{"kind": k.kind, "id": k.id, "sent": time.Now().UTC().Format(time.RFC3339)})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		tflog.Warn(ctx, "cannot record a create in flight", map[string]any{"error": err.Error()})
		return
	}
	if err := os.WriteFile(filepath.Join(s.dir, k.file()), body, 0o600); err != nil {
		tflog.Warn(ctx, "cannot record a create in flight", map[string]any{"error": err.Error()})
		return
	}
	s.have[k.file()] = true
}

// survived reports a record of this create left by an apply that never saw its outcome.
func (k inflightKey) survived() bool {
	if k.kind == "" {
		return false
	}
	s := store()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.have[k.file()]
}

// done removes the record: Terraform has the object in its state, or nothing was created.
func (k inflightKey) done() {
	if k.kind == "" {
		return
	}
	s := store()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.have[k.file()] {
		_ = os.Remove(filepath.Join(s.dir, k.file()))
		delete(s.have, k.file())
	}
}
