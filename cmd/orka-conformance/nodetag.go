package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// checkNodeTag (-tag-node NODE) adds a scratch tag to that one node, reads it back, removes it
// and reads again. The tag is a scratch name, so the cleanup (and -sweep) can remove it when the
// run is cut short; the node's other tags are never touched. Then it moves the node into the
// scratch namespace and back (checkNodeMove).
func (p *probe) checkNodeTag(ctx context.Context) error {
	node, err := p.c.FindNode(ctx, p.opts.TagNode)
	if err != nil {
		return fmt.Errorf("finding node %s: %w", p.opts.TagNode, err)
	}
	if err := p.checkTagging(ctx, node); err != nil {
		return err
	}
	return p.checkNodeMove(ctx, node.Name, node.Namespace)
}

func (p *probe) checkTagging(ctx context.Context, node *orka.Node) error {
	const id = "node-tag-body"
	name, ns, tag := node.Name, node.Namespace, scratch.Name("tag")
	p.track("tag "+tag+" on node "+name, func(ctx context.Context) error { return p.untagIfPresent(ctx, name, tag) })
	if err := p.c.TagNode(ctx, ns, name, tag); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, `tagging node %s with {"tag": %q}: %v`, name, tag, err)
		return nil
	}
	n, err := p.c.GetNode(ctx, ns, name)
	if err != nil {
		return err
	}
	if !slices.Contains(n.OrkaTags, tag) {
		p.rep.contradict(id, p.rec.latest(), p.rec, "the tag call was accepted, but node %s's orkaTags %v lack %s", name, n.OrkaTags, tag)
		return nil
	}
	if err := p.c.UntagNode(ctx, ns, name, tag); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, `untagging node %s with {"tag": %q}: %v`, name, tag, err)
		return nil
	}
	if n, err = p.c.GetNode(ctx, ns, name); err != nil {
		return err
	}
	if slices.Contains(n.OrkaTags, tag) {
		p.rep.contradict(id, p.rec.latest(), p.rec, "the untag call was accepted, but node %s still carries %s", name, tag)
		return nil
	}
	p.rep.confirm(id, "tag %s appeared in the orkaTags of node %s (namespace %s), and left them after untag", tag, name, ns)
	return nil
}

// untagIfPresent removes a scratch tag from a node, wherever the node is now.
func (p *probe) untagIfPresent(ctx context.Context, node, tag string) error {
	n, err := p.c.FindNode(ctx, node)
	if err != nil {
		return err
	}
	if !slices.Contains(n.OrkaTags, tag) {
		return nil
	}
	err = p.c.UntagNode(ctx, n.Namespace, node, tag)
	if orka.IsNotFound(err) {
		return nil
	}
	return err
}

// checkNodeMove moves the node into the probe's scratch namespace and back into its own
// (POST .../nodes/{node}/namespace, documented). Orka moves only a node that runs no VM, so a
// node that runs one is left alone. While it is away, the node's namespace has one node fewer:
// its deploys may wait for a few seconds. The cleanup (and -sweep) moves it back when the run
// is cut short.
func (p *probe) checkNodeMove(ctx context.Context, name, home string) error {
	const id = "node-move"
	vms, err := p.c.ListVMs(ctx, home)
	if err != nil {
		return err
	}
	var running []string
	for _, vm := range vms {
		if vm.Node == name {
			running = append(running, vm.Name)
		}
	}
	if len(running) > 0 {
		p.rep.skip(id, "node %s runs VM(s) %v; Orka moves only a node that runs none, so it was not moved", name, running)
		return nil
	}
	p.track("node "+name+" back to "+home, func(ctx context.Context) error {
		n, err := p.c.FindNode(ctx, name)
		if err != nil || n.Namespace == home {
			return err
		}
		return p.c.MoveNode(ctx, n.Namespace, name, home)
	})
	if err := p.c.MoveNode(ctx, home, name, p.nsA); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "moving node %s from %s to %s: %v", name, home, p.nsA, err)
		return nil
	}
	if _, err := p.c.GetNode(ctx, p.nsA, name); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "the move was accepted, but node %s is not listed in %s: %v", name, p.nsA, err)
		return nil
	}
	if err := p.c.MoveNode(ctx, p.nsA, name, home); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "moving node %s back from %s to %s: %v", name, p.nsA, home, err)
		return nil
	}
	if _, err := p.c.GetNode(ctx, home, name); err != nil {
		p.rep.contradict(id, p.rec.latest(), p.rec, "the move back was accepted, but node %s is not listed in %s: %v", name, home, err)
		return nil
	}
	p.rep.confirm(id, "node %s moved from %s to %s and back", name, home, p.nsA)
	return nil
}
