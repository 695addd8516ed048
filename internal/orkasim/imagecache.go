package orkasim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The image cache of Apple-silicon nodes (orka-api.md §8), on two route families:
//
//   - the documented one, GET .../cache/images, GET .../cache/images/{image} and POST
//     .../cache/images/{image}/add and /remove, answering 207 Multi-Status with one result per
//     targeted node (remove is DOC, the CLI reference; list, read and add ASSUMED by analogy);
//   - the older assumed one, GET .../imagecache, GET .../imagecache/{image} and POST
//     .../imagecache/add and /remove with the image in the body, answering the image's cache
//     item (ASSUMED, superseded).
//
// Both are served by default. Under Variants.LegacyImageCache the documented family serves
// only remove, as a cluster whose add and read are still on the older routes would.
//
// On a node, an image is Caching for CacheDelay and then Ready; a removal shows Removing for
// CacheDelay and then the entry is gone, or, after FailNextCacheRemoval, Failed with the image
// still cached (retry the removal). The older remove route removes at once, as it always did.

// cacheEntry is the cache state of one image on one node.
type cacheEntry struct {
	status string
	// due is when a Caching entry turns Ready or a Removing one ends (wall clock); zero means
	// the status does not change by itself.
	due time.Time
	// failRemoval makes a Removing entry end Failed, still cached, instead of gone.
	failRemoval bool
}

// removeDelay is how long a removal shows Removing.
func (s *Server) removeDelay() time.Duration {
	if s.opts.CacheRemoveDelay > 0 {
		return s.opts.CacheRemoveDelay
	}
	return s.opts.CacheDelay
}

// settleCaches applies the transitions that are due by now: Caching to Ready, Removing to
// gone (or to Failed when the removal was made to fail). Images cached nowhere any more leave
// the map.
func (ns *nsState) settleCaches(now time.Time) {
	for img, nodes := range ns.caches {
		for node, e := range nodes {
			if e.due.IsZero() || now.Before(e.due) {
				continue
			}
			e.due = time.Time{}
			switch e.status {
			case CacheCaching:
				e.status = CacheReady
			case CacheRemoving:
				if e.failRemoval {
					e.status, e.failRemoval = CacheFailed, false
				} else {
					delete(nodes, node)
				}
			}
		}
		if len(nodes) == 0 {
			delete(ns.caches, img)
		}
	}
}

// cacheView is the cache item of one image; the caller settled the caches first.
func (ns *nsState) cacheView(image string) ImageCache {
	nodes := ns.caches[image]
	out := ImageCache{Image: image, Nodes: []ImageCacheNode{}}
	for _, n := range slices.Sorted(maps.Keys(nodes)) {
		out.Nodes = append(out.Nodes, ImageCacheNode{Node: n, Status: nodes[n].status})
	}
	return out
}

// cacheNsLocked returns the namespace of an image-cache route with its caches brought up to
// date.
func (s *Server) cacheNsLocked(c *call) (*nsState, error) {
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return nil, err
	}
	ns.settleCaches(time.Now())
	return ns, nil
}

// listImageCaches serves GET .../cache/images and GET .../imagecache.
func (s *Server) listImageCaches(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := []ImageCache{}
	for _, img := range slices.Sorted(maps.Keys(ns.caches)) {
		out = append(out, ns.cacheView(img))
	}
	return http.StatusOK, listOf(out), nil
}

// getImageCache serves GET .../cache/images/{image} and GET .../imagecache/{image}: 404 when
// the image is cached on no node of the namespace.
func (s *Server) getImageCache(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	img := c.params["image"]
	if len(ns.caches[img]) == 0 {
		return 0, nil, notFound("image %q is not cached on any node in namespace %q", img, ns.name)
	}
	return http.StatusOK, ns.cacheView(img), nil
}

// checkOneSelector refuses a selector that names not exactly one of nodes, tags or all.
func checkOneSelector(in cacheSelector) error {
	n := 0
	if len(in.Nodes) > 0 {
		n++
	}
	if len(in.Tags) > 0 {
		n++
	}
	if in.All {
		n++
	}
	if n != 1 {
		return badRequest("invalid value for nodes: exactly one of nodes, tags or all must be given")
	}
	return nil
}

