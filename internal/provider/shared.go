package provider

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
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
// registry credentials and image caches. Every such warning has the same summary, so that
// Terraform folds them; the detail names the object.
func removeGone(ctx context.Context, resp *resource.ReadResponse, what string) {
	tflog.Info(ctx, "object not found in Orka; removing it from state", map[string]any{"object": what})
	resp.Diagnostics.AddWarning(summaryGone,
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

// namespaceOr is the namespace an object lives in: its own, or the provider's default.
func (pd *providerData) namespaceOr(v types.String) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return pd.namespace
	}
	return v.ValueString()
}

// planNamespace fills in the provider's namespace for objects whose configuration does not
// name one, so the plan shows where the object will live. Moving to another namespace is a
// replacement, whether the object's own namespace or the provider's default changed.
func planNamespace(ctx context.Context, pd *providerData, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if pd == nil || req.Plan.Raw.IsNull() {
		return
	}
	if configured := rawString(req.Config.Raw, "namespace"); configured.IsUnknown() || !configured.IsNull() {
		return
	}
	// A no-op plan already holds the namespace (from state): rewriting it would cost a walk
	// of the whole plan for nothing.
	if planned := rawString(resp.Plan.Raw, "namespace"); planned.IsNull() || planned.IsUnknown() || planned.ValueString() != pd.namespace {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("namespace"), pd.namespace)...)
	}
	if req.State.Raw.IsNull() {
		return
	}
	if prior := rawString(req.State.Raw, "namespace"); !prior.IsNull() && prior.ValueString() != pd.namespace {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("namespace"))
	}
}

// Polling for Orka's asynchronous work starts quick (so tests and small caches finish fast)
// and backs off to a gentle pace for long waits.
const (
	pollFirst = 250 * time.Millisecond
	pollMax   = 5 * time.Second
)

// poll calls check until it reports done or fails, or ctx ends; on ctx's end it returns
// timeoutErr() so the caller can say what it was still waiting for.
func poll(ctx context.Context, check func() (bool, error), timeoutErr func() error) error {
	wait := pollFirst
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return timeoutErr()
		case <-time.After(wait):
		}
		wait = min(wait*2, pollMax)
	}
}

// Import cannot recover what Orka does not report back (a VM's deploy-time overrides, the
// selector an image cache was created with). An imported object therefore carries a private
// flag, and until its first update the configuration's values for those attributes are taken
// as they are instead of forcing a replacement of the object just imported (the
// replaceUnlessImported* plan modifiers).
const importedKey = "imported"

func markImported(ctx context.Context, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte("true"))...)
}

// privateState is the part of the framework's private state that plan modifiers can read.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func justImported(ctx context.Context, p privateState) bool {
	if p == nil {
		return false
	}
	flag, _ := p.GetKey(ctx, importedKey)
	return len(flag) > 0
}

// Plan modifiers for attributes that Orka does not report: a change replaces the object,
// except on an object just imported, where the configuration is only recorded.
const replaceUnlessImportedDoc = "Changing this replaces the object, except right after an import."

func replaceUnlessImportedString() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !justImported(ctx, req.Private)
	}, replaceUnlessImportedDoc, replaceUnlessImportedDoc)
}

func replaceUnlessImportedBool() planmodifier.Bool {
	return boolplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !justImported(ctx, req.Private)
	}, replaceUnlessImportedDoc, replaceUnlessImportedDoc)
}

func replaceUnlessImportedInt64() planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !justImported(ctx, req.Private)
	}, replaceUnlessImportedDoc, replaceUnlessImportedDoc)
}

func replaceUnlessImportedList() planmodifier.List {
	return listplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.ListRequest, resp *listplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !justImported(ctx, req.Private)
	}, replaceUnlessImportedDoc, replaceUnlessImportedDoc)
}

func replaceUnlessImportedSet() planmodifier.Set {
	return setplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.SetRequest, resp *setplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !justImported(ctx, req.Private)
	}, replaceUnlessImportedDoc, replaceUnlessImportedDoc)
}

// recordPlan is the Update of resources whose arguments Orka cannot change in place: Update
// then only records configuration that needs no API call (a timeout, the settings of an
// object just imported, a token's rotation rule), and an import's grace ends.
func recordPlan(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw.Copy()
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, nil)...)
}

// setStateIfChanged records model as the refreshed state unless it equals prior, the model the
// Read took from that state. A refresh that finds nothing changed, the common case and once per
// object in every plan, then keeps the state as it is instead of converting the whole object back
// (the framework's conversion was a tenth of the provider's time in a large no-op plan). Models
// that differ in any way, even in representation only, are recorded.
func setStateIfChanged[M any](ctx context.Context, resp *resource.ReadResponse, prior, model M) diag.Diagnostics {
	if reflect.DeepEqual(prior, model) {
		return nil
	}
	return resp.State.Set(ctx, model)
}
