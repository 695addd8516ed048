package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                = (*nodeResource)(nil)
	_ resource.ResourceWithConfigure   = (*nodeResource)(nil)
	_ resource.ResourceWithImportState = (*nodeResource)(nil)
	_ resource.ResourceWithIdentity    = (*nodeResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*nodeResource)(nil)
)

// NewNodeResource is orka_node: the placement of one existing node, its namespace and the
// tags this configuration gives it. One resource per node (rather than one per namespace
// listing its nodes) so that a node has exactly one owner in configuration, moving a node
// between two team namespaces is a one-line change that Terraform plans as one update, and a
// refusal (the node runs VMs) names one node and blocks nothing else.
func NewNodeResource() resource.Resource { return &nodeResource{} }

type nodeResource struct {
	data *providerData
}

type nodeModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Namespace types.String `tfsdk:"namespace"`
	Tags      types.Set    `tfsdk:"tags"`
	AllTags   types.Set    `tfsdk:"all_tags"`
	IP        types.String `tfsdk:"ip"`
}

func (r *nodeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_node"
}

func (r *nodeResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The placement of an existing Orka node: the namespace it belongs to (`orka3 node namespace`) " +
			"and tags for `tag` / `tag_required` scheduling (`orka3 node tag`). In Orka, a namespace's VMs run only on " +
			"that namespace's nodes, and a new namespace holds none, so a team namespace needs its nodes moved in " +
			"before its VMs can start.\n\n" +
			"Terraform never creates or deletes a node. Creating this resource moves the node into `namespace` and adds " +
			"`tags`; a node moved by hand is moved back and a removed tag is added back on the next apply. Destroying it " +
			"removes `tags` from the node and releases the node to `orka-default`.\n\n" +
			"Orka moves a node only when it runs no VM: a move (or a destroy) of a node that runs VMs fails and names " +
			"them. Make VMs that need the node depend on this resource (for example `depends_on`, or `namespace = " +
			"orka_node.x.namespace`), so that Terraform moves the node before deploying them and deletes them before " +
			"releasing it. Tags the node carries that are not in `tags` are left alone (see `all_tags`).\n\n" +
			"Node placement is assumed to survive every kind of Orka upgrade (nodes are cluster objects; MacStadium " +
			"does not say). Needs an administrator's token.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The node's name.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of an existing node, as `orka3 node list` shows it (for example `mini-arm-1`). " +
					"Changing it releases this node and places the other one.",
				Required:      true,
				Validators:    []validator.String{nodeNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "The namespace the node belongs to: its VMs, and only its VMs, run on this node. " +
					"Use `orka-default` to keep the node there and only tag it. Changing it moves the node (in place), " +
					"which Orka refuses while the node runs VMs.",
				Required:   true,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"tags": schema.SetAttribute{
				MarkdownDescription: "Tags this configuration puts on the node, for VM configs and VMs with `tag` (preferred " +
					"nodes) and `tag_required` (only these nodes). Each is 1 to 63 letters, digits, `-`, `_` and `.`, starting " +
					"and ending with a letter or digit. A tag removed from this set is removed from the node; tags given " +
					"to the node in other ways are left alone. After an import the resource manages no tags until the " +
					"configuration lists them.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(nodeTagValidator(nodeTagMaxLen))},
			},
			"all_tags": schema.SetAttribute{
				MarkdownDescription: "Every tag the node carries, including tags given to it outside this resource.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"ip": schema.StringAttribute{
				MarkdownDescription: "The node's IP address.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *nodeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *nodeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan nodeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	summary := fmt.Sprintf("Could not place node %q", name)
	node, ok := r.findNode(ctx, name, summary, &resp.Diagnostics)
	if !ok {
		return
	}
	got, ok := r.place(ctx, node, plan.Namespace.ValueString(), setStrings(plan.Tags), nil, summary, &resp.Diagnostics)
	if !ok {
		// Nothing goes into state: placing is idempotent, so the next apply finishes the job
		// from wherever this one stopped (the diagnostic says where that is).
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(got, plan.Tags))...)
}

func (r *nodeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nameIdentity.syncRead(ctx, req, resp)
	var state nodeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	node, err := getConfirmed(ctx, func(ctx context.Context) (*orka.Node, error) { return r.data.client.RefreshNode(ctx, name) })
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, fmt.Sprintf("Node %q", name))
		return
	}
	if err != nil {
		addAdminAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read node %q", name), err)
		return
	}
	// Only the managed tags the node still carries stay in state, so that a tag removed by
	// hand shows as a change and is added back.
	var kept []string
	for _, t := range setStrings(state.Tags) {
		if slices.Contains(node.OrkaTags, t) {
			kept = append(kept, t)
		}
	}
	tags := state.Tags
	if !state.Tags.IsNull() {
		tags = stringSet(kept)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(node, tags))...)
}

