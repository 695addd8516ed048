package orkasim

import (
	"strings"
	"testing"
	"time"
)

const saPath = base + "/serviceaccounts"

func TestServiceAccounts(t *testing.T) {
	e := newEnv(t, Options{})
	e.createAccount("orka-default", "ci")
	e.createAccount("orka-default", "a.b-c")
	var l list[ServiceAccount]
	e.must(200, "GET", saPath, nil).decode(t, &l)
	if len(l.Items) != 2 || l.Items[1] != (ServiceAccount{Name: "ci", Namespace: "orka-default"}) {
		t.Fatalf("list %+v", l)
	}
	var subs list[Subject]
	e.must(200, "GET", base+"/rolebindings/orka-dev/subjects", nil).decode(t, &subs)
	if len(subs.Items) != 2 || subs.Items[0] != (Subject{Kind: "ServiceAccount", Name: "ci", Namespace: "orka-default"}) {
		t.Fatalf("a new account joins orka-dev: %+v", subs)
	}
	expectError(t, e.do("POST", saPath+"/ci", nil), 409, "AlreadyExists", "ci")
	for _, bad := range []string{"CI", "-ci", "ci-", "ci_x", strings.Repeat("a", 254)} {
		expectError(t, e.do("POST", saPath+"/"+bad, nil), 400, "BadRequest", "invalid value for name:")
	}
	expectError(t, e.do("POST", "/api/v1/namespaces/orka-nope/serviceaccounts/ci", nil), 404, "NotFound", "orka-nope")
	expectError(t, e.do("POST", saPath+"/ghost/token", `{}`), 404, "NotFound", "ghost")

	e.must(200, "DELETE", saPath+"/ci", nil)
	expectError(t, e.do("DELETE", saPath+"/ci", nil), 404, "NotFound", "ci")
	if got := e.sim.Snapshot().ServiceAccounts["orka-default"]; len(got) != 1 || got[0] != "a.b-c" {
		t.Fatalf("snapshot accounts %v", got)
	}
	if got := e.sim.Snapshot().Subjects["orka-default"]; len(got) != 1 {
		t.Fatalf("deleted account still a subject: %v", got)
	}
}

func TestTokens(t *testing.T) {
	clk := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, Options{Now: clk.Now})
	e.createAccount("orka-default", "ci")
	iat := clk.Now().Unix()

	def := e.token("orka-default", "ci", map[string]any{})
	c := claims(t, def)
	if c["iss"] != "kubernetes/serviceaccount" || c["sub"] != "system:serviceaccount:orka-default:ci" ||
		int64(c["iat"].(float64)) != iat || int64(c["exp"].(float64)) != iat+8760*3600 || c["jti"] == "" {
		t.Fatalf("default token claims %v", c)
	}
	if strings.Contains(def, "=") {
		t.Fatal("JWT parts must be unpadded base64url")
	}
	empty := e.token("orka-default", "ci", nil) // empty body is {}
	if empty == def || claims(t, empty)["jti"] == c["jti"] {
		t.Fatal("every token must differ")
	}
	short := e.token("orka-default", "ci", map[string]any{"duration": "720h"})
	if exp := int64(claims(t, short)["exp"].(float64)); exp != iat+720*3600 {
		t.Fatalf("720h token exp %d", exp)
	}
	forever := e.token("orka-default", "ci", map[string]any{"noExpiration": true})
	if _, ok := claims(t, forever)["exp"]; ok {
		t.Fatal("noExpiration token has exp")
	}
	tiny := e.token("orka-default", "ci", map[string]any{"duration": "10m"})

	for _, body := range []map[string]any{
		{"duration": "5m"}, {"duration": "forever"}, {"duration": "720h", "noExpiration": true},
	} {
		expectError(t, e.do("POST", saPath+"/ci/token", body), 400, "BadRequest", "invalid value for duration:")
	}

	// All of them work, older ones included.
	for _, tok := range []string{def, empty, short, forever, tiny} {
		if !e.sim.TokenValid(tok) {
			t.Fatal("fresh token invalid")
		}
		if r := e.send(tok, "GET", cfgPath, nil); r.code != 200 {
			t.Fatalf("token refused: %d %s", r.code, r.body)
		}
	}
	if n := e.sim.Snapshot().ValidTokens; n != 5 {
		t.Fatalf("ValidTokens %d", n)
	}
	// Expiry follows the injected clock.
	clk.Advance(11 * time.Minute)
	expectError(t, e.send(tiny, "GET", cfgPath, nil), 401, "Unauthorized")
	if e.sim.TokenValid(tiny) || !e.sim.TokenValid(short) {
		t.Fatal("10m token should have expired, 720h not")
	}
	clk.Advance(721 * time.Hour)
	if e.sim.TokenValid(short) || !e.sim.TokenValid(def) || !e.sim.TokenValid(forever) {
		t.Fatal("expiry wrong after 721h")
	}
	clk.Advance(100000 * time.Hour)
	if e.sim.TokenValid(def) || !e.sim.TokenValid(forever) {
		t.Fatal("expiry wrong after years")
	}
	// Deleting the account kills its tokens, even when it is created again.
	e.must(200, "DELETE", saPath+"/ci", nil)
	expectError(t, e.send(forever, "GET", cfgPath, nil), 401, "Unauthorized")
	e.createAccount("orka-default", "ci")
	if e.sim.TokenValid(forever) {
		t.Fatal("token came back with a recreated account")
	}
}

