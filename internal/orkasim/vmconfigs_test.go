package orkasim

import (
	"strings"
	"testing"
)

func TestVMConfigLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	var empty list[VMConfig]
	e.must(200, "GET", cfgPath, nil).decode(t, &empty)
	if empty.Items == nil || len(empty.Items) != 0 {
		t.Fatalf("seeded configs %+v", empty)
	}
	if !strings.Contains(string(e.do("GET", cfgPath, nil).body), `"items":[]`) {
		t.Fatal("an empty list must be [] not null")
	}

	c := e.createConfig("ci", nil)
	want := VMConfig{Name: "ci", Image: "sequoia.orkasi", CPU: 3, Memory: 4.5, Scheduler: "default", VNCConsole: true, Type: "arm64"}
	if c != want {
		t.Fatalf("defaults: got %+v, want %+v", c, want)
	}
	full := e.createConfig("full", map[string]any{"image": "ghcr.io/org/macos:sonoma", "cpu": 6, "memory": 12.5,
		"tag": "gpu", "tagRequired": true, "scheduler": "most-allocated", "netBoost": true, "legacyIO": true,
		"vncConsole": false, "displayWidth": 1920, "displayHeight": 1080, "displayDPI": 144, "nodeName": "mini-arm-2"})
	wantFull := VMConfig{Name: "full", Image: "ghcr.io/org/macos:sonoma", CPU: 6, Memory: 12.5, Tag: "gpu", TagRequired: true,
		Scheduler: "most-allocated", NetBoost: true, LegacyIO: true, VNCConsole: false, DisplayWidth: 1920,
		DisplayHeight: 1080, DisplayDPI: 144, NodeName: "mini-arm-2", Type: "arm64"}
	if full != wantFull {
		t.Fatalf("full: got %+v, want %+v", full, wantFull)
	}
	if intel := e.createConfig("intel", map[string]any{"image": "registry.local/macos/monterey.img"}); intel.Type != "amd64" {
		t.Fatalf("an .img image is amd64: %+v", intel)
	}
	if c := e.createConfig("derived", map[string]any{"cpu": 5}); c.Memory != 7.5 {
		t.Fatalf("memory derived from 5 CPU: %v", c.Memory)
	}

	var got VMConfig
	e.must(200, "GET", cfgPath+"/full", nil).decode(t, &got)
	if got != wantFull {
		t.Fatalf("read back %+v", got)
	}
	var all list[VMConfig]
	e.must(200, "GET", cfgPath, nil).decode(t, &all)
	if len(all.Items) != 4 {
		t.Fatalf("list %+v", all)
	}
	if e.sim.Snapshot().VMConfigs["full"] != wantFull {
		t.Fatal("snapshot disagrees")
	}

	expectError(t, e.do("POST", cfgPath, map[string]any{"name": "ci", "image": "sequoia.orkasi"}), 409, "AlreadyExists", "ci")
	e.must(200, "DELETE", cfgPath+"/ci", nil)
	expectError(t, e.do("GET", cfgPath+"/ci", nil), 404, "NotFound", "ci")
	expectError(t, e.do("DELETE", cfgPath+"/ci", nil), 404, "NotFound", "ci")

	// VM configs live only in orka-default.
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-ci/vmconfigs", nil), 400, "BadRequest", "namespace")
	expectError(t, e.do("POST", "/api/v1/namespaces/orka-ci/vmconfigs", map[string]any{"name": "x", "image": "sequoia.orkasi"}), 400, "BadRequest", "namespace")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/vmconfigs", nil), 404, "NotFound", "orka-nope")
}

