package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// sweeper removes what interrupted live acceptance tests and conformance runs left behind:
// every namespace whose name starts with scratch.Prefix, with everything in it, and every
// object elsewhere whose name starts with it (VMs, VM configs, service accounts, registry
// credentials for a prefixed host, role-binding subjects, node tags, images from -save-image).
// Nothing without the prefix is ever changed, but for a node found in a scratch namespace
// (-tag-node moves one there for a moment), which is moved back to orka-default before the
// namespace goes. Image caches carry no name of ours and are left alone.
type sweeper struct {
	c      *orka.Client
	raw    *rawClient // for the routes the client has no method for (deleting an image)
	dryRun bool
	out    io.Writer
	failed int
	// byHand are the leftovers only a person can remove (images, on a cluster that serves no
	// DELETE .../images/{image}; nodes moved back to orka-default that belonged elsewhere).
	byHand int
}

// remove does (or, in a dry run, announces) one removal.
func (s *sweeper) remove(ctx context.Context, what string, fn func(context.Context) error) {
	if s.dryRun {
		fmt.Fprintf(s.out, "would remove %s\n", what)
		return
	}
	if err := fn(ctx); err != nil && !orka.IsNotFound(err) {
		s.failed++
		fmt.Fprintf(s.out, "FAILED to remove %s: %v\n", what, err)
		return
	}
	fmt.Fprintf(s.out, "removed %s\n", what)
}

func (s *sweeper) failf(format string, args ...any) {
	s.failed++
	fmt.Fprintf(s.out, "FAILED: "+format+"\n", args...)
}

// run sweeps the cluster; it returns the number of failures.
func (s *sweeper) run(ctx context.Context) int {
	namespaces, err := s.c.ListNamespaces(ctx)
	if err != nil {
		s.failf("listing namespaces (the sweeper needs an administrator's token): %v", err)
		return s.failed
	}
	for _, ns := range namespaces {
		s.sweepNodeTags(ctx, ns.Name)
		if scratch.Owns(ns.Name) {
			s.sweepScratchNamespace(ctx, ns.Name)
		} else {
			s.sweepNamespace(ctx, ns.Name)
		}
	}
	s.sweepImages(ctx)
	configs, err := s.c.ListVMConfigs(ctx)
	if err != nil {
		s.failf("listing VM configs: %v", err)
	}
	for _, cfg := range configs {
		if scratch.Owns(cfg.Name) {
			s.remove(ctx, "VM config "+cfg.Name, func(ctx context.Context) error { return s.c.DeleteVMConfig(ctx, cfg.Name) })
		}
	}
	return s.failed
}

// sweepScratchNamespace removes a namespace of ours and everything in it (its VMs first: Orka
// does not delete a namespace that holds VMs), after moving out any node it holds.
func (s *sweeper) sweepScratchNamespace(ctx context.Context, ns string) {
	nodes, err := s.c.ListNodes(ctx, ns)
	if err != nil && !orka.IsNotFound(err) {
		s.failf("listing the nodes of %s: %v", ns, err)
		return
	}
	for _, n := range nodes {
		s.remove(ctx, "node "+n.Name+" from "+ns+" (moved to "+orka.DefaultNamespace+")", func(ctx context.Context) error {
			return s.c.MoveNode(ctx, ns, n.Name, orka.DefaultNamespace)
		})
		if !s.dryRun {
			s.byHand++
			fmt.Fprintf(s.out, "left for you: node %s is in %s now; if it belonged to another namespace, move it there (`orka3 node namespace %s <namespace>`)\n",
				n.Name, orka.DefaultNamespace, n.Name)
		}
	}
	vms, err := s.c.ListVMs(ctx, ns)
	if err != nil && !orka.IsNotFound(err) {
		s.failf("listing the VMs of %s: %v", ns, err)
		return
	}
	for _, vm := range vms {
		s.remove(ctx, "VM "+ns+"/"+vm.Name, func(ctx context.Context) error { return s.c.DeleteVM(ctx, ns, vm.Name) })
	}
	s.remove(ctx, "namespace "+ns, func(ctx context.Context) error { return s.c.DeleteNamespace(ctx, ns) })
}

