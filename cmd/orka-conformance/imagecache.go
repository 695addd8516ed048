package main

import (
	"context"
	"encoding/json"
	"errors"
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
// .../imagecache routes the client was first written against. The probe asks the cluster
// which it serves (image-cache-routes) and runs one cache cycle through a family it serves.

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

// cacheRoutes is what the probe found out about both families in one namespace.
type cacheRoutes struct {
	ns, image string
	// list, read and add of each family.
	list, read, add map[string]*cacheRoute
	// remove is the documented removal: its status, 0 until it was called.
	removeStatus int
	removeSeen   string
	removeEx     *exchange
	removeNoop   bool // it was called after the image had been removed from the node another way
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
	}
}

func (c *cacheRoutes) removePath() string {
	return apiRoute("namespaces", c.ns, "cache", "images", c.image, "remove")
}

// cacheBody is an add or remove body. It names the image as well as the path does, so that
// one body suits both families; Orka ignores keys it does not know.
type cacheBody struct {
	Image string   `json:"image"`
	Nodes []string `json:"nodes"`
	Tags  []string `json:"tags,omitempty"`
	All   bool     `json:"all"`
}

// probeRoutes finds out, before anything is written, which list and add routes the cluster
// serves. A list route it serves answers 2xx. An add route is asked to add the image to no
// node at all (no nodes, no tags, all false), which a route that exists refuses (400: exactly
// one selector is required) without caching anything; one that does not exist answers 404
// or 405.
func (p *probe) probeCacheRoutes(ctx context.Context, c *cacheRoutes) error {
	for _, fam := range []string{cacheDocumented, cacheLegacy} {
		ex, err := p.raw.do(ctx, http.MethodGet, c.list[fam].path, nil)
		if err != nil {
			return err
		}
		c.list[fam].set(ex.ok(), ex)
		ex, err = p.raw.do(ctx, http.MethodPost, c.add[fam].path, cacheBody{Image: c.image, Nodes: []string{}})
		if err != nil {
			return err
		}
		c.add[fam].set(ex.Status != http.StatusNotFound && ex.Status != http.StatusMethodNotAllowed, ex)
		if ex.ok() {
			p.fail("asking "+ex.Path+" to cache "+c.image+" on no node", fmt.Errorf("it answered %d, not 400: it may have cached the image somewhere (see the namespace's image cache)", ex.Status))
		}
	}
	return nil
}

// probeCacheReads asks both read routes for the image. While it is cached on a node, a route
// the cluster serves answers 2xx; when it is cached nowhere, only a 405 or a 404 that is not a
// Kubernetes Status shows a route that does not exist.
func (p *probe) probeCacheReads(ctx context.Context, c *cacheRoutes, cached bool) error {
	for _, fam := range []string{cacheDocumented, cacheLegacy} {
		ex, err := p.raw.do(ctx, http.MethodGet, c.read[fam].path, nil)
		if err != nil {
			return err
		}
		if cached {
			c.read[fam].set(ex.ok(), ex)
		} else {
			c.read[fam].set(!routeMissing(ex), ex)
		}
	}
	return nil
}

// removeDocumented calls the documented removal for one node.
func (p *probe) removeDocumented(ctx context.Context, c *cacheRoutes, node string) error {
	ex, err := p.raw.do(ctx, http.MethodPost, c.removePath(), cacheBody{Image: c.image, Nodes: []string{node}})
	if err != nil {
		return err
	}
	c.removeStatus, c.removeSeen, c.removeEx = ex.Status, describe(ex), ex
	return nil
}

// cacheFamily reads, adds and removes through one family of routes: the legacy one through
// the provider's client, the documented one through the probe's own requests.
type cacheFamily struct {
	name   string
	get    func(context.Context) (*orka.ImageCache, error) // an error with status 404: cached nowhere
	add    func(context.Context, string) error
	remove func(context.Context, string) error
}

// rawStatusError is a raw request's answer that is not a success.
type rawStatusError struct{ ex *exchange }

func (e rawStatusError) Error() string { return describe(e.ex) }

// statusOf is the HTTP status of a failed call (the client's or a raw one), 0 for none.
func statusOf(err error) int {
	var re rawStatusError
	if errors.As(err, &re) {
		return re.ex.Status
	}
	if ae := apiError(err); ae != nil {
		return ae.StatusCode
	}
	return 0
}

