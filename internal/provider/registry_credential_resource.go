package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ resource.Resource                   = (*registryCredentialResource)(nil)
	_ resource.ResourceWithConfigure      = (*registryCredentialResource)(nil)
	_ resource.ResourceWithIdentity       = (*registryCredentialResource)(nil)
	_ resource.ResourceWithImportState    = (*registryCredentialResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*registryCredentialResource)(nil)
	_ resource.ResourceWithValidateConfig = (*registryCredentialResource)(nil)
)

// NewRegistryCredentialResource is orka_registry_credential: Orka's login to one OCI registry
// in one namespace. A layer upgrade loses every registry credential; Read notices, and the
// next apply adds it back with the password from the configuration.
func NewRegistryCredentialResource() resource.Resource { return &registryCredentialResource{} }

type registryCredentialResource struct {
	data *providerData
}

type registryCredentialModel struct {
	ID                types.String `tfsdk:"id"`
	Namespace         types.String `tfsdk:"namespace"`
	Server            types.String `tfsdk:"server"`
	Username          types.String `tfsdk:"username"`
	Password          types.String `tfsdk:"password"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	AllowInsecure     types.Bool   `tfsdk:"allow_insecure"`
}

func (r *registryCredentialResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_credential"
}

func (r *registryCredentialResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceStr := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The credential Orka uses to pull images from one OCI registry for one namespace " +
			"(`orka3 regcred`). There is one credential per registry server and namespace. Needs an " +
			"administrator's token.\n\n" +
			"Orka virtualization/orchestration layer upgrades lose every registry credential. Terraform notices " +
			"that the credential is gone (a warning says so) and the next apply adds it again, with the password " +
			"from the configuration. Orka never returns passwords, so a password changed outside Terraform is not " +
			"detected.\n\n" +
			"Set the password with exactly one of `password` (stored in the Terraform state, marked sensitive) " +
			"or, with Terraform 1.11 and later, the write-only `password_wo`, which is never stored: then change " +
			"`password_wo_version` whenever the password changes, since Terraform cannot compare a value it " +
			"does not keep. `password_wo` accepts ephemeral values, such as a secret read by an ephemeral resource.\n\n" +
			"A change of `username`, the password or `allow_insecure` replaces the credential in place in Orka.\n\n" +
			"Import with `namespace/server`, such as `orka-default/https://ghcr.io`; the password cannot be read " +
			"from Orka, so it must be set in the configuration, and the first apply after the import sends it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`namespace/server`.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace the credential is for. Defaults to the provider's `namespace`.",
				Optional:            true, Computed: true, PlanModifiers: replaceStr,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"server": schema.StringAttribute{
				MarkdownDescription: "The registry, with its scheme and, if needed, its port: `https://ghcr.io`, " +
					"`https://registry.example.com:5000`. A plain `http://` registry needs `allow_insecure = true`.",
				Required: true, PlanModifiers: replaceStr,
				Validators: []validator.String{registryServerValidator()},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "User name for the registry (it cannot contain `:`).",
				Required:            true, Validators: []validator.String{registryUsernameValidator()},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password or access token for the registry, stored in the state (sensitive). " +
					"Exactly one of `password` and `password_wo` must be set.",
				Optional: true, Sensitive: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only password or access token (Terraform 1.11 and later): sent to Orka, " +
					"never stored in the plan or the state. Change `password_wo_version` to send a new value. " +
					"Exactly one of `password` and `password_wo` must be set.",
				Optional: true, Sensitive: true, WriteOnly: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; change it to send `password_wo` to Orka again. Only with `password_wo`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"allow_insecure": schema.BoolAttribute{
				MarkdownDescription: "Allow a registry without TLS or with a certificate Orka does not trust. " +
					"Required for `http://` servers. Defaults to `false`.",
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			},
		},
	}
}

