package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

// The end-to-end promise of the provider: after each kind of MacStadium upgrade, the plan
// rebuilds exactly what the upgrade table says was wiped, one apply restores it, and the next
// plan is empty.

const estateHCL = `
resource "orka_namespace" "ci" {
  name = "orka-ci"
}

resource "orka_node" "ci" {
  count     = 2
  name      = "mini-arm-${count.index + 1}"
  namespace = orka_namespace.ci.name
}

resource "orka_vm_config" "runner" {
  name  = "ci-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
}

resource "orka_vm" "runner" {
  count      = 3
  namespace  = orka_namespace.ci.name
  name       = "runner-${count.index + 1}"
  vm_config  = orka_vm_config.runner.name
  depends_on = [orka_node.ci, orka_image_cache.runner]
}

resource "orka_registry_credential" "ghcr" {
  namespace = orka_namespace.ci.name
  server    = "https://ghcr.io"
  username  = "ci-bot"
  password  = "registry-secret-1"
}

resource "orka_image_cache" "runner" {
  namespace  = orka_namespace.ci.name
  image      = orka_vm_config.runner.image
  all        = true
  depends_on = [orka_node.ci]
}

resource "orka_service_account" "ci" {
  namespace = orka_namespace.ci.name
  name      = "ci-bot"
}

resource "orka_role_binding_subject" "ci_in_default" {
  namespace         = "orka-default"
  kind              = "service_account"
  name              = orka_service_account.ci.name
  subject_namespace = orka_namespace.ci.name
}

data "orka_upgrade_window" "next" {
  namespaces = [orka_namespace.ci.name]
}

resource "orka_service_account_token" "ci" {
  namespace        = orka_namespace.ci.name
  service_account  = orka_service_account.ci.name
  regenerate_after = data.orka_upgrade_window.next.end
}

resource "terraform_data" "ci_system" {
  input = orka_service_account_token.ci.token
}
`

var runnerAddrs = map[string]string{
	"orka-ci/runner-1": "orka_vm.runner[0]",
	"orka-ci/runner-2": "orka_vm.runner[1]",
	"orka-ci/runner-3": "orka_vm.runner[2]",
}

// expectedRebuild is the plan the upgrade table promises for what the simulator wiped: the
// wiped objects created, the token's consumer updated, nothing else.
func expectedRebuild(t upgrade.Type, res orkasim.UpgradeResult) map[string]string {
	want := map[string]string{}
	for _, vm := range res.DeletedVMs {
		want[runnerAddrs[vm]] = "create"
	}
	if upgrade.EffectOf(t, upgrade.RegistryCredentials).Destroys() {
		want["orka_registry_credential.ghcr"] = "create"
	}
	if upgrade.EffectOf(t, upgrade.ImageCache).Destroys() {
		want["orka_image_cache.runner"] = "create"
	}
	if upgrade.TokensMustBeRegenerated(t) {
		want["orka_service_account_token.ci"] = "create"
		want["terraform_data.ci_system"] = "update"
	}
	return want
}

// exactPlan is a plan check that the plan's changes are exactly want(), computed when the
// check runs (after the upgrade in the step's PreConfig).
type exactPlan struct{ want func() map[string]string }

func (c exactPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	got := map[string]string{}
	for _, rc := range req.Plan.ResourceChanges {
		a := rc.Change.Actions
		switch {
		case a.NoOp() || a.Read():
			continue
		case a.Create():
			got[rc.Address] = "create"
		case a.Update():
			got[rc.Address] = "update"
		case a.Delete():
			got[rc.Address] = "delete"
		default:
			got[rc.Address] = "replace"
		}
	}
	want := c.want()
	var diffs []string
	for addr, w := range want {
		if got[addr] != w {
			diffs = append(diffs, fmt.Sprintf("%s: want %s, plan has %q", addr, w, got[addr]))
		}
	}
	for addr, g := range got {
		if _, ok := want[addr]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: planned %s, but the upgrade did not wipe it", addr, g))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		resp.Error = fmt.Errorf("the plan is not exactly the rebuild of what was wiped:\n%s", strings.Join(diffs, "\n"))
	}
}

