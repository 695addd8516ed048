package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// destroyEventsVersion is the first Terraform whose action triggers take the before_destroy
// and after_destroy events (and on_failure).
var destroyEventsVersion = version.Must(version.NewVersion("1.16.0"))

// saveBeforeReplaceConfig deploys a VM from image whose before_destroy trigger saves it,
// named after the image it ran, before Terraform deletes it: when a new image replaces the VM,
// what was changed inside it by hand is kept.
func saveBeforeReplaceConfig(vm, image string) string {
	return fmt.Sprintf(`
resource "orka_vm" "agent" {
  name  = %q
  image = %q
  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.orka_vm_save.before_replace]
    }
  }
}

action "orka_vm_save" "before_replace" {
  config {
    vm_name    = self.name
    image_name = "${self.name}-was-${trimsuffix(self.image, ".orkasi")}.orkasi"
    timeout    = "5m"
  }
}
`, vm, image)
}

// vmRuns checks, out of band, which image a VM runs.
func (e *testEnv) vmRuns(vm, image string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := e.client.GetVM(context.Background(), "", vm)
		if err != nil {
			return err
		}
		if got.Image != image {
			return fmt.Errorf("VM %s runs image %q, want %q", vm, got.Image, image)
		}
		return nil
	}
}

// savedBeforeDeleted checks the order in which Orka saw the calls: the VM was saved exactly
// once, and before it was deleted.
func (e *testEnv) savedBeforeDeleted(ns, vm string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		vmPath := "/api/v1/namespaces/" + ns + "/vms/" + vm
		saved, deleted := -1, -1
		for i, r := range e.sim.Requests() {
			switch {
			case r.Method == "POST" && r.Path == vmPath+"/save":
				if saved >= 0 {
					return fmt.Errorf("VM %s was saved more than once", vm)
				}
				saved = i
			case r.Method == "DELETE" && r.Path == vmPath && deleted < 0:
				deleted = i
			}
		}
		switch {
		case saved < 0:
			return fmt.Errorf("VM %s was never saved", vm)
		case deleted < 0:
			return fmt.Errorf("VM %s was never deleted", vm)
		case deleted < saved:
			return fmt.Errorf("VM %s was deleted (request %d) before it was saved (request %d)", vm, deleted, saved)
		}
		return nil
	}
}

// A before_destroy trigger (Terraform 1.16) saves a VM before a new image replaces it, and a
// failed save stops the replacement: the VM is kept, never deleted unsaved.
func TestAccVMSaveAction_beforeDestroySavesReplacedVM(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	vm := testName("vm")
	const first, second, third = "sequoia.orkasi", "90gbsonomassd.orkasi", "90gbventurassd.orkasi"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(destroyEventsVersion)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// Creating the VM triggers nothing.
				Config: e.config(saveBeforeReplaceConfig(vm, first)),
				Check: resource.ComposeTestCheckFunc(
					e.vmRuns(vm, first),
					e.checkRequests("POST", "/api/v1/namespaces/orka-default/vms/"+vm+"/save", 0),
				),
			},
			{
				// A new image replaces the VM: the old one is saved first, into an image named
				// after what it ran (self is the VM being replaced).
				Config: e.config(saveBeforeReplaceConfig(vm, second)),
				Check: resource.ComposeTestCheckFunc(
					e.imageIs(vm+"-was-sequoia.orkasi", orka.ImageStateReady),
					e.savedBeforeDeleted("orka-default", vm),
					e.vmRuns(vm, second),
				),
			},
			{
				// The save fails: the trigger's default on_failure (halt) stops the apply
				// before the VM is deleted.
				PreConfig:   func() { e.sim.FailNextSave("no space left on the image store") },
				Config:      e.config(saveBeforeReplaceConfig(vm, third)),
				ExpectError: regexp.MustCompile(`(?s)Saving the VM failed.*no\s+space\s+left\s+on\s+the\s+image\s+store`),
			},
			{
				// The VM still runs the image it had, and its state says so: no change left.
				Config: e.config(saveBeforeReplaceConfig(vm, second)),
				Check:  e.vmRuns(vm, second),
			},
		},
	})
}
