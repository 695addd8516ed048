package orka

import (
	"context"
	"net/http"
)

// Image caching on Apple-silicon nodes is asynchronous: after AddImageCache, poll
// GetImageCache until every selected node is Ready (or one is Failed). Routes and shapes are
// ASSUMED, see wire.go.

// ListImageCaches lists the cached images of a namespace and their per-node state.
func (c *Client) ListImageCaches(ctx context.Context, namespace string) ([]ImageCache, error) {
	return list[ImageCache](ctx, c, routeImageCaches(namespaceOrDefault(namespace)))
}

// GetImageCache reads the cache state of one image (the reference is path-escaped as one
// segment); an image cached nowhere is an APIError with IsNotFound.
func (c *Client) GetImageCache(ctx context.Context, namespace, image string) (*ImageCache, error) {
	if err := requireName("image", image); err != nil {
		return nil, err
	}
	out := ImageCache{Image: image}
	if err := c.get(ctx, routeImageCache(namespaceOrDefault(namespace), image), &out); err != nil {
		return nil, err
	}
	if out.Nodes == nil {
		out.Nodes = []ImageCacheNode{}
	}
	return &out, nil
}

// AddImageCache starts caching an image on the selected nodes.
func (c *Client) AddImageCache(ctx context.Context, namespace string, req ImageCacheRequest) error {
	if err := requireName("image", req.Image); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeImageCacheAdd(namespaceOrDefault(namespace)), req)
}

// RemoveImageCache removes a cached image from the selected nodes (a POST to .../remove).
func (c *Client) RemoveImageCache(ctx context.Context, namespace string, req ImageCacheRequest) error {
	if err := requireName("image", req.Image); err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, routeImageCacheRemove(namespaceOrDefault(namespace)), req)
}
