package orkasim

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

const credPath = base + "/secrets/registrycredentials"

func TestRegistryCredentials(t *testing.T) {
	e := newEnv(t, Options{})
	add := func(body map[string]any) resp { return e.do("POST", credPath+"/add", body) }
	if r := add(map[string]any{"server": "https://ghcr.io", "username": "bot", "password": "s3cret"}); r.code != 201 || strings.Contains(string(r.body), "s3cret") {
		t.Fatalf("add: %d %s", r.code, r.body)
	}
	if r := add(map[string]any{"server": "http://10.0.0.5:5000", "username": "u", "password": "p", "allowInsecure": true}); r.code != 201 {
		t.Fatalf("insecure with port: %d %s", r.code, r.body)
	}
	r := e.must(200, "GET", credPath, nil)
	if strings.Contains(string(r.body), "s3cret") || strings.Contains(string(r.body), "password") {
		t.Fatalf("list leaks passwords: %s", r.body)
	}
	var l list[RegistryCredential]
	r.decode(t, &l)
	if len(l.Items) != 2 || l.Items[1].Server != "https://ghcr.io" || l.Items[1].Username != "bot" || !l.Items[0].AllowInsecure {
		t.Fatalf("list %+v", l)
	}
	if got := e.sim.Snapshot().RegistryCredentials["orka-default"]["https://ghcr.io"]; got.Password != "s3cret" {
		t.Fatalf("snapshot %+v", got)
	}
	expectError(t, add(map[string]any{"server": "https://ghcr.io", "username": "bot2", "password": "x"}), 409, "AlreadyExists", "https://ghcr.io", "replace")
	if r := add(map[string]any{"server": "https://ghcr.io", "username": "bot2", "password": "new", "replace": true}); r.code != 201 {
		t.Fatalf("replace: %d %s", r.code, r.body)
	}
	if got := e.sim.Snapshot().RegistryCredentials["orka-default"]["https://ghcr.io"]; got.Password != "new" || got.Username != "bot2" {
		t.Fatalf("after replace %+v", got)
	}

	for _, c := range []struct {
		body  map[string]any
		field string
		rule  string
	}{
		{map[string]any{"server": "ghcr.io", "username": "u", "password": "p"}, "server", "https:// or http://"},
		{map[string]any{"server": "ftp://ghcr.io", "username": "u", "password": "p"}, "server", "https:// or http://"},
		{map[string]any{"server": "", "username": "u", "password": "p"}, "server", "required"},
		{map[string]any{"server": "https://", "username": "u", "password": "p"}, "server", "host"},
		{map[string]any{"server": "https://r.io:99999", "username": "u", "password": "p"}, "server", "port"},
		{map[string]any{"server": "http://r.io", "username": "u", "password": "p"}, "server", "allowInsecure"},
		{map[string]any{"server": "https://r.io", "password": "p"}, "username", "required"},
		{map[string]any{"server": "https://r.io", "username": "u"}, "password", "required"},
	} {
		expectError(t, add(c.body), 400, "BadRequest", "invalid value for "+c.field+":", c.rule)
	}
	expectError(t, e.do("POST", "/api/v1/namespaces/orka-nope/secrets/registrycredentials/add",
		map[string]any{"server": "https://r.io", "username": "u", "password": "p"}), 404, "NotFound", "orka-nope")

	e.must(200, "DELETE", credPath+"/remove", map[string]any{"server": "https://ghcr.io"})
	expectError(t, e.do("DELETE", credPath+"/remove", map[string]any{"server": "https://ghcr.io"}), 404, "NotFound", "https://ghcr.io")
	expectError(t, e.do("DELETE", credPath+"/remove", map[string]any{}), 400, "BadRequest", "server")
	if n := len(e.sim.Snapshot().RegistryCredentials["orka-default"]); n != 1 {
		t.Fatalf("%d credentials left", n)
	}
}

