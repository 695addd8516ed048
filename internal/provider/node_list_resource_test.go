package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// placedByHand is what an administrator did with orka3 before Terraform: a team namespace
// with a node moved in and tagged, and a local image copied with a description.
type placedByHand struct {
	ns, node, tag, image, description string
}

func placeByHand(t *testing.T, e *testEnv) placedByHand {
	t.Helper()
	ctx := testContext(t)
	p := placedByHand{ns: testName("orka-team"), node: "mini-arm-2", tag: "xcode-16",
		image: testName("img") + ".orkasi", description: "Sonoma with Xcode 16"}
	for _, err := range []error{
		e.client.CreateNamespace(ctx, p.ns, false),
		e.client.MoveNode(ctx, orka.DefaultNamespace, p.node, p.ns),
		e.client.TagNode(ctx, p.ns, p.node, p.tag),
		e.client.CopyImage(ctx, "", imageSource, p.image, p.description),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// terraform query lists nodes and images with their identities.
func TestAccNodeImageList_identities(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Minute: actionSimOptions.Minute, Nodes: 3})
	e.needSim(t)
	p := placeByHand(t, e)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Query: true,
			Config: e.config(fmt.Sprintf(`
list "orka_node" "team" {
  provider = orka
  config { namespaces = [%q] }
}
list "orka_node" "default" {
  provider = orka
}
list "orka_image" "mine" {
  provider = orka
  config { name_prefix = %q }
}
`, p.ns, p.image)),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("orka_node.team", 1),
				querycheck.ExpectIdentity("orka_node.team", map[string]knownvalue.Check{"name": knownvalue.StringExact(p.node)}),
				// The other two nodes stayed in orka-default, the provider's namespace.
				querycheck.ExpectLength("orka_node.default", 2),
				querycheck.ExpectLength("orka_image.mine", 1),
				querycheck.ExpectIdentity("orka_image.mine", map[string]knownvalue.Check{"name": knownvalue.StringExact(p.image)}),
			},
		}},
	})
}

// The configuration `terraform query -generate-config-out` writes for a node and an image
// imports them with no change: the plan imports, and changes nothing in Orka.
func TestAccNodeImageList_generatedConfigImports(t *testing.T) {
	skipEngineBelow(t, tfversion.Version1_14_0, "terraform query")
	e := newTestEnv(t, orkasim.Options{Minute: actionSimOptions.Minute, Nodes: 3})
	e.needSim(t)
	c := newTFCLI(t, e)
	p := placeByHand(t, e)
	c.write("main.tf", c.providerBlock())
	c.write("adopt.tfquery.hcl", fmt.Sprintf(`
list "orka_node" "team" {
  provider = orka
  config { namespaces = [%q] }
}

list "orka_image" "mine" {
  provider = orka
  config { name_prefix = %q }
}
`, p.ns, p.image))
	c.run(false, "init", "-input=false")
	c.run(false, "query", "-generate-config-out=generated.tf")
	raw, err := os.ReadFile(filepath.Join(c.dir, "generated.tf")) //nolint:gosec // the test's own directory
	if err != nil {
		t.Fatal(err)
	}
	gen := string(raw)
	// Written as a person would write them: where the node is, and the image as it is, each
	// with an import block by identity.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`resource "orka_node" "[^"]+" \{`),
		regexp.MustCompile(`name\s+= "` + p.node + `"`),
		regexp.MustCompile(`namespace\s+= "` + p.ns + `"`),
		regexp.MustCompile(`resource "orka_image" "[^"]+" \{`),
		regexp.MustCompile(`description\s+= "` + p.description + `"`),
		regexp.MustCompile(`(?s)import \{.*identity\s+= \{.*name\s+= "` + p.node + `"`),
		regexp.MustCompile(`(?s)import \{.*identity\s+= \{.*name\s+= "` + regexp.QuoteMeta(p.image) + `"`),
	} {
		if !want.MatchString(gen) {
			t.Errorf("generated configuration does not match %s:\n%s", want, gen)
		}
	}
	if strings.Contains(gen, "all_tags") || strings.Contains(gen, `"state"`) {
		t.Errorf("generated configuration holds computed attributes:\n%s", gen)
	}
	plan := c.run(false, "plan", "-input=false")
	if !regexp.MustCompile(`Plan: 2 to import, 0 to add, 0 to change, 0 to destroy\.`).MatchString(plan) {
		t.Fatalf("the generated configuration does not import cleanly:\n%s\n\ngenerated.tf:\n%s", plan, gen)
	}
	c.run(false, "apply", "-auto-approve", "-input=false")
	got, ok := e.sim.Snapshot().Nodes[p.node]
	if !ok || got.Namespace != p.ns || len(got.OrkaTags) != 1 || got.OrkaTags[0] != p.tag {
		t.Errorf("node %s after the import: %+v, want it left in %s with tag %s", p.node, got, p.ns, p.tag)
	}
	if out := c.run(false, "plan", "-input=false", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Errorf("plan after the import is not empty:\n%s", out)
	}
}
