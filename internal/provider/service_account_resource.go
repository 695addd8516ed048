package provider

import (
	"context"
	"fmt"

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
	_ resource.Resource                = (*serviceAccountResource)(nil)
	_ resource.ResourceWithConfigure   = (*serviceAccountResource)(nil)
	_ resource.ResourceWithIdentity    = (*serviceAccountResource)(nil)
	_ resource.ResourceWithImportState = (*serviceAccountResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*serviceAccountResource)(nil)
)

// NewServiceAccountResource is orka_service_account. Service accounts survive every kind of
// Orka upgrade; their tokens do not (see orka_service_account_token).
func NewServiceAccountResource() resource.Resource { return &serviceAccountResource{} }

type serviceAccountResource struct {
	data *providerData
}

type serviceAccountModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Namespace types.String `tfsdk:"namespace"`
}

func (r *serviceAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service account (`orka3 serviceaccount`): the identity that automation such as CI " +
			"runners uses. Orka adds a new account to its namespace's `orka-dev` role binding, so it may use that " +
			"namespace; grant it others with `orka_role_binding_subject`. Get tokens for it with " +
			"`orka_service_account_token`.\n\n" +
			"Deleting a service account (destroying this resource, or replacing it) invalidates **every** token of " +
			"the account at once; this is also the only way to revoke tokens in Orka. Needs an administrator's token.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/name`.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the service account, unique in its namespace: at most 253 lowercase " +
					"letters, digits, `-` and `.`, starting and ending with a letter or digit.",
				Required: true, PlanModifiers: replaceStr,
				Validators: []validator.String{serviceAccountNameValidator()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace of the service account. Defaults to the provider's `namespace`.",
				Optional:            true, Computed: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
		},
	}
}

func (r *serviceAccountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	requireAdministrator(ctx, r.data, "orka_service_account", req, resp, "namespace", "name")
}

func (r *serviceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(plan.Namespace)
	name := plan.Name.ValueString()
	client := r.data.client
	what := fmt.Sprintf("Service account %q in namespace %q", name, ns)
	summary := fmt.Sprintf("Could not create service account %q in namespace %q", name, ns)
	state := serviceAccountModel{
		ID: types.StringValue(ns + "/" + name), Name: types.StringValue(name), Namespace: types.StringValue(ns),
	}
	_, err := runCreate(ctx, createSpec[*orka.ServiceAccount]{
		inflight: inflightKey{"service_account", ns + "/" + name},
		send: func(ctx context.Context) (*orka.ServiceAccount, error) {
			return &orka.ServiceAccount{Name: name, Namespace: ns}, client.CreateServiceAccount(ctx, ns, name)
		},
		lookup: func(ctx context.Context) (*orka.ServiceAccount, error) {
			return client.GetServiceAccount(ctx, ns, name)
		},
		mismatch: func(*orka.ServiceAccount) string { return "" },
	})
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "name", what, ns+"/"+name, err) {
			recordUnknown(ctx, resp, state, summary, err)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *serviceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer nsNameIdentity.syncRead(ctx, req, resp)
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	name := state.Name.ValueString()
	defer inflightKey{"service_account", ns + "/" + name}.done() // Terraform has it in its state
	what := fmt.Sprintf("Service account %q in namespace %q", name, ns)
	_, err := getConfirmed(ctx, func(ctx context.Context) (*orka.ServiceAccount, error) {
		return r.data.client.RefreshServiceAccount(ctx, ns, name)
	})
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read service account %q in namespace %q", name, ns), err)
		return
	}
	if readPending(ctx, req, resp, what, err == nil, "") {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModel{
		ID: types.StringValue(ns + "/" + name), Name: types.StringValue(name), Namespace: types.StringValue(ns),
	})...)
}

// Update is never called with a change: both arguments force replacement.
func (r *serviceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	recordPlan(ctx, req, resp)
}

func (r *serviceAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	name := state.Name.ValueString()
	if err := r.data.client.DeleteServiceAccount(ctx, ns, name); err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete service account %q in namespace %q", name, ns), err)
	}
}

func (r *serviceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer nsNameIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = nsNameIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts:   []importPart{namespacePart, {name: "name", rule: serviceAccountNameValidator().problem}},
		example: "orka-default/ci",
	})
	if !ok {
		return
	}
	ns, name := id[0], id[1]
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ns+"/"+name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}
