package provider

import (
	"context"
	"encoding/json"
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
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	Namespace     types.String `tfsdk:"namespace"`
	Tags          types.Set    `tfsdk:"tags"`
	TakeFromOther types.Bool   `tfsdk:"take_from_other_namespace"`
	AllTags       types.Set    `tfsdk:"all_tags"`
	IP            types.String `tfsdk:"ip"`
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
			"removes `tags` from the node and releases the node to `orka-default`. The node is moved before any tag is " +
			"changed, so a move that Orka refuses leaves the node as it was; a failure after the move is recorded " +
			"in the state as far as it got, and the next apply finishes the job.\n\n" +
			"A node has one place: declare each node in one `orka_node` only. Two blocks for the same node in one " +
			"configuration are refused at plan. Across configurations (workspaces), this resource moves a node only " +
			"out of `orka-default` or out of the namespace it put the node in itself; a node that another " +
			"configuration, or an administrator, has placed in a namespace of their own is taken from there only " +
			"with `take_from_other_namespace = true`, and is left where it is when this resource is destroyed.\n\n" +
			"Orka moves a node only when it runs no VM, so a move of a node that runs VMs is refused, naming them: at " +
			"plan, unless every one of them carries this configuration's mark (this apply may delete those before " +
			"the move; where Orka does not report VM metadata, no VM does), and otherwise at apply. Make " +
			"VMs that need the node depend on this resource (for example `depends_on`, or `namespace = " +
			"orka_node.x.namespace`), so that Terraform moves the node before deploying them and deletes them before " +
			"releasing it. Tags the node carries that are not in `tags` are left alone (see `all_tags`).\n\n" +
			"**Freeing a node that VMs of another workspace use.** When node placement lives in an administrator's " +
			"workspace and the VMs in pool workspaces (one per team namespace, with namespace-bound tokens), move a " +
			"node from pool A to pool B in this order: (1) in pool A's workspace, remove or scale down the `orka_vm` " +
			"resources that run on the node and apply, so that the node runs no VM; (2) in the administrator's " +
			"workspace, change the node's `namespace` to pool B's namespace and apply (the plan names any VM still " +
			"running there); (3) apply pool B's workspace, whose VMs can now be scheduled on the node. Releasing a " +
			"node (destroying its `orka_node`) follows steps (1) and (2) the same way. If the node was placed by " +
			"another administrator's configuration, release it there first, or set `take_from_other_namespace`.\n\n" +
			"Node placement is assumed to survive every kind of Orka upgrade (nodes are cluster objects; MacStadium " +
			"does not say). Needs an administrator's token.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The node's name.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of an existing node, as `orka3 node list` shows it (for example `mini-arm-1`). " +
					"Changing it releases this node and places the other one. Each node may be named by one " +
					"`orka_node` of a configuration only.",
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
				ElementType:   types.StringType,
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Set{emptyAsUnsetSet()},
				Validators:    []validator.Set{setvalidator.ValueStringsAre(nodeTagValidator(nodeTagMaxLen))},
			},
			"take_from_other_namespace": schema.BoolAttribute{
				MarkdownDescription: "Allow moving the node out of a namespace other than `orka-default` that this " +
					"resource did not put it in: a namespace another configuration (another workspace) or an " +
					"administrator placed it in, whose VMs may rely on it. Defaults to `false`, and then such a move is " +
					"refused at plan with the namespace the node is in, so that two workspaces never pass a node back " +
					"and forth without a word. A node in `orka-default`, or in the namespace this resource put it in " +
					"(or found it in when it was imported), moves without it.",
				Optional: true,
			},
			"all_tags": schema.SetAttribute{
				MarkdownDescription: "Every tag the node carries, including tags given to it outside this resource.",
				ElementType:         types.StringType,
				Computed:            true,
				PlanModifiers:       []planmodifier.Set{unknownWhenEmptied("tags")},
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
	name, target := plan.Name.ValueString(), plan.Namespace.ValueString()
	summary := fmt.Sprintf("Could not place node %q", name)
	node, ok := r.findNode(ctx, name, summary, &resp.Diagnostics)
	if !ok {
		return
	}
	if !mayTake(node, target, "", plan.TakeFromOther.ValueBool(), &resp.Diagnostics) {
		return
	}
	p := r.place(ctx, node, target, setStrings(plan.Tags), nil)
	if !p.failed() {
		p.warnReadBack(&resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(&p.node, plan.Tags, plan.TakeFromOther))...)
		resp.Diagnostics.Append(setPlacedIn(ctx, resp.Private, target)...)
		return
	}
	// A node that was moved (or tagged) is recorded as it now is, so that removing or changing
	// this resource later still releases it. Terraform marks a create that failed as tainted.
	recorded := p.changed()
	p.report(&resp.Diagnostics, summary, recorded, "Terraform marks a resource whose create failed as "+
		"tainted, so the next apply releases the node and places it again; to finish in place instead, run "+
		"`terraform untaint` on this orka_node first, then apply.")
	if !recorded {
		return // nothing changed: the next apply starts afresh
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(&p.node,
		recordedTags(plan.Tags, types.SetNull(types.StringType), p.node.OrkaTags), plan.TakeFromOther))...)
	if p.node.Namespace == target {
		resp.Diagnostics.Append(setPlacedIn(ctx, resp.Private, target)...)
	}
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
	if placedIn(ctx, req.Private) == "" {
		// A state written before the placement was recorded apart: the namespace of the prior
		// state is where the last apply put the node. A node just imported (no namespace yet)
		// is adopted where it is.
		placed := state.Namespace.ValueString()
		if placed == "" {
			placed = node.Namespace
		}
		resp.Diagnostics.Append(setPlacedIn(ctx, resp.Private, placed)...)
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
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(node, tags, state.TakeFromOther))...)
}

