package orka

import (
	"context"
	"net/http"
)

// ListVMs lists the VMs of a namespace ("" means orka-default).
func (c *Client) ListVMs(ctx context.Context, namespace string) ([]VM, error) {
	return list[VM](ctx, c, routeVMs(namespaceOrDefault(namespace)))
}

// GetVM reads one VM. A VM that is gone (normal after an Orka upgrade) is an APIError with
// IsNotFound.
func (c *Client) GetVM(ctx context.Context, namespace, name string) (*VM, error) {
	if err := requireName("VM", name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	out := VM{Name: name, Namespace: ns}
	if err := c.get(ctx, routeVM(ns, name), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeployVM deploys a VM and waits for Orka's synchronous answer: Running, Failed, or the
// server-side timeout. There is no per-attempt timeout; ctx bounds the call. req.Name must be
// set: after an AmbiguousError (answer lost) or a failed deploy, the VM may exist under that
// name, and the caller looks it up or deletes it.
func (c *Client) DeployVM(ctx context.Context, namespace string, req DeployVMRequest) (*VM, error) {
	if err := requireName("VM", req.Name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	path := routeVMs(ns)
	body, err := c.do(ctx, call{method: http.MethodPost, path: path, body: req, long: true})
	if err != nil {
		return nil, err
	}
	// Orka's answer fills this in; with an empty answer only the identity is known.
	out := VM{Name: req.Name, Namespace: ns}
	if err := decodeInto(http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteVM deletes a VM; a VM that is already gone is an APIError with IsNotFound.
func (c *Client) DeleteVM(ctx context.Context, namespace, name string) error {
	if err := requireName("VM", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, routeVM(namespaceOrDefault(namespace), name), nil)
}
