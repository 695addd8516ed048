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
// run is cut short; the node's other tags are never touched.
func (p *probe) checkNodeTag(ctx context.Context) error {
	const id = "node-tag-body"
	node, err := p.c.FindNode(ctx, p.opts.TagNode)
	if err != nil {
		return fmt.Errorf("finding node %s: %w", p.opts.TagNode, err)
	}
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
