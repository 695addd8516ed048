package provider

import (
	"context"
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
				ExpectError: nodeRE(`Node "mini-arm-1" runs VMs and cannot move`, "busy-build", "Delete those VMs"),
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

// nodeRE matches a diagnostic made of parts in this order, however Terraform wraps its lines.
func nodeRE(parts ...string) *regexp.Regexp {
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// nodeOwner names the configuration of the node tests, so that the VMs it may delete itself
// are told from anyone else's by their mark.
const nodeOwner = "node-tests"

// configOwned is config with the provider's owner set.
func (e *testEnv) configOwned(hcl string) string {
	return fmt.Sprintf(`
provider "orka" {
  endpoint    = %q
  token       = %q
  max_retries = 4
  owner       = %q
}
%s`, e.endpoint, e.token, nodeOwner, hcl)
}

// nodeIn is the namespaces given (orka_namespace.ns0, ns1, ...), and one orka_node placing node
// in namespaces[in] with tags; extra is more arguments of the orka_node.
func nodeIn(namespaces []string, in int, node, extra string, tags ...string) string {
	var b strings.Builder
	for i, ns := range namespaces {
		fmt.Fprintf(&b, "resource \"orka_namespace\" \"ns%d\" {\n  name = %q\n}\n\n", i, ns)
	}
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	fmt.Fprintf(&b, "resource \"orka_node\" \"test\" {\n  name      = %q\n  namespace = orka_namespace.ns%d.name\n  tags      = [%s]\n%s}\n",
		node, in, strings.Join(quoted, ", "), extra)
	return b.String()
}

// mustSimNode fails the test unless the simulator holds node in ns with exactly these tags.
func (e *testEnv) mustSimNode(t *testing.T, node, ns string, tags ...string) {
	t.Helper()
	if err := e.checkSimNode(node, ns, tags...)(nil); err != nil {
		t.Fatal(err)
	}
}

// deployMarked deploys a VM out of band with the given custom metadata (nil: none).
func (e *testEnv) deployMarked(t *testing.T, ns, name string, metadata map[string]string) {
	t.Helper()
	if _, err := e.client.DeployVM(testContext(t), ns, orka.DeployVMRequest{Name: name, Image: "90gbsonomassd.orkasi", CustomMetadata: metadata}); err != nil {
		t.Fatal(err)
	}
}

// expectPrior checks what the plan starts from for addr: the refreshed state, attribute by
// attribute (a set as a sorted, comma-joined list).
type expectPrior struct {
	addr string
	want map[string]string
}

func (c expectPrior) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		if before == nil {
			resp.Error = fmt.Errorf("%s: the plan starts from no state", c.addr)
			return
		}
		for k, want := range c.want {
			got := fmt.Sprint(before[k])
			if items, ok := before[k].([]any); ok {
				s := make([]string, len(items))
				for i, v := range items {
					s[i] = fmt.Sprint(v)
				}
				slices.Sort(s)
				got = strings.Join(s, ",")
			}
			if got != want {
				resp.Error = fmt.Errorf("%s: the state holds %s = %q, want %q", c.addr, k, got, want)
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.addr)
}

// Two orka_node blocks for one node would move it back and forth on every apply: the plan is
// refused on name, whether the blocks differ in namespace or only in tags, and nothing is sent.
func TestAccNode_declaredTwice(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	a, b := testName("orka-a"), testName("orka-b")
	twice := func(second string) string {
		return fmt.Sprintf(`
resource "orka_namespace" "a" {
  name = %q
}

resource "orka_namespace" "b" {
  name = %q
}

resource "orka_node" "first" {
  name      = "mini-arm-1"
  namespace = orka_namespace.a.name
}

resource "orka_node" "second" {
  name      = "mini-arm-1"
%s}
`, a, b, second)
	}
	e.sim.ClearRequests()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:   e.config(twice("  namespace = orka_namespace.b.name\n")),
				PlanOnly: true,
				ExpectError: nodeRE(`Node "mini-arm-1" is declared twice`, `with orka_node.`, `name = "mini-arm-1"`,
					"A node can be placed by one orka_node only; it is declared twice in this configuration.",
					`namespace "orka-`, `namespace "orka-`, `Keep one orka_node for "mini-arm-1"`),
			},
			{
				Config:   e.config(twice("  namespace = orka_namespace.a.name\n  tags      = [\"gpu\"]\n")),
				PlanOnly: true,
				ExpectError: nodeRE(`Node "mini-arm-1" is declared twice`,
					"A node can be placed by one orka_node only; it is declared twice in this configuration.",
					`tags ["gpu"]`),
			},
		},
	})
	for _, r := range e.sim.Requests() {
		if r.Method != "GET" {
			t.Errorf("a refused plan sent %s %s", r.Method, r.Path)
		}
	}
}

