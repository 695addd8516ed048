package orkasim

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDeployFromConfig(t *testing.T) {
	e := newEnv(t, Options{})
	e.createConfig("ci", map[string]any{"cpu": 4})
	vm := e.mustDeploy("orka-default", map[string]any{"name": "build-1", "vmConfig": "ci", "customMetadata": map[string]string{"team": "ios"}})
	if vm.Name != "build-1" || vm.Status != "Running" || vm.Memory != "6.00Gi" || vm.Node != "mini-arm-1" ||
		vm.IP != "10.221.188.11" || vm.SSH == nil || *vm.SSH != 8822 || vm.VNC == nil || *vm.VNC != 5999 ||
		vm.Screenshare == nil || *vm.Screenshare != 5900 {
		t.Fatalf("deployed VM %+v", vm)
	}
	// The rest is read back.
	got := e.getVM("orka-default", "build-1")
	if got.Name != vm.Name || got.Namespace != "orka-default" || got.Status != "Running" || got.CPU != 4 || got.Memory != "6.00Gi" ||
		got.Image != "sequoia.orkasi" || got.VMConfig != "ci" || got.Type != "arm64" || got.Node != "mini-arm-1" ||
		got.IP != "10.221.188.11" || *got.SSH != 8822 || *got.VNC != 5999 || *got.Screenshare != 5900 ||
		got.CustomMetadata["team"] != "ios" || got.GPUPassthrough {
		t.Fatalf("read back %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.DeployDate); err != nil {
		t.Fatalf("deployDate %q: %v", got.DeployDate, err)
	}
	var all list[VM]
	e.must(200, "GET", vmPath, nil).decode(t, &all)
	if len(all.Items) != 1 || all.Items[0].Namespace != "orka-default" || all.Items[0].VMConfig != "ci" {
		t.Fatalf("list %+v", all)
	}

	// Deploy fields override the config's; a second VM on the same node gets the next ports.
	vm2 := e.mustDeploy("orka-default", map[string]any{"name": "build-2", "vmConfig": "ci", "cpu": 2, "memory": 5,
		"image": "ghcr.io/org/macos:sonoma", "node": "mini-arm-1", "vncConsole": false})
	if vm2.Memory != "5.00Gi" || vm2.Node != "mini-arm-1" || *vm2.SSH != 8823 || *vm2.Screenshare != 5901 || vm2.VNC != nil {
		t.Fatalf("overridden VM %+v", vm2)
	}
	if got := e.getVM("orka-default", "build-2"); got.CPU != 2 || got.Image != "ghcr.io/org/macos:sonoma" {
		t.Fatalf("overridden VM read back %+v", got)
	}
	// A config whose memory was derived derives it again from an overridden cpu.
	if vm3 := e.mustDeploy("orka-default", map[string]any{"name": "build-3", "vmConfig": "ci", "cpu": 6}); vm3.Memory != "9.00Gi" {
		t.Fatalf("derived memory %+v", vm3)
	}
	// Image-only deploy with the defaults.
	if vm4 := e.mustDeploy("orka-default", map[string]any{"name": "img", "image": "90gbsonomassd.orkasi"}); vm4.Memory != "4.50Gi" {
		t.Fatalf("image deploy %+v", vm4)
	}
	if got := e.getVM("orka-default", "img"); got.CPU != 3 || got.VMConfig != "" {
		t.Fatalf("image deploy read back %+v", got)
	}
	// A server-generated name when none is given.
	if gen := e.mustDeploy("orka-default", map[string]any{"vmConfig": "ci"}); !strings.HasPrefix(gen.Name, "vm-") || len(gen.Name) != 8 {
		t.Fatalf("generated name %q", gen.Name)
	}

	expectError(t, e.deploy("orka-default", map[string]any{"name": "build-1", "vmConfig": "ci"}), 409, "AlreadyExists", "build-1")
	expectError(t, e.deploy("orka-nope", map[string]any{"name": "x", "vmConfig": "ci"}), 404, "NotFound", "orka-nope")
	expectError(t, e.deploy("orka-default", map[string]any{"name": "x", "vmConfig": "nope"}), 404, "NotFound", "nope")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/vms", nil), 404, "NotFound", "orka-nope")

	e.must(200, "DELETE", vmPath+"/build-1", nil)
	expectError(t, e.do("GET", vmPath+"/build-1", nil), 404, "NotFound", "build-1")
	expectError(t, e.do("DELETE", vmPath+"/build-1", nil), 404, "NotFound", "build-1")
}

// [DOC] orka-api.md §5: the API quick start's deploy answer (and the GitHub Actions
// integration's deploy-response model) carries only name, node, memory, ip, ssh, vnc,
// screenshare, status and, when there is one, portWarnings.
func TestDeployAnswerIsMinimal(t *testing.T) {
	e := newEnv(t, Options{GPUPassthrough: true})
	e.createConfig("ci", map[string]any{"cpu": 4})
	r := e.deploy("orka-default", map[string]any{"name": "min", "vmConfig": "ci", "customMetadata": map[string]string{"team": "ios"},
		"gpuPassthrough": true, "vncConsole": false})
	if r.code != 201 {
		t.Fatalf("deploy: %d %s", r.code, r.body)
	}
	var keys map[string]any
	r.decode(t, &keys)
	allowed := map[string]bool{"name": true, "node": true, "memory": true, "ip": true, "ssh": true, "vnc": true,
		"screenshare": true, "status": true, "portWarnings": true}
	for k := range keys {
		if !allowed[k] {
			t.Errorf("the deploy answer carries %q: %s", k, r.body)
		}
	}
	for _, k := range []string{"name", "node", "memory", "ip", "ssh", "vnc", "screenshare", "status"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the deploy answer lacks %q: %s", k, r.body)
		}
	}
	if _, ok := keys["portWarnings"]; ok {
		t.Errorf("portWarnings is sent only when there is one: %s", r.body)
	}
	// What the answer leaves out is still there to read back.
	if got := e.getVM("orka-default", "min"); got.CPU != 4 || got.CustomMetadata["team"] != "ios" || !got.GPUPassthrough || got.VMConfig != "ci" {
		t.Fatalf("read back %+v", got)
	}
}

