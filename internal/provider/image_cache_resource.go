package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                     = (*imageCacheResource)(nil)
	_ resource.ResourceWithConfigure        = (*imageCacheResource)(nil)
	_ resource.ResourceWithIdentity         = (*imageCacheResource)(nil)
	_ resource.ResourceWithImportState      = (*imageCacheResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*imageCacheResource)(nil)
	_ resource.ResourceWithConfigValidators = (*imageCacheResource)(nil)
)

const (
	imageCacheDefaultCreateTimeout = 60 * time.Minute
	imageCacheDefaultDeleteTimeout = 10 * time.Minute
)

// NewImageCacheResource is orka_image_cache: an image kept in the local cache of Apple-silicon
// nodes, so VMs start without pulling it. Every release and layer upgrade empties the caches.
func NewImageCacheResource() resource.Resource { return &imageCacheResource{} }

type imageCacheResource struct {
	data *providerData
}

type imageCacheModel struct {
	ID         types.String   `tfsdk:"id"`
	Namespace  types.String   `tfsdk:"namespace"`
	Image      types.String   `tfsdk:"image"`
	Nodes      types.Set      `tfsdk:"nodes"`
	Tags       types.Set      `tfsdk:"tags"`
	All        types.Bool     `tfsdk:"all"`
	NodeStatus types.Map      `tfsdk:"node_status"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

func (r *imageCacheResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_cache"
}

func (r *imageCacheResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	selector := func(each validator.String) []validator.Set {
		return []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(each)}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Caches an image on Apple-silicon nodes (`orka3 imagecache add`), so that VMs from it start " +
			"without pulling it first. Creating it waits until every targeted node reports the image `Ready`. " +
			"Orka release and layer upgrades remove every cached image: the cache is then found missing, removed " +
			"from state with a warning, and the next apply caches the image again. Destroying it removes the image " +
			"from each node and waits until every node has finished removing it (`Removing`, then gone).\n\n" +
			"Orka records no owner for a cached image, so this resource owns only a cache it made. An image already " +
			"cached (in any status but `Removing`) on a node it targets when it is created, by hand or by another " +
			"configuration, is not adopted: the create fails with \"Object already exists in Orka\" and names the " +
			"nodes, and nothing is sent. To manage that cache here, import it (`namespace/image`); destroying the " +
			"resource then removes the image from every node it targets, whoever cached it there. Declare each " +
			"image and node in one configuration only: after an upgrade empties the cache, a second configuration " +
			"that imported it too is refused until it imports it again. Should the cache " +
			"vanish from nodes while it is being created (an upgrade, someone's removal), the image is added again " +
			"once; should it vanish again, the create fails at once rather than waiting for the create timeout, and " +
			"the cache is recorded only if some targeted node still holds the image (tainted, so the next apply " +
			"replaces it). Otherwise the next apply caches the image again.\n\n" +
			"To cache an image again after it was committed again under the same name (by `orka_vm_save`, say), " +
			"replace this resource, for example with `lifecycle { replace_triggered_by = [...] }` on what marks " +
			"the commit: Orka 3.6.3 and later skip caching an image whose name is still cached, so the removal " +
			"must finish before the image is added again, which the default replacement order (destroy, then " +
			"create) guarantees. Do not set `create_before_destroy` on this resource.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/image`.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace whose nodes cache the image. Defaults to the provider's `namespace`.",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{namespaceNameValidator()},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "Image to cache: a local image name or an OCI reference such as `ghcr.io/org/macos:sonoma`.", Required: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{imageValidator()},
			},
			// Orka does not record the selector: an import pins the nodes that hold the image,
			// and the configuration's selector is then recorded without a replacement.
			"nodes": schema.SetAttribute{
				MarkdownDescription: "Cache on these nodes. Exactly one of `nodes`, `tags` and `all` must be set.",
				ElementType:         types.StringType, Optional: true, Validators: selector(nodeNameValidator()),
				PlanModifiers: []planmodifier.Set{replaceUnlessImportedSet()},
			},
			"tags": schema.SetAttribute{
				MarkdownDescription: "Cache on the nodes that carry all of these Orka node tags.",
				ElementType:         types.StringType, Optional: true, Validators: selector(nodeTagValidator(nodeTagMaxLen)),
				PlanModifiers: []planmodifier.Set{replaceUnlessImportedSet()},
			},
			"all": schema.BoolAttribute{
				MarkdownDescription: "Cache on every node of the namespace. Only `true` is meaningful; to cache on " +
					"some nodes, set `nodes` or `tags` instead.", Optional: true,
				PlanModifiers: []planmodifier.Bool{replaceUnlessImportedBool()},
				Validators: []validator.Bool{onlyTrueValidator{
					instead: "To cache on every node set all = true; to cache on some nodes, remove all and set nodes or tags.",
				}},
			},
			"node_status": schema.MapAttribute{
				MarkdownDescription: "Cache status per targeted node: `Caching`, `Ready`, `Failed` or `Removing`.",
				ElementType:         types.StringType, Computed: true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{
				Create: true, Delete: true,
				CreateDescription: fmt.Sprintf("How long to wait for every node to be `Ready`, default `%s`.", imageCacheDefaultCreateTimeout),
			}),
		},
	}
}

