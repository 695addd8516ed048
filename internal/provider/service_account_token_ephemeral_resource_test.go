package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

func tokenPath(ns, account string) string {
	return "/api/v1/namespaces/" + ns + "/serviceaccounts/" + account + "/token"
}

// An ephemeral token configures a second provider block, which then reads with the service
// account's own identity. Nothing of it lands in state.
func TestAccServiceAccountTokenEphemeral_providerConfig(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	account := testName("sa")
	// The account must exist before the plan opens the ephemeral resource.
	if err := e.client.CreateServiceAccount(testContext(t), "orka-default", account); err != nil {
		t.Fatal(err)
	}
	cfg := e.config(fmt.Sprintf(`
ephemeral "orka_service_account_token" "ci" {
  service_account = %q
  duration        = "1h"
}

provider "orka" {
  alias    = "ci"
  endpoint = %q
  token    = ephemeral.orka_service_account_token.ci.token
}

data "orka_vms" "as_ci" {
  provider  = orka.ci
  namespace = "orka-default"
}
`, account, e.endpoint))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orka_vms.as_ci", tfjsonpath.New("namespace"), knownvalue.StringExact("orka-default")),
			},
			Check: func(s *terraform.State) error {
				if n := e.countRequests("POST", tokenPath("orka-default", account)); n == 0 {
					return fmt.Errorf("no token was minted")
				}
				if e.sim.Snapshot().ValidTokens == 0 {
					return fmt.Errorf("the simulator holds no valid token")
				}
				for addr := range s.RootModule().Resources {
					if regexp.MustCompile(`service_account_token`).MatchString(addr) {
						return fmt.Errorf("the ephemeral token is in state as %s", addr)
					}
				}
				return nil
			},
		}},
	})
}

// An ephemeral token passed to a write-only argument reaches Orka as a working token, and the
// state never holds it.
func TestAccServiceAccountTokenEphemeral_writeOnly(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	account := testName("sa")
	if err := e.client.CreateServiceAccount(testContext(t), "orka-default", account); err != nil {
		t.Fatal(err)
	}
	server := "https://" + testName("registry") + ".example.com"
	minted := func() string { return e.sim.Snapshot().RegistryCredentials["orka-default"][server].Password }
	cfg := e.config(fmt.Sprintf(`
ephemeral "orka_service_account_token" "ci" {
  service_account = %q
  duration        = "1h"
}

resource "orka_registry_credential" "orka_itself" {
  server              = %q
  username            = %q
  password_wo         = ephemeral.orka_service_account_token.ci.token
  password_wo_version = 1
}
`, account, server, account))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				got, ok := e.sim.Snapshot().RegistryCredentials["orka-default"][server]
				if !ok {
					return fmt.Errorf("no registry credential for %q", server)
				}
				if !e.sim.TokenValid(got.Password) {
					return fmt.Errorf("the credential's password is not a valid token")
				}
				return nil
			},
			ConfigStateChecks: []statecheck.StateCheck{expectNoSecretInState(minted)},
		}},
	})
}