// [DOC] orka-api.md §4: Orka rounds memory to the nearest 0.1 GiB (the CRD types vendored in
// MacStadium's Packer plugin), on VMs as on VM configs.
func TestDeployRoundsMemory(t *testing.T) {
	e := newEnv(t, Options{})
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "r", "image": "sequoia.orkasi", "memory": 8.125}); vm.Memory != "8.10Gi" {
		t.Fatalf("deploy answer memory %q, want 8.10Gi", vm.Memory)
	}
	if got := e.getVM("orka-default", "r"); got.Memory != "8.10Gi" {
		t.Fatalf("read back memory %q, want 8.10Gi", got.Memory)
	}
	// Capacity counts the rounded size.
	if n := e.sim.Snapshot().Nodes["mini-arm-1"]; n.AvailableMemory != "23.90G" {
		t.Fatalf("node after an 8.1 GiB VM: %+v", n)
	}
	// A VM config's rounded memory is what its VMs get.
	e.createConfig("odd", map[string]any{"memory": 6.57})
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "c", "vmConfig": "odd"}); vm.Memory != "6.60Gi" {
		t.Fatalf("memory from a 6.57 GiB config %q, want 6.60Gi", vm.Memory)
	}
}

// [DOC] orka-api.md §5: VM names start with a letter (the CLI reference), generated ones too.
func TestDeployNameStartsWithALetter(t *testing.T) {
	e := newEnv(t, Options{})
	for _, body := range []map[string]any{
		{"name": "1abc", "image": "sequoia.orkasi"},
		{"name": "9-runner", "image": "sequoia.orkasi", "shouldGenerateName": true},
	} {
		expectError(t, e.deploy("orka-default", body), 400, "BadRequest", "invalid value for name:", "start with a letter")
	}
	if n := len(e.sim.Snapshot().VMs["orka-default"]); n != 0 {
		t.Fatalf("a refused deploy left %d VM(s)", n)
	}
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "a1", "image": "sequoia.orkasi"}); vm.Name != "a1" {
		t.Fatalf("deployed %q", vm.Name)
	}
	// The server's own names start with a letter, and so does a generated name of a good prefix.
	if vm := e.mustDeploy("orka-default", map[string]any{"image": "sequoia.orkasi"}); vm.Name[0] < 'a' || vm.Name[0] > 'z' {
		t.Fatalf("generated name %q", vm.Name)
	}
	if vm := e.mustDeploy("orka-default", map[string]any{"name": "r", "image": "sequoia.orkasi", "shouldGenerateName": true}); !strings.HasPrefix(vm.Name, "r-") {
		t.Fatalf("generated name %q", vm.Name)
	}
}

