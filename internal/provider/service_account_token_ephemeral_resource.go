package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ ephemeral.EphemeralResource                   = (*serviceAccountTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*serviceAccountTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*serviceAccountTokenEphemeralResource)(nil)
)

// NewServiceAccountTokenEphemeralResource is the ephemeral orka_service_account_token: a token
// minted for one Terraform run and never stored in state or plan.
func NewServiceAccountTokenEphemeralResource() ephemeral.EphemeralResource {
	return &serviceAccountTokenEphemeralResource{}
}

type serviceAccountTokenEphemeralResource struct {
	data *providerData
}

type serviceAccountTokenEphemeralModel struct {
	ServiceAccount types.String `tfsdk:"service_account"`
	Namespace      types.String `tfsdk:"namespace"`
	Duration       types.String `tfsdk:"duration"`
	NoExpiration   types.Bool   `tfsdk:"no_expiration"`
	Token          types.String `tfsdk:"token"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
}

func (r *serviceAccountTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

func (r *serviceAccountTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A new token of a service account for the length of one Terraform run (Terraform 1.10 " +
			"and later), never written to the plan or the state. Use it where a token is needed only while " +
			"Terraform runs: in a provider block, or in a write-only argument such as `orka_registry_credential`'s " +
			"`password_wo` or another provider's secret value.\n\n" +
			"Every run (each plan and each apply) mints a new token. Orka cannot revoke single tokens, so each one " +
			"stays valid until it expires: keep `duration` short, such as `1h`. Deleting the service account " +
			"invalidates all of its tokens. For a token that must outlive the run (a CI system's secret), use the " +
			"`orka_service_account_token` resource, which also regenerates it after Orka upgrades.",
		Attributes: map[string]schema.Attribute{
			"service_account": schema.StringAttribute{
				MarkdownDescription: tokenDocs["service_account"], Required: true,
				Validators: []validator.String{serviceAccountNameValidator()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: tokenDocs["namespace"], Optional: true, Computed: true,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"duration": schema.StringAttribute{
				MarkdownDescription: tokenDocs["duration"], Optional: true,
				Validators: []validator.String{durationValidator{min: tokenMinDuration}},
			},
			"no_expiration": schema.BoolAttribute{
				MarkdownDescription: tokenDocs["no_expiration"], Optional: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: tokenDocs["token"], Computed: true, Sensitive: true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: tokenDocs["expires_at"], Computed: true,
			},
		},
	}
}

func (r *serviceAccountTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountTokenEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m serviceAccountTokenEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		validateTokenLifetime(m.Duration, m.NoExpiration, &resp.Diagnostics)
	}
}

func (r *serviceAccountTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m serviceAccountTokenEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(m.Namespace)
	sa := m.ServiceAccount.ValueString()
	treq := tokenRequest(m.Duration, m.NoExpiration)
	token, err := mintToken(ctx, r.data.client, ns, sa, treq)
	if err != nil {
		addTokenError(&resp.Diagnostics, ns, sa, err)
		return
	}
	_, expires, perr := tokenTimes(token, treq, r.data.now())
	if perr != nil {
		tflog.Warn(ctx, "could not read the token's claims; expiry is derived from the request", map[string]any{"reason": perr.Error()})
	}
	m.Namespace = types.StringValue(ns)
	m.Token = types.StringValue(token)
	m.ExpiresAt = expires
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
}
