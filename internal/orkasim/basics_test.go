package orkasim

import (
	"net/http"
	"strings"
	"testing"
)

func TestClusterInfoNeedsNoToken(t *testing.T) {
	for _, gpu := range []bool{false, true} {
		e := newEnv(t, Options{GPUPassthrough: gpu})
		r := e.send("", "GET", "/api/v1/cluster-info", nil)
		if r.code != 200 {
			t.Fatalf("got %d %s", r.code, r.body)
		}
		var ci ClusterInfo
		r.decode(t, &ci)
		if ci.APIDomain != "127.0.0.1" || ci.GPUPassthroughEnabled != gpu || !strings.Contains(ci.CertData, "BEGIN CERTIFICATE") || ci.APIEndpoint == "" {
			t.Fatalf("cluster info %+v", ci)
		}
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Options{AdminToken: "admin-secret"})
	if e.sim.AdminToken() != "admin-secret" {
		t.Fatal("admin token not kept")
	}
	if len(New(Options{}).AdminToken()) != 64 {
		t.Fatal("random admin token should be 32 bytes of hex")
	}
	paths := []string{"/api/v1/namespaces", cfgPath, vmPath, base + "/nodes", base + "/images", base + "/imagecache", base + "/cache/images",
		base + "/serviceaccounts", base + "/secrets/registrycredentials", base + "/rolebindings/orka-dev/subjects"}
	for _, p := range paths {
		for _, tok := range []string{"", "wrong", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"} {
			expectError(t, e.send(tok, "GET", p, nil), 401, "Unauthorized")
		}
		if r := e.send("admin-secret", "GET", p, nil); r.code != 200 {
			t.Fatalf("admin GET %s: %d %s", p, r.code, r.body)
		}
	}
	// The control interface needs the admin token too.
	for _, tok := range []string{"", "wrong"} {
		expectError(t, e.send(tok, "GET", "/_sim/requests", nil), 401, "Unauthorized")
		expectError(t, e.send(tok, "POST", "/_sim/reset", nil), 401, "Unauthorized")
	}
}

// expectNoRoute asserts the answer of a Go HTTP gateway that has no such route: 404 with
// net/http's plain-text body, not a Kubernetes Status.
func expectNoRoute(t *testing.T, r resp) {
	t.Helper()
	if r.code != 404 || string(r.body) != "404 page not found\n" || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("got %d %q (Content-Type %q), want 404 \"404 page not found\" as text/plain", r.code, r.body, r.hdr.Get("Content-Type"))
	}
}

// [ASSUMED] orka-api.md §0: the API server is a Go gateway, so a path it has no route for gets
// net/http's plain-text 404, which a client can tell from a Status 404 about a missing object.
func TestRouting(t *testing.T) {
	e := newEnv(t, Options{})
	expectNoRoute(t, e.do("GET", "/api/v1/nothing", nil))
	expectNoRoute(t, e.send("", "GET", "/api/v1/nothing", nil)) // before authentication
	expectNoRoute(t, e.do("POST", base+"/vms/x/explode", nil))
	expectNoRoute(t, e.do("GET", "/api/v1/namespaces//vms", nil))
	expectNoRoute(t, e.do("GET", "/elsewhere", nil))
	// A missing object of a served route still answers a Status.
	expectError(t, e.do("GET", vmPath+"/nope", nil), 404, "NotFound", "nope")
	expectError(t, e.do("PUT", cfgPath, nil), 405, "MethodNotAllowed")
	expectError(t, e.do("PATCH", vmPath+"/x", nil), 405, "MethodNotAllowed")
	expectError(t, e.do("GET", "/_sim/nothing", nil), 404, "NotFound")
}

