package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// upgradeRecord is the file an administrator carries across a MacStadium upgrade:
// -before-upgrade writes what the upgrade must not change, -during-maintenance adds what the
// API answered in the window, and -after-upgrade compares and reports. It holds no secret:
// the token is kept only as a salted fingerprint, from which it cannot be recovered, so that
// the run after the upgrade can tell whether it uses the same token.
type upgradeRecord struct {
	Version     int                 `json:"version"`
	Endpoint    string              `json:"endpoint"`
	Before      *beforeUpgrade      `json:"beforeUpgrade,omitempty"`
	Maintenance *maintenanceFinding `json:"duringMaintenance,omitempty"`
}

// upgradeRecordVersion is the file format's version.
const upgradeRecordVersion = 1

// beforeUpgrade is what -before-upgrade saw (read-only).
type beforeUpgrade struct {
	RecordedAt time.Time    `json:"recordedAt"`
	Token      tokenRecord  `json:"token"`
	Nodes      []nodeRecord `json:"nodes"`
	// Unread names the namespaces whose nodes could not be listed, with why.
	Unread []string `json:"unreadNamespaces,omitempty"`
}

// tokenRecord describes the token of the run before the upgrade, never the token itself.
type tokenRecord struct {
	// Kind is "user" (any token that is not a service account's) or "service-account".
	Kind           string     `json:"kind"`
	ServiceAccount string     `json:"serviceAccount,omitempty"` // namespace/name
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`      // from the JWT's exp, when it has one
	Salt           string     `json:"fingerprintSalt"`
	Fingerprint    string     `json:"fingerprint"`
}

// Token kinds in the record.
const (
	tokenKindUser           = "user"
	tokenKindServiceAccount = "service-account"
)

// nodeRecord is one node's placement: its namespace and its tags (scratch tags left out, as a
// probe or test run may add and remove them at any time).
type nodeRecord struct {
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Tags      []string `json:"tags"`
}

// maintenanceFinding is the outcome of error-codes-unavailable in a -during-maintenance run.
type maintenanceFinding struct {
	CheckedAt time.Time `json:"checkedAt"`
	Outcome   string    `json:"outcome"`
	Details   []string  `json:"details"`
	Request   string    `json:"request,omitempty"`
	Status    int       `json:"status,omitempty"`
	Excerpt   string    `json:"excerpt,omitempty"` // redacted like every excerpt of the report
}

// newTokenRecord fingerprints a token with a fresh salt.
func newTokenRecord(token string) tokenRecord {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("orka-conformance: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	salt := hex.EncodeToString(b[:])
	return tokenRecord{Salt: salt, Fingerprint: tokenFingerprint(salt, token)}
}

// tokenFingerprint is the first 64 bits of SHA-256 over the salt and the token.
func tokenFingerprint(salt, token string) string {
	sum := sha256.Sum256([]byte(salt + "\x00" + token))
	return hex.EncodeToString(sum[:8])
}

// placement returns a node's record with its tags sorted and scratch tags dropped.
func placement(name, namespace string, tags []string) nodeRecord {
	out := nodeRecord{Name: name, Namespace: namespace, Tags: []string{}}
	for _, t := range tags {
		if !scratch.Owns(t) {
			out.Tags = append(out.Tags, t)
		}
	}
	slices.Sort(out.Tags)
	return out
}

// readUpgradeRecord reads FILE; missing says whether it does not exist yet.
func readUpgradeRecord(path string) (rec *upgradeRecord, missing bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	rec = &upgradeRecord{}
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, false, fmt.Errorf("%s is not an upgrade record of orka-conformance: %w", path, err)
	}
	if rec.Version != upgradeRecordVersion {
		return nil, false, fmt.Errorf("%s has format version %d; this probe reads version %d", path, rec.Version, upgradeRecordVersion)
	}
	return rec, false, nil
}

// write saves the record (readable by its owner only: it names the cluster's nodes).
func (r *upgradeRecord) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