func (r *nodeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan, state nodeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, target := plan.Name.ValueString(), plan.Namespace.ValueString()
	summary := fmt.Sprintf("Could not place node %q", name)
	node, ok := r.findNode(ctx, name, summary, &resp.Diagnostics)
	if !ok {
		return
	}
	placed := placedOr(ctx, req.Private, state.Namespace.ValueString())
	if !mayTake(node, target, placed, plan.TakeFromOther.ValueBool(), &resp.Diagnostics) {
		return
	}
	want := setStrings(plan.Tags)
	var drop []string
	for _, t := range setStrings(state.Tags) {
		if !slices.Contains(want, t) {
			drop = append(drop, t)
		}
	}
	p := r.place(ctx, node, target, want, drop)
	if !p.failed() {
		p.warnReadBack(&resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(&p.node, plan.Tags, plan.TakeFromOther))...)
		resp.Diagnostics.Append(setPlacedIn(ctx, resp.Private, target)...)
		return
	}
	recorded := p.changed()
	p.report(&resp.Diagnostics, summary, recorded, "Apply again to finish.")
	if !recorded {
		return // the state stays as it was, and so does the node
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, nodeState(&p.node,
		recordedTags(plan.Tags, state.Tags, p.node.OrkaTags), plan.TakeFromOther))...)
	if p.moved {
		resp.Diagnostics.Append(setPlacedIn(ctx, resp.Private, target)...)
	}
}

// Delete releases the node to orka-default and removes the managed tags. A node that someone
// else has since placed in a namespace of their own is theirs now, and is left alone.
func (r *nodeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state nodeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	summary := fmt.Sprintf("Could not release node %q", name)
	node, err := r.data.client.FindNode(ctx, name)
	if orka.IsNotFound(err) {
		return
	}
	if err != nil {
		addAdminAPIError(&resp.Diagnostics, summary, err)
		return
	}
	placed := placedOr(ctx, req.Private, state.Namespace.ValueString())
	if node.Namespace != orka.DefaultNamespace && node.Namespace != placed {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Node %q left where it is", name),
			fmt.Sprintf("Node %q is in namespace %q, not in %q where this orka_node put it: another configuration, or "+
				"an administrator, has placed it there since. It is theirs now, so it was neither released to %q "+
				"nor untagged, and it has been removed from this configuration's state.",
				name, node.Namespace, placed, orka.DefaultNamespace))
		return
	}
	p := r.place(ctx, node, orka.DefaultNamespace, nil, setStrings(state.Tags))
	if p.failed() {
		// Delete keeps the prior state on an error; the next refresh records where the node is.
		p.report(&resp.Diagnostics, summary, false, "")
	}
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