func (r *imageCacheResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("nodes"), path.MatchRoot("tags"), path.MatchRoot("all")),
	}
}

func (r *imageCacheResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *imageCacheResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
}

// request is the add/remove body for the configured selector.
func (m imageCacheModel) request(ctx context.Context) (orka.ImageCacheRequest, error) {
	req := orka.ImageCacheRequest{Image: m.Image.ValueString(), All: m.All.ValueBool()}
	for _, s := range []struct {
		set types.Set
		out *[]string
	}{{m.Nodes, &req.Nodes}, {m.Tags, &req.Tags}} {
		if s.set.IsNull() || s.set.IsUnknown() {
			continue
		}
		if d := s.set.ElementsAs(ctx, s.out, false); d.HasError() {
			return req, fmt.Errorf("reading the node selector: %v", d)
		}
		sort.Strings(*s.out)
	}
	return req, nil
}

func (r *imageCacheResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer imageCacheIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan imageCacheModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	createTimeout, d := plan.Timeouts.Create(ctx, imageCacheDefaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()

	ns := r.data.namespaceOr(plan.Namespace)
	add, err := plan.request(ctx)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Invalid node selector for image %q", plan.Image.ValueString()), err.Error())
		return
	}
	what := fmt.Sprintf("image %q in namespace %q", add.Image, ns)
	summary := "Could not cache " + what
	plan.ID = types.StringValue(ns + "/" + add.Image)
	plan.Namespace = types.StringValue(ns)
	client := r.data.client
	// An image already cached on a node this resource targets is someone else's: refused, not
	// adopted (image_cache_create.go says why). Looked up before the add, so that what appears
	// after our own add, even one whose answer was lost, is ours.
	before, err := cachedBeforeAdd(ctx, client, ns, add)
	if err != nil {
		addAPIError(&resp.Diagnostics, summary, fmt.Errorf("looking up whether the image is already cached, "+
			"before caching it (nothing was sent): %w", err))
		return
	}
	inflight := inflightKey{"image_cache", ns + "/" + add.Image}
	switch {
	case len(before) > 0 && inflight.survived():
		// This working directory's record says an apply sent this add and never saw its
		// outcome (it was killed): the entries are the ones it made. The add is sent again,
		// which changes nothing on nodes that hold the image, and the wait below takes over.
		tflog.Info(ctx, "adopting the image cache of an add that an interrupted apply sent")
	case len(before) > 0:
		existsDiagnostic(&resp.Diagnostics, "image", fmt.Sprintf("%s, already cached on %s before this create",
			what, describeCacheNodes(before)), ns+"/"+add.Image, &existsError{})
		return
	}
	_, err = runCreate(ctx, createSpec[*orka.ImageCache]{
		inflight:   inflight,
		idempotent: true,
		send:       func(ctx context.Context) (*orka.ImageCache, error) { return nil, client.AddImageCache(ctx, ns, add) },
		lookup: func(ctx context.Context) (*orka.ImageCache, error) {
			return client.GetImageCache(ctx, ns, add.Image)
		},
		mismatch: func(*orka.ImageCache) string { return "" },
	})
	var partial *orka.ImageCachePartialError
	if errors.As(err, &partial) {
		// Orka took the add and reported failed nodes: the cache exists, so it is recorded,
		// tainted by the error, and the next apply removes it and caches the image again.
		plan.NodeStatus = types.MapNull(types.StringType)
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		resp.Diagnostics.AddError(summary, partial.Error()+"\n\nThe cache is kept in the Terraform state as tainted; "+
			"the next apply removes it and caches the image again.")
		return
	}
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "image", what, ns+"/"+add.Image, err) {
			plan.NodeStatus = types.MapNull(types.StringType)
			recordUnknown(ctx, resp, plan, summary, err)
		}
		return
	}
	cache, err := r.waitCached(ctx, ns, add)
	var vanished *cacheVanishedError
	if errors.As(err, &vanished) && !cachedOnTargets(cache, add.Nodes) {
		// Nothing of it is left to track: the resource stays out of the state, and the next
		// apply caches the image again.
		resp.Diagnostics.AddError(summary, err.Error()+"\n\nNothing is cached on the targeted nodes, so nothing "+
			"was recorded in the Terraform state: apply again to cache the image again, once whatever removed it "+
			"(an upgrade in progress, someone's removal) has ended.")
		return
	}
	status, d := nodeStatusMap(ctx, cache, add.Nodes)
	resp.Diagnostics.Append(d...)
	plan.NodeStatus = status
	// Orka accepted the cache from here on, so, unless nothing of it is left (above), it is
	// recorded. Only a node that failed to cache, or a cache that vanished again and is left on
	// some nodes only, is an error (and the cache is then tainted, so the next apply removes
	// what is left and tries again); a wait cut short (timeout, maintenance, a token rejected)
	// is not: Orka goes on caching, and deleting the cache to start again would throw that
	// work away.
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	var failed *cacheFailedError
	switch {
	case err == nil:
	case errors.As(err, &failed), errors.As(err, &vanished):
		resp.Diagnostics.AddError(summary, err.Error()+
			"\n\nThe cache is kept in the Terraform state as tainted; the next apply removes it and caches the image again.")
	default:
		resp.Diagnostics.AddWarning("Caching of "+what+" is still in progress",
			fmt.Sprintf("Orka accepted the cache, but waiting for it ended early: %s\n\nThe cache is recorded in the "+
				"Terraform state and Orka goes on caching; node_status shows each node's progress after the next "+
				"refresh. Nothing needs to be done.", apiErrorDetail(err)))
	}
}

