// Package provider is the Terraform provider for MacStadium Orka 3.
package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ provider.Provider                       = (*orkaProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*orkaProvider)(nil)
	_ provider.ProviderWithListResources      = (*orkaProvider)(nil)
	_ provider.ProviderWithActions            = (*orkaProvider)(nil)
	_ provider.ProviderWithFunctions          = (*orkaProvider)(nil)
)

// Defaults of the provider block. The retry budget is kept short enough that a maintenance
// window makes a plan fail within a couple of minutes instead of hanging.
const (
	defaultMaxRetries     = 4
	defaultRequestTimeout = 60 * time.Second
)

// Environment variables for every provider attribute, so that a Terraform Cloud workspace
// needs nothing but variables.
const (
	envEndpoint           = "ORKA_ENDPOINT"
	envToken              = "ORKA_TOKEN"
	envNamespace          = "ORKA_NAMESPACE"
	envCACertificate      = "ORKA_CA_CERTIFICATE"
	envCACertificateFile  = "ORKA_CA_CERTIFICATE_FILE"
	envInsecureSkipVerify = "ORKA_INSECURE_SKIP_VERIFY"
	envMaxRetries         = "ORKA_MAX_RETRIES"
	envRequestTimeout     = "ORKA_REQUEST_TIMEOUT"
	envOwner              = "ORKA_OWNER"
	// envTFCWorkspaceSlug is what HCP Terraform (Terraform Cloud) tells a run about its
	// workspace: "organization/workspace".
	envTFCWorkspaceSlug = "TFC_WORKSPACE_SLUG"
)

type orkaProvider struct {
	version string
	// now is the clock handed to resources; tests replace it.
	now func() time.Time
}

// New returns the provider factory for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &orkaProvider{version: version, now: time.Now}
	}
}

type providerModel struct {
	Endpoint           types.String `tfsdk:"endpoint"`
	Token              types.String `tfsdk:"token"`
	Namespace          types.String `tfsdk:"namespace"`
	CACertificate      types.String `tfsdk:"ca_certificate"`
	CACertificateFile  types.String `tfsdk:"ca_certificate_file"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	MaxRetries         types.Int64  `tfsdk:"max_retries"`
	RequestTimeout     types.String `tfsdk:"request_timeout"`
	Owner              types.String `tfsdk:"owner"`
	TokenExpiryWarning types.String `tfsdk:"token_expiry_warning"`
	Exec               types.Object `tfsdk:"exec"`
	EKS                types.Object `tfsdk:"eks"`
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client    *orka.Client
	namespace string
	now       func() time.Time
	// owner names this configuration in the mark on the VMs it deploys ("" when unnamed).
	owner string
}

func (p *orkaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "orka"
	resp.Version = p.version
}

func (p *orkaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a MacStadium Orka 3 cluster: VM configs, VMs, service accounts and their " +
			"tokens, registry credentials, namespaces, access and image caches. Every attribute can also " +
			"come from an environment variable, so a Terraform Cloud workspace needs only variables.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Orka API, such as `https://acme.orka.app` or `http://10.221.188.20`. " +
					"Environment variable: `" + envEndpoint + "`.",
				Optional:   true,
				Validators: []validator.String{endpointValidator()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "Bearer token for the Orka API. Administrator-only resources (namespaces, service " +
					"accounts and their tokens, role bindings, registry credentials) need an administrator's user token " +
					"(`orka3 user get-token`, valid for one hour); VMs, VM configs and image caches also work with a " +
					"service-account token bound to their namespace (`orka3 serviceaccount token <name>`), which " +
					"stops working after Orka release and layer upgrades. See the Privileges table. " +
					"Environment variable: `" + envToken + "`.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{tokenValidator()},
			},
			"token_expiry_warning": tokenExpiryWarningAttribute(),
			"exec":                 execAttribute(),
			"eks":                  eksAttribute(),
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace used by namespaced resources that do not set their own. Defaults to `" +
					orka.DefaultNamespace + "`. Environment variable: `" + envNamespace + "`.",
				Optional:   true,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"ca_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM-encoded CA certificate to trust in addition to the system's, for clusters " +
					"behind a custom domain with a private or self-signed certificate. Environment variable: `" +
					envCACertificate + "`. Conflicts with `ca_certificate_file`.",
				Optional:   true,
				Validators: []validator.String{caCertificateValidator()},
			},
			"ca_certificate_file": schema.StringAttribute{
				MarkdownDescription: "Path of a PEM file holding that CA certificate, as `orkasim --tls` prints it. " +
					"Environment variable: `" + envCACertificateFile + "`. Conflicts with `ca_certificate`.",
				Optional: true,
			},
			"insecure_skip_verify": schema.BoolAttribute{
				MarkdownDescription: "Skip TLS certificate verification. For testing only; prefer `ca_certificate`. " +
					"Every run then warns that the cluster's identity is not checked. " +
					"Environment variable: `" + envInsecureSkipVerify + "`.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a failed idempotent request (and a create that surely "+
					"did not reach Orka) is retried on connection errors and HTTP 429, 502, 503 and 504, with capped "+
					"exponential backoff that honours a `Retry-After` of up to a minute (a longer one, such as a "+
					"maintenance window, fails at once). Defaults to %d. Environment variable: `%s`.",
					defaultMaxRetries, envMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"owner": schema.StringAttribute{
				MarkdownDescription: "Names this configuration in the mark the provider puts on the VMs it deploys, so " +
					"that configurations sharing a cluster never adopt, change or delete each other's VMs: a VM found " +
					"under a name this configuration wants is taken as its own only when it carries this owner. " +
					"Defaults to the HCP Terraform (Terraform Cloud) workspace a run belongs to (`" + envTFCWorkspaceSlug +
					"`, `organization/workspace`); elsewhere, give every configuration that shares a cluster an owner " +
					"of its own, such as `team-a/pool`. Unset, VMs carry the mark without an owner, shared by every " +
					"configuration that leaves it unset. Letters, digits and `-_./:@`, at most 63 characters. " +
					"Changing it makes the VMs already deployed look like someone else's: keep it stable. " +
					"Environment variable: `" + envOwner + "`.",
				Optional:   true,
				Validators: []validator.String{ownerValidator()},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Time limit of one HTTP request, as a Go duration such as `30s` or `2m`. " +
					"VM deployments are bounded by the resource's `timeouts` instead. Defaults to `60s`. " +
					"Environment variable: `" + envRequestTimeout + "`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{min: time.Second}},
			},
		},
	}
}

