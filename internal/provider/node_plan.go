package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// ModifyPlan refuses, at plan time, a placement that cannot converge or that the apply would
// have to refuse: a token that may not place nodes, a node declared by two blocks, a node taken
// from a namespace someone else placed it in, and a move of a node that runs VMs this apply
// cannot delete first. What cannot be read at plan is left to the apply, which checks again.
func (r *nodeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !requireAdministrator(ctx, r.data, "orka_node", req, resp, "name") {
		return
	}
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.client == nil {
		return
	}
	var plan nodeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Name.IsUnknown() || plan.Name.IsNull() {
		return
	}
	name := plan.Name.ValueString()
	placement := placementOf(plan)
	if other := nodeClaims.claim(r.data, name, placement); other != "" {
		resp.Diagnostics.AddAttributeError(path.Root("name"), fmt.Sprintf("Node %q is declared twice", name),
			fmt.Sprintf("A node can be placed by one orka_node only; it is declared twice in this configuration. "+
				"One orka_node places node %q in %s, another in %s: each apply would undo the other, and the "+
				"plan would never be empty. Keep one orka_node for %q (a for_each over a set of node names gives "+
				"each node exactly one) and remove the other.", name, other, placement, name))
		return
	}
	if plan.Namespace.IsUnknown() {
		return
	}
	target := plan.Namespace.ValueString()
	node, placed, ok := r.nodeAtPlan(ctx, req, name)
	if !ok || node.Namespace == target {
		return
	}
	if !mayTake(node, target, placed, plan.TakeFromOther.ValueBool(), &resp.Diagnostics) {
		return
	}
	r.refuseBusyMove(ctx, node, target, &resp.Diagnostics)
}

// nodeAtPlan is the node as Orka has it now, and the namespace this resource put it in ("" on
// a create). An update takes the refreshed state, which holds where Orka has the node; a create
// looks the node up. ok is false when that fails: the apply looks again and reports it.
func (r *nodeResource) nodeAtPlan(ctx context.Context, req resource.ModifyPlanRequest, name string) (node *orka.Node, placed string, ok bool) {
	if req.State.Raw.IsNull() {
		node, err := r.data.client.FindNode(ctx, name)
		return node, "", err == nil
	}
	var state nodeModel
	if diags := req.State.Get(ctx, &state); diags.HasError() || state.Namespace.IsNull() || state.Namespace.IsUnknown() {
		return nil, "", false
	}
	current := state.Namespace.ValueString()
	return &orka.Node{Name: name, Namespace: current}, placedOr(ctx, req.Private, current), true
}

// refuseBusyMove refuses a move of a node that runs VMs, naming them, when this apply cannot
// delete them first. VMs that carry this configuration's mark may be orka_vm resources that
// this very plan deletes before it moves the node (Terraform orders a dependent's delete
// before its dependency's update), so they are left to the apply. Any other VM (another
// owner's, one deployed by hand, one whose mark Orka does not report) keeps the node where it
// is: Orka would refuse the move.
func (r *nodeResource) refuseBusyMove(ctx context.Context, node *orka.Node, target string, diags *diag.Diagnostics) {
	vms, err := r.data.client.ListVMs(ctx, node.Namespace)
	if err != nil {
		return
	}
	var on []string
	blocking, unmarked := false, false
	for i := range vms {
		vm := &vms[i]
		if vm.Node != node.Name {
			continue
		}
		on = append(on, vm.Name)
		switch vmMarkOf(vm, r.data.owner) {
		case markOthers:
			blocking = true
		case markUnknown:
			blocking, unmarked = true, true
		}
	}
	if !blocking {
		return
	}
	detail := fmt.Sprintf("Node %q is in namespace %q and runs %d VM(s) there: %s. Orka would refuse the move to "+
		"namespace %q planned here, so the plan stops before anything is changed. %s", node.Name, node.Namespace,
		len(on), strings.Join(on, ", "), target, idleAdvice)
	if unmarked {
		detail += " (Orka does not report who deployed some of these VMs. If they are orka_vm resources of this " +
			"configuration that this plan removes, remove them in one apply and move the node in the next.)"
	}
	diags.AddAttributeError(path.Root("namespace"), fmt.Sprintf("Node %q runs VMs and cannot move", node.Name), detail)
}