// selectNodesLocked resolves exactly one of nodes, tags or all to the names of nodes of the
// namespace ns: a namespace caches images on its own nodes only. Tags select the nodes that
// carry every tag given [DOC: the CLI reference's --tags].
func (s *Server) selectNodesLocked(ns string, in cacheSelector) ([]string, error) {
	if err := checkOneSelector(in); err != nil {
		return nil, err
	}
	var out []string
	switch {
	case len(in.Nodes) > 0:
		for _, name := range in.Nodes {
			if node := s.st.node(name); node == nil || node.namespace != ns {
				return nil, invalid("nodes", name, "must be the name of a node in namespace "+ns)
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	case len(in.Tags) > 0:
		for _, node := range s.st.nodes {
			if node.namespace != ns {
				continue
			}
			if !slices.ContainsFunc(in.Tags, func(t string) bool { return !slices.Contains(node.tags, t) }) {
				out = append(out, node.name)
			}
		}
		if len(out) == 0 {
			return nil, invalid("tags", in.Tags[0], "no node of namespace "+ns+" carries all of the given tags")
		}
	default:
		out = s.st.nodesOfNamespaceLocked(ns)
		if len(out) == 0 {
			return nil, badRequest("invalid value for all: %s", noNodesText(ns))
		}
	}
	return out, nil
}

// addCachedImage serves POST .../cache/images/{image}/add: it starts caching on each targeted
// node and answers 207 with what it did there.
func (s *Server) addCachedImage(c *call) (int, any, error) {
	var in cacheSelector
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	image := c.params["image"]
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.st.validateImage("image", image); err != nil {
		return 0, nil, err
	}
	nodes, err := s.selectNodesLocked(ns.name, in)
	if err != nil {
		return 0, nil, err
	}
	if ns.caches[image] == nil {
		ns.caches[image] = map[string]*cacheEntry{}
	}
	now := time.Now()
	out := ImageCacheMultiStatus{Items: []ImageCacheNodeResult{}}
	for _, n := range slices.Sorted(slices.Values(nodes)) {
		r := ImageCacheNodeResult{Node: n}
		switch e := ns.caches[image][n]; {
		case e == nil || e.status == CacheFailed:
			ns.caches[image][n] = &cacheEntry{status: CacheCaching, due: now.Add(s.opts.CacheDelay)}
			r.Code, r.Status, r.Message = http.StatusAccepted, CacheCaching, fmt.Sprintf("caching image %q on node %q", image, n)
		case e.status == CacheCaching:
			r.Code, r.Status, r.Message = http.StatusAccepted, CacheCaching, fmt.Sprintf("image %q is already being cached on node %q", image, n)
		case e.status == CacheReady:
			r.Code, r.Status, r.Message = http.StatusOK, CacheReady, fmt.Sprintf("image %q is already cached on node %q", image, n)
		default: // Removing [ASSUMED: refused for that node until the removal ends]
			r.Code, r.Status, r.Message = http.StatusConflict, e.status,
				fmt.Sprintf("image %q is being removed from node %q; add it again once the removal has ended", image, n)
		}
		out.Items = append(out.Items, r)
	}
	return http.StatusMultiStatus, out, nil
}

// removeCachedImage serves POST .../cache/images/{image}/remove [DOC: the CLI reference]: a
// removal on each targeted node, answered 207 with one result per node. A node that does not
// cache the image is a no-op (NotCached); a node that no longer exists, or is no longer in the
// namespace, has its entry cleaned up at once (Removed). nodes may name such a node only when
// it still has an entry; all covers them all.
func (s *Server) removeCachedImage(c *call) (int, any, error) {
	var in cacheSelector
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if err := checkOneSelector(in); err != nil {
		return 0, nil, err
	}
	image := c.params["image"]
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	entries := ns.caches[image]
	gone := func(name string) bool { n := s.st.node(name); return n == nil || n.namespace != ns.name }
	var live, stale []string
	switch {
	case len(in.Nodes) > 0:
		for _, name := range in.Nodes {
			switch {
			case slices.Contains(live, name) || slices.Contains(stale, name):
			case !gone(name):
				live = append(live, name)
			case entries[name] != nil:
				stale = append(stale, name)
			default:
				return 0, nil, invalid("nodes", name, "must be the name of a node in namespace "+ns.name)
			}
		}
	case len(in.Tags) > 0:
		if live, err = s.selectNodesLocked(ns.name, in); err != nil {
			return 0, nil, err
		}
	default:
		live = s.st.nodesOfNamespaceLocked(ns.name)
		for name := range entries {
			if gone(name) {
				stale = append(stale, name)
			}
		}
		if len(live)+len(stale) == 0 {
			return 0, nil, badRequest("invalid value for all: %s", noNodesText(ns.name))
		}
	}
	now := time.Now()
	out := ImageCacheMultiStatus{Items: []ImageCacheNodeResult{}}
	for _, n := range live {
		r := ImageCacheNodeResult{Node: n}
		switch e := entries[n]; {
		case e == nil:
			r.Code, r.Status, r.Message = http.StatusOK, CacheNotCached, fmt.Sprintf("image %q is not cached on node %q; nothing to remove", image, n)
		case e.status == CacheRemoving:
			r.Code, r.Status, r.Message = http.StatusAccepted, CacheRemoving, fmt.Sprintf("image %q is already being removed from node %q", image, n)
		default:
			e.status, e.due = CacheRemoving, now.Add(s.removeDelay())
			e.failRemoval = s.st.failRemoval[n]
			delete(s.st.failRemoval, n)
			r.Code, r.Status, r.Message = http.StatusAccepted, CacheRemoving, fmt.Sprintf("removing image %q from node %q", image, n)
		}
		out.Items = append(out.Items, r)
	}
	for _, n := range stale {
		delete(entries, n)
		out.Items = append(out.Items, ImageCacheNodeResult{Node: n, Code: http.StatusOK, Status: CacheRemoved,
			Message: fmt.Sprintf("node %q no longer exists in namespace %q; its cache entry for image %q was removed", n, ns.name, image)})
	}
	if entries != nil && len(entries) == 0 {
		delete(ns.caches, image)
	}
	slices.SortFunc(out.Items, func(a, b ImageCacheNodeResult) int { return strings.Compare(a.Node, b.Node) })
	return http.StatusMultiStatus, out, nil
}

// FailNextCacheRemoval makes the next image-cache removal (on the documented remove route)
// that starts on node end Failed, with the image still cached, instead of gone.
func (s *Server) FailNextCacheRemoval(node string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.node(node) == nil {
		return fmt.Errorf("node %q not found", node)
	}
	s.st.failRemoval[node] = true
	return nil
}

// addImageCache serves the older POST .../imagecache/add: caching starts on each selected node
// and the answer is the image's cache item (ASSUMED, superseded).
func (s *Server) addImageCache(c *call) (int, any, error) {
	var in imageCacheInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.st.validateImage("image", in.Image); err != nil {
		return 0, nil, err
	}
	nodes, err := s.selectNodesLocked(ns.name, in.cacheSelector)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if ns.caches[in.Image] == nil {
		ns.caches[in.Image] = map[string]*cacheEntry{}
	}
	for _, n := range nodes {
		if e := ns.caches[in.Image][n]; e != nil && e.status != CacheFailed {
			continue // already cached, caching or being removed
		}
		ns.caches[in.Image][n] = &cacheEntry{status: CacheCaching, due: now.Add(s.opts.CacheDelay)}
	}
	return http.StatusCreated, ns.cacheView(in.Image), nil
}

// removeImageCache serves the older POST .../imagecache/remove: the entries go at once and the
// answer is what is left of the image's cache item; 404 when it is cached nowhere (ASSUMED,
// superseded).
func (s *Server) removeImageCache(c *call) (int, any, error) {
	var in imageCacheInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Image == "" {
		return 0, nil, invalid("image", "", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.cacheNsLocked(c)
	if err != nil {
		return 0, nil, err
	}
	var nodes []string
	if in.All && len(in.Nodes) == 0 && len(in.Tags) == 0 {
		nodes = sortedKeys(ns.caches[in.Image]) // wherever it is cached, even on nodes moved away since
	} else if nodes, err = s.selectNodesLocked(ns.name, in.cacheSelector); err != nil {
		return 0, nil, err
	}
	if len(ns.caches[in.Image]) == 0 {
		return 0, nil, notFound("image %q is not cached on any node in namespace %q", in.Image, ns.name)
	}
	for _, n := range nodes {
		delete(ns.caches[in.Image], n)
	}
	view := ns.cacheView(in.Image)
	if len(ns.caches[in.Image]) == 0 {
		delete(ns.caches, in.Image)
	}
	return http.StatusOK, view, nil
}
