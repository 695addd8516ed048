package provider

import (
	"context"
	"fmt"
	"regexp"
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

// imageSource is a seeded Apple-silicon image of the simulator.
const imageSource = "90gbsonomassd.orkasi"

// imageHCL declares one orka_image; source "" leaves the argument out (an imported image).
func imageHCL(name, source, description string) string {
	src := ""
	if source != "" {
		src = fmt.Sprintf("\n  source      = %q", source)
	}
	return fmt.Sprintf(`
resource "orka_image" "test" {
  name        = %q%s
  description = %q
}
`, name, src, description)
}

// imageDescriptionIs checks an image's description in Orka, out of band.
func (e *testEnv) imageDescriptionIs(name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		img, err := e.client.GetImage(context.Background(), name)
		if err != nil {
			return fmt.Errorf("image %q: %w", name, err)
		}
		if img.Description != want {
			return fmt.Errorf("image %q has description %q, want %q", name, img.Description, want)
		}
		return nil
	}
}

// checkNoImage proves an image gone from Orka.
func (e *testEnv) checkNoImage(name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := e.client.GetImage(context.Background(), name)
		if !orka.IsNotFound(err) {
			return fmt.Errorf("image %q: want 404 after destroy, got %w", name, err)
		}
		return nil
	}
}

// An image is copied and Ready, its description is changed in place, it imports by name and
// by identity, and destroy deletes it.
func TestAccImage_lifecycle(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	name := testName("img") + ".orkasi"
	addr := "orka_image.test"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoImage(name),
		Steps: []resource.TestStep{
			{
				Config: e.config(imageHCL(name, imageSource, "Sonoma with Xcode 16")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("state"), knownvalue.StringExact("Ready")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arch"), knownvalue.StringExact("arm64")),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{"name": knownvalue.StringExact(name)}),
				},
				Check: resource.ComposeTestCheckFunc(e.imageIs(name, orka.ImageStateReady),
					e.imageDescriptionIs(name, "Sonoma with Xcode 16")),
			},
			{
				Config: e.config(imageHCL(name, imageSource, "Sonoma with Xcode 16.2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: e.imageDescriptionIs(name, "Sonoma with Xcode 16.2"),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateId: name, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"source", "timeouts"},
			},
			{
				// Orka does not say what an image was copied from, so the configuration of an
				// imported image names none.
				Config: e.config(imageHCL(name, "", "Sonoma with Xcode 16.2")), ResourceName: addr,
				ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// A new source replaces the image.
				Config: e.config(imageHCL(name, "sequoia.orkasi", "Sonoma with Xcode 16.2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}

// An image imported by name takes the configuration's source as it is, without replacing the
// image, and the plan after that is empty.
func TestAccImage_importKeepsImage(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	name := testName("img") + ".orkasi"
	ctx := testContext(t)
	if err := e.client.CopyImage(ctx, "", imageSource, name, "made by hand"); err != nil {
		t.Fatal(err)
	}
	hcl := e.config(imageHCL(name, imageSource, "made by hand") + fmt.Sprintf(`
import {
  to = orka_image.test
  id = %q
}
`, name))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoImage(name),
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_image.test", plancheck.ResourceActionUpdate),
				}},
			},
			{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// An image that exists before the copy is someone else's: refused with the import block, and
// left as it was.
func TestAccImage_existingRefused(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	name := testName("img") + ".orkasi"
	ctx := testContext(t)
	if err := e.client.CopyImage(ctx, "", imageSource, name, "someone else's"); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(imageHCL(name, imageSource, "mine")),
				ExpectError: regexp.MustCompile(`(?s)Object already exists in Orka.*` + regexp.QuoteMeta(name) + `.*import \{`),
			},
			{
				// Nothing was adopted: the state is empty, and the image keeps its description.
				Config: e.config(""),
				Check:  resource.ComposeTestCheckFunc(e.imageIs(name, orka.ImageStateReady), e.imageDescriptionIs(name, "someone else's")),
			},
		},
	})
}

// Deleting an image that VMs use is refused, naming the VMs and their namespace; once they
// are gone, destroy deletes it.
func TestAccImage_deleteRefusedWhileInUse(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Minute: actionSimOptions.Minute, Nodes: 2})
	e.needSim(t)
	name := testName("img") + ".orkasi"
	vm1, vm2 := testName("vm"), testName("vm")
	deploy := func() {
		ctx := testContext(t) // here: the test waits its turn to run in parallel first
		// An Apple-silicon image may be deleted while one VM uses it, not while two do.
		for _, vm := range []string{vm1, vm2} {
			if _, err := e.client.DeployVM(ctx, "orka-default", orka.DeployVMRequest{Name: vm, Image: name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoImage(name),
		Steps: []resource.TestStep{
			{Config: e.config(imageHCL(name, imageSource, "in use"))},
			{
				PreConfig: deploy,
				Config:    e.config(""),
				ExpectError: regexp.MustCompile(`(?s)Image "` + regexp.QuoteMeta(name) + `" is in use.*(` +
					bothIn(vm1, vm2) + `|` + bothIn(vm2, vm1) + `).*Delete\s+those\s+VMs\s+first`),
			},
			{
				// Still there and still tracked.
				Config: e.config(imageHCL(name, imageSource, "in use")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_image.test", plancheck.ResourceActionNoop),
				}},
			},
			{
				PreConfig: func() {
					ctx := testContext(t)
					for _, vm := range []string{vm1, vm2} {
						if err := e.client.DeleteVM(ctx, "orka-default", vm); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: e.config(""),
			},
		},
	})
}

// bothIn matches two VM names named with their namespace, in this order.
func bothIn(a, b string) string {
	return regexp.QuoteMeta(a) + `"\s+\(namespace\s+"orka-default"\).*` + regexp.QuoteMeta(b) + `"\s+\(namespace\s+"orka-default"\)`
}

// A create without a source, and a copy named for the other architecture, fail at plan.
func TestAccImage_planRefusals(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(imageHCL(testName("img")+".orkasi", "", "x")), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Missing image source.*source:.*import it instead`),
			},
			{
				Config: e.config(imageHCL(testName("img")+".img", imageSource, "x")), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Image name does not fit its source.*does not end in\s+\.orkasi`),
			},
		},
	})
}

