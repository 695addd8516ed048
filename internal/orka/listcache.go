package orka

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

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
	gen     uint64                 // bumped by every write
	entries map[string]cachedEntry // escaped route → the list, fetched within generation gen
	flight  singleflight.Group
}

// freshKey marks a context whose Refresh* calls skip the shared lists.
type freshKey struct{}

// Fresh returns a context with which Refresh* calls read afresh instead of from a list shared
// by the run: for a second look at an object that the first look found missing or changed,
// which must see what Orka holds now.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

func isFresh(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }

// cachedEntry is one list and when Orka answered it.
type cachedEntry struct {
	items any // []T
	at    time.Time
}

func newListCache() *listCache { return &listCache{entries: map[string]cachedEntry{}} }

// AbsenceEvidence records, for one read, when a list that Orka answered did not hold the
// object read: the first of the two looks that prove an object gone (see the provider's
// getConfirmed). A list that failed is never evidence.
type AbsenceEvidence struct {
	mu        sync.Mutex
	candidate time.Time // when the list last read for this read was answered
	listAt    time.Time // when a list that was answered lacked the object
}

type evidenceKey struct{}

// WithAbsenceEvidence returns a context whose Refresh* calls record in the returned evidence
// when a list answered without the object.
func WithAbsenceEvidence(ctx context.Context) (context.Context, *AbsenceEvidence) {
	ev := &AbsenceEvidence{}
	return context.WithValue(ctx, evidenceKey{}, ev), ev
}

// ListAnsweredWithout reports when a list Orka answered did not hold the object.
func (e *AbsenceEvidence) ListAnsweredWithout() (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.listAt, !e.listAt.IsZero()
}

func evidenceOf(ctx context.Context) *AbsenceEvidence {
	ev, _ := ctx.Value(evidenceKey{}).(*AbsenceEvidence)
	return ev
}

// sawList notes that the read's list was answered at at.
func (e *AbsenceEvidence) sawList(at time.Time) {
	if e != nil {
		e.mu.Lock()
		e.candidate = at
		e.mu.Unlock()
	}
}

// lacked notes that the list last seen did not hold the object.
func (e *AbsenceEvidence) lacked() {
	if e != nil {
		e.mu.Lock()
		if !e.candidate.IsZero() {
			e.listAt = e.candidate
		}
		e.mu.Unlock()
	}
}

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
	ev := evidenceOf(ctx)
	lc.mu.Lock()
	if e, ok := lc.entries[path]; ok {
		if items, ok := e.items.([]T); ok {
			lc.mu.Unlock()
			ev.sawList(e.at)
			return items, nil
		}
	}
	gen := lc.gen
	lc.mu.Unlock()
	v, err, _ := lc.flight.Do(strconv.FormatUint(gen, 10)+" "+path, func() (any, error) {
		// A fetch that ended between this reader's look above and here has stored its list.
		lc.mu.Lock()
		e, ok := lc.entries[path]
		lc.mu.Unlock()
		if ok {
			return e, nil
		}
		items, err := list[T](ctx, c, path)
		if err != nil {
			return nil, err
		}
		e = cachedEntry{items: items, at: time.Now()}
		lc.mu.Lock()
		if lc.gen == gen {
			lc.entries[path] = e
		}
		lc.mu.Unlock()
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	e, _ := v.(cachedEntry)
	items, _ := e.items.([]T) // the only type stored under path
	ev.sawList(e.at)
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
	if err == nil {
		evidenceOf(ctx).lacked()
	}
	return confirm()
}

// refreshList returns the cached list at path when it holds an item for which has is true,
// and otherwise the list fetched afresh: the caller's object missing from a list is thereby
// confirmed with a request of its own before the caller concludes it is gone.
func refreshList[T any](ctx context.Context, c *Client, path, ns string, has func(*T) bool) ([]T, error) {
	if isFresh(ctx) {
		return listOrGone[T](ctx, c, path, ns)
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
	if err == nil {
		evidenceOf(ctx).lacked()
	}
	return listOrGone[T](ctx, c, path, ns)
}

// ListNotFoundError is a namespace's list that answered 404 while the namespace itself is
// there: a stray answer (an API server restarting, a proxy), not evidence that anything in
// the namespace is gone. It is deliberately not a 404 to IsNotFound.
type ListNotFoundError struct {
	Namespace string
	Cause     error
}

func (e *ListNotFoundError) Error() string {
	return fmt.Sprintf("%v; namespace %q exists, so this is not taken as evidence that the object is gone", e.Cause, e.Namespace)
}

// AbsenceInterval is how far apart two looks must be for their 404s to prove something gone:
// longer than a burst of stray 404s (an API server restarting, a proxy that has lost its
// backend), which lasts about a second.
const AbsenceInterval = 2 * time.Second

// listOrGone lists a namespace's objects for a look at whether one of them exists, for kinds
// Orka cannot read one by one. A 404 on the list route stands (everything in it is gone) only
// when the namespace itself answers 404 too. Otherwise the list is asked once more, later than
// a burst of stray 404s lasts, and a second 404 is a *ListNotFoundError.
func listOrGone[T any](ctx context.Context, c *Client, path, ns string) ([]T, error) {
	items, err := list[T](ctx, c, path)
	if !IsNotFound(err) {
		return items, err
	}
	if _, nerr := c.GetNamespace(ctx, ns); IsNotFound(nerr) {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, &ListNotFoundError{Namespace: ns, Cause: err}
	case <-time.After(AbsenceInterval):
	}
	if items, err = list[T](ctx, c, path); !IsNotFound(err) {
		return items, err
	}
	return nil, &ListNotFoundError{Namespace: ns, Cause: err}
}
