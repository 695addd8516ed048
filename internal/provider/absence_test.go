package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// absenceEstate is one object of every kind that a refresh can find gone.
func absenceEstate(cfg, vm string) string {
	return fmt.Sprintf(`
resource "orka_namespace" "team" {
  name = "orka-team"
}
resource "orka_service_account" "ci" {
  namespace = orka_namespace.team.name
  name      = "ci"
}
resource "orka_registry_credential" "ghcr" {
  namespace = orka_namespace.team.name
  server    = "https://ghcr.io"
  username  = "bot"
  password  = "registry-secret"
}
resource "orka_role_binding_subject" "alice" {
  namespace = orka_namespace.team.name
  kind      = "user"
  name      = "alice@example.com"
}
resource "orka_vm_config" "c" {
  name  = %q
  image = "90gbsonomassd.orkasi"
}
resource "orka_vm" "v" {
  name      = %q
  vm_config = orka_vm_config.c.name
}
resource "orka_image_cache" "ic" {
  image = %q
  nodes = ["mini-arm-1"]
}
`, cfg, vm, cachedImage)
}

// A burst of stray 404s on every list and every read during a refresh (an API server
// restarting) leaves the state as it was: absence is proven by two looks further apart than a
// burst, and a list that fails is no evidence. When the objects are really gone, the next
// refresh drops them and the apply recreates them.
func TestAccAbsence_a404BurstDropsNothing(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	cfg, vm := testName("cfg"), testName("vm")
	hcl := e.config(absenceEstate(cfg, vm))
	burst := func() {
		for _, p := range []string{"/api/v1/namespaces", "/api/v1/namespaces/*"} {
			mustFault(t, e, orkasim.Fault{Method: "GET", Path: p, Status: 404, For: "1s"})
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: hcl},
			{
				PreConfig:        burst,
				Config:           hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Gone for real: found gone and recreated, in one apply.
				PreConfig: func() {
					e.sim.ClearFaults()
					if err := e.client.DeleteVM(testContext(t), "orka-default", vm); err != nil {
						t.Fatal(err)
					}
				},
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm.v", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orka_namespace.team", plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					if _, ok := e.sim.Snapshot().VMs["orka-default"][vm]; !ok {
						return fmt.Errorf("the VM was not recreated")
					}
					return nil
				},
			},
		},
	})
}
