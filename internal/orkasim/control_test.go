package orkasim

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMaintenance(t *testing.T) {
	e := newEnv(t, Options{})
	e.sim.Maintenance(1500 * time.Millisecond)
	for _, c := range []struct{ token, path string }{{"", "/api/v1/cluster-info"}, {e.admin, cfgPath}, {"", cfgPath}} {
		r := e.send(c.token, "GET", c.path, nil)
		expectError(t, r, 503, "ServiceUnavailable", "maintenance")
		if r.hdr.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After %q, want 2 (rounded up)", r.hdr.Get("Retry-After"))
		}
	}
	// The control interface keeps working and can end the window.
	e.must(200, "GET", "/_sim/requests", nil)
	e.must(200, "POST", "/_sim/maintenance", map[string]any{"duration": "0s"})
	e.must(200, "GET", cfgPath, nil)

	e.must(200, "POST", "/_sim/maintenance", map[string]any{"duration": "30s"})
	r := e.do("GET", cfgPath, nil)
	if r.code != 503 {
		t.Fatalf("got %d", r.code)
	}
	if ra, _ := strconv.Atoi(r.hdr.Get("Retry-After")); ra < 29 || ra > 30 {
		t.Fatalf("Retry-After %q", r.hdr.Get("Retry-After"))
	}
	expectError(t, e.do("POST", "/_sim/maintenance", map[string]any{"duration": "soon"}), 400, "BadRequest", "duration")
	e.sim.Maintenance(0)
	e.must(200, "GET", cfgPath, nil)
	// A short window ends by itself.
	e.sim.Maintenance(20 * time.Millisecond)
	eventually(t, "the end of the window", func() bool { return e.do("GET", cfgPath, nil).code == 200 })
}

// upgradeFixture builds a cluster with something of everything the upgrade table names.
func upgradeFixture(t *testing.T) (*env, string) {
	e := newEnv(t, Options{Nodes: 4})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.createConfig("ci", nil)
	e.moveNode("mini-arm-3", "orka-default", "orka-ci")
	e.moveNode("mini-arm-4", "orka-default", "orka-ci")
	for _, v := range []struct{ ns, name string }{{"orka-default", "a"}, {"orka-default", "b"}, {"orka-ci", "c"}, {"orka-ci", "d"}, {"orka-ci", "e"}} {
		e.mustDeploy(v.ns, map[string]any{"name": v.name, "vmConfig": "ci"})
	}
	e.createAccount("orka-ci", "runner")
	tok := e.token("orka-ci", "runner", nil)
	e.must(201, "POST", "/api/v1/namespaces/orka-ci/secrets/registrycredentials/add", map[string]any{"server": "https://ghcr.io", "username": "u", "password": "p"})
	e.must(201, "POST", credPath+"/add", map[string]any{"server": "https://quay.io", "username": "u", "password": "p"})
	e.must(201, "POST", base+"/imagecache/add", map[string]any{"image": "sequoia.orkasi", "all": true})
	e.must(201, "POST", "/api/v1/namespaces/orka-ci/imagecache/add", map[string]any{"image": "ghcr.io/o/m:1", "nodes": []string{"mini-arm-3"}})
	return e, tok
}

