package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Who owns an image cache. Orka keeps one entry per image and node and nothing that says who
// asked for it: no mark, no owner, no selector. An orka_image_cache therefore tells its own
// entries from anyone else's the way the create protocol does for every kind without a mark:
// before the add is sent, the image's cache is looked up, and an image already cached (in
// any status but Removing) on a node this resource targets is someone else's, made by hand or
// declared by another workspace. The create is then refused, with the import command, like
// any other object that exists already.
//
// The other way, taking only the nodes the add actually caches and removing only those on
// destroy, was not chosen. The state would say the image is cached on the resource's nodes
// while it owns only some of them, which no plan shows; which configuration owns which node
// would be settled anew by whoever applies first after each upgrade empties the caches, so
// what a destroy removes would change from one upgrade to the next; and whoever made the
// other entries would still remove them from under this resource without any plan saying so.
// Refusing keeps one rule for every kind without a mark, and makes sharing a decision: a
// second owner imports the cache, and then knows that its destroy removes the image from
// every node it targets. The price is that a cache imported into two configurations is, after
// an upgrade emptied it, refused to whichever of them applies second, until it imports the
// cache again: each image and node is best declared in one configuration.
//
// The look-up is made before the add: an entry that appears after our own add (whose answer
// may have been lost) is ours, so a lost answer still converges.

// cachedBeforeAdd returns the entries of add.Image, other than Removing ones, on the nodes add
// targets: nodes named, nodes carrying every tag (listed only when there is an entry to
// check), or, for all, every entry, which is what a removal of all would remove too. It
// reads the namespace's list of caches, which states the image's absence as an answer of
// its own rather than as a 404, which anything in front of Orka can produce; a cluster that
// serves no list route is asked for the image itself, whose 404 then means "cached nowhere".
func cachedBeforeAdd(ctx context.Context, client *orka.Client, ns string, add orka.ImageCacheRequest) ([]orka.ImageCacheNode, error) {
	caches, err := client.ListImageCaches(ctx, ns)
	if orka.IsRouteMissing(err) {
		var one *orka.ImageCache
		switch one, err = client.GetImageCache(ctx, ns, add.Image); {
		case orka.IsNotFound(err):
			caches, err = nil, nil
		case err == nil:
			caches = []orka.ImageCache{*one}
		}
	}
	if err != nil {
		return nil, err
	}
	var present []orka.ImageCacheNode
	for _, c := range caches {
		if c.Image != add.Image {
			continue
		}
		for _, n := range c.Nodes {
			if n.Status != orka.CacheStatusRemoving {
				present = append(present, n)
			}
		}
	}
	if len(present) == 0 || add.All {
		return present, nil
	}
	targeted := func(node string) bool { return slices.Contains(add.Nodes, node) }
	if len(add.Tags) > 0 {
		nodes, err := client.ListNodes(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("listing the nodes of namespace %q to find those tagged %s: %w", ns, strings.Join(add.Tags, ", "), err)
		}
		tagged := map[string]bool{}
		for _, n := range nodes {
			if !slices.ContainsFunc(add.Tags, func(t string) bool { return !slices.Contains(n.OrkaTags, t) }) {
				tagged[n.Name] = true
			}
		}
		targeted = func(node string) bool { return tagged[node] }
	}
	return slices.DeleteFunc(present, func(n orka.ImageCacheNode) bool { return !targeted(n.Node) }), nil
}

// describeCacheNodes is "mini-arm-1 (Ready), mini-arm-2 (Caching)".
func describeCacheNodes(nodes []orka.ImageCacheNode) string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.Node+" ("+n.Status+")")
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// cacheVanishedError is a cache that disappeared from nodes that had been seen caching it: an
// upgrade emptied the caches, or someone removed the image.
type cacheVanishedError struct {
	image string
	nodes []string
	// readd is why adding the image again, after it first vanished, failed; nil when it
	// vanished a second time after being added again.
	readd error
}

func (e *cacheVanishedError) Error() string {
	where := fmt.Sprintf("the cache of image %q vanished from node(s) %s while caching", e.image, strings.Join(e.nodes, ", "))
	if e.readd != nil {
		return where + " (an upgrade or someone's removal), and adding it again failed: " + e.readd.Error()
	}
	return where + ", again after it had been added once more — an upgrade or someone's removal; nothing is left to wait for"
}

func (e *cacheVanishedError) Unwrap() error { return e.readd }

// cacheSightings are the nodes on which the image has been seen in the cache during a wait.
type cacheSightings map[string]bool

// see records the targeted nodes that the cache reports.
func (s cacheSightings) see(c *orka.ImageCache, targets []string) {
	for _, n := range targetedCacheNodes(c, targets) {
		if n.Status != "missing" {
			s[n.Node] = true
		}
	}
}