// The namespace this resource put its node in is kept in private state, apart from the
// namespace attribute, which every refresh overwrites with where the node is now: a node that
// sits elsewhere than both orka-default and that namespace was placed there by someone else.
const nodePlacedKey = "placed_in"

func placedIn(ctx context.Context, p privateState) string {
	if p == nil {
		return ""
	}
	raw, _ := p.GetKey(ctx, nodePlacedKey)
	var ns string
	if len(raw) == 0 || json.Unmarshal(raw, &ns) != nil {
		return ""
	}
	return ns
}

// placedOr is placedIn, or for a state that has no record yet (written by an earlier version,
// and not refreshed since) the namespace it holds.
func placedOr(ctx context.Context, p privateState, stateNamespace string) string {
	if ns := placedIn(ctx, p); ns != "" {
		return ns
	}
	return stateNamespace
}

func setPlacedIn(ctx context.Context, p privateSetter, namespace string) diag.Diagnostics {
	if p == nil {
		return nil
	}
	raw, _ := json.Marshal(namespace)
	return p.SetKey(ctx, nodePlacedKey, raw)
}

// mayTake refuses to take a node out of a namespace that is neither orka-default nor the one
// this resource put it in (placed, "" for a create), unless take is set.
func mayTake(node *orka.Node, target, placed string, take bool, diags *diag.Diagnostics) bool {
	if take || node.Namespace == target || node.Namespace == orka.DefaultNamespace || node.Namespace == placed {
		return true
	}
	diags.AddAttributeError(path.Root("namespace"), fmt.Sprintf("Node %q belongs to another namespace", node.Name),
		takeRefusal(node.Name, node.Namespace, target))
	return false
}

func takeRefusal(name, current, target string) string {
	return fmt.Sprintf("Node %q is in namespace %q, and this orka_node did not put it there: another configuration "+
		"(another workspace) or an administrator placed it in that namespace, whose VMs may rely on it. Moving it to "+
		"namespace %q would take it from them without a word, so it is left where it is. If taking it is intended, set "+
		"take_from_other_namespace = true on this orka_node. Otherwise choose another node, or have the "+
		"configuration that placed the node release it (destroy its orka_node, or move it to orka-default with "+
		"`orka3 node namespace`) and plan again.", name, current, target)
}

// placement is what place did to a node, and where it stopped.
type placement struct {
	// node is the node as the requests that succeeded left it (namespace and tags), or as Orka
	// lists it after all of them.
	node      orka.Node
	target    string
	from      string // the namespace the node was in
	add, drop []string
	moved     bool
	added     []string
	removed   []string
	step      string // the step that failed ("" when none did)
	err       error
	readErr   error    // reading the node back after it was placed failed
	busy      []string // the VMs that kept the node from moving
	refused   bool     // Orka itself refused the move (409): it runs VMs
}

func (p *placement) changed() bool { return p.moved || len(p.added) > 0 || len(p.removed) > 0 }

