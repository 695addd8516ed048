package orkasim

import (
	"strings"
	"testing"
	"time"
)

// Nodes belong to namespaces: VMs of a namespace land only on its nodes, a node moves only
// when it runs no VM, and the refusal names the VMs.
func TestNodePlacement(t *testing.T) {
	e := newEnv(t, Options{Nodes: 3, Minute: 10 * time.Millisecond})
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})

	// A namespace without nodes keeps its VMs Pending, and the timeout says why.
	expectError(t, e.deploy("orka-ci", map[string]any{"name": "early", "image": "sequoia.orkasi", "timeout": 1}),
		500, "Timeout", `namespace "orka-ci" holds no nodes`)
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/early", nil)
	expectError(t, e.do("POST", "/api/v1/namespaces/orka-ci/imagecache/add", map[string]any{"image": "sequoia.orkasi", "all": true}),
		400, "BadRequest", "holds no nodes")

	var n Node
	e.must(200, "POST", base+"/nodes/mini-arm-2/namespace", map[string]any{"namespace": "orka-ci"}).decode(t, &n)
	if n.Namespace != "orka-ci" || n.Name != "mini-arm-2" {
		t.Fatalf("move answered %+v", n)
	}
	for i := range 2 {
		if vm := e.mustDeploy("orka-ci", map[string]any{"name": "ci-" + string(rune('a'+i)), "image": "sequoia.orkasi"}); vm.Node != "mini-arm-2" {
			t.Fatalf("orka-ci VM landed on %s", vm.Node)
		}
	}
	for i := range 4 {
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "d-" + string(rune('a'+i)), "image": "sequoia.orkasi"}); vm.Node == "mini-arm-2" {
			t.Fatal("an orka-default VM landed on a node of orka-ci")
		}
	}
	// orka-ci's only node is full: a third VM waits, though orka-default has room elsewhere.
	e.must(200, "DELETE", vmPath+"/d-a", nil)
	expectError(t, e.deploy("orka-ci", map[string]any{"name": "ci-c", "image": "sequoia.orkasi", "timeout": 1}), 500, "Timeout")
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/ci-c", nil)
	// Pinning to a node of another namespace is refused.
	expectError(t, e.deploy("orka-ci", map[string]any{"name": "pin", "image": "sequoia.orkasi", "node": "mini-arm-1"}),
		400, "BadRequest", "invalid value for node:", "a node in namespace orka-ci")

	// A node that runs VMs does not move; the refusal names them.
	expectError(t, e.do("POST", "/api/v1/namespaces/orka-ci/nodes/mini-arm-2/namespace", map[string]any{"namespace": "orka-default"}),
		409, "Conflict", "mini-arm-2", "orka-ci/ci-a", "orka-ci/ci-b", "runs no VM")
	// The route names the node's own namespace; a bad target is a 400.
	expectError(t, e.do("POST", base+"/nodes/mini-arm-2/namespace", map[string]any{"namespace": "orka-default"}),
		404, "NotFound", "mini-arm-2", "orka-default")
	expectError(t, e.do("POST", base+"/nodes/mini-arm-1/namespace", map[string]any{"namespace": "orka-nope"}),
		400, "BadRequest", "invalid value for namespace:")
	expectError(t, e.do("POST", base+"/nodes/mini-arm-1/namespace", map[string]any{}), 400, "BadRequest", "namespace")

	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/ci-a", nil)
	e.must(200, "DELETE", "/api/v1/namespaces/orka-ci/vms/ci-b", nil)
	e.moveNode("mini-arm-2", "orka-ci", "orka-default")
	if got := e.sim.Snapshot().Nodes["mini-arm-2"].Namespace; got != "orka-default" {
		t.Fatalf("node back in %q", got)
	}
	// The Go knob follows the same rule.
	if err := e.sim.MoveNode("mini-arm-1", "orka-ci"); err == nil || !strings.Contains(err.Error(), "orka-default/d-") {
		t.Fatalf("MoveNode of a busy node: %v", err)
	}
}

