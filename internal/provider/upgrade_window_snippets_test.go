package provider

import (
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// Every documented check block on orka_upgrade_window plans with no window scheduled (start
// unset or null), as the docs advise until MacStadium schedules one, and with one scheduled.
var windowSnippets = []string{
	"../../examples/data-sources/orka_upgrade_window/data-source.tf",
	"../../examples/guides/upgrade-window-check/main.tf",
}

var startLine = regexp.MustCompile(`(?m)^(\s*start\s*=).*$`)

func TestAccUpgradeWindow_documentedChecksPlanWithoutWindow(t *testing.T) {
	for _, file := range windowSnippets {
		t.Run(file, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !startLine.Match(src) {
				t.Fatalf("%s no longer sets start; this test removes it", file)
			}
			e := newTestEnv(t, orkasim.Options{})
			e.needSim(t)
			ctx := testContext(t)
			if err := e.client.CreateNamespace(ctx, "orka-ci", false); err != nil {
				t.Fatal(err)
			}
			if err := e.client.CreateServiceAccount(ctx, "orka-ci", "ci-bot"); err != nil {
				t.Fatal(err)
			}
			unset := startLine.ReplaceAllString(string(src), "")
			null := startLine.ReplaceAllString(string(src), "${1} null")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{Config: e.config(unset)},
					{Config: e.config(null)},
					{Config: e.config(string(src))},
				},
			})
		})
	}
}
