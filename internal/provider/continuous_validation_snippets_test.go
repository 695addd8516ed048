package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const continuousValidationSnippet = "../../examples/guides/continuous-validation/main.tf"

// expectFailedChecks asserts which check blocks failed in the plan, by name; every other check
// block must have passed (not errored, not unknown).
type expectFailedChecks []string

func (want expectFailedChecks) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var failed, other []string
	seen := 0
	for _, c := range req.Plan.Checks {
		if c.Address.Kind != "check" {
			continue
		}
		seen++
		switch c.Status {
		case "pass":
		case "fail":
			failed = append(failed, c.Address.Name)
		default:
			other = append(other, c.Address.Name+"="+string(c.Status))
		}
	}
	sort.Strings(failed)
	w := append([]string(nil), want...)
	sort.Strings(w)
	switch {
	case seen == 0:
		resp.Error = fmt.Errorf("the plan holds no check results")
	case len(other) > 0:
		resp.Error = fmt.Errorf("checks neither passed nor failed: %v", other)
	case strings.Join(failed, ",") != strings.Join(w, ","):
		resp.Error = fmt.Errorf("failed checks %v, want %v", failed, w)
	}
}

// The continuous-validation guide's checks, through an estate's life: healthy (no window, a
// window far off), a day before the window, during the window with the API in maintenance and
// then answering with the VMs gone (no false failure), after the window with the VMs still gone,
// the API unreachable with no window declared, and the token rejected.
func TestAccContinuousValidation_documentedChecks(t *testing.T) {
	src, err := os.ReadFile(continuousValidationSnippet)
	if err != nil {
		t.Fatal(err)
	}
	if !startLine.Match(src) {
		t.Fatalf("%s no longer sets start; this test replaces it", continuousValidationSnippet)
	}
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	ctx := testContext(t)
	if err := e.client.CreateNamespace(ctx, "orka-ci", false); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.MoveNode("mini-arm-1", "orka-ci"); err != nil {
		t.Fatal(err)
	}
	for _, vm := range []string{"runner-1", "runner-2"} {
		e.deployMarked(t, "orka-ci", vm, nil)
	}
	withStart := func(start string) string {
		if start == "" {
			return e.config(startLine.ReplaceAllString(string(src), ""))
		}
		return e.config(startLine.ReplaceAllString(string(src), fmt.Sprintf("${1} %q", start)))
	}
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	step := func(cfg string, failed ...string) resource.TestStep {
		return resource.TestStep{
			Config:           cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectFailedChecks(failed)}},
		}
	}
	healthyNoWindow := step(withStart(""))
	healthyFarWindow := step(withStart(at(30 * 24 * time.Hour)))
	dayBefore := step(withStart(at(2*time.Hour)), "upgrade_window_imminent")

	inWindow := step(withStart(at(-30 * time.Minute)))
	inWindow.PreConfig = func() {
		if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", VMs: "all"}); err != nil {
			t.Fatal(err)
		}
		e.sim.Maintenance(time.Hour)
	}

	// Late in the window the API may answer again, with the VMs still gone: not a failure yet.
	windowEnding := step(withStart(at(-2 * time.Hour)))
	windowEnding.PreConfig = func() { e.sim.Maintenance(0) }

	afterWindow := step(withStart(at(-4*time.Hour)), "vms_deployed")

	unreachable := step(withStart(""), "orka_api_reachable")
	unreachable.PreConfig = func() { e.sim.Maintenance(time.Hour) }

	// A token Orka rejects fails no check: the plan itself errors, which HCP Terraform reports
	// as "Health assessment errored" (the guide's reason to subscribe to that event).
	tokenRejected := resource.TestStep{Config: withStart(""), ExpectError: regexp.MustCompile(`rejected|401`)}
	tokenRejected.PreConfig = func() { e.sim.Maintenance(0); e.sim.RevokeAdminToken(true) }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps:                    []resource.TestStep{healthyNoWindow, healthyFarWindow, dayBefore, inWindow, windowEnding, afterWindow, unreachable, tokenRejected},
	})
}