// The same orka_node planned again in one provider process is not a second block: Terraform
// plans a replacement twice (with the prior state, then without), and the apply plans each
// resource once more. Create, re-plan, rename (replace) and a tainted node all go through.
func TestAccNode_replannedIsNotDeclaredTwice(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 3})
	e.needSim(t)
	ns := testName("orka-team")
	addr := "orka_node.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config(nodeHCL(ns, "mini-arm-1", "a")), Check: e.checkSimNode("mini-arm-1", ns, "a")},
			{
				Config: e.config(nodeHCL(ns, "mini-arm-2", "a")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(e.checkSimNode("mini-arm-1", "orka-default"), e.checkSimNode("mini-arm-2", ns, "a")),
			},
			{
				Taint:  []string{addr},
				Config: e.config(nodeHCL(ns, "mini-arm-2", "a")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: e.checkSimNode("mini-arm-2", ns, "a"),
			},
		},
	})
}

// A move of a node that runs VMs this apply cannot delete is refused at plan, naming the VMs
// and their namespace: a VM deployed by hand, one marked by another configuration, and, where
// Orka does not report VM metadata, any VM. A VM marked by this configuration may be deleted
// by this very apply before the move, so that plan goes through, and the apply refuses the
// move if the VM is still there.
func TestAccNode_busyMoveRefusedAtPlan(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprintf("metadata_omitted=%t", omit), func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{Nodes: 1, OmitVMCustomMetadata: omit})
			e.needSim(t)
			ns := testName("orka-team")
			cfg := e.configOwned(nodeHCL(ns, "mini-arm-1"))
			remove := func(name string) {
				if err := e.client.DeleteVM(testContext(t), "orka-default", name); err != nil {
					t.Fatal(err)
				}
			}
			refused := func(vm string) *regexp.Regexp {
				parts := []string{`Node "mini-arm-1" runs VMs and cannot move`, `namespace = orka_namespace.team.name`,
					`Node "mini-arm-1" is in namespace "orka-default" and runs 1 VM(s) there: ` + vm + `.`,
					`Orka would refuse the move to namespace "` + ns + `" planned here`, "Delete those VMs first"}
				if omit {
					parts = append(parts, "Orka does not report who deployed some of these VMs")
				}
				return nodeRE(parts...)
			}
			ours := resource.TestStep{
				PreConfig: func() {
					remove("theirs")
					e.deployMarked(t, "orka-default", "ours", map[string]string{vmOwnerKey: vmOwnerValue, vmOwnerNameKey: nodeOwner})
				},
				Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
			}
			if omit {
				ours.ExpectNonEmptyPlan, ours.ExpectError = false, refused("ours")
			}
			tc := resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{
						PreConfig:   func() { e.deployMarked(t, "orka-default", "by-hand", nil) },
						Config:      cfg,
						PlanOnly:    true,
						ExpectError: refused("by-hand"),
					},
					{
						PreConfig: func() {
							remove("by-hand")
							e.deployMarked(t, "orka-default", "theirs", map[string]string{vmOwnerKey: vmOwnerValue, vmOwnerNameKey: "pool-b"})
						},
						Config:      cfg,
						PlanOnly:    true,
						ExpectError: refused("theirs"),
					},
					ours,
				},
			}
			if !omit {
				tc.Steps = append(tc.Steps, resource.TestStep{
					Config:      cfg,
					ExpectError: nodeRE(`Error running apply`, `Node "mini-arm-1" runs VMs and cannot move`, `runs 1 VM(s) there: ours.`, "nothing was changed"),
				})
			}
			resource.Test(t, tc)
			if n := e.countRequests("POST", "/api/v1/namespaces/orka-default/nodes/mini-arm-1/namespace"); n != 0 {
				t.Errorf("a refused move was sent %d time(s)", n)
			}
			e.mustSimNode(t, "mini-arm-1", "orka-default")
		})
	}
}

