package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewVMListResource lists VMs, optionally those on one node.
func NewVMListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_vm", plural: "VMs", identity: nsNameIdentity,
		extra: map[string]listschema.Attribute{
			"node": listschema.StringAttribute{MarkdownDescription: "List only the VMs that run on this node.", Optional: true,
				Validators: []validator.String{nodeNameValidator()}},
		},
		accept: func(ctx context.Context, cfg tfsdk.Config, it listItem, diags *diag.Diagnostics) bool {
			var node types.String
			diags.Append(cfg.GetAttribute(ctx, path.Root("node"), &node)...)
			return node.IsNull() || node.ValueString() == it.node
		},
		items: func(ctx context.Context, pd *providerData, ns string, to timeouts.Value) ([]listItem, error) {
			vms, err := pd.client.ListVMs(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(vms))
			for i := range vms {
				prior := vmModel{
					ReservedPorts: types.ListNull(types.StringType), CustomMetadata: types.MapNull(types.StringType), Timeouts: to,
				}
				m, d := vmFromAPI(ctx, &vms[i], ns, prior)
				if d.HasError() {
					return nil, fmt.Errorf("VM %q: %s", vms[i].Name, d[0].Detail())
				}
				out = append(out, listItem{name: vms[i].Name, node: vms[i].Node, state: m,
					display: fmt.Sprintf("%s/%s (%s on %s)", ns, vms[i].Name, vms[i].Status, vms[i].Node)})
			}
			return out, nil
		},
	}}
}
