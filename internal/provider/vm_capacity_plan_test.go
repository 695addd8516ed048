package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const overCapacitySummary = `has no room for every new VM`

// A plan that adds more VMs than the namespace's nodes have room for says so at plan, once for
// the whole plan however many VMs do not fit, with each node's free VM slots and the wait the
// apply would go through. A plan whose VMs fit says nothing.
func TestAccVM_overCapacityPlanWarnsOnce(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	c := newTFCLI(t, e)
	// Three of the four VM slots taken: mini-arm-1 full, mini-arm-2 with one free.
	for _, b := range []string{"blocker-1", "blocker-2", "blocker-3"} {
		if _, err := e.client.DeployVM(testContext(t), "orka-default", orka.DeployVMRequest{Name: b, Image: "sequoia.orkasi"}); err != nil {
			t.Fatal(err)
		}
	}
	pool := func(n int) string {
		return c.providerBlock() + fmt.Sprintf(`
resource "orka_vm" "pool" {
  count = %d
  name  = "runner-${count.index}"
  image = "sequoia.orkasi"
  cpu   = 2
}
`, n)
	}
	c.write("main.tf", pool(1))
	c.run(false, "init", "-input=false")
	if out := c.run(false, "plan", "-input=false"); strings.Contains(out, overCapacitySummary) {
		t.Fatalf("a VM that fits was warned about:\n%s", out)
	}

	c.write("main.tf", pool(4))
	out := c.run(false, "plan", "-input=false")
	// Terraform would fold repeated warnings into one block that says "and N more similar
	// warnings": one block is not enough, there must be one warning.
	if n := strings.Count(out, overCapacitySummary); n != 1 || strings.Contains(out, "more similar warning") {
		t.Fatalf("%d capacity warning blocks for 4 VMs of which 3 do not fit, want exactly 1 warning:\n%s", n, out)
	}
	for _, want := range []string{
		`Namespace "orka-default" has no room for every new VM`,
		"0 of 2 VM slots free", "1 of 2 VM slots free",
		"up to its create timeout (15m0s",
		"given once per namespace",
		"4 to add",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
	if n := e.countRequests("POST", vmsPath("orka-default")); n != 3 {
		t.Errorf("%d deploys sent, want only the 3 blockers: a plan deploys nothing", n)
	}
}

// A required tag no node of the namespace carries, and a pinned node the namespace does not
// have, are refused at plan, naming the attribute; nothing is deployed.
func TestAccVM_unmeetablePlacementRefusedAtPlan(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	if err := e.sim.SetNodeTags("mini-arm-2", "fast"); err != nil {
		t.Fatal(err)
	}
	vm := func(body string) string {
		return e.config(`
resource "orka_vm" "v" {
  name  = "runner"
  image = "sequoia.orkasi"
` + body + `
}
`)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      vm("  tag = \"gpu\"\n  tag_required = true"),
				PlanOnly:    true,
				ExpectError: wrapped(`tag: no node can ever run VM "runner"`, `requires a node tagged "gpu"`, `(mini-arm-1: no tags; mini-arm-2: tags fast)`),
			},
			{
				Config:      vm("  node = \"mini-arm-9\""),
				PlanOnly:    true,
				ExpectError: wrapped(`node: no node can ever run VM "runner"`, `pinned to node "mini-arm-9", which namespace "orka-default" does not have (its nodes: mini-arm-1, mini-arm-2)`),
			},
			{
				// A tag some node carries, and a node the namespace has, plan.
				Config:             vm("  tag = \"fast\"\n  tag_required = true\n  node = \"mini-arm-2\""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	if n := e.countRequests("POST", vmsPath("orka-default")); n != 0 {
		t.Fatalf("%d deploys sent for VMs refused at plan", n)
	}
}

// wrapped matches the parts in order, whatever Terraform's line wrapping did to their spaces.
func wrapped(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}