func TestDeployValidation(t *testing.T) {
	cases := []struct {
		name  string
		opts  Options
		body  map[string]any
		field string
		rule  string
	}{
		{"name uppercase", Options{}, map[string]any{"name": "Build"}, "name", "DNS label"},
		{"name too long", Options{}, map[string]any{"name": strings.Repeat("a", 64)}, "name", "at most 63"},
		{"name ends with dash", Options{}, map[string]any{"name": "build-"}, "name", "DNS label"},
		{"no config or image", Options{}, map[string]any{"vmConfig": ""}, "vmConfig", "vmConfig or an image"},
		{"image unknown", Options{}, map[string]any{"vmConfig": "", "image": "nope.orkasi"}, "image", "existing image"},
		{"cpu below 2", Options{}, map[string]any{"cpu": 1}, "cpu", "at least 2"},
		{"memory negative", Options{}, map[string]any{"memory": -0.5}, "memory", "at least 0"},
		{"scheduler", Options{}, map[string]any{"scheduler": "spread"}, "scheduler", "most-allocated"},
		{"tag too long", Options{}, map[string]any{"tag": strings.Repeat("t", 33)}, "tag", "1 to 32"},
		{"displayWidth", Options{}, map[string]any{"displayWidth": 100}, "displayWidth", "between 320 and 3840"},
		{"displayHeight", Options{}, map[string]any{"displayHeight": 5000}, "displayHeight", "between 480 and 2160"},
		{"displayDPI", Options{}, map[string]any{"displayDPI": 10}, "displayDPI", "between 60 and 240"},
		{"unknown node", Options{}, map[string]any{"node": "mini-arm-99"}, "node", "a node in namespace orka-default"},
		{"metadata key comma", Options{}, map[string]any{"customMetadata": map[string]string{"a,b": "x"}}, "customMetadata", "','"},
		{"metadata key equals", Options{}, map[string]any{"customMetadata": map[string]string{"a=b": "x"}}, "customMetadata", "'='"},
		{"metadata value", Options{}, map[string]any{"customMetadata": map[string]string{"k": "x=y"}}, "customMetadata[k]", "'='"},
		{"ports format", Options{}, map[string]any{"reservedPorts": "8080"}, "reservedPorts", "NODEPORT:VMPORT"},
		{"ports range", Options{}, map[string]any{"reservedPorts": "8080:80,70000:22"}, "reservedPorts", "1-65535"},
		{"ports zero", Options{}, map[string]any{"reservedPorts": "0:22"}, "reservedPorts", "1-65535"},
		{"ports protocol", Options{}, map[string]any{"reservedPorts": "8080:80/sctp"}, "reservedPorts", "tcp or udp"},
		{"timeout zero", Options{}, map[string]any{"timeout": 0}, "timeout", "at least 1"},
		{"gpu disabled", Options{}, map[string]any{"gpuPassthrough": true, "vncConsole": false}, "gpuPassthrough", "not enabled"},
		{"gpu with vnc", Options{GPUPassthrough: true}, map[string]any{"gpuPassthrough": true}, "gpuPassthrough", "vncConsole"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			e.createConfig("ci", nil)
			body := map[string]any{"name": "build", "vmConfig": "ci"}
			for k, v := range tc.body {
				body[k] = v
			}
			expectError(t, e.deploy("orka-default", body), 400, "BadRequest", "invalid value for "+tc.field+":", tc.rule)
			if n := len(e.sim.Snapshot().VMs["orka-default"]); n != 0 {
				t.Fatalf("a rejected deploy left %d VM(s)", n)
			}
		})
	}
	e := newEnv(t, Options{GPUPassthrough: true})
	vm := e.mustDeploy("orka-default", map[string]any{"name": "ok", "image": "sequoia.orkasi", "reservedPorts": "8080:80/tcp, 5353:53/udp,9000:9000",
		"gpuPassthrough": true, "vncConsole": false, "timeout": 1})
	if vm.VNC != nil || !e.getVM("orka-default", "ok").GPUPassthrough {
		t.Fatalf("gpu VM %+v", vm)
	}
}

