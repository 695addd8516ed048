package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// nodeHCL is a team namespace and one orka_node placing a node in it with tags.
func nodeHCL(ns, node string, tags ...string) string {
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	return fmt.Sprintf(`
resource "orka_namespace" "team" {
  name = %q
}

resource "orka_node" "test" {
  name      = %q
  namespace = orka_namespace.team.name
  tags      = [%s]
}
`, ns, node, strings.Join(quoted, ", "))
}

// checkSimNode asserts a node's namespace and exact tags in the simulator.
func (e *testEnv) checkSimNode(node, ns string, tags ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got, ok := e.sim.Snapshot().Nodes[node]
		if !ok {
			return fmt.Errorf("simulator has no node %q", node)
		}
		have := slices.Sorted(slices.Values(got.OrkaTags))
		want := slices.Sorted(slices.Values(tags))
		if got.Namespace != ns || !slices.Equal(have, want) {
			return fmt.Errorf("node %q is in %q with tags %v, want %q with %v", node, got.Namespace, have, ns, want)
		}
		return nil
	}
}

func TestAccNode_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 3})
	e.needSim(t) // moves a real node otherwise
	ns := testName("orka-team")
	addr := "orka_node.test"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(nodeHCL(ns, "mini-arm-2", "xcode-16")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("mini-arm-2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespace"), knownvalue.StringExact(ns)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("all_tags"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("xcode-16")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ip"), knownvalue.StringExact("10.221.188.12")),
				},
				Check: e.checkSimNode("mini-arm-2", ns, "xcode-16"),
			},
			// Import by node name; no tag is managed until the configuration says so.
			{ResourceName: addr, ImportState: true, ImportStateId: "mini-arm-2", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"tags"}},
			{
				// Moved back to orka-default and untagged by hand: the plan puts it back.
				PreConfig: func() {
					if err := e.sim.MoveNode("mini-arm-2", "orka-default"); err != nil {
						t.Fatal(err)
					}
					if err := e.sim.SetNodeTags("mini-arm-2", "manual"); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(nodeHCL(ns, "mini-arm-2", "xcode-16")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("namespace"), knownvalue.StringExact(ns)),
				}},
				Check: e.checkSimNode("mini-arm-2", ns, "manual", "xcode-16"),
			},
			{
				// A tag taken out of the set leaves the node; a hand-made tag stays.
				Config: e.config(nodeHCL(ns, "mini-arm-2", "macos-15")),
				Check:  e.checkSimNode("mini-arm-2", ns, "macos-15", "manual"),
			},
			{
				Config:           e.config(nodeHCL(ns, "mini-arm-2", "macos-15")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		// Destroy releases the node to orka-default without the managed tags.
		CheckDestroy: e.checkSimNode("mini-arm-2", "orka-default", "manual"),
	})
}

// A node that runs VMs neither moves nor is released; both refusals name the VMs.
func TestAccNode_refusesBusyNode(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1})
	e.needSim(t)
	ns := testName("orka-team")
	deploy := func(ns, name string) {
		if _, err := e.client.DeployVM(testContext(t), ns, orka.DeployVMRequest{Name: name, Image: "90gbsonomassd.orkasi"}); err != nil {
			t.Fatal(err)
		}
	}
	remove := func(ns, name string) {
		if err := e.client.DeleteVM(testContext(t), ns, name); err != nil {
			t.Fatal(err)
		}
	}
	namespaceOnly := fmt.Sprintf("resource \"orka_namespace\" \"team\" {\n  name = %q\n}\n", ns)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { deploy("orka-default", "busy-build") },
				Config:      e.config(nodeHCL(ns, "mini-arm-1")),
				ExpectError: regexp.MustCompile(`(?s)Node "mini-arm-1" runs VMs and cannot move.*busy-build.*Delete those VMs`),
				Check:       e.checkSimNode("mini-arm-1", "orka-default"),
			},
			{
				PreConfig: func() { remove("orka-default", "busy-build") },
				Config:    e.config(nodeHCL(ns, "mini-arm-1")),
				Check:     e.checkSimNode("mini-arm-1", ns),
			},
			{
				// Releasing it while a VM of the team runs there is refused as well.
				PreConfig:   func() { deploy(ns, "team-build") },
				Config:      e.config(namespaceOnly),
				ExpectError: regexp.MustCompile(`(?s)runs VMs and cannot move.*team-build`),
				Check:       e.checkSimNode("mini-arm-1", ns),
			},
			{
				PreConfig: func() { remove(ns, "team-build") },
				Config:    e.config(namespaceOnly),
				Check:     e.checkSimNode("mini-arm-1", "orka-default"),
			},
		},
	})
}

// A name that no namespace holds is refused with the attribute named; nothing is created.
func TestAccNode_unknownNode(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(`
resource "orka_node" "test" {
  name      = "mini-arm-404"
  namespace = "orka-default"
}
`),
			ExpectError: regexp.MustCompile(`(?s)No namespace of the cluster holds a node.*named "mini-arm-404".*cannot create one`),
		}},
	})
}

// VMs of a team namespace land only on the nodes moved into it; tag_required VMs only on nodes
// with the tag.
func TestAccNode_scheduling(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 4})
	e.needSim(t)
	ns := testName("orka-team")
	cfg, plain := testName("tagged"), testName("plain")
	hcl := fmt.Sprintf(`
resource "orka_namespace" "team" {
  name = %q
}

resource "orka_node" "team" {
  name      = "mini-arm-3"
  namespace = orka_namespace.team.name
}

resource "orka_node" "gpu" {
  name      = "mini-arm-4"
  namespace = "orka-default"
  tags      = ["gpu"]
}

resource "orka_vm_config" "tagged" {
  name         = %q
  image        = "90gbsonomassd.orkasi"
  cpu          = 3
  tag          = "gpu"
  tag_required = true
}

resource "orka_vm_config" "plain" {
  name  = %q
  image = "90gbsonomassd.orkasi"
  cpu   = 3
}

resource "orka_vm" "team" {
  count     = 2
  namespace = orka_node.team.namespace
  name      = "team-${count.index}"
  vm_config = orka_vm_config.plain.name
}

resource "orka_vm" "gpu" {
  count     = 2
  name      = "gpu-${count.index}"
  vm_config = orka_vm_config.tagged.name

  depends_on = [orka_node.gpu]
}
`, ns, cfg, plain)
	onNode := func(addr, node string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("node"), knownvalue.StringExact(node))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(hcl),
			ConfigStateChecks: []statecheck.StateCheck{
				onNode("orka_vm.team[0]", "mini-arm-3"), onNode("orka_vm.team[1]", "mini-arm-3"),
				onNode("orka_vm.gpu[0]", "mini-arm-4"), onNode("orka_vm.gpu[1]", "mini-arm-4"),
			},
		}},
	})
}

// A node is imported by identity (its name), as the import blocks of Terraform 1.12 and later
// do, and the identity in state is the one a fresh import produces.
func TestAccNode_identity(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	ns := testName("orka-team")
	addr := "orka_node.test"
	hcl := e.config(fmt.Sprintf(`
resource "orka_namespace" "team" {
  name = %q
}

resource "orka_node" "test" {
  name      = "mini-arm-1"
  namespace = orka_namespace.team.name
}
`, ns))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{"name": knownvalue.StringExact("mini-arm-1")}),
				},
			},
			{Config: hcl, ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}
