package provider

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// Every documented check block on orka_upgrade_window plans with no window scheduled (start
// unset or null), as the docs advise until MacStadium schedules one, and with one scheduled.
var windowSnippets = []string{
	"../../examples/data-sources/orka_upgrade_window/data-source.tf",
	"../../examples/guides/upgrade-window-check/main.tf",
	"../../examples/resources/orka_service_account_token/resource.tf",
}

// regenerateAfterWiring is every assignment of regenerate_after in HCL.
var regenerateAfterWiring = regexp.MustCompile(`(?m)^\s*regenerate_after\s*=\s*(.*?)\s*(#.*)?$`)

// Every example, template and generated page wires regenerate_after to
// orka_upgrade_window's regenerate_tokens_after: wiring `end` (as the docs once did) throws away
// the tokens an early recovery run minted, and rotates tokens after patch windows.
func TestUpgradeWindow_docsWireRegenerateTokensAfter(t *testing.T) {
	wired := regexp.MustCompile(`^data\.orka_upgrade_window\.[a-z0-9_]+\.regenerate_tokens_after$`)
	found := 0
	for _, root := range []string{"../../examples", "../../templates", "../../docs"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if !strings.HasSuffix(path, ".tf") && !strings.HasSuffix(path, ".md") && !strings.HasSuffix(path, ".tmpl") {
				return nil
			}
			src, err := os.ReadFile(path) //nolint:gosec // the repository's own files
			if err != nil {
				return err
			}
			for _, m := range regenerateAfterWiring.FindAllStringSubmatch(string(src), -1) {
				found++
				if !wired.MatchString(m[1]) {
					t.Errorf("%s wires regenerate_after = %s; wire data.orka_upgrade_window.<name>.regenerate_tokens_after", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < len(windowSnippets) {
		t.Fatalf("found %d regenerate_after wirings in the docs, want at least %d", found, len(windowSnippets))
	}
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
