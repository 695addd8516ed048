package orkasim

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

const cachePath = base + "/cache/images"

// cacheItem is the documented route of one image's cache, the image escaped as one segment.
func cacheItem(ns, image string) string {
	return "/api/v1/namespaces/" + ns + "/cache/images/" + url.PathEscape(image)
}

// multiStatus asserts a 207 answer and returns "node code status" lines in node order; every
// item must carry a message.
func multiStatus(t *testing.T, r resp) []string {
	t.Helper()
	if r.code != 207 {
		t.Fatalf("got %d %s, want 207 Multi-Status", r.code, r.body)
	}
	var ms ImageCacheMultiStatus
	r.decode(t, &ms)
	var out []string
	for _, it := range ms.Items {
		if it.Message == "" {
			t.Errorf("item without a message in %s", r.body)
		}
		out = append(out, fmt.Sprintf("%s %d %s", it.Node, it.Code, it.Status))
	}
	return out
}

func expectItems(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("per-node results %q, want %q", got, want)
	}
}

// nodeStatuses reads the documented cache item of an image as "node status" lines; nil on 404.
func (e *env) nodeStatuses(ns, image string) []string {
	e.t.Helper()
	r := e.do("GET", cacheItem(ns, image), nil)
	if r.code == 404 {
		expectError(e.t, r, 404, "NotFound", image)
		return nil
	}
	if r.code != 200 {
		e.t.Fatalf("GET cache of %s: %d %s", image, r.code, r.body)
	}
	var ic ImageCache
	r.decode(e.t, &ic)
	if ic.Image != image {
		e.t.Fatalf("cache item of %q names %q", image, ic.Image)
	}
	var out []string
	for _, n := range ic.Nodes {
		out = append(out, n.Node+" "+n.Status)
	}
	return out
}

// [ASSUMED by analogy with the documented remove] orka-api.md §8: list, read and add on the
// .../cache/images family; add answers 207 with one result per targeted node.
// [DOC] the CLI reference: --tags selects the nodes that carry all the tags given.
func TestCacheImagesAddAndRead(t *testing.T) {
	// The delay is long enough for the reads right after an add to see Caching on a busy machine.
	e := newEnv(t, Options{Nodes: 3, CacheDelay: 400 * time.Millisecond})
	if err := e.sim.SetNodeTags("mini-arm-2", "fast", "m2"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetNodeTags("mini-arm-3", "fast"); err != nil {
		t.Fatal(err)
	}
	oci := "ghcr.io/org/macos:sonoma"
	add := cacheItem("orka-default", oci) + "/add"
	if add != cachePath+"/ghcr.io%2Forg%2Fmacos:sonoma/add" {
		t.Fatalf("escaped route %s", add)
	}
	expectItems(t, multiStatus(t, e.do("POST", add, map[string]any{"nodes": []string{"mini-arm-3", "mini-arm-1"}})),
		"mini-arm-1 202 Caching", "mini-arm-3 202 Caching")
	if got := fmt.Sprint(e.nodeStatuses("orka-default", oci)); got != "[mini-arm-1 Caching mini-arm-3 Caching]" {
		t.Fatalf("while caching: %s", got)
	}
	eventually(t, "Ready", func() bool {
		return fmt.Sprint(e.nodeStatuses("orka-default", oci)) == "[mini-arm-1 Ready mini-arm-3 Ready]"
	})
	// Adding again where it is Ready does nothing and says so.
	expectItems(t, multiStatus(t, e.do("POST", add, map[string]any{"nodes": []string{"mini-arm-1"}})), "mini-arm-1 200 Ready")

	// Tags select the nodes that carry all of them.
	seq := cacheItem("orka-default", "sequoia.orkasi") + "/add"
	expectItems(t, multiStatus(t, e.do("POST", seq, map[string]any{"tags": []string{"fast", "m2"}})), "mini-arm-2 202 Caching")
	expectItems(t, multiStatus(t, e.do("POST", seq, map[string]any{"tags": []string{"fast"}})), "mini-arm-2 202 Caching", "mini-arm-3 202 Caching")
	expectItems(t, multiStatus(t, e.do("POST", cacheItem("orka-default", "90gbsonomassd.orkasi")+"/add", map[string]any{"all": true})),
		"mini-arm-1 202 Caching", "mini-arm-2 202 Caching", "mini-arm-3 202 Caching")

	var l list[ImageCache]
	e.must(200, "GET", cachePath, nil).decode(t, &l)
	if len(l.Items) != 3 || l.Items[0].Image != "90gbsonomassd.orkasi" || l.Items[1].Image != oci || len(l.Items[2].Nodes) != 2 {
		t.Fatalf("list %+v", l)
	}
	// A cache failed on a node is retried by a new add.
	if err := e.sim.SetImageCacheStatus("orka-default", "sequoia.orkasi", "mini-arm-3", CacheFailed); err != nil {
		t.Fatal(err)
	}
	expectItems(t, multiStatus(t, e.do("POST", seq, map[string]any{"nodes": []string{"mini-arm-3"}})), "mini-arm-3 202 Caching")

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{}, "nodes"},
		{map[string]any{"all": true, "nodes": []string{"mini-arm-1"}}, "nodes"},
		{map[string]any{"nodes": []string{"mini-arm-9"}}, "nodes"},
		{map[string]any{"tags": []string{"fast", "slow"}}, "tags"},
	} {
		expectError(t, e.do("POST", seq, c.body), 400, "BadRequest", "invalid value for "+c.field)
	}
	expectError(t, e.do("POST", cacheItem("orka-default", "nope.orkasi")+"/add", map[string]any{"all": true}), 400, "BadRequest", "invalid value for image")
	// An image cached nowhere is a 404 with a Status, unlike a route that does not exist.
	expectError(t, e.do("GET", cacheItem("orka-default", "ghcr.io/org/other:1"), nil), 404, "NotFound", "ghcr.io/org/other:1")
	expectError(t, e.do("GET", "/api/v1/namespaces/orka-nope/cache/images", nil), 404, "NotFound", "orka-nope")

	// Image caches need access to the namespace (since 3.6.3, orka-api.md §8).
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.createAccount("orka-ci", "runner")
	tok := e.token("orka-ci", "runner", nil)
	expectError(t, e.send(tok, "GET", cachePath, nil), 403, "Forbidden", "no access to namespace")
	expectError(t, e.send(tok, "POST", seq, map[string]any{"all": true}), 403, "Forbidden", "no access to namespace")
}

