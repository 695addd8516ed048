package orka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Image caching on Apple-silicon nodes is asynchronous: after AddImageCache, poll
// GetImageCache until every selected node is Ready (or one is Failed).
//
// Two route families exist (wire.go): the documented /cache/images/... one, of which only the
// removal is confirmed by MacStadium, and an older /imagecache one from a low-trust source.
// Each call tries the documented route first and turns to the older one only when the cluster
// lacks the route (IsRouteMissing): an answer from Orka itself, even a 404 Status, is final.
// For list, read and add, the client remembers which family served, so that later calls go
// straight to it; removal, whose documented route is MacStadium's own, always tries it first.

// cacheFamily is the route family that serves an image-cache operation.
type cacheFamily int32

const (
	familyUnknown cacheFamily = iota
	familyDocumented
	familyOlder
)

// familyChoice is what one Client knows about which family serves one operation. It is
// shared by the clients that WithToken derives (the routes are the cluster's, not the token's).
type familyChoice struct {
	// operation is what the operation does, for logs and errors ("list the image caches").
	operation string
	// remember says whether the family that served is kept for later calls.
	remember bool
	family   atomic.Int32 // a cacheFamily
	// logged is set once the switch to the older family was logged.
	logged atomic.Bool
}

// imageCacheRoutes holds a Client's choices, one per operation.
type imageCacheRoutes struct {
	list, read, add, remove familyChoice
}

func newImageCacheRoutes() *imageCacheRoutes {
	r := &imageCacheRoutes{}
	r.list.operation, r.list.remember = "list the image caches", true
	r.read.operation, r.read.remember = "read an image cache", true
	r.add.operation, r.add.remember = "cache an image", true
	r.remove.operation = "remove a cached image"
	return r
}

// viaFamily runs an image-cache operation on the family that serves it. run gets the path of
// the family it is asked to use and whether that is the older one.
//
// A family is remembered only once one of its routes has answered as a route that exists does
// (routeServed): a proxy's stray plain-text 404 during a maintenance window never pins the
// client to the older family, and an operation neither family serves gives a
// *RouteMissingError, never a 404 that could pass for "not cached".
func viaFamily[T any](ctx context.Context, ch *familyChoice, documented, older string, run func(path string, older bool) (T, error)) (T, error) {
	switch cacheFamily(ch.family.Load()) {
	case familyDocumented:
		return run(documented, false)
	case familyOlder:
		return run(older, true)
	}
	v, err := run(documented, false)
	if !IsRouteMissing(err) {
		if ch.remember && routeServed(err) {
			ch.family.CompareAndSwap(int32(familyUnknown), int32(familyDocumented))
		}
		return v, err
	}
	ov, oerr := run(older, true)
	if IsRouteMissing(oerr) {
		var zero T
		docErr, _ := AsAPIError(err)
		oldErr, _ := AsAPIError(oerr)
		return zero, &RouteMissingError{Operation: ch.operation, Documented: docErr, Older: oldErr}
	}
	if routeServed(oerr) {
		if ch.remember {
			ch.family.CompareAndSwap(int32(familyUnknown), int32(familyOlder))
		}
		if ch.logged.CompareAndSwap(false, true) {
			tflog.Warn(ctx, "Orka does not serve the documented image-cache route; using the older one", map[string]any{
				"orka_operation":         ch.operation,
				"orka_documented_path":   documented,
				"orka_documented_status": statusOf(err),
				"orka_older_path":        older,
			})
		}
	}
	return ov, oerr
}

// routeServed reports an outcome that proves the route exists: success, per-node failures, or
// Orka refusing the request itself (a 4xx other than a missing route; 401, 403 and 429 can come
// from in front of the routes). Server errors, transport failures and ambiguous POSTs prove
// nothing.
func routeServed(err error) bool {
	if err == nil {
		return true
	}
	var pe *ImageCachePartialError
	if errors.As(err, &pe) {
		return true
	}
	if IsAmbiguous(err) || IsRouteMissing(err) {
		return false
	}
	ae, ok := AsAPIError(err)
	if !ok || ae.StatusCode < 400 || ae.StatusCode > 499 {
		return false
	}
	switch ae.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return true
}

// ListImageCaches lists the cached images of a namespace and their per-node state.
func (c *Client) ListImageCaches(ctx context.Context, namespace string) ([]ImageCache, error) {
	ns := namespaceOrDefault(namespace)
	return viaFamily(ctx, &c.cacheRoutes.list, routeImageCaches(ns), routeOlderImageCaches(ns),
		func(path string, _ bool) ([]ImageCache, error) { return list[ImageCache](ctx, c, path) })
}

