package provider

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

func serviceAccountHCL(name, extra string) string {
	return fmt.Sprintf(`
resource "orka_service_account" "test" {
  name = %q
%s
}
`, name, extra)
}

func (e *testEnv) checkSimServiceAccount(ns, name string, exists bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		if got := slices.Contains(e.sim.Snapshot().ServiceAccounts[ns], name); got != exists {
			return fmt.Errorf("simulator has service account %s/%s: %t, want %t", ns, name, got, exists)
		}
		return nil
	}
}

func TestAccServiceAccount_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	name := testName("sa")
	ns := testName("ns")
	addr := "orka_service_account.test"
	inNS := fmt.Sprintf(`
resource "orka_namespace" "test" {
  name = %q
}
`, ns) + serviceAccountHCL(name, "  namespace = orka_namespace.test.name")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// The provider's namespace applies when none is set, and the plan shows it.
				Config: e.config(serviceAccountHCL(name, "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("namespace"), knownvalue.StringExact("orka-default")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("orka-default/"+name)),
				},
				Check: e.checkSimServiceAccount("orka-default", name, true),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "orka-default/" + name, ImportStateVerify: true},
			{
				Config: e.config(inNS),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkSimServiceAccount(ns, name, true),
					e.checkSimServiceAccount("orka-default", name, false),
				),
			},
			{
				PreConfig: func() {
					if err := e.client.DeleteServiceAccount(testContext(t), ns, name); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config: e.config(inNS),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: e.checkSimServiceAccount(ns, name, true),
			},
			{
				Config:           e.config(inNS),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		CheckDestroy: e.checkSimServiceAccount("orka-default", name, false),
	})
}

func TestAccServiceAccount_invalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(serviceAccountHCL("CI_Bot", "")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`not a valid service account name`),
			},
			{
				Config:      e.config(`resource "orka_service_account" "test" { name = "ci" }` + "\n" + `resource "orka_service_account" "dup" { name = "ci" }`),
				ExpectError: regexp.MustCompile(`(?s)Service account "ci" in namespace "orka-default": it already exists and was\s+not created by this resource`),
			},
		},
	})
}
