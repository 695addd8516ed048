package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/upgrade"
)

var _ function.Function = (*upgradeEffectsFunction)(nil)

// NewUpgradeEffectsFunction is provider::orka::upgrade_effects: MacStadium's upgrade table for
// one upgrade type, without a data source or a reachable cluster. It reads the same table as
// orka_upgrade_window's `impact` (internal/upgrade), so the two always agree.
func NewUpgradeEffectsFunction() function.Function { return &upgradeEffectsFunction{} }

type upgradeEffectsFunction struct{}

func (f *upgradeEffectsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "upgrade_effects"
}

func (f *upgradeEffectsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "What an Orka upgrade type does to each aspect of a cluster",
		MarkdownDescription: "Returns MacStadium's upgrade table for one upgrade type: a map from each aspect of the " +
			"cluster (`vms`, `service_account_tokens`, `registry_credentials`, `image_cache`, ...) to what the upgrade " +
			"does to it: `persists`, `may_be_deleted`, `deleted`, `lost`, `removed` or `must_be_regenerated`. It is the " +
			"same data as the `impact` attribute of the `orka_upgrade_window` data source, available where no cluster " +
			"can be reached (a `check` block, a variable's validation, a module's output). MacStadium documents every " +
			"aspect but `node_placement`, whose persistence is assumed (nodes are cluster objects). Needs Terraform " +
			"1.8 or later, or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "type",
				MarkdownDescription: "The upgrade type: `release`, `infrastructure` or `patch`.",
			},
		},
		Return: function.MapReturn{ElementType: types.StringType},
	}
}

func (f *upgradeEffectsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var name string
	resp.Error = req.Arguments.Get(ctx, &name)
	if resp.Error != nil {
		return
	}
	typ, err := upgrade.ParseType(name)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, "type: "+err.Error())
		return
	}
	effects := map[string]string{}
	for aspect, effect := range upgrade.Impact(typ) {
		effects[string(aspect)] = string(effect)
	}
	resp.Error = resp.Result.Set(ctx, effects)
}
