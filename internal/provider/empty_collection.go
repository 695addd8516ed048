package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// An optional collection (a map, list or set argument) that is empty means the same as one that
// is not set: `custom_metadata = {}` and no custom_metadata at all ask Orka for the same VM, so
// neither may plan a change against the other, and neither may replace an object.
//
// Terraform only lets a provider plan a value other than the configured one for a computed
// attribute, and only accepts an empty configured collection against a prior state that is
// itself empty (not null). So each such argument is Optional and Computed, the resources record
// it as an empty collection rather than null (emptyIfNull and friends, in Read, Create and
// import), and emptyAsUnset plans it:
//   - configured with elements: as configured;
//   - unset or empty, with a prior state that is empty: the prior state (no change);
//   - unset, with a prior state that is null (state written by an older provider version, or a
//     plan without refresh): null (no change);
//   - otherwise (a create, or a prior state with elements): the empty collection, so that
//     dropping every element is a change, and the state after apply is empty, not null.
//
// It runs before any replace modifier of the attribute, which then compares equivalent values.

// collectionPlan is what emptyAsUnset needs of a map, list or set plan request.
type collectionPlan struct {
	config, prior  attr.Value
	configLen      int
	priorLen       int
	resourceExists bool
}

// emptyAsUnsetPlan returns the value to plan, or nil to keep the planned value as it is.
func emptyAsUnsetPlan(p collectionPlan, empty attr.Value) attr.Value {
	switch {
	case p.config.IsUnknown():
		return nil
	case !p.config.IsNull() && p.configLen > 0:
		return nil
	case p.resourceExists && !p.prior.IsUnknown() && !p.prior.IsNull() && p.priorLen == 0:
		return p.prior
	case p.resourceExists && p.config.IsNull() && p.prior.IsNull():
		return p.prior
	}
	return empty
}

const emptyAsUnsetDoc = "An empty collection means the same as an unset one."

// emptyAsUnsetMap is emptyAsUnset for a map argument.
func emptyAsUnsetMap() planmodifier.Map { return emptyAsUnsetMapModifier{} }

type emptyAsUnsetMapModifier struct{}

func (emptyAsUnsetMapModifier) Description(context.Context) string         { return emptyAsUnsetDoc }
func (emptyAsUnsetMapModifier) MarkdownDescription(context.Context) string { return emptyAsUnsetDoc }

func (emptyAsUnsetMapModifier) PlanModifyMap(ctx context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	v := emptyAsUnsetPlan(collectionPlan{
		config: req.ConfigValue, prior: req.StateValue, configLen: len(req.ConfigValue.Elements()),
		priorLen: len(req.StateValue.Elements()), resourceExists: !req.State.Raw.IsNull(),
	}, types.MapValueMust(req.ConfigValue.ElementType(ctx), map[string]attr.Value{}))
	if v, ok := v.(types.Map); ok {
		resp.PlanValue = v
	}
}

// emptyAsUnsetList is emptyAsUnset for a list argument.
func emptyAsUnsetList() planmodifier.List { return emptyAsUnsetListModifier{} }

type emptyAsUnsetListModifier struct{}

func (emptyAsUnsetListModifier) Description(context.Context) string         { return emptyAsUnsetDoc }
func (emptyAsUnsetListModifier) MarkdownDescription(context.Context) string { return emptyAsUnsetDoc }

func (emptyAsUnsetListModifier) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	v := emptyAsUnsetPlan(collectionPlan{
		config: req.ConfigValue, prior: req.StateValue, configLen: len(req.ConfigValue.Elements()),
		priorLen: len(req.StateValue.Elements()), resourceExists: !req.State.Raw.IsNull(),
	}, types.ListValueMust(req.ConfigValue.ElementType(ctx), []attr.Value{}))
	if v, ok := v.(types.List); ok {
		resp.PlanValue = v
	}
}

// emptyAsUnsetSet is emptyAsUnset for a set argument.
func emptyAsUnsetSet() planmodifier.Set { return emptyAsUnsetSetModifier{} }

type emptyAsUnsetSetModifier struct{}

func (emptyAsUnsetSetModifier) Description(context.Context) string         { return emptyAsUnsetDoc }
func (emptyAsUnsetSetModifier) MarkdownDescription(context.Context) string { return emptyAsUnsetDoc }

func (emptyAsUnsetSetModifier) PlanModifySet(ctx context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	v := emptyAsUnsetPlan(collectionPlan{
		config: req.ConfigValue, prior: req.StateValue, configLen: len(req.ConfigValue.Elements()),
		priorLen: len(req.StateValue.Elements()), resourceExists: !req.State.Raw.IsNull(),
	}, types.SetValueMust(req.ConfigValue.ElementType(ctx), []attr.Value{}))
	if v, ok := v.(types.Set); ok {
		resp.PlanValue = v
	}
}

// emptyMapIfNull and emptyListIfNull record an unset collection as empty, the
// form emptyAsUnset plans (unknown values are left to the caller).
func emptyMapIfNull(v types.Map) types.Map {
	if v.IsNull() {
		return types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
	return v
}

func emptyListIfNull(v types.List) types.List {
	if v.IsNull() {
		return types.ListValueMust(types.StringType, []attr.Value{})
	}
	return v
}

// nullIfEmpty leaves an empty collection out of generated configuration: a list result's state
// holds null where the object has none, and `terraform query -generate-config-out` writes no
// line for a null computed argument.
func nullMapIfEmpty(v types.Map) types.Map {
	if !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0 {
		return types.MapNull(v.ElementType(context.Background()))
	}
	return v
}

func nullListIfEmpty(v types.List) types.List {
	if !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0 {
		return types.ListNull(v.ElementType(context.Background()))
	}
	return v
}

// unknownWhenEmptied is for a computed set that follows the set argument arg (a node's all_tags
// follows its tags). Terraform marks such values unknown when the configuration changes, but
// unsetting arg over elements is a change only emptyAsUnset makes, after that marking: without
// this, the old value would be planned and the apply would contradict it.
func unknownWhenEmptied(arg string) planmodifier.Set { return unknownWhenEmptiedModifier{arg: arg} }

type unknownWhenEmptiedModifier struct{ arg string }

func (m unknownWhenEmptiedModifier) Description(context.Context) string {
	return "Unknown when " + m.arg + " is unset over elements."
}

func (m unknownWhenEmptiedModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m unknownWhenEmptiedModifier) PlanModifySet(ctx context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var configured, prior types.Set
	if req.Config.GetAttribute(ctx, path.Root(m.arg), &configured).HasError() ||
		req.State.GetAttribute(ctx, path.Root(m.arg), &prior).HasError() {
		return
	}
	if configured.IsNull() && !prior.IsNull() && len(prior.Elements()) > 0 {
		resp.PlanValue = types.SetUnknown(req.StateValue.ElementType(ctx))
	}
}
