package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// recoverer queues the recovery runs in order: the admin workspace first (it mints the pools'
// new tokens and writes them into the pool workspaces), and only once its run has finished
// without error, every pool workspace. A pool run queued before the admin run applied would
// run on a dead token, error, and pause the pool's health assessments.
type recoverer struct {
	hcp   *hcpClient
	state *stateFile
	log   *slog.Logger
	admin string
	pools []string
	// adminConfirm leaves the admin run waiting for a person to confirm its plan (pool runs
	// always apply by themselves: they only put back what the configuration declares).
	adminConfirm bool
	pollInterval time.Duration
	runTimeout   time.Duration
	now          func() time.Time
}

// run carries out (or, after a restart, carries on with) the recovery recorded in the state
// file. Runs already recorded there are watched, never queued again.
func (r *recoverer) run(ctx context.Context) {
	rec := r.state.snapshot()
	if rec == nil || rec.Outcome != outcomeRunning {
		return
	}
	log := r.log.With("trigger", rec.Trigger, "source_workspace", rec.Workspace)
	stages := [][]string{}
	if r.admin != "" {
		stages = append(stages, []string{r.admin})
	}
	if len(r.pools) > 0 {
		stages = append(stages, r.pools)
	}
	for i, stage := range stages {
		if err := r.stage(ctx, log, rec, stage); err != nil {
			if ctx.Err() != nil {
				log.Warn("stopped before the recovery finished; the next start carries on with it", "error", err)
				return
			}
			reason := err.Error()
			if i == 0 && r.admin != "" {
				reason += adminAdvice(r.admin, len(r.pools))
			}
			r.finish(log, outcomeFailed, reason)
			return
		}
	}
	r.finish(log, outcomeRecovered, "")
}

// adminAdvice is what a person does when the admin run could not recover: on a MacStadium-hosted
// cluster its token is an administrator's one-hour user token, dead long before any upgrade ends.
func adminAdvice(admin string, pools int) string {
	s := fmt.Sprintf("; no pool run was queued. Paste a fresh administrator token (orka3 user get-token) into "+
		"workspace %s's ORKA_TOKEN and start a run there", admin)
	if pools > 0 {
		s += "; its run triggers (or the next notification, once the retry delay has passed) bring the pools back"
	}
	return s
}

// stage queues a run in every workspace of the stage that has none recorded yet, then waits
// until each has finished. It fails when any run fails or outlives the run timeout.
func (r *recoverer) stage(ctx context.Context, log *slog.Logger, rec *recovery, workspaces []string) error {
	for _, ws := range workspaces {
		if have := rec.run(ws); have != nil {
			log.Info("watching the run queued before the restart", "workspace", ws, "run", have.RunID)
			continue
		}
		id, err := r.hcp.workspaceID(ctx, ws)
		if err != nil {
			return fmt.Errorf("could not queue a run in workspace %s: %w", ws, err)
		}
		msg := fmt.Sprintf("Orka recovery after %s in %s (orka-recovery-receiver)", rec.Trigger, rec.Workspace)
		runID, err := r.hcp.queueRun(ctx, id, msg, !r.adminConfirm || ws != r.admin)
		if err != nil {
			return fmt.Errorf("could not queue a run in workspace %s: %w", ws, err)
		}
		rr := runRecord{Workspace: ws, RunID: runID, Status: "pending"}
		rec.Runs = append(rec.Runs, rr)
		if err := r.state.update(func(d *stateData) { d.Recovery.Runs = append(d.Recovery.Runs, rr) }); err != nil {
			// The run is queued but the file does not say so: a restart would queue another
			// one. Say so plainly; the recovery goes on.
			log.Error("run queued but not recorded in the state file; a restart now would queue it again",
				"workspace", ws, "run", runID, "error", err)
		}
		log.Info("run queued", "workspace", ws, "run", runID)
	}
	var failed []string
	for _, ws := range workspaces {
		status, err := r.wait(ctx, log, rec.run(ws))
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		log.Info("run finished", "workspace", ws, "run", rec.run(ws).RunID, "status", status)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

// wait polls one run until it reaches a final status. A failed read is logged and retried: the
// run goes on in HCP Terraform whether or not the receiver can see it.
func (r *recoverer) wait(ctx context.Context, log *slog.Logger, rr *runRecord) (string, error) {
	deadline := r.now().Add(r.runTimeout)
	last := rr.Status
	for {
		status, err := r.hcp.runStatus(ctx, rr.RunID)
		switch {
		case err != nil:
			log.Warn("could not read the run; trying again", "workspace", rr.Workspace, "run", rr.RunID, "error", err)
		case status != last:
			last = status
			r.recordStatus(rr.Workspace, status)
		}
		if err == nil && runSucceeded(status) {
			return status, nil
		}
		if err == nil && runFailed(status) {
			return status, fmt.Errorf("run %s in workspace %s ended %s", rr.RunID, rr.Workspace, status)
		}
		if r.now().After(deadline) {
			return last, fmt.Errorf("run %s in workspace %s is still %s after %s: look at it in HCP Terraform",
				rr.RunID, rr.Workspace, last, r.runTimeout)
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("stopped while waiting for run %s in workspace %s (%s); a restart watches it again",
				rr.RunID, rr.Workspace, last)
		case <-time.After(r.pollInterval):
		}
	}
}

func (r *recoverer) recordStatus(workspace, status string) {
	err := r.state.update(func(d *stateData) {
		if rr := d.Recovery.run(workspace); rr != nil {
			rr.Status = status
		}
	})
	if err != nil {
		r.log.Warn("could not record a run's status in the state file", "workspace", workspace, "error", err)
	}
}

func (r *recoverer) finish(log *slog.Logger, outcome, reason string) {
	err := r.state.update(func(d *stateData) {
		d.Recovery.Outcome = outcome
		d.Recovery.Reason = reason
		d.Recovery.FinishedAt = r.now()
	})
	if err != nil {
		log.Error("could not record the recovery's outcome in the state file", "error", err)
	}
	if outcome == outcomeRecovered {
		log.Info("recovery finished: every run applied or had nothing to change")
		return
	}
	log.Error("recovery failed", "reason", reason)
}