func (p *orkaProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	unknown := []struct {
		name string
		v    attr.Value
	}{
		{"endpoint", cfg.Endpoint}, {"token", cfg.Token}, {"namespace", cfg.Namespace},
		{"ca_certificate", cfg.CACertificate}, {"ca_certificate_file", cfg.CACertificateFile}, {"insecure_skip_verify", cfg.InsecureSkipVerify},
		{"max_retries", cfg.MaxRetries}, {"request_timeout", cfg.RequestTimeout}, {"owner", cfg.Owner},
		{"token_expiry_warning", cfg.TokenExpiryWarning}, {"exec", cfg.Exec}, {"eks", cfg.EKS},
	}
	for _, u := range unknown {
		if name := u.name; u.v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown Orka provider "+name,
				"The provider's "+name+" depends on a value that is known only after apply. Set it to a value "+
					"known at plan time, or use its environment variable.")
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	endpoint := stringOrEnv(cfg.Endpoint, envEndpoint)
	namespace := stringOrEnv(cfg.Namespace, envNamespace)
	if namespace == "" {
		namespace = orka.DefaultNamespace
	}
	// The schema validates the attribute; a value from the environment is checked here.
	if v := (validator.StringResponse{}); cfg.Namespace.IsNull() {
		namespaceNameValidator().ValidateString(ctx, validator.StringRequest{
			Path: path.Root("namespace"), ConfigValue: types.StringValue(namespace),
		}, &v)
		for _, d := range v.Diagnostics.Errors() {
			resp.Diagnostics.AddAttributeError(path.Root("namespace"), "Invalid "+envNamespace, envNamespace+": "+d.Detail())
		}
	}
	// Values from the environment bypass the schema's validators; the same rules apply to them.
	for _, env := range []struct {
		attr, name string
		v          types.String
		problem    func(string) string
	}{
		{"endpoint", envEndpoint, cfg.Endpoint, endpointProblem},
		{"token", envToken, cfg.Token, tokenProblem},
		{"ca_certificate", envCACertificate, cfg.CACertificate, caCertificateProblem},
	} {
		if s := os.Getenv(env.name); env.v.IsNull() && s != "" {
			if p := env.problem(s); p != "" {
				resp.Diagnostics.AddAttributeError(path.Root(env.attr), "Invalid "+env.name,
					fmt.Sprintf("%s (for %s): %s.", env.name, env.attr, p))
			}
		}
	}
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing Orka API endpoint",
			"Set endpoint in the provider \"orka\" block or the "+envEndpoint+" environment variable to the "+
				"Orka API URL, such as https://acme.orka.app.")
	}
	source, token := configuredTokenSource(ctx, cfg, p.now, &resp.Diagnostics)
	expiryLead := tokenExpiryWarning(cfg, &resp.Diagnostics)

	insecure, err := boolOrEnv(cfg.InsecureSkipVerify, envInsecureSkipVerify)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("insecure_skip_verify"), "Invalid "+envInsecureSkipVerify, err.Error())
	}
	retries, err := int64OrEnv(cfg.MaxRetries, envMaxRetries, defaultMaxRetries)
	if err != nil || retries < 0 || retries > 20 {
		resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Invalid "+envMaxRetries,
			envMaxRetries+" must be a whole number between 0 and 20.")
	}
	timeout := defaultRequestTimeout
	if s := stringOrEnv(cfg.RequestTimeout, envRequestTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("request_timeout (or %s) must be a Go duration of at least 1s, such as \"60s\"; got %q.", envRequestTimeout, s))
		}
		timeout = d
	}
	if resp.Diagnostics.HasError() {
		return
	}

	caPEM := caCertificate(cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	warnInsecureTransport(endpoint, insecure, &resp.Diagnostics)
	warnTokenExpiry(token, expiryLead, p.now(), &resp.Diagnostics)

	client, err := orka.New(orka.Config{
		Endpoint:           endpoint,
		TokenSource:        source,
		Now:                p.now,
		CACertificatePEM:   caPEM,
		InsecureSkipVerify: insecure,
		MaxRetries:         int(retries),
		RequestTimeout:     timeout,
		UserAgent:          "terraform-provider-orka/" + p.version,
	})
	if err != nil {
		resp.Diagnostics.AddError("Invalid Orka provider configuration", err.Error())
		return
	}
	owner := stringOrEnv(cfg.Owner, envOwner)
	if owner == "" {
		owner = os.Getenv(envTFCWorkspaceSlug)
	}
	if p := ownerProblem(owner); owner != "" && p != "" {
		resp.Diagnostics.AddAttributeError(path.Root("owner"), "Invalid owner", "owner (or "+envOwner+" or "+
			envTFCWorkspaceSlug+"): "+p+".")
		return
	}
	data := &providerData{client: client, namespace: namespace, now: p.now, owner: owner}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (p *orkaProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewVMConfigResource,
		NewVMResource,
		NewImageCacheResource,
		NewNamespaceResource,
		NewServiceAccountResource,
		NewServiceAccountTokenResource,
		NewRegistryCredentialResource,
		NewRoleBindingSubjectResource,
		NewNodeResource,
		NewImageResource,
	}
}

