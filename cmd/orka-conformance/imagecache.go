package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/scratch"
)

// The image cache has two families of routes (orka-api.md §8): the documented one, of which
// MacStadium's orka3 CLI reference gives POST .../cache/images/{image}/remove (207
// Multi-Status), with add, read and list under .../cache/images by analogy; and the older
// .../imagecache routes the client was first written against. A plain run reads the cache
// through the provider's client (imagecache-read); -cache-image asks the cluster which routes
// of both families it serves (image-cache-routes) and runs one cache cycle, with requests of
// its own, through the routes it serves (imagecache-write), so that neither depends on which
// family the client calls.

func (p *probe) checkImageCache(ctx context.Context) error {
	caches, err := p.c.ListImageCaches(ctx, p.nsA)
	if err != nil {
		p.rep.contradict("imagecache-read", p.rec.latest(), p.rec, "listing: %v", err)
	} else {
		_, err = p.c.GetImageCache(ctx, p.nsA, scratch.Name("image")+":latest")
		if p.expectStatus("imagecache-read", err, http.StatusNotFound, "", "reading the cache of an image cached nowhere") {
			p.rep.confirm("imagecache-read", "the scratch namespace's list decoded (%d item(s))", len(caches))
		}
	}
	if p.opts.CacheImage == "" {
		return nil
	}
	return p.checkImageCacheWrite(ctx)
}

// Families of image-cache routes.
const (
	cacheDocumented = "documented" // .../cache/images/...
	cacheLegacy     = "legacy"     // .../imagecache/...
)

var cacheFamilies = []string{cacheDocumented, cacheLegacy}

// cacheRoute is one route of one family: its path, and whether the cluster serves it (nil
// while unknown), with the answer that says so.
type cacheRoute struct {
	path   string
	served *bool
	seen   string
	ex     *exchange
}

func (r *cacheRoute) set(served bool, ex *exchange) {
	r.served = &served
	r.seen, r.ex = describe(ex), ex
}

func (r *cacheRoute) isServed() bool { return r.served != nil && *r.served }

// cacheRoutes is what the probe found out about both families in one namespace.
type cacheRoutes struct {
	ns, image string
	// list, read, add and remove of each family.
	list, read, add, remove map[string]*cacheRoute
	// removeStatus is the status of the documented removal that removed the image from the
	// node, 0 until it was called.
	removeStatus int
}

func newCacheRoutes(ns, image string) *cacheRoutes {
	return &cacheRoutes{ns: ns, image: image,
		list: map[string]*cacheRoute{
			cacheDocumented: {path: apiRoute("namespaces", ns, "cache", "images")},
			cacheLegacy:     {path: apiRoute("namespaces", ns, "imagecache")},
		},
		read: map[string]*cacheRoute{
			cacheDocumented: {path: apiRoute("namespaces", ns, "cache", "images", image)},
			cacheLegacy:     {path: apiRoute("namespaces", ns, "imagecache", image)},
		},
		add: map[string]*cacheRoute{
			cacheDocumented: {path: apiRoute("namespaces", ns, "cache", "images", image, "add")},
			cacheLegacy:     {path: apiRoute("namespaces", ns, "imagecache", "add")},
		},
		remove: map[string]*cacheRoute{
			cacheDocumented: {path: apiRoute("namespaces", ns, "cache", "images", image, "remove")},
			cacheLegacy:     {path: apiRoute("namespaces", ns, "imagecache", "remove")},
		},
	}
}

// cacheBody is an add or remove body. It names the image as well as the path does, so that
// one body suits both families; Orka ignores keys it does not know.
type cacheBody struct {
	Image string   `json:"image"`
	Nodes []string `json:"nodes"`
	Tags  []string `json:"tags,omitempty"`
	All   bool     `json:"all"`
}

// noNode selects no node at all: a route that exists refuses it (400: exactly one selector is
// required) without doing anything; one that does not exist answers 404 or 405.
func (c *cacheRoutes) noNode() cacheBody { return cacheBody{Image: c.image, Nodes: []string{}} }