// estateRestored checks the simulator's own state: every VM runs, the credential holds its
// password, the image is cached, and the token in state is accepted while the one before
// the upgrade is not.
func (e *testEnv) estateRestored(t *testing.T, oldToken *string, tokenRotated bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		snap := e.sim.Snapshot()
		for vm := range runnerAddrs {
			name := strings.TrimPrefix(vm, "orka-ci/")
			if got := snap.VMs["orka-ci"][name]; got.Status != orka.VMStatusRunning {
				return fmt.Errorf("VM %s is %q, want Running", vm, got.Status)
			}
		}
		if c, ok := snap.RegistryCredentials["orka-ci"]["https://ghcr.io"]; !ok || c.Password != "registry-secret-1" {
			return fmt.Errorf("registry credential not restored with its password: %+v", c)
		}
		if len(snap.ImageCaches["orka-ci"]["ghcr.io/acme/macos-runner:sonoma"]) == 0 {
			return fmt.Errorf("image not cached")
		}
		token := s.RootModule().Resources["orka_service_account_token.ci"].Primary.Attributes["token"]
		if !e.sim.TokenValid(token) {
			return fmt.Errorf("the token in state is not accepted by Orka")
		}
		if consumer := s.RootModule().Resources["terraform_data.ci_system"].Primary.Attributes["output"]; consumer != token {
			return fmt.Errorf("the token's consumer was not handed the current token")
		}
		if tokenRotated && (token == *oldToken || e.sim.TokenValid(*oldToken)) {
			return fmt.Errorf("the token was not regenerated")
		}
		if !tokenRotated && token != *oldToken {
			return fmt.Errorf("the token was regenerated although the upgrade kept it")
		}
		return nil
	}
}

func captureToken(dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		*dst = s.RootModule().Resources["orka_service_account_token.ci"].Primary.Attributes["token"]
		if *dst == "" {
			return fmt.Errorf("no token in state")
		}
		return nil
	}
}

func TestAccUpgradeRecovery(t *testing.T) {
	cases := []struct {
		name string
		typ  upgrade.Type
		vms  string
	}{
		{"infrastructure", upgrade.Infrastructure, "all"},
		{"release_all_vms", upgrade.Release, "all"},
		{"release_some_vms", upgrade.Release, "some"},
		{"patch", upgrade.Patch, "none"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{Nodes: 4, CacheDelay: 100 * time.Millisecond})
			e.needSim(t)
			var result orkasim.UpgradeResult
			var oldToken string
			cfg := e.config(estateHCL)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{Config: cfg, Check: captureToken(&oldToken)},
					{
						PreConfig: func() {
							var err error
							if result, err = e.sim.Upgrade(orkasim.UpgradeRequest{Type: string(c.typ), VMs: c.vms}); err != nil {
								t.Fatal(err)
							}
							if c.vms == "some" && (len(result.DeletedVMs) == 0 || len(result.DeletedVMs) == len(runnerAddrs)) {
								t.Fatalf("a partial upgrade deleted %v", result.DeletedVMs)
							}
						},
						Config: cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							exactPlan{want: func() map[string]string { return expectedRebuild(c.typ, result) }},
						}},
						Check: e.estateRestored(t, &oldToken, upgrade.TokensMustBeRegenerated(c.typ)),
					},
					{
						Config:           cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
		})
	}
}

// An apply while the cluster is in its maintenance window fails cleanly, loses nothing, and
// the same apply succeeds once the window has ended.
func TestAccUpgradeRecovery_applyDuringMaintenance(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 4, CacheDelay: 100 * time.Millisecond})
	e.needSim(t)
	var result orkasim.UpgradeResult
	var oldToken string
	cfg := e.config(estateHCL)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: captureToken(&oldToken)},
			{
				PreConfig: func() {
					var err error
					result, err = e.sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", Maintenance: "1h"})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)503.*maintenance window.*Retry-After`),
			},
			{
				PreConfig: func() { e.sim.Maintenance(0) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					exactPlan{want: func() map[string]string { return expectedRebuild(upgrade.Infrastructure, result) }},
				}},
				Check: e.estateRestored(t, &oldToken, true),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
