package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const vmConfigPath = "/api/v1/namespaces/orka-default/vmconfigs"

func vmConfigHCL(name string, cpu int, extra string) string {
	return fmt.Sprintf(`
resource "orka_vm_config" "test" {
  name  = %q
  image = "90gbsonomassd.orkasi"
  cpu   = %d
%s
}
`, name, cpu, extra)
}

// checkSimVMConfig asserts on the simulator's own state, not only Terraform's.
func (e *testEnv) checkSimVMConfig(name string, wantCPU int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got, ok := e.sim.Snapshot().VMConfigs[name]
		if !ok {
			return fmt.Errorf("simulator has no VM config %q", name)
		}
		if got.CPU != wantCPU {
			return fmt.Errorf("simulator's VM config %q has cpu %d, want %d", name, got.CPU, wantCPU)
		}
		return nil
	}
}

func TestAccVMConfig_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("cfg")
	extra := `  tag = "ci"
  display_width  = 1920
  display_height = 1080
  display_dpi    = 120`
	addr := "orka_vm_config.test"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(vmConfigHCL(name, 4, extra)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu"), knownvalue.Int64Exact(4)),
					// Orka derives memory from cpu when it is not set.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("memory"), knownvalue.Float64Exact(6)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("scheduler"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vnc_console"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tag_required"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("display_dpi"), knownvalue.Int64Exact(120)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arch"), knownvalue.StringExact("arm64")),
				},
				Check: e.checkSimVMConfig(name, 4),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				// Orka cannot update a VM config: a change is a replacement, and the plan says so.
				Config: e.config(vmConfigHCL(name, 6, extra)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("memory")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("memory"), knownvalue.Float64Exact(9)),
				},
				Check: e.checkSimVMConfig(name, 6),
			},
			{
				Config: e.config(vmConfigHCL(name, 6, extra)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if e.sim != nil {
				if _, ok := e.sim.Snapshot().VMConfigs[name]; ok {
					return fmt.Errorf("VM config %q still exists after destroy", name)
				}
			}
			return nil
		},
	})
}

// A VM config deleted behind Terraform's back is planned for creation and restored by one
// apply, under the same name.
func TestAccVMConfig_deletedOutOfBand(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("cfg")
	addr := "orka_vm_config.test"
	cfg := e.config(vmConfigHCL(name, 3, ""))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := e.client.DeleteVMConfig(testContext(t), name); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
				Check: e.checkSimVMConfig(name, 3),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccVMConfigDataSource(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("cfg")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(vmConfigHCL(name, 4, `  net_boost = true`) + `
data "orka_vm_config" "test" {
  name = orka_vm_config.test.name
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orka_vm_config.test", tfjsonpath.New("image"), knownvalue.StringExact("90gbsonomassd.orkasi")),
				statecheck.ExpectKnownValue("data.orka_vm_config.test", tfjsonpath.New("cpu"), knownvalue.Int64Exact(4)),
				statecheck.ExpectKnownValue("data.orka_vm_config.test", tfjsonpath.New("net_boost"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.orka_vm_config.test", tfjsonpath.New("memory"), knownvalue.Float64Exact(6)),
				statecheck.ExpectKnownValue("data.orka_vm_config.test", tfjsonpath.New("arch"), knownvalue.StringExact("arm64")),
			},
		}, {
			Config: e.config(`
data "orka_vm_config" "missing" {
  name = "no-such-config"
}
`),
			ExpectError: regexp.MustCompile(`Could not read VM config "no-such-config"`),
		}},
	})
}

// Every documented rule fails at plan time, naming the attribute and the rule, before
// anything reaches Orka.
func TestAccVMConfig_invalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cases := []struct {
		name, hcl string
		want      string
	}{
		{"name uppercase", `name = "Bad" image = "x.orkasi"`, `name: "Bad" is not a valid VM config name: use lowercase`},
		{"name starts with digit", `name = "1abc" image = "x.orkasi"`, `not a valid VM config name`},
		{"name ends with dash", `name = "abc-" image = "x.orkasi"`, `end with a letter or digit`},
		{"name too long", `name = "` + strings.Repeat("a", 51) + `" image = "x.orkasi"`, `1 to 50 characters`},
		{"empty image", `name = "ok" image = ""`, `image: is empty`},
		{"cpu below 2", `name = "ok" image = "x.orkasi" cpu = 1`, `Attribute cpu value must be at least 2`},
		{"memory not positive", `name = "ok" image = "x.orkasi" memory = 0`, `memory: 0 GiB is below Orka's minimum of 0\.1 GiB`},
		{"memory off the 0.1 GiB step", `name = "ok" image = "x.orkasi" memory = 6.57`, `(?s)memory: 6\.57 GiB is not a multiple of 0\.1 GiB.*would\s+keep\s+6\.6`},
		{"tag too long", `name = "ok" image = "x.orkasi" tag = "` + strings.Repeat("t", 33) + `"`, `(?s)tag: "t+" is 33 characters long; a node tag\s+must\s+be\s+1\s+to\s+32\s+characters`},
		{"scheduler", `name = "ok" image = "x.orkasi" scheduler = "fastest"`, `Attribute scheduler value must be one of`},
		{"display width", `name = "ok" image = "x.orkasi" display_width = 100`, `Attribute display_width value must be between 320 and 3840`},
		{"display height", `name = "ok" image = "x.orkasi" display_height = 4000`, `Attribute display_height value must be between 480 and 2160`},
		{"display dpi", `name = "ok" image = "x.orkasi" display_dpi = 300`, `Attribute display_dpi value must be between 60 and 240`},
		{"gpu with vnc", `name = "ok" image = "x.orkasi" gpu_passthrough = true`, `gpu_passthrough = true requires vnc_console = false`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		// One attribute per line: `a = 1 b = 2` becomes a block body.
		body := attrSep.ReplaceAllString(c.hcl, "\n  $1 =")
		hcl := "resource \"orka_vm_config\" \"bad\" {\n  " + body + "\n}\n"
		steps = append(steps, resource.TestStep{
			Config:      e.config(hcl),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
	if e.sim != nil && e.countRequests("POST", vmConfigPath) != 0 {
		t.Fatal("an invalid VM config reached Orka")
	}
}

// Transient 503s and 429s are absorbed by retries; the user sees a clean apply.
func TestAccVMConfig_retriesTransientErrors(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	name := testName("cfg")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmConfigPath, Status: 503, Count: 2, RetryAfter: "1s"})
				mustFault(t, e, orkasim.Fault{Method: "GET", Path: vmConfigPath + "/" + name, Status: 429, Count: 1})
			},
			Config: e.config(vmConfigHCL(name, 3, "")),
			Check: resource.ComposeTestCheckFunc(
				e.checkSimVMConfig(name, 3),
				func(*terraform.State) error {
					if n := e.countRequests("POST", vmConfigPath); n != 3 {
						return fmt.Errorf("want 3 create attempts (two 503s, then success), got %d", n)
					}
					return nil
				},
			),
		}},
	})
}

