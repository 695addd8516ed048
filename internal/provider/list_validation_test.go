package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// List resources run only under `terraform query` (Terraform 1.14 and later), so their bad
// inputs are checked through the protocol, as Terraform validates a list block: each case
// must fail with an error on its attribute (the diagnostic's path, which Terraform shows with the
// source line) that states the rule.
func TestListResourceValidation_badInputs(t *testing.T) {
	ctx := context.Background()
	ps := serverFor(&orkaProvider{version: "test", now: time.Now})()
	server, ok := ps.(interface {
		tfprotov6.ProviderServer
		tfprotov6.ListResourceServer
	})
	if !ok {
		t.Fatal("the provider server does not serve list resources")
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	strs := func(ss ...string) tftypes.Value {
		vals := make([]tftypes.Value, len(ss))
		for i, s := range ss {
			vals[i] = str(s)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
	}
	namespaced := []string{"orka_vm", "orka_service_account", "orka_registry_credential", "orka_role_binding_subject", "orka_image_cache", "orka_node"}
	type listCase struct {
		attr  string
		value tftypes.Value
		want  []string
	}
	cases := map[string][]listCase{}
	for name := range schemas.ListResourceSchemas {
		cases[name] = append(cases[name], listCase{"name_regex", str("runner-(["), []string{"name_regex", "is not a valid RE2 regular expression"}})
	}
	for _, name := range namespaced {
		cases[name] = append(cases[name],
			listCase{"namespaces", strs("orka-default", "ci"), []string{`namespaces[1]: "ci" is not a valid namespace name`, `or "*" for every namespace`}},
			listCase{"namespaces", strs(), []string{"namespaces", "must contain at least 1 elements"}},
			listCase{"namespaces", strs("orka-ci", "orka-ci"), []string{"Duplicate List Value", `duplicate values of: "orka-ci"`}},
		)
	}
	for name := range schemas.ListResourceSchemas {
		if name == "orka_vm" {
			cases[name] = append(cases[name], listCase{"mark", str("unmanaged"), []string{"mark", `"unmanaged" is not one of any, unmarked, marked, this_owner`}})
			continue
		}
		// Orka holds no mark on these: only what can be told is accepted.
		cases[name] = append(cases[name], listCase{"mark", str("this_owner"), []string{"mark", `"this_owner" cannot be told for`, "Orka holds no mark on them"}})
	}
	cases["orka_vm"] = append(cases["orka_vm"], listCase{"node", str("Mini_1"), []string{`node: "Mini_1" is not a valid node name`, "lowercase letters"}})
	cases["orka_role_binding_subject"] = append(cases["orka_role_binding_subject"], listCase{"kind", str("group"), []string{"kind", "must be one of"}})

	total := 0
	for name, list := range cases {
		schema := schemas.ListResourceSchemas[name]
		if schema == nil {
			t.Errorf("no list resource %s", name)
			continue
		}
		objType, ok := schema.ValueType().(tftypes.Object)
		if !ok {
			t.Fatalf("%s: schema is not an object", name)
		}
		for _, c := range list {
			total++
			vals := map[string]tftypes.Value{}
			for attr, typ := range objType.AttributeTypes {
				vals[attr] = tftypes.NewValue(typ, nil)
			}
			if _, ok := vals[c.attr]; !ok {
				t.Errorf("%s has no argument %s", name, c.attr)
				continue
			}
			vals[c.attr] = c.value
			config, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, vals))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := server.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{TypeName: name, Config: &config})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			found := false
			for _, d := range resp.Diagnostics {
				text := d.Summary + ": " + d.Detail
				got = append(got, text)
				if d.Severity == tfprotov6.DiagnosticSeverityError && d.Attribute != nil &&
					strings.HasPrefix(d.Attribute.String(), "AttributeName(\""+c.attr+"\")") && containsInOrder(text, c.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("list %s, %s = %v: want an error on %s saying %q; got %q", name, c.attr, c.value, c.attr, c.want, got)
			}
		}
	}
	t.Logf("%d bad inputs across %d list resources", total, len(cases))
}

func containsInOrder(s string, frags []string) bool {
	for _, f := range frags {
		i := strings.Index(s, f)
		if i < 0 {
			return false
		}
		s = s[i+len(f):]
	}
	return true
}

// A VM query filtered on a node that the listed namespaces do not have would list nothing: it
// fails naming the filter, and a node they have lists its VMs.
func TestAccListVM_nodeFilterNamingNoNode(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	query := func(node string) string {
		return e.config("") + fmt.Sprintf(`
list "orka_vm" "on_node" {
  provider = orka
  config { node = %q }
}
`, node)
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Query: true, Config: query("mini-arm-9"), ExpectError: regexp.MustCompile(`(?s)node: "mini-arm-9" is not a node of\s+namespace\(s\)\s+orka-default`)},
			{Query: true, Config: query("mini-arm-1"), QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength("orka_vm.on_node", 0)}},
		},
	})
}
