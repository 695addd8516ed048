package provider

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// checkSimSubject asserts whether the namespace's orka-dev binding names the subject.
func (e *testEnv) checkSimSubject(ns string, want orkasim.Subject, exists bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		if got := slices.Contains(e.sim.Snapshot().Subjects[ns], want); got != exists {
			return fmt.Errorf("binding orka-dev of %q names %+v: %t, want %t", ns, want, got, exists)
		}
		return nil
	}
}

func TestAccRoleBindingSubject_lifecycle(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	ns := testName("ns")
	ciNS := testName("ns-ci")
	account := testName("sa")
	user := testName("dev") + "@example.com"
	cfg := e.config(fmt.Sprintf(`
resource "orka_namespace" "ios" {
  name = %q
}

resource "orka_namespace" "ci" {
  name = %q
}

resource "orka_service_account" "ci" {
  name      = %q
  namespace = orka_namespace.ci.name
}

resource "orka_role_binding_subject" "ci" {
  namespace         = orka_namespace.ios.name
  kind              = "service_account"
  name              = orka_service_account.ci.name
  subject_namespace = orka_service_account.ci.namespace
}

resource "orka_role_binding_subject" "dev" {
  namespace = orka_namespace.ios.name
  kind      = "user"
  name      = %q
}
`, ns, ciNS, account, user))
	saSubject := orkasim.Subject{Kind: orkasim.KindServiceAccount, Name: account, Namespace: ciNS}
	userSubject := orkasim.Subject{Kind: orkasim.KindUser, Name: user}
	saID := ns + "/service_account/" + ciNS + "/" + account

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orka_role_binding_subject.ci", tfjsonpath.New("id"), knownvalue.StringExact(saID)),
					statecheck.ExpectKnownValue("orka_role_binding_subject.dev", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/user/"+user)),
				},
				Check: resource.ComposeTestCheckFunc(
					e.checkSimSubject(ns, saSubject, true),
					e.checkSimSubject(ns, userSubject, true),
				),
			},
			{ResourceName: "orka_role_binding_subject.ci", ImportState: true, ImportStateId: saID, ImportStateVerify: true},
			{ResourceName: "orka_role_binding_subject.dev", ImportState: true, ImportStateId: ns + "/user/" + user, ImportStateVerify: true},
			{
				PreConfig: func() {
					err := e.client.RemoveRoleBindingSubjects(testContext(t), ns, orka.SubjectsChange{Users: []string{user}})
					if err != nil {
						t.Fatalf("out-of-band remove: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_role_binding_subject.dev", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orka_role_binding_subject.ci", plancheck.ResourceActionNoop),
				}},
				Check: e.checkSimSubject(ns, userSubject, true),
			},
			{Config: cfg, ConfigPlanChecks: emptyPlan()},
			{
				// Removing the resource removes the subject, and only it.
				Config: e.config(fmt.Sprintf(`
resource "orka_namespace" "ios" {
  name = %q
}

resource "orka_namespace" "ci" {
  name = %q
}

resource "orka_service_account" "ci" {
  name      = %q
  namespace = orka_namespace.ci.name
}

resource "orka_role_binding_subject" "dev" {
  namespace = orka_namespace.ios.name
  kind      = "user"
  name      = %q
}
`, ns, ciNS, account, user)),
				Check: resource.ComposeTestCheckFunc(
					e.checkSimSubject(ns, saSubject, false),
					e.checkSimSubject(ns, userSubject, true),
				),
			},
		},
	})
}

// A service account of the binding's own namespace imports by namespace/service_account/name.
func TestAccRoleBindingSubject_importShortForm(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	account := testName("sa")
	cfg := e.config(fmt.Sprintf(`
resource "orka_role_binding_subject" "test" {
  kind              = "service_account"
  name              = %q
  subject_namespace = "orka-default"
}
`, account))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				ResourceName: "orka_role_binding_subject.test", ImportState: true,
				ImportStateId: "orka-default/service_account/" + account, ImportStateVerify: true,
			},
		},
	})
}

func TestAccRoleBindingSubject_invalidInput(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	cases := []struct{ body, want string }{
		{"kind = \"group\"\n  name = \"x\"", `value must be one of`},
		{"kind = \"service_account\"\n  name = \"ci\"", `needs subject_namespace`},
		{"kind = \"user\"\n  name = \"a@example.com\"\n  subject_namespace = \"orka-default\"", `Users do not belong to a namespace`},
	}
	steps := []resource.TestStep{}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      e.config("resource \"orka_role_binding_subject\" \"bad\" {\n  " + c.body + "\n}\n"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}
