package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	_ datasource.DataSource              = (*vmConfigDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*vmConfigDataSource)(nil)
)

// NewVMConfigDataSource is data "orka_vm_config": one existing VM config by name.
func NewVMConfigDataSource() datasource.DataSource { return &vmConfigDataSource{} }

type vmConfigDataSource struct {
	data *providerData
}

func (d *vmConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm_config"
}

func (d *vmConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{}
	for name, doc := range vmConfigDocs {
		doc = readOnlyDoc(doc)
		switch name {
		case "name":
			attrs[name] = schema.StringAttribute{MarkdownDescription: doc, Required: true,
				Validators: []validator.String{vmConfigNameValidator()}}
		case "id", "image", "tag", "scheduler", "node_name", "arch", "revision":
			attrs[name] = schema.StringAttribute{MarkdownDescription: doc, Computed: true}
		case "cpu", "display_width", "display_height", "display_dpi":
			attrs[name] = schema.Int64Attribute{MarkdownDescription: doc, Computed: true}
		case "memory":
			attrs[name] = schema.Float64Attribute{MarkdownDescription: doc, Computed: true}
		default:
			attrs[name] = schema.BoolAttribute{MarkdownDescription: doc, Computed: true}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an existing VM config by name, for example one managed outside this configuration.",
		Attributes:          attrs,
	}
}

func (d *vmConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *vmConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg vmConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := cfg.Name.ValueString()
	got, err := d.data.client.GetVMConfig(ctx, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read VM config %q", name), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, vmConfigFromAPI(got, vmConfigModel{}))...)
}
