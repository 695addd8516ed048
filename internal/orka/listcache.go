package orka

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// listCache lets the reads of one Terraform run share one list per route (a namespace's
// VMs, image caches, service accounts, registry credentials, role-binding subjects, the VM
// configs, the namespaces): refreshing an estate of N objects then costs one request per
// namespace and kind instead of N. The first reader of a route fetches the list while
// concurrent readers of the same route wait for its answer; later readers take it from
// memory.
//
// Any request other than a GET may change what a list holds, here or elsewhere (deleting a
// namespace, a service account that is also a role-binding subject), so every write through
// the client drops every list, both when it is sent and when it ends; a list whose fetch
// overlapped a write is handed to the readers that were waiting for it, and never kept.
// Failed fetches are never kept either.
type listCache struct {
	mu      sync.Mutex
	gen     uint64         // bumped by every write
	entries map[string]any // escaped route → []T, fetched within generation gen
	flight  singleflight.Group
}

// freshKey marks a context whose Refresh* calls skip the shared lists.
type freshKey struct{}

// Fresh returns a context with which Refresh* calls read afresh instead of from a list shared
// by the run: for a second look at an object that the first look found missing or changed,
// which must see what Orka holds now.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

func isFresh(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }

func newListCache() *listCache { return &listCache{entries: map[string]any{}} }

// invalidate forgets every list.
func (lc *listCache) invalidate() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.gen++
	clear(lc.entries)
}

// cachedList returns the items of the list route path, from memory when this process has
// fetched it since the last write. Callers must not modify the items.
func cachedList[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	lc := c.lists
	lc.mu.Lock()
	if items, ok := lc.entries[path].([]T); ok {
		lc.mu.Unlock()
		return items, nil
	}
	gen := lc.gen
	lc.mu.Unlock()
	v, err, _ := lc.flight.Do(strconv.FormatUint(gen, 10)+" "+path, func() (any, error) {
		// A fetch that ended between this reader's look above and here has stored its list.
		lc.mu.Lock()
		items, ok := lc.entries[path].([]T)
		lc.mu.Unlock()
		if ok {
			return items, nil
		}
		items, err := list[T](ctx, c, path)
		if err != nil {
			return nil, err
		}
		lc.mu.Lock()
		if lc.gen == gen {
			lc.entries[path] = items
		}
		lc.mu.Unlock()
		return items, nil
	})
	if err != nil {
		return nil, err
	}
	items, _ := v.([]T) // the only type stored under path
	return items, nil
}

// refreshOne finds one object in the cached list at path. An object the list does not hold
// (gone, or created after the list was fetched) is confirmed by confirm, the object's own
// request, so that the client never reports not-found from a list alone; when the list
// cannot be read (the fetching reader's context ended, a fault), or ctx asks for a Fresh
// read, confirm answers instead.
func refreshOne[T any](ctx context.Context, c *Client, path string, match func(*T) bool, confirm func() (*T, error)) (*T, error) {
	return refreshOneFrom(ctx, func() ([]T, error) { return cachedList[T](ctx, c, path) }, match, confirm)
}

// refreshOneFrom is refreshOne with the shared list read by shared (for a kind whose list
// route is chosen per cluster: image caches).
func refreshOneFrom[T any](ctx context.Context, shared func() ([]T, error), match func(*T) bool, confirm func() (*T, error)) (*T, error) {
	if isFresh(ctx) {
		return confirm()
	}
	items, err := shared()
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	for i := range items {
		if match(&items[i]) {
			v := items[i]
			return &v, nil
		}
	}
	return confirm()
}

// refreshList returns the cached list at path when it holds an item for which has is true,
// and otherwise the list fetched afresh: the caller's object missing from a list is thereby
// confirmed with a request of its own before the caller concludes it is gone.
func refreshList[T any](ctx context.Context, c *Client, path string, has func(*T) bool) ([]T, error) {
	if isFresh(ctx) {
		return list[T](ctx, c, path)
	}
	items, err := cachedList[T](ctx, c, path)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	for i := range items {
		if has(&items[i]) {
			return append([]T(nil), items...), nil
		}
	}
	return list[T](ctx, c, path)
}
