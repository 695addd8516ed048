package orka

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
)

// answering returns a client whose server answers every request with 200 and body.
func answering(t *testing.T, body string) *Client {
	t.Helper()
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, http.StatusOK, body) })
	return newTestClient(t, fs.URL)
}

// Every list accepts the documented {"items": [...]} and a bare JSON array.
func TestListsAcceptItemsAndBareArrays(t *testing.T) {
	ctx := context.Background()
	for _, body := range []string{
		`{"items":[{"name":"mini-1","nodeIP":"10.0.0.1"},{"name":"mini-2","nodeIP":"10.0.0.2"}]}`,
		`[{"name":"mini-1","nodeIP":"10.0.0.1"},{"name":"mini-2","nodeIP":"10.0.0.2"}]`,
	} {
		c := answering(t, body)
		nodes, err := c.ListNodes(ctx, "")
		if err != nil || len(nodes) != 2 || nodes[1].Name != "mini-2" {
			t.Errorf("ListNodes(%s) = %+v, %v", body, nodes, err)
		}
		ns, err := c.ListNamespaces(ctx)
		if err != nil || len(ns) != 2 {
			t.Errorf("ListNamespaces(%s) = %+v, %v", body, ns, err)
		}
		vms, err := c.ListVMs(ctx, "orka-ci")
		if err != nil || len(vms) != 2 {
			t.Errorf("ListVMs(%s) = %+v, %v", body, vms, err)
		}
		cfgs, err := c.ListVMConfigs(ctx)
		if err != nil || len(cfgs) != 2 {
			t.Errorf("ListVMConfigs(%s) = %+v, %v", body, cfgs, err)
		}
	}
}

// Numeric fields accept numbers and numeric strings; "" where a number belongs is "not set".
func TestNumericFieldsAcceptNumericStrings(t *testing.T) {
	ctx := context.Background()
	c := answering(t, `{"name":"r1","status":"Running","ssh":"8822","vnc":5999,"screenshare":"","cpu":"4","memory":"4.80Gi"}`)
	vm, err := c.GetVM(ctx, "orka-ci", "r1")
	if err != nil {
		t.Fatalf("GetVM: %v", err)
	}
	if vm.SSH == nil || *vm.SSH != 8822 || vm.VNC == nil || *vm.VNC != 5999 || vm.Screenshare != nil || vm.CPU != 4 {
		t.Fatalf("VM %+v", vm)
	}
	nodes, err := answering(t, `[{"name":"n","availableCpu":"10","allocatableCpu":12.0,"availableGpu":"0"}]`).ListNodes(ctx, "")
	if err != nil || nodes[0].AvailableCPU != 10 || nodes[0].AllocatableCPU != 12 {
		t.Fatalf("nodes %+v, %v", nodes, err)
	}
	cfg, err := answering(t, `{"name":"c","image":"i","cpu":"6","displayWidth":"1920","tagRequired":"true"}`).GetVMConfig(ctx, "c")
	if err != nil || cfg.CPU != 6 || cfg.DisplayWidth != 1920 || cfg.TagRequired == nil || !*cfg.TagRequired {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}

// Memory is read wherever it appears as a number, a numeric string or a Kubernetes quantity.
func TestMemoryForms(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		memory string
		gib    float64
	}{
		{`6`, 6}, {`"6"`, 6}, {`4.8`, 4.8}, {`"4.80Gi"`, 4.8}, {`"6G"`, 6e9 / (1 << 30)}, {`"6144Mi"`, 6},
	} {
		cfg, err := answering(t, `{"name":"c","image":"i","memory":`+tc.memory+`}`).GetVMConfig(ctx, "c")
		if err != nil || math.Abs(cfg.Memory-tc.gib) > 1e-9 {
			t.Errorf("VM config memory %s = %v, %v; want %v GiB", tc.memory, cfg, err, tc.gib)
		}
		vm, err := answering(t, `{"name":"v","status":"Running","memory":`+tc.memory+`}`).GetVM(ctx, "", "v")
		if err != nil {
			t.Errorf("VM memory %s: %v", tc.memory, err)
			continue
		}
		if got, err := ParseMemoryGiB(vm.Memory); err != nil || math.Abs(got-tc.gib) > 1e-9 {
			t.Errorf("VM memory %s read as %q = %v GiB, %v; want %v", tc.memory, vm.Memory, got, err, tc.gib)
		}
		nodes, err := answering(t, `[{"name":"n","availableMemory":`+tc.memory+`,"allocatableMemory":`+tc.memory+`}]`).ListNodes(ctx, "")
		if err != nil {
			t.Errorf("node memory %s: %v", tc.memory, err)
			continue
		}
		if got, err := ParseMemoryGiB(nodes[0].AvailableMemory); err != nil || math.Abs(got-tc.gib) > 1e-9 {
			t.Errorf("node memory %s read as %q = %v GiB, %v", tc.memory, nodes[0].AvailableMemory, got, err)
		}
	}
}

// Unknown fields are ignored, at every level.
func TestUnknownFieldsIgnored(t *testing.T) {
	c := answering(t, `{"items":[{"name":"v","status":"Running","future":{"x":[1,2]},"customMetadata":{"a":"b"},"labels":7}],"continue":"", "kind":"VMList"}`)
	vms, err := c.ListVMs(context.Background(), "")
	if err != nil || len(vms) != 1 || vms[0].CustomMetadata["a"] != "b" {
		t.Fatalf("ListVMs = %+v, %v", vms, err)
	}
}

