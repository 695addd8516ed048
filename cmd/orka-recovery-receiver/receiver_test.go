package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testOrg    = "acme"
	testSecret = "notification-token-0123456789"
	testToken  = "team-token-abc"
)

// harness is a receiver wired to a fake HCP Terraform, with a clock the test moves and a log it
// reads.
type harness struct {
	t     *testing.T
	hcp   *fakeHCP
	rc    *receiver
	srv   *httptest.Server
	state string
	clock *fakeClock
	logs  *syncBuffer
	stop  context.CancelFunc
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// sign is the signature HCP Terraform sends for body.
func sign(token, body []byte) string {
	mac := hmac.New(sha512.New, token)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func testConfig(hcpURL, statePath string) *config {
	return &config{
		address: hcpURL, organization: testOrg, admin: "orka-admin", pools: []string{"orka-pool-a", "orka-pool-b"},
		statePath: statePath, triggers: []string{triggerAssessmentFailed, triggerDrifted},
		cooldown: 12 * time.Hour, retryAfter: time.Hour, pollInterval: time.Millisecond, runTimeout: time.Minute,
		tfeToken: testToken, notificationToken: testSecret,
	}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, state: filepath.Join(t.TempDir(), "state.json"),
		clock: &fakeClock{t: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}}
	h.hcp = newFakeHCP(t, testOrg, testToken, "orka-admin", "orka-pool-a", "orka-pool-b", "other-team")
	h.start()
	return h
}

// start (re)starts the receiver on the harness's state file, as a process restart would.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	h.logs = &syncBuffer{}
	rc, err := newReceiver(ctx, testConfig(h.hcp.URL, h.state), slog.New(slog.NewTextHandler(h.logs, nil)))
	if err != nil {
		h.t.Fatal(err)
	}
	rc.now = h.clock.now
	rc.recoverer.now = h.clock.now
	rc.resume()
	h.rc = rc
	h.srv = httptest.NewServer(rc)
	h.t.Cleanup(func() { cancel(); rc.wait(); h.srv.Close() })
}

// restart stops the receiver (ending any recovery under way) and starts a new one.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.rc.wait()
	h.srv.Close()
	h.start()
}

func assessment(trigger, workspace, resultID string) []byte {
	return fmt.Appendf(nil, `{
  "payload_version": "2",
  "notification_configuration_id": "nc-test",
  "notification_configuration_url": "https://app.terraform.io/api/v2/notification-configurations/nc-test",
  "trigger_scope": "assessment",
  "trigger": %q,
  "message": "Health Assessment Failed",
  "details": {
    "new_assessment_result": {"id": %q, "succeeded": false, "created_at": "2026-12-06T03:00:00Z"},
    "prior_assessment_result": {"id": "asmtres-prior", "succeeded": true},
    "workspace_id": "ws-x", "workspace_name": %q, "organization_name": %q
  }
}`, trigger, resultID, workspace, testOrg)
}

// post sends body signed with secret (no header when secret is empty) and returns the status
// and the answer.
func (h *harness) post(body []byte, secret string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set(signatureHeader, sign([]byte(secret), body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) wantEvents(want string) {
	h.t.Helper()
	if got := h.hcp.eventLog(); got != want {
		h.t.Fatalf("HCP Terraform saw:\n  %s\nwant:\n  %s\nreceiver log:\n%s", got, want, h.logs.String())
	}
}

const fullRecovery = "queued orka-admin; finished orka-admin applied; " +
	"queued orka-pool-a; queued orka-pool-b; finished orka-pool-a applied; finished orka-pool-b applied"

func TestHealthAssessmentErroredRecoversOnceInOrder(t *testing.T) {
	h := newHarness(t)
	status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"), testSecret)
	if status != http.StatusAccepted {
		t.Fatalf("status %d (%s), want 202", status, answer)
	}
	h.rc.wait()
	// The admin run applied before any pool run was queued.
	h.wantEvents(fullRecovery)
	if len(h.hcp.autoOff) != 0 {
		t.Errorf("runs queued without auto-apply: %v", h.hcp.autoOff)
	}
	if m := h.hcp.messages[0]; !strings.Contains(m, triggerAssessmentFailed) || !strings.Contains(m, "orka-pool-a") {
		t.Errorf("run message %q does not say what started it", m)
	}
	if rec := h.rc.state.snapshot(); rec.Outcome != outcomeRecovered || len(rec.Runs) != 3 {
		t.Errorf("recorded recovery %+v, want recovered with 3 runs", rec)
	}

	// The same notification again, a follow-up from the other pool and a drift report: nothing.
	for _, body := range [][]byte{
		assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"),
		assessment(triggerAssessmentFailed, "orka-pool-b", "asmtres-2"),
		assessment(triggerDrifted, "orka-pool-a", "asmtres-3"),
	} {
		status, answer := h.post(body, testSecret)
		if status != http.StatusOK || !strings.Contains(answer, "nothing queued") {
			t.Errorf("follow-up answered %d %q, want 200 nothing queued", status, answer)
		}
	}
	// Nor after a restart, from the state file alone.
	h.restart()
	status, answer = h.post(assessment(triggerAssessmentFailed, "orka-pool-b", "asmtres-4"), testSecret)
	h.rc.wait()
	if status != http.StatusOK || !strings.Contains(answer, "nothing queued") {
		t.Errorf("after a restart, a follow-up answered %d %q", status, answer)
	}
	h.wantEvents(fullRecovery)

	// Past the cooldown, the notification handled before still starts nothing (HCP Terraform
	// redelivering it), while a new upgrade's notification starts a new recovery.
	h.clock.advance(13 * time.Hour)
	if status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"), testSecret); status != http.StatusOK {
		t.Fatalf("a redelivered notification after the cooldown: %d %q, want 200", status, answer)
	}
	if status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-5"), testSecret); status != http.StatusAccepted {
		t.Fatalf("after the cooldown: %d %q, want 202", status, answer)
	}
	h.rc.wait()
	h.wantEvents(fullRecovery + "; " + fullRecovery)
}

