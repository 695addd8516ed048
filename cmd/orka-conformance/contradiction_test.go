package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// intercept passes requests that match to the simulator and hands its recorded answer to
// answer, which writes what the test's cluster says instead; other requests go straight through.
func intercept(match func(*http.Request) bool, answer func(w http.ResponseWriter, rec *httptest.ResponseRecorder)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			answer(w, rec)
		})
	}
}

// writeAnswer writes status, header and body as the answer.
func writeAnswer(w http.ResponseWriter, status int, header http.Header, body []byte) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// rewriteAnswers changes the simulator's answers to requests that match: a cluster that
// disagrees with the contract.
func rewriteAnswers(match func(*http.Request) bool, change func([]byte) []byte) func(http.Handler) http.Handler {
	return intercept(match, func(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
		writeAnswer(w, rec.Code, rec.Header(), change(rec.Body.Bytes()))
	})
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

// Interrupted right after it tagged a node, the probe still removes its tag (and only its tag)
// in the cleanup.
func TestProbeRemovesItsNodeTagWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/nodes/mini-arm-1/tag") {
				cancel() // as if the user pressed Ctrl-C
			}
		})
	}
	sim, getenv := simulator(t, handler)
	must(t, sim.SetNodeTags("mini-arm-1", "gpu"))
	code, report := runIt(t, ctx, getenv, "-tag-node", "mini-arm-1")
	if code != 2 || !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Errorf("exit %d; want 2 and a complete cleanup", code)
	}
	if tags := sim.Snapshot().Nodes["mini-arm-1"].OrkaTags; !slices.Equal(tags, []string{"gpu"}) {
		t.Errorf("tags of mini-arm-1 after the interrupted run: %v, want [gpu]", tags)
	}
	var untagged bool
	for _, r := range sim.Requests() {
		untagged = untagged || strings.HasSuffix(r.Path, "/nodes/mini-arm-1/untag") && r.Status == http.StatusOK
	}
	if !untagged {
		t.Error("the cleanup did not untag the node")
	}
}

