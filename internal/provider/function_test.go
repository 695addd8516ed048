package provider

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

// runFunction calls a function's Run as Terraform would, with one argument.
func runFunction(t *testing.T, f function.Function, arg attr.Value, result attr.Value) (attr.Value, *function.FuncError) {
	t.Helper()
	resp := function.RunResponse{Result: function.NewResultData(result)}
	f.Run(context.Background(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{arg})}, &resp)
	return resp.Result.Value(), resp.Error
}

func TestUpgradeEffectsFunctionRun(t *testing.T) {
	for _, typ := range upgrade.Types {
		got, ferr := runFunction(t, NewUpgradeEffectsFunction(), types.StringValue(string(typ)), types.MapUnknown(types.StringType))
		if ferr != nil {
			t.Fatalf("%s: %v", typ, ferr)
		}
		m := got.(types.Map).Elements()
		if len(m) != len(upgrade.Aspects) {
			t.Errorf("%s: %d aspects, want %d", typ, len(m), len(upgrade.Aspects))
		}
		for _, a := range upgrade.Aspects {
			if v, ok := m[string(a)].(types.String); !ok || v.ValueString() != string(upgrade.EffectOf(typ, a)) {
				t.Errorf("%s/%s = %v, want the table's %q", typ, a, m[string(a)], upgrade.EffectOf(typ, a))
			}
		}
	}
	_, ferr := runFunction(t, NewUpgradeEffectsFunction(), types.StringValue("major"), types.MapUnknown(types.StringType))
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 ||
		!strings.Contains(ferr.Text, "release, infrastructure, patch") {
		t.Errorf("unknown type: got %v, want an error on argument 0 naming the types", ferr)
	}
}

func TestParseMemoryFunctionRun(t *testing.T) {
	for q, want := range map[string]float64{
		"31.23G": 31.23e9 / (1 << 30), "4.80Gi": 4.8, "512Mi": 0.5, "6": 6, "1Ti": 1024, " 2Gi ": 2, "6e9": 6e9 / (1 << 30),
	} {
		got, ferr := runFunction(t, NewParseMemoryFunction(), types.StringValue(q), types.Float64Unknown())
		if ferr != nil {
			t.Fatalf("%q: %v", q, ferr)
		}
		if g := got.(types.Float64).ValueFloat64(); math.Abs(g-want) > 1e-9 {
			t.Errorf("parse_memory(%q) = %v, want %v", q, g, want)
		}
	}
	for _, q := range []string{"", "lots", "-1Gi", "4GB", "4.80 Gi", "1e3Mi", "4K", "Gi", "1..2", "NaN", "Inf"} {
		if _, ferr := runFunction(t, NewParseMemoryFunction(), types.StringValue(q), types.Float64Unknown()); ferr == nil ||
			!strings.Contains(ferr.Text, "quantity:") {
			t.Errorf("parse_memory(%q): got %v, want an error naming the argument", q, ferr)
		}
	}
}

func TestRoundMemoryFunctionRun(t *testing.T) {
	for in, want := range map[float64]float64{29.0855: 29.1, 6.57: 6.6, 4.8: 4.8, 0.06: 0.1, 12.04: 12} {
		got, ferr := runFunction(t, NewRoundMemoryFunction(), types.Float64Value(in), types.Float64Unknown())
		if ferr != nil {
			t.Fatalf("%v: %v", in, ferr)
		}
		if g := got.(types.Float64).ValueFloat64(); g != want || memoryProblem(g) != "" {
			t.Errorf("round_memory(%v) = %v, want %v (on Orka's step)", in, g, want)
		}
	}
	if _, ferr := runFunction(t, NewRoundMemoryFunction(), types.Float64Value(0.04), types.Float64Unknown()); ferr == nil ||
		!strings.Contains(ferr.Text, "minimum") {
		t.Errorf("round_memory(0.04): got %v, want the minimum refused", ferr)
	}
}

// TestAccFunctions calls the functions from HCL, as users do: no cluster is asked, so the
// provider block is not even needed.
func TestAccFunctions(t *testing.T) {
	e := &testEnv{now: time.Now}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `
output "release" {
  value = provider::orka::upgrade_effects("release")
}
output "infrastructure_vms" {
  value = provider::orka::upgrade_effects("infrastructure")["vms"]
}
output "node_memory" {
  value = provider::orka::parse_memory("31.23G")
}
output "vm_memory" {
  value = provider::orka::round_memory(provider::orka::parse_memory("31.23G") / 4)
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("release", knownvalue.MapExact(upgradeEffectsExpect(upgrade.Release))),
					statecheck.ExpectKnownOutputValue("infrastructure_vms", knownvalue.StringExact(string(upgrade.Deleted))),
					statecheck.ExpectKnownOutputValue("node_memory", knownvalue.Float64Func(func(v float64) error {
						if math.Abs(v-31.23e9/(1<<30)) > 1e-9 {
							return fmt.Errorf("node_memory = %v, want 31.23e9 bytes in GiB", v)
						}
						return nil
					})),
					statecheck.ExpectKnownOutputValue("vm_memory", knownvalue.Float64Exact(7.3)),
				},
			},
			{
				Config:      `output "x" { value = provider::orka::upgrade_effects("major") }`,
				ExpectError: regexp.MustCompile(`unknown upgrade type "major"`),
			},
			{
				Config:      `output "x" { value = provider::orka::parse_memory("4GB") }`,
				ExpectError: regexp.MustCompile(`quantity: "4GB" is not a memory size`),
			},
		},
	})
}

func upgradeEffectsExpect(t upgrade.Type) map[string]knownvalue.Check {
	out := map[string]knownvalue.Check{}
	for a, e := range upgrade.Impact(t) {
		out[string(a)] = knownvalue.StringExact(string(e))
	}
	return out
}