// place moves node to target when it is elsewhere (refusing, with the VMs named, while it runs
// any), and only then removes the tags of drop it carries and adds the tags of add it lacks,
// so that a move Orka refuses changes nothing. It stops at the first failure, which the
// placement records with what was done before it.
func (r *nodeResource) place(ctx context.Context, node *orka.Node, target string, add, drop []string) *placement {
	client := r.data.client
	name := node.Name
	p := &placement{node: *node, target: target, from: node.Namespace, add: add, drop: drop}
	p.node.OrkaTags = slices.Clone(node.OrkaTags)
	if node.Namespace != target {
		busy, err := r.vmsOnNode(ctx, node)
		switch {
		case err != nil:
			p.step, p.err = fmt.Sprintf("listing the VMs of namespace %q to see whether node %q runs any", node.Namespace, name), err
			return p
		case len(busy) > 0:
			p.busy = busy
			return p
		}
		err = r.move(ctx, node.Namespace, name, target)
		if orka.IsConflict(err) {
			p.refused, p.err = true, err
			return p
		}
		if err != nil {
			p.step, p.err = fmt.Sprintf("moving node %q from namespace %q to %q", name, node.Namespace, target), err
			return p
		}
		p.moved, p.node.Namespace = true, target
	}
	for _, t := range drop {
		if !slices.Contains(p.node.OrkaTags, t) {
			continue
		}
		err := resendIfLost(func() error { return client.UntagNode(ctx, target, name, t) })
		if err != nil && !orka.IsNotFound(err) {
			p.step, p.err = fmt.Sprintf("removing tag %q from node %q in namespace %q", t, name, target), err
			return p
		}
		p.node.OrkaTags = slices.DeleteFunc(p.node.OrkaTags, func(x string) bool { return x == t })
		p.removed = append(p.removed, t)
	}
	for _, t := range add {
		// After a move the tags are sent again: whether Orka keeps a node's tags across a move
		// is not documented.
		carried := slices.Contains(p.node.OrkaTags, t)
		if carried && !p.moved {
			continue
		}
		if err := resendIfLost(func() error { return client.TagNode(ctx, target, name, t) }); err != nil {
			p.step, p.err = fmt.Sprintf("adding tag %q to node %q in namespace %q", t, name, target), err
			return p
		}
		if !carried {
			p.node.OrkaTags = append(p.node.OrkaTags, t)
			p.added = append(p.added, t)
		}
	}
	// Every request succeeded, so what they did is known; the read only brings the rest of
	// what Orka lists (a failed read is reported by warnReadBack).
	got, err := client.GetNode(ctx, target, name)
	if err != nil {
		p.readErr = err
		return p
	}
	p.node = *got
	return p
}

// failed reports whether place stopped short of its target.
func (p *placement) failed() bool { return p.err != nil || len(p.busy) > 0 }

// warnReadBack reports a placement that was carried out but could not be read back.
func (p *placement) warnReadBack(diags *diag.Diagnostics) {
	if p.readErr == nil {
		return
	}
	diags.AddWarning(fmt.Sprintf("Node %q placed, but not read back", p.node.Name),
		fmt.Sprintf("Node %q was placed in namespace %q with its tags, but reading it back failed, so the state "+
			"records it from what the requests did; the next refresh reads it from Orka.\n\n%s",
			p.node.Name, p.target, apiErrorDetail(p.readErr)))
}

// report adds the diagnostic of a placement that stopped short: what was done, what failed,
// what is left, and (recorded) that the state holds the node as it now is, then next.
func (p *placement) report(diags *diag.Diagnostics, summary string, recorded bool, next string) {
	name := p.node.Name
	if len(p.busy) > 0 {
		diags.AddError(fmt.Sprintf("Node %q runs VMs and cannot move", name),
			fmt.Sprintf("Node %q is in namespace %q and runs %d VM(s) there: %s. It cannot move to namespace %q now, so "+
				"nothing was changed. %s", name, p.from, len(p.busy), strings.Join(p.busy, ", "), p.target, idleAdvice))
		return
	}
	if p.refused {
		diags.AddError(summary, fmt.Sprintf("Orka refused to move node %q from namespace %q to %q because it runs "+
			"VMs, so nothing was changed. %s\n\n%s", name, p.from, p.target, idleAdvice, p.err))
		return
	}
	var b strings.Builder
	if done := p.doneText(); done != "" {
		fmt.Fprintf(&b, "Done: %s. ", done)
	} else {
		b.WriteString("Nothing was changed. ")
	}
	fmt.Fprintf(&b, "Failed: %s. ", p.step)
	if left := p.leftText(); left != "" {
		fmt.Fprintf(&b, "Left to do: %s. ", left)
	}
	if recorded {
		fmt.Fprintf(&b, "The node is recorded in the Terraform state as it now is (namespace %q, managed tags "+
			"it carries), so that a later change or a destroy still starts from where it really is. ", p.node.Namespace)
	}
	b.WriteString(next)
	addAPIError(diags, summary, fmt.Errorf("%s: %w", strings.TrimSpace(b.String()), p.err))
}

