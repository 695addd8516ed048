package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

var (
	_ datasource.DataSource              = (*clusterDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*clusterDataSource)(nil)
)

// NewClusterDataSource is data "orka_cluster": what the cluster says about itself, and
// whether it answers at all. It never fails because the cluster is down: that is one of the
// things it reports, for use in check blocks.
func NewClusterDataSource() datasource.DataSource { return &clusterDataSource{} }

type clusterDataSource struct {
	data *providerData
}

type clusterModel struct {
	ID                    types.String `tfsdk:"id"`
	Endpoint              types.String `tfsdk:"endpoint"`
	Reachable             types.Bool   `tfsdk:"reachable"`
	TokenAccepted         types.Bool   `tfsdk:"token_accepted"`
	APIDomain             types.String `tfsdk:"api_domain"`
	KubernetesEndpoint    types.String `tfsdk:"kubernetes_endpoint"`
	KubernetesCA          types.String `tfsdk:"kubernetes_ca_certificate"`
	GPUPassthroughEnabled types.Bool   `tfsdk:"gpu_passthrough_enabled"`
}

func (d *clusterDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cluster"
}

func (d *clusterDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Cluster information (`GET /api/v1/cluster-info`) and whether the API answers and accepts " +
			"the provider's token. Reading it never fails because the cluster cannot be reached (a maintenance " +
			"window, a refused connection, a certificate the provider does not trust): `reachable` is then `false` " +
			"and a warning says why. The cluster-info route needs no token; `token_accepted` comes from one " +
			"authenticated read.",
		Attributes: map[string]schema.Attribute{
			"id":        schema.StringAttribute{MarkdownDescription: "The API endpoint.", Computed: true},
			"endpoint":  schema.StringAttribute{MarkdownDescription: "The API endpoint the provider uses.", Computed: true},
			"reachable": schema.BoolAttribute{MarkdownDescription: "Whether the Orka API answered.", Computed: true},
			"token_accepted": schema.BoolAttribute{
				MarkdownDescription: "Whether Orka accepted the provider's token; `false` after an upgrade " +
					"invalidated a service-account token. Null when the API did not answer.",
				Computed: true,
			},
			"api_domain": schema.StringAttribute{MarkdownDescription: "The cluster's API domain.", Computed: true},
			"kubernetes_endpoint": schema.StringAttribute{
				MarkdownDescription: "URL of the cluster's Kubernetes API (cluster-info's `apiEndpoint`): the `host` of the " +
					"official `kubernetes` provider, for custom pods and services in a namespace created with `enable_custom_pods`. " +
					"Orka authentication is Kubernetes authentication, so the same token works there.",
				Computed: true,
			},
			"kubernetes_ca_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM certificate of the CA that signed the Kubernetes API's certificate (cluster-info's " +
					"`certData`): the `cluster_ca_certificate` of the official `kubernetes` provider. Null when the cluster " +
					"did not answer or sent no certificate.",
				Computed: true,
			},
			"gpu_passthrough_enabled": schema.BoolAttribute{MarkdownDescription: "Whether VMs may use GPU passthrough.", Computed: true},
		},
	}
}

func (d *clusterDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *clusterDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	c := d.data.client
	m := clusterModel{
		ID: types.StringValue(c.Endpoint()), Endpoint: types.StringValue(c.Endpoint()),
		Reachable: types.BoolValue(false), TokenAccepted: types.BoolNull(),
		APIDomain: types.StringNull(), KubernetesEndpoint: types.StringNull(), GPUPassthroughEnabled: types.BoolNull(),
		KubernetesCA: types.StringNull(),
	}
	info, err := c.ClusterInfo(ctx)
	if err != nil {
		// Whatever kept the answer away (a maintenance window, a refused connection, a
		// certificate the provider does not trust), it is reported, never fatal: this data
		// source exists so that check blocks can look at `reachable`.
		summary, detail := describeAPIError("Could not read cluster information", err)
		resp.Diagnostics.AddWarning(summary, detail+"\n\nreachable is false.")
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
		return
	}
	m.Reachable = types.BoolValue(true)
	m.APIDomain = stringOrNull(info.APIDomain)
	m.KubernetesEndpoint = stringOrNull(info.APIEndpoint)
	if pem, ok := info.KubernetesCAPEM(); ok {
		m.KubernetesCA = types.StringValue(pem)
	}
	m.GPUPassthroughEnabled = types.BoolValue(info.GPUPassthroughEnabled)
	switch err := c.Probe(ctx); {
	case err == nil || orka.IsForbidden(err):
		m.TokenAccepted = types.BoolValue(true)
	case orka.IsUnauthorized(err):
		m.TokenAccepted = types.BoolValue(false)
		resp.Diagnostics.AddWarning(summaryTokenRejected, tokenRejectedAdviceFor(err))
	default:
		summary, detail := describeAPIError("Could not check the provider's token", err)
		resp.Diagnostics.AddWarning(summary, detail+"\n\ntoken_accepted is null: the check could not be made.")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
