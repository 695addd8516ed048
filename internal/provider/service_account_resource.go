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
}

func (r *serviceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(plan.Namespace)
	name := plan.Name.ValueString()
	client := r.data.client

	// An account that exists already is someone else's: say so before creating, so that a
	// lost answer below can only hide our own account.
	_, err := client.GetServiceAccount(ctx, ns, name)
	switch {
	case err == nil:
		err = &orka.APIError{Method: "POST", Path: "serviceaccounts/" + name, StatusCode: 409, Reason: "AlreadyExists",
			Message: fmt.Sprintf("service account %q already exists", name)}
	case orka.IsNotFound(err):
		err = client.CreateServiceAccount(ctx, ns, name)
	}
	if orka.IsAmbiguous(err) {
		// The account may have been created: it was absent just before, so one of that name
		// is ours; only an absent one is created again.
		switch _, gerr := client.GetServiceAccount(ctx, ns, name); {
		case gerr == nil:
			err = nil
		case orka.IsNotFound(gerr):
			err = client.CreateServiceAccount(ctx, ns, name)
		}
	}
	if err != nil {
		if orka.IsConflict(err) {
			resp.Diagnostics.AddAttributeError(path.Root("name"),
				fmt.Sprintf("Service account %q already exists in namespace %q", name, ns),
				fmt.Sprintf("To manage it with Terraform, import it: terraform import <address> %s/%s; or choose "+
					"another name.\n\n%s", ns, name, err))
			return
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not create service account %q in namespace %q", name, ns), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModel{
		ID: types.StringValue(ns + "/" + name), Name: types.StringValue(name), Namespace: types.StringValue(ns),
	})...)
}

func (r *serviceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	name := state.Name.ValueString()
	if _, err := r.data.client.GetServiceAccount(ctx, ns, name); err != nil {
		if orka.IsNotFound(err) {
			removeGone(ctx, resp, fmt.Sprintf("Service account %q in namespace %q", name, ns))
			return
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read service account %q in namespace %q", name, ns), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModel{
		ID: types.StringValue(ns + "/" + name), Name: types.StringValue(name), Namespace: types.StringValue(ns),
	})...)
}

// Update is never called with a change: both arguments force replacement.
func (r *serviceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
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
	ns, name, err := splitImportID(req.ID, "namespace/name")
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error()+", such as orka-default/ci.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ns+"/"+name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}
