package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// handledFor is how long a notification's key is remembered: far longer than HCP Terraform
// keeps retrying a delivery, short enough that the file stays small.
const handledFor = 30 * 24 * time.Hour

// stateFile is what survives a restart: which notifications were handled and the latest
// recovery. Every change is written to disk (a temporary file renamed over the old one) before
// the receiver acts on it.
type stateFile struct {
	path string
	mu   sync.Mutex
	data stateData
}

type stateData struct {
	Handled  map[string]time.Time `json:"handled"`
	Recovery *recovery            `json:"recovery,omitempty"`
}

func loadState(path string) (*stateFile, error) {
	s := &stateFile{path: path, data: stateData{Handled: map[string]time.Time{}}}
	b, err := os.ReadFile(path) //nolint:gosec // the operator names the state file
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, s.saveLocked()
	case err != nil:
		return nil, fmt.Errorf("reading the state file: %w", err)
	}
	if err := json.Unmarshal(b, &s.data); err != nil {
		return nil, fmt.Errorf("the state file %s is not valid JSON (%v): move it away to start afresh, "+
			"knowing that the receiver then forgets which recovery it last ran", path, err)
	}
	if s.data.Handled == nil {
		s.data.Handled = map[string]time.Time{}
	}
	return s, nil
}

// update changes the state under the lock and writes it; a failed write is returned so that
// the caller does not act on a decision a restart would forget.
func (s *stateFile) update(f func(d *stateData)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.data)
	return s.saveLocked()
}

// snapshot returns a copy of the latest recovery (nil when there was none).
func (s *stateFile) snapshot() *recovery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data.Recovery == nil {
		return nil
	}
	r := *s.data.Recovery
	r.Runs = append([]runRecord(nil), r.Runs...)
	return &r
}

func (s *stateFile) saveLocked() error {
	b, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil { //nolint:gosec // the operator names the state file
		return fmt.Errorf("creating the state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("writing the state file: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the write error is the one to report
		return fmt.Errorf("writing the state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the sync error is the one to report
		return fmt.Errorf("writing the state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil { //nolint:gosec // the operator names the state file
		return fmt.Errorf("writing the state file: %w", err)
	}
	return nil
}

// decide says whether a notification with this key starts a recovery now, and why not. It is
// the "once per upgrade" rule: a key seen before never starts one; a recovery under way absorbs
// every notification; one that recovered holds off further recoveries for cooldown (the other
// workspaces' assessments report the same upgrade); one that failed may be tried again after
// retryAfter, when a later assessment still reports trouble.
func (d *stateData) decide(key string, now time.Time, cooldown, retryAfter time.Duration) (bool, string) {
	if at, ok := d.Handled[key]; ok {
		return false, fmt.Sprintf("this notification was already handled at %s", at.Format(time.RFC3339))
	}
	r := d.Recovery
	switch {
	case r == nil:
		return true, ""
	case r.Outcome == outcomeRunning:
		return false, fmt.Sprintf("the recovery started at %s (after %s in %s) is still under way",
			r.StartedAt.Format(time.RFC3339), r.Trigger, r.Workspace)
	case r.Outcome == outcomeRecovered && now.Sub(r.FinishedAt) < cooldown:
		return false, fmt.Sprintf("a recovery finished at %s; the next may start after %s",
			r.FinishedAt.Format(time.RFC3339), r.FinishedAt.Add(cooldown).Format(time.RFC3339))
	case r.Outcome == outcomeFailed && now.Sub(r.FinishedAt) < retryAfter:
		return false, fmt.Sprintf("the recovery that failed at %s may be tried again after %s",
			r.FinishedAt.Format(time.RFC3339), r.FinishedAt.Add(retryAfter).Format(time.RFC3339))
	}
	return true, ""
}

func (d *stateData) remember(key string, now time.Time) {
	for k, at := range d.Handled {
		if now.Sub(at) > handledFor {
			delete(d.Handled, k)
		}
	}
	d.Handled[key] = now
}
