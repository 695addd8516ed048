package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewServiceAccountListResource lists service accounts.
func NewServiceAccountListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_service_account", workspace: adminWorkspace, plural: "service accounts", identity: nsNameIdentity,
		items: func(ctx context.Context, pd *providerData, ns string, _ timeouts.Value) ([]listItem, error) {
			accounts, err := pd.client.ListServiceAccounts(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(accounts))
			for _, a := range accounts {
				out = append(out, listItem{name: a.Name, display: ns + "/" + a.Name, state: serviceAccountModel{
					ID: types.StringValue(ns + "/" + a.Name), Name: types.StringValue(a.Name), Namespace: types.StringValue(ns),
				}})
			}
			return out, nil
		},
	}}
}
