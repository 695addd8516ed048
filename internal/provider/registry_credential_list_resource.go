package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewRegistryCredentialListResource lists registry credentials. Orka never returns a password:
// generated configuration leaves it for the user to fill in.
func NewRegistryCredentialListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_registry_credential", workspace: adminWorkspace, plural: "registry credentials", identity: registryCredentialIdentity,
		items: func(ctx context.Context, pd *providerData, ns string, _ timeouts.Value) ([]listItem, error) {
			creds, err := pd.client.ListRegistryCredentials(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(creds))
			for _, c := range creds {
				m := registryCredentialModel{
					Server: types.StringValue(c.Server), Username: types.StringValue(c.Username),
					AllowInsecure: types.BoolValue(c.AllowInsecure),
				}
				out = append(out, listItem{name: c.Server, display: ns + "/" + c.Server + " (" + c.Username + ")", state: m.stored(ns)})
			}
			return out, nil
		},
	}}
}
