package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxBody bounds what the receiver reads of a request; notifications are a few KiB.
const maxBody = 1 << 20

// receiver is the webhook endpoint: it verifies each notification's signature, decides from the
// state file whether the notification starts a recovery, and starts it in the background (HCP
// Terraform does not wait hours for an answer).
type receiver struct {
	secret       []byte
	organization string
	triggers     []string
	cooldown     time.Duration
	retryAfter   time.Duration
	state        *stateFile
	recoverer    *recoverer
	log          *slog.Logger
	now          func() time.Time

	ctx context.Context // ends the background recovery on shutdown
	wg  sync.WaitGroup
}

// watched reports whether notifications from this workspace concern the estate the receiver
// recovers; others (another team's workspace subscribed by mistake) are ignored.
func (rc *receiver) watched(workspace string) bool {
	return workspace == rc.recoverer.admin || slices.Contains(rc.recoverer.pools, workspace)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST a notification here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "the body could not be read or is larger than 1 MiB", http.StatusBadRequest)
		return
	}
	if !validSignature(rc.secret, body, req.Header.Get(signatureHeader)) {
		rc.log.Warn("rejected a request without a valid signature", "remote", req.RemoteAddr,
			"has_signature", req.Header.Get(signatureHeader) != "")
		http.Error(w, "missing or invalid "+signatureHeader, http.StatusUnauthorized)
		return
	}
	n, err := parseNotification(body)
	if err != nil {
		rc.log.Warn("rejected a signed request that is not a notification", "error", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	log := rc.log.With("trigger", n.Trigger, "workspace", n.workspace(), "notification", n.key)
	switch {
	case n.Trigger == triggerVerification:
		log.Info("verification notification received")
		reply(w, http.StatusOK, "verified")
		return
	case !slices.Contains(rc.triggers, n.Trigger):
		log.Info("ignored: not a trigger this receiver acts on")
		reply(w, http.StatusOK, "ignored: trigger "+n.Trigger+" is not acted on")
		return
	case n.organization() != rc.organization || !rc.watched(n.workspace()):
		log.Warn("ignored: the notification comes from a workspace this receiver does not recover",
			"organization", n.organization())
		reply(w, http.StatusOK, "ignored: workspace not recovered by this receiver")
		return
	}

	now := rc.now()
	var start bool
	var why string
	err = rc.state.update(func(d *stateData) {
		start, why = d.decide(n.key, now, rc.cooldown, rc.retryAfter)
		d.remember(n.key, now)
		if start {
			d.Recovery = &recovery{Trigger: n.Trigger, Workspace: n.workspace(), Key: n.key,
				StartedAt: now, Outcome: outcomeRunning, Runs: []runRecord{}}
		}
	})
	if err != nil {
		// Nothing is queued on a decision a restart would forget; HCP Terraform's delivery
		// shows the failure.
		log.Error("could not write the state file; nothing queued", "error", err)
		http.Error(w, "the receiver could not record the notification; nothing was queued", http.StatusInternalServerError)
		return
	}
	if !start {
		log.Info("nothing queued", "reason", why)
		reply(w, http.StatusOK, "nothing queued: "+why)
		return
	}
	log.Info("recovery started")
	rc.startRecovery()
	reply(w, http.StatusAccepted, "recovery started")
}

// resume carries on, at start, with a recovery the previous process left under way: its runs
// are watched, the ones it had not queued yet are queued.
func (rc *receiver) resume() {
	if rec := rc.state.snapshot(); rec != nil && rec.Outcome == outcomeRunning {
		rc.log.Info("carrying on with the recovery the last start left under way", "started_at", rec.StartedAt, "runs", len(rec.Runs))
		rc.startRecovery()
	}
}

// startRecovery runs the recorded recovery in the background; wait waits for it.
func (rc *receiver) startRecovery() {
	rc.wg.Add(1)
	go func() {
		defer rc.wg.Done()
		rc.recoverer.run(rc.ctx)
	}()
}

func (rc *receiver) wait() { rc.wg.Wait() }

func reply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