func TestAdminConfirmLeavesOnlyTheAdminPlanForAPerson(t *testing.T) {
	h := newHarness(t)
	h.rc.recoverer.adminConfirm = true
	if status, _ := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"), testSecret); status != http.StatusAccepted {
		t.Fatalf("status %d, want 202", status)
	}
	h.rc.wait()
	h.wantEvents(fullRecovery)
	if got := strings.Join(h.hcp.autoOff, ","); got != "run-00000001" {
		t.Errorf("runs queued without auto-apply: %q, want only the admin run", got)
	}
}

func TestBadSignatureIsRejectedAndQueuesNothing(t *testing.T) {
	h := newHarness(t)
	body := assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1")
	cases := map[string]func() (int, string){
		"no signature": func() (int, string) { return h.post(body, "") },
		"wrong token":  func() (int, string) { return h.post(body, "some-other-token-0123") },
		"body changed": func() (int, string) {
			return h.postWithSignature(bytes.Replace(body, []byte("pool-a"), []byte("pool-b"), 1), sign([]byte(testSecret), body))
		},
		"not hex":         func() (int, string) { return h.postWithSignature(body, "zz"+sign([]byte(testSecret), body)[2:]) },
		"truncated":       func() (int, string) { return h.postWithSignature(body, sign([]byte(testSecret), body)[:64]) },
		"sha256 not 512":  func() (int, string) { return h.postWithSignature(body, strings.Repeat("ab", 32)) },
		"empty signature": func() (int, string) { return h.postWithSignature(body, " ") },
	}
	for name, send := range cases {
		if status, answer := send(); status != http.StatusUnauthorized {
			t.Errorf("%s: status %d (%s), want 401", name, status, answer)
		}
	}
	h.rc.wait()
	if n := h.hcp.created(); n != 0 {
		t.Fatalf("%d runs queued for unsigned notifications", n)
	}
	if strings.Contains(h.logs.String(), testSecret) {
		t.Error("the log contains the notification token")
	}
	// The state file does not remember a rejected notification: the genuine one still works.
	if status, _ := h.post(body, testSecret); status != http.StatusAccepted {
		t.Fatalf("the correctly signed notification answered %d, want 202", status)
	}
	h.rc.wait()
	h.wantEvents(fullRecovery)
}

func (h *harness) postWithSignature(body []byte, sig string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL, bytes.NewReader(body))
	req.Header.Set(signatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminRunErroredQueuesNoPoolRun(t *testing.T) {
	h := newHarness(t)
	h.hcp.setFinal("orka-admin", "errored")
	if status, _ := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"), testSecret); status != http.StatusAccepted {
		t.Fatalf("status %d, want 202", status)
	}
	h.rc.wait()
	h.wantEvents("queued orka-admin; finished orka-admin errored")
	rec := h.rc.state.snapshot()
	if rec.Outcome != outcomeFailed || !strings.Contains(rec.Reason, "Paste a fresh administrator token") {
		t.Errorf("recovery %+v: want failed, telling a person what to do", rec)
	}
	if !strings.Contains(h.logs.String(), "recovery failed") {
		t.Errorf("the log does not say the recovery failed:\n%s", h.logs.String())
	}

	// Within the retry delay a later notification starts nothing; after it, one does.
	if status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-b", "asmtres-2"), testSecret); status != http.StatusOK {
		t.Fatalf("within the retry delay: %d %q", status, answer)
	}
	h.clock.advance(2 * time.Hour)
	h.hcp.setFinal("orka-admin", "applied")
	if status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-b", "asmtres-3"), testSecret); status != http.StatusAccepted {
		t.Fatalf("after the retry delay: %d %q", status, answer)
	}
	h.rc.wait()
	h.wantEvents("queued orka-admin; finished orka-admin errored; " + fullRecovery)
}