func TestNamespaces(t *testing.T) {
	e := newEnv(t, Options{})
	var ns Namespace
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci", "enableCustomPods": true}).decode(t, &ns)
	if ns != (Namespace{Name: "orka-ci", CustomPods: true}) {
		t.Fatalf("created %+v", ns)
	}
	var l list[Namespace]
	e.must(200, "GET", "/api/v1/namespaces", nil).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].Name != "orka-ci" || l.Items[1] != (Namespace{Name: "orka-default"}) {
		t.Fatalf("list %+v", l)
	}
	e.must(200, "GET", "/api/v1/namespaces/orka-ci", nil).decode(t, &ns)
	if !ns.CustomPods {
		t.Fatalf("get %+v", ns)
	}
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope", nil), 404, "NotFound", "orka-nope")
	expectError(t, e.do("POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"}), 409, "AlreadyExists", "orka-ci")
	for _, bad := range []string{"", "ci", "orka-", "orka-CI", "orka-ci-", "orka-" + strings.Repeat("x", 59), "orka_ci"} {
		expectError(t, e.do("POST", "/api/v1/namespaces", map[string]any{"name": bad}), 400, "BadRequest", "invalid value for name:")
	}
	if r := e.do("POST", "/api/v1/namespaces", map[string]any{"name": "orka-" + strings.Repeat("x", 58)}); r.code != 201 {
		t.Fatalf("63 chars: %d %s", r.code, r.body)
	}

	// Deleting: orka-default never, a namespace with VMs not, and everything goes with it.
	expectError(t, e.do("DELETE", "/api/v1/namespaces/orka-default", nil), 400, "BadRequest", "orka-default")
	e.moveNode("mini-arm-1", "orka-default", "orka-ci")
	e.mustDeploy("orka-ci", map[string]any{"name": "v1", "image": "sequoia.orkasi"})
	e.mustDeploy("orka-ci", map[string]any{"name": "v2", "image": "sequoia.orkasi"})
	expectError(t, e.do("DELETE", "/api/v1/namespaces/orka-ci", nil), 409, "Conflict", "v1", "v2")
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/v1", nil)
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/v2", nil)
	e.createAccount("orka-ci", "runner")
	tok := e.token("orka-ci", "runner", nil)
	e.must(201, "POST", "/api/v1/namespaces/orka-ci/secrets/registrycredentials/add", map[string]any{"server": "https://r.io", "username": "u", "password": "p"})
	e.must(201, "POST", "/api/v1/namespaces/orka-ci/imagecache/add", map[string]any{"image": "sequoia.orkasi", "all": true})
	expectError(t, e.do("DELETE", "/api/v1/namespaces/orka-ci", nil), 409, "Conflict", "mini-arm-1", "node")
	e.moveNode("mini-arm-1", "orka-ci", "orka-default")
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci", nil)
	expectError(t, e.do("DELETE", "/api/v1/namespaces/orka-ci", nil), 404, "NotFound")
	if e.sim.TokenValid(tok) {
		t.Fatal("token of a deleted namespace's account still valid")
	}
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	snap := e.sim.Snapshot()
	if len(snap.ServiceAccounts["orka-ci"]) != 0 || len(snap.RegistryCredentials["orka-ci"]) != 0 || len(snap.ImageCaches["orka-ci"]) != 0 ||
		len(snap.Subjects["orka-ci"]) != 0 || e.sim.TokenValid(tok) {
		t.Fatalf("recreated namespace is not empty: %+v", snap)
	}
}

func TestRoleBindingSubjects(t *testing.T) {
	e := newEnv(t, Options{})
	p := base + "/rolebindings/orka-dev/subjects"
	var l list[Subject]
	e.must(200, "GET", p, nil).decode(t, &l)
	if l.Items == nil || len(l.Items) != 0 {
		t.Fatalf("seeded subjects %+v", l)
	}
	body := map[string]any{"users": []string{"a@example.com"}, "serviceaccounts": []map[string]string{{"name": "ci", "namespace": "orka-ci"}}}
	e.must(201, "POST", p+"/add", body)
	e.must(201, "POST", p+"/add", body) // idempotent
	e.must(200, "GET", p, nil).decode(t, &l)
	want := []Subject{{Kind: "User", Name: "a@example.com"}, {Kind: "ServiceAccount", Name: "ci", Namespace: "orka-ci"}}
	if len(l.Items) != 2 || l.Items[0] != want[0] || l.Items[1] != want[1] {
		t.Fatalf("subjects %+v", l)
	}
	if r := e.do("GET", p, nil); strings.Contains(string(r.body), `"namespace":""`) {
		t.Fatalf("users carry no namespace: %s", r.body)
	}
	e.must(200, "DELETE", p+"/remove", map[string]any{"users": []string{"a@example.com"}})
	expectError(t, e.do("DELETE", p+"/remove", map[string]any{"users": []string{"a@example.com"}}), 404, "NotFound", "a@example.com")
	expectError(t, e.do("DELETE", p+"/remove", map[string]any{"serviceaccounts": []map[string]string{{"name": "ci", "namespace": "orka-x"}}}), 404, "NotFound", "ci")
	expectError(t, e.do("POST", p+"/add", map[string]any{}), 400, "BadRequest", "users")
	expectError(t, e.do("POST", p+"/add", map[string]any{"serviceaccounts": []map[string]string{{"name": "ci"}}}), 400, "BadRequest", "serviceaccounts[0].namespace")
	expectError(t, e.do("GET", base+"/rolebindings/orka-admin/subjects", nil), 404, "NotFound", "orka-admin")
	expectError(t, e.do("POST", base+"/rolebindings/other/subjects/add", body), 404, "NotFound", "other")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/rolebindings/orka-dev/subjects", nil), 404, "NotFound", "orka-nope")
	if s := e.sim.Snapshot().Subjects["orka-default"]; len(s) != 1 || s[0] != want[1] {
		t.Fatalf("snapshot subjects %+v", s)
	}
}

