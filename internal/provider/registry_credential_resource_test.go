package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const regcredAddPath = "/api/v1/namespaces/orka-default/secrets/registrycredentials/add"

func registryCredentialHCL(server, username, passwordAttrs string) string {
	return fmt.Sprintf(`
resource "orka_registry_credential" "test" {
  server   = %q
  username = %q
%s
}
`, server, username, passwordAttrs)
}

// checkSimRegistryCredential asserts what the simulator holds, password included (a real
// cluster never returns it).
func (e *testEnv) checkSimRegistryCredential(ns, server, username, password string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		got, ok := e.sim.Snapshot().RegistryCredentials[ns][server]
		switch {
		case !ok:
			return fmt.Errorf("simulator has no registry credential for %q in %q", server, ns)
		case got.Username != username:
			return fmt.Errorf("simulator's credential for %q has username %q, want %q", server, got.Username, username)
		case got.Password != password:
			return fmt.Errorf("simulator's credential for %q does not have the expected password", server)
		}
		return nil
	}
}

// noSecretInState is a state check that fails when the JSON of the whole state (every
// resource, every attribute, sensitive or not) contains one of the secrets.
type noSecretInState struct{ secrets []func() string }

func (c noSecretInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for i, secret := range c.secrets {
		if s := secret(); s != "" && strings.Contains(string(raw), s) {
			resp.Error = fmt.Errorf("the state holds secret #%d", i+1)
			return
		}
	}
}

func expectNoSecretInState(secrets ...func() string) statecheck.StateCheck {
	return noSecretInState{secrets: secrets}
}

func TestAccRegistryCredential_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	server := "https://" + testName("registry") + ".example.com"
	addr := "orka_registry_credential.test"
	id := "orka-default/" + server

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(registryCredentialHCL(server, "bot", `  password = "s3cret-1"`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("allow_insecure"), knownvalue.Bool(false)),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("password")),
				},
				Check: e.checkSimRegistryCredential("orka-default", server, "bot", "s3cret-1"),
			},
			{
				// Orka never returns the password; the docs say it must be in the configuration.
				ResourceName: addr, ImportState: true, ImportStateId: id, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"password"},
			},
			{
				// A new user name or password replaces the credential in place.
				Config: e.config(registryCredentialHCL(server, "robot", `  password = "s3cret-2"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: e.checkSimRegistryCredential("orka-default", server, "robot", "s3cret-2"),
			},
			{
				// Lost (as in a layer upgrade): added again with the password from the configuration.
				PreConfig: func() {
					if err := e.client.RemoveRegistryCredential(testContext(t), "orka-default", server); err != nil {
						t.Fatalf("out-of-band remove: %v", err)
					}
				},
				Config: e.config(registryCredentialHCL(server, "robot", `  password = "s3cret-2"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: e.checkSimRegistryCredential("orka-default", server, "robot", "s3cret-2"),
			},
			{
				Config:           e.config(registryCredentialHCL(server, "robot", `  password = "s3cret-2"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if e.sim != nil {
				if _, ok := e.sim.Snapshot().RegistryCredentials["orka-default"][server]; ok {
					return fmt.Errorf("registry credential for %q still exists after destroy", server)
				}
			}
			return nil
		},
	})
}

// An http:// registry with allow_insecure works; every rule fails at plan time.
func TestAccRegistryCredential_validation(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	server := "http://" + testName("registry") + ".example.com:5000"
	cases := []struct{ hcl, want string }{
		{registryCredentialHCL("ghcr.io", "bot", `  password = "x"`), `must start with https://`},
		{registryCredentialHCL("http://insecure.example.com", "bot", `  password = "x"`), `allow_insecure = true`},
		{registryCredentialHCL("https://ghcr.io", "bot", ``), `Set exactly one of password`},
		{registryCredentialHCL("https://ghcr.io", "bot", `  password = "x"
  password_wo = "y"`), `Set exactly one of password`},
		{registryCredentialHCL("https://ghcr.io", "bot", `  password = "x"
  password_wo_version = 1`), `Attribute "password_wo" must be specified when "password_wo_version"`},
	}
	steps := []resource.TestStep{}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: e.config(c.hcl), PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	steps = append(steps, resource.TestStep{
		Config: e.config(registryCredentialHCL(server, "bot", `  password = "x"
  allow_insecure = true`)),
		Check: e.checkSimRegistryCredential("orka-default", server, "bot", "x"),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
	if e.sim != nil && e.countRequests("POST", regcredAddPath) != 1 {
		t.Fatalf("invalid credentials reached Orka: %d add requests, want 1", e.countRequests("POST", regcredAddPath))
	}
}

// A write-only password reaches Orka but never the state; a new version sends a new one, and
// a lost credential is restored with the password from the configuration.
func TestAccRegistryCredential_writeOnly(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	server := "https://" + testName("registry") + ".example.com"
	addr := "orka_registry_credential.test"
	wo := func(pw string, version int) string {
		return e.config(registryCredentialHCL(server, "bot", fmt.Sprintf("  password_wo = %q\n  password_wo_version = %d", pw, version)))
	}
	secrets := []func() string{func() string { return "wo-secret-1" }, func() string { return "wo-secret-2" }}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{
			{
				Config: wo("wo-secret-1", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
					expectNoSecretInState(secrets...),
				},
				Check: e.checkSimRegistryCredential("orka-default", server, "bot", "wo-secret-1"),
			},
			{
				Config: wo("wo-secret-2", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{expectNoSecretInState(secrets...)},
				Check:             e.checkSimRegistryCredential("orka-default", server, "bot", "wo-secret-2"),
			},
			{
				PreConfig: func() {
					if err := e.client.RemoveRegistryCredential(testContext(t), "orka-default", server); err != nil {
						t.Fatalf("out-of-band remove: %v", err)
					}
				},
				Config: wo("wo-secret-2", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{expectNoSecretInState(secrets...)},
				Check:             e.checkSimRegistryCredential("orka-default", server, "bot", "wo-secret-2"),
			},
			{
				Config:           wo("wo-secret-2", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