// Images survive every kind of upgrade, so the apply that recovers from one redeploys the VM
// that runs from the image and never touches the image itself.
func TestAccImage_recoveryLeavesImagesAlone(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Minute: actionSimOptions.Minute, Nodes: 2})
	e.needSim(t)
	name, vm := testName("img")+".orkasi", testName("vm")
	hcl := e.config(imageHCL(name, imageSource, "kept across upgrades") + fmt.Sprintf(`
resource "orka_vm" "runner" {
  name  = %q
  image = orka_image.test.name
}
`, vm))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig: func() {
					if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", VMs: "all"}); err != nil {
						t.Fatal(err)
					}
					e.sim.ClearRequests()
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm.runner", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orka_image.test", plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					for _, r := range e.sim.Requests() {
						if r.Method != "GET" && regexp.MustCompile(`/images(/|$)`).MatchString(r.Path) {
							return fmt.Errorf("the recovery apply sent %s %s", r.Method, r.Path)
						}
					}
					return e.imageDescriptionIs(name, "kept across upgrades")(nil)
				},
			},
		},
	})
}

// A copy declared with an empty description has none, rather than its source's.
func TestAccImage_emptyDescription(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	name := testName("img") + ".orkasi"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoImage(name),
		Steps: []resource.TestStep{{
			Config: e.config(imageHCL(name, imageSource, "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("orka_image.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
			},
			Check: e.imageDescriptionIs(name, ""),
		}},
	})
}

// A copy whose answer is lost is found under its name and kept, not refused as someone
// else's and not copied twice.
func TestAccImage_lostCopyAnswerAdopts(t *testing.T) {
	e := newTestEnv(t, actionSimOptions)
	e.needSim(t)
	name := testName("img") + ".orkasi"
	copyPath := "/api/v1/namespaces/orka-default/images/" + imageSource + "/copy"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoImage(name),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					mustFault(t, e, orkasim.Fault{Method: "POST", Path: copyPath, DropResponse: true, Count: 1})
				},
				Config: e.config(imageHCL(name, imageSource, "copied once")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orka_image.test", tfjsonpath.New("state"), knownvalue.StringExact("Ready")),
				},
				Check: func(*terraform.State) error {
					if n := e.countRequests("POST", copyPath); n != 1 {
						return fmt.Errorf("%d copy requests, want 1", n)
					}
					return e.imageDescriptionIs(name, "copied once")(nil)
				},
			},
			{
				Config:           e.config(imageHCL(name, imageSource, "copied once")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