// Tags are added and removed one per call through the admin routes and drive tag scheduling.
func TestNodeTags(t *testing.T) {
	e := newEnv(t, Options{Nodes: 2, Minute: 10 * time.Millisecond})
	var n Node
	e.must(200, "POST", base+"/nodes/mini-arm-2/tag", map[string]any{"tag": "xcode-16.1"}).decode(t, &n)
	if len(n.OrkaTags) != 1 || n.OrkaTags[0] != "xcode-16.1" {
		t.Fatalf("tag answered %+v", n)
	}
	e.must(200, "POST", base+"/nodes/mini-arm-2/tag", map[string]any{"tag": "xcode-16.1"}) // again: no change
	if tags := e.sim.Snapshot().Nodes["mini-arm-2"].OrkaTags; len(tags) != 1 {
		t.Fatalf("tags %v", tags)
	}
	for _, bad := range []string{"", "-x", "x-", "a b", strings.Repeat("x", 64)} {
		expectError(t, e.do("POST", base+"/nodes/mini-arm-2/tag", map[string]any{"tag": bad}), 400, "BadRequest", "invalid value for tag:")
	}
	expectError(t, e.do("POST", base+"/nodes/mini-arm-9/tag", map[string]any{"tag": "x"}), 404, "NotFound", "mini-arm-9")

	// tagRequired lands only on tagged nodes; a tag alone prefers them.
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "req", "image": "sequoia.orkasi", "tag": "xcode-16.1", "tagRequired": true}); vm.Node != "mini-arm-2" {
		t.Fatalf("tagRequired VM on %s", vm.Node)
	}
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "pref", "image": "sequoia.orkasi", "cpu": 2, "tag": "xcode-16.1"}); vm.Node != "mini-arm-2" {
		t.Fatalf("tag-preferring VM on %s", vm.Node)
	}
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "pref2", "image": "sequoia.orkasi", "cpu": 2, "tag": "xcode-16.1"}); vm.Node != "mini-arm-1" {
		t.Fatalf("with the tagged node full, a tag alone should fall back, got %s", vm.Node)
	}
	expectError(t, e.deploy("orka-default", map[string]any{"name": "req2", "image": "sequoia.orkasi", "tag": "xcode-16.1", "tagRequired": true, "timeout": 1}), 500, "Timeout")

	e.must(200, "POST", base+"/nodes/mini-arm-2/untag", map[string]any{"tag": "xcode-16.1"})
	expectError(t, e.do("POST", base+"/nodes/mini-arm-2/untag", map[string]any{"tag": "xcode-16.1"}), 404, "NotFound", "xcode-16.1")
	if tags := e.sim.Snapshot().Nodes["mini-arm-2"].OrkaTags; len(tags) != 0 {
		t.Fatalf("tags after untag %v", tags)
	}
}

// shouldGenerateName (the Jenkins plugin's deploy) appends a unique suffix to the name.
func TestDeployShouldGenerateName(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.mustDeploy("orka-default", map[string]any{"name": "jenkins-agent", "image": "sequoia.orkasi", "shouldGenerateName": true})
	b := e.mustDeploy("orka-default", map[string]any{"name": "jenkins-agent", "image": "sequoia.orkasi", "shouldGenerateName": true})
	for _, vm := range []DeployResponse{a, b} {
		if !strings.HasPrefix(vm.Name, "jenkins-agent-") || len(vm.Name) != len("jenkins-agent-")+5 {
			t.Fatalf("generated name %q", vm.Name)
		}
	}
	if a.Name == b.Name {
		t.Fatalf("two deploys got the same name %q", a.Name)
	}
	long := e.mustDeploy("orka-default", map[string]any{"name": strings.Repeat("a", 63), "image": "sequoia.orkasi", "shouldGenerateName": true})
	if len(long.Name) != 63 {
		t.Fatalf("a 63-character prefix gave %q", long.Name)
	}
	// Without the flag the name is used as given.
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "jenkins-agent", "image": "sequoia.orkasi"}); vm.Name != "jenkins-agent" {
		t.Fatalf("plain deploy named %q", vm.Name)
	}
}

// Node items carry the IP under both names MacStadium's clients read.
func TestNodeIPNames(t *testing.T) {
	e := newEnv(t, Options{Nodes: 1})
	body := string(e.must(200, "GET", base+"/nodes", nil).body)
	for _, want := range []string{`"nodeIP":"10.221.188.11"`, `"ip":"10.221.188.11"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("node list %s lacks %s", body, want)
		}
	}
}
