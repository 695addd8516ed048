package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// actionSimOptions make a save take 2 x 25ms on the simulator.
var actionSimOptions = orkasim.Options{Minute: 25 * time.Millisecond}

// saveConfig deploys a VM and saves it into image once the VM is created, through the
// action_trigger of a terraform_data that depends on the VM.
func saveConfig(vm, image, extra string) string {
	return fmt.Sprintf(`
resource "orka_vm" "tuned" {
  name  = %[1]q
  image = "sequoia.orkasi"
}

action "orka_vm_save" "keep" {
  config {
    vm_name    = orka_vm.tuned.name
    image_name = %[2]q
    timeout    = "5m"
  }
}

resource "terraform_data" "save" {
  triggers_replace = orka_vm.tuned.name
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.orka_vm_save.keep]
    }
  }
}
%[3]s`, vm, image, extra)
}

// imageIs checks an image in Orka, out of band.
func (e *testEnv) imageIs(name, state string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		img, err := e.client.GetImage(context.Background(), name)
		if err != nil {
			return fmt.Errorf("image %q: %w", name, err)
		}
		if got := imageStateOf(img); got != state {
			return fmt.Errorf("image %q is %s, want %s", name, got, state)
		}
		return nil
	}
}

// The save action makes an image that a VM config then deploys from: what an admin does
// before an upgrade that would delete a VM tuned by hand.
func TestAccVMSaveAction_imageDeploysFromVMConfig(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	vm, image, cfg, restored := testName("vm"), testName("img")+".orkasi", testName("cfg"), testName("vm")
	deploy := fmt.Sprintf(`
resource "orka_vm_config" "from_save" {
  name  = %q
  image = %q
  depends_on = [terraform_data.save]
}

resource "orka_vm" "restored" {
  name      = %q
  vm_config = orka_vm_config.from_save.name
}
`, cfg, image, restored)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(saveConfig(vm, image, "")),
				Check:  e.imageIs(image, orka.ImageStateReady),
			},
			{
				Config: e.config(saveConfig(vm, image, deploy)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orka_vm_config.from_save", tfjsonpath.New("image"), knownvalue.StringExact(image)),
					statecheck.ExpectKnownValue("orka_vm.restored", tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				},
				Check: func(*terraform.State) error {
					got, err := e.client.GetVM(context.Background(), "", restored)
					if err != nil {
						return err
					}
					if got.Image != image {
						return fmt.Errorf("VM %s runs image %q, want the saved %q", restored, got.Image, image)
					}
					return nil
				},
			},
		},
	})
}

func TestAccVMSaveAction_failures(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	taken := testName("img") + ".orkasi"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// Refused at plan, before anything reaches Orka.
				Config:      e.config(saveConfig(testName("vm"), "Not An Image", "")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid image name.*image_name.*lowercase\s+letters`),
			},
			{
				// An Apple-silicon VM saves into an .orkasi image: refused before the save.
				Config:      e.config(saveConfig(testName("vm"), testName("img")+".img", "")),
				ExpectError: regexp.MustCompile(`(?s)Image name does not fit the VM.*image_name:.*does not end in\s+\.orkasi.*arm64`),
			},
			{
				// Orka reports the image Failed: the action fails with Orka's message and says
				// what is left behind.
				PreConfig:   func() { e.sim.FailNextSave("no space left on the image store") },
				Config:      e.config(saveConfig(testName("vm"), taken, "")),
				ExpectError: regexp.MustCompile(`(?s)Saving the VM failed.*no\s+space\s+left\s+on\s+the\s+image\s+store.*left\s+in\s+Orka`),
			},
			{
				// The name is taken (by the failed image): never overwritten.
				Config:      e.config(saveConfig(testName("vm"), taken, "")),
				ExpectError: regexp.MustCompile(`(?s)Image already exists.*never\s+overwrites`),
			},
		},
	})
}

// pushConfig deploys a VM and pushes it once created.
func pushConfig(vm, ref string) string {
	return fmt.Sprintf(`
resource "orka_vm" "tuned" {
  name  = %q
  image = "sequoia.orkasi"
}

action "orka_vm_push" "publish" {
  config {
    vm_name         = orka_vm.tuned.name
    image_reference = %q
  }
}

resource "terraform_data" "push" {
  triggers_replace = orka_vm.tuned.name
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.orka_vm_push.publish]
    }
  }
}
`, vm, ref)
}

func TestAccVMPushAction_reportsJob(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	vm, lost := testName("vm"), testName("vm")
	const ref = "ghcr.io/acme/macos-xcode:tuned"
	lostPath := "/api/v1/namespaces/orka-default/vms/" + lost + "/push"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(pushConfig(vm, "https://ghcr.io/acme/x")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid OCI image reference.*without\s+a\s+scheme`),
			},
			{
				// No registry credential for ghcr.io in the namespace: refused before the push.
				Config:      e.config(pushConfig(testName("vm"), ref)),
				ExpectError: regexp.MustCompile(`(?s)No registry credential for the push.*image_reference:.*no\s+registry\s+credential\s+for\s+ghcr\.io`),
			},
			{
				PreConfig: func() {
					if err := e.client.AddRegistryCredential(testContext(t), "orka-default", orka.RegistryCredentialInput{
						Server: "https://ghcr.io", Username: "bot", Password: "s3cret",
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(pushConfig(vm, ref)),
				Check: func(*terraform.State) error {
					jobs := e.sim.PushJobs()
					if len(jobs) != 1 || jobs[0].VM != vm || jobs[0].ImageReference != ref {
						return fmt.Errorf("push jobs %+v, want one of %s to %s", jobs, vm, ref)
					}
					return nil
				},
			},
			{
				// Orka's answer is lost: the push is not sent again, and the error says it may
				// have started.
				PreConfig: func() {
					if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: lostPath, DropResponse: true}); err != nil {
						t.Fatal(err)
					}
					// A step that expects an error runs no Check; count once the test is done.
					t.Cleanup(func() {
						if n := e.countRequests("POST", lostPath); n != 1 {
							t.Errorf("the push was sent %d times, want once", n)
						}
					})
				},
				Config:      e.config(pushConfig(lost, ref)),
				ExpectError: regexp.MustCompile(`(?s)may\s+have\s+started.*not\s+sent\s+again`),
			},
		},
	})
}

// A description given to the action is the saved image's description, as orka3 image list
// shows it.
func TestAccVMSaveAction_description(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	vm, image := testName("vm"), testName("img")+".orkasi"
	const desc = "Xcode 16.2 installed by hand"
	hcl := strings.Replace(saveConfig(vm, image, ""), `timeout    = "5m"`,
		fmt.Sprintf("timeout     = \"5m\"\n    description = %q", desc), 1)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(hcl),
			Check: resource.ComposeTestCheckFunc(e.imageIs(image, orka.ImageStateReady), func(*terraform.State) error {
				img, err := e.client.GetImage(context.Background(), image)
				if err != nil {
					return err
				}
				if img.Description != desc {
					return fmt.Errorf("image %q has description %q, want %q", image, img.Description, desc)
				}
				return nil
			}),
		}},
	})
}