// gone lists the nodes seen before that the cache (nil: the image is cached nowhere) no
// longer reports at all. A node whose entry is Removing is still there: the removal ends with
// the entry gone, and only then can the image be added there again.
func (s cacheSightings) gone(c *orka.ImageCache) []string {
	present := map[string]bool{}
	if c != nil {
		for _, n := range c.Nodes {
			present[n.Node] = true
		}
	}
	var out []string
	for n := range s {
		if !present[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// cachedOnTargets reports whether the cache still holds the image on a targeted node.
func cachedOnTargets(c *orka.ImageCache, targets []string) bool {
	return len(cacheNodesNotIn(c, targets, "missing")) > 0
}

// waitCached waits until every targeted node reports the image Ready, and returns the last
// state of the cache it read. It fails with a *cacheFailedError when a node reports Failed.
//
// An entry that vanishes while being waited for (an upgrade empties every cache; an API
// server restart or someone's removal does the same to one image) would never turn Ready: the
// wait would go on until the create timeout, an hour by default. So a vanished entry is
// confirmed by a second look, and the image is then added once more (adding is idempotent:
// nodes still caching are left alone); should it vanish again, the wait ends with a
// *cacheVanishedError. Besides the nodes the add names, only entries seen during this wait
// count: after an add that selects nodes by tag or takes all, Orka may not show the image yet,
// and which nodes it chose is known only once it does. While a removal still runs on some of the nodes (Removing), the add
// waits for it to end: Orka refuses to add an image on a node that is removing it.
func (r *imageCacheResource) waitCached(ctx context.Context, ns string, add orka.ImageCacheRequest) (*orka.ImageCache, error) {
	client := r.data.client
	seen := cacheSightings{}
	// Orka answered the add for the nodes it names, so their entries exist from then on: one
	// missing (on two looks, as below) has vanished even if this wait never saw it, as when an
	// upgrade empties the caches right after the add. After the image is added again, entries
	// count only once seen, so a cluster slow to show them is waited for, not failed.
	for _, n := range add.Nodes {
		seen[n] = true
	}
	// look reads the cache and says which nodes seen before it no longer reports.
	look := func() (*orka.ImageCache, []string, error) {
		c, err := client.GetImageCache(ctx, ns, add.Image)
		switch {
		case orka.IsNotFound(err):
			return nil, seen.gone(nil), nil
		case err != nil:
			return nil, nil, err
		}
		return c, seen.gone(c), nil
	}
	var cache *orka.ImageCache
	readded := false
	err := poll(ctx, func() (bool, error) {
		c, gone, err := look()
		if err == nil && len(gone) > 0 {
			// One look proves little (a burst of stray 404s, a read served from behind): look again, later than a burst lasts.
			select {
			case <-ctx.Done():
				return false, nil // poll reports the timeout
			case <-time.After(absenceInterval):
			}
			c, gone, err = look()
		}
		if err != nil {
			return false, err
		}
		cache = c
		if len(gone) > 0 && len(cacheNodesWith(c, add.Nodes, orka.CacheStatusRemoving)) > 0 {
			// A removal still running on other nodes: adding now would be refused there.
			return false, nil
		}
		if len(gone) > 0 {
			if readded {
				return false, &cacheVanishedError{image: add.Image, nodes: gone}
			}
			readded = true
			tflog.Warn(ctx, "the image cache vanished while caching; adding the image again", map[string]any{
				"image": add.Image, "namespace": ns, "nodes": gone,
			})
			for _, n := range gone {
				delete(seen, n) // seen again only once Orka shows the new add
			}
			if err := client.AddImageCache(ctx, ns, add); err != nil {
				return false, readdFailure(add.Image, gone, err)
			}
			return false, nil
		}
		if c == nil {
			return false, nil // not visible yet
		}
		seen.see(c, add.Nodes)
		if failed := cacheNodesWith(c, add.Nodes, orka.CacheStatusFailed); len(failed) > 0 {
			return false, &cacheFailedError{nodes: failed}
		}
		return len(c.Nodes) > 0 && len(cacheNodesNot(c, add.Nodes, orka.CacheStatusReady)) == 0, nil
	}, func() error {
		return fmt.Errorf("the create timeout ran out while nodes were still caching: %s",
			strings.Join(cacheNodesNot(cache, add.Nodes, orka.CacheStatusReady), ", "))
	})
	return cache, err
}

// readdFailure is what adding the image again after it vanished failed with. Orka's refusal
// (a 4xx: the image is gone, the node left the namespace) or per-node failures end the create
// as a vanished cache; anything else (an answer lost, a maintenance window, a token rejected)
// is a wait cut short, after which the next refresh sees what Orka holds.
func readdFailure(image string, nodes []string, err error) error {
	var partial *orka.ImageCachePartialError
	if ae, ok := orka.AsAPIError(err); errors.As(err, &partial) ||
		ok && !orka.IsAmbiguous(err) && ae.StatusCode >= 400 && ae.StatusCode < 500 &&
			!orka.IsUnauthorized(err) && ae.StatusCode != 429 {
		return &cacheVanishedError{image: image, nodes: nodes, readd: err}
	}
	return fmt.Errorf("the cache of image %q vanished from node(s) %s while caching, and adding it again did not complete: %w",
		image, strings.Join(nodes, ", "), err)
}
