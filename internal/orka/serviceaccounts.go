package orka

import (
	"context"
	"fmt"
	"net/http"
)

// ListServiceAccounts lists the service accounts of a namespace ("" means orka-default).
func (c *Client) ListServiceAccounts(ctx context.Context, namespace string) ([]ServiceAccount, error) {
	return list[ServiceAccount](ctx, c, routeServiceAccounts(namespaceOrDefault(namespace)))
}

// GetServiceAccount finds one service account by listing (a GET of one account is not
// documented). An absent account is an APIError with status 404, so IsNotFound is true.
func (c *Client) GetServiceAccount(ctx context.Context, namespace, name string) (*ServiceAccount, error) {
	if err := requireName("service account", name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	accounts, err := listOrGone[ServiceAccount](ctx, c, routeServiceAccounts(ns), ns)
	if err != nil {
		return nil, err
	}
	for _, sa := range accounts {
		if sa.Name == name && (sa.Namespace == "" || sa.Namespace == ns) {
			sa.Namespace = ns
			return &sa, nil
		}
	}
	return nil, notFound(routeServiceAccounts(ns), "service account", name, ns)
}

// CreateServiceAccount creates a service account (POST with an empty body); 409 (IsConflict)
// when it exists.
func (c *Client) CreateServiceAccount(ctx context.Context, namespace, name string) error {
	if err := requireName("service account", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeServiceAccount(namespaceOrDefault(namespace), name), nil)
}

// DeleteServiceAccount deletes a service account, which invalidates all its tokens.
func (c *Client) DeleteServiceAccount(ctx context.Context, namespace, name string) error {
	if err := requireName("service account", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeServiceAccount(namespaceOrDefault(namespace), name), nil)
}

// CreateServiceAccountToken mints a new token for a service account. The zero TokenRequest
// sends "{}", Orka's documented request for its default one-year token. The token never
// appears in logs or errors.
func (c *Client) CreateServiceAccountToken(ctx context.Context, namespace, name string, req TokenRequest) (string, error) {
	if err := requireName("service account", name); err != nil {
		return "", err
	}
	payload, err := encodeTokenRequest(req)
	if err != nil {
		return "", fmt.Errorf("encoding the token request: %w", err)
	}
	path := routeServiceAccountToken(namespaceOrDefault(namespace), name)
	body, err := c.do(ctx, call{method: http.MethodPost, path: path, body: payload, secretResponse: true})
	if err != nil {
		return "", err
	}
	token, err := decodeTokenResponse(body)
	if err != nil {
		return "", fmt.Errorf("POST %s: %w", path, err)
	}
	return token, nil
}