// [DOC] orka-api.md §8, the CLI reference: POST .../cache/images/{image}/remove answers 207
// Multi-Status; a node shows Removing during the removal; a node that does not cache the image
// is a no-op; Failed means the image stays cached and the removal can be retried. The body of
// the 207 is [ASSUMED].
func TestCacheImagesRemove(t *testing.T) {
	// The delay is long enough for the requests right after a removal to see Removing on a busy
	// machine.
	e := newEnv(t, Options{Nodes: 3, CacheDelay: 400 * time.Millisecond})
	img := "sequoia.orkasi"
	remove := cacheItem("orka-default", img) + "/remove"
	multiStatus(t, e.do("POST", cacheItem("orka-default", img)+"/add", map[string]any{"all": true}))
	eventually(t, "Ready", func() bool {
		return fmt.Sprint(e.nodeStatuses("orka-default", img)) == "[mini-arm-1 Ready mini-arm-2 Ready mini-arm-3 Ready]"
	})

	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"nodes": []string{"mini-arm-1"}})), "mini-arm-1 202 Removing")
	if got := fmt.Sprint(e.nodeStatuses("orka-default", img)); got != "[mini-arm-1 Removing mini-arm-2 Ready mini-arm-3 Ready]" {
		t.Fatalf("during the removal: %s", got)
	}
	if got := e.sim.Snapshot().ImageCaches["orka-default"][img]["mini-arm-1"]; got != CacheRemoving {
		t.Fatalf("snapshot during the removal: %q", got)
	}
	// Adding back a node that is being removed is refused for that node.
	expectItems(t, multiStatus(t, e.do("POST", cacheItem("orka-default", img)+"/add", map[string]any{"nodes": []string{"mini-arm-1"}})),
		"mini-arm-1 409 Removing")
	eventually(t, "the removal to end", func() bool {
		return fmt.Sprint(e.nodeStatuses("orka-default", img)) == "[mini-arm-2 Ready mini-arm-3 Ready]"
	})
	// Not cached there any more: a no-op.
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"nodes": []string{"mini-arm-1"}})), "mini-arm-1 200 NotCached")

	// A removal made to fail ends Failed with the image still cached; a retry removes it.
	if err := e.sim.FailNextCacheRemoval("mini-arm-2"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.FailNextCacheRemoval("mini-arm-9"); err == nil {
		t.Fatal("FailNextCacheRemoval accepted an unknown node")
	}
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"all": true})),
		"mini-arm-1 200 NotCached", "mini-arm-2 202 Removing", "mini-arm-3 202 Removing")
	eventually(t, "the removals to end", func() bool {
		return fmt.Sprint(e.nodeStatuses("orka-default", img)) == "[mini-arm-2 Failed]"
	})
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"nodes": []string{"mini-arm-2"}})), "mini-arm-2 202 Removing")
	eventually(t, "the retried removal to end", func() bool { return e.nodeStatuses("orka-default", img) == nil })

	// An image cached nowhere: every targeted node is a no-op, not an error.
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"all": true})),
		"mini-arm-1 200 NotCached", "mini-arm-2 200 NotCached", "mini-arm-3 200 NotCached")

	for _, body := range []map[string]any{{}, {"all": true, "tags": []string{"x"}}, {"nodes": []string{"mini-arm-9"}}} {
		expectError(t, e.do("POST", remove, body), 400, "BadRequest", "invalid value for nodes")
	}
	expectError(t, e.do("POST", remove, map[string]any{"tags": []string{"none-has-it"}}), 400, "BadRequest", "invalid value for tags")
}