func (r *registryCredentialResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig applies Orka's rules for the server (orka-api.md §7) and the one-password
// rule, at plan time.
func (r *registryCredentialResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m registryCredentialModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The server's own rules are its validator's; plain HTTP also needs allow_insecure.
	if server := m.Server.ValueString(); strings.HasPrefix(server, "http://") && registryServerProblem(server) == "" &&
		!m.AllowInsecure.IsUnknown() && !m.AllowInsecure.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("allow_insecure"), "http:// registry needs allow_insecure",
			fmt.Sprintf("allow_insecure: server %q is plain HTTP; Orka accepts it only with allow_insecure = true. "+
				"Use https:// if the registry supports it.", server))
	}
	set := func(v types.String) bool { return !v.IsNull() }
	switch {
	case set(m.Password) && set(m.PasswordWO):
		resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "Both password and password_wo are set",
			"Set exactly one of password (stored in the state) and password_wo (write-only, never stored).")
	case !set(m.Password) && !set(m.PasswordWO):
		resp.Diagnostics.AddAttributeError(path.Root("password"), "Missing registry password",
			"Set exactly one of password (stored in the state) and password_wo (write-only, never stored, "+
				"Terraform 1.11 and later). Orka never returns passwords, so Terraform needs one to add the "+
				"credential, also after an import.")
	}
}

func (r *registryCredentialResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planNamespace(ctx, r.data, req, resp)
	if !requireAdministrator(ctx, r.data, "orka_registry_credential", req, resp, "namespace", "server") || req.Plan.Raw.IsNull() {
		return
	}
	// The ID follows the namespace and server, both known at plan time in practice.
	ns, server := rawString(resp.Plan.Raw, "namespace"), rawString(resp.Plan.Raw, "server")
	if !ns.IsUnknown() && !ns.IsNull() && !server.IsUnknown() {
		if id := ns.ValueString() + "/" + server.ValueString(); rawString(resp.Plan.Raw, "id").ValueString() != id {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
		}
	}
}

func (r *registryCredentialResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer registryCredentialIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan registryCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, ok := r.input(ctx, plan, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	ns := r.data.namespaceOr(plan.Namespace)
	client := r.data.client
	what := fmt.Sprintf("Registry credential for %q in namespace %q", in.Server, ns)
	summary := fmt.Sprintf("Could not add the registry credential for %q in namespace %q", in.Server, ns)

	_, err := runCreate(ctx, createSpec[*orka.RegistryCredential]{
		inflight: inflightKey{"registry_credential", ns + "/" + in.Server},
		send: func(ctx context.Context) (*orka.RegistryCredential, error) {
			return nil, client.AddRegistryCredential(ctx, ns, in)
		},
		lookup: func(ctx context.Context) (*orka.RegistryCredential, error) { return r.lookup(ctx, ns, in.Server) },
		mismatch: func(got *orka.RegistryCredential) string {
			return registryCredentialMismatch(in.Username, in.AllowInsecure, got)
		},
	})
	if err != nil {
		if !settleCreateError(&resp.Diagnostics, summary, "server", what, ns+"/"+in.Server+" (and keep the password in the configuration)", err) {
			recordUnknown(ctx, resp, plan.stored(ns), summary, err)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan.stored(ns))...)
}

func registryCredentialMismatch(username string, allowInsecure bool, got *orka.RegistryCredential) string {
	switch {
	case got.Username != username:
		return fmt.Sprintf("username %q, found %q", username, got.Username)
	case got.AllowInsecure != allowInsecure:
		return fmt.Sprintf("allow_insecure %t, found %t", allowInsecure, got.AllowInsecure)
	}
	return ""
}

// lookup is find with "none" as a not-found error.
func (r *registryCredentialResource) lookup(ctx context.Context, ns, server string) (*orka.RegistryCredential, error) {
	got, err := r.find(ctx, ns, server)
	if err == nil && got == nil {
		return nil, errAbsent(fmt.Sprintf("registry credential for %q in namespace %q", server, ns))
	}
	return got, err
}

func (r *registryCredentialResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer registryCredentialIdentity.syncRead(ctx, req, resp)
	var state registryCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	server := state.Server.ValueString()
	defer inflightKey{"registry_credential", ns + "/" + server}.done() // Terraform has it in its state
	what := fmt.Sprintf("Registry credential for %q in namespace %q", server, ns)
	got, err := getConfirmed(ctx, func(ctx context.Context) (*orka.RegistryCredential, error) {
		return r.data.client.RefreshRegistryCredential(ctx, ns, server)
	})
	if err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Could not read the "+strings.ToLower(what[:1])+what[1:], err)
		return
	}
	mismatch := ""
	if err == nil {
		mismatch = registryCredentialMismatch(state.Username.ValueString(), state.AllowInsecure.ValueBool(), got)
	}
	if readPending(ctx, req, resp, what, err == nil, mismatch) {
		return
	}
	if orka.IsNotFound(err) {
		removeGone(ctx, resp, what)
		return
	}
	state.Username = types.StringValue(got.Username)
	state.AllowInsecure = types.BoolValue(got.AllowInsecure)
	resp.Diagnostics.Append(resp.State.Set(ctx, state.stored(ns))...)
}

