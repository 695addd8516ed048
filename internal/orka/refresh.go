package orka

import "context"

// Refresh* read one object the way Terraform's refresh needs it, for estates of hundreds of
// objects: from its namespace's list, fetched once per run and kind and shared by every
// reader (see listCache), and, when the list does not hold the object, from the object's own
// request, which alone decides that it is gone (an APIError with IsNotFound). Create and
// delete paths, which must see the effect of a write at once, use the Get* calls.

// RefreshVM reads a VM for a refresh ("" means orka-default).
func (c *Client) RefreshVM(ctx context.Context, namespace, name string) (*VM, error) {
	if err := requireName("VM", name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	vm, err := refreshOne(ctx, c, routeVMs(ns),
		func(v *VM) bool { return v.Name == name && (v.Namespace == "" || v.Namespace == ns) },
		func() (*VM, error) { return c.GetVM(ctx, ns, name) })
	if err == nil && vm.Namespace == "" {
		vm.Namespace = ns
	}
	return vm, err
}

// RefreshVMConfig reads a VM config for a refresh.
func (c *Client) RefreshVMConfig(ctx context.Context, name string) (*VMConfig, error) {
	if err := requireName("VM config", name); err != nil {
		return nil, err
	}
	return refreshOne(ctx, c, routeVMConfigs(),
		func(v *VMConfig) bool { return v.Name == name },
		func() (*VMConfig, error) { return c.GetVMConfig(ctx, name) })
}

// RefreshImageCache reads the cache state of one image for a refresh.
func (c *Client) RefreshImageCache(ctx context.Context, namespace, image string) (*ImageCache, error) {
	if err := requireName("image", image); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	ic, err := refreshOneFrom(ctx, func() ([]ImageCache, error) { return c.sharedImageCaches(ctx, ns) },
		func(v *ImageCache) bool { return v.Image == image },
		func() (*ImageCache, error) { return c.GetImageCache(ctx, ns, image) })
	if err == nil && ic.Nodes == nil {
		ic.Nodes = []ImageCacheNode{}
	}
	return ic, err
}

// RefreshServiceAccount reads a service account for a refresh; one missing from the shared
// list is looked for again in a list fetched for it (there is no GET of one account).
func (c *Client) RefreshServiceAccount(ctx context.Context, namespace, name string) (*ServiceAccount, error) {
	if err := requireName("service account", name); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	sa, err := refreshOne(ctx, c, routeServiceAccounts(ns),
		func(v *ServiceAccount) bool { return v.Name == name && (v.Namespace == "" || v.Namespace == ns) },
		func() (*ServiceAccount, error) { return c.GetServiceAccount(ctx, ns, name) })
	if err == nil {
		sa.Namespace = ns
	}
	return sa, err
}

// RefreshNamespace reads a namespace for a refresh.
func (c *Client) RefreshNamespace(ctx context.Context, name string) (*Namespace, error) {
	if err := requireName("namespace", name); err != nil {
		return nil, err
	}
	return refreshOne(ctx, c, routeNamespaces(),
		func(v *Namespace) bool { return v.Name == name },
		func() (*Namespace, error) { return c.GetNamespace(ctx, name) })
}

// RefreshRegistryCredential reads a namespace's registry credential for server for a refresh;
// one missing from the shared list is looked for again in a list fetched for it (there is no
// GET of one credential).
func (c *Client) RefreshRegistryCredential(ctx context.Context, namespace, server string) (*RegistryCredential, error) {
	ns := namespaceOrDefault(namespace)
	path := routeRegistryCredentials(ns)
	match := func(v *RegistryCredential) bool { return v.Server == server }
	return refreshOne(ctx, c, path, match, func() (*RegistryCredential, error) {
		creds, err := listOrGone[RegistryCredential](ctx, c, path, ns)
		if err != nil {
			return nil, err
		}
		for i := range creds {
			if match(&creds[i]) {
				return &creds[i], nil
			}
		}
		return nil, notFound(path, "registry credential for", server, ns)
	})
}

// RefreshRoleBindingSubjects lists the subjects of a namespace's orka-dev role binding for the
// refresh of the one for which has is true: the shared list when it holds it, otherwise a
// list fetched for it.
func (c *Client) RefreshRoleBindingSubjects(ctx context.Context, namespace string, has func(RoleBindingSubject) bool) ([]RoleBindingSubject, error) {
	ns := namespaceOrDefault(namespace)
	return refreshList(ctx, c, routeRoleBindingSubjects(ns), ns,
		func(v *RoleBindingSubject) bool { return has(*v) })
}

// RefreshNode finds a node for a refresh: in orka-default's shared node list, and otherwise
// with FindNode, which looks afresh in every namespace.
func (c *Client) RefreshNode(ctx context.Context, name string) (*Node, error) {
	if err := requireName("node", name); err != nil {
		return nil, err
	}
	confirmed := false
	n, err := refreshOne(ctx, c, routeNodes(DefaultNamespace),
		func(v *Node) bool { return v.Name == name },
		func() (*Node, error) { confirmed = true; return c.FindNode(ctx, name) })
	if err == nil && !confirmed {
		n.Namespace = DefaultNamespace // as GetNode says of a node in orka-default's list
	}
	return n, err
}

// RefreshNodes lists a namespace's nodes from the run's shared list ("" means orka-default),
// for checks of node totals (allocatable CPU and memory, tags), which do not change with what
// runs on the nodes.
func (c *Client) RefreshNodes(ctx context.Context, namespace string) ([]Node, error) {
	shared, err := cachedList[Node](ctx, c, routeNodes(namespaceOrDefault(namespace)))
	if err != nil {
		return nil, err
	}
	nodes := append([]Node(nil), shared...) // the shared items are not ours to change
	for i := range nodes {
		nodes[i].fillIP()
	}
	return nodes, nil
}
