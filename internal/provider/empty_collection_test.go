package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// Every optional collection argument of every resource: unset, empty and back to unset plan no
// change, and the state records it as an empty collection. The table is the list of such
// arguments; a new one belongs here.
func TestAccEmptyCollection_sameAsUnset(t *testing.T) {
	type arg struct {
		resource, attr, empty string
		// full is a value with an element: unsetting it afterwards is a change.
		full string
		// hcl is the resource's configuration, %s where the argument goes.
		hcl func(name string) string
	}
	args := []arg{
		{resource: "orka_vm.x", attr: "custom_metadata", empty: "{}", full: `{ team = "ios" }`, hcl: func(n string) string {
			return fmt.Sprintf("resource \"orka_vm\" \"x\" {\n  name  = %q\n  image = \"90gbsonomassd.orkasi\"\n  %%s\n}\n", n)
		}},
		{resource: "orka_vm.x", attr: "reserved_ports", empty: "[]", full: `["8822:22"]`, hcl: func(n string) string {
			return fmt.Sprintf("resource \"orka_vm\" \"x\" {\n  name  = %q\n  image = \"90gbsonomassd.orkasi\"\n  %%s\n}\n", n)
		}},
		{resource: "orka_service_account_token.x", attr: "keepers", empty: "{}", full: `{ rotation = "1" }`, hcl: func(n string) string {
			return fmt.Sprintf("resource \"orka_service_account\" \"sa\" {\n  name = %q\n}\n"+
				"resource \"orka_service_account_token\" \"x\" {\n  service_account = orka_service_account.sa.name\n  %%s\n}\n", n)
		}},
		{resource: "orka_node.x", attr: "tags", empty: "[]", full: `["ios"]`, hcl: func(string) string {
			return "resource \"orka_node\" \"x\" {\n  name      = \"mini-arm-1\"\n  namespace = \"orka-default\"\n  %s\n}\n"
		}},
	}
	for _, a := range args {
		t.Run(strings.ReplaceAll(a.resource, ".", "_")+"_"+a.attr, func(t *testing.T) {
			e := newTestEnv(t, orkasim.Options{Nodes: 2})
			e.needSim(t)
			body := a.hcl(testName("empty"))
			unset := e.config(fmt.Sprintf(body, ""))
			empty := e.config(fmt.Sprintf(body, a.attr+" = "+a.empty))
			isEmpty := statecheck.ExpectKnownValue(a.resource, tfjsonpath.New(a.attr), emptyCollection(a.attr, a.empty))
			noChange := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{Config: unset, ConfigStateChecks: []statecheck.StateCheck{isEmpty}},
					{Config: empty, ConfigPlanChecks: noChange},
					{Config: unset, ConfigPlanChecks: noChange},
					// Created empty, then unset: no change either.
					{Config: e.config(""), Destroy: false},
					{Config: empty, ConfigStateChecks: []statecheck.StateCheck{isEmpty}},
					{Config: unset, ConfigPlanChecks: noChange},
					// Elements, then unset: a change to the empty collection, not the old value kept.
					{Config: e.config(fmt.Sprintf(body, a.attr+" = "+a.full))},
					{Config: unset, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectNonEmptyPlan(),
						plancheck.ExpectKnownValue(a.resource, tfjsonpath.New(a.attr), emptyCollection(a.attr, a.empty)),
					}}, ConfigStateChecks: []statecheck.StateCheck{isEmpty}},
				},
			})
		})
	}
}

func emptyCollection(attr, hcl string) knownvalue.Check {
	switch {
	case hcl == "{}":
		return knownvalue.MapExact(map[string]knownvalue.Check{})
	case attr == "tags":
		return knownvalue.SetExact([]knownvalue.Check{})
	}
	return knownvalue.ListExact([]knownvalue.Check{})
}

// A VM made by hand, without metadata or ports, imported with custom_metadata = {} and
// reserved_ports = []: the import plans no change, and certainly no replacement.
func TestAccEmptyCollection_importedVM(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{Nodes: 2})
	e.needSim(t)
	name := testName("vm")
	if _, err := e.client.DeployVM(testContext(t), orka.DefaultNamespace, orka.DeployVMRequest{Name: name, Image: "90gbsonomassd.orkasi"}); err != nil {
		t.Fatal(err)
	}
	hcl := e.config(fmt.Sprintf(`
resource "orka_vm" "x" {
  name            = %[1]q
  image           = "90gbsonomassd.orkasi"
  custom_metadata = {}
  reserved_ports  = []
}

import {
  to       = orka_vm.x
  identity = { namespace = "orka-default", name = %[1]q }
}
`, name))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		// The import block names the VM by identity.
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{
			{
				Config: hcl,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orka_vm.x", plancheck.ResourceActionNoop),
				}},
			},
			{Config: hcl, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// The planning rule itself, including state written by older versions (null where this
// version records an empty collection) and plans without a refresh.
func TestEmptyAsUnsetPlan(t *testing.T) {
	null := types.MapNull(types.StringType)
	empty := types.MapValueMust(types.StringType, map[string]attr.Value{})
	full := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("b")})
	unknown := types.MapUnknown(types.StringType)
	keep := attr.Value(nil)
	for _, c := range []struct {
		name          string
		config, prior types.Map
		exists        bool
		want          attr.Value
	}{
		{"create unset", null, null, false, empty},
		{"create empty", empty, null, false, empty},
		{"create with elements", full, null, false, keep},
		{"unknown", unknown, empty, true, keep},
		{"unset over empty", null, empty, true, empty},
		{"empty over empty", empty, empty, true, empty},
		{"unset over an older version's null", null, null, true, null},
		{"empty over an older version's null", empty, null, true, empty},
		{"unset over elements", null, full, true, empty},
		{"empty over elements", empty, full, true, empty},
		{"elements over empty", full, empty, true, keep},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := emptyAsUnsetPlan(collectionPlan{config: c.config, prior: c.prior, configLen: len(c.config.Elements()),
				priorLen: len(c.prior.Elements()), resourceExists: c.exists}, empty)
			switch {
			case c.want == nil && got != nil:
				t.Fatalf("planned %v, want the configured value kept", got)
			case c.want != nil && (got == nil || !got.Equal(c.want)):
				t.Fatalf("planned %v, want %v", got, c.want)
			}
		})
	}
}
