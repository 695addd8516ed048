package orkasim

import (
	"strings"
	"testing"
	"time"
)

// [DOC] orka-api.md §1: user tokens (orka3 user get-token) last one hour. Their claims are
// those of an SSO identity, never a service account's.
func TestUserTokens(t *testing.T) {
	clk := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, Options{Now: clk.Now})
	tok := e.sim.AddUser("alice@example.com", false)
	c := claims(t, tok)
	if c["sub"] != "alice@example.com" || c["email"] != "alice@example.com" ||
		int64(c["iat"].(float64)) != clk.Now().Unix() || int64(c["exp"].(float64)) != clk.Now().Add(time.Hour).Unix() {
		t.Fatalf("user token claims %v", c)
	}
	if strings.HasPrefix(c["sub"].(string), "system:serviceaccount:") {
		t.Fatalf("a user token's sub %q looks like a service account's", c["sub"])
	}
	if !e.sim.TokenValid(tok) {
		t.Fatal("a fresh user token is not valid")
	}
	e.must(201, "POST", base+"/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"alice@example.com"}})
	if r := e.send(tok, "GET", vmPath, nil); r.code != 200 {
		t.Fatalf("user token refused: %d %s", r.code, r.body)
	}
	clk.Advance(59 * time.Minute)
	if r := e.send(tok, "GET", vmPath, nil); r.code != 200 {
		t.Fatalf("user token refused before its hour: %d %s", r.code, r.body)
	}
	clk.Advance(time.Minute)
	expectError(t, e.send(tok, "GET", vmPath, nil), 401, "Unauthorized")
	if e.sim.TokenValid(tok) {
		t.Fatal("an expired user token is valid")
	}
	// A new token for the same user works; the control route mints them too.
	var tr TokenResponse
	e.must(201, "POST", "/_sim/users", map[string]any{"name": "alice@example.com", "admin": false}).decode(t, &tr)
	if claims(t, tr.Token)["email"] != "alice@example.com" {
		t.Fatalf("control route token %v", claims(t, tr.Token))
	}
	if r := e.send(tr.Token, "GET", vmPath, nil); r.code != 200 {
		t.Fatalf("control route token refused: %d %s", r.code, r.body)
	}
	if _, ok := claims(t, tr.Token)["groups"]; ok {
		t.Fatal("a user who is not an administrator has the admin group")
	}
	// Names that are not a user's are refused.
	for _, bad := range []string{"", "system:serviceaccount:orka-default:ci", "system:admin", "a b"} {
		expectError(t, e.do("POST", "/_sim/users", map[string]any{"name": bad}), 400, "BadRequest", "invalid value for name")
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddUser(%q) did not panic", bad)
				}
			}()
			e.sim.AddUser(bad, false)
		}()
	}
	// The control route needs the admin token, not a user's.
	expectError(t, e.send(tr.Token, "POST", "/_sim/users", map[string]any{"name": "bob@example.com"}), 401, "Unauthorized")
}

