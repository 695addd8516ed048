package provider

import (
	"context"
	"fmt"
	"strings"

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
		check: checkNodeFilter,
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

// checkNodeFilter refuses a node filter that names no node of the listed namespaces: the query
// would silently list nothing (a typo, or a node in another namespace). A node list that
// cannot be read leaves the filter as it is.
func checkNodeFilter(ctx context.Context, pd *providerData, cfg tfsdk.Config, namespaces []string, diags *diag.Diagnostics) {
	var node types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("node"), &node)...)
	if node.IsNull() || node.IsUnknown() {
		return
	}
	for _, ns := range namespaces {
		nodes, err := pd.client.RefreshNodes(ctx, ns)
		if err != nil {
			return
		}
		for _, n := range nodes {
			if n.Name == node.ValueString() {
				return
			}
		}
	}
	diags.AddAttributeError(path.Root("node"), "No such node",
		fmt.Sprintf("node: %q is not a node of namespace(s) %s, so this query would list nothing. Name a node "+
			"of those namespaces (data \"orka_nodes\" lists them), or set namespaces to where the node is.",
			node.ValueString(), strings.Join(namespaces, ", ")))
}
