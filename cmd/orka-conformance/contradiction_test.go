package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// rewriteAnswers changes the simulator's answers to requests that match: a cluster that
// disagrees with the contract.
func rewriteAnswers(match func(*http.Request) bool, change func([]byte) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			body := change(rec.Body.Bytes())
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

// A cluster whose service-account list lacks "namespace" and whose token answer has another
// shape: both items are contradicted with the status and a redacted excerpt (none at all of the
// token answer), the exit status is 1, and the client still worked through the tolerated shape.
func TestProbeReportsContradictions(t *testing.T) {
	saList := regexp.MustCompile(`/serviceaccounts$`)
	handler := func(next http.Handler) http.Handler {
		next = rewriteAnswers(func(r *http.Request) bool { return r.Method == "GET" && saList.MatchString(r.URL.Path) },
			func(b []byte) []byte { return regexp.MustCompile(`,"namespace":"[^"]*"`).ReplaceAll(b, nil) })(next)
		return rewriteAnswers(func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/token") },
			func(b []byte) []byte {
				// {"token": "..."} becomes the Kubernetes TokenRequest shape.
				return append(append([]byte(`{"status":`), b...), '}')
			})(next)
	}
	sim, getenv := simulator(t, handler)
	code, report := runIt(t, context.Background(), getenv)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if got := outcomeOf(report, "serviceaccount-list-shape"); got != contradicted {
		t.Errorf("serviceaccount-list-shape: %q, want contradicted", got)
	}
	if !regexp.MustCompile(`answer: GET /api/v1/namespaces/orka-tfacc-conf-[0-9a-f]+/serviceaccounts -> 200 \{"items":\[\{"name":"orka-tfacc-sa-`).MatchString(report) {
		t.Error("the contradiction does not quote the status and the answer")
	}
	if got := outcomeOf(report, "token-response-shape"); got != contradicted {
		t.Errorf("token-response-shape: %q, want contradicted", got)
	}
	if !strings.Contains(report, "(a token route's answer is never shown)") {
		t.Error("the token answer's excerpt is not withheld")
	}
	// The tolerant client still read the tokens, so the checks that use them ran.
	for _, id := range []string{"token-jwt-claims", "rbac-forbidden", "token-request-options"} {
		if got := outcomeOf(report, id); got != confirmed {
			t.Errorf("%s: %q, want confirmed", id, got)
		}
	}
	if strings.Contains(report, sim.AdminToken()) || jwtLike.MatchString(report) {
		t.Error("the report shows a token")
	}
}

// A server that echoes the registry password in its list: the item is contradicted and the
// quoted excerpt shows neither the password nor the token.
func TestProbeRedactsSecretsInExcerpts(t *testing.T) {
	var mu sync.Mutex
	var password string
	handler := func(next http.Handler) http.Handler {
		echo := rewriteAnswers(func(r *http.Request) bool {
			return r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/registrycredentials")
		}, func(b []byte) []byte {
			mu.Lock()
			defer mu.Unlock()
			return bytes.Replace(b, []byte(`"allowInsecure":false`), []byte(`"allowInsecure":false,"pw":"`+password+`"`), 1)
		})(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/registrycredentials/add") {
				body, _ := io.ReadAll(r.Body)
				var in struct{ Password string }
				_ = json.Unmarshal(body, &in)
				mu.Lock()
				password = in.Password
				mu.Unlock()
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			echo.ServeHTTP(w, r)
		})
	}
	sim, getenv := simulator(t, handler)
	code, report := runIt(t, context.Background(), getenv)
	if code != 1 || outcomeOf(report, "registry-credential-list-shape") != contradicted {
		t.Errorf("exit %d; registry-credential-list-shape %q, want 1 and contradicted", code, outcomeOf(report, "registry-credential-list-shape"))
	}
	if !strings.Contains(report, "the list shows the password") || !strings.Contains(report, `"pw":"***"`) {
		t.Error("the contradiction is not quoted with the password redacted")
	}
	if password == "" || strings.Contains(report, password) || strings.Contains(report, sim.AdminToken()) {
		t.Error("the report shows a secret")
	}
}

// An interrupted run (the context ends halfway) still removes everything it created, says
// so, and exits 2.
func TestProbeCleansUpWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	handler := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/token") {
				once.Do(cancel) // as if the user pressed Ctrl-C
			}
		})
	}
	sim, getenv := simulator(t, handler)
	before := sim.Snapshot()
	code, report := runIt(t, ctx, getenv, probeArgs...)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(report, "STOPPED EARLY") || !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Error("the report does not say the run stopped early and was cleaned up")
	}
	assertNoScratch(t, sim)
	if after := sim.Snapshot(); len(after.Namespaces) != len(before.Namespaces) || len(after.VMConfigs) != len(before.VMConfigs) {
		t.Errorf("left behind: namespaces %v, VM configs %d", after.Namespaces, len(after.VMConfigs))
	}
}

// Without -deploy-vm and -cache-image the probe deploys nothing and caches nothing; those
// items are "not checked" and say which flag they need.
func TestProbeWithoutCapacityFlags(t *testing.T) {
	sim, getenv := simulator(t, nil)
	code, report := runIt(t, context.Background(), getenv)
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, it := range items {
		want := confirmed
		if it.Unprobeable != "" || it.Needs != "" {
			want = notChecked
		}
		if got := outcomeOf(report, it.ID); got != want {
			t.Errorf("item %s: %q, want %q", it.ID, got, want)
		}
	}
	if !strings.Contains(report, "needs -deploy-vm (it uses cluster capacity)") {
		t.Error("the report does not say which flag the VM items need")
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" && (strings.HasSuffix(r.Path, "/vms") || strings.HasSuffix(r.Path, "/imagecache/add")) {
			t.Errorf("without the flags the probe sent %s %s", r.Method, r.Path)
		}
	}
}

// assertNoScratch fails when anything named with the scratch prefix is left.
func assertNoScratch(t *testing.T, sim *orkasim.Server) {
	t.Helper()
	snap := sim.Snapshot()
	for ns := range snap.Namespaces {
		if scratch.Owns(ns) {
			t.Errorf("namespace %s left behind", ns)
		}
	}
	for name := range snap.VMConfigs {
		if scratch.Owns(name) {
			t.Errorf("VM config %s left behind", name)
		}
	}
	for ns, accounts := range snap.ServiceAccounts {
		for _, sa := range accounts {
			if scratch.Owns(sa) {
				t.Errorf("service account %s/%s left behind", ns, sa)
			}
		}
	}
	for ns, vms := range snap.VMs {
		for name := range vms {
			if scratch.Owns(name) {
				t.Errorf("VM %s/%s left behind", ns, name)
			}
		}
	}
}
