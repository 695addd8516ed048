package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

// Rotation around a maintenance window, by the fake clock: the window starts two hours after
// the first token is minted and ends three hours later.
const (
	rotWindowStart = 2 * time.Hour
	rotWindowEnd   = rotWindowStart + maxWindow
)

// windowTokenHCL is a service account, a window of the given type starting at start, and a
// token wired the way the docs wire it (attr is the window attribute fed to regenerate_after).
func windowTokenHCL(account string, typ upgrade.Type, start time.Time, attr string) string {
	return fmt.Sprintf(`
resource "orka_service_account" "test" {
  name = %q
}

data "orka_upgrade_window" "next" {
  type  = %q
  start = %q
}

resource "orka_service_account_token" "test" {
  service_account  = orka_service_account.test.name
  regenerate_after = data.orka_upgrade_window.next.%s
}
`, account, typ, rfc3339(start), attr)
}

// simUpgrade runs an upgrade of type typ in the simulator, as MacStadium's window does.
func simUpgrade(t *testing.T, e *testEnv, typ upgrade.Type) {
	t.Helper()
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: string(typ), VMs: "none"}); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
}

func issuedAt(at time.Time) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("issued_at"), knownvalue.StringExact(rfc3339(at))),
	}
}

// Release and layer upgrades, the report's case: the upgrade kills the token, a recovery run
// goes as soon as the API answers, before the window's nominal end, and mints a new token
// (Orka rejected the old one). Neither the runs during the window nor those after its end
// regenerate that token again.
func TestAccServiceAccountTokenRotation_recoveryBeforeEnd(t *testing.T) {
	for _, typ := range []upgrade.Type{upgrade.Release, upgrade.Infrastructure} {
		t.Run(string(typ), func(t *testing.T) {
			e, clock := newClockEnv(t)
			account := testName("sa")
			tokens := &tokenCapture{e: e}
			start := clockStart.Add(rotWindowStart)
			cfg := e.config(windowTokenHCL(account, typ, start, "regenerate_tokens_after"))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{
						Config: cfg,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("regenerate_after"), knownvalue.StringExact(rfc3339(start))),
						},
						Check: tokens.capture(tokenAddr),
					},
					// Before the window: nothing to do.
					{PreConfig: func() { clock.advance(time.Hour) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
					{
						// The upgrade is done 20 minutes before the window's end; recovery runs.
						PreConfig: func() {
							clock.advance(rotWindowEnd - 20*time.Minute - time.Hour)
							simUpgrade(t, e, typ)
						},
						Config:            cfg,
						ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionCreate),
						ConfigStateChecks: issuedAt(clockStart.Add(rotWindowEnd - 20*time.Minute)),
						Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(false)),
					},
					// Another run during the window keeps it...
					{PreConfig: func() { clock.advance(10 * time.Minute) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
					// ...and so do the first run after end and every later one.
					{PreConfig: func() { clock.advance(15 * time.Minute) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
					{
						PreConfig:        func() { clock.advance(72 * time.Hour) },
						Config:           cfg,
						ConfigPlanChecks: emptyPlan(),
						Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
					},
				},
			})
		})
	}
}

// Release and layer upgrades by the clock alone (the token still works: the upgrade has not
// reached it yet, or it is a window announced for an upgrade that kills tokens): the first run
// after the start regenerates a token issued before it, once, whether that run falls inside
// the window or after its end.
func TestAccServiceAccountTokenRotation_byTheClock(t *testing.T) {
	for _, typ := range []upgrade.Type{upgrade.Release, upgrade.Infrastructure} {
		for _, first := range []struct {
			name  string
			after time.Duration
		}{
			{"during_window", rotWindowStart + time.Hour},
			{"after_end", rotWindowEnd + time.Hour},
		} {
			t.Run(string(typ)+"/"+first.name, func(t *testing.T) {
				e, clock := newClockEnv(t)
				account := testName("sa")
				tokens := &tokenCapture{e: e}
				cfg := e.config(windowTokenHCL(account, typ, clockStart.Add(rotWindowStart), "regenerate_tokens_after"))
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: e.factories(),
					Steps: []resource.TestStep{
						{Config: cfg, Check: tokens.capture(tokenAddr)},
						{
							// A minute before the start: kept.
							PreConfig:        func() { clock.advance(rotWindowStart - time.Minute) },
							Config:           cfg,
							ConfigPlanChecks: emptyPlan(),
						},
						{
							PreConfig: func() { clock.advance(first.after - rotWindowStart + time.Minute) },
							Config:    cfg,
							// Replaced (the old token still works, so it stays valid: Orka
							// cannot revoke it).
							ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
							ConfigStateChecks: issuedAt(clockStart.Add(first.after)),
							Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
						},
						{Config: cfg, ConfigPlanChecks: emptyPlan()},
						{PreConfig: func() { clock.advance(rotWindowEnd) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
						{
							PreConfig:        func() { clock.advance(30 * 24 * time.Hour) },
							Config:           cfg,
							ConfigPlanChecks: emptyPlan(),
							Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
						},
					},
				})
			})
		}
	}
}