// cacheFailedError is a node that reported Failed while caching.
type cacheFailedError struct{ nodes []string }

func (e *cacheFailedError) Error() string {
	return "caching failed on " + strings.Join(e.nodes, ", ")
}

// cacheNodesWith lists the targeted nodes in the given status ("" targets: every node
// the cache reports).
func cacheNodesWith(c *orka.ImageCache, targets []string, status string) []string {
	var out []string
	for _, n := range targetedCacheNodes(c, targets) {
		if n.Status == status {
			out = append(out, n.Node)
		}
	}
	return out
}

// cacheNodesNot lists the targeted nodes not in the given status, with their status; a
// targeted node that the cache does not report at all is listed as missing.
func cacheNodesNot(c *orka.ImageCache, targets []string, status string) []string {
	var out []string
	for _, n := range targetedCacheNodes(c, targets) {
		if n.Status != status {
			out = append(out, n.Node+" ("+n.Status+")")
		}
	}
	return out
}

// cacheNodesNotIn lists the targeted nodes in none of the given statuses.
func cacheNodesNotIn(c *orka.ImageCache, targets []string, statuses ...string) []string {
	var out []string
	for _, n := range targetedCacheNodes(c, targets) {
		if !slices.Contains(statuses, n.Status) {
			out = append(out, n.Node)
		}
	}
	return out
}