func (p *probe) cacheFamilyOf(name string, c *cacheRoutes) cacheFamily {
	ns, image := c.ns, c.image
	if name == cacheLegacy {
		return cacheFamily{name: name,
			get: func(ctx context.Context) (*orka.ImageCache, error) { return p.c.GetImageCache(ctx, ns, image) },
			add: func(ctx context.Context, node string) error {
				return p.c.AddImageCache(ctx, ns, orka.ImageCacheRequest{Image: image, Nodes: []string{node}})
			},
			remove: func(ctx context.Context, node string) error {
				return p.c.RemoveImageCache(ctx, ns, orka.ImageCacheRequest{Image: image, Nodes: []string{node}})
			},
		}
	}
	call := func(ctx context.Context, method, path string, body any) (*exchange, error) {
		ex, err := p.raw.do(ctx, method, path, body)
		if err == nil && !ex.ok() {
			err = rawStatusError{ex}
		}
		return ex, err
	}
	return cacheFamily{name: name,
		get: func(ctx context.Context) (*orka.ImageCache, error) {
			ex, err := call(ctx, http.MethodGet, c.read[cacheDocumented].path, nil)
			if err != nil {
				return nil, err
			}
			var ic orka.ImageCache
			if err := json.Unmarshal(ex.body, &ic); err != nil {
				return nil, fmt.Errorf("%s: the answer is not an image-cache item: %w", describe(ex), err)
			}
			return &ic, nil
		},
		add: func(ctx context.Context, node string) error {
			_, err := call(ctx, http.MethodPost, c.add[cacheDocumented].path, cacheBody{Image: image, Nodes: []string{node}})
			return err
		},
		remove: func(ctx context.Context, node string) error {
			err := p.removeDocumented(ctx, c, node)
			if err == nil && (c.removeStatus < 200 || c.removeStatus > 299) {
				err = rawStatusError{c.removeEx}
			}
			return err
		},
	}
}

func onNode(ic *orka.ImageCache, node string) int {
	if ic == nil {
		return -1
	}
	return slices.IndexFunc(ic.Nodes, func(n orka.ImageCacheNode) bool { return n.Node == node })
}