func TestServiceAccountPermissions(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-other"})
	e.createAccount("orka-ci", "runner")
	tok := e.token("orka-ci", "runner", nil)
	ci := "/api/v1/namespaces/orka-ci"
	other := "/api/v1/namespaces/orka-other"

	e.moveNode("mini-arm-1", "orka-default", "orka-ci")

	// Allowed: the namespace list, and everything namespaced of its own namespace.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/namespaces"}, {"GET", ci}, {"GET", ci + "/vms"}, {"GET", ci + "/imagecache"}, {"GET", ci + "/nodes"},
	} {
		if r := e.send(tok, c.method, c.path, nil); r.code != 200 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.code, r.body)
		}
	}
	// Every namespaced route of a namespace it has no rights in answers 403 with a Status,
	// nodes and the shared VM configs and images of orka-default included.
	for _, c := range []struct{ method, path string }{
		{"GET", cfgPath}, {"GET", cfgPath + "/x"}, {"GET", base + "/images"}, {"GET", base + "/nodes"},
		{"GET", other}, {"GET", other + "/nodes"}, {"GET", other + "/vms/x"},
	} {
		expectError(t, e.send(tok, c.method, c.path, nil), 403, "Forbidden", "system:serviceaccount:orka-ci:runner", "no access to namespace")
	}
	// Bound in orka-default, it may use the shared VM configs and images.
	e.must(201, "POST", base+"/rolebindings/orka-dev/subjects/add",
		map[string]any{"serviceaccounts": []map[string]string{{"name": "runner", "namespace": "orka-ci"}}})
	for _, p := range []string{cfgPath, base + "/images", base + "/nodes"} {
		if r := e.send(tok, "GET", p, nil); r.code != 200 {
			t.Fatalf("GET %s after binding: %d %s", p, r.code, r.body)
		}
	}
	if r := e.send(tok, "POST", cfgPath, map[string]any{"name": "mine", "image": "sequoia.orkasi"}); r.code != 201 {
		t.Fatalf("SA creating a VM config: %d %s", r.code, r.body)
	}
	if r := e.send(tok, "DELETE", cfgPath+"/mine", nil); r.code != 200 {
		t.Fatalf("SA deleting a VM config: %d %s", r.code, r.body)
	}
	if r := e.send(tok, "POST", ci+"/vms", map[string]any{"name": "v", "image": "sequoia.orkasi"}); r.code != 201 {
		t.Fatalf("SA deploying in its namespace: %d %s", r.code, r.body)
	}

	// Forbidden: admin-only operations and other namespaces' VMs.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/namespaces", map[string]any{"name": "orka-x"}},
		{"DELETE", other, nil},
		{"GET", ci + "/serviceaccounts", nil},
		{"POST", ci + "/serviceaccounts/more", nil},
		{"POST", ci + "/serviceaccounts/runner/token", `{}`},
		{"DELETE", ci + "/serviceaccounts/runner", nil},
		{"GET", ci + "/secrets/registrycredentials", nil},
		{"POST", ci + "/secrets/registrycredentials/add", map[string]any{"server": "https://ghcr.io", "username": "u", "password": "p"}},
		{"GET", ci + "/rolebindings/orka-dev/subjects", nil},
		{"POST", ci + "/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"a@b.c"}}},
		{"GET", other + "/vms", nil},
		{"POST", other + "/vms", map[string]any{"name": "v", "image": "sequoia.orkasi"}},
		{"GET", other + "/imagecache", nil},
		{"POST", ci + "/nodes/mini-arm-1/namespace", map[string]any{"namespace": "orka-default"}},
		{"POST", ci + "/nodes/mini-arm-1/tag", map[string]any{"tag": "t"}},
		{"POST", ci + "/nodes/mini-arm-1/untag", map[string]any{"tag": "t"}},
	} {
		expectError(t, e.send(tok, c.method, c.path, c.body), 403, "Forbidden", "system:serviceaccount:orka-ci:runner")
	}
	// A subject of another namespace's orka-dev binding may use that namespace.
	e.must(201, "POST", other+"/rolebindings/orka-dev/subjects/add",
		map[string]any{"serviceaccounts": []map[string]string{{"name": "runner", "namespace": "orka-ci"}}})
	if r := e.send(tok, "GET", other+"/vms", nil); r.code != 200 {
		t.Fatalf("after binding: %d %s", r.code, r.body)
	}
}