func TestDeployDelayShowsPending(t *testing.T) {
	e := newEnv(t, Options{DeployDelay: 300 * time.Millisecond})
	done := make(chan resp, 1)
	go func() {
		r, _ := e.try(e.admin, "POST", vmPath, map[string]any{"name": "slow", "image": "sequoia.orkasi"})
		done <- r
	}()
	var seen VM
	eventually(t, "the Pending VM", func() bool {
		r := e.do("GET", vmPath+"/slow", nil)
		if r.code != 200 {
			return false
		}
		r.decode(t, &seen)
		return true
	})
	if seen.Status != "Pending" || seen.SSH != nil || seen.IP != "" {
		t.Fatalf("during the delay: %+v", seen)
	}
	r := <-done
	var vm VM
	r.decode(t, &vm)
	if r.code != 201 || vm.Status != "Running" {
		t.Fatalf("deploy answered %d %s", r.code, r.body)
	}
}

func TestCapacityTimeoutLeavesPendingVM(t *testing.T) {
	e := newEnv(t, Options{Nodes: 1, Minute: 20 * time.Millisecond})
	e.mustDeploy("orka-default", map[string]any{"name": "a", "image": "sequoia.orkasi"})
	e.mustDeploy("orka-default", map[string]any{"name": "b", "image": "sequoia.orkasi"})
	r := e.deploy("orka-default", map[string]any{"name": "c", "image": "sequoia.orkasi", "cpu": 4, "timeout": 2})
	expectError(t, r, 500, "Timeout", `"c"`, "4 CPU", "6.00 GiB", "no node")
	var vm VM
	e.must(200, "GET", vmPath+"/c", nil).decode(t, &vm)
	if vm.Status != "Pending" || vm.Node != "" {
		t.Fatalf("left behind: %+v", vm)
	}
	// CPU and memory count too, not only the VM slots.
	e2 := newEnv(t, Options{Nodes: 1, Minute: 10 * time.Millisecond})
	e2.mustDeploy("orka-default", map[string]any{"name": "big", "image": "sequoia.orkasi", "cpu": 10})
	expectError(t, e2.deploy("orka-default", map[string]any{"name": "small", "image": "sequoia.orkasi", "cpu": 3, "timeout": 1}), 500, "Timeout", "3 CPU")
	expectError(t, e2.deploy("orka-default", map[string]any{"name": "mem", "image": "sequoia.orkasi", "cpu": 2, "memory": 20, "timeout": 1}), 500, "Timeout", "20.00 GiB")
}