func TestUpgrade(t *testing.T) {
	cases := []struct {
		typ, vms        string
		deleted         []string
		creds           []string
		caches, tokens  int
		tokenValidAfter bool
	}{
		{"release", "", []string{"orka-ci/c", "orka-ci/d", "orka-ci/e", "orka-default/a", "orka-default/b"}, nil, 2, 1, false},
		{"release", "all", []string{"orka-ci/c", "orka-ci/d", "orka-ci/e", "orka-default/a", "orka-default/b"}, nil, 2, 1, false},
		{"release", "none", nil, nil, 2, 1, false},
		{"release", "some", []string{"orka-ci/c", "orka-ci/e", "orka-default/b"}, nil, 2, 1, false},
		{"infrastructure", "none", []string{"orka-ci/c", "orka-ci/d", "orka-ci/e", "orka-default/a", "orka-default/b"},
			[]string{"orka-ci/https://ghcr.io", "orka-default/https://quay.io"}, 2, 1, false},
		{"patch", "all", nil, nil, 0, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"/"+tc.vms, func(t *testing.T) {
			e, tok := upgradeFixture(t)
			before := e.sim.Snapshot()
			var res UpgradeResult
			r := e.must(200, "POST", "/_sim/upgrade", map[string]any{"type": tc.typ, "vms": tc.vms})
			if strings.Contains(string(r.body), "null") {
				t.Fatalf("null in %s", r.body)
			}
			r.decode(t, &res)
			if fmt.Sprint(res.DeletedVMs) != fmt.Sprint(orEmpty(tc.deleted)) || fmt.Sprint(res.RemovedRegistryCredentials) != fmt.Sprint(orEmpty(tc.creds)) ||
				res.ClearedImageCaches != tc.caches || res.InvalidatedTokens != tc.tokens {
				t.Fatalf("result %+v", res)
			}
			after := e.sim.Snapshot()
			n := 0
			for _, vms := range after.VMs {
				n += len(vms)
			}
			if n != 5-len(tc.deleted) {
				t.Fatalf("%d VMs left", n)
			}
			if got := e.sim.TokenValid(tok); got != tc.tokenValidAfter {
				t.Fatalf("token valid after %s: %v", tc.typ, got)
			}
			if tc.tokenValidAfter {
				e.must(200, "GET", cfgPath, nil)
				if r := e.send(tok, "GET", "/api/v1/namespaces/orka-ci/vms", nil); r.code != 200 {
					t.Fatalf("token after patch: %d", r.code)
				}
			} else {
				expectError(t, e.send(tok, "GET", "/api/v1/namespaces/orka-ci/vms", nil), 401, "Unauthorized")
			}
			// What the table says persists, persists.
			if len(after.VMConfigs) != 1 || len(after.Namespaces) != 2 || len(after.ServiceAccounts["orka-ci"]) != 1 ||
				len(after.Subjects["orka-ci"]) != len(before.Subjects["orka-ci"]) {
				t.Fatalf("persisting aspects changed: %+v", after)
			}
			wantCreds := 2 - len(tc.creds)
			if got := len(after.RegistryCredentials["orka-ci"]) + len(after.RegistryCredentials["orka-default"]); got != wantCreds {
				t.Fatalf("%d credentials left, want %d", got, wantCreds)
			}
			if got := len(after.ImageCaches["orka-ci"]) + len(after.ImageCaches["orka-default"]); got != 2-tc.caches {
				t.Fatalf("%d caches left", got)
			}
			// Capacity is back for the deleted VMs.
			if len(tc.deleted) == 5 {
				var nodes list[Node]
				e.must(200, "GET", base+"/nodes", nil).decode(t, &nodes)
				for _, nd := range nodes.Items {
					if nd.AvailableCPU != 12 {
						t.Fatalf("node %+v still busy", nd)
					}
				}
			}
		})
	}
	e := newEnv(t, Options{})
	expectError(t, e.do("POST", "/_sim/upgrade", map[string]any{"type": "major"}), 400, "BadRequest", "type")
	expectError(t, e.do("POST", "/_sim/upgrade", map[string]any{"type": "release", "vms": "most"}), 400, "BadRequest", "vms")
	expectError(t, e.do("POST", "/_sim/upgrade", map[string]any{"type": "release", "maintenance": "long"}), 400, "BadRequest", "maintenance")
	// "some" deletes at least one VM when there is one.
	e.mustDeploy("orka-default", map[string]any{"name": "only", "image": "sequoia.orkasi"})
	res, err := e.sim.Upgrade(UpgradeRequest{Type: "release", VMs: "some"})
	if err != nil || len(res.DeletedVMs) != 1 {
		t.Fatalf("some of one: %+v %v", res, err)
	}
	// An upgrade with a maintenance window.
	if _, err := e.sim.Upgrade(UpgradeRequest{Type: "patch", Maintenance: "1m"}); err != nil {
		t.Fatal(err)
	}
	expectError(t, e.do("GET", "/api/v1/cluster-info", nil), 503, "ServiceUnavailable")
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestFaultStatus(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/_sim/faults", Fault{Method: "GET", Path: cfgPath, Status: 503, Count: 2, RetryAfter: "1500ms"})
	for range 2 {
		r := e.do("GET", cfgPath, nil)
		expectError(t, r, 503, "ServiceUnavailable", "injected")
		if r.hdr.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After %q", r.hdr.Get("Retry-After"))
		}
	}
	e.must(200, "GET", cfgPath, nil)

	// Method filter, exact paths and prefixes, and the order faults were added in.
	if err := e.sim.AddFault(Fault{Method: "POST", Path: base + "/*", Status: 500}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.AddFault(Fault{Path: cfgPath, Status: 429}); err != nil {
		t.Fatal(err)
	}
	expectError(t, e.do("GET", cfgPath+"/x", nil), 404, "NotFound") // neither matches
	expectError(t, e.do("GET", cfgPath, nil), 429, "TooManyRequests")
	expectError(t, e.do("POST", vmPath, map[string]any{}), 500, "InternalError", "injected")
	e.must(200, "GET", cfgPath, nil)

	// No token needed to hit a fault; faults apply before authentication.
	e.fault(Fault{Path: "/api/v1/cluster-info", Status: 502})
	expectError(t, e.send("", "GET", "/api/v1/cluster-info", nil), 502, "InternalError")

	e.fault(Fault{Path: cfgPath, Status: 503, Count: 5})
	var faults list[Fault]
	e.must(200, "GET", "/_sim/faults", nil).decode(t, &faults)
	if len(faults.Items) != 1 || faults.Items[0].Count != 5 {
		t.Fatalf("queued faults %+v", faults)
	}
	e.must(200, "DELETE", "/_sim/faults", nil)
	e.must(200, "GET", cfgPath, nil)
	e.fault(Fault{Path: cfgPath, Status: 503, Count: 5})
	e.sim.ClearFaults()
	e.must(200, "GET", cfgPath, nil)

	for _, bad := range []Fault{{Status: 503}, {Path: cfgPath}, {Path: cfgPath, Status: 42}, {Path: cfgPath, Status: 503, Count: -1},
		{Path: cfgPath, Delay: "soon"}, {Path: cfgPath, Status: 503, RetryAfter: "later"}} {
		if err := e.sim.AddFault(bad); err == nil {
			t.Fatalf("fault %+v accepted", bad)
		}
		expectError(t, e.do("POST", "/_sim/faults", bad), 400, "BadRequest")
	}
}

// A burst fails every matching request from the first one on for its duration, however many,
// and then none.
func TestFaultBurst(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/_sim/faults", Fault{Method: "GET", Path: base + "/*", Status: 404, For: "300ms"})
	time.Sleep(400 * time.Millisecond) // the burst starts with its first match, not when queued
	for range 5 {
		expectError(t, e.do("GET", cfgPath, nil), 404, "NotFound", "injected")
	}
	time.Sleep(400 * time.Millisecond)
	e.must(200, "GET", cfgPath, nil)
	if err := e.sim.AddFault(Fault{Path: cfgPath, Status: 404, For: "soon"}); err == nil {
		t.Fatal("a burst of no duration was accepted")
	}
}

func TestFaultDelay(t *testing.T) {
	e := newEnv(t, Options{})
	e.fault(Fault{Method: "POST", Path: cfgPath, Delay: "30ms"})
	e.createConfig("slow", nil) // delayed, then handled normally
	e.fault(Fault{Method: "POST", Path: cfgPath, Delay: "10ms", Status: 504})
	expectError(t, e.do("POST", cfgPath, map[string]any{"name": "late", "image": "sequoia.orkasi"}), 504, "Timeout")
	if _, ok := e.sim.Snapshot().VMConfigs["late"]; ok {
		t.Fatal("a failed request was carried out")
	}

	// A client that gives up during the delay does not stop the work.
	e.fault(Fault{Method: "POST", Path: cfgPath, Delay: "150ms"})
	client := &http.Client{Timeout: 20 * time.Millisecond}
	req, _ := http.NewRequest("POST", e.srv.URL+cfgPath, strings.NewReader(`{"name":"abandoned","image":"sequoia.orkasi"}`))
	req.Header.Set("Authorization", "Bearer "+e.admin)
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("expected a client timeout")
	}
	eventually(t, "the abandoned request to be carried out", func() bool {
		_, ok := e.sim.Snapshot().VMConfigs["abandoned"]
		return ok
	})
}

func TestFaultDropResponse(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/_sim/faults", Fault{Method: "POST", Path: cfgPath, DropResponse: true})
	req, _ := http.NewRequest("POST", e.srv.URL+cfgPath, strings.NewReader(`{"name":"dropped","image":"sequoia.orkasi"}`))
	req.Header.Set("Authorization", "Bearer "+e.admin)
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("got a response: %d %s", res.StatusCode, b)
	}
	t.Logf("client error, as intended: %v", err)
	if _, ok := e.sim.Snapshot().VMConfigs["dropped"]; !ok {
		t.Fatal("the dropped request was not carried out")
	}
	reqs := e.sim.Requests()
	if last := reqs[len(reqs)-1]; last != (RequestRecord{Method: "POST", Path: cfgPath, Status: 201}) {
		t.Fatalf("log %+v", reqs)
	}
	// The next identical request is answered again (and is now a duplicate).
	expectError(t, e.do("POST", cfgPath, map[string]any{"name": "dropped", "image": "sequoia.orkasi"}), 409, "AlreadyExists")
}

// After lets matching requests through before a fault fires; the queued faults show both
// what is still to be let through and what is left to fire.
func TestFaultAfter(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/_sim/faults", Fault{Method: "GET", Path: cfgPath, Status: 500, After: 2, Count: 1})
	if got := e.sim.Faults(); len(got) != 1 || got[0].After != 2 || got[0].Count != 1 {
		t.Fatalf("queued %+v", got)
	}
	e.must(200, "GET", cfgPath, nil)
	expectError(t, e.do("GET", cfgPath+"/x", nil), 404, "NotFound") // not a match: does not count
	e.must(200, "GET", cfgPath, nil)
	expectError(t, e.do("GET", cfgPath, nil), 500, "InternalError", "injected")
	e.must(200, "GET", cfgPath, nil)
	if got := e.sim.Faults(); len(got) != 0 {
		t.Fatalf("the fault is still queued: %+v", got)
	}
	for _, bad := range []Fault{{Path: cfgPath, Status: 500, After: -1}, {Path: cfgPath, Maintenance: "soon"}} {
		expectError(t, e.do("POST", "/_sim/faults", bad), 400, "BadRequest")
	}
}

// A fault with maintenance lets its own request be carried out and then starts the window,
// as when a maintenance window begins in the middle of an apply.
func TestFaultStartsMaintenance(t *testing.T) {
	e := newEnv(t, Options{})
	e.fault(Fault{Method: "POST", Path: cfgPath, Maintenance: "1h"})
	e.createConfig("before-window", nil)
	r := e.do("GET", cfgPath+"/before-window", nil)
	expectError(t, r, 503, "ServiceUnavailable", "maintenance")
	if ra, _ := strconv.Atoi(r.hdr.Get("Retry-After")); ra < 3500 {
		t.Fatalf("Retry-After %q, want about an hour", r.hdr.Get("Retry-After"))
	}
	e.sim.Maintenance(0)
	e.must(200, "GET", cfgPath+"/before-window", nil)

	// With a status, the request itself is refused and the window starts with it.
	e.fault(Fault{Method: "GET", Path: cfgPath + "/before-window", Status: 503, RetryAfter: "1h", Maintenance: "1h"})
	expectError(t, e.do("GET", cfgPath+"/before-window", nil), 503, "ServiceUnavailable", "injected")
	expectError(t, e.do("GET", cfgPath, nil), 503, "ServiceUnavailable", "maintenance")
}

// A fault with revokeToken carries out its request and then the admin token is refused on
// the API, until it is restored; the control routes keep accepting it.
func TestFaultRevokesAdminToken(t *testing.T) {
	e := newEnv(t, Options{})
	e.fault(Fault{Method: "POST", Path: cfgPath, RevokeToken: true})
	e.createConfig("made", nil)
	expectError(t, e.do("GET", cfgPath+"/made", nil), 401, "Unauthorized", "revoked")
	if e.sim.TokenValid(e.admin) {
		t.Fatal("TokenValid accepts a revoked admin token")
	}
	e.must(200, "GET", "/_sim/faults", nil)
	expectError(t, e.do("POST", "/_sim/admin-token", map[string]any{}), 400, "BadRequest", "revoked")
	e.must(200, "POST", "/_sim/admin-token", map[string]any{"revoked": false})
	e.must(200, "GET", cfgPath+"/made", nil)

	e.must(200, "POST", "/_sim/admin-token", map[string]any{"revoked": true})
	expectError(t, e.do("GET", cfgPath, nil), 401, "Unauthorized")
	e.sim.Reset()
	e.must(200, "GET", cfgPath, nil)
	e.sim.RevokeAdminToken(true)
	expectError(t, e.do("GET", cfgPath, nil), 401, "Unauthorized")
	e.sim.RevokeAdminToken(false)
	e.must(200, "GET", cfgPath, nil)
}

func TestRequestLogAndReset(t *testing.T) {
	e := newEnv(t, Options{})
	e.do("GET", "/api/v1/cluster-info", nil)
	e.send("", "GET", cfgPath, nil)
	e.createConfig("ci", nil)
	e.do("GET", "/_sim/requests", nil) // control routes are not logged
	var l list[RequestRecord]
	e.must(200, "GET", "/_sim/requests", nil).decode(t, &l)
	want := []RequestRecord{{"GET", "/api/v1/cluster-info", 200}, {"GET", cfgPath, 401}, {"POST", cfgPath, 201}}
	if fmt.Sprint(l.Items) != fmt.Sprint(want) || fmt.Sprint(e.sim.Requests()) != fmt.Sprint(want) {
		t.Fatalf("log %+v", l.Items)
	}
	e.must(200, "DELETE", "/_sim/requests", nil)
	if len(e.sim.Requests()) != 0 {
		t.Fatal("log not cleared")
	}
	e.do("GET", cfgPath, nil)
	e.sim.ClearRequests()
	e.must(200, "GET", "/_sim/requests", nil).decode(t, &l)
	if l.Items == nil || len(l.Items) != 0 {
		t.Fatalf("cleared log %+v", l)
	}

	// Reset: seed state back, faults, maintenance and log gone, admin token kept.
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.createAccount("orka-ci", "runner")
	tok := e.token("orka-ci", "runner", nil)
	e.mustDeploy("orka-default", map[string]any{"name": "v", "vmConfig": "ci"})
	e.fault(Fault{Path: "/api/*", Status: 500, Count: 100})
	e.sim.Maintenance(time.Hour)
	e.must(200, "POST", "/_sim/reset", nil)
	snap := e.sim.Snapshot()
	if len(snap.VMConfigs) != 0 || len(snap.VMs["orka-default"]) != 0 || len(snap.Namespaces) != 1 || len(snap.Nodes) != 4 ||
		snap.ValidTokens != 0 || e.sim.TokenValid(tok) || len(e.sim.Requests()) != 0 {
		t.Fatalf("after reset %+v", snap)
	}
	e.must(200, "GET", cfgPath, nil)
	e.sim.Reset()
	if len(e.sim.Requests()) != 0 {
		t.Fatal("Reset keeps the log")
	}
}

// An uncache fault takes the image off every node of its namespace before the request runs,
// as an upgrade would in the middle of a wait; a path outside the image-cache family is refused.
func TestFaultUncache(t *testing.T) {
	e := newEnv(t, Options{Nodes: 2})
	img := "/api/v1/namespaces/orka-default/cache/images/sequoia.orkasi"
	e.must(207, "POST", img+"/add", map[string]any{"nodes": []string{"mini-arm-1", "mini-arm-2"}})
	if got := len(e.sim.Snapshot().ImageCaches["orka-default"]["sequoia.orkasi"]); got != 2 {
		t.Fatalf("cached on %d nodes before the fault, want 2", got)
	}
	e.must(201, "POST", "/_sim/faults", Fault{Method: "GET", Path: img, Uncache: true})
	e.do("GET", img, nil)
	if got := e.sim.Snapshot().ImageCaches["orka-default"]["sequoia.orkasi"]; len(got) != 0 {
		t.Fatalf("still cached after the uncache fault fired: %v", got)
	}
	if err := e.sim.AddFault(Fault{Path: "/api/v1/namespaces/orka-default/vms", Uncache: true}); err == nil {
		t.Fatal("an uncache fault outside the image-cache routes was accepted")
	}
}
