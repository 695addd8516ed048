package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

const windowAddr = "data.orka_upgrade_window.next"

func windowHCL(extra string) string {
	return `
data "orka_upgrade_window" "next" {
` + extra + `
}
`
}

// impactChecks expects the data source to report exactly the shared upgrade table.
func impactChecks(t upgrade.Type) []statecheck.StateCheck {
	impact := map[string]knownvalue.Check{}
	for a, e := range upgrade.Impact(t) {
		impact[string(a)] = knownvalue.StringExact(string(e))
	}
	var wiped []knownvalue.Check
	for _, a := range upgrade.Wiped(t) {
		wiped = append(wiped, knownvalue.StringExact(string(a)))
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("impact"), knownvalue.MapExact(impact)),
		statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("wiped"), knownvalue.ListExact(wiped)),
		statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("tokens_must_be_regenerated"), knownvalue.Bool(upgrade.TokensMustBeRegenerated(t))),
	}
}

func TestAccUpgradeWindow_reportsTheTable(t *testing.T) {
	e, _ := newClockEnv(t)
	steps := []resource.TestStep{}
	for _, typ := range upgrade.Types {
		steps = append(steps, resource.TestStep{
			Config:            e.config(windowHCL(fmt.Sprintf("  type = %q", typ))),
			ConfigStateChecks: impactChecks(typ),
		})
	}
	// Unset type means a release, the most common upgrade; unset start means unscheduled.
	steps = append(steps, resource.TestStep{
		Config: e.config(windowHCL("")),
		ConfigStateChecks: append(impactChecks(upgrade.Release),
			statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("status"), knownvalue.StringExact("unscheduled")),
			statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("end"), knownvalue.Null()),
			statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("regenerate_tokens_after"), knownvalue.Null()),
			statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("duration"), knownvalue.StringExact("3h")),
			statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("preparation"), knownvalue.ListSizeExact(len(upgrade.Preparation(upgrade.Release)))),
		),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}

// Before, during and after a window, by the test's clock; during the window the API answers
// 503 and the data source still reports from the clock alone.
func TestAccUpgradeWindow_timeline(t *testing.T) {
	e, clock := newClockEnv(t)
	start := clockStart.Add(2 * time.Hour)
	hcl := e.config(`
resource "orka_vm_config" "base" {
  name  = "window-base"
  image = "90gbsonomassd.orkasi"
}
resource "orka_vm" "busy" {
  name      = "busy"
  vm_config = orka_vm_config.base.name
}
` + windowHCL(fmt.Sprintf("  type = \"infrastructure\"\n  start = %q\n  depends_on = [orka_vm.busy]", rfc3339(start))))
	at := func(s string) knownvalue.Check { return knownvalue.StringExact(s) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("status"), at("scheduled")),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("end"), at(rfc3339(start.Add(3*time.Hour)))),
					// A layer upgrade kills tokens: the value to wire is the start, not the end.
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("regenerate_tokens_after"), at(rfc3339(start))),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("seconds_until_start"), knownvalue.Int64Exact(7200)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("running_vms"), knownvalue.ListExact([]knownvalue.Check{at("orka-default/busy")})),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("ready"), knownvalue.Bool(false)),
				},
			},
		},
	})
	// In the window the API is down (503 with a Retry-After of an hour): the data source does
	// not fail, and reports from the clock alone. A configuration with only the data source,
	// as there is nothing else to refresh then.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					clock.advance(2*time.Hour + time.Minute)
					e.sim.Maintenance(time.Hour)
				},
				Config: e.config(windowHCL(fmt.Sprintf("  type = \"infrastructure\"\n  start = %q", rfc3339(start)))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("status"), at("in_progress")),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("seconds_until_start"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("running_vms"), knownvalue.Null()),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("ready"), knownvalue.Bool(false)),
				},
			},
			{
				PreConfig: func() {
					clock.advance(3 * time.Hour)
					e.sim.Maintenance(0)
				},
				Config: e.config(windowHCL(fmt.Sprintf("  type = \"infrastructure\"\n  start = %q", rfc3339(start)))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("status"), at("completed")),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("running_vms"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

func TestAccUpgradeWindow_invalidInput(t *testing.T) {
	e, _ := newClockEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config(windowHCL(`  type = "major"`)), PlanOnly: true, ExpectError: regexp.MustCompile(`Attribute type value must be one of`)},
			{Config: e.config(windowHCL(`  start = "next friday"`)), PlanOnly: true, ExpectError: regexp.MustCompile(`start: "next friday" is not an RFC 3339 time`)},
			{Config: e.config(windowHCL(`  duration = "3 hours"`)), PlanOnly: true, ExpectError: regexp.MustCompile(`duration: "3 hours" is not a duration`)},
			{Config: e.config(windowHCL(`  namespaces = ["ci"]`)), PlanOnly: true, ExpectError: regexp.MustCompile(`not a valid namespace name`)},
		},
	})
}

// Namespaces named literally that the same configuration creates: the data source reads at
// plan time, before they exist, and counts no VMs in them instead of failing, so that
// regenerate_tokens_after is known at plan and no token is replaced for nothing.
func TestAccUpgradeWindow_namespaceNotCreatedYet(t *testing.T) {
	e, _ := newClockEnv(t)
	hcl := e.config(`
resource "orka_namespace" "ci" {
  name = "orka-window-ci"
}

data "orka_upgrade_window" "next" {
  type       = "release"
  namespaces = ["orka-window-ci"]
}

output "after" {
  value = data.orka_upgrade_window.next.regenerate_tokens_after
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: hcl,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(windowAddr, tfjsonpath.New("running_vms"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}