// Update adds the credential again with replace, Orka's only way to change one.
func (r *registryCredentialResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer registryCredentialIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	var plan registryCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, ok := r.input(ctx, plan, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	in.Replace = true
	ns := r.data.namespaceOr(plan.Namespace)
	if err := r.data.client.AddRegistryCredential(ctx, ns, in); err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not update the registry credential for %q in namespace %q", in.Server, ns), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan.stored(ns))...)
}

func (r *registryCredentialResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state registryCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := r.data.namespaceOr(state.Namespace)
	server := state.Server.ValueString()
	if err := r.data.client.RemoveRegistryCredential(ctx, ns, server); err != nil && !orka.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not remove the registry credential for %q in namespace %q", server, ns), err)
	}
}

func (r *registryCredentialResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer registryCredentialIdentity.sync(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
	req.ID = registryCredentialIdentity.importIDOf(ctx, req, &resp.Diagnostics)
	_, id, ok := parseImportID(req.ID, &resp.Diagnostics, importShape{
		parts:   []importPart{namespacePart, {name: "server", rule: registryServerProblem, rest: true}},
		example: "orka-default/https://ghcr.io",
	})
	if !ok {
		return
	}
	ns, server := id[0], id[1]
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ns+"/"+server)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server"), server)...)
}

// find returns the namespace's credential for server, or nil when there is none.
func (r *registryCredentialResource) find(ctx context.Context, ns, server string) (*orka.RegistryCredential, error) {
	creds, err := r.data.client.ListRegistryCredentials(ctx, ns)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if c.Server == server {
			return &c, nil
		}
	}
	return nil, nil
}

// input builds the add request. A write-only password is only in the configuration, never in
// the plan.
func (r *registryCredentialResource) input(ctx context.Context, plan registryCredentialModel, config tfsdk.Config, diags *diag.Diagnostics) (orka.RegistryCredentialInput, bool) {
	password := plan.Password
	if password.IsNull() {
		diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &password)...)
	}
	if diags.HasError() {
		return orka.RegistryCredentialInput{}, false
	}
	if password.IsNull() || password.IsUnknown() || password.ValueString() == "" {
		diags.AddAttributeError(path.Root("password"), "Missing registry password",
			fmt.Sprintf("The credential for %q has no password: set password or password_wo, which Orka needs to "+
				"add the credential.", plan.Server.ValueString()))
		return orka.RegistryCredentialInput{}, false
	}
	return orka.RegistryCredentialInput{
		Server:        plan.Server.ValueString(),
		Username:      plan.Username.ValueString(),
		Password:      password.ValueString(),
		AllowInsecure: plan.AllowInsecure.ValueBool(),
	}, true
}

// stored is what goes into state: never the write-only password.
func (m registryCredentialModel) stored(ns string) registryCredentialModel {
	m.Namespace = types.StringValue(ns)
	m.ID = types.StringValue(ns + "/" + m.Server.ValueString())
	m.PasswordWO = types.StringNull()
	return m
}
