package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
)

// NewVMConfigListResource lists the cluster's VM configs.
func NewVMConfigListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_vm_config", workspace: poolWorkspace, plural: "VM configs", identity: nameIdentity, clusterScoped: true,
		items: func(ctx context.Context, pd *providerData, _ string, _ timeouts.Value) ([]listItem, error) {
			cfgs, err := pd.client.ListVMConfigs(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(cfgs))
			for i := range cfgs {
				out = append(out, listItem{name: cfgs[i].Name, display: cfgs[i].Name + " (" + cfgs[i].Image + ")",
					state: vmConfigFromAPI(&cfgs[i], vmConfigModel{})})
			}
			return out, nil
		},
	}}
}
