package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// listResource is the list resource (Terraform 1.14 `terraform query`) of one managed resource
// type. Every type lists the same way: the namespaces asked for, filtered by name, each object
// as its Read would record it, with its identity, so that `terraform query
// -generate-config-out` writes configuration and import blocks that plan as imports only.
type listResource struct {
	spec listSpec
	data *providerData
}

var (
	_ list.ListResource              = (*listResource)(nil)
	_ list.ListResourceWithConfigure = (*listResource)(nil)
)

// listSpec is what differs between types.
type listSpec struct {
	typeName string // without the provider prefix, e.g. "_vm"
	plural   string // "VMs", for docs and messages
	identity objectIdentity
	// clusterScoped types (VM configs, namespaces) ignore namespaces.
	clusterScoped bool
	// extra filter arguments, and the predicate they make (nil: none).
	extra  map[string]listschema.Attribute
	accept func(ctx context.Context, cfg tfsdk.Config, it listItem, diags *diag.Diagnostics) bool
	// check refuses filters that can match nothing, such as a node no listed namespace has
	// (nil: none).
	check func(ctx context.Context, pd *providerData, cfg tfsdk.Config, namespaces []string, diags *diag.Diagnostics)
	// items returns the objects of one namespace ("" for cluster-scoped types).
	items func(ctx context.Context, pd *providerData, ns string, to timeouts.Value) ([]listItem, error)
	// markable: Orka holds this provider's mark on objects of this type (VMs), so the mark
	// filter can tell who deployed each one. Objects of other types are all unmarked.
	markable bool
	// workspace is where the documented layout keeps objects of this type: adminWorkspace or
	// poolWorkspace.
	workspace string
	// note is what the type's docs add about its generated configuration ("" for nothing).
	note string
}

// The documented layout: objects that need an administrator's token live in one workspace,
// the pool a team runs in another.
const (
	adminWorkspace = "admin"
	poolWorkspace  = "pool"
)

// listItem is one object found: its name (for the name filters), a display name and the state
// the resource would hold for it.
type listItem struct {
	name    string
	display string
	state   any
	// node is where a VM runs (the VM list's node filter).
	node string
	// mark is what the object carries of this provider's mark (markNotHeld for types without one).
	mark objectMark
}

func (r *listResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.spec.typeName
}

func (r *listResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *listResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	attrs := map[string]listschema.Attribute{
		"name_prefix": listschema.StringAttribute{
			MarkdownDescription: "List only objects whose name starts with this.", Optional: true,
		},
		"name_regex": listschema.StringAttribute{
			MarkdownDescription: "List only objects whose name matches this regular expression (RE2 syntax).", Optional: true,
			Validators: []validator.String{stringRule{summary: "Invalid regular expression",
				doc: "must be a valid RE2 regular expression", check: regexProblem}},
		},
	}
	if !r.spec.clusterScoped {
		attrs["namespaces"] = listschema.ListAttribute{
			MarkdownDescription: "Namespaces to list. Defaults to the provider's `namespace`; `[\"*\"]` lists every " +
				"namespace (listing namespaces needs an administrator's token).",
			ElementType: types.StringType, Optional: true,
			Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(),
				listvalidator.ValueStringsAre(listNamespaceValidator())},
		}
	}
	attrs["mark"] = markFilterAttribute(r.spec)
	for k, v := range r.spec.extra {
		attrs[k] = v
	}
	resp.Schema = listschema.Schema{
		MarkdownDescription: fmt.Sprintf("Lists the cluster's %s for `terraform query` (Terraform 1.14 and later; "+
			"OpenTofu has no list resources). With `-generate-config-out`, Terraform writes a configuration and an "+
			"import block for each one.%s %s", r.spec.plural, prefixSpace(r.spec.note), workspaceDoc(r.spec)),
		Attributes: attrs,
	}
}

func (r *listResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if r.data == nil {
		diags.AddError("Provider not configured", "The orka provider must be configured before listing.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var prefix, pattern, mark types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root("name_prefix"), &prefix)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("name_regex"), &pattern)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("mark"), &mark)...)
	var re *regexp.Regexp
	if !pattern.IsNull() {
		re, _ = regexp.Compile(pattern.ValueString()) // validated
	}
	namespaces := r.namespaces(ctx, req.Config, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if r.spec.check != nil {
		r.spec.check(ctx, r.data, req.Config, namespaces, &diags)
		if diags.HasError() {
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
	}
	to := nullTimeouts(ctx, req.ResourceSchema)
	var found []listItem
	for _, ns := range namespaces {
		items, err := r.spec.items(ctx, r.data, ns, to)
		if err != nil {
			where := ""
			if ns != "" {
				where = fmt.Sprintf(" in namespace %q", ns)
			}
			addAPIError(&diags, fmt.Sprintf("Could not list %s%s", r.spec.plural, where), err)
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
		for _, it := range items {
			if !strings.HasPrefix(it.name, prefix.ValueString()) || (re != nil && !re.MatchString(it.name)) {
				continue
			}
			if r.spec.accept != nil && !r.spec.accept(ctx, req.Config, it, &diags) {
				continue
			}
			if !markAccepts(mark.ValueString(), it, ns, &diags) {
				continue
			}
			found = append(found, it)
		}
	}
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, it := range found {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			res := req.NewListResult(ctx)
			res.DisplayName = it.display
			res.Diagnostics.Append(res.Resource.Set(ctx, it.state)...)
			st := tfsdk.State{Schema: res.Resource.Schema, Raw: res.Resource.Raw}
			r.spec.identity.sync(ctx, &st, res.Identity, &res.Diagnostics)
			if !req.IncludeResource {
				res.Resource = nil
			}
			if !push(res) {
				return
			}
		}
	}
}

// namespaces resolves the namespaces argument: the provider's namespace by default, every
// namespace for "*".
func (r *listResource) namespaces(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) []string {
	if r.spec.clusterScoped {
		return []string{""}
	}
	var v types.List
	diags.Append(cfg.GetAttribute(ctx, path.Root("namespaces"), &v)...)
	if v.IsNull() || v.IsUnknown() {
		return []string{r.data.namespace}
	}
	var names []string
	diags.Append(v.ElementsAs(ctx, &names, false)...)
	for _, n := range names {
		if n != "*" {
			continue
		}
		all, err := r.data.client.ListNamespaces(ctx)
		if err != nil {
			addAPIError(diags, "Could not list the cluster's namespaces (namespaces = [\"*\"])", err)
			return nil
		}
		names = names[:0]
		for _, ns := range all {
			names = append(names, ns.Name)
		}
		sort.Strings(names)
		break
	}
	return names
}

// nullTimeouts is a null timeouts block of the resource's schema (a zero one, for types
// without the block), for states built from a list.
func nullTimeouts(ctx context.Context, s interface {
	TypeAtPath(context.Context, path.Path) (attr.Type, diag.Diagnostics)
}) timeouts.Value {
	if s == nil {
		return timeouts.Value{}
	}
	t, d := s.TypeAtPath(ctx, path.Root("timeouts"))
	// The block's type is timeouts.Type, an object type underneath.
	if ot, ok := t.(interface{ AttributeTypes() map[string]attr.Type }); ok && !d.HasError() {
		return timeouts.Value{Object: types.ObjectNull(ot.AttributeTypes())}
	}
	return timeouts.Value{}
}

// regexProblem refuses a name_regex that does not compile.
func regexProblem(s string) string {
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Sprintf("is not a valid RE2 regular expression: %v", err)
	}
	return ""
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}