// probeCacheWrites asks a write route of each family to act on no node, to learn whether the
// cluster serves it.
func (p *probe) probeCacheWrites(ctx context.Context, c *cacheRoutes, routes map[string]*cacheRoute) error {
	for _, fam := range cacheFamilies {
		r := routes[fam]
		ex, err := p.raw.do(ctx, http.MethodPost, r.path, c.noNode())
		if err != nil {
			return err
		}
		r.set(ex.Status != http.StatusNotFound && ex.Status != http.StatusMethodNotAllowed, ex)
		if ex.ok() {
			p.fail("asking "+ex.Path+" to act on no node", fmt.Errorf("it answered %d, not 400: it may have acted on some node (see the namespace's image cache)", ex.Status))
		}
	}
	return nil
}

// probeCacheLists asks both list routes: a route the cluster serves answers 2xx.
func (p *probe) probeCacheLists(ctx context.Context, c *cacheRoutes) error {
	for _, fam := range cacheFamilies {
		ex, err := p.raw.do(ctx, http.MethodGet, c.list[fam].path, nil)
		if err != nil {
			return err
		}
		c.list[fam].set(ex.ok(), ex)
	}
	return nil
}

// probeCacheReads asks both read routes for the image while it has an entry on a node: a
// route the cluster serves answers 2xx.
func (p *probe) probeCacheReads(ctx context.Context, c *cacheRoutes) error {
	for _, fam := range cacheFamilies {
		ex, err := p.raw.do(ctx, http.MethodGet, c.read[fam].path, nil)
		if err != nil {
			return err
		}
		c.read[fam].set(ex.ok(), ex)
	}
	return nil
}

// readCache reads the image's cache through one family's read route; found is false when the
// route answered 404 (cached nowhere).
func (p *probe) readCache(ctx context.Context, c *cacheRoutes, fam string) (ic *orka.ImageCache, found bool, err error) {
	ex, err := p.raw.do(ctx, http.MethodGet, c.read[fam].path, nil)
	switch {
	case err != nil:
		return nil, false, err
	case ex.Status == http.StatusNotFound:
		return nil, false, nil
	case !ex.ok():
		return nil, false, fmt.Errorf("reading the image cache: %s", describe(ex))
	}
	ic = &orka.ImageCache{}
	if err := json.Unmarshal(ex.body, ic); err != nil {
		return nil, false, fmt.Errorf("%s: the answer is not an image-cache item: %w", describe(ex), err)
	}
	return ic, true, nil
}

func onNode(ic *orka.ImageCache, node string) int {
	if ic == nil {
		return -1
	}
	return slices.IndexFunc(ic.Nodes, func(n orka.ImageCacheNode) bool { return n.Node == node })
}

// removeFromNode removes the image from one node: through the documented removal when the
// cluster serves it, else through the older route. It returns the answer that removed it.
func (p *probe) removeFromNode(ctx context.Context, c *cacheRoutes, node string) (*exchange, error) {
	body := cacheBody{Image: c.image, Nodes: []string{node}}
	ex, err := p.raw.do(ctx, http.MethodPost, c.remove[cacheDocumented].path, body)
	if err != nil {
		return nil, err
	}
	c.remove[cacheDocumented].set(!routeMissing(ex) && ex.Status != http.StatusNotFound, ex)
	c.removeStatus = ex.Status
	if c.remove[cacheDocumented].isServed() || !c.remove[cacheLegacy].isServed() {
		return ex, nil
	}
	return p.raw.do(ctx, http.MethodPost, c.remove[cacheLegacy].path, body)
}