func targetedCacheNodes(c *orka.ImageCache, targets []string) []orka.ImageCacheNode {
	if c == nil {
		c = &orka.ImageCache{}
	}
	if len(targets) == 0 {
		return c.Nodes
	}
	byName := map[string]string{}
	for _, n := range c.Nodes {
		byName[n.Node] = n.Status
	}
	out := make([]orka.ImageCacheNode, 0, len(targets))
	for _, t := range targets {
		status, ok := byName[t]
		if !ok {
			status = "missing"
		}
		out = append(out, orka.ImageCacheNode{Node: t, Status: status})
	}
	return out
}

func nodeStatusMap(ctx context.Context, c *orka.ImageCache, targets []string) (types.Map, diag.Diagnostics) {
	m := map[string]string{}
	for _, n := range targetedCacheNodes(c, targets) {
		m[n.Node] = n.Status
	}
	return types.MapValueFrom(ctx, types.StringType, m)
}

func (r *imageCacheResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer imageCacheIdentity.syncRead(ctx, req, resp)
	var state imageCacheModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns, image := r.data.namespaceOr(state.Namespace), state.Image.ValueString()
	defer inflightKey{"image_cache", ns + "/" + image}.done() // Terraform has it in its state
	what := fmt.Sprintf("The cache of image %q in namespace %q", image, ns)
	// The nodes this resource cached on: the configured ones, or those recorded at create.
	var targets []string
	if !state.Nodes.IsNull() {
		resp.Diagnostics.Append(state.Nodes.ElementsAs(ctx, &targets, false)...)
	} else if !state.NodeStatus.IsNull() {
		var recorded map[string]string
		resp.Diagnostics.Append(state.NodeStatus.ElementsAs(ctx, &recorded, false)...)
		for n := range recorded {
			targets = append(targets, n)
		}
		sort.Strings(targets)
	}
	// Absent, or missing from a node it was cached on, is confirmed by a second look.
	var missing []string
	cache, err := getConfirmed(ctx, func(ctx context.Context) (*orka.ImageCache, error) {
		cache, err := r.data.client.RefreshImageCache(ctx, ns, image)
		if err != nil {
			return nil, err
		}
		if missing = cacheNodesWith(cache, targets, "missing"); len(missing) > 0 {
			return cache, errAbsent(fmt.Sprintf("cache of image %q on node(s) %s", image, strings.Join(missing, ", ")))
		}
		return cache, nil
	})
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Could not read the cache of image "+fmt.Sprintf("%q in namespace %q", image, ns), err)
		return
	}
	if readPending(ctx, req, resp, what, cache != nil, "") {
		return
	}
	switch {
	case cache == nil:
		removeGone(ctx, resp, what)
		return
	case len(missing) > 0:
		removeGone(ctx, resp, fmt.Sprintf("%s on node(s) %s", what, strings.Join(missing, ", ")))
		return
	}
	status, d := nodeStatusMap(ctx, cache, targets)
	resp.Diagnostics.Append(d...)
	state.NodeStatus = status
	state.Namespace = types.StringValue(ns)
	state.ID = types.StringValue(ns + "/" + image)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update only records configuration: every argument forces replacement, except the selector
// of a cache just imported.
func (r *imageCacheResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer imageCacheIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	recordPlan(ctx, req, resp)
}