func TestCapacityFreedDuringWait(t *testing.T) {
	e := newEnv(t, Options{Nodes: 1, Minute: 10 * time.Second})
	e.mustDeploy("orka-default", map[string]any{"name": "a", "image": "sequoia.orkasi"})
	e.mustDeploy("orka-default", map[string]any{"name": "b", "image": "sequoia.orkasi"})
	done := make(chan resp, 1)
	go func() {
		r, _ := e.try(e.admin, "POST", vmPath, map[string]any{"name": "c", "image": "sequoia.orkasi", "timeout": 1})
		done <- r
	}()
	eventually(t, "c Pending", func() bool { return e.do("GET", vmPath+"/c", nil).code == 200 })
	e.must(200, "DELETE", vmPath+"/a", nil)
	r := <-done
	var vm VM
	r.decode(t, &vm)
	if r.code != 201 || vm.Status != "Running" || vm.Node != "mini-arm-1" {
		t.Fatalf("after capacity freed: %d %s", r.code, r.body)
	}
}

func TestDeployEndsWhenVMFailsOrIsDeleted(t *testing.T) {
	e := newEnv(t, Options{DeployDelay: 200 * time.Millisecond})
	done := make(chan resp, 2)
	for _, n := range []string{"fails", "goes"} {
		go func() {
			r, _ := e.try(e.admin, "POST", vmPath, map[string]any{"name": n, "image": "sequoia.orkasi"})
			done <- r
		}()
	}
	eventually(t, "both Pending", func() bool { return len(e.sim.Snapshot().VMs["orka-default"]) == 2 })
	if err := e.sim.SetVMStatus("orka-default", "fails", "Failed"); err != nil {
		t.Fatal(err)
	}
	e.must(200, "DELETE", vmPath+"/goes", nil)
	for range 2 {
		expectError(t, <-done, 500, "InternalError")
	}
	if e.sim.Snapshot().VMs["orka-default"]["fails"].Status != "Failed" {
		t.Fatal("the Failed VM should stay behind")
	}
	if err := e.sim.SetVMStatus("orka-default", "nope", "Failed"); err == nil {
		t.Fatal("SetVMStatus of a missing VM should fail")
	}
	if err := e.sim.SetVMStatus("orka-default", "fails", "Exploded"); err == nil {
		t.Fatal("SetVMStatus with a bad status should fail")
	}
}

