package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// rawString reads a top-level string attribute straight from a plan, state or configuration
// value. The framework's GetAttribute walks the schema for every lookup (rebuilding its map of
// attributes each time) and SetAttribute rewrites the whole object; ModifyPlan runs for every
// resource of every plan, so it reads through this and writes only what actually changes.
func rawString(v tftypes.Value, attr string) types.String {
	if !v.IsKnown() {
		return types.StringUnknown()
	}
	if v.IsNull() {
		return types.StringNull()
	}
	got, _, err := tftypes.WalkAttributePath(v, tftypes.NewAttributePath().WithAttributeName(attr))
	av, ok := got.(tftypes.Value)
	switch {
	case err != nil || !ok:
		return types.StringNull()
	case !av.IsKnown():
		return types.StringUnknown()
	case av.IsNull():
		return types.StringNull()
	}
	var s string
	if err := av.As(&s); err != nil {
		return types.StringNull()
	}
	return types.StringValue(s)
}