func TestRestartCarriesOnWithoutRequeuing(t *testing.T) {
	h := newHarness(t)
	h.hcp.setHold("orka-admin", true)
	if status, _ := h.post(assessment(triggerAssessmentFailed, "orka-pool-a", "asmtres-1"), testSecret); status != http.StatusAccepted {
		t.Fatalf("status %d, want 202", status)
	}
	waitFor(t, func() bool { return h.hcp.created() == 1 })
	// While the recovery is under way, another pool's notification adds nothing.
	if status, answer := h.post(assessment(triggerAssessmentFailed, "orka-pool-b", "asmtres-2"), testSecret); status != http.StatusOK || !strings.Contains(answer, "still under way") {
		t.Fatalf("during the recovery: %d %q, want 200 still under way", status, answer)
	}
	h.restart() // while the admin run is still planning
	h.hcp.setHold("orka-admin", false)
	h.rc.wait()
	h.wantEvents(fullRecovery)
	if rec := h.rc.state.snapshot(); rec.Outcome != outcomeRecovered {
		t.Errorf("outcome %q after the restart, want %q", rec.Outcome, outcomeRecovered)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not met")
}

func TestNotificationsThatStartNothing(t *testing.T) {
	h := newHarness(t)
	verification := []byte(`{"payload_version":1,"notification_configuration_id":"nc-test","run_url":null,"run_id":null,
"workspace_name":null,"organization_name":null,"notifications":[{"message":"Verification of test","trigger":"verification","run_status":null}]}`)
	runErrored := []byte(`{"payload_version":1,"notification_configuration_id":"nc-test","run_id":"run-x","workspace_name":"orka-pool-a",
"organization_name":"acme","notifications":[{"message":"Run Errored","trigger":"run:errored","run_status":"errored"}]}`)
	cases := map[string]struct {
		body   []byte
		answer string
	}{
		"verification":                 {verification, "verified"},
		"run notification":             {runErrored, "ignored"},
		"check failure (not opted in)": {assessment(triggerCheckFailed, "orka-pool-a", "asmtres-1"), "ignored"},
		"another team's workspace":     {assessment(triggerAssessmentFailed, "other-team", "asmtres-2"), "ignored"},
	}
	for name, c := range cases {
		status, answer := h.post(c.body, testSecret)
		if status != http.StatusOK || !strings.Contains(answer, c.answer) {
			t.Errorf("%s: %d %q, want 200 %q", name, status, answer, c.answer)
		}
	}
	if status, _ := h.post([]byte("not json"), testSecret); status != http.StatusBadRequest {
		t.Errorf("a signed body that is no notification: %d, want 400", status)
	}
	h.rc.wait()
	if n := h.hcp.created(); n != 0 {
		t.Fatalf("%d runs queued", n)
	}
}

func TestConfigRefusesWhatCannotWork(t *testing.T) {
	env := map[string]string{
		"TFE_ORGANIZATION": "acme", "TFE_TOKEN": "t", "ORKA_RECOVERY_NOTIFICATION_TOKEN": testSecret,
		"ORKA_RECOVERY_ADMIN_WORKSPACE": "orka-admin", "ORKA_RECOVERY_POOL_WORKSPACES": "orka-pool-a, orka-pool-b",
	}
	getenv := func(over map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return env[k]
		}
	}
	c, err := parseConfig(nil, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.pools, "|") != "orka-pool-a|orka-pool-b" || strings.Join(c.triggers, "|") != "assessment:failed|assessment:drifted" {
		t.Errorf("pools %q, triggers %q", c.pools, c.triggers)
	}
	for name, tc := range map[string]struct {
		args []string
		over map[string]string
		want string
	}{
		"no organization":   {nil, map[string]string{"TFE_ORGANIZATION": ""}, "-organization"},
		"no workspaces":     {nil, map[string]string{"ORKA_RECOVERY_ADMIN_WORKSPACE": "", "ORKA_RECOVERY_POOL_WORKSPACES": ""}, "at least one workspace"},
		"no HCP token":      {nil, map[string]string{"TFE_TOKEN": ""}, "TFE_TOKEN"},
		"short secret":      {nil, map[string]string{"ORKA_RECOVERY_NOTIFICATION_TOKEN": "short"}, "at least 16"},
		"unknown trigger":   {[]string{"-triggers", "run:errored"}, nil, `"run:errored" is not one of`},
		"admin also a pool": {[]string{"-pool-workspaces", "orka-admin"}, nil, "both as the admin workspace and as a pool"},
	} {
		_, err := parseConfig(tc.args, getenv(tc.over))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
}
