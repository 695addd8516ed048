package orkasim

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// listNodes lists the nodes of one namespace: nodes belong to namespaces, and a new namespace
// holds none until an admin moves nodes into it.
func (s *Server) listNodes(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.nsLocked(c.ns()); err != nil {
		return 0, nil, err
	}
	u := s.st.usage()
	out := []Node{}
	for _, n := range s.st.nodes {
		if n.namespace == c.ns() {
			out = append(out, s.st.nodeView(n, u[n.name]))
		}
	}
	return http.StatusOK, listOf(out), nil
}

// nodeInNamespaceLocked returns the node of a .../nodes/{node}/... route. The route's {ns} must
// be the node's current namespace, as with every other namespaced object. ASSUMED: a real
// cluster may accept any namespace here, since Kubernetes nodes are cluster objects; a client
// that always names the node's namespace works with both.
func (s *Server) nodeInNamespaceLocked(c *call) (*nodeState, error) {
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return nil, err
	}
	n := s.st.node(c.params["node"])
	if n == nil || n.namespace != ns.name {
		return nil, notFound("node %q not found in namespace %q", c.params["node"], ns.name)
	}
	return n, nil
}

// vmsOnNodeLocked names, as namespace/name, every VM object assigned to a node, whatever its
// status: a Pending VM holds its node as much as a Running one.
func (st *state) vmsOnNodeLocked(node string) []string {
	var out []string
	for _, vm := range st.allVMs() {
		if vm.node == node {
			out = append(out, vm.vm.Namespace+"/"+vm.vm.Name)
		}
	}
	return out
}

// moveNodeLocked moves a node to a namespace, refusing while it runs VMs (as Orka does).
// Moving a node to the namespace it is in changes nothing.
func (s *Server) moveNodeLocked(n *nodeState, target string) error {
	if s.st.namespaces[target] == nil {
		return invalid("namespace", target, "must be an existing namespace")
	}
	if n.namespace == target {
		return nil
	}
	if vms := s.st.vmsOnNodeLocked(n.name); len(vms) > 0 {
		return conflict("node %q runs %d VM(s): %s; a node can change namespace only when it runs no VM: delete them first",
			n.name, len(vms), strings.Join(vms, ", "))
	}
	n.namespace = target
	s.wakeLocked()
	return nil
}

// moveNode serves POST .../nodes/{node}/namespace {"namespace": target}: orka3 node namespace.
func (s *Server) moveNode(c *call) (int, any, error) {
	var in nodeNamespaceInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Namespace == "" {
		return 0, nil, invalid("namespace", "", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.nodeInNamespaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.moveNodeLocked(n, in.Namespace); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.nodeView(n, s.st.usage()[n.name]), nil
}

var nodeTagPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)

// decodeNodeTag reads the body of .../tag and .../untag. ASSUMED: {"tag": "<tag>"}, one tag
// per call, at most 63 characters: alphanumerics and -_. starting and ending alphanumeric,
// the rules of a Kubernetes label value.
func decodeNodeTag(c *call) (string, error) {
	var in nodeTagInput
	if err := c.decode(&in); err != nil {
		return "", err
	}
	if !nodeTagPattern.MatchString(in.Tag) {
		return "", invalid("tag", in.Tag, "must be 1 to 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
	}
	return in.Tag, nil
}

// tagNode adds a tag to a node; a tag the node already carries changes nothing.
func (s *Server) tagNode(c *call) (int, any, error) {
	tag, err := decodeNodeTag(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.nodeInNamespaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if !slices.Contains(n.tags, tag) {
		n.tags = append(n.tags, tag)
		s.wakeLocked()
	}
	return http.StatusOK, s.st.nodeView(n, s.st.usage()[n.name]), nil
}

// untagNode removes a tag from a node; a tag the node does not carry is a 404.
func (s *Server) untagNode(c *call) (int, any, error) {
	tag, err := decodeNodeTag(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.nodeInNamespaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if !slices.Contains(n.tags, tag) {
		return 0, nil, notFound("node %q does not carry tag %q", n.name, tag)
	}
	n.tags = slices.DeleteFunc(n.tags, func(t string) bool { return t == tag })
	return http.StatusOK, s.st.nodeView(n, s.st.usage()[n.name]), nil
}

// nodesOfNamespaceLocked names the nodes of a namespace in seeded order.
func (st *state) nodesOfNamespaceLocked(ns string) []string {
	var out []string
	for _, n := range st.nodes {
		if n.namespace == ns {
			out = append(out, n.name)
		}
	}
	return out
}

// noNodesText says why a namespace without nodes cannot take VMs or image caches.
func noNodesText(ns string) string {
	return fmt.Sprintf("namespace %q holds no nodes: an administrator moves nodes into it first (orka3 node namespace)", ns)
}