// checkImageCacheWrite caches -cache-image on one READY node of -deploy-namespace that does
// not have it yet, then removes it from that node again. It first asks which routes of both
// families the cluster serves (asking to add and remove on no node does nothing), runs the
// cycle through the documented family when the cluster serves its add route (else through the
// older one), and removes through the documented removal when it is served.
func (p *probe) checkImageCacheWrite(ctx context.Context) error {
	const id, routesID = "imagecache-write", "image-cache-routes"
	ns, image := p.opts.DeployNamespace, p.opts.CacheImage
	c := newCacheRoutes(ns, image)
	if err := p.probeCacheLists(ctx, c); err != nil {
		return err
	}
	if err := p.probeCacheWrites(ctx, c, c.add); err != nil {
		return err
	}
	if err := p.probeCacheWrites(ctx, c, c.remove); err != nil {
		return err
	}
	// The documented removal is judged by the real one below, not by this probe.
	c.remove[cacheDocumented].served = nil
	fam := cacheDocumented
	switch {
	case c.add[cacheDocumented].isServed():
	case c.add[cacheLegacy].isServed():
		fam = cacheLegacy
	default:
		p.rep.contradict(id, c.add[cacheDocumented].ex, p.rec, "the cluster serves no add route: %s; %s", c.add[cacheDocumented].seen, c.add[cacheLegacy].seen)
		p.reportCacheRoutes(c, "")
		return nil
	}

	ic, found, err := p.readCache(ctx, c, fam)
	if err != nil {
		return err
	}
	cached := map[string]bool{}
	if found {
		for _, n := range ic.Nodes {
			cached[n.Node] = true
		}
	}
	nodes, err := p.c.ListNodes(ctx, ns)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(nodes, func(n orka.Node) bool { return n.Phase == "READY" && !cached[n.Name] })
	if i < 0 {
		p.rep.skip(id, "no READY node in %s without %s cached", ns, image)
		p.rep.skip(routesID, "no READY node in %s without %s cached", ns, image)
		return nil
	}
	node := nodes[i].Name
	p.track("image cache of "+image+" on "+node, func(ctx context.Context) error {
		ic, found, err := p.readCache(ctx, c, fam)
		if err != nil || !found || onNode(ic, node) < 0 {
			return err
		}
		ex, err := p.removeFromNode(ctx, c, node)
		if err == nil && !ex.ok() {
			err = fmt.Errorf("removing: %s", describe(ex))
		}
		return err
	})
	addEx, err := p.raw.do(ctx, http.MethodPost, c.add[fam].path, cacheBody{Image: image, Nodes: []string{node}})
	if err != nil {
		return err
	}
	if !addEx.ok() {
		p.rep.contradict(id, addEx, p.rec, "adding %s to node %s through the %s routes: %s", image, node, fam, describe(addEx))
		p.reportCacheRoutes(c, "")
		return nil
	}
	known := []string{orka.CacheStatusCaching, orka.CacheStatusReady, orka.CacheStatusFailed}
	var seen []string
	timedOut := false
	deadline := time.Now().Add(p.opts.CacheWait)
	for {
		ic, found, err := p.readCache(ctx, c, fam)
		if err != nil {
			p.rep.contradict(id, p.rec.latest(), p.rec, "reading after add (%s routes): %v", fam, err)
			return nil
		}
		j := onNode(ic, node)
		if !found || j < 0 {
			p.rep.contradict(id, p.rec.latest(), p.rec, "node %s is not listed after add (%s routes)", node, fam)
			return nil
		}
		st := ic.Nodes[j].Status
		if !slices.Contains(known, st) {
			p.rep.contradict(id, p.rec.latest(), p.rec, "node status %q is none of %s", st, strings.Join(known, ", "))
			return nil
		}
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st != orka.CacheStatusCaching {
			break
		}
		if time.Now().After(deadline) {
			p.rep.skip(id, "still Caching on %s after %s", node, p.opts.CacheWait)
			timedOut = true
			break // the routes can be asked all the same: go on, and remove it
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.opts.PollInterval):
		}
	}
	// The image has an entry on the node now: a read route the cluster serves finds it.
	if err := p.probeCacheReads(ctx, c); err != nil {
		return err
	}
	removeEx, err := p.removeFromNode(ctx, c, node)
	if err != nil {
		return err
	}
	if !removeEx.ok() {
		p.rep.contradict(id, removeEx, p.rec, "removing %s from node %s: %s", image, node, describe(removeEx))
		p.reportCacheRoutes(c, node)
		return nil
	}
	// Removal runs as a job on the node (orka3 CLI reference: Removing, then gone; Failed keeps
	// the image cached): wait for it to end.
	var left *orka.ImageCache
	found = true
	for deadline := time.Now().Add(p.opts.CacheWait); ; {
		if left, found, err = p.readCache(ctx, c, fam); err != nil {
			return err
		}
		i := onNode(left, node)
		if !found || i < 0 || left.Nodes[i].Status != orka.CacheStatusRemoving || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.opts.PollInterval):
		}
	}
	if found && onNode(left, node) >= 0 {
		p.rep.contradict(id, p.rec.latest(), p.rec, "node %s is still listed after remove (status %s)", node, left.Nodes[onNode(left, node)].Status)
	} else if !timedOut {
		p.rep.confirm(id, "cached on %s through %s (status %s), then removed through %s", node,
			routeOf(addEx), strings.Join(seen, " -> "), routeOf(removeEx))
	}
	p.reportCacheRoutes(c, node)
	return nil
}

