package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*imagesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*imagesDataSource)(nil)
)

// NewImagesDataSource is data "orka_images": the cluster's local images.
func NewImagesDataSource() datasource.DataSource { return &imagesDataSource{} }

type imagesDataSource struct {
	data *providerData
}

type imagesModel struct {
	ID     types.String     `tfsdk:"id"`
	Images []imageItemModel `tfsdk:"images"`
}

type imageItemModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Arch        types.String `tfsdk:"arch"`
}

func (d *imagesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_images"
}

func (d *imagesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the cluster's local images (`*.img` for Intel, `*.orkasi` for Apple silicon). " +
			"OCI images are not listed: any OCI reference can be deployed.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "Always `images`.", Computed: true},
			"images": schema.ListNestedAttribute{
				MarkdownDescription: "The images, sorted by name.", Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":        schema.StringAttribute{MarkdownDescription: "Image name.", Computed: true},
					"description": schema.StringAttribute{MarkdownDescription: "Description.", Computed: true},
					"arch":        schema.StringAttribute{MarkdownDescription: "`arm64` or `amd64`.", Computed: true},
				}},
			},
		},
	}
}

func (d *imagesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imagesDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	images, err := d.data.client.ListImages(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not list images", err)
		return
	}
	sort.Slice(images, func(i, j int) bool { return images[i].Name < images[j].Name })
	m := imagesModel{ID: types.StringValue("images"), Images: []imageItemModel{}}
	for _, img := range images {
		m.Images = append(m.Images, imageItemModel{
			Name: types.StringValue(img.Name), Description: types.StringValue(img.Description), Arch: stringOrNull(img.Type),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