// A node's IP is read from nodeIP or ip, whichever Orka sends.
func TestNodeIPFromEitherName(t *testing.T) {
	for _, body := range []string{`[{"name":"n","nodeIP":"10.0.0.9"}]`, `[{"name":"n","ip":"10.0.0.9"}]`} {
		nodes, err := answering(t, body).ListNodes(context.Background(), "")
		if err != nil || nodes[0].NodeIP != "10.0.0.9" || nodes[0].IP != "10.0.0.9" {
			t.Errorf("ListNodes(%s) = %+v, %v", body, nodes, err)
		}
	}
}

// What the client cannot read fails with the route, the field and the value, redacted when the
// field is secret; never a bare "json: cannot unmarshal".
func TestUnreadableValuesNameRouteFieldAndValue(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		body  string
		call  func(*Client) error
		wants []string
	}{
		{"port", `{"name":"v","ssh":"eighty"}`, func(c *Client) error { _, err := c.GetVM(ctx, "orka-ci", "v"); return err },
			[]string{"GET /api/v1/namespaces/orka-ci/vms/v", "field ssh", `"eighty"`, "a whole number"}},
		{"list item", `{"items":[{"name":"a"},{"name":"b","cpu":[4]}]}`, func(c *Client) error { _, err := c.ListVMConfigs(ctx); return err },
			[]string{"GET /api/v1/namespaces/orka-default/vmconfigs", "field items[1].cpu", "[4]"}},
		{"bare list item", `[{"name":"n","availableMemory":"lots"}]`, func(c *Client) error { _, err := c.ListNodes(ctx, "orka-ci"); return err },
			[]string{"GET /api/v1/namespaces/orka-ci/nodes", "field [0].availableMemory", `"lots"`, "memory size"}},
		{"fractional cpu", `{"name":"c","image":"i","cpu":2.5}`, func(c *Client) error { _, err := c.GetVMConfig(ctx, "c"); return err },
			[]string{"field cpu", "2.5"}},
		{"not a list", `{"items":"none"}`, func(c *Client) error { _, err := c.ListNamespaces(ctx); return err },
			[]string{"GET /api/v1/namespaces", "field items", `"none"`}},
		{"not JSON", `<html>ok</html>`, func(c *Client) error { _, err := c.GetNamespace(ctx, "orka-ci"); return err },
			[]string{"GET /api/v1/namespaces/orka-ci", "<html>ok</html>", "expected JSON"}},
		{"secret", `{"name":"c","image":"i","password":{"v":"hunter2"}}`, func(c *Client) error {
			var out struct {
				Name     string `json:"name"`
				Password string `json:"password"`
			}
			return decodeAnswer("GET", "/api/v1/x", []byte(`{"name":"c","password":{"v":"hunter2"}}`), &out)
		}, []string{"field password", "***"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(answering(t, tc.body))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tc.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "json: cannot unmarshal") || strings.Contains(msg, "hunter2") {
				t.Errorf("error %q is a bare decoding error or shows a secret", msg)
			}
		})
	}
}

// FindNode looks in orka-default first, then in every other namespace.
func TestFindNode(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/api/v1/namespaces":
			reply(w, 200, `{"items":[{"name":"orka-default"},{"name":"orka-a"},{"name":"orka-b"}]}`)
		case "/api/v1/namespaces/orka-default/nodes":
			reply(w, 200, `{"items":[{"name":"n1","namespace":"orka-default"}]}`)
		case "/api/v1/namespaces/orka-a/nodes":
			reply(w, 200, `{"items":[]}`)
		case "/api/v1/namespaces/orka-b/nodes":
			reply(w, 200, `[{"name":"n2","namespace":"orka-b","orkaTags":["x"]}]`)
		default:
			reply(w, 404, statusJSON(404, "NotFound", "no route"))
		}
	})
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	if n, err := c.FindNode(ctx, "n1"); err != nil || n.Namespace != "orka-default" {
		t.Fatalf("n1: %+v, %v", n, err)
	}
	if n, err := c.FindNode(ctx, "n2"); err != nil || n.Namespace != "orka-b" || len(n.OrkaTags) != 1 {
		t.Fatalf("n2: %+v, %v", n, err)
	}
	if _, err := c.FindNode(ctx, "n3"); !IsNotFound(err) || !strings.Contains(err.Error(), `node "n3" not found in any namespace`) {
		t.Fatalf("n3: %v", err)
	}
}

// ParseMemoryGiB reads the Kubernetes quantities Orka reports and bare GiB, and nothing else.
func TestParseMemoryGiB(t *testing.T) {
	for q, want := range map[string]float64{
		"6": 6, "4.8": 4.8, ".5": 0.5, "4.": 4, "4.80Gi": 4.8, "6144Mi": 6, "1048576Ki": 1, "1Ti": 1024, "1Pi": 1 << 20,
		"31.23G": 31.23e9 / (1 << 30), "6k": 6e3 / (1 << 30), "1E": 1e18 / (1 << 30), "6e9": 6e9 / (1 << 30),
		"6E+9": 6e9 / (1 << 30), " 2Gi ": 2, "0": 0,
	} {
		if got, err := ParseMemoryGiB(q); err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("ParseMemoryGiB(%q) = %v, %v; want %v", q, got, err, want)
		}
	}
	for _, q := range []string{"", " ", "Gi", "lots", "-1Gi", "+1Gi", "4.80 Gi", "1e3Mi", "4K", "4GB", "4gi", "1..2",
		"NaN", "Inf", "0x10", "1e999", "1_000Mi"} {
		if got, err := ParseMemoryGiB(q); err == nil || !strings.Contains(err.Error(), "not a memory size") {
			t.Errorf("ParseMemoryGiB(%q) = %v, %v; want an error", q, got, err)
		}
	}
}