func TestScheduling(t *testing.T) {
	t.Run("default spreads, most-allocated packs", func(t *testing.T) {
		e := newEnv(t, Options{Nodes: 3})
		img := "sequoia.orkasi"
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "a", "image": img}); vm.Node != "mini-arm-1" {
			t.Fatalf("a on %s", vm.Node)
		}
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "b", "image": img}); vm.Node != "mini-arm-2" {
			t.Fatalf("default scheduler put b on %s", vm.Node)
		}
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "c", "image": img, "scheduler": "most-allocated"}); vm.Node != "mini-arm-1" {
			t.Fatalf("most-allocated put c on %s", vm.Node)
		}
		// mini-arm-1 is full (2 VMs): most-allocated takes the next fullest.
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "d", "image": img, "scheduler": "most-allocated"}); vm.Node != "mini-arm-2" {
			t.Fatalf("most-allocated put d on %s", vm.Node)
		}
	})
	t.Run("tags", func(t *testing.T) {
		e := newEnv(t, Options{Nodes: 3, Minute: 10 * time.Millisecond})
		if err := e.sim.SetNodeTags("mini-arm-3", "xcode16"); err != nil {
			t.Fatal(err)
		}
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "pref", "image": "sequoia.orkasi", "tag": "xcode16"}); vm.Node != "mini-arm-3" {
			t.Fatalf("a tag should prefer its node, got %s", vm.Node)
		}
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "req", "image": "sequoia.orkasi", "tag": "xcode16", "tagRequired": true}); vm.Node != "mini-arm-3" {
			t.Fatalf("tagRequired got %s", vm.Node)
		}
		// The tagged node is full: without tagRequired another node will do, with it nothing.
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "pref2", "image": "sequoia.orkasi", "tag": "xcode16"}); vm.Node == "mini-arm-3" {
			t.Fatal("full node chosen")
		}
		expectError(t, e.deploy("orka-default", map[string]any{"name": "req2", "image": "sequoia.orkasi", "tag": "xcode16", "tagRequired": true, "timeout": 1}), 500, "Timeout")
		e.createConfig("tagged", map[string]any{"tag": "none-has-it", "tagRequired": true})
		expectError(t, e.deploy("orka-default", map[string]any{"name": "cfg", "vmConfig": "tagged", "timeout": 1}), 500, "Timeout")
	})
	t.Run("pinned node and not ready nodes", func(t *testing.T) {
		e := newEnv(t, Options{Nodes: 2, Minute: 10 * time.Millisecond})
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "p", "image": "sequoia.orkasi", "node": "mini-arm-2"}); vm.Node != "mini-arm-2" {
			t.Fatalf("pinned to %s", vm.Node)
		}
		e.createConfig("pinned", map[string]any{"nodeName": "mini-arm-2"})
		if vm := e.mustDeploy("orka-default", map[string]any{"name": "q", "vmConfig": "pinned"}); vm.Node != "mini-arm-2" {
			t.Fatalf("config pin got %s", vm.Node)
		}
		expectError(t, e.deploy("orka-default", map[string]any{"name": "r", "vmConfig": "pinned", "timeout": 1}), 500, "Timeout")
		if err := e.sim.SetNodePhase("mini-arm-1", "NOT READY"); err != nil {
			t.Fatal(err)
		}
		expectError(t, e.deploy("orka-default", map[string]any{"name": "s", "image": "sequoia.orkasi", "timeout": 1}), 500, "Timeout")
	})
}

func TestParallelDeploys(t *testing.T) {
	e := newEnv(t, Options{Nodes: 4, DeployDelay: 50 * time.Millisecond})
	var wg sync.WaitGroup
	results := make(chan resp, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try(e.admin, "POST", vmPath, map[string]any{"name": fmt.Sprintf("par-%d", i), "image": "sequoia.orkasi"})
			if err != nil {
				r.code = -1
			}
			results <- r
		}()
	}
	wg.Wait()
	close(results)
	perNode := map[string]int{}
	ports := map[string]bool{}
	for r := range results {
		if r.code != 201 {
			t.Fatalf("parallel deploy: %d %s", r.code, r.body)
		}
		var vm VM
		r.decode(t, &vm)
		perNode[vm.Node]++
		key := fmt.Sprintf("%s/%d", vm.Node, *vm.SSH)
		if ports[key] {
			t.Fatalf("port %s used twice", key)
		}
		ports[key] = true
	}
	for n, c := range perNode {
		if c != 2 {
			t.Fatalf("node %s runs %d VMs: %v", n, c, perNode)
		}
	}
}

func TestCloseEndsWaitingDeploys(t *testing.T) {
	e := newEnv(t, Options{Nodes: 1, Minute: time.Hour, DeployDelay: time.Hour})
	done := make(chan resp, 2)
	start := func(name string) {
		go func() {
			r, _ := e.try(e.admin, "POST", vmPath, map[string]any{"name": name, "image": "sequoia.orkasi", "cpu": 8})
			done <- r
		}()
	}
	start("scheduled") // gets the node, then sits in its DeployDelay
	eventually(t, "the first VM", func() bool { return len(e.sim.Snapshot().VMs["orka-default"]) == 1 })
	start("waiting") // no node has 8 CPU left
	eventually(t, "both Pending", func() bool { return len(e.sim.Snapshot().VMs["orka-default"]) == 2 })
	e.sim.Close()
	for range 2 {
		expectError(t, <-done, 503, "ServiceUnavailable", "shutting down")
	}
}
