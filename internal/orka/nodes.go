package orka

import (
	"context"
	"fmt"
	"net/http"
)

// Nodes belong to namespaces: a namespace lists, and runs VMs on, its own nodes only; a new
// namespace holds none until an administrator moves nodes into it. Moving and tagging are
// admin-only.

// ListNodes lists the nodes of a namespace ("" means orka-default).
func (c *Client) ListNodes(ctx context.Context, namespace string) ([]Node, error) {
	nodes, err := list[Node](ctx, c, routeNodes(namespaceOrDefault(namespace)))
	for i := range nodes {
		nodes[i].fillIP()
	}
	return nodes, err
}

// fillIP makes NodeIP and IP agree when Orka sent only one of them.
func (n *Node) fillIP() {
	if n.NodeIP == "" {
		n.NodeIP = n.IP
	}
	if n.IP == "" {
		n.IP = n.NodeIP
	}
}

// GetNode finds one node in a namespace by listing (the routes of a single node other than the
// admin operations are not documented). A node that is not in that namespace is an APIError
// with IsNotFound.
func (c *Client) GetNode(ctx context.Context, namespace, name string) (*Node, error) {
	if err := requireName("node", name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	nodes, err := c.ListNodes(ctx, ns)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if n.Name == name {
			n.Namespace = ns
			return &n, nil
		}
	}
	return nil, notFound(routeNodes(ns), "node", name, ns)
}

// FindNode finds a node in whichever namespace holds it: orka-default first, then every other
// namespace in the order Orka lists them. A node found nowhere is an APIError with IsNotFound.
// It needs a token that may list the nodes of every namespace (an administrator's).
func (c *Client) FindNode(ctx context.Context, name string) (*Node, error) {
	n, err := c.GetNode(ctx, DefaultNamespace, name)
	if err == nil || !IsNotFound(err) {
		return n, err
	}
	namespaces, err := c.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, ns := range namespaces {
		if ns.Name == DefaultNamespace {
			continue
		}
		n, err := c.GetNode(ctx, ns.Name, name)
		if err == nil {
			return n, nil
		}
		if !IsNotFound(err) {
			return nil, err
		}
	}
	return nil, &APIError{
		Method: http.MethodGet, Path: routeNamespaces(), StatusCode: http.StatusNotFound, Reason: "NotFound",
		Message: fmt.Sprintf("node %q not found in any namespace", name), Attempts: 1,
	}
}

// MoveNode moves a node from its namespace to target (orka3 node namespace). Orka refuses
// while the node runs VMs.
func (c *Client) MoveNode(ctx context.Context, namespace, name, target string) error {
	if err := requireName("node", name); err != nil {
		return err
	}
	if err := requireName("namespace", target); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeNodeNamespace(namespaceOrDefault(namespace), name),
		nodeNamespaceBody{Namespace: target})
}

// TagNode adds one tag to a node of a namespace.
func (c *Client) TagNode(ctx context.Context, namespace, name, tag string) error {
	if err := requireName("node", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeNodeTag(namespaceOrDefault(namespace), name), encodeNodeTag(tag))
}

// UntagNode removes one tag from a node of a namespace; a tag the node does not carry may be
// an APIError with IsNotFound.
func (c *Client) UntagNode(ctx context.Context, namespace, name, tag string) error {
	if err := requireName("node", name); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeNodeUntag(namespaceOrDefault(namespace), name), encodeNodeTag(tag))
}
