package orkasim

import (
	"strings"
	"testing"
)

// vmKeys reads one VM and the VM list as raw JSON objects.
func (e *env) vmKeys(name string) (item map[string]any, listed map[string]any) {
	e.t.Helper()
	e.must(200, "GET", vmPath+"/"+name, nil).decode(e.t, &item)
	var l struct {
		Items []map[string]any `json:"items"`
	}
	e.must(200, "GET", vmPath, nil).decode(e.t, &l)
	for _, it := range l.Items {
		if it["name"] == name {
			listed = it
		}
	}
	if listed == nil {
		e.t.Fatalf("VM %s not listed", name)
	}
	return item, listed
}

// Variant (orka-api.md §5: whether VM items carry customMetadata is UNKNOWN): with
// OmitVMCustomMetadata, GET and list leave the field out altogether; the simulator still keeps
// it. Tested both ways.
func TestOmitVMCustomMetadataVariant(t *testing.T) {
	for _, omit := range []bool{false, true} {
		e := newEnv(t, Options{OmitVMCustomMetadata: omit})
		e.mustDeploy("orka-default", map[string]any{"name": "md", "image": "sequoia.orkasi", "customMetadata": map[string]string{"team": "ios"}})
		e.mustDeploy("orka-default", map[string]any{"name": "none", "image": "sequoia.orkasi"})
		for _, name := range []string{"md", "none"} {
			item, listed := e.vmKeys(name)
			for _, m := range []map[string]any{item, listed} {
				md, has := m["customMetadata"]
				switch {
				case omit && has:
					t.Fatalf("omit: VM %s carries customMetadata %v", name, md)
				case !omit && !has:
					t.Fatalf("default: VM %s lacks customMetadata", name)
				case !omit && name == "md" && md.(map[string]any)["team"] != "ios":
					t.Fatalf("default: VM %s customMetadata %v", name, md)
				case !omit && name == "none" && len(md.(map[string]any)) != 0:
					t.Fatalf("default: VM %s customMetadata %v, want {}", name, md)
				}
			}
		}
		if got := e.sim.Snapshot().VMs["orka-default"]["md"].CustomMetadata["team"]; got != "ios" {
			t.Fatalf("omit=%v: the simulator lost the metadata: %q", omit, got)
		}
	}
}

// Variant (orka-api.md §5: namespace, vmConfig and type on VM items are UNKNOWN beyond the
// quick start's list example): with SparseVMItems, GET and list leave them out. Tested both
// ways; the other fields stay.
func TestSparseVMItemsVariant(t *testing.T) {
	for _, sparse := range []bool{false, true} {
		e := newEnv(t, Options{SparseVMItems: sparse})
		e.createConfig("ci", nil)
		e.mustDeploy("orka-default", map[string]any{"name": "v", "vmConfig": "ci"})
		item, listed := e.vmKeys("v")
		for _, m := range []map[string]any{item, listed} {
			for _, k := range []string{"namespace", "vmConfig", "type"} {
				if _, has := m[k]; has == sparse {
					t.Fatalf("sparse=%v: %q present=%v in %v", sparse, k, has, m)
				}
			}
			for _, k := range []string{"name", "node", "ip", "ssh", "vnc", "screenshare", "status", "cpu", "memory", "image", "customMetadata"} {
				if _, has := m[k]; !has {
					t.Fatalf("sparse=%v: %q missing from %v", sparse, k, m)
				}
			}
		}
		if snap := e.sim.Snapshot().VMs["orka-default"]["v"]; snap.VMConfig != "ci" || snap.Type != "arm64" || snap.Namespace != "orka-default" {
			t.Fatalf("sparse=%v: the simulator lost fields: %+v", sparse, snap)
		}
	}
}

// The variants change at run time through POST /_sim/variants (only the switches named in the
// body) and SetVariants; GET /_sim/variants reports them, and Reset keeps them.
func TestVariantsControlRoute(t *testing.T) {
	e := newEnv(t, Options{SparseVMItems: true})
	var v Variants
	e.must(200, "GET", "/_sim/variants", nil).decode(t, &v)
	if v != (Variants{SparseVMItems: true}) {
		t.Fatalf("variants from Options %+v", v)
	}
	e.mustDeploy("orka-default", map[string]any{"name": "v", "image": "sequoia.orkasi", "customMetadata": map[string]string{"k": "x"}})
	e.must(200, "POST", "/_sim/variants", map[string]any{"omitVMCustomMetadata": true, "legacyImageCache": true}).decode(t, &v)
	if v != (Variants{OmitVMCustomMetadata: true, SparseVMItems: true, LegacyImageCache: true}) || e.sim.Variants() != v {
		t.Fatalf("after the control route %+v", v)
	}
	body := string(e.must(200, "GET", vmPath+"/v", nil).body)
	if strings.Contains(body, "customMetadata") || strings.Contains(body, `"namespace"`) {
		t.Fatalf("VM %s", body)
	}
	expectNoRoute(t, e.do("GET", cachePath, nil))
	// Go names work too: the body is decoded case-insensitively.
	e.must(200, "POST", "/_sim/variants", `{"OmitVMCustomMetadata": false, "SparseVMItems": false}`).decode(t, &v)
	if v != (Variants{LegacyImageCache: true}) {
		t.Fatalf("after turning two off %+v", v)
	}
	e.sim.Reset()
	if e.sim.Variants() != v {
		t.Fatal("Reset changed the variants")
	}
	e.sim.SetVariants(Variants{})
	e.must(200, "GET", cachePath, nil)
	expectError(t, e.do("POST", "/_sim/variants", `{"sparseVMItems": "yes"}`), 400, "BadRequest")
	expectError(t, e.send("", "POST", "/_sim/variants", map[string]any{}), 401, "Unauthorized")
}
