package provider

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
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
			cfgs, err := pd.client.ListVMConfigs(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing VM configs, to leave out what each VM takes from its own: %w", err)
			}
			byName := make(map[string]*orka.VMConfig, len(cfgs))
			for i := range cfgs {
				byName[cfgs[i].Name] = &cfgs[i]
			}
			out := make([]listItem, 0, len(vms))
			for i := range vms {
				vm := &vms[i]
				m, err := vmChosen(ctx, vm, ns, byName[vm.VMConfig], to)
				if err != nil {
					return nil, err
				}
				mark := vmListMark(vm, pd.owner)
				out = append(out, listItem{name: vm.Name, node: vm.Node, state: m, mark: mark,
					display: fmt.Sprintf("%s/%s (%s on %s; %s)", ns, vm.Name, vm.Status, orDash(vm.Node),
						markDisplay(mark, vm.CustomMetadata[vmOwnerNameKey]))})
			}
			return out, nil
		},
		markable:  true,
		workspace: poolWorkspace,
		note: "A VM's block holds what was chosen for the VM, not what Orka decided: no `node` unless the VM runs elsewhere than the node its VM config pins (Orka " +
			"reports where a VM runs, not whether it was asked to run there), no `image`, `cpu` or `memory` equal " +
			"to its VM config's, and no empty `custom_metadata` or `reserved_ports`: deployed again after an " +
			"upgrade, it lands on whichever node has room. Each result's display name shows the VM's status, " +
			"node and mark.",
	}}
}

// vmChosen is the state of a listed VM that generated configuration is written from: what was
// chosen for it, not what Orka decided. Terraform writes no line for a null computed argument,
// so everything the VM would get again without being asked is null here:
//   - node, unless the VM runs elsewhere than the node its VM config pins (it was deployed
//     onto a node of its own). Orka reports where a VM runs, not whether it was asked to run
//     there: a VM placed by the scheduler must be free to land wherever there is room when it
//     is deployed again, after an upgrade;
//   - image, cpu and memory where they equal the VM config's;
//   - custom metadata and reserved ports where there are none.
//
// The import that follows reads the VM itself, so its state holds everything.
func vmChosen(ctx context.Context, vm *orka.VM, ns string, cfg *orka.VMConfig, to timeouts.Value) (vmModel, error) {
	prior := vmModel{
		ReservedPorts: types.ListNull(types.StringType), CustomMetadata: types.MapNull(types.StringType), Timeouts: to,
	}
	m, d := vmFromAPI(ctx, vm, ns, prior)
	if d.HasError() {
		return m, fmt.Errorf("VM %q: %s", vm.Name, d[0].Detail())
	}
	m.Node = types.StringNull()
	if cfg != nil {
		if cfg.NodeName != "" && vm.Node != "" && vm.Node != cfg.NodeName {
			m.Node = types.StringValue(vm.Node)
		}
		if m.Image.ValueString() == cfg.Image {
			m.Image = types.StringNull()
		}
		if cfg.CPU == 0 || m.CPU.ValueInt64() == int64(cfg.CPU) {
			m.CPU = types.Int64Null()
		}
		if cfg.Memory == 0 || math.Abs(m.Memory.ValueFloat64()-cfg.Memory) < 0.05 {
			m.Memory = types.Float64Null()
		}
	}
	m.CustomMetadata = nullMapIfEmpty(m.CustomMetadata)
	m.ReservedPorts = nullListIfEmpty(m.ReservedPorts)
	return m, nil
}

// vmListMark reads a VM's mark for the list's mark filter.
func vmListMark(vm *orka.VM, owner string) objectMark {
	switch vmMarkOf(vm, owner) {
	case markUnknown:
		return markUnreadable
	case markOurs:
		return markThisOwner
	}
	if vm.CustomMetadata[vmOwnerKey] == vmOwnerValue {
		return markOtherOwner
	}
	return markNone
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