// checkImageCacheWrite caches -cache-image on one READY node that does not have it yet, then
// removes it from that node again, through a family of routes the cluster serves (the
// client's, when it serves them), and asks every image-cache route on the way whether the
// cluster serves it.
func (p *probe) checkImageCacheWrite(ctx context.Context) error {
	const id, routesID = "imagecache-write", "image-cache-routes"
	ns, image := p.opts.DeployNamespace, p.opts.CacheImage
	routes := newCacheRoutes(ns, image)
	if err := p.probeCacheRoutes(ctx, routes); err != nil {
		return err
	}
	var famName string
	switch {
	case *routes.add[cacheLegacy].served:
		famName = cacheLegacy
	case *routes.add[cacheDocumented].served:
		famName = cacheDocumented
		p.rep.contradict(id, routes.add[cacheLegacy].ex, p.rec, "the cluster does not serve POST .../imagecache/add (%s); the cycle runs on the documented routes", routes.add[cacheLegacy].seen)
	default:
		p.rep.contradict(id, routes.add[cacheLegacy].ex, p.rec, "the cluster serves no add route: %s; %s", routes.add[cacheLegacy].seen, routes.add[cacheDocumented].seen)
		p.reportCacheRoutes(routes, "")
		return nil
	}
	fam := p.cacheFamilyOf(famName, routes)
	legacy := famName == cacheLegacy // imagecache-write is about the legacy routes
	cycleID := id                    // the item a failure of the cycle contradicts
	if !legacy {
		cycleID = routesID
	}

	cached := map[string]bool{}
	if ic, err := fam.get(ctx); err == nil {
		for _, n := range ic.Nodes {
			cached[n.Node] = true
		}
	} else if statusOf(err) != http.StatusNotFound {
		return err
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
		ic, err := fam.get(ctx)
		if err != nil || onNode(ic, node) < 0 {
			if statusOf(err) == http.StatusNotFound {
				return nil // cached nowhere
			}
			return err
		}
		return fam.remove(ctx, node)
	})
	if err := fam.add(ctx, node); err != nil {
		if legacy {
			p.rep.contradict(id, p.rec.latest(), p.rec, "adding: %v", err)
		}
		p.rep.skip(routesID, "adding %s to %s through the %s routes failed: %v", image, node, famName, err)
		return nil
	}
	known := []string{orka.CacheStatusCaching, orka.CacheStatusReady, orka.CacheStatusFailed}
	var seen []string
	timedOut := false
	deadline := time.Now().Add(p.opts.CacheWait)
	for {
		ic, err := fam.get(ctx)
		if err != nil {
			p.rep.contradict(cycleID, p.rec.latest(), p.rec, "reading after add (%s routes): %v", famName, err)
			return nil
		}
		j := onNode(ic, node)
		if j < 0 {
			p.rep.contradict(cycleID, p.rec.latest(), p.rec, "node %s is not listed after add", node)
			return nil
		}
		st := ic.Nodes[j].Status
		if !slices.Contains(known, st) {
			p.rep.contradict(cycleID, p.rec.latest(), p.rec, "node status %q is none of %s", st, strings.Join(known, ", "))
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
	if err := p.probeCacheReads(ctx, routes, true); err != nil {
		return err
	}
	if err := fam.remove(ctx, node); err != nil {
		p.rep.contradict(cycleID, p.rec.latest(), p.rec, "removing (%s routes): %v", famName, err)
		p.reportCacheRoutes(routes, node)
		return nil
	}
	if legacy {
		// The documented removal, now a no-op on that node: Orka documents that it completes
		// without error (207) when the image is not cached on a targeted node.
		if err := p.removeDocumented(ctx, routes, node); err != nil {
			return err
		}
		routes.removeNoop = true
	}
	if ic, err := fam.get(ctx); err == nil && onNode(ic, node) >= 0 {
		p.rep.contradict(cycleID, p.rec.latest(), p.rec, "node %s is still listed after remove", node)
	} else if err != nil && statusOf(err) != http.StatusNotFound {
		return err
	} else if legacy && !timedOut {
		p.rep.confirm(id, "cached on %s (status %s), then removed", node, strings.Join(seen, " -> "))
	}
	p.reportCacheRoutes(routes, node)
	return nil
}

// reportCacheRoutes records image-cache-routes: the documented removal must answer 207; the
// variant says where add, read and list are served.
func (p *probe) reportCacheRoutes(c *cacheRoutes, node string) {
	const id = "image-cache-routes"
	fams := func(m map[string]*cacheRoute) (doc, leg, known bool) {
		d, l := m[cacheDocumented].served, m[cacheLegacy].served
		if d == nil || l == nil {
			return false, false, false
		}
		return *d, *l, true
	}
	ops := []struct {
		name string
		m    map[string]*cacheRoute
	}{{"add", c.add}, {"read", c.read}, {"list", c.list}}
	allDoc, noDoc, allLegacy, unknown := true, true, true, false
	var where []string
	for _, op := range ops {
		doc, leg, known := fams(op.m)
		if !known {
			p.rep.note(id, "%s: not asked (the cycle stopped before)", op.name)
			unknown = true
			continue
		}
		p.rep.note(id, "%s: %s; %s", op.name, c.seenText(op.m[cacheDocumented]), c.seenText(op.m[cacheLegacy]))
		switch {
		case doc && leg:
			where = append(where, op.name+" on both")
		case doc:
			where = append(where, op.name+" documented only")
		case leg:
			where = append(where, op.name+" legacy only")
		default:
			where = append(where, op.name+" on neither")
			p.rep.contradict(id, nil, p.rec, "the cluster serves %s on neither family of routes", op.name)
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
	switch {
	case c.removeStatus == 0:
		p.rep.note(id, "remove: the documented removal was not reached")
	case c.removeStatus == http.StatusMultiStatus && c.removeNoop:
		p.rep.confirm(id, "remove: %s (node %s, from which .../imagecache/remove had just removed the image: the documented no-op)", c.removeSeen, node)
	case c.removeStatus == http.StatusMultiStatus:
		p.rep.confirm(id, "remove: %s (node %s)", c.removeSeen, node)
	default:
		p.rep.contradict(id, c.removeEx, p.rec, "remove: %s, expected 207", c.removeSeen)
	}
}

func (c *cacheRoutes) seenText(r *cacheRoute) string {
	verdict := "not served"
	if *r.served {
		verdict = "served"
	}
	return r.seen + " (" + verdict + ")"
}