// A move that fails leaves the node as it was: its tags are changed only once it has moved,
// whether the apply refuses the move (the node runs VMs) or Orka fails it.
func TestAccNode_failedMoveKeepsTags(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1})
	e.needSim(t)
	a, b := testName("orka-a"), testName("orka-b")
	untag := "/api/v1/namespaces/" + a + "/nodes/mini-arm-1/untag"
	move := "/api/v1/namespaces/" + a + "/nodes/mini-arm-1/namespace"
	inA := e.configOwned(nodeIn([]string{a, b}, 0, "mini-arm-1", "", "old"))
	toB := e.configOwned(nodeIn([]string{a, b}, 1, "mini-arm-1", "", "new"))
	unchanged := func() {
		e.mustSimNode(t, "mini-arm-1", a, "old")
		if n := e.countRequests("POST", untag); n != 0 {
			t.Fatalf("the failed move was preceded by %d untag request(s)", n)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: inA, Check: e.checkSimNode("mini-arm-1", a, "old")},
			{
				// A VM of this configuration (the plan lets it through) still runs there.
				PreConfig: func() {
					e.deployMarked(t, a, "ours", map[string]string{vmOwnerKey: vmOwnerValue, vmOwnerNameKey: nodeOwner})
				},
				Config:      toB,
				ExpectError: nodeRE(`Node "mini-arm-1" runs VMs and cannot move`, `is in namespace "`+a+`" and runs 1 VM(s) there: ours`, "nothing was changed"),
			},
			{
				PreConfig: func() {
					unchanged()
					if err := e.client.DeleteVM(testContext(t), a, "ours"); err != nil {
						t.Fatal(err)
					}
					if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: move, Status: 500, Count: 3}); err != nil {
						t.Fatal(err)
					}
				},
				Config: toB,
				ExpectError: nodeRE(`Could not place node "mini-arm-1"`, "Nothing was changed.",
					`Failed: moving node "mini-arm-1" from namespace "`+a+`" to "`+b+`".`,
					`Left to do: move node "mini-arm-1" from namespace "`+a+`" to "`+b+`", remove tag(s) "old", add tag(s) "new".`,
					"500"),
			},
			{
				PreConfig: func() { unchanged(); e.sim.ClearFaults() },
				Config:    toB,
				Check:     e.checkSimNode("mini-arm-1", b, "new"),
			},
		},
	})
}

// A create that moved the node and then failed to tag it records the node as it is, with the
// tags it got: removing the resource then releases the node instead of stranding it.
func TestAccNode_createRecordedOnceMoved(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	ns := testName("orka-team")
	addr := "orka_node.test"
	tag := "/api/v1/namespaces/" + ns + "/nodes/mini-arm-2/tag"
	namespaceOnly := fmt.Sprintf("resource \"orka_namespace\" \"team\" {\n  name = %q\n}\n", ns)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// The first tag goes through, the second fails.
				PreConfig: func() {
					if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: tag, Status: 500, After: 1, Count: 3}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(nodeHCL(ns, "mini-arm-2", "a", "b")),
				ExpectError: nodeRE(`Could not place node "mini-arm-2"`,
					`Done: moved node "mini-arm-2" from namespace "orka-default" to "`+ns+`", added tag(s) "a".`,
					`Failed: adding tag "b" to node "mini-arm-2" in namespace "`+ns+`".`,
					`Left to do: add tag(s) "b".`,
					`The node is recorded in the Terraform state as it now is (namespace "`+ns+`"`, "tainted", "500"),
			},
			{
				PreConfig: func() { e.sim.ClearFaults(); e.mustSimNode(t, "mini-arm-2", ns, "a") },
				Config:    e.config(namespaceOnly),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroy),
					expectPrior{addr: addr, want: map[string]string{"namespace": ns, "tags": "a"}},
				}},
				Check: e.checkSimNode("mini-arm-2", "orka-default"),
			},
		},
	})
}

// An update that moved the node and then failed to tag it records the new namespace (and the
// tags the node got), and that this resource put the node there: the next change moves it on
// without take_from_other_namespace.
func TestAccNode_updateRecordedOnceMoved(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1})
	e.needSim(t)
	a, b, c := testName("orka-a"), testName("orka-b"), testName("orka-c")
	addr := "orka_node.test"
	tag := "/api/v1/namespaces/" + b + "/nodes/mini-arm-1/tag"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config(nodeIn([]string{a, b, c}, 0, "mini-arm-1", "", "a")), Check: e.checkSimNode("mini-arm-1", a, "a")},
			{
				// After the move the node's tags are sent again: "a" goes through, "b" fails.
				PreConfig: func() {
					if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: tag, Status: 500, After: 1, Count: 3}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(nodeIn([]string{a, b, c}, 1, "mini-arm-1", "", "a", "b")),
				ExpectError: nodeRE(`Could not place node "mini-arm-1"`,
					`Done: moved node "mini-arm-1" from namespace "`+a+`" to "`+b+`".`,
					`Failed: adding tag "b"`, `Left to do: add tag(s) "b".`, "Apply again to finish."),
			},
			{
				// The state the failed apply left, before any refresh: the new namespace, and the
				// one tag the node got.
				PreConfig:          func() { e.sim.ClearFaults(); e.mustSimNode(t, "mini-arm-1", b, "a") },
				Config:             e.config(nodeIn([]string{a, b, c}, 1, "mini-arm-1", "", "a", "b")),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					expectPrior{addr: addr, want: map[string]string{"namespace": b, "tags": "a"}},
				}},
			},
			{
				// Moved on from where this resource put it: no take_from_other_namespace needed.
				Config: e.config(nodeIn([]string{a, b, c}, 2, "mini-arm-1", "", "a", "b")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					expectPrior{addr: addr, want: map[string]string{"namespace": b, "tags": "a"}},
				}},
				Check: e.checkSimNode("mini-arm-1", c, "a", "b"),
			},
		},
	})
}

