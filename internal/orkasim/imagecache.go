package orkasim

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

func (ns *nsState) cacheView(image string, now time.Time) ImageCache {
	nodes := ns.caches[image]
	out := ImageCache{Image: image, Nodes: []ImageCacheNode{}}
	for _, n := range slices.Sorted(maps.Keys(nodes)) {
		out.Nodes = append(out.Nodes, ImageCacheNode{Node: n, Status: nodes[n].current(now)})
	}
	return out
}

func (s *Server) listImageCaches(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	out := []ImageCache{}
	for _, img := range slices.Sorted(maps.Keys(ns.caches)) {
		out = append(out, ns.cacheView(img, now))
	}
	return http.StatusOK, listOf(out), nil
}

func (s *Server) getImageCache(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	img := c.params["image"]
	if len(ns.caches[img]) == 0 {
		return 0, nil, notFound("image %q is not cached on any node in namespace %q", img, ns.name)
	}
	return http.StatusOK, ns.cacheView(img, time.Now()), nil
}

// selectNodesLocked resolves exactly one of nodes, tags or all to the names of nodes of the
// namespace ns: a namespace caches images on its own nodes only.
func (s *Server) selectNodesLocked(ns string, in imageCacheInput) ([]string, error) {
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
		return nil, badRequest("invalid value for nodes: exactly one of nodes, tags or all must be given")
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
			for _, t := range in.Tags {
				if slices.Contains(node.tags, t) {
					out = append(out, node.name)
					break
				}
			}
		}
		if len(out) == 0 {
			return nil, invalid("tags", in.Tags[0], "no node of namespace "+ns+" carries any of the given tags")
		}
	default:
		out = s.st.nodesOfNamespaceLocked(ns)
		if len(out) == 0 {
			return nil, badRequest("invalid value for all: %s", noNodesText(ns))
		}
	}
	return out, nil
}

// addImageCache starts caching; each node is Caching until CacheDelay has passed, then Ready.
func (s *Server) addImageCache(c *call) (int, any, error) {
	var in imageCacheInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	if err := s.st.validateImage("image", in.Image); err != nil {
		return 0, nil, err
	}
	nodes, err := s.selectNodesLocked(ns.name, in)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if ns.caches[in.Image] == nil {
		ns.caches[in.Image] = map[string]*cacheEntry{}
	}
	for _, n := range nodes {
		if e := ns.caches[in.Image][n]; e != nil && e.current(now) != CacheFailed {
			continue // already cached or caching
		}
		ns.caches[in.Image][n] = &cacheEntry{status: CacheCaching, readyAt: now.Add(s.opts.CacheDelay)}
	}
	return http.StatusCreated, ns.cacheView(in.Image, now), nil
}

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
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	var nodes []string
	if in.All && len(in.Nodes) == 0 && len(in.Tags) == 0 {
		nodes = sortedKeys(ns.caches[in.Image]) // wherever it is cached, even on nodes moved away since
	} else if nodes, err = s.selectNodesLocked(ns.name, in); err != nil {
		return 0, nil, err
	}
	if len(ns.caches[in.Image]) == 0 {
		return 0, nil, notFound("image %q is not cached on any node in namespace %q", in.Image, ns.name)
	}
	for _, n := range nodes {
		delete(ns.caches[in.Image], n)
	}
	view := ns.cacheView(in.Image, time.Now())
	if len(ns.caches[in.Image]) == 0 {
		delete(ns.caches, in.Image)
	}
	return http.StatusOK, view, nil
}
