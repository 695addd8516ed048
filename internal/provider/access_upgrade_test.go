package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// accessHCL is what a team keeps after an upgrade: a CI account, its token fed to a consumer
// (standing in for a CI system's secret), and a registry credential.
func accessHCL(account, server string) string {
	return fmt.Sprintf(`
resource "orka_service_account" "ci" {
  name = %q
}

resource "orka_service_account_token" "ci" {
  service_account = orka_service_account.ci.name
}

resource "orka_registry_credential" "ghcr" {
  server   = %q
  username = "bot"
  password = "upgrade-s3cret"
}

resource "terraform_data" "ci_secret" {
  input = orka_service_account_token.ci.token
}
`, account, server)
}

func upgradeSim(t *testing.T, e *testEnv, kind string) {
	t.Helper()
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: kind, VMs: "all"}); err != nil {
		t.Fatalf("simulated %s upgrade: %v", kind, err)
	}
}

// After an infrastructure (layer) upgrade, one apply mints a new token, feeds it to its
// consumer, and restores the lost registry credential; the next plan is empty.
func TestAccAccess_infrastructureUpgrade(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	server := "https://" + testName("registry") + ".example.com"
	cfg := e.config(accessHCL(testName("ci"), server))
	tokens := &tokenCapture{e: e}
	const token, cred, consumer = "orka_service_account_token.ci", "orka_registry_credential.ghcr", "terraform_data.ci_secret"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					tokens.capture(token),
					e.checkSimRegistryCredential("orka-default", server, "bot", "upgrade-s3cret"),
				),
			},
			{
				PreConfig: func() { upgradeSim(t, e, "infrastructure") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(token, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(cred, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(consumer, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("orka_service_account.ci", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(
					tokens.capture(token),
					tokens.changed(false),
					resource.TestCheckResourceAttrPair(consumer, "output", token, "token"),
					e.checkSimRegistryCredential("orka-default", server, "bot", "upgrade-s3cret"),
				),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
		},
	})
}

// After a release upgrade only the token needs regenerating: the registry credential is not
// touched.
func TestAccAccess_releaseUpgrade(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	server := "https://" + testName("registry") + ".example.com"
	cfg := e.config(accessHCL(testName("ci"), server))
	tokens := &tokenCapture{e: e}
	const token, cred, consumer = "orka_service_account_token.ci", "orka_registry_credential.ghcr", "terraform_data.ci_secret"
	addPath := "/api/v1/namespaces/orka-default/secrets/registrycredentials/add"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: tokens.capture(token)},
			{
				PreConfig: func() { upgradeSim(t, e, "release") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(token, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(cred, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(consumer, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					tokens.capture(token),
					tokens.changed(false),
					resource.TestCheckResourceAttrPair(consumer, "output", token, "token"),
					e.checkSimRegistryCredential("orka-default", server, "bot", "upgrade-s3cret"),
					func(*terraform.State) error {
						if n := e.countRequests("POST", addPath); n != 1 {
							return fmt.Errorf("the registry credential was sent %d times, want once (before the upgrade)", n)
						}
						return nil
					},
				),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
		},
	})
}