// sweepNamespace removes our objects from a namespace that is not ours.
func (s *sweeper) sweepNamespace(ctx context.Context, ns string) {
	if vms, err := s.c.ListVMs(ctx, ns); err != nil {
		s.failf("listing the VMs of %s: %v", ns, err)
	} else {
		for _, vm := range vms {
			if scratch.Owns(vm.Name) {
				s.remove(ctx, "VM "+ns+"/"+vm.Name, func(ctx context.Context) error { return s.c.DeleteVM(ctx, ns, vm.Name) })
			}
		}
	}
	if accounts, err := s.c.ListServiceAccounts(ctx, ns); err != nil {
		s.failf("listing the service accounts of %s: %v", ns, err)
	} else {
		for _, sa := range accounts {
			if scratch.Owns(sa.Name) {
				s.remove(ctx, "service account "+ns+"/"+sa.Name, func(ctx context.Context) error {
					return s.c.DeleteServiceAccount(ctx, ns, sa.Name)
				})
			}
		}
	}
	if creds, err := s.c.ListRegistryCredentials(ctx, ns); err != nil {
		s.failf("listing the registry credentials of %s: %v", ns, err)
	} else {
		for _, cred := range creds {
			if scratch.OwnsServer(cred.Server) {
				s.remove(ctx, "registry credential "+ns+"/"+cred.Server, func(ctx context.Context) error {
					return s.c.RemoveRegistryCredential(ctx, ns, cred.Server)
				})
			}
		}
	}
	subs, err := s.c.ListRoleBindingSubjects(ctx, ns)
	if err != nil {
		s.failf("listing the orka-dev subjects of %s: %v", ns, err)
		return
	}
	var change orka.SubjectsChange
	for _, sub := range subs {
		switch {
		case sub.Kind == orka.SubjectKindUser && scratch.Owns(sub.Name):
			change.Users = append(change.Users, sub.Name)
		case sub.Kind == orka.SubjectKindServiceAccount && (scratch.Owns(sub.Name) || scratch.Owns(sub.Namespace)):
			ref := orka.ServiceAccountRef{Name: sub.Name, Namespace: sub.Namespace}
			if !slices.Contains(change.ServiceAccounts, ref) {
				change.ServiceAccounts = append(change.ServiceAccounts, ref)
			}
		}
	}
	if len(change.Users)+len(change.ServiceAccounts) > 0 {
		var names []string
		for _, u := range change.Users {
			names = append(names, "user "+u)
		}
		for _, sa := range change.ServiceAccounts {
			names = append(names, "service account "+sa.Namespace+"/"+sa.Name)
		}
		what := fmt.Sprintf("from %s's orka-dev binding: %s", ns, strings.Join(names, ", "))
		s.remove(ctx, what, func(ctx context.Context) error { return s.c.RemoveRoleBindingSubjects(ctx, ns, change) })
	}
}

// sweepNodeTags removes scratch tags (from -tag-node, or a live test) from the nodes of a
// namespace; a node's other tags stay.
func (s *sweeper) sweepNodeTags(ctx context.Context, ns string) {
	nodes, err := s.c.ListNodes(ctx, ns)
	if err != nil {
		s.failf("listing the nodes of %s: %v", ns, err)
		return
	}
	for _, n := range nodes {
		for _, tag := range n.OrkaTags {
			if scratch.Owns(tag) {
				s.remove(ctx, "tag "+tag+" from node "+n.Name, func(ctx context.Context) error {
					return s.c.UntagNode(ctx, ns, n.Name, tag)
				})
			}
		}
	}
}

// sweepImages removes the prefixed images (from -save-image).
func (s *sweeper) sweepImages(ctx context.Context) {
	images, err := s.c.ListImages(ctx)
	if err != nil {
		s.failf("listing images: %v", err)
		return
	}
	for _, img := range images {
		if !scratch.Owns(img.Name) {
			continue
		}
		if s.dryRun {
			fmt.Fprintf(s.out, "would remove image %s\n", img.Name)
			continue
		}
		ex, err := s.raw.do(ctx, "DELETE", apiRoute("namespaces", orka.DefaultNamespace, "images", img.Name), nil)
		switch {
		case err != nil:
			s.failf("removing image %s: %v", img.Name, err)
		case routeMissing(ex):
			s.byHand++
			fmt.Fprintf(s.out, "left for you: image %s (this cluster serves no DELETE .../images/{image}: run `orka3 image delete %s`)\n", img.Name, img.Name)
		case !ex.ok() && ex.Status != 404:
			s.failf("removing image %s: %s", img.Name, describe(ex))
		default:
			fmt.Fprintf(s.out, "removed image %s\n", img.Name)
		}
	}
}
