package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// badImportID is a malformed import ID and the fragment of the error that says what is wrong
// with it; every error must also give the expected form and an example.
type badImportID struct {
	id, problem string
}

// Every importable type refuses a malformed import ID before making any request, with the
// form it expects and an example.
func TestAccImportID_malformed(t *testing.T) {
	types := []struct {
		resource, config, form, example string
		ids                             []badImportID
	}{
		{
			resource: "orka_vm", config: `name = "runner-1"
  image = "x.orkasi"`, form: "namespace/name", example: "orka-default/runner-1",
			ids: []badImportID{
				{"runner-1", "(1 '/'-separated parts) does not match"},
				{"orka-default/vm/extra", "(3 '/'-separated parts) does not match"},
				{"/runner-1", "has an empty namespace"},
				{"orka-default/", "has an empty name"},
				{"default/runner-1", `the namespace part: "default" is not a valid namespace name`},
				{"orka-default/Runner_1", `the name part: "Runner_1" is not a valid VM name`},
			},
		},
		{
			resource: "orka_vm_config", config: `name = "sonoma"
  image = "x.orkasi"`, form: "name", example: "sonoma-runner",
			ids: []badImportID{
				{"orka-default/sonoma", "(2 '/'-separated parts) does not match"},
				{"Sonoma", `the name part: "Sonoma" is not a valid VM config name`},
				{"sonoma_runner", `the name part: "sonoma_runner" is not a valid VM config name`},
			},
		},
		{
			resource: "orka_image", config: `name = "x.orkasi"
  source = "y.orkasi"`, form: "name", example: "sonoma-xcode-16.orkasi",
			ids: []badImportID{
				{"orka-default/x.orkasi", "(2 '/'-separated parts) does not match"},
				{"Sonoma.orkasi", `the name part: "Sonoma.orkasi" is not a valid image name`},
			},
		},
		{
			resource: "orka_namespace", config: `name = "orka-ci"`, form: "name", example: "orka-ci",
			ids: []badImportID{
				{"orka-ci/extra", "(2 '/'-separated parts) does not match"},
				{"ci", `the name part: "ci" is not a valid namespace name`},
				{"orka-default", `the name part: "orka-default" always exists`},
			},
		},
		{
			resource: "orka_service_account", config: `name = "ci"`, form: "namespace/name", example: "orka-default/ci",
			ids: []badImportID{
				{"ci", "(1 '/'-separated parts) does not match"},
				{"orka-default/ci/extra", "(3 '/'-separated parts) does not match"},
				{"orka-default/", "has an empty name"},
				{"orka-default/Bad_SA", `the name part: "Bad_SA" is not a valid service account name`},
			},
		},
		{
			resource: "orka_registry_credential", config: `server = "https://ghcr.io"
  username = "bot"
  password = "x"`, form: "namespace/server", example: "orka-default/https://ghcr.io",
			ids: []badImportID{
				{"orka-default", "(1 '/'-separated parts) does not match"},
				{"https://ghcr.io", `the namespace part: "https:" is not a valid namespace name`},
				{"orka-default/ghcr.io", `the server part: "ghcr.io" must start with https://`},
				{"orka-default/https://ghcr.io?x=1", "must not have a query"},
			},
		},
		{
			resource: "orka_image_cache", config: `image = "ghcr.io/acme/macos:sonoma"
  all = true`, form: "namespace/image", example: "orka-default/ghcr.io/acme/macos:sonoma",
			ids: []badImportID{
				{"orka-default", "(1 '/'-separated parts) does not match"},
				{"ghcr.io/acme/macos:sonoma", `the namespace part: "ghcr.io" is not a valid namespace name`},
				{"orka-default/:::", `the image part: ":::" is neither a local image name nor an OCI reference`},
				{"orka-default/ghcr.io/ACME/Bad Image:tag", "contains white space"},
			},
		},
		{
			resource: "orka_role_binding_subject", config: `kind = "user"
  name = "dev@example.com"`,
			form:    "namespace/user/name or namespace/service_account/name or namespace/service_account/subject_namespace/name",
			example: "orka-ios/user/dev@example.com or orka-ios/service_account/ci or orka-ios/service_account/orka-ci/ci",
			ids: []badImportID{
				{"orka-ios/group/dev", "(3 '/'-separated parts) does not match"},
				{"orka-ios/user", "(2 '/'-separated parts) does not match"},
				{"orka-ios/user/team/dev", "(4 '/'-separated parts) does not match"},
				{"orka-ios/user/Dev User", `the name part: "Dev User" is not a valid user name`},
				{"orka-ios/service_account/Bad_SA", `the name part: "Bad_SA" is not a valid service account name`},
				{"orka-ios/service_account/ci/runner", `the subject_namespace part: "ci" is not a valid namespace name`},
				{"orka-ios/service_account//runner", "has an empty subject_namespace"},
			},
		},
	}
	total := 0
	for _, tt := range types {
		total += len(tt.ids)
		t.Run(tt.resource, func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{})
			e.needSim(t)
			cfg := e.config("resource \"" + tt.resource + "\" \"imported\" {\n  " + tt.config + "\n}\n")
			steps := make([]resource.TestStep, 0, len(tt.ids))
			for _, c := range tt.ids {
				want := []string{"Invalid import ID", `"` + c.id + `"`, c.problem, "must have the form " + tt.form, "such as " + tt.example}
				for i, f := range want {
					want[i] = strings.ReplaceAll(regexp.QuoteMeta(f), " ", `\s+`)
				}
				steps = append(steps, resource.TestStep{
					Config: cfg, ResourceName: tt.resource + ".imported", ImportState: true, ImportStateId: c.id,
					ExpectError: regexp.MustCompile(`(?s)` + strings.Join(want, ".*")),
				})
			}
			resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
			if reqs := e.sim.Requests(); len(reqs) > 0 {
				t.Errorf("a malformed import ID reached Orka: %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
			}
		})
	}
	t.Logf("%d malformed import IDs across %d types", total, len(types))
}
