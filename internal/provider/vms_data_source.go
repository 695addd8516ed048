package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*vmsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*vmsDataSource)(nil)
)

// NewVMsDataSource is data "orka_vms": the VMs deployed in a namespace.
func NewVMsDataSource() datasource.DataSource { return &vmsDataSource{} }

type vmsDataSource struct {
	data *providerData
}

type vmsModel struct {
	ID         types.String  `tfsdk:"id"`
	Namespace  types.String  `tfsdk:"namespace"`
	NamePrefix types.String  `tfsdk:"name_prefix"`
	VMs        []vmItemModel `tfsdk:"vms"`
}

type vmItemModel struct {
	Name            types.String  `tfsdk:"name"`
	Namespace       types.String  `tfsdk:"namespace"`
	VMConfig        types.String  `tfsdk:"vm_config"`
	Image           types.String  `tfsdk:"image"`
	Node            types.String  `tfsdk:"node"`
	IP              types.String  `tfsdk:"ip"`
	SSHPort         types.Int64   `tfsdk:"ssh_port"`
	VNCPort         types.Int64   `tfsdk:"vnc_port"`
	ScreensharePort types.Int64   `tfsdk:"screenshare_port"`
	Status          types.String  `tfsdk:"status"`
	CPU             types.Int64   `tfsdk:"cpu"`
	Memory          types.Float64 `tfsdk:"memory"`
	DeployDate      types.String  `tfsdk:"deploy_date"`
	Arch            types.String  `tfsdk:"arch"`
}

func (d *vmsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vms"
}

func (d *vmsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(doc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: doc, Computed: true}
	}
	num := func(doc string) schema.Attribute {
		return schema.Int64Attribute{MarkdownDescription: doc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the VMs deployed in a namespace, for example to find VMs that are not managed here, " +
			"or to check that nothing runs before a maintenance window.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "The namespace.", Computed: true},
			"namespace": schema.StringAttribute{
				MarkdownDescription: "Namespace to list. Defaults to the provider's `namespace`.", Optional: true,
				Validators: []validator.String{namespaceNameValidator()},
			},
			"name_prefix": schema.StringAttribute{
				MarkdownDescription: "Only VMs whose name starts with this: lowercase letters, digits and `-`.", Optional: true,
				Validators: []validator.String{vmNamePrefixValidator()},
			},
			"vms": schema.ListNestedAttribute{
				MarkdownDescription: "The VMs, sorted by name.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": str("Name."), "namespace": str("Namespace."), "vm_config": str("VM config it was deployed from."),
					"image": str("Image."), "node": str("Node it runs on."), "ip": str("IP to reach it at."),
					"ssh_port": num("SSH node port."), "vnc_port": num("VNC node port."), "screenshare_port": num("Screen Sharing node port."),
					"status": str("`Running`, `Pending` or `Failed`."), "cpu": num("CPU cores."),
					"memory":      schema.Float64Attribute{MarkdownDescription: "Memory in GiB.", Computed: true},
					"deploy_date": str("When it was deployed (RFC 3339)."), "arch": str("`arm64` or `amd64`."),
				}},
			},
		},
	}
}

func (d *vmsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *vmsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg vmsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := d.data.namespaceOr(cfg.Namespace)
	vms, err := d.data.client.ListVMs(ctx, ns)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not list the VMs in namespace %q", ns), err)
		return
	}
	sort.Slice(vms, func(i, j int) bool { return vms[i].Name < vms[j].Name })
	cfg.ID = types.StringValue(ns)
	cfg.Namespace = types.StringValue(ns)
	cfg.VMs = []vmItemModel{}
	for _, v := range vms {
		if !strings.HasPrefix(v.Name, cfg.NamePrefix.ValueString()) {
			continue
		}
		item := vmItemModel{
			Name: types.StringValue(v.Name), Namespace: types.StringValue(ns), VMConfig: stringOrNull(v.VMConfig),
			Image: stringOrNull(v.Image), Node: stringOrNull(v.Node), IP: stringOrNull(v.IP),
			SSHPort: portValue(v.SSH), VNCPort: portValue(v.VNC), ScreensharePort: portValue(v.Screenshare),
			Status: types.StringValue(v.Status), CPU: types.Int64Value(int64(v.CPU)), Memory: gibOrNull(v.Memory),
			DeployDate: stringOrNull(v.DeployDate), Arch: stringOrNull(v.Type),
		}
		cfg.VMs = append(cfg.VMs, item)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
