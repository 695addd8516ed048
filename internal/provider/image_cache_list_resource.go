package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewImageCacheListResource lists cached images. Orka does not record the selector a cache was
// made with, so each is listed with the nodes that hold it now, as import records it.
func NewImageCacheListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_image_cache", workspace: poolWorkspace, plural: "image caches", identity: imageCacheIdentity,
		items: func(ctx context.Context, pd *providerData, ns string, to timeouts.Value) ([]listItem, error) {
			caches, err := pd.client.ListImageCaches(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(caches))
			for i := range caches {
				c := &caches[i]
				nodes := make([]string, 0, len(c.Nodes))
				for _, n := range c.Nodes {
					nodes = append(nodes, n.Node)
				}
				set, d := types.SetValueFrom(ctx, types.StringType, nodes)
				status, d2 := nodeStatusMap(ctx, c, nil)
				if d.HasError() || d2.HasError() {
					return nil, fmt.Errorf("image cache %q: cannot record its nodes", c.Image)
				}
				out = append(out, listItem{name: c.Image, display: fmt.Sprintf("%s/%s (%d nodes)", ns, c.Image, len(nodes)),
					state: imageCacheModel{
						ID: types.StringValue(ns + "/" + c.Image), Namespace: types.StringValue(ns), Image: types.StringValue(c.Image),
						Nodes: set, Tags: types.SetNull(types.StringType), All: types.BoolNull(), NodeStatus: status, Timeouts: to,
					}})
			}
			return out, nil
		},
	}}
}
