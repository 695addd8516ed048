package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewImageListResource lists the cluster's local images (all in orka-default). Orka does not
// say which image a local image was copied from, so the generated configuration has no
// source: it describes the image as it is, which imports with no change.
func NewImageListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_image", workspace: poolWorkspace, plural: "local images", identity: nameIdentity, clusterScoped: true,
		items: func(ctx context.Context, pd *providerData, _ string, to timeouts.Value) ([]listItem, error) {
			images, err := pd.client.ListImages(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(images))
			for i := range images {
				img := &images[i]
				display := img.Name
				if img.Description != "" {
					display += " (" + img.Description + ")"
				}
				out = append(out, listItem{name: img.Name, display: display,
					state: imageFromAPI(img, imageModel{Source: types.StringNull(), Timeouts: to})})
			}
			return out, nil
		},
	}}
}