func (r *imageCacheResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageCacheModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	remove, err := state.request(ctx)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Invalid node selector for image %q", state.Image.ValueString()), err.Error())
		return
	}
	if len(remove.Nodes) == 0 && len(remove.Tags) == 0 && !remove.All {
		// Imported without a selector: remove it where it is.
		remove.All = true
	}
	results, err := r.data.client.RemoveImageCacheWithResults(ctx, ns, remove)
	if orka.IsAmbiguous(err) {
		// The removal may have been carried out: look before reporting a failure, and send it
		// again (removing twice is harmless) only when the image is still cached.
		lctx, cancel := graceContext(ctx)
		cache, gerr := r.data.client.GetImageCache(lctx, ns, remove.Image)
		cancel()
		switch {
		case orka.IsNotFound(gerr), gerr == nil && len(cacheNodesWith(cache, remove.Nodes, "missing")) == len(remove.Nodes) && len(remove.Nodes) > 0:
			err = nil
		case gerr == nil && len(cacheNodesNotIn(cache, remove.Nodes, "missing", orka.CacheStatusRemoving)) == 0:
			err = nil // being removed: the lost request was carried out
		case gerr == nil:
			results, err = r.data.client.RemoveImageCacheWithResults(ctx, ns, remove)
		}
	}
	what := fmt.Sprintf("Could not remove the cache of image %q in namespace %q", remove.Image, ns)
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, what, err)
		return
	}
	// Removal runs as a job on each node (Removing, then gone; or Failed, still cached). Wait
	// for it: caching the image again right away, as a replacement does, would otherwise meet
	// the old entry, and Orka (3.6.3 and later) skips re-caching an image committed again under
	// the same name unless it was removed first.
	targets := remove.Nodes
	if len(targets) == 0 {
		for _, res := range results {
			targets = append(targets, res.Node)
		}
	}
	if len(targets) == 0 && !remove.All {
		return // a tag selector on a cluster that does not say which nodes it removed from
	}
	deleteTimeout, d := state.Timeouts.Delete(ctx, imageCacheDefaultDeleteTimeout)
	resp.Diagnostics.Append(d...)
	wctx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	var cache *orka.ImageCache
	err = poll(wctx, func() (bool, error) {
		var err error
		cache, err = r.data.client.GetImageCache(orka.Fresh(wctx), ns, remove.Image)
		switch {
		case orka.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, err
		}
		if failed := cacheNodesWith(cache, targets, orka.CacheStatusFailed); len(failed) > 0 {
			return false, fmt.Errorf("removal failed on %s: Orka keeps the image cached there; destroy again to retry",
				strings.Join(failed, ", "))
		}
		return len(cacheNodesWith(cache, targets, "missing")) == len(targetedCacheNodes(cache, targets)), nil
	}, func() error {
		return fmt.Errorf("the delete timeout ran out while nodes were still removing the image: %s",
			strings.Join(cacheNodesNot(cache, targets, "missing"), ", "))
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, what, err)
	}
}

func (r *imageCacheResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer imageCacheIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = imageCacheIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts:   []importPart{namespacePart, {name: "image", rule: imageProblem, rest: true}},
		example: "orka-default/ghcr.io/acme/macos:sonoma",
	})
	if !ok {
		return
	}
	ns, image := id[0], id[1]
	cache, err := r.data.client.GetImageCache(ctx, ns, image)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not import the cache of image %q in namespace %q", image, ns), err)
		return
	}
	// The selector is not recorded by Orka: the import pins the nodes that hold the image now.
	nodes := make([]string, 0, len(cache.Nodes))
	for _, n := range cache.Nodes {
		nodes = append(nodes, n.Node)
	}
	set, d := types.SetValueFrom(ctx, types.StringType, nodes)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ns+"/"+image)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("image"), image)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("nodes"), set)...)
	markImported(ctx, resp)
}
