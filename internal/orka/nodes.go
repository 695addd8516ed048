package orka

import "context"

// ListNodes lists the nodes visible in a namespace ("" means orka-default).
func (c *Client) ListNodes(ctx context.Context, namespace string) ([]Node, error) {
	return list[Node](ctx, c, routeNodes(namespaceOrDefault(namespace)))
}