// ListResources are what `terraform query` (Terraform 1.14 and later) lists, to adopt an
// existing cluster.
func (p *orkaProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewVMConfigListResource,
		NewVMListResource,
		NewImageCacheListResource,
		NewNamespaceListResource,
		NewServiceAccountListResource,
		NewRegistryCredentialListResource,
		NewRoleBindingSubjectListResource,
		NewNodeListResource,
		NewImageListResource,
	}
}

// Actions preserve what an upgrade would delete (Terraform 1.14 and later run them).
func (p *orkaProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewVMSaveAction, NewVMPushAction}
}

// Functions need no cluster: they compute from the provider's own tables (Terraform 1.8 and
// later, OpenTofu 1.7 and later).
func (p *orkaProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewUpgradeEffectsFunction, NewParseMemoryFunction, NewRoundMemoryFunction}
}

func (p *orkaProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewServiceAccountTokenEphemeralResource,
	}
}

func (p *orkaProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVMConfigDataSource,
		NewVMsDataSource,
		NewNodesDataSource,
		NewImagesDataSource,
		NewClusterDataSource,
		NewUpgradeWindowDataSource,
	}
}

func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func boolOrEnv(v types.Bool, env string) (bool, error) {
	if !v.IsNull() {
		return v.ValueBool(), nil
	}
	s := os.Getenv(env)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false; got %q", env, s)
	}
	return b, nil
}

func int64OrEnv(v types.Int64, env string, def int64) (int64, error) {
	if !v.IsNull() {
		return v.ValueInt64(), nil
	}
	s := os.Getenv(env)
	if s == "" {
		return def, nil
	}
	return strconv.ParseInt(s, 10, 64)
}
