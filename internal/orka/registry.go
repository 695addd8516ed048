package orka

import (
	"context"
	"net/http"
)

// ListRegistryCredentials lists a namespace's OCI registry credentials (never passwords).
func (c *Client) ListRegistryCredentials(ctx context.Context, namespace string) ([]RegistryCredential, error) {
	return list[RegistryCredential](ctx, c, routeRegistryCredentials(namespaceOrDefault(namespace)))
}

// AddRegistryCredential adds (or, with Replace, replaces) the credential for in.Server. The
// password is sent once and never logged.
func (c *Client) AddRegistryCredential(ctx context.Context, namespace string, in RegistryCredentialInput) error {
	if err := requireName("registry server", in.Server); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeRegistryCredentialsAdd(namespaceOrDefault(namespace)), in)
}

// RemoveRegistryCredential removes the credential for a server (a DELETE with a JSON body).
func (c *Client) RemoveRegistryCredential(ctx context.Context, namespace, server string) error {
	if err := requireName("registry server", server); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeRegistryCredentialsRemove(namespaceOrDefault(namespace)),
		removeRegistryCredentialBody{Server: server})
}