// Without the mode flags the probe deploys, caches, saves, pushes, deletes images and tags
// nothing; each item those modes check is "not checked" and names the mode it needs. Reading the
// image cache (imagecache-read) changes nothing, so a plain run does that on either family of
// routes; it adds to and removes from the cache on neither.
func TestProbeWithoutModeFlags(t *testing.T) {
	sim, getenv := simulator(t, nil)
	code, report := runIt(t, context.Background(), getenv)
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, it := range items {
		want := confirmed
		if it.Needs != "" {
			want = notChecked
		}
		if got := outcomeOf(report, it.ID); got != want {
			t.Errorf("item %s: %q, want %q", it.ID, got, want)
		}
		if it.Needs != "" && !regexp.MustCompile(`(?m)^  NOT CHECKED\s+`+regexp.QuoteMeta(it.ID)+`\s.*\n      `+regexp.QuoteMeta(needsWhy[it.Needs])+`$`).MatchString(report) {
			t.Errorf("item %s does not say it %s", it.ID, needsWhy[it.Needs])
		}
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" && (strings.HasSuffix(r.Path, "/vms") || strings.HasSuffix(r.Path, "/save") ||
			strings.HasSuffix(r.Path, "/push") || strings.HasSuffix(r.Path, "/tag") || strings.HasSuffix(r.Path, "/namespace")) ||
			r.Method != "GET" && (strings.Contains(r.Path, "/cache/images") || strings.Contains(r.Path, "/imagecache")) ||
			r.Method == "DELETE" && strings.Contains(r.Path, "/images/") {
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

// rewriteRequests changes the body of matching requests before the simulator sees them: a
// cluster that expects other field names than the client sends.
func rewriteRequests(match func(*http.Request) bool, change func([]byte) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r) {
				body, _ := io.ReadAll(r.Body)
				body = change(body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// answerInstead replaces the simulator's answer to matching requests whose status is from,
// with status to and body.
func answerInstead(match func(*http.Request) bool, from, to int, header http.Header, body string) func(http.Handler) http.Handler {
	return intercept(match, func(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
		if rec.Code != from {
			writeAnswer(w, rec.Code, rec.Header(), rec.Body.Bytes())
			return
		}
		writeAnswer(w, to, header, []byte(body))
	})
}

func route(method, suffix string) func(*http.Request) bool {
	re := regexp.MustCompile(suffix + `$`)
	return func(r *http.Request) bool { return r.Method == method && re.MatchString(r.URL.Path) }
}

// A cluster that disagrees on the node tag body, the save body, the saved image's state, the
// 409 of a taken image name or the deploy timeout's answer: each item is contradicted, with
// the request, Orka's status and a redacted excerpt of its answer; the exit status is 1 and the
// cleanup is complete.
func TestProbeContradictsTagSaveAndTimeoutItems(t *testing.T) {
	cases := []struct {
		id      string
		handler func(http.Handler) http.Handler
		answer  string // regexp of the quoted answer
	}{
		{"node-tag-body",
			rewriteRequests(route("POST", `/nodes/mini-arm-1/tag`), func(b []byte) []byte { return bytes.Replace(b, []byte(`"tag"`), []byte(`"label"`), 1) }),
			`answer: POST /api/v1/namespaces/orka-default/nodes/mini-arm-1/tag -> 400 \{"kind":"Status".*"message":"invalid value for tag`},
		{"vm-save-body",
			rewriteRequests(route("POST", `/save`), func(b []byte) []byte { return bytes.Replace(b, []byte(`"imageName"`), []byte(`"name"`), 1) }),
			`answer: POST /api/v1/namespaces/orka-default/vms/orka-tfacc-vm-[0-9a-f]+/save -> 400 \{"kind":"Status".*imageName`},
		{"vm-save-image-state",
			rewriteAnswers(route("GET", `/images/orka-tfacc-img-[0-9a-f]+`), func(b []byte) []byte { return regexp.MustCompile(`,"state":"[^"]*"`).ReplaceAll(b, nil) }),
			`answer: GET /api/v1/namespaces/orka-default/images/orka-tfacc-img-[0-9a-f]+ -> 200 \{"name":"orka-tfacc-img-`},
		{"vm-save-conflict",
			answerInstead(route("POST", `/save`), http.StatusConflict, http.StatusOK, nil, `{"kind":"Status","status":"Success","message":"saving"}`),
			`answer: POST /api/v1/namespaces/orka-default/vms/orka-tfacc-vm-[0-9a-f]+/save -> 200 \{"kind":"Status","status":"Success"`},
		{"deploy-timeout-error",
			rewriteAnswers(route("POST", `/vms`), func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"reason":"Timeout"`), []byte(`"reason":"InternalError"`), 1)
			}),
			`answer: POST /api/v1/namespaces/orka-tfacc-conf-[0-9a-f]+/vms -> 500 \{"kind":"Status".*"message":"timed out after 1 minute`},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			sim, getenv := simulator(t, tc.handler)
			code, report := runIt(t, context.Background(), getenv, probeArgs...)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if got := outcomeOf(report, tc.id); got != contradicted {
				t.Errorf("%s: %q, want contradicted", tc.id, got)
			}
			if !regexp.MustCompile(tc.answer).MatchString(report) {
				t.Errorf("the contradiction does not quote the answer (want %s)", tc.answer)
			}
			if !strings.Contains(report, "cleanup: everything the probe created was removed") {
				t.Error("the cleanup was not complete")
			}
			assertNoScratch(t, sim)
			for name, n := range sim.Snapshot().Nodes {
				for _, tag := range n.OrkaTags {
					if scratch.Owns(tag) {
						t.Errorf("node %s keeps the scratch tag %s", name, tag)
					}
				}
			}
		})
	}
}

// Across an upgrade: a node that moved and lost a tag contradicts node-placement-survives-
// upgrades, naming the node and quoting the node list; a user token refused afterwards
// contradicts user-token-survives-upgrades with the 401; a service-account token leaves that
// item unchecked, saying a user token is needed.
func TestProbeContradictsUpgradeItems(t *testing.T) {
	t.Run("placement", func(t *testing.T) {
		sim, getenv := simulator(t, nil)
		must(t, sim.SetNodeTags("mini-arm-2", "gpu"))
		file := upgradeAround(t, getenv, func() {
			must(t, adminClient(t, getenv).CreateNamespace(context.Background(), "orka-ci", false))
			must(t, sim.MoveNode("mini-arm-2", "orka-ci"))
			must(t, sim.SetNodeTags("mini-arm-2"))
		})
		code, report := runIt(t, context.Background(), getenv, "-after-upgrade", file)
		if code != 1 || outcomeOf(report, "node-placement-survives-upgrades") != contradicted {
			t.Errorf("exit %d, node-placement-survives-upgrades %q; want 1 and contradicted", code, outcomeOf(report, "node-placement-survives-upgrades"))
		}
		if !strings.Contains(report, "mini-arm-2: namespace orka-default, tags [gpu] before; namespace orka-ci, tags [] now") {
			t.Error("the contradiction does not name the node and what changed")
		}
		if !regexp.MustCompile(`answer: GET /api/v1/namespaces/orka-ci/nodes -> 200 \{"items":\[\{.*"name":"mini-arm-2"`).MatchString(report) {
			t.Error("the contradiction does not quote the node list")
		}
		if strings.Contains(report, "mini-arm-1:") {
			t.Error("an unchanged node is named")
		}
	})
	t.Run("user token refused", func(t *testing.T) {
		sim, getenv := simulator(t, nil)
		file := upgradeAround(t, getenv, func() { sim.RevokeAdminToken(true) })
		code, report := runIt(t, context.Background(), getenv, "-after-upgrade", file)
		if code != 2 {
			t.Errorf("exit %d, want 2 (the probe cannot go on without its token)", code)
		}
		if outcomeOf(report, "user-token-survives-upgrades") != contradicted ||
			!strings.Contains(report, "is refused with 401") ||
			!regexp.MustCompile(`answer: GET /api/v1/namespaces/orka-default/vmconfigs -> 401 \{"kind":"Status"`).MatchString(report) {
			t.Error("the refused token is not reported contradicted with the 401 answer")
		}
		if strings.Contains(report, sim.AdminToken()) {
			t.Error("the report shows the token")
		}
	})
	t.Run("service-account token", func(t *testing.T) {
		sim, getenv := simulator(t, nil)
		ctx := context.Background()
		c := adminClient(t, getenv)
		must(t, c.CreateServiceAccount(ctx, "orka-default", "ci-bot"))
		tok, err := c.CreateServiceAccountToken(ctx, "orka-default", "ci-bot", orka.TokenRequest{})
		must(t, err)
		saEnv := func(k string) string {
			if k == "ORKA_TOKEN" {
				return tok
			}
			return getenv(k)
		}
		file := filepath.Join(t.TempDir(), "upgrade.json")
		if code, out := runIt(t, ctx, saEnv, "-before-upgrade", file); code != 0 || !strings.Contains(out, "a service-account token (orka-default/ci-bot)") {
			t.Fatalf("-before-upgrade with a service-account token: exit %d", code)
		}
		record, err := os.ReadFile(file)
		must(t, err)
		if strings.Contains(string(record), tok) {
			t.Error("the upgrade record holds the token")
		}
		simControl(t, getenv, "/_sim/upgrade", `{"type": "patch"}`)
		_, report := runIt(t, ctx, getenv, "-after-upgrade", file)
		if outcomeOf(report, "user-token-survives-upgrades") != notChecked ||
			!strings.Contains(report, "this item needs a user token (orka3 user get-token)") {
			t.Error("with a service-account token the item is not 'not checked, needs a user token'")
		}
		_ = sim
	})
}

// In a maintenance window answered by a proxy's 502 page without Retry-After, the item is
// contradicted with that answer, and the finding goes into the upgrade record; outside a
// window the item is "not checked" and says why.
func TestProbeContradictsMaintenanceItem(t *testing.T) {
	handler := answerInstead(func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") },
		http.StatusServiceUnavailable, http.StatusBadGateway, http.Header{"Content-Type": {"text/html"}}, "<html><body>502 Bad Gateway</body></html>")
	sim, getenv := simulator(t, handler)
	file := filepath.Join(t.TempDir(), "upgrade.json")

	code, report := runIt(t, context.Background(), getenv, "-during-maintenance", file)
	if code != 0 || outcomeOf(report, "error-codes-unavailable") != notChecked || !strings.Contains(report, "no maintenance window is on now") {
		t.Errorf("outside a window: exit %d, %q; want 0 and not checked", code, outcomeOf(report, "error-codes-unavailable"))
	}

	simControl(t, getenv, "/_sim/maintenance", `{"duration": "1h"}`)
	code, report = runIt(t, context.Background(), getenv, "-during-maintenance", file)
	if code != 1 || outcomeOf(report, "error-codes-unavailable") != contradicted {
		t.Errorf("exit %d, error-codes-unavailable %q; want 1 and contradicted", code, outcomeOf(report, "error-codes-unavailable"))
	}
	if !strings.Contains(report, "answer: GET /api/v1/namespaces/orka-default/vmconfigs -> 502 <html><body>502 Bad Gateway</body></html>") {
		t.Error("the contradiction does not quote the proxy's answer")
	}
	sim.Maintenance(0)
	// The window is over: a run now keeps the finding, and the run after the upgrade reports it.
	if code, _ := runIt(t, context.Background(), getenv, "-during-maintenance", file); code != 0 {
		t.Errorf("after the window: exit %d", code)
	}
	code, report = runIt(t, context.Background(), getenv, "-after-upgrade", file)
	if code != 1 || outcomeOf(report, "error-codes-unavailable") != contradicted || !strings.Contains(report, "-> 502 <html>") {
		t.Errorf("after the upgrade: exit %d, error-codes-unavailable %q; want the finding carried over", code, outcomeOf(report, "error-codes-unavailable"))
	}
	if outcomeOf(report, "node-placement-survives-upgrades") != notChecked || !strings.Contains(report, "has no -before-upgrade part") {
		t.Error("without a -before-upgrade record the upgrade items do not say what they need")
	}
}