func TestVMConfigValidation(t *testing.T) {
	cases := []struct {
		name  string
		opts  Options
		body  map[string]any
		field string
		rule  string
	}{
		{"name missing", Options{}, map[string]any{"name": ""}, "name", "required"},
		{"name too long", Options{}, map[string]any{"name": "a" + strings.Repeat("b", 50)}, "name", "at most 50"},
		{"name uppercase", Options{}, map[string]any{"name": "CI"}, "name", "lowercase"},
		{"name starts with digit", Options{}, map[string]any{"name": "1ci"}, "name", "start with a letter"},
		{"name ends with dash", Options{}, map[string]any{"name": "ci-"}, "name", "end with a letter or digit"},
		{"name underscore", Options{}, map[string]any{"name": "c_i"}, "name", "lowercase"},
		{"image missing", Options{}, map[string]any{"image": ""}, "image", "required"},
		{"image unknown", Options{}, map[string]any{"image": "nope.orkasi"}, "image", "existing image"},
		{"cpu below 2", Options{}, map[string]any{"cpu": 1}, "cpu", "must be at least 2"},
		{"cpu negative", Options{}, map[string]any{"cpu": -3}, "cpu", "must be at least 2"},
		{"cpu above node", Options{}, map[string]any{"cpu": 13}, "cpu", "at most 12"},
		{"memory negative", Options{}, map[string]any{"memory": -1}, "memory", "at least 0"},
		{"memory above node", Options{}, map[string]any{"memory": 33}, "memory", "at most 32"},
		{"tag too long", Options{}, map[string]any{"tag": strings.Repeat("t", 33)}, "tag", "1 to 32"},
		{"scheduler", Options{}, map[string]any{"scheduler": "random"}, "scheduler", "most-allocated"},
		{"displayWidth low", Options{}, map[string]any{"displayWidth": 319}, "displayWidth", "between 320 and 3840"},
		{"displayWidth high", Options{}, map[string]any{"displayWidth": 3841}, "displayWidth", "between 320 and 3840"},
		{"displayHeight low", Options{}, map[string]any{"displayHeight": 479}, "displayHeight", "between 480 and 2160"},
		{"displayHeight high", Options{}, map[string]any{"displayHeight": 2161}, "displayHeight", "between 480 and 2160"},
		{"displayDPI low", Options{}, map[string]any{"displayDPI": 59}, "displayDPI", "between 60 and 240"},
		{"displayDPI high", Options{}, map[string]any{"displayDPI": 241}, "displayDPI", "between 60 and 240"},
		{"gpu disabled on cluster", Options{}, map[string]any{"gpuPassthrough": true, "vncConsole": false}, "gpuPassthrough", "not enabled"},
		{"gpu with vnc", Options{GPUPassthrough: true}, map[string]any{"gpuPassthrough": true, "vncConsole": true}, "gpuPassthrough", "vncConsole"},
		{"gpu with default vnc", Options{GPUPassthrough: true}, map[string]any{"gpuPassthrough": true}, "gpuPassthrough", "vncConsole"},
		{"unknown node", Options{}, map[string]any{"nodeName": "mini-arm-9"}, "nodeName", "existing node"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			body := map[string]any{"name": "ci", "image": "sequoia.orkasi"}
			for k, v := range tc.body {
				body[k] = v
			}
			expectError(t, e.do("POST", cfgPath, body), 400, "BadRequest", "invalid value for "+tc.field+":", tc.rule)
			if len(e.sim.Snapshot().VMConfigs) != 0 {
				t.Fatal("a rejected config was stored")
			}
		})
	}
	// The boundaries themselves are fine, and GPU passthrough works without VNC when enabled.
	e := newEnv(t, Options{GPUPassthrough: true})
	e.createConfig("edges", map[string]any{"cpu": 12, "memory": 32, "tag": strings.Repeat("t", 32), "displayWidth": 320,
		"displayHeight": 2160, "displayDPI": 60, "name": "a" + strings.Repeat("b", 49)})
	if c := e.createConfig("gpu", map[string]any{"gpuPassthrough": true, "vncConsole": false}); !c.GPUPassthrough || c.VNCConsole {
		t.Fatalf("gpu config %+v", c)
	}
}

// [DOC] orka-api.md §4: Orka rounds memory to the nearest 0.1 GiB (the CRD types vendored in
// MacStadium's Packer plugin), so 6.57 reads back as 6.6, on create and on every read.
func TestVMConfigRoundsMemory(t *testing.T) {
	e := newEnv(t, Options{})
	if c := e.createConfig("odd", map[string]any{"memory": 6.57}); c.Memory != 6.6 {
		t.Fatalf("create answered memory %v, want 6.6", c.Memory)
	}
	var got VMConfig
	e.must(200, "GET", cfgPath+"/odd", nil).decode(t, &got)
	var all list[VMConfig]
	e.must(200, "GET", cfgPath, nil).decode(t, &all)
	if got.Memory != 6.6 || len(all.Items) != 1 || all.Items[0].Memory != 6.6 || e.sim.Snapshot().VMConfigs["odd"].Memory != 6.6 {
		t.Fatalf("read back %+v, list %+v", got, all)
	}
	if c := e.createConfig("down", map[string]any{"memory": 8.04}); c.Memory != 8 {
		t.Fatalf("8.04 GiB read back as %v, want 8", c.Memory)
	}
	// Derived memory is unchanged: cpu * 1.5.
	if c := e.createConfig("derived", map[string]any{"cpu": 3}); c.Memory != 4.5 {
		t.Fatalf("derived memory %v", c.Memory)
	}
	// The bound is checked on the rounded size: 32.04 GiB is 32.0 GiB.
	if c := e.createConfig("edge", map[string]any{"memory": 32.04}); c.Memory != 32 {
		t.Fatalf("32.04 GiB read back as %v", c.Memory)
	}
}