func TestNodesAndImages(t *testing.T) {
	e := newEnv(t, Options{Nodes: 2})
	var nodes list[Node]
	e.must(200, "GET", base+"/nodes", nil).decode(t, &nodes)
	if len(nodes.Items) != 2 {
		t.Fatalf("nodes %+v", nodes)
	}
	n := nodes.Items[1]
	want := Node{Name: "mini-arm-2", Namespace: "orka-default", NodeIP: "10.221.188.12", AvailableCPU: 12, AllocatableCPU: 12,
		AvailableMemory: "32.00G", AllocatableMemory: "32.00G", NodeType: "WORKER", Phase: "READY", OrkaTags: []string{}, Arch: "arm64"}
	if n.Name != want.Name || n.NodeIP != want.NodeIP || n.AvailableCPU != 12 || n.AllocatableMemory != "32.00G" ||
		n.AvailableMemory != "32.00G" || n.NodeType != "WORKER" || n.Phase != "READY" || n.OrkaTags == nil || n.Arch != "arm64" || n.Namespace != "orka-default" {
		t.Fatalf("node %+v, want %+v", n, want)
	}
	if !strings.Contains(string(e.do("GET", base+"/nodes", nil).body), `"orkaTags":[]`) {
		t.Fatal("orkaTags must be [] not null")
	}
	e.mustDeploy("orka-default", map[string]any{"name": "a", "image": "sequoia.orkasi", "cpu": 4, "node": "mini-arm-1"})
	e.must(200, "GET", base+"/nodes", nil).decode(t, &nodes)
	if nodes.Items[0].AvailableCPU != 8 || nodes.Items[0].AvailableMemory != "26.00G" {
		t.Fatalf("availability after a 4-CPU VM: %+v", nodes.Items[0])
	}
	// A new namespace holds no nodes; a node moved into it is listed there and only there.
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.must(200, "GET", "/api/v1/namespaces/orka-ci/nodes", nil).decode(t, &nodes)
	if len(nodes.Items) != 0 {
		t.Fatalf("orka-ci nodes %+v", nodes)
	}
	e.moveNode("mini-arm-2", "orka-default", "orka-ci")
	e.must(200, "GET", "/api/v1/namespaces/orka-ci/nodes", nil).decode(t, &nodes)
	if len(nodes.Items) != 1 || nodes.Items[0].Name != "mini-arm-2" || nodes.Items[0].Namespace != "orka-ci" {
		t.Fatalf("orka-ci nodes after the move %+v", nodes)
	}
	e.must(200, "GET", base+"/nodes", nil).decode(t, &nodes)
	if len(nodes.Items) != 1 || nodes.Items[0].Name != "mini-arm-1" {
		t.Fatalf("orka-default nodes after the move %+v", nodes)
	}
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/nodes", nil), 404, "NotFound", "orka-nope")

	var imgs list[Image]
	e.must(200, "GET", base+"/images", nil).decode(t, &imgs)
	if len(imgs.Items) < 3 {
		t.Fatalf("images %+v", imgs)
	}
	var img Image
	e.must(200, "GET", base+"/images/sequoia.orkasi", nil).decode(t, &img)
	if img.Type != "arm64" || img.Description == "" {
		t.Fatalf("image %+v", img)
	}
	expectError(t, e.do("GET", base+"/images/nope.orkasi", nil), 404, "NotFound", "nope.orkasi")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-ci/images", nil), 400, "BadRequest", "namespace")
}

func TestJSONDecoding(t *testing.T) {
	e := newEnv(t, Options{})
	expectError(t, e.do("POST", cfgPath, `{"name": "x",`), 400, "BadRequest", "malformed JSON")
	expectError(t, e.do("POST", cfgPath, ``), 400, "BadRequest", "body")
	expectError(t, e.do("POST", cfgPath, `{"name":"x","image":"sequoia.orkasi","cpu":"four"}`), 400, "BadRequest", "cpu")
	// Keys match case-insensitively, unknown keys are ignored.
	r := e.must(201, "POST", cfgPath, `{"NAME":"dpi","Image":"sequoia.orkasi","displayDpi":120,"bogus":1}`)
	var c VMConfig
	r.decode(t, &c)
	if c.Name != "dpi" || c.DisplayDPI != 120 {
		t.Fatalf("config %+v", c)
	}
}

func TestTLSWithGeneratedCA(t *testing.T) {
	cfg, pemBytes, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, New(Options{}), cfg)
	client := tlsClient(t, pemBytes)
	res, err := client.Get(srv + "/api/v1/cluster-info")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	// A client without the CA refuses the certificate.
	if _, err := http.Get(srv + "/api/v1/cluster-info"); err == nil {
		t.Fatal("an untrusting client accepted the self-signed certificate")
	}
}