// routeOf names the route of an answer, as a template.
func routeOf(ex *exchange) string { return ex.Method + " " + template(ex.Path) }

// reportCacheRoutes records image-cache-routes: the documented removal must answer 207; the
// variant says where add, read and list are served.
func (p *probe) reportCacheRoutes(c *cacheRoutes, node string) {
	const id = "image-cache-routes"
	ops := []struct {
		name string
		m    map[string]*cacheRoute
	}{{"add", c.add}, {"read", c.read}, {"list", c.list}}
	allDoc, noDoc, allLegacy, unknown := true, true, true, false
	var where []string
	for _, op := range ops {
		d, l := op.m[cacheDocumented], op.m[cacheLegacy]
		if d.served == nil || l.served == nil {
			p.rep.note(id, "%s: not asked (the cycle stopped before)", op.name)
			unknown = true
			continue
		}
		doc, leg := *d.served, *l.served
		p.rep.note(id, "%s: %s; %s", op.name, seenText(d), seenText(l))
		switch {
		case doc && leg:
			where = append(where, op.name+" on both")
		case doc:
			where = append(where, op.name+" documented only")
		case leg:
			where = append(where, op.name+" legacy only")
		default:
			where = append(where, op.name+" on neither")
			p.rep.contradict(id, d.ex, p.rec, "the cluster serves %s on neither family of routes", op.name)
		}
		allDoc = allDoc && doc
		noDoc = noDoc && !doc
		allLegacy = allLegacy && leg
	}
	switch {
	case unknown:
	case allDoc:
		p.rep.variant(id, "documented")
	case noDoc && allLegacy:
		p.rep.variant(id, "legacy-add-read")
	default:
		p.rep.variant(id, "mixed: "+strings.Join(where, ", "))
	}
	if l := c.remove[cacheLegacy]; l.served != nil {
		p.rep.note(id, "remove (older route, asked to act on no node): %s", seenText(l))
	}
	d := c.remove[cacheDocumented]
	switch c.removeStatus {
	case 0:
		p.rep.note(id, "remove: the documented removal was not reached")
	case http.StatusMultiStatus:
		p.rep.confirm(id, "remove: %s (node %s)", d.seen, node)
	default:
		p.rep.contradict(id, d.ex, p.rec, "remove: %s, expected 207", d.seen)
	}
}

func seenText(r *cacheRoute) string {
	verdict := "not served"
	if r.isServed() {
		verdict = "served"
	}
	return r.seen + " (" + verdict + ")"
}
