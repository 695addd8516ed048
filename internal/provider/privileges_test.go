package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// serviceAccountToken makes namespace orka-ci with service account ci-bot, as an
// administrator would, and returns a token of that account (bound to orka-ci only).
func (e *testEnv) serviceAccountToken(t *testing.T) string {
	t.Helper()
	ctx := testContext(t)
	if err := e.client.CreateNamespace(ctx, "orka-ci", false); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CreateServiceAccount(ctx, "orka-ci", "ci-bot"); err != nil {
		t.Fatal(err)
	}
	token, err := e.client.CreateServiceAccountToken(ctx, "orka-ci", "ci-bot", orka.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func configWithToken(e *testEnv, token, hcl string) string {
	return fmt.Sprintf("provider \"orka\" {\n  endpoint = %q\n  token    = %q\n  max_retries = 0\n}\n%s", e.endpoint, token, hcl)
}

// A plan that needs an administrator, run with a service-account token, stops before any
// request is sent, with one summary for every object, naming the token and each object.
func TestAccPrivileges_serviceAccountTokenStopsAtPlan(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	token := e.serviceAccountToken(t)
	e.sim.ClearRequests()
	adminHCL := `
resource "orka_namespace" "team" {
  name = "orka-team"
}

resource "orka_service_account" "deployer" {
  namespace = "orka-ci"
  name      = "deployer"
}

resource "orka_registry_credential" "ghcr" {
  namespace = "orka-ci"
  server    = "https://ghcr.io"
  username  = "bot"
  password  = "registry-secret"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      configWithToken(e, token, adminHCL),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)An Orka administrator's token is needed.*a\s+service-account\s+token\s+\(orka-ci/ci-bot\).*No regular\s+service-account\s+token\s+can do them`),
			},
			{
				Config:      configWithToken(e, token, `resource "orka_namespace" "team" { name = "orka-team" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)would create orka_namespace\s+"orka-team"`),
			},
			{
				Config: configWithToken(e, token, `
resource "orka_service_account_token" "ci" {
  namespace       = "orka-ci"
  service_account = "ci-bot"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)would create orka_service_account_token\s+"orka-ci/ci-bot"`),
			},
		},
	})
	// The one request Orka refuses is the provider asking whether this service account is an
	// administrator (as Orka Small Teams' admin service account is), with a read.
	probe := "/api/v1/namespaces/orka-ci/serviceaccounts"
	probes := 0
	for _, r := range e.sim.Requests() {
		switch {
		case r.Method == "GET" && r.Path == probe && r.Status == 403:
			probes++
		case r.Status == 403 || r.Method != "GET":
			t.Errorf("the refused plan sent %s %s (status %d); it should stop before any change is tried", r.Method, r.Path, r.Status)
		}
	}
	if probes == 0 {
		t.Errorf("no plan asked Orka (GET %s) whether the service account is an administrator", probe)
	}
}

// What a service-account token may do, it plans without complaint; a namespace it is not
// bound to gets Orka's 403, reported with the token, the namespace and the permission.
func TestAccPrivileges_forbiddenNamesNamespaceAndPermission(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	token := e.serviceAccountToken(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: configWithToken(e, token, `data "orka_vms" "own" { namespace = "orka-ci" }`),
			},
			{
				Config: configWithToken(e, token, `data "orka_vms" "other" { namespace = "orka-default" }`),
				ExpectError: regexp.MustCompile(`(?s)The provider's token lacks a permission.*service-account\s+token\s+\(orka-ci/ci-bot\).*` +
					`lacks\s+the\s+permission\s+to\s+read\s+vms\s+in\s+namespace\s+"orka-default".*orka_role_binding_subject.*` +
					`orka3\s+rb\s+add-subject\s+--namespace\s+orka-default\s+--serviceaccount\s+orka-ci:ci-bot`),
			},
		},
	})
}

// The provider documentation's Privileges table says what the code enforces and assumes.
func TestPrivilegesTableMatchesDocs(t *testing.T) {
	b, err := os.ReadFile("../../templates/index.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	words := map[string]string{
		needsAdministrator: "an administrator's token",
		needsNamespace:     "a token bound to the namespace",
		needsOrkaDefault:   "a token bound to `orka-default`",
		needsAny:           "any token",
		needsNone:          "no token",
	}
	for typ, need := range privileges {
		kind, name, _ := strings.Cut(typ, " ")
		kind = map[string]string{"resource": "resource", "data": "data source", "ephemeral": "ephemeral resource",
			"list": "list resource", "action": "action"}[kind]
		row := fmt.Sprintf("| `%s` | %s | %s |", name, kind, words[need])
		if !strings.Contains(doc, row) {
			t.Errorf("templates/index.md.tmpl lacks the row %s", row)
		}
	}
	if n := strings.Count(doc[strings.Index(doc, "## Privileges"):], "\n| `orka_"); n != len(privileges) {
		t.Errorf("the Privileges table has %d rows; the provider knows %d types", n, len(privileges))
	}
}

// Node placement is an administrator's too: a service-account token stops at plan.
func TestAccPrivileges_nodePlacementNeedsAdministrator(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	token := e.serviceAccountToken(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: configWithToken(e, token, `
resource "orka_node" "ci" {
  name      = "mini-arm-1"
  namespace = "orka-ci"
}`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)An Orka administrator's token is needed.*would create orka_node\s+"mini-arm-1"`),
		}},
	})
}

// Refreshing a node needs an administrator as well (orka_node finds its node among the nodes
// of every namespace): a 403 on that read says so, rather than suggesting a role binding that
// would not be enough.
func TestAccPrivileges_nodeRefreshNeedsAdministrator(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	token := e.serviceAccountToken(t)
	node := `
resource "orka_node" "ci" {
  name      = "mini-arm-1"
  namespace = "orka-ci"
}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config(node)},
			{
				Config:   configWithToken(e, token, node),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)An Orka administrator's token is needed.*Could not read node\s+"mini-arm-1".*` +
					`service-account\s+token\s+\(orka-ci/ci-bot\).*lacks\s+the\s+permission\s+to\s+read\s+nodes.*` +
					`No\s+regular\s+service-account\s+token\s+can\s+do\s+them`),
			},
			{Config: e.config(node)},
		},
	})
}
