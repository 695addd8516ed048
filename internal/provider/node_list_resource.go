package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// NewNodeListResource lists the nodes of the namespaces asked for, each as an orka_node that
// keeps it where it is. An imported orka_node manages no tag until the configuration lists
// some (so that adopting a node never takes over tags someone else gave it), so the
// generated configuration has no tags: it then imports with no change. The node's tags are in
// its all_tags; copying them into tags makes this configuration manage them.
func NewNodeListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "_node", workspace: adminWorkspace, plural: "nodes", identity: nameIdentity,
		items: func(ctx context.Context, pd *providerData, ns string, _ timeouts.Value) ([]listItem, error) {
			nodes, err := pd.client.ListNodes(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make([]listItem, 0, len(nodes))
			for i := range nodes {
				n := &nodes[i]
				if n.Namespace == "" {
					n.Namespace = ns
				}
				display := fmt.Sprintf("%s (namespace %s)", n.Name, n.Namespace)
				if len(n.OrkaTags) > 0 {
					display = fmt.Sprintf("%s (namespace %s, tags %s)", n.Name, n.Namespace, quoteAll(n.OrkaTags))
				}
				out = append(out, listItem{name: n.Name, display: display,
					state: nodeState(n, types.SetNull(types.StringType), types.BoolNull())})
			}
			return out, nil
		},
	}}
}
