package provider

import (
	"fmt"
	"regexp"
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

func namespaceHCL(name string, pods bool) string {
	return fmt.Sprintf(`
resource "orka_namespace" "test" {
  name               = %q
  enable_custom_pods = %t
}
`, name, pods)
}

// checkSimNamespace asserts that the simulator holds the namespace (with these custom pods),
// or that it does not when exists is false.
func (e *testEnv) checkSimNamespace(name string, exists, pods bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got, ok := e.sim.Snapshot().Namespaces[name]
		switch {
		case ok != exists:
			return fmt.Errorf("simulator has namespace %q: %t, want %t", name, ok, exists)
		case ok && got.CustomPods != pods:
			return fmt.Errorf("simulator's namespace %q has custom pods %t, want %t", name, got.CustomPods, pods)
		}
		return nil
	}
}

func TestAccNamespace_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("ns")
	addr := "orka_namespace.test"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(namespaceHCL(name, false)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enable_custom_pods"), knownvalue.Bool(false)),
				},
				Check: e.checkSimNamespace(name, true, false),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: name, ImportStateVerify: true},
			{
				// Orka cannot change a namespace: custom pods replace it.
				Config: e.config(namespaceHCL(name, true)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: e.checkSimNamespace(name, true, true),
			},
			{
				Config:           e.config(namespaceHCL(name, true)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		CheckDestroy: e.checkSimNamespace(name, false, false),
	})
}

func TestAccNamespace_deletedOutOfBand(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("ns")
	cfg := e.config(namespaceHCL(name, false))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := e.client.DeleteNamespace(testContext(t), name); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_namespace.test", plancheck.ResourceActionCreate),
				}},
				Check: e.checkSimNamespace(name, true, false),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// Destroying a namespace that still holds VMs fails and names them; once they are gone the
// destroy goes through.
func TestAccNamespace_deleteWithVMs(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("ns")
	vm := testName("vm")
	cfg := e.config(namespaceHCL(name, false))
	var node string // moved into the namespace so that its VM can run, and back out after

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					nodes, err := e.client.ListNodes(testContext(t), orka.DefaultNamespace)
					if err != nil || len(nodes) == 0 {
						t.Fatalf("no node to move in: %v", err)
					}
					node = nodes[0].Name
					if err := e.client.MoveNode(testContext(t), orka.DefaultNamespace, node, name); err != nil {
						t.Fatalf("out-of-band node move: %v", err)
					}
					_, err = e.client.DeployVM(testContext(t), name, orka.DeployVMRequest{Name: vm, Image: "90gbsonomassd.orkasi"})
					if err != nil {
						t.Fatalf("out-of-band deploy: %v", err)
					}
				},
				Config:      e.config(""),
				ExpectError: regexp.MustCompile(`(?s)Namespace "` + name + `" still holds 1 VM\(s\):\s+` + vm),
			},
			{
				PreConfig: func() {
					if err := e.client.DeleteVM(testContext(t), name, vm); err != nil {
						t.Fatalf("out-of-band VM delete: %v", err)
					}
					if err := e.client.MoveNode(testContext(t), name, node, orka.DefaultNamespace); err != nil {
						t.Fatalf("out-of-band node move: %v", err)
					}
				},
				Config: e.config(""),
				Check:  e.checkSimNamespace(name, false, false),
			},
		},
	})
}

func TestAccNamespace_invalidName(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      e.config(namespaceHCL("ci", false)),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`start with "orka-"`),
		}},
	})
}
