package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// A VM config change reaches the VMs that follow its revision, with for_each, one batch per
// apply as the roll-out guide shows: the plan replaces the changed batch and says why, the
// other batch keeps running untouched, and the next plan is empty. (Run through the terraform
// CLI: plugin-testing's legacy state shim cannot address for_each instances.)
func TestAccVMConfig_revisionRollsChangesOutToItsVMs(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	src, err := os.ReadFile("../../examples/guides/vm-config-rollout/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	example := strings.Replace(string(src), "default = 2", "default = 1", 1)
	rolled := strings.Replace(example, `green = { image = "ghcr.io/acme/macos-runner:sonoma", cpu = 4 }`,
		`green = { image = "ghcr.io/acme/macos-runner:sonoma", cpu = 6 }`, 1)
	if rolled == example || !strings.Contains(example, "default = 1") {
		t.Fatal("the roll-out example changed; update this test")
	}
	c.write("main.tf", c.providerBlock()+example)
	c.run(false, "init", "-input=false")
	c.run(false, "apply", "-auto-approve", "-input=false")
	before := e.sim.Snapshot().VMs["orka-default"]
	if before["runner-green-1"].CPU != 4 || before["runner-blue-1"].CPU != 4 {
		t.Fatalf("VMs before the change: %+v", before)
	}

	c.write("main.tf", c.providerBlock()+rolled)
	plan := c.run(false, "plan", "-input=false")
	for _, want := range []string{
		`# orka_vm_config.runner["green"] must be replaced`,
		`# orka_vm.runner["runner-green-1"] must be replaced`,
		`vm_config_revision = "`, // ... -> (known after apply) # forces replacement
		"# forces replacement",
		"Plan: 2 to add, 0 to change, 2 to destroy.",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, `# orka_vm.runner["runner-blue-1"]`) || strings.Contains(plan, `# orka_vm_config.runner["blue"]`) {
		t.Errorf("the plan touches the blue batch:\n%s", plan)
	}
	c.run(false, "apply", "-auto-approve", "-input=false")
	after := e.sim.Snapshot().VMs["orka-default"]
	if after["runner-green-1"].CPU != 6 {
		t.Errorf("the green runner has %d CPUs after the roll-out, want 6", after["runner-green-1"].CPU)
	}
	if after["runner-blue-1"].CPU != 4 || after["runner-blue-1"].DeployDate != before["runner-blue-1"].DeployDate {
		t.Errorf("the blue runner was redeployed or changed: before %+v, after %+v", before["runner-blue-1"], after["runner-blue-1"])
	}
	if out := c.run(false, "plan", "-input=false"); !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the roll-out is not empty:\n%s", out)
	}
}

// vm_config_revision must be the revision of the VM's own VM config: another config's
// revision is refused at plan, naming the attribute and the right revision, before any deploy.
func TestAccVM_revisionOfAnotherConfigIsRefused(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	a, b, vm := testName("cfg"), testName("cfg"), testName("vm")
	configs := fmt.Sprintf(`
resource "orka_vm_config" "a" {
  name  = %q
  image = "90gbsonomassd.orkasi"
}
resource "orka_vm_config" "b" {
  name  = %q
  image = "90gbsonomassd.orkasi"
  cpu   = 4
}
`, a, b)
	withVM := func(rev string) string {
		return e.config(configs + fmt.Sprintf(`
resource "orka_vm" "x" {
  name               = %q
  vm_config          = orka_vm_config.a.name
  vm_config_revision = %s
}`, vm, rev))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoVMs("orka-default"),
		Steps: []resource.TestStep{
			{Config: e.config(configs)},
			{
				Config:      withVM("orka_vm_config.b.revision"),
				ExpectError: regexp.MustCompile(`(?s)vm_config_revision: "[0-9a-f]{16}" is not the revision of VM\s+config\s+"` + a + `"`),
			},
			{
				Config: withVM("orka_vm_config.a.revision"),
				Check:  e.checkSimVMs("orka-default", vm),
			},
		},
	})
}