// [DOC] orka-api.md §1 and §8: namespaces, service accounts, role bindings, registry credentials
// and node operations are admin-only; a user works in a namespace whose orka-dev binding names
// it. [ASSUMED, orka-api.md §9] user tokens come from SSO and survive upgrades.
func TestUserPermissions(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.moveNode("mini-arm-1", "orka-default", "orka-ci")
	user := e.sim.AddUser("alice@example.com", false)
	admin := e.sim.AddUser("root@example.com", true)
	if g, _ := claims(t, admin)["groups"].([]any); len(g) != 1 || g[0] != "orka:cluster-admins" {
		t.Fatalf("admin user's groups %v", claims(t, admin)["groups"])
	}
	ci := "/api/v1/namespaces/orka-ci"

	if r := e.send(user, "GET", "/api/v1/namespaces", nil); r.code != 200 {
		t.Fatalf("user listing namespaces: %d %s", r.code, r.body)
	}
	for _, p := range []string{ci + "/vms", ci + "/nodes", cfgPath, base + "/images"} {
		expectError(t, e.send(user, "GET", p, nil), 403, "Forbidden", "alice@example.com", "no access to namespace")
	}
	e.must(201, "POST", ci+"/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"alice@example.com"}})
	if r := e.send(user, "GET", ci+"/vms", nil); r.code != 200 {
		t.Fatalf("bound user listing VMs: %d %s", r.code, r.body)
	}
	if r := e.send(user, "POST", ci+"/vms", map[string]any{"name": "mine", "image": "sequoia.orkasi"}); r.code != 201 {
		t.Fatalf("bound user deploying: %d %s", r.code, r.body)
	}
	// The binding of orka-ci does not let the user into orka-default.
	expectError(t, e.send(user, "GET", base+"/vms", nil), 403, "Forbidden", "alice@example.com")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/namespaces", map[string]any{"name": "orka-x"}},
		{"GET", ci + "/serviceaccounts", nil},
		{"POST", ci + "/serviceaccounts/more", nil},
		{"GET", ci + "/secrets/registrycredentials", nil},
		{"POST", ci + "/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"b@example.com"}}},
		{"POST", ci + "/nodes/mini-arm-1/tag", map[string]any{"tag": "t"}},
	} {
		expectError(t, e.send(user, c.method, c.path, c.body), 403, "Forbidden", "alice@example.com", "administrators only")
	}
	// An administrator user acts as an administrator.
	for _, c := range []struct {
		method, path string
		body         any
		code         int
	}{
		{"POST", "/api/v1/namespaces", map[string]any{"name": "orka-x"}, 201},
		{"POST", ci + "/serviceaccounts/more", nil, 201},
		{"POST", ci + "/serviceaccounts/more/token", `{}`, 201},
		{"GET", ci + "/secrets/registrycredentials", nil, 200},
		{"POST", ci + "/nodes/mini-arm-1/tag", map[string]any{"tag": "t"}, 200},
		{"GET", base + "/vms", nil, 200},
	} {
		if r := e.send(admin, c.method, c.path, c.body); r.code != c.code {
			t.Fatalf("admin user %s %s: %d %s", c.method, c.path, r.code, r.body)
		}
	}
	// Upgrades regenerate service-account tokens but not user tokens.
	e.createAccount("orka-ci", "runner")
	sa := e.token("orka-ci", "runner", nil)
	e.must(200, "POST", "/_sim/upgrade", map[string]any{"type": "infrastructure"})
	expectError(t, e.send(sa, "GET", ci+"/vms", nil), 401, "Unauthorized")
	for _, tok := range []string{user, admin} {
		if r := e.send(tok, "GET", ci+"/vms", nil); r.code != 200 {
			t.Fatalf("user token after an upgrade: %d %s", r.code, r.body)
		}
	}
	// Reset drops the users.
	e.sim.Reset()
	expectError(t, e.send(user, "GET", "/api/v1/namespaces", nil), 401, "Unauthorized")
}

// [DOC] orka-api.md §5, the access matrix of "Cluster Access Management: Overview": tech users
// and regular service accounts delete only their own VMs and VM configs; administrators delete
// anyone's.
func TestOwnership(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.moveNode("mini-arm-1", "orka-default", "orka-ci")
	e.createAccount("orka-ci", "ci")
	sa := e.token("orka-ci", "ci", nil)
	e.createAccount("orka-default", "ci") // the same name in another namespace is someone else
	other := e.token("orka-default", "ci", nil)
	user := e.sim.AddUser("alice@example.com", false)
	root := e.sim.AddUser("root@example.com", true)
	bind := map[string]any{"users": []string{"alice@example.com"},
		"serviceaccounts": []map[string]string{{"name": "ci", "namespace": "orka-ci"}, {"name": "ci", "namespace": "orka-default"}}}
	e.must(201, "POST", "/api/v1/namespaces/orka-ci/rolebindings/orka-dev/subjects/add", bind)
	e.must(201, "POST", base+"/rolebindings/orka-dev/subjects/add", bind)
	ci := "/api/v1/namespaces/orka-ci/vms"
	deploy := func(tok, name string) {
		t.Helper()
		if r := e.send(tok, "POST", ci, map[string]any{"name": name, "image": "sequoia.orkasi", "cpu": 2}); r.code != 201 {
			t.Fatalf("deploy %s: %d %s", name, r.code, r.body)
		}
	}
	deploy(user, "alice-vm")
	deploy(sa, "ci-vm")
	if o := e.sim.Snapshot().VMOwners["orka-ci"]; o["alice-vm"] != "alice@example.com" || o["ci-vm"] != "system:serviceaccount:orka-ci:ci" {
		t.Fatalf("owners %v", o)
	}

	r := e.send(sa, "DELETE", ci+"/alice-vm", nil)
	expectError(t, r, 403, "Forbidden")
	if msg := r.status(t).Message; msg != `system:serviceaccount:orka-ci:ci cannot delete VM "alice-vm" in namespace "orka-ci": it belongs to alice@example.com; only its owner or an administrator may delete it` {
		t.Fatalf("message %q", msg)
	}
	expectError(t, e.send(user, "DELETE", ci+"/ci-vm", nil), 403, "Forbidden", "alice@example.com cannot delete", "belongs to system:serviceaccount:orka-ci:ci")
	expectError(t, e.send(other, "DELETE", ci+"/ci-vm", nil), 403, "Forbidden", "system:serviceaccount:orka-default:ci cannot delete")
	if len(e.sim.Snapshot().VMs["orka-ci"]) != 2 {
		t.Fatal("a refused delete deleted")
	}
	e.must(200, "DELETE", ci+"/alice-vm", nil) // the admin token deletes anyone's
	if r := e.send(sa, "DELETE", ci+"/ci-vm", nil); r.code != 200 {
		t.Fatalf("owner deleting its VM: %d %s", r.code, r.body)
	}
	deploy(user, "again")
	if r := e.send(user, "DELETE", ci+"/again", nil); r.code != 200 {
		t.Fatalf("user deleting its VM: %d %s", r.code, r.body)
	}
	e.mustDeploy("orka-ci", map[string]any{"name": "admins", "image": "sequoia.orkasi", "cpu": 2})
	expectError(t, e.send(sa, "DELETE", ci+"/admins", nil), 403, "Forbidden", "belongs to system:admin")
	if r := e.send(root, "DELETE", ci+"/admins", nil); r.code != 200 {
		t.Fatalf("admin user deleting the admin's VM: %d %s", r.code, r.body)
	}

	// VM configs, likewise.
	e.createConfig("shared", nil)
	if r := e.send(sa, "POST", cfgPath, map[string]any{"name": "ci-cfg", "image": "sequoia.orkasi"}); r.code != 201 {
		t.Fatalf("SA creating a config: %d %s", r.code, r.body)
	}
	if o := e.sim.Snapshot().VMConfigOwners; o["shared"] != "system:admin" || o["ci-cfg"] != "system:serviceaccount:orka-ci:ci" {
		t.Fatalf("config owners %v", o)
	}
	expectError(t, e.send(user, "DELETE", cfgPath+"/ci-cfg", nil), 403, "Forbidden",
		`alice@example.com cannot delete VM config "ci-cfg" in namespace "orka-default": it belongs to system:serviceaccount:orka-ci:ci`)
	expectError(t, e.send(sa, "DELETE", cfgPath+"/shared", nil), 403, "Forbidden", "belongs to system:admin")
	if r := e.send(sa, "DELETE", cfgPath+"/ci-cfg", nil); r.code != 200 {
		t.Fatalf("owner deleting its config: %d %s", r.code, r.body)
	}
	if r := e.send(root, "DELETE", cfgPath+"/shared", nil); r.code != 200 {
		t.Fatalf("admin user deleting a config: %d %s", r.code, r.body)
	}
	// A missing object is still a 404, whoever asks.
	expectError(t, e.send(sa, "DELETE", cfgPath+"/shared", nil), 404, "NotFound")
	expectError(t, e.send(sa, "DELETE", ci+"/gone", nil), 404, "NotFound")
}

// [DOC] orka-api.md §8, the access matrix: the admin service account of Orka Small Teams is an
// administrator (namespaces, service accounts and tokens, role bindings, nodes, anyone's VMs);
// its token is a service-account token, which release and layer upgrades invalidate (§9).
func TestSmallTeamsAdmin(t *testing.T) {
	if New(Options{}).SmallTeamsAdminToken() != "" {
		t.Fatal("a Small Teams admin token without the option")
	}
	e := newEnv(t, Options{SmallTeamsAdmin: "orka-default/orka-admin"})
	tok := e.sim.SmallTeamsAdminToken()
	if c := claims(t, tok); c["sub"] != "system:serviceaccount:orka-default:orka-admin" || c["exp"] == nil {
		t.Fatalf("Small Teams admin token claims %v", c)
	}
	if got := e.sim.Snapshot().ServiceAccounts["orka-default"]; len(got) != 1 || got[0] != "orka-admin" {
		t.Fatalf("seeded accounts %v", got)
	}
	ci := "/api/v1/namespaces/orka-ci"
	e.createAccount("orka-default", "runner")
	runner := e.token("orka-default", "runner", nil)
	if r := e.send(runner, "POST", vmPath, map[string]any{"name": "runners", "image": "sequoia.orkasi"}); r.code != 201 {
		t.Fatalf("runner deploy: %d %s", r.code, r.body)
	}
	e.mustDeploy("orka-default", map[string]any{"name": "admins", "image": "sequoia.orkasi"})
	e.createConfig("admins-cfg", nil)
	for _, c := range []struct {
		method, path string
		body         any
		code         int
	}{
		{"POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"}, 201},
		{"POST", ci + "/serviceaccounts/bot", nil, 201},
		{"GET", ci + "/serviceaccounts", nil, 200},
		{"POST", ci + "/serviceaccounts/bot/token", `{}`, 201},
		{"POST", ci + "/rolebindings/orka-dev/subjects/add", map[string]any{"users": []string{"a@example.com"}}, 201},
		{"POST", ci + "/secrets/registrycredentials/add", map[string]any{"server": "https://ghcr.io", "username": "u", "password": "p"}, 201},
		{"POST", base + "/nodes/mini-arm-1/tag", map[string]any{"tag": "fast"}, 200},
		{"POST", base + "/nodes/mini-arm-4/namespace", map[string]any{"namespace": "orka-ci"}, 200},
		{"GET", ci + "/vms", nil, 200},
		{"DELETE", vmPath + "/runners", nil, 200},
		{"DELETE", vmPath + "/admins", nil, 200},
		{"DELETE", cfgPath + "/admins-cfg", nil, 200},
	} {
		if r := e.send(tok, c.method, c.path, c.body); r.code != c.code {
			t.Fatalf("Small Teams admin %s %s: %d %s", c.method, c.path, r.code, r.body)
		}
	}
	// Like any service-account token, a patch keeps it and a release upgrade kills it; the
	// administrator mints a new one, which acts as an administrator too.
	e.must(200, "POST", "/_sim/upgrade", map[string]any{"type": "patch"})
	if r := e.send(tok, "GET", ci+"/serviceaccounts", nil); r.code != 200 {
		t.Fatalf("Small Teams admin token after a patch: %d %s", r.code, r.body)
	}
	e.must(200, "POST", "/_sim/upgrade", map[string]any{"type": "release"})
	expectError(t, e.send(tok, "GET", "/api/v1/namespaces", nil), 401, "Unauthorized")
	fresh := e.token("orka-default", "orka-admin", nil)
	if r := e.send(fresh, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-after"}); r.code != 201 {
		t.Fatalf("new Small Teams admin token: %d %s", r.code, r.body)
	}
	// Reset makes the first one valid again.
	e.sim.Reset()
	if r := e.send(tok, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-reset"}); r.code != 201 {
		t.Fatalf("Small Teams admin token after Reset: %d %s", r.code, r.body)
	}

	// Its namespace is made when missing.
	e2 := newEnv(t, Options{SmallTeamsAdmin: "orka-teams/admin"})
	if _, ok := e2.sim.Snapshot().Namespaces["orka-teams"]; !ok {
		t.Fatal("the Small Teams admin's namespace was not created")
	}
	if r := e2.send(e2.sim.SmallTeamsAdminToken(), "GET", base+"/secrets/registrycredentials", nil); r.code != 200 {
		t.Fatalf("Small Teams admin of orka-teams: %d %s", r.code, r.body)
	}
	for _, bad := range []string{"orka-admin", "orka-default/", "/orka-admin", "ci/orka-admin", "orka-default/Admin"} {
		if err := (Options{SmallTeamsAdmin: bad}).Validate(); err == nil {
			t.Errorf("Validate accepted SmallTeamsAdmin %q", bad)
		}
	}
	if err := (Options{SmallTeamsAdmin: "orka-default/orka-admin"}).Validate(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a malformed SmallTeamsAdmin")
		}
	}()
	New(Options{SmallTeamsAdmin: "orka-admin"})
}