// [DOC] orka-api.md §8, the CLI reference: removing an image from a node that no longer exists
// cleans its entry up at once. A node moved to another namespace no longer exists for this one.
func TestCacheImagesRemoveFromGoneNodes(t *testing.T) {
	e := newEnv(t, Options{Nodes: 3, CacheDelay: time.Hour})
	img := "ghcr.io/org/macos:sonoma"
	remove := cacheItem("orka-default", img) + "/remove"
	for _, n := range []string{"mini-arm-1", "mini-arm-2", "mini-arm-3"} {
		if err := e.sim.SetImageCacheStatus("orka-default", img, n, CacheReady); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.sim.RemoveNode("mini-arm-3"); err != nil {
		t.Fatal(err)
	}
	e.must(201, "POST", "/api/v1/namespaces", map[string]any{"name": "orka-ci"})
	e.moveNode("mini-arm-2", "orka-default", "orka-ci")
	// The stale entries are still listed until a removal cleans them up.
	if got := fmt.Sprint(e.nodeStatuses("orka-default", img)); got != "[mini-arm-1 Ready mini-arm-2 Ready mini-arm-3 Ready]" {
		t.Fatalf("before the removal: %s", got)
	}
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"nodes": []string{"mini-arm-3"}})), "mini-arm-3 200 Removed")
	if got := fmt.Sprint(e.nodeStatuses("orka-default", img)); got != "[mini-arm-1 Ready mini-arm-2 Ready]" {
		t.Fatalf("after removing the gone node: %s", got)
	}
	expectItems(t, multiStatus(t, e.do("POST", remove, map[string]any{"all": true})), "mini-arm-1 202 Removing", "mini-arm-2 200 Removed")
	if got := fmt.Sprint(e.nodeStatuses("orka-default", img)); got != "[mini-arm-1 Removing]" {
		t.Fatalf("after removing from all: %s", got)
	}
	// A gone node without an entry is just an unknown node.
	expectError(t, e.do("POST", remove, map[string]any{"nodes": []string{"mini-arm-3"}}), 400, "BadRequest", "invalid value for nodes")
	if err := e.sim.RemoveNode("mini-arm-3"); err == nil {
		t.Fatal("RemoveNode of a node already removed succeeded")
	}
	e.mustDeploy("orka-default", map[string]any{"name": "busy", "image": "sequoia.orkasi", "node": "mini-arm-1"})
	if err := e.sim.RemoveNode("mini-arm-1"); err == nil {
		t.Fatal("RemoveNode of a node running a VM succeeded")
	}
	e.sim.Reset()
	if len(e.sim.Snapshot().Nodes) != 3 {
		t.Fatal("Reset did not bring the removed node back")
	}
}

// Variant (MacStadium documents no add, read or list route on the .../cache/images family):
// under LegacyImageCache the family serves only remove, and the other routes answer as routes
// that do not exist, so a client must fall back to the older .../imagecache routes; by default
// both families are served.
func TestLegacyImageCacheVariant(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			e := newEnv(t, Options{Nodes: 2, LegacyImageCache: legacy})
			img := "sequoia.orkasi"
			documented := []struct {
				method, path string
				body         any
			}{
				{"GET", cachePath, nil},
				{"GET", cacheItem("orka-default", img), nil},
				{"POST", cacheItem("orka-default", img) + "/add", map[string]any{"all": true}},
			}
			for _, c := range documented {
				r := e.do(c.method, c.path, c.body)
				if legacy {
					expectNoRoute(t, r)
				} else if r.code == 404 && r.hdr.Get("Content-Type") != "application/json" {
					t.Fatalf("%s %s not served by default: %d %s", c.method, c.path, r.code, r.body)
				}
			}
			// The older routes are served either way, and the documented remove too.
			e.must(201, "POST", base+"/imagecache/add", map[string]any{"image": img, "nodes": []string{"mini-arm-1"}})
			e.must(200, "GET", base+"/imagecache", nil)
			e.must(200, "GET", base+"/imagecache/"+img, nil)
			expectItems(t, multiStatus(t, e.do("POST", cacheItem("orka-default", img)+"/remove", map[string]any{"nodes": []string{"mini-arm-1"}})),
				"mini-arm-1 202 Removing")
			// A known path with the wrong method is still 405.
			expectError(t, e.do("GET", cacheItem("orka-default", img)+"/remove", nil), 405, "MethodNotAllowed")
		})
	}
	// The switch changes at run time.
	e := newEnv(t, Options{})
	e.must(200, "GET", cachePath, nil)
	e.sim.SetVariants(Variants{LegacyImageCache: true})
	expectNoRoute(t, e.do("GET", cachePath, nil))
	if !e.sim.Variants().LegacyImageCache {
		t.Fatal("Variants does not report the switch")
	}
	e.sim.SetVariants(Variants{})
	e.must(200, "GET", cachePath, nil)
}