// A create whose answer is lost is not sent again blindly: the config is found by name and
// adopted, so there is exactly one create request and no error.
func TestAccVMConfig_lostCreateResponseAdopted(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	name := testName("cfg")
	addr := "orka_vm_config.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmConfigPath, DropResponse: true, Count: 1})
			},
			Config: e.config(vmConfigHCL(name, 4, "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
			},
			Check: resource.ComposeTestCheckFunc(
				e.checkSimVMConfig(name, 4),
				func(*terraform.State) error {
					if n := e.countRequests("POST", vmConfigPath); n != 1 {
						return fmt.Errorf("want exactly 1 create request, got %d", n)
					}
					return nil
				},
			),
		}, {
			Config:           e.config(vmConfigHCL(name, 4, "")),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
}

// A config of that name that was there before the create is someone else's: the look-up that
// precedes every create finds it, so nothing is sent (the lost answer never comes into play)
// and it is left alone.
func TestAccVMConfig_lostCreateResponseForeignConfig(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	name := testName("cfg")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := e.client.CreateVMConfig(testContext(t), orka.VMConfig{Name: name, Image: "sequoia.orkasi", CPU: 6}); err != nil {
					t.Fatal(err)
				}
				mustFault(t, e, orkasim.Fault{Method: "POST", Path: vmConfigPath, DropResponse: true, Count: 1})
			},
			Config:      e.config(vmConfigHCL(name, 4, "")),
			ExpectError: regexp.MustCompile(`(?s)already exists and was not created by this resource`),
		}},
	})
	if got := e.sim.Snapshot().VMConfigs[name]; got.CPU != 6 || got.Image != "sequoia.orkasi" {
		t.Fatalf("the foreign VM config was changed: %+v", got)
	}
	if n := e.countRequests("POST", vmConfigPath); n != 1 {
		t.Fatalf("want only the test's own create request, got %d", n)
	}
}

// A name that already exists (and whose create answer was not lost) points at import.
func TestAccVMConfig_alreadyExists(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("cfg")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := e.client.CreateVMConfig(testContext(t), orka.VMConfig{Name: name, Image: "sequoia.orkasi"}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = e.client.DeleteVMConfig(testContext(t), name) })
			},
			Config:      e.config(vmConfigHCL(name, 3, "")),
			ExpectError: regexp.MustCompile(`(?s)already exists.*terraform import`),
		}},
	})
}

var attrSep = regexp.MustCompile(`\s+(\w+) =`)

func mustFault(t *testing.T, e *testEnv, f orkasim.Fault) {
	t.Helper()
	if err := e.sim.AddFault(f); err != nil {
		t.Fatal(err)
	}
}
