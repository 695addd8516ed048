package main

import "time"

// Outcomes of a recovery.
const (
	outcomeRunning   = "running"
	outcomeRecovered = "recovered"
	outcomeFailed    = "failed"
)

// recovery is one attempt at putting the estate back: the runs queued, in order, and how it ended.
type recovery struct {
	Trigger    string      `json:"trigger"`
	Workspace  string      `json:"workspace"`
	Key        string      `json:"key"`
	StartedAt  time.Time   `json:"started_at"`
	FinishedAt time.Time   `json:"finished_at,omitzero"`
	Outcome    string      `json:"outcome"`
	Reason     string      `json:"reason,omitempty"`
	Runs       []runRecord `json:"runs"`
}

// runRecord is one run the receiver queued. It is written to the state file as soon as HCP
// Terraform accepted the run, so that a restart watches that run instead of queuing another.
type runRecord struct {
	Workspace string `json:"workspace"`
	RunID     string `json:"run_id"`
	Status    string `json:"status"`
}

func (r *recovery) run(workspace string) *runRecord {
	for i := range r.Runs {
		if r.Runs[i].Workspace == workspace {
			return &r.Runs[i]
		}
	}
	return nil
}
