package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                   = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithConfigure      = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountTokenResource)(nil)
)

// NewServiceAccountTokenResource is orka_service_account_token: a token that Terraform
// regenerates by itself when Orka stops accepting it (after upgrades), when it nears expiry,
// or after a given time, so that one apply also updates everything that uses it.
func NewServiceAccountTokenResource() resource.Resource { return &serviceAccountTokenResource{} }

type serviceAccountTokenResource struct {
	data *providerData
}

type serviceAccountTokenModel struct {
	ID              types.String `tfsdk:"id"`
	ServiceAccount  types.String `tfsdk:"service_account"`
	Namespace       types.String `tfsdk:"namespace"`
	Duration        types.String `tfsdk:"duration"`
	NoExpiration    types.Bool   `tfsdk:"no_expiration"`
	RotateBefore    types.String `tfsdk:"rotate_before"`
	RegenerateAfter types.String `tfsdk:"regenerate_after"`
	Keepers         types.Map    `tfsdk:"keepers"`
	Token           types.String `tfsdk:"token"`
	IssuedAt        types.String `tfsdk:"issued_at"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
}

func (r *serviceAccountTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

func (r *serviceAccountTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computedStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}

	resp.Schema = schema.Schema{
		MarkdownDescription: "A token of a service account (`orka3 serviceaccount token`), for CI systems and other " +
			"automation. Terraform keeps it working: on every plan the token is checked, and it is removed from the " +
			"state, with a warning that says why, when\n\n" +
			"- its service account no longer exists;\n" +
			"- Orka rejects it (HTTP 401 to a call made with the token itself, confirmed by a second call a second " +
			"later, so that one stray answer never throws a good token away), which is what happens to every " +
			"service-account token after an Orka release upgrade or virtualization/orchestration layer upgrade;\n" +
			"- it has expired, or expires within `rotate_before`.\n\n" +
			"The plan also replaces a token issued before `regenerate_after` once that time has passed. Wired to " +
			"`data.orka_upgrade_window.<name>.regenerate_tokens_after` (the start of a release or layer upgrade, " +
			"null for a patch), that regenerates each token exactly once per upgrade that kills tokens: a token " +
			"minted during the window or after it, by a recovery run as soon as the API answers again, is kept " +
			"by every later run.\n\n" +
			"The next apply then mints a new token, and everything that references `token` (a CI system's secret, " +
			"a Terraform Cloud variable, a Kubernetes secret) is updated in the same apply. Each regenerated " +
			"token says why in a warning; all share one summary, \"" + summaryTokenRegenerated + "\", so " +
			"Terraform folds those of one plan into a single block.\n\n" +
			"Hand `token` only to arguments that stay redacted in plans: sensitive ones (such as " +
			"`tfe_variable.value`) or write-only ones. `terraform_data`'s `input` is not one: Terraform copies it " +
			"into `output` without the sensitive mark, so the plan of a rotation would print the old token, which " +
			"stays valid. Use `triggers_replace` where `terraform_data` stands in for a consumer.\n\n" +
			"**Tokens cannot be revoked one by one in Orka.** Destroying this resource, or replacing it, only makes " +
			"Terraform forget the token: it stays valid until it expires. To invalidate every token of an account at " +
			"once, delete the service account (`orka_service_account`, or `orka3 serviceaccount delete`). Prefer a " +
			"`duration` that is not longer than needed.\n\n" +
			"When the answer to a token request is lost (a dropped connection, a proxy timeout), Orka may or may " +
			"not have minted a token that nobody received. Tokens cannot be looked up, so the provider asks once " +
			"more and keeps the second one. The lost one, if it exists, was never seen by anyone and stays valid " +
			"until it expires: `duration` bounds that time (Orka's default is a year, so a short `duration` with " +
			"`rotate_before` is the safer choice for automation).\n\n" +
			"The token is stored in the Terraform state, marked sensitive. To keep it out of the state, use the " +
			"ephemeral resource of the same name (Terraform 1.10 and later) where the token is only needed during " +
			"a run. This resource is not importable: a token cannot be read back from Orka.\n\n" +
			"Every argument forces a new token, except that a change of `rotate_before` or `regenerate_after` " +
			"mints one only when the current token falls under the new rule; otherwise the new rule is recorded " +
			"and applies from then on. Works with `lifecycle { create_before_destroy = true }`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/service_account/issued_at` (Unix seconds). Not secret.",
				Computed:            true, PlanModifiers: computedStr,
			},
			"service_account": schema.StringAttribute{
				MarkdownDescription: tokenDocs["service_account"], Required: true, PlanModifiers: replaceStr,
				Validators: []validator.String{serviceAccountNameValidator()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: tokenDocs["namespace"], Optional: true, Computed: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"duration": schema.StringAttribute{
				MarkdownDescription: tokenDocs["duration"], Optional: true, PlanModifiers: replaceStr,
				Validators: []validator.String{durationValidator{min: tokenMinDuration}},
			},
			"no_expiration": schema.BoolAttribute{
				MarkdownDescription: tokenDocs["no_expiration"], Optional: true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"rotate_before": schema.StringAttribute{
				MarkdownDescription: "Regenerate the token once it expires within this Go duration, such as `168h` " +
					"(a week): the plan after that moment mints a new one. Without it, the token is regenerated " +
					"only once it has expired. Has no effect on tokens that never expire.",
				Optional:   true,
				Validators: []validator.String{durationValidator{min: time.Second}},
			},
			"regenerate_after": schema.StringAttribute{
				MarkdownDescription: "An RFC 3339 time, such as `2025-06-01T06:00:00Z`: a token issued before it is " +
					"replaced by the first plan after it has passed. Wire " +
					"`data.orka_upgrade_window.<name>.regenerate_tokens_after` here: the start of an upgrade that " +
					"stops tokens working (release, virtualization/orchestration layer), null for a patch window and " +
					"while none is scheduled. A token is then regenerated once per such upgrade, by the first run " +
					"after the upgrade started, and a token minted after that start is kept. Do not wire the " +
					"window's `end`: a recovery run before `end` mints tokens that the first plan after `end` would " +
					"throw away again. The value in the configuration decides, not the one in state: setting it to " +
					"null (or to a later window) stops a pending regeneration. A value known only during apply " +
					"cannot be judged at plan time: the token is then regenerated, and the plan says why.",
				Optional:   true,
				Validators: []validator.String{rfc3339Validator{}},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary strings; any change mints a new token. Use it to rotate on demand " +
					"(`keepers = { rotation = \"2025-q3\" }`) or to tie the token to something else's lifecycle.",
				ElementType: types.StringType, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Map{emptyAsUnsetMap(), mapplanmodifier.RequiresReplace()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: tokenDocs["token"], Computed: true, Sensitive: true, PlanModifiers: computedStr,
			},
			"issued_at": schema.StringAttribute{
				MarkdownDescription: tokenDocs["issued_at"], Computed: true, PlanModifiers: computedStr,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: tokenDocs["expires_at"], Computed: true, PlanModifiers: computedStr,
			},
		},
	}
}

func (r *serviceAccountTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTokenLifetime(m.Duration, m.NoExpiration, &resp.Diagnostics)
	checkRotateBefore(m.Duration, m.RotateBefore, m.NoExpiration, &resp.Diagnostics)
}

// ModifyPlan shows the namespace, and decides by the clock whether the token needs replacing
// now: when a changed rotate_before puts it inside the new margin, or when regenerate_after, as
// configured and recorded, has passed since the token was issued. regenerate_after is judged
// here and not in Read because the configuration must decide, not the state: a value left in
// state by an old window (or by `end`, as guides used to wire) would otherwise keep throwing
// good tokens away, and unsetting it would come too late. A changed rule that the token still
// satisfies is recorded in place (a new upgrade window being announced must not mint a token
// before the window has even started).
func (r *serviceAccountTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	if !requireAdministrator(ctx, r.data, "orka_service_account_token", req, resp, "namespace", "service_account") ||
		req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan serviceAccountTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	now := time.Now()
	if r.data != nil {
		now = r.data.now()
	}
	if !plan.RotateBefore.Equal(state.RotateBefore) {
		probe := state
		probe.RotateBefore = plan.RotateBefore
		if reason, _ := tokenExpiryReason(probe, now); plan.RotateBefore.IsUnknown() || reason != "" {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("rotate_before"))
		}
	}
	// A regenerate_after known only during apply cannot be judged now, and Terraform refuses a
	// plan that turns from an update into a replacement during apply: regenerate the token, and
	// say why.
	reason := regenerateAfterReason(plan.RegenerateAfter, state.IssuedAt, now)
	if plan.RegenerateAfter.IsUnknown() {
		reason = "its regenerate_after is known only during apply, so it cannot be judged at plan time"
	}
	if reason == "" {
		return
	}
	// regenerate_after itself has usually not changed (the clock has moved past it): mark what
	// the new token changes as unknown and have that force the replacement, which the plan shows.
	plan.ID, plan.Token = types.StringUnknown(), types.StringUnknown()
	plan.IssuedAt, plan.ExpiresAt = types.StringUnknown(), types.StringUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("issued_at"))
	ns := state.Namespace.ValueString()
	if ns == "" && r.data != nil {
		ns = r.data.namespace
	}
	addTokenRegenerated(&resp.Diagnostics, state.ServiceAccount.ValueString(), ns, reason,
		"The plan replaces it; the apply mints the new token and updates everything that uses it.", true)
}

