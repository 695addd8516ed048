package orka

import (
	"context"
	"net/http"
)

// ListNamespaces lists every namespace.
func (c *Client) ListNamespaces(ctx context.Context) ([]Namespace, error) {
	return list[Namespace](ctx, c, routeNamespaces())
}

// GetNamespace reads one namespace; a missing one is an APIError with IsNotFound.
func (c *Client) GetNamespace(ctx context.Context, name string) (*Namespace, error) {
	if err := requireName("namespace", name); err != nil {
		return nil, err
	}
	out := Namespace{Name: name}
	if err := c.get(ctx, routeNamespace(name), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateNamespace creates a namespace (names start with "orka-").
func (c *Client) CreateNamespace(ctx context.Context, name string, enableCustomPods bool) error {
	if err := requireName("namespace", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeNamespaces(),
		createNamespaceBody{Name: name, EnableCustomPods: enableCustomPods})
}

// DeleteNamespace deletes a namespace, which must hold no VMs.
func (c *Client) DeleteNamespace(ctx context.Context, name string) error {
	if err := requireName("namespace", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeNamespace(name), nil)
}