func TestImageCache(t *testing.T) {
	e := newEnv(t, Options{Nodes: 3, CacheDelay: 100 * time.Millisecond})
	if err := e.sim.SetNodeTags("mini-arm-2", "fast"); err != nil {
		t.Fatal(err)
	}
	p := base + "/imagecache"
	oci := "ghcr.io/org/macos:sonoma"
	var ic ImageCache
	e.must(201, "POST", p+"/add", map[string]any{"image": oci, "nodes": []string{"mini-arm-1", "mini-arm-3"}}).decode(t, &ic)
	if ic.Image != oci || len(ic.Nodes) != 2 || ic.Nodes[0] != (ImageCacheNode{Node: "mini-arm-1", Status: "Caching"}) {
		t.Fatalf("added %+v", ic)
	}
	one := p + "/" + url.PathEscape(oci) // ghcr.io%2Forg%2Fmacos:sonoma
	eventually(t, "Ready", func() bool {
		e.must(200, "GET", one, nil).decode(t, &ic)
		return ic.Nodes[0].Status == "Ready" && ic.Nodes[1].Status == "Ready"
	})
	e.must(201, "POST", p+"/add", map[string]any{"image": "sequoia.orkasi", "tags": []string{"fast"}}).decode(t, &ic)
	if len(ic.Nodes) != 1 || ic.Nodes[0].Node != "mini-arm-2" {
		t.Fatalf("by tag %+v", ic)
	}
	e.must(201, "POST", p+"/add", map[string]any{"image": "90gbsonomassd.orkasi", "all": true}).decode(t, &ic)
	if len(ic.Nodes) != 3 {
		t.Fatalf("all %+v", ic)
	}
	var l list[ImageCache]
	e.must(200, "GET", p, nil).decode(t, &l)
	if len(l.Items) != 3 || l.Items[0].Image != "90gbsonomassd.orkasi" {
		t.Fatalf("list %+v", l)
	}

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"image": "sequoia.orkasi"}, "nodes"},
		{map[string]any{"image": "sequoia.orkasi", "all": true, "nodes": []string{"mini-arm-1"}}, "nodes"},
		{map[string]any{"image": "sequoia.orkasi", "nodes": []string{"mini-arm-9"}}, "nodes"},
		{map[string]any{"image": "sequoia.orkasi", "tags": []string{"slow"}}, "tags"},
		{map[string]any{"image": "", "all": true}, "image"},
		{map[string]any{"image": "nope.orkasi", "all": true}, "image"},
	} {
		expectError(t, e.do("POST", p+"/add", c.body), 400, "BadRequest", "invalid value for "+c.field)
	}

	if err := e.sim.SetImageCacheStatus("orka-default", "sequoia.orkasi", "mini-arm-2", "Failed"); err != nil {
		t.Fatal(err)
	}
	e.must(200, "GET", p+"/sequoia.orkasi", nil).decode(t, &ic)
	if ic.Nodes[0].Status != "Failed" {
		t.Fatalf("after SetImageCacheStatus %+v", ic)
	}
	if got := e.sim.Snapshot().ImageCaches["orka-default"]["sequoia.orkasi"]["mini-arm-2"]; got != "Failed" {
		t.Fatalf("snapshot %q", got)
	}
	// A new add retries a failed node.
	e.must(201, "POST", p+"/add", map[string]any{"image": "sequoia.orkasi", "nodes": []string{"mini-arm-2"}}).decode(t, &ic)
	if ic.Nodes[0].Status != "Caching" {
		t.Fatalf("retry %+v", ic)
	}

	e.must(200, "POST", p+"/remove", map[string]any{"image": oci, "nodes": []string{"mini-arm-1"}}).decode(t, &ic)
	if len(ic.Nodes) != 1 || ic.Nodes[0].Node != "mini-arm-3" {
		t.Fatalf("after partial remove %+v", ic)
	}
	e.must(200, "POST", p+"/remove", map[string]any{"image": oci, "all": true})
	expectError(t, e.do("GET", one, nil), 404, "NotFound", oci)
	expectError(t, e.do("POST", p+"/remove", map[string]any{"image": oci, "all": true}), 404, "NotFound", oci)
	expectError(t, e.do("POST", p+"/remove", map[string]any{"image": "sequoia.orkasi"}), 400, "BadRequest", "nodes")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/imagecache", nil), 404, "NotFound", "orka-nope")
}
