package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestRawString(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"namespace": tftypes.String, "status": tftypes.String, "cpu": tftypes.Number}}
	obj := func(ns, status tftypes.Value) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{"namespace": ns, "status": status, "cpu": tftypes.NewValue(tftypes.Number, 4)})
	}
	set := obj(tftypes.NewValue(tftypes.String, "orka-ci"), tftypes.NewValue(tftypes.String, nil))
	cases := []struct {
		name string
		v    tftypes.Value
		attr string
		want types.String
	}{
		{"set", set, "namespace", types.StringValue("orka-ci")},
		{"null attribute", set, "status", types.StringNull()},
		{"unknown attribute", obj(tftypes.NewValue(tftypes.String, tftypes.UnknownValue), tftypes.NewValue(tftypes.String, nil)), "namespace", types.StringUnknown()},
		{"null object (no state yet)", tftypes.NewValue(typ, nil), "namespace", types.StringNull()},
		{"unknown object", tftypes.NewValue(typ, tftypes.UnknownValue), "namespace", types.StringUnknown()},
		{"no such attribute", set, "image", types.StringNull()},
		{"not a string", set, "cpu", types.StringNull()},
	}
	for _, tc := range cases {
		if got := rawString(tc.v, tc.attr); !got.Equal(tc.want) {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}