func (p *placement) doneText() string {
	var done []string
	if p.moved {
		done = append(done, fmt.Sprintf("moved node %q from namespace %q to %q", p.node.Name, p.from, p.target))
	}
	if len(p.removed) > 0 {
		done = append(done, "removed tag(s) "+quoteAll(p.removed))
	}
	if len(p.added) > 0 {
		done = append(done, "added tag(s) "+quoteAll(p.added))
	}
	return strings.Join(done, ", ")
}

func (p *placement) leftText() string {
	var left, add, drop []string
	if p.node.Namespace != p.target {
		left = append(left, fmt.Sprintf("move node %q from namespace %q to %q", p.node.Name, p.node.Namespace, p.target))
	}
	for _, t := range p.drop {
		if slices.Contains(p.node.OrkaTags, t) {
			drop = append(drop, t)
		}
	}
	for _, t := range p.add {
		if !slices.Contains(p.node.OrkaTags, t) {
			add = append(add, t)
		}
	}
	if len(drop) > 0 {
		left = append(left, "remove tag(s) "+quoteAll(drop))
	}
	if len(add) > 0 {
		left = append(left, "add tag(s) "+quoteAll(add))
	}
	return strings.Join(left, ", ")
}

func quoteAll(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// recordedTags are the managed tags of a placement that stopped short: those of the plan and of
// the prior state that the node now carries. A planned tag not added yet, and a dropped one
// still on the node, then show as changes, and the next apply makes them.
func recordedTags(plan, prior types.Set, carried []string) types.Set {
	var managed []string
	for _, t := range append(setStrings(plan), setStrings(prior)...) {
		if slices.Contains(carried, t) && !slices.Contains(managed, t) {
			managed = append(managed, t)
		}
	}
	if len(managed) == 0 && plan.IsNull() {
		return plan
	}
	slices.Sort(managed)
	return stringSet(managed)
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
	"orka_vm resources that deployed them, in the workspace that manages them, or `orka3 vm delete <name> " +
	"--namespace <namespace>` once their jobs are done), or choose an idle node, then apply again. Make the orka_vm " +
	"resources of a namespace depend on its orka_node resources, so that Terraform orders this itself within one " +
	"configuration."

// vmsOnNode names the VMs that run on a node (a namespace's VMs run only on its nodes).
func (r *nodeResource) vmsOnNode(ctx context.Context, node *orka.Node) ([]string, error) {
	vms, err := r.data.client.ListVMs(ctx, node.Namespace)
	if err != nil {
		return nil, err
	}
	var on []string
	for _, vm := range vms {
		if vm.Node == node.Name {
			on = append(on, vm.Name)
		}
	}
	return on, nil
}

// nodeState is the state of a node as Orka lists it, with the managed tags given.
func nodeState(n *orka.Node, tags types.Set, take types.Bool) nodeModel {
	// No tags are recorded as an empty set, the form an unset tags argument plans (emptyAsUnset).
	if tags.IsNull() || len(tags.Elements()) == 0 {
		tags = types.SetValueMust(types.StringType, nil)
	}
	ip := n.NodeIP
	if ip == "" {
		ip = n.IP
	}
	return nodeModel{
		ID: types.StringValue(n.Name), Name: types.StringValue(n.Name), Namespace: types.StringValue(n.Namespace),
		Tags: tags, TakeFromOther: take, AllTags: stringSet(n.OrkaTags), IP: stringOrNull(ip),
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