// A node that another configuration (or an administrator) placed in a namespace of its own is
// taken from there only with take_from_other_namespace, whether this resource is created or the
// node was moved away from where this resource put it; and destroying this resource then leaves
// the node where the other placed it.
func TestAccNode_takeFromOtherNamespace(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	mine, other := testName("orka-mine"), testName("orka-other")
	addr := "orka_node.test"
	moveTo := func(from, to string) {
		if err := e.client.MoveNode(testContext(t), from, "mini-arm-1", to); err != nil {
			t.Fatal(err)
		}
	}
	refused := nodeRE(`Node "mini-arm-1" belongs to another namespace`, `namespace = orka_namespace.ns0.name`,
		`Node "mini-arm-1" is in namespace "`+other+`", and this orka_node did not put it there`,
		`Moving it to namespace "`+mine+`" would take it from them`, "take_from_other_namespace = true")
	namespaceOnly := fmt.Sprintf("resource \"orka_namespace\" \"ns0\" {\n  name = %q\n}\n", mine)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// Another workspace has placed the node in its namespace.
				PreConfig: func() {
					if err := e.client.CreateNamespace(testContext(t), other, false); err != nil {
						t.Fatal(err)
					}
					moveTo("orka-default", other)
				},
				Config:      e.config(nodeIn([]string{mine}, 0, "mini-arm-1", "")),
				PlanOnly:    true,
				ExpectError: refused,
			},
			{
				Config: e.config(nodeIn([]string{mine}, 0, "mini-arm-1", "  take_from_other_namespace = true\n")),
				Check:  e.checkSimNode("mini-arm-1", mine),
			},
			{
				// It takes the node back: this resource does not silently take it again. (The
				// refreshed plan sees where the node is; the apply checks again.)
				PreConfig:   func() { moveTo(mine, other) },
				Config:      e.config(nodeIn([]string{mine}, 0, "mini-arm-1", "")),
				ExpectError: regexp.MustCompile(`(?s)Error running pre-apply plan.*` + refused.String()[4:]),
			},
			{
				// Destroying this resource leaves the node to the other workspace.
				PreConfig: e.sim.ClearRequests,
				Config:    e.config(namespaceOnly),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroy),
				}},
				Check: func(s *terraform.State) error {
					if n := e.countRequests("POST", "/api/v1/namespaces/"+other+"/nodes/mini-arm-1/namespace"); n != 0 {
						return fmt.Errorf("the destroy moved the other workspace's node (%d request(s))", n)
					}
					return e.checkSimNode("mini-arm-1", other)(s)
				},
			},
		},
	})
}

// A plan made without a refresh cannot see that someone else took the node; the apply looks
// and refuses to take it back, changing nothing.
func TestAccNode_takeCheckedAgainAtApply(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 1})
	e.needSim(t)
	mine, other := testName("orka-mine"), testName("orka-other")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		AdditionalCLIOptions:     &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}},
		Steps: []resource.TestStep{
			{Config: e.config(nodeIn([]string{mine}, 0, "mini-arm-1", "", "a")), Check: e.checkSimNode("mini-arm-1", mine, "a")},
			{
				PreConfig: func() {
					if err := e.client.CreateNamespace(testContext(t), other, false); err != nil {
						t.Fatal(err)
					}
					if err := e.client.MoveNode(testContext(t), mine, "mini-arm-1", other); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(nodeIn([]string{mine}, 0, "mini-arm-1", "", "a", "b")),
				ExpectError: nodeRE(`Error running apply`, `Node "mini-arm-1" belongs to another namespace`,
					`Node "mini-arm-1" is in namespace "`+other+`", and this orka_node did not put it there`,
					"so it is left where it is", "take_from_other_namespace = true"),
			},
		},
		CheckDestroy: e.checkSimNode("mini-arm-1", other, "a"),
	})
}
