package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*nodesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*nodesDataSource)(nil)
)

// NewNodesDataSource is data "orka_nodes": the nodes of a namespace and their free capacity.
func NewNodesDataSource() datasource.DataSource { return &nodesDataSource{} }

type nodesDataSource struct {
	data *providerData
}

type nodesModel struct {
	ID        types.String    `tfsdk:"id"`
	Namespace types.String    `tfsdk:"namespace"`
	Nodes     []nodeItemModel `tfsdk:"nodes"`
}

type nodeItemModel struct {
	Name              types.String  `tfsdk:"name"`
	IP                types.String  `tfsdk:"ip"`
	Phase             types.String  `tfsdk:"phase"`
	Arch              types.String  `tfsdk:"arch"`
	Type              types.String  `tfsdk:"node_type"`
	Tags              []string      `tfsdk:"tags"`
	AvailableCPU      types.Int64   `tfsdk:"available_cpu"`
	AllocatableCPU    types.Int64   `tfsdk:"allocatable_cpu"`
	AvailableMemory   types.Float64 `tfsdk:"available_memory"`
	AllocatableMemory types.Float64 `tfsdk:"allocatable_memory"`
	AvailableGPU      types.Int64   `tfsdk:"available_gpu"`
	AllocatableGPU    types.Int64   `tfsdk:"allocatable_gpu"`
}

func (d *nodesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_nodes"
}

func (d *nodesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(doc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: doc, Computed: true}
	}
	num := func(doc string) schema.Attribute {
		return schema.Int64Attribute{MarkdownDescription: doc, Computed: true}
	}
	gib := func(doc string) schema.Attribute {
		return schema.Float64Attribute{MarkdownDescription: doc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the nodes available to a namespace with their phase, tags and free capacity.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "The namespace.", Computed: true},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace whose nodes to list. Defaults to the provider's `namespace`.", Optional: true,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"nodes": schema.ListNestedAttribute{
				MarkdownDescription: "The nodes, sorted by name.", Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": str("Node name."), "ip": str("Node IP."), "phase": str("`READY` or `NOT READY`."),
					"arch": str("`arm64` or `amd64`."), "node_type": str("Orka's node type, such as `WORKER`."),
					"tags":          schema.ListAttribute{MarkdownDescription: "Orka node tags.", ElementType: types.StringType, Computed: true},
					"available_cpu": num("Free CPU cores."), "allocatable_cpu": num("CPU cores VMs can use in all."),
					"available_memory": gib("Free memory in GiB."), "allocatable_memory": gib("Memory VMs can use in all, in GiB."),
					"available_gpu": num("Free GPUs."), "allocatable_gpu": num("GPUs in all."),
				}},
			},
		},
	}
}

func (d *nodesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *nodesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg nodesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := d.data.namespaceOr(cfg.Namespace)
	nodes, err := d.data.client.ListNodes(ctx, ns)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not list the nodes of namespace %q", ns), err)
		return
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	cfg.ID, cfg.Namespace = types.StringValue(ns), types.StringValue(ns)
	cfg.Nodes = []nodeItemModel{}
	for _, n := range nodes {
		tags := n.OrkaTags
		if tags == nil {
			tags = []string{}
		}
		cfg.Nodes = append(cfg.Nodes, nodeItemModel{
			Name: types.StringValue(n.Name), IP: stringOrNull(n.NodeIP), Phase: stringOrNull(n.Phase),
			Arch: stringOrNull(n.Arch), Type: stringOrNull(n.NodeType), Tags: tags,
			AvailableCPU: types.Int64Value(int64(n.AvailableCPU)), AllocatableCPU: types.Int64Value(int64(n.AllocatableCPU)),
			AvailableMemory: gibOrNull(n.AvailableMemory), AllocatableMemory: gibOrNull(n.AllocatableMemory),
			AvailableGPU: types.Int64Value(int64(n.AvailableGPU)), AllocatableGPU: types.Int64Value(int64(n.AllocatableGPU)),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

func gibOrNull(q string) types.Float64 {
	if gib, err := parseGiB(q); err == nil {
		return types.Float64Value(gib)
	}
	return types.Float64Null()
}
