package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// NewNamespaceListResource lists the cluster's namespaces, orka-default excepted: it always
// exists and is not Terraform's to create or delete.
func NewNamespaceListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_namespace", workspace: adminWorkspace, plural: "namespaces (other than orka-default)", identity: nameIdentity, clusterScoped: true,
		items: func(ctx context.Context, pd *providerData, _ string, _ timeouts.Value) ([]listItem, error) {
			all, err := pd.client.ListNamespaces(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(all))
			for _, ns := range all {
				if ns.Name == orka.DefaultNamespace {
					continue
				}
				out = append(out, listItem{name: ns.Name, display: ns.Name, state: namespaceModel{
					ID: types.StringValue(ns.Name), Name: types.StringValue(ns.Name), EnableCustomPods: types.BoolValue(ns.CustomPods),
				}})
			}
			return out, nil
		},
	}}
}