// sharedImageCaches is ListImageCaches from the run's shared lists (listcache.go), for
// RefreshImageCache. Callers must not modify the items.
func (c *Client) sharedImageCaches(ctx context.Context, ns string) ([]ImageCache, error) {
	return viaFamily(ctx, &c.cacheRoutes.list, routeImageCaches(ns), routeOlderImageCaches(ns),
		func(path string, _ bool) ([]ImageCache, error) { return cachedList[ImageCache](ctx, c, path) })
}

// GetImageCache reads the cache state of one image (the reference is path-escaped as one
// segment); an image cached nowhere is an APIError with IsNotFound.
func (c *Client) GetImageCache(ctx context.Context, namespace, image string) (*ImageCache, error) {
	if err := requireName("image", image); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	return viaFamily(ctx, &c.cacheRoutes.read, routeImageCache(ns, image), routeOlderImageCache(ns, image),
		func(path string, _ bool) (*ImageCache, error) {
			out := ImageCache{Image: image}
			if err := c.get(ctx, path, &out); err != nil {
				return nil, err
			}
			if out.Nodes == nil {
				out.Nodes = []ImageCacheNode{}
			}
			return &out, nil
		})
}

// AddImageCacheWithResults starts caching an image on the selected nodes and returns what
// Orka said about each node (none when it said nothing per node). When it reported a failure
// on any node, the error is an *ImageCachePartialError naming those nodes; the other nodes go
// on caching.
func (c *Client) AddImageCacheWithResults(ctx context.Context, namespace string, req ImageCacheRequest) ([]ImageCacheResult, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	return viaFamily(ctx, &c.cacheRoutes.add, routeImageCacheAdd(ns, req.Image), routeOlderImageCacheAdd(ns),
		func(path string, older bool) ([]ImageCacheResult, error) {
			return c.changeImageCache(ctx, "add", path, older, req)
		})
}

// RemoveImageCacheWithResults removes a cached image from the selected nodes and returns what
// Orka said about each node: Removing while it goes, Failed where the image stays cached (an
// *ImageCachePartialError names those nodes; removing again retries). Removing an image that
// is not cached is no error.
func (c *Client) RemoveImageCacheWithResults(ctx context.Context, namespace string, req ImageCacheRequest) ([]ImageCacheResult, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	ns := namespaceOrDefault(namespace)
	return viaFamily(ctx, &c.cacheRoutes.remove, routeImageCacheRemove(ns, req.Image), routeOlderImageCacheRemove(ns),
		func(path string, older bool) ([]ImageCacheResult, error) {
			return c.changeImageCache(ctx, "remove", path, older, req)
		})
}

// AddImageCache is AddImageCacheWithResults without the per-node results; the error is the
// same.
func (c *Client) AddImageCache(ctx context.Context, namespace string, req ImageCacheRequest) error {
	_, err := c.AddImageCacheWithResults(ctx, namespace, req)
	return err
}

// RemoveImageCache is RemoveImageCacheWithResults without the per-node results; the error is
// the same.
func (c *Client) RemoveImageCache(ctx context.Context, namespace string, req ImageCacheRequest) error {
	_, err := c.RemoveImageCacheWithResults(ctx, namespace, req)
	return err
}

// changeImageCache sends one add or remove and reads its per-node results. The POST is never
// resent after an ambiguous failure (retry.go); both operations are harmless to repeat, so a
// caller may send it again once it has looked.
func (c *Client) changeImageCache(ctx context.Context, action, path string, older bool, req ImageCacheRequest) ([]ImageCacheResult, error) {
	body := encodeImageCacheSelector(req)
	if older {
		body = encodeOlderImageCacheRequest(req)
	}
	raw, err := c.do(ctx, call{method: http.MethodPost, path: path, body: body})
	if err != nil {
		return nil, err
	}
	results := decodeImageCacheResults(raw)
	for i := range results {
		results[i].Message = scrubToken(results[i].Message, c.source.Current())
	}
	for _, r := range results {
		if r.Failed() {
			return results, &ImageCachePartialError{
				Method: http.MethodPost, Path: path, Action: action, Image: req.Image, Results: results,
			}
		}
	}
	return results, nil
}

// validate refuses a request Orka would refuse, before anything is sent: an empty image, or
// not exactly one selector.
func (r ImageCacheRequest) validate() error {
	if err := requireName("image", r.Image); err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{len(r.Nodes) > 0, len(r.Tags) > 0, r.All} {
		if set {
			n++
		}
	}
	if n != 1 {
		var given []string
		if len(r.Nodes) > 0 {
			given = append(given, "nodes")
		}
		if len(r.Tags) > 0 {
			given = append(given, "tags")
		}
		if r.All {
			given = append(given, "all")
		}
		have := "none"
		if len(given) > 0 {
			have = strings.Join(given, " and ")
		}
		return fmt.Errorf("orka: select the nodes for image %q with exactly one of nodes, tags or all (given: %s)", r.Image, have)
	}
	return nil
}
