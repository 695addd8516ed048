package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                = (*namespaceResource)(nil)
	_ resource.ResourceWithConfigure   = (*namespaceResource)(nil)
	_ resource.ResourceWithIdentity    = (*namespaceResource)(nil)
	_ resource.ResourceWithImportState = (*namespaceResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*namespaceResource)(nil)
)

// NewNamespaceResource is orka_namespace. Orka cannot change a namespace, so both arguments
// force replacement.
func NewNamespaceResource() resource.Resource { return &namespaceResource{} }

type namespaceResource struct {
	data *providerData
}

type namespaceModel struct {
	ID               types.String `tfsdk:"id"`
	Name             types.String `tfsdk:"name"`
	EnableCustomPods types.Bool   `tfsdk:"enable_custom_pods"`
}

func (r *namespaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_namespace"
}

func (r *namespaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Orka namespace (`orka3 namespace`): a separate space for VMs, service accounts, " +
			"registry credentials and access, for example one per team. Namespaces survive every kind of Orka " +
			"upgrade. Orka deletes a namespace only when it holds no VMs: destroying one that still does fails " +
			"and names the VMs, so delete them first (or let Terraform do it, when they are `orka_vm` resources " +
			"that reference this namespace). Deleting a namespace also deletes its service accounts, whose tokens " +
			"then stop working. Needs an administrator's token.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The namespace's name.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the namespace: it must start with `orka-`, and have at most 63 lowercase " +
					"letters, digits and `-`, ending with a letter or digit. `orka-default` always exists and cannot be managed here.",
				Required:      true,
				Validators:    []validator.String{managedNamespaceValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"enable_custom_pods": schema.BoolAttribute{
				MarkdownDescription: "Allow custom Kubernetes pods in the namespace, in addition to VMs. Defaults " +
					"to `false`. Changing it replaces the namespace. Custom pods and services are lost in an Orka " +
					"virtualization/orchestration layer upgrade.",
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *namespaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *namespaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan namespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	pods := plan.EnableCustomPods.ValueBool()
	client := r.data.client
	what := fmt.Sprintf("Namespace %q", name)
	summary := fmt.Sprintf("Could not create namespace %q", name)
	plan.ID = types.StringValue(name)

	_, err := runCreate(ctx, createSpec[*orka.Namespace]{
		inflight: inflightKey{"namespace", name},
		send: func(ctx context.Context) (*orka.Namespace, error) {
			return &orka.Namespace{Name: name, CustomPods: pods}, client.CreateNamespace(ctx, name, pods)
		},
		lookup:   func(ctx context.Context) (*orka.Namespace, error) { return client.GetNamespace(ctx, name) },
		mismatch: func(got *orka.Namespace) string { return namespaceMismatch(pods, got) },
	})
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "name", what, name, err) {
			recordUnknown(ctx, resp, plan, summary, err)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func namespaceMismatch(pods bool, got *orka.Namespace) string {
	if got.CustomPods != pods {
		return fmt.Sprintf("enable_custom_pods %t, found %t", pods, got.CustomPods)
	}
	return ""
}

func (r *namespaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nameIdentity.syncRead(ctx, req, resp)
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	defer inflightKey{"namespace", name}.done() // Terraform has it in its state
	what := fmt.Sprintf("Namespace %q", name)
	got, err := getConfirmed(ctx, func(ctx context.Context) (*orka.Namespace, error) { return r.data.client.RefreshNamespace(ctx, name) })
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read namespace %q", name), err)
		return
	}
	mismatch := ""
	if err == nil {
		mismatch = namespaceMismatch(state.EnableCustomPods.ValueBool(), got)
	}
	if readPending(ctx, req, resp, what, err == nil, mismatch) {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, namespaceModel{
		ID: types.StringValue(got.Name), Name: types.StringValue(got.Name), EnableCustomPods: types.BoolValue(got.CustomPods),
	})...)
}

// Update is never called with a change: both arguments force replacement.
func (r *namespaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	recordPlan(ctx, req, resp)
}

// Delete first looks for VMs, so that the error names them; Orka's own refusal (409) is shown
// as well should one be deployed in between.
func (r *namespaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	summary := fmt.Sprintf("Could not delete namespace %q", name)
	vms, err := r.data.client.ListVMs(ctx, name)
	switch {
	case orka.IsNotFound(err):
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, summary, err)
		return
	case len(vms) > 0:
		names := make([]string, len(vms))
		for i, vm := range vms {
			names[i] = vm.Name
		}
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Namespace %q still holds %d VM(s): %s. Orka deletes only "+
			"empty namespaces. Delete these VMs first (terraform destroy -target on their orka_vm resources, or "+
			"orka3 vm delete <name> --namespace %s), then apply again.", name, len(vms), strings.Join(names, ", "), name))
		return
	}
	err = r.data.client.DeleteNamespace(ctx, name)
	switch {
	case err == nil, orka.IsNotFound(err):
	case orka.IsConflict(err):
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Orka refused to delete namespace %q because it is not "+
			"empty; delete its VMs first, then apply again.\n\n%s", name, err))
	default:
		addAPIError(&resp.Diagnostics, summary, err)
	}
}

func (r *namespaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer nameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts: []importPart{{name: "name", rule: managedNamespaceProblem}}, example: "orka-ci",
	})
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id[0])...)
}

// ModifyPlan refuses, at plan time, a change that the provider's token cannot make.
func (r *namespaceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requireAdministrator(ctx, r.data, "orka_namespace", req, resp, "name")
}