// A patch window keeps tokens: regenerate_tokens_after is null, and no run before, during or
// after the window regenerates the token.
func TestAccServiceAccountTokenRotation_patchWindow(t *testing.T) {
	e, clock := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	cfg := e.config(windowTokenHCL(account, upgrade.Patch, clockStart.Add(rotWindowStart), "regenerate_tokens_after"))
	nullAfter := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("regenerate_tokens_after"), knownvalue.Null()),
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("regenerate_after"), knownvalue.Null()),
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: nullAfter, Check: tokens.capture(tokenAddr)},
			{PreConfig: func() { clock.advance(time.Hour) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				PreConfig: func() {
					clock.advance(2 * time.Hour)
					simUpgrade(t, e, upgrade.Patch)
				},
				Config:           cfg,
				ConfigPlanChecks: emptyPlan(),
			},
			{PreConfig: func() { clock.advance(3 * time.Hour) }, Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				PreConfig:         func() { clock.advance(72 * time.Hour) },
				Config:            cfg,
				ConfigPlanChecks:  emptyPlan(),
				ConfigStateChecks: nullAfter,
				Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
		},
	})
}

// The report's sequence with the old wiring, then the move to the new one: a token minted by a
// recovery run before the window's end holds `end` in state. Re-wired to
// regenerate_tokens_after, the first plan after end records the new value and keeps the token:
// the configuration decides, not the state. Setting regenerate_after to null once its time has
// passed likewise stops the pending regeneration.
func TestAccServiceAccountTokenRotation_configurationDecides(t *testing.T) {
	e, clock := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	start := clockStart.Add(rotWindowStart)
	wired := func(attr string) string {
		return e.config(windowTokenHCL(account, upgrade.Release, start, attr))
	}
	literal := func(v string) string {
		return e.config(tokenHCL(account, "  regenerate_after = "+v))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: wired("end"), Check: tokens.capture(tokenAddr)},
			{
				// Recovery before end: Orka rejected the token, a new one is minted at end-3m.
				PreConfig: func() {
					clock.advance(rotWindowEnd - 3*time.Minute)
					simUpgrade(t, e, upgrade.Release)
				},
				Config:           wired("end"),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionCreate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(false)),
			},
			{
				// After end, re-wired: recorded in place, the token is kept.
				PreConfig:        func() { clock.advance(10 * time.Minute) },
				Config:           wired("regenerate_tokens_after"),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("regenerate_after"), knownvalue.StringExact(rfc3339(start))),
				},
				Check: resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
			{Config: wired("regenerate_tokens_after"), ConfigPlanChecks: emptyPlan()},
			{
				// A literal time in state, after the token was issued...
				PreConfig:        func() { clock.advance(time.Hour) },
				Config:           literal(fmt.Sprintf("%q", rfc3339(clockStart.Add(rotWindowEnd+3*time.Hour)))),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
			{
				// ...has passed, but the configuration now says null: nothing is regenerated.
				PreConfig:        func() { clock.advance(3 * time.Hour) },
				Config:           literal("null"),
				ConfigPlanChecks: planAction(tokenAddr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.unchanged()),
			},
			{Config: literal("null"), ConfigPlanChecks: emptyPlan()},
		},
	})
}