func (r *nodeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan, state nodeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	summary := fmt.Sprintf("Could not place node %q", name)
	node, ok := r.findNode(ctx, name, summary, &resp.Diagnostics)
	if !ok {
		return
	}
	want := setStrings(plan.Tags)
	var drop []string
	for _, t := range setStrings(state.Tags) {
		if !slices.Contains(want, t) {
			drop = append(drop, t)
		}
	}
	got, ok := r.place(ctx, node, plan.Namespace.ValueString(), want, drop, summary, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(got, plan.Tags))...)
}

// Delete removes the managed tags and releases the node to orka-default.
func (r *nodeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state nodeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	node, err := r.data.client.FindNode(ctx, name)
	if orka.IsNotFound(err) {
		return
	}
	if err != nil {
		addAdminAPIError(&resp.Diagnostics, fmt.Sprintf("Could not release node %q", name), err)
		return
	}
	r.place(ctx, node, orka.DefaultNamespace, nil, setStrings(state.Tags),
		fmt.Sprintf("Could not release node %q", name), &resp.Diagnostics)
}

// IdentitySchema: a node is named by its name, unique in the cluster.
func (r *nodeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	nameIdentity.schema(resp)
}

// ImportState takes the node's name (or an identity). The namespace is read from Orka; no tag
// is managed until the configuration lists some.
func (r *nodeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

// findNode finds a node in whichever namespace holds it, with a diagnostic when it cannot.
func (r *nodeResource) findNode(ctx context.Context, name, summary string, diags *diag.Diagnostics) (*orka.Node, bool) {
	node, err := r.data.client.FindNode(ctx, name)
	switch {
	case orka.IsNotFound(err):
		diags.AddAttributeError(path.Root("name"), summary, fmt.Sprintf("No namespace of the cluster holds a node "+
			"named %q. orka_node places a node that exists; it cannot create one. `orka3 node list --namespace <ns>` "+
			"(or the orka_nodes data source) lists the nodes of a namespace.\n\n%s", name, err))
		return nil, false
	case err != nil:
		addAdminAPIError(diags, summary, err)
		return nil, false
	}
	return node, true
}

// place moves node to namespace when it is elsewhere (refusing, with the VMs named, while it
// runs any), then adds the tags of add it lacks and removes the tags of drop it carries. It
// returns the node as Orka then lists it.
func (r *nodeResource) place(ctx context.Context, node *orka.Node, namespace string, add, drop []string, summary string, diags *diag.Diagnostics) (*orka.Node, bool) {
	client := r.data.client
	name := node.Name
	// Untag first, in the namespace the node is in, so that a release leaves no managed tag.
	for _, t := range drop {
		if !slices.Contains(node.OrkaTags, t) {
			continue
		}
		if err := resendIfLost(func() error { return client.UntagNode(ctx, node.Namespace, name, t) }); err != nil && !orka.IsNotFound(err) {
			addAPIError(diags, summary, fmt.Errorf("removing tag %q from node %q in namespace %q: %w", t, name, node.Namespace, err))
			return nil, false
		}
	}
	if node.Namespace != namespace {
		if !r.checkIdle(ctx, node, namespace, summary, diags) {
			return nil, false
		}
		err := r.move(ctx, node.Namespace, name, namespace)
		if orka.IsConflict(err) {
			diags.AddError(summary, fmt.Sprintf("Orka refused to move node %q from namespace %q to %q because it runs "+
				"VMs. %s\n\n%s", name, node.Namespace, namespace, idleAdvice, err))
			return nil, false
		}
		if err != nil {
			addAPIError(diags, summary, fmt.Errorf("moving node %q from namespace %q to %q: %w", name, node.Namespace, namespace, err))
			return nil, false
		}
	}
	for _, t := range add {
		if slices.Contains(node.OrkaTags, t) && node.Namespace == namespace {
			continue
		}
		if err := resendIfLost(func() error { return client.TagNode(ctx, namespace, name, t) }); err != nil {
			addAPIError(diags, summary, fmt.Errorf("node %q is in namespace %q; adding tag %q failed (apply again "+
				"to finish): %w", name, namespace, t, err))
			return nil, false
		}
	}
	got, err := client.GetNode(ctx, namespace, name)
	if err != nil {
		addAPIError(diags, summary, fmt.Errorf("node %q was placed in namespace %q, but reading it back failed "+
			"(apply again to record it): %w", name, namespace, err))
		return nil, false
	}
	return got, true
}

// move moves a node between namespaces. A move whose answer was lost is looked up: the node
// found in the target namespace was moved; found where it was, it is moved once more (a move is
// idempotent, so this can never do anything twice).
func (r *nodeResource) move(ctx context.Context, from, name, to string) error {
	client := r.data.client
	err := client.MoveNode(ctx, from, name, to)
	if !orka.IsAmbiguous(err) {
		return err
	}
	lctx, cancel := graceContext(ctx)
	defer cancel()
	if _, gerr := client.GetNode(lctx, to, name); gerr == nil {
		return nil
	}
	if _, gerr := client.GetNode(lctx, from, name); gerr != nil {
		return fmt.Errorf("%w; looking the node up afterwards failed too: %w", err, gerr)
	}
	return client.MoveNode(ctx, from, name, to)
}

// resendIfLost sends an idempotent request (tagging, untagging) once more when its answer was
// lost.
func resendIfLost(send func() error) error {
	err := send()
	if orka.IsAmbiguous(err) {
		err = send()
	}
	return err
}

const idleAdvice = "Orka moves a node only when it runs no VM. Delete those VMs first (remove or scale down the " +
	"orka_vm resources that deployed them, or `orka3 vm delete <name> --namespace <namespace>` once their jobs are " +
	"done), or choose an idle node, then apply again. Make the orka_vm resources of a namespace depend on its " +
	"orka_node resources, so that Terraform orders this itself."

// checkIdle refuses a move of a node that runs VMs, naming them; Orka would refuse it too,
// with less to go on.
func (r *nodeResource) checkIdle(ctx context.Context, node *orka.Node, namespace, summary string, diags *diag.Diagnostics) bool {
	vms, err := r.data.client.ListVMs(ctx, node.Namespace)
	if err != nil {
		addAPIError(diags, summary, fmt.Errorf("listing the VMs of namespace %q to see whether node %q runs any: %w",
			node.Namespace, node.Name, err))
		return false
	}
	var on []string
	for _, vm := range vms {
		if vm.Node == node.Name {
			on = append(on, vm.Name)
		}
	}
	if len(on) == 0 {
		return true
	}
	diags.AddError(fmt.Sprintf("Node %q runs VMs and cannot move", node.Name),
		fmt.Sprintf("Node %q is in namespace %q and runs %d VM(s): %s. It cannot move to namespace %q now. %s",
			node.Name, node.Namespace, len(on), strings.Join(on, ", "), namespace, idleAdvice))
	return false
}

// nodeState is the state of a node as Orka lists it, with the managed tags given.
func nodeState(n *orka.Node, tags types.Set) nodeModel {
	if !tags.IsNull() && len(tags.Elements()) == 0 {
		tags = types.SetValueMust(types.StringType, nil)
	}
	ip := n.NodeIP
	if ip == "" {
		ip = n.IP
	}
	return nodeModel{
		ID: types.StringValue(n.Name), Name: types.StringValue(n.Name), Namespace: types.StringValue(n.Namespace),
		Tags: tags, AllTags: stringSet(n.OrkaTags), IP: stringOrNull(ip),
	}
}

func setStrings(s types.Set) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	out := make([]string, 0, len(s.Elements()))
	for _, v := range s.Elements() {
		if str, ok := v.(types.String); ok && !str.IsNull() && !str.IsUnknown() {
			out = append(out, str.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

func stringSet(items []string) types.Set {
	vals := make([]attr.Value, 0, len(items))
	for _, s := range items {
		vals = append(vals, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, vals)
}

// ModifyPlan refuses, at plan time, a placement that the provider's token cannot make.
func (r *nodeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requireAdministrator(ctx, r.data, "orka_node", req, resp, "name")
}
