package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// providerDataFrom unpacks what the provider's Configure handed over. It returns nil, without
// an error, before the provider is configured (Terraform validates configs that early).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// removeGone drops an object that Orka no longer has from state, with a warning that says why
// and what happens next. After an Orka upgrade this is the normal path for VMs, tokens,
// registry credentials and image caches.
func removeGone(ctx context.Context, resp *resource.ReadResponse, what string) {
	tflog.Info(ctx, "object not found in Orka; removing it from state", map[string]any{"object": what})
	resp.Diagnostics.AddWarning(
		what+" no longer exists",
		what+" was not found in Orka, so it has been removed from the Terraform state and the next "+
			"apply will create it again. This is expected after an Orka upgrade, which wipes some objects; "+
			"if someone deleted it on purpose, remove it from the configuration instead.")
	resp.State.RemoveResource(ctx)
}

// stringOrNull maps Orka's "absent" (the empty string) to null.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// int64OrNull maps Orka's "unset" (zero) to null.
func int64OrNull(n int) types.Int64 {
	if n == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(int64(n))
}

// boolFrom reads an optional boolean from Orka. When Orka does not say, the value Terraform
// already had stays, or the API's documented default when there is none (import).
func boolFrom(v *bool, prior types.Bool, def bool) types.Bool {
	switch {
	case v != nil:
		return types.BoolValue(*v)
	case !prior.IsNull() && !prior.IsUnknown():
		return prior
	default:
		return types.BoolValue(def)
	}
}

// boolPtr sends a boolean only when it is known.
func boolPtr(v types.Bool) *bool {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	b := v.ValueBool()
	return &b
}