// Six pool tokens regenerated by one plan give one warning block, not six: the warnings
// share a summary that Terraform folds, each names its own token, and the plan lists every
// token it replaces. The run after that is quiet.
func TestAccServiceAccountTokenRotation_foldedWarning(t *testing.T) {
	e, clock := newClockEnv(t)
	c := newTFCLI(t, e)
	pools := []string{"a", "b", "c", "d", "e", "f"}
	start := clockStart.Add(rotWindowStart)
	c.write("main.tf", c.providerBlock()+fmt.Sprintf(`
resource "orka_service_account" "pool" {
  for_each = toset(%s)
  name     = "pool-${each.key}"
}

data "orka_upgrade_window" "next" {
  type  = "release"
  start = %q
}

resource "orka_service_account_token" "pool" {
  for_each         = orka_service_account.pool
  service_account  = each.value.name
  duration         = "720h"
  rotate_before    = "168h"
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after
}
`, hclList(pools), rfc3339(start)))
	c.run(false, "init", "-input=false")
	c.run(false, "apply", "-auto-approve", "-input=false")
	if out := c.run(false, "plan", "-input=false"); strings.Contains(out, "Warning: "+summaryTokenRegenerated) {
		t.Fatalf("a plan before the window warns of regeneration:\n%s", out)
	}

	clock.advance(rotWindowStart + time.Hour)
	out := c.run(false, "plan", "-input=false")
	if n := strings.Count(out, "Warning: "+summaryTokenRegenerated); n != 1 {
		t.Errorf("the plan shows %d %q warning blocks, want 1:\n%s", n, summaryTokenRegenerated, out)
	}
	if !strings.Contains(out, fmt.Sprintf("(and %d more similar warnings elsewhere)", len(pools)-1)) {
		t.Errorf("the plan does not fold the tokens' warnings into one:\n%s", out)
	}
	// The detail is wrapped and boxed by Terraform: compare it with the box and the wrapping
	// taken out.
	flat := strings.Join(strings.Fields(strings.ReplaceAll(out, "│", " ")), " ")
	why := regexp.MustCompile(`The token of service account "pool-[a-f]" in namespace "orka-default" is regenerated ` +
		`because it was issued at ` + regexp.QuoteMeta(rfc3339(clockStart)) + `, before regenerate_after \(` +
		regexp.QuoteMeta(rfc3339(start)) + `\), which has passed`)
	if !why.MatchString(flat) {
		t.Errorf("the warning does not name the token and say why:\n%s", out)
	}
	// Regenerated while still valid: the old token keeps working, and the warning says so.
	if !strings.Contains(flat, "the old one stays valid until it expires") {
		t.Errorf("the warning for a token regenerated while valid does not say the old one still works:\n%s", out)
	}
	for _, p := range pools {
		if !strings.Contains(out, fmt.Sprintf("# orka_service_account_token.pool[%q] must be replaced", p)) {
			t.Errorf("the plan does not list the token of pool %s as replaced:\n%s", p, out)
		}
	}
	if !strings.Contains(out, fmt.Sprintf("Plan: %d to add, 0 to change, %d to destroy.", len(pools), len(pools))) {
		t.Errorf("the plan does not regenerate exactly the %d tokens:\n%s", len(pools), out)
	}

	c.run(false, "apply", "-auto-approve", "-input=false")
	clock.advance(rotWindowEnd)
	out = c.run(false, "plan", "-input=false")
	if strings.Contains(out, "Warning: ") || !strings.Contains(out, "No changes.") {
		t.Errorf("the run after the window's end is not quiet:\n%s", out)
	}
}

// A token Orka already rejects (HTTP 401, after an upgrade) is regenerated with a warning that
// says so, and not that the old token stays valid, which would contradict it.
func TestAccServiceAccountTokenRotation_rejectedTokenWarning(t *testing.T) {
	e, _ := newClockEnv(t)
	c := newTFCLI(t, e)
	c.write("main.tf", c.providerBlock()+`
resource "orka_service_account" "pool" {
  name = "pool-rejected"
}

resource "orka_service_account_token" "pool" {
  service_account = orka_service_account.pool.name
  duration        = "720h"
}
`)
	c.run(false, "init", "-input=false")
	c.run(false, "apply", "-auto-approve", "-input=false")
	simUpgrade(t, e, upgrade.Release)
	out := c.run(false, "plan", "-input=false")
	flat := strings.Join(strings.Fields(strings.ReplaceAll(out, "│", " ")), " ")
	if !strings.Contains(flat, `The token of service account "pool-rejected" in namespace "orka-default" is `+
		`regenerated because Orka rejects it (HTTP 401)`) {
		t.Fatalf("the plan does not say the rejected token is regenerated:\n%s", out)
	}
	if strings.Contains(flat, "stays valid") {
		t.Errorf("the warning for a token Orka rejects says the old one stays valid:\n%s", out)
	}
}

func hclList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// A regenerate_after known only during apply cannot be judged at plan time, and a decision
// taken during apply could not change the plan any more: the token is regenerated, with the
// warning that says why, and the value judges it from then on.
func TestAccServiceAccountTokenRotation_unknownUntilApply(t *testing.T) {
	e, clock := newClockEnv(t)
	account := testName("sa")
	tokens := &tokenCapture{e: e}
	cfg := func(after time.Time) string {
		return e.config(fmt.Sprintf(`
resource "terraform_data" "window" {
  input = %q
}
`, rfc3339(after)) + tokenHCL(account, "  regenerate_after = terraform_data.window.output"))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg(clockStart.Add(time.Hour)), Check: tokens.capture(tokenAddr)},
			{
				PreConfig:         func() { clock.advance(2 * time.Hour) },
				Config:            cfg(clockStart.Add(90 * time.Minute)),
				ConfigPlanChecks:  planAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: issuedAt(clockStart.Add(2 * time.Hour)),
				Check:             resource.ComposeTestCheckFunc(tokens.capture(tokenAddr), tokens.changed(true)),
			},
			// The value is now recorded, and the new token was issued after it.
			{Config: cfg(clockStart.Add(90 * time.Minute)), ConfigPlanChecks: emptyPlan()},
		},
	})
}