func (r *serviceAccountTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(plan.Namespace)
	sa := plan.ServiceAccount.ValueString()
	treq := tokenRequest(plan.Duration, plan.NoExpiration)

	token, err := mintToken(ctx, r.data.client, ns, sa, treq)
	if err != nil {
		addTokenError(&resp.Diagnostics, ns, sa, err)
		return
	}
	issued, expires, perr := tokenTimes(token, treq, r.data.now())
	if perr != nil {
		tflog.Warn(ctx, "could not read the token's claims; expiry is derived from the request", map[string]any{"reason": perr.Error()})
	}
	plan.Namespace = types.StringValue(ns)
	plan.Token = types.StringValue(token)
	plan.IssuedAt = issued
	plan.ExpiresAt = expires
	issuedAt, _ := time.Parse(time.RFC3339, issued.ValueString())
	plan.ID = types.StringValue(fmt.Sprintf("%s/%s/%d", ns, sa, issuedAt.Unix()))
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read keeps the token only while it is good; see the resource's description.
func (r *serviceAccountTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	sa := state.ServiceAccount.ValueString()
	what := fmt.Sprintf("The token of service account %q in namespace %q", sa, ns)

	if reason, expired := tokenExpiryReason(state, r.data.now()); reason != "" {
		forgetToken(ctx, resp, ns, sa, reason, !expired)
		return
	}
	if _, err := r.data.client.RefreshServiceAccount(ctx, ns, sa); err != nil {
		if orka.IsNotFound(err) {
			forgetToken(ctx, resp, ns, sa, fmt.Sprintf("its service account %q no longer exists in namespace %q "+
				"(deleting an account invalidates all its tokens)", sa, ns), false)
			return
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not check service account %q in namespace %q", sa, ns), err)
		return
	}
	// Only Orka can judge a token: ask it with the token itself. 403 means Orka knows the token
	// but it may not list VM configs, so it is still valid.
	err := r.probeToken(ctx, state.Token.ValueString())
	switch {
	case err == nil, orka.IsForbidden(err):
	case orka.IsUnauthorized(err):
		forgetToken(ctx, resp, ns, sa, "Orka rejects it (HTTP 401), as it does with every service-account token "+
			"after an Orka release upgrade or virtualization/orchestration layer upgrade", false)
		return
	default:
		addAPIError(&resp.Diagnostics, what+" could not be checked", err)
		return
	}
	if state.Namespace.IsNull() || state.Keepers.IsNull() {
		state.Namespace = types.StringValue(ns)
		state.Keepers = emptyMapIfNull(state.Keepers)
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	}
}

// probeToken asks Orka whether it accepts a token. A rejection is confirmed by a second probe
// after a pause before it counts: forgetting a good token mints another one, and Orka cannot
// revoke the first, so one stray 401 would leave a valid token that nothing tracks.
// A 404 on the probe's route says nothing about the token (a burst of stray 404s, an API
// server restarting): it is asked again after the absence interval.
func (r *serviceAccountTokenResource) probeToken(ctx context.Context, token string) error {
	client := r.data.client.WithToken(token)
	err := client.Probe(ctx)
	pause := tokenRejectionPause
	switch {
	case orka.IsNotFound(err):
		pause = absenceInterval
	case !orka.IsUnauthorized(err):
		return err
	}
	select {
	case <-ctx.Done():
		return err
	case <-time.After(pause):
	}
	return client.Probe(ctx)
}

// tokenRejectionPause is the pause before a token's rejection is checked once more.
const tokenRejectionPause = time.Second

// Update only records a new rotate_before or regenerate_after (ModifyPlan decided that the
// token still satisfies it); every other change replaces the token.
func (r *serviceAccountTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	recordPlan(ctx, req, resp)
}

// Delete only forgets the token: Orka cannot revoke one token (see the description).
func (r *serviceAccountTokenResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// tokenExpiryReason says why a token must be regenerated because of its own expiry (or
// rotate_before), or "" when it need not be; expired says whether it has already expired (and
// so no longer works), as opposed to being regenerated early.
func tokenExpiryReason(m serviceAccountTokenModel, now time.Time) (reason string, expired bool) {
	if m.ExpiresAt.IsNull() || m.ExpiresAt.IsUnknown() {
		return "", false
	}
	exp, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString())
	if err != nil {
		return "", false
	}
	if !now.Before(exp) {
		return fmt.Sprintf("it expired at %s", exp.Format(time.RFC3339)), true
	}
	if d, err := time.ParseDuration(m.RotateBefore.ValueString()); err == nil && !now.Before(exp.Add(-d)) {
		return fmt.Sprintf("it expires at %s, within rotate_before (%s)", exp.Format(time.RFC3339), m.RotateBefore.ValueString()), false
	}
	return "", false
}

// regenerateAfterReason says why a token issued at issued must be regenerated under the
// configured regenerate_after, or "" when it need not be (also when either time is not known).
// Wired to orka_upgrade_window's regenerate_tokens_after, that is the start of an upgrade that
// kills tokens: a token issued before it is replaced once the upgrade has started, and a token
// minted after it (during the window or after it) is kept.
func regenerateAfterReason(regenerateAfter, issuedAt types.String, now time.Time) string {
	if regenerateAfter.IsNull() || regenerateAfter.IsUnknown() || issuedAt.IsNull() || issuedAt.IsUnknown() {
		return ""
	}
	after, err := time.Parse(time.RFC3339, regenerateAfter.ValueString())
	issued, ierr := time.Parse(time.RFC3339, issuedAt.ValueString())
	if err != nil || ierr != nil || now.Before(after) || !issued.Before(after) {
		return ""
	}
	return fmt.Sprintf("it was issued at %s, before regenerate_after (%s), which has passed: an Orka upgrade "+
		"that stops service-account tokens working has started since then",
		issued.UTC().Format(time.RFC3339), after.UTC().Format(time.RFC3339))
}

// forgetToken removes the token from state with a warning that gives the reason.
func forgetToken(ctx context.Context, resp *resource.ReadResponse, ns, sa, reason string, stillValid bool) {
	tflog.Info(ctx, "service-account token will be regenerated", map[string]any{"reason": reason})
	addTokenRegenerated(&resp.Diagnostics, sa, ns, reason,
		"It has been removed from the Terraform state; the next apply mints a new token and updates "+
			"everything that uses it.", stillValid)
	resp.State.RemoveResource(ctx)
}

// mintToken asks Orka for a token. A request whose answer was lost is sent once more: the lost
// token never reached anyone, and a second token is harmless (tokens cannot be looked up, so
// there is nothing to adopt).
func mintToken(ctx context.Context, client *orka.Client, ns, sa string, req orka.TokenRequest) (string, error) {
	token, err := client.CreateServiceAccountToken(ctx, ns, sa, req)
	if orka.IsAmbiguous(err) {
		tflog.Info(ctx, "the answer to a token request was lost; asking once more")
		token, err = client.CreateServiceAccountToken(ctx, ns, sa, req)
	}
	return token, err
}
