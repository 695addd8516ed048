package orka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

const (
	docCaches = "/api/v1/namespaces/orka-ci/cache/images"
	oldCaches = "/api/v1/namespaces/orka-ci/imagecache"
	// cacheRef is an OCI reference: its "/" must be escaped so that it stays one segment.
	cacheRef    = "ghcr.io/org/macos:sonoma"
	cacheRefEsc = "ghcr.io%2Forg%2Fmacos:sonoma"
)

// How servers without a route answer, and how Orka refuses.
var (
	plainNotFound = func(w http.ResponseWriter) { http.NotFound(w, nil) } // "404 page not found", text/plain
	emptyNotFound = func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }
	htmlNotFound  = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body><h1>404 Not Found</h1>nginx</body></html>")
	}
	frameworkNotFound = func(w http.ResponseWriter) { reply(w, http.StatusNotFound, `{"message":"Not Found"}`) }
	statusNotAllowed  = func(w http.ResponseWriter) {
		reply(w, http.StatusMethodNotAllowed, statusJSON(405, "MethodNotAllowed", "method not allowed"))
	}
	plainNotAllowed = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprint(w, "Method Not Allowed")
	}
	notCachedStatus = func(w http.ResponseWriter) {
		reply(w, http.StatusNotFound, statusJSON(404, "NotFound", `image "`+cacheRef+`" is not cached in namespace "orka-ci"`))
	}
)

// cacheFamilies serves the two image-cache route families of namespace orka-ci: documented
// answers every documented route (nil: as a cluster that serves it would), older every older
// route (nil: likewise).
func cacheFamilies(t *testing.T, documented, older func(w http.ResponseWriter)) *fakeServer {
	t.Helper()
	item := `{"image":"` + cacheRef + `","nodes":[{"node":"mini-arm-1","status":"ready"}]}`
	return newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		p := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(p, docCaches):
			if documented != nil {
				documented(w)
				return
			}
			switch {
			case p == docCaches:
				reply(w, 200, `{"items":[`+item+`]}`)
			case r.Method == http.MethodGet:
				reply(w, 200, item)
			case strings.HasSuffix(p, "/add"):
				reply(w, http.StatusMultiStatus, `{"items":[{"node":"mini-arm-1","code":200,"status":"Caching"}]}`)
			default:
				reply(w, http.StatusMultiStatus, `{"items":[{"node":"mini-arm-1","code":200,"status":"Removing"}]}`)
			}
		case strings.HasPrefix(p, oldCaches):
			if older != nil {
				older(w)
				return
			}
			switch {
			case p == oldCaches:
				reply(w, 200, `{"items":[`+item+`]}`)
			case r.Method == http.MethodGet:
				reply(w, 200, item)
			default:
				w.WriteHeader(http.StatusOK)
			}
		default:
			plainNotFound(w)
		}
	})
}

// cacheOps are the four image-cache operations, with the route each family serves them on.
var cacheOps = []struct {
	name       string
	call       func(ctx context.Context, c *Client) error
	method     string
	docPath    string
	oldPath    string
	oldBody    string // the older family's body; "" for GETs
	remembered bool   // the family that served is kept for the next call
}{
	{
		name:   "list",
		call:   func(ctx context.Context, c *Client) error { _, err := c.ListImageCaches(ctx, "orka-ci"); return err },
		method: http.MethodGet, docPath: docCaches, oldPath: oldCaches, remembered: true,
	},
	{
		name: "read",
		call: func(ctx context.Context, c *Client) error {
			_, err := c.GetImageCache(ctx, "orka-ci", cacheRef)
			return err
		},
		method: http.MethodGet, docPath: docCaches + "/" + cacheRefEsc, oldPath: oldCaches + "/" + cacheRefEsc, remembered: true,
	},
	{
		name: "add",
		call: func(ctx context.Context, c *Client) error {
			return c.AddImageCache(ctx, "orka-ci", ImageCacheRequest{Image: cacheRef, Nodes: []string{"mini-arm-1"}})
		},
		method: http.MethodPost, docPath: docCaches + "/" + cacheRefEsc + "/add", oldPath: oldCaches + "/add",
		oldBody: `{"image":"` + cacheRef + `","nodes":["mini-arm-1"]}`, remembered: true,
	},
	{
		name: "remove",
		call: func(ctx context.Context, c *Client) error {
			return c.RemoveImageCache(ctx, "orka-ci", ImageCacheRequest{Image: cacheRef, All: true})
		},
		method: http.MethodPost, docPath: docCaches + "/" + cacheRefEsc + "/remove", oldPath: oldCaches + "/remove",
		oldBody: `{"image":"` + cacheRef + `","all":true}`,
	},
}

// paths lists the requests' method and path.
func paths(fs *fakeServer) []string {
	var out []string
	for _, r := range fs.requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// A cluster that serves the documented family is only ever asked on it.
func TestImageCacheUsesTheDocumentedFamilyWhenServed(t *testing.T) {
	for _, op := range cacheOps {
		t.Run(op.name, func(t *testing.T) {
			fs := cacheFamilies(t, nil, nil)
			c := newTestClient(t, fs.URL)
			for range 2 {
				if err := op.call(context.Background(), c); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{op.method + " " + op.docPath, op.method + " " + op.docPath}
			if got := paths(fs); !reflect.DeepEqual(got, want) {
				t.Errorf("requests = %v, want %v", got, want)
			}
		})
	}
}

// A cluster without the documented route is asked on the older one; for list, read and add the
// client remembers that, so the second call goes straight there. Removal, whose documented
// route is MacStadium's, tries it first every time.
func TestImageCacheFallsBackWhereTheRouteIsMissing(t *testing.T) {
	missing := map[string]func(http.ResponseWriter){
		"plain-text 404":      plainNotFound,
		"404 without a body":  emptyNotFound,
		"HTML 404 of a proxy": htmlNotFound,
		"framework JSON 404":  frameworkNotFound,
		"405 with a Status":   statusNotAllowed,
		"405 with plain text": plainNotAllowed,
	}
	for _, op := range cacheOps {
		for how, answer := range missing {
			t.Run(op.name+"/"+how, func(t *testing.T) {
				fs := cacheFamilies(t, answer, nil)
				c := newTestClient(t, fs.URL)
				for range 2 {
					if err := op.call(context.Background(), c); err != nil {
						t.Fatal(err)
					}
				}
				doc, old := op.method+" "+op.docPath, op.method+" "+op.oldPath
				want := []string{doc, old, old}
				if !op.remembered {
					want = []string{doc, old, doc, old}
				}
				if got := paths(fs); !reflect.DeepEqual(got, want) {
					t.Errorf("requests = %v\nwant       %v", got, want)
				}
				if op.oldBody != "" {
					for _, r := range fs.requests() {
						if r.Path == op.oldPath {
							assertJSONEqual(t, r.Body, op.oldBody)
						}
					}
				}
			})
		}
	}
}

// Orka's own 404 Status on the documented read ("not cached") is the answer: no fallback, and
// the documented family is kept even when a later answer looks like a missing route (a proxy's
// stray 404 in a maintenance window).
func TestImageCacheStatus404IsNotFoundNotAFallback(t *testing.T) {
	var mu sync.Mutex
	answer := notCachedStatus
	fs := cacheFamilies(t, func(w http.ResponseWriter) {
		mu.Lock()
		a := answer
		mu.Unlock()
		a(w)
	}, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	_, err := c.GetImageCache(ctx, "orka-ci", cacheRef)
	if !IsNotFound(err) || IsRouteMissing(err) {
		t.Fatalf("err = %v: want IsNotFound and not IsRouteMissing", err)
	}
	mu.Lock()
	answer = plainNotFound
	mu.Unlock()
	if _, err := c.GetImageCache(ctx, "orka-ci", cacheRef); !IsRouteMissing(err) {
		t.Fatalf("err = %v, want the documented route's own answer", err)
	}
	for _, p := range paths(fs) {
		if strings.Contains(p, oldCaches) {
			t.Errorf("the older family was asked: %v", paths(fs))
		}
	}
}

// When neither family serves an operation, the error says so, is no "not found" (a missing
// route proves nothing about the cache), and nothing is remembered: the next call tries the
// documented route again.
func TestImageCacheNeitherFamilyServes(t *testing.T) {
	fs := cacheFamilies(t, plainNotFound, plainNotFound)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	for range 2 {
		_, err := c.GetImageCache(ctx, "orka-ci", cacheRef)
		var rm *RouteMissingError
		if !errors.As(err, &rm) || !IsRouteMissing(err) || IsNotFound(err) {
			t.Fatalf("err = %#v: want a *RouteMissingError that is not IsNotFound", err)
		}
		for _, s := range []string{"read an image cache", docCaches + "/" + cacheRefEsc, oldCaches + "/" + cacheRefEsc, "404 page not found"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
	}
	if n := len(fs.requests()); n != 4 {
		t.Errorf("%d requests, want 4 (both families, twice): %v", n, paths(fs))
	}
}

// An older route that does not answer as an existing route does (a maintenance 503) is
// reported, and the choice is left open.
func TestImageCacheFallbackNotRememberedUntilTheOlderRouteAnswers(t *testing.T) {
	var mu sync.Mutex
	down := true
	fs := cacheFamilies(t, plainNotFound, nil)
	inner := fs.respond
	fs.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		d := down
		mu.Unlock()
		if d && strings.HasPrefix(r.URL.Path, oldCaches) {
			reply(w, http.StatusServiceUnavailable, statusJSON(503, "ServiceUnavailable", "maintenance"))
			return
		}
		inner(w, r, n)
	}
	c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	ctx := context.Background()
	if _, err := c.ListImageCaches(ctx, "orka-ci"); !IsServerUnavailable(err) {
		t.Fatalf("err = %v, want the older route's 503", err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if _, err := c.ListImageCaches(ctx, "orka-ci"); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET " + docCaches, "GET " + oldCaches, "GET " + docCaches, "GET " + oldCaches}
	if got := paths(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// Concurrent first calls all succeed while the client learns the family, and later calls use
// what it learnt.
func TestImageCacheFamilyChoiceUnderConcurrency(t *testing.T) {
	fs := cacheFamilies(t, plainNotFound, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := c.GetImageCache(ctx, "orka-ci", cacheRef); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	before := len(fs.requests())
	if _, err := c.WithToken("other-token").GetImageCache(ctx, "orka-ci", cacheRef); err != nil {
		t.Fatal(err)
	}
	if got := fs.requests()[before:]; len(got) != 1 || got[0].Path != oldCaches+"/"+cacheRefEsc {
		t.Errorf("after learning, a client with another token sent %v, want only the older route", got)
	}
}

// The shared list of a refresh is read on the family that serves lists, once per run.
func TestRefreshImageCacheUsesTheServedFamily(t *testing.T) {
	fs := cacheFamilies(t, plainNotFound, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	for range 3 {
		ic, err := c.RefreshImageCache(ctx, "orka-ci", cacheRef)
		if err != nil || ic.Image != cacheRef || len(ic.Nodes) != 1 || ic.Nodes[0].Status != CacheStatusReady {
			t.Fatalf("RefreshImageCache = %+v, %v", ic, err)
		}
	}
	want := []string{"GET " + docCaches, "GET " + oldCaches}
	if got := paths(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// The switch to the older family is logged once per client, not per call.
func TestImageCacheFallbackLoggedOnce(t *testing.T) {
	fs := cacheFamilies(t, plainNotFound, nil)
	c := newTestClient(t, fs.URL)
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	for range 3 {
		if err := c.RemoveImageCache(ctx, "orka-ci", ImageCacheRequest{Image: cacheRef, All: true}); err != nil {
			t.Fatal(err)
		}
	}
	const msg = "Orka does not serve the documented image-cache route; using the older one"
	if n := strings.Count(buf.String(), msg); n != 1 {
		t.Errorf("fallback logged %d times, want once:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), `"orka_operation":"remove a cached image"`) {
		t.Errorf("the log does not say which operation fell back:\n%s", buf.String())
	}
}

func TestIsRouteMissing(t *testing.T) {
	tests := []struct {
		name   string
		answer func(http.ResponseWriter)
		want   bool
	}{
		{"plain-text 404", plainNotFound, true},
		{"404 without a body", emptyNotFound, true},
		{"HTML 404", htmlNotFound, true},
		{"JSON 404 that is no Status", frameworkNotFound, true},
		{"405 with a Status", statusNotAllowed, true},
		{"405 with plain text", plainNotAllowed, true},
		{"404 Status", notCachedStatus, false},
		{"404 with a Kubernetes reason but no kind", func(w http.ResponseWriter) {
			reply(w, 404, `{"reason":"NotFound","message":"image is not cached"}`)
		}, false},
		{"400 Status", func(w http.ResponseWriter) { reply(w, 400, statusJSON(400, "BadRequest", "bad selector")) }, false},
		{"500 plain text", func(w http.ResponseWriter) { w.WriteHeader(500); fmt.Fprint(w, "oops") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { tt.answer(w) })
			c := newTestClient(t, fs.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
			_, err := c.GetVM(context.Background(), "orka-ci", "x")
			if err == nil {
				t.Fatal("no error")
			}
			if got := IsRouteMissing(err); got != tt.want {
				t.Errorf("IsRouteMissing(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
	// An APIError built by hand (a 404 inferred from a list) is never a missing route.
	if IsRouteMissing(notFound("/api/v1/namespaces/orka-ci/serviceaccounts", "service account", "ci", "orka-ci")) {
		t.Error("a constructed 404 is a missing route")
	}
	if IsRouteMissing(errors.New("boom")) || IsRouteMissing(nil) {
		t.Error("a non-API error is a missing route")
	}
}

func TestDecodeImageCacheResults(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []ImageCacheResult
	}{
		{
			name: "items",
			body: `{"items":[{"node":"mini-arm-1","code":200,"status":"Caching"},{"node":"mini-arm-2","code":500,"status":"Failed","message":"disk full"}]}`,
			want: []ImageCacheResult{
				{Node: "mini-arm-1", Code: 200, Status: CacheStatusCaching},
				{Node: "mini-arm-2", Code: 500, Status: CacheStatusFailed, Message: "disk full"},
			},
		},
		{
			name: "bare array, lower-case status, code as a string",
			body: `[{"node":"mini-arm-1","code":"207","status":"removing"}]`,
			want: []ImageCacheResult{{Node: "mini-arm-1", Code: 207, Status: CacheStatusRemoving}},
		},
		{
			name: "keys in another case, error for message, items that are no objects",
			body: `{"Items":[{"Node":"mini-arm-3","Code":404,"error":"node gone"},"junk",null]}`,
			want: []ImageCacheResult{{Node: "mini-arm-3", Code: 404, Message: "node gone"}},
		},
		{name: "empty body", body: "", want: nil},
		{name: "null", body: "null", want: nil},
		{name: "a Status instead of results", body: `{"kind":"Status","status":"Success","message":"ok"}`, want: nil},
		{name: "not JSON", body: "Multi-Status", want: nil},
		{name: "empty items", body: `{"items":[]}`, want: []ImageCacheResult{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeImageCacheResults([]byte(tt.body)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// A 207 that reports failed nodes is an *ImageCachePartialError naming them, with every
// node's result still returned.
func TestImageCachePerNodeFailures(t *testing.T) {
	body := `{"items":[` +
		`{"node":"mini-arm-1","code":200,"status":"caching"},` +
		`{"node":"mini-arm-2","code":500,"message":"disk full"},` +
		`{"node":"mini-arm-3","code":200,"status":"FAILED","message":"pull timed out"}]}`
	tests := []struct {
		name     string
		call     func(c *Client) ([]ImageCacheResult, error)
		wantText []string
	}{
		{
			name: "add",
			call: func(c *Client) ([]ImageCacheResult, error) {
				return c.AddImageCacheWithResults(context.Background(), "orka-ci", ImageCacheRequest{Image: cacheRef, All: true})
			},
			wantText: []string{`caching image "` + cacheRef + `" failed on 2 of 3 node(s)`,
				"mini-arm-2 (code 500): disk full", "mini-arm-3 (Failed, code 200): pull timed out"},
		},
		{
			name: "remove",
			call: func(c *Client) ([]ImageCacheResult, error) {
				return c.RemoveImageCacheWithResults(context.Background(), "orka-ci", ImageCacheRequest{Image: cacheRef, All: true})
			},
			wantText: []string{`removing image "` + cacheRef + `" from the cache failed on 2 of 3 node(s)`,
				"mini-arm-2", "mini-arm-3", "stays cached"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, http.StatusMultiStatus, body) })
			c := newTestClient(t, fs.URL)
			results, err := tt.call(c)
			var pe *ImageCachePartialError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ImageCachePartialError", err)
			}
			if got := pe.FailedNodes(); !reflect.DeepEqual(got, []string{"mini-arm-2", "mini-arm-3"}) {
				t.Errorf("FailedNodes = %v", got)
			}
			if len(results) != 3 || results[0].Status != CacheStatusCaching || results[0].Failed() {
				t.Errorf("results = %+v", results)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if IsNotFound(err) || IsRouteMissing(err) {
				t.Errorf("a per-node failure reads as an API error: %v", err)
			}
			if n := len(fs.requests()); n != 1 {
				t.Errorf("%d requests: per-node failures must not trigger a fallback", n)
			}
		})
	}
}

// The old-signature wrappers report the same per-node failure.
func TestAddImageCacheReturnsThePartialError(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, http.StatusMultiStatus, `[{"node":"mini-arm-2","code":409,"message":"busy"}]`)
	})
	c := newTestClient(t, fs.URL)
	err := c.AddImageCache(context.Background(), "orka-ci", ImageCacheRequest{Image: cacheRef, Nodes: []string{"mini-arm-2"}})
	var pe *ImageCachePartialError
	if !errors.As(err, &pe) || pe.FailedNodes()[0] != "mini-arm-2" {
		t.Fatalf("err = %v", err)
	}
}

func TestImageCacheStatusesNormalised(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		nodes := `[{"node":"a","status":"ready"},{"node":"b","status":"CACHING"},{"node":"c","status":" failed "},` +
			`{"node":"d","status":"removing"},{"node":"e","status":"evicted"}]`
		if r.URL.Path == docCaches {
			reply(w, 200, `{"items":[{"image":"x","nodes":`+nodes+`}]}`)
			return
		}
		reply(w, 200, `{"image":"x","nodes":`+nodes+`}`)
	})
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	want := []ImageCacheNode{
		{Node: "a", Status: CacheStatusReady}, {Node: "b", Status: CacheStatusCaching},
		{Node: "c", Status: CacheStatusFailed}, {Node: "d", Status: CacheStatusRemoving},
		{Node: "e", Status: "evicted"}, // unknown: kept as sent
	}
	ic, err := c.GetImageCache(ctx, "orka-ci", "x")
	if err != nil || !reflect.DeepEqual(ic.Nodes, want) {
		t.Errorf("GetImageCache nodes = %+v, %v", ic, err)
	}
	all, err := c.ListImageCaches(ctx, "orka-ci")
	if err != nil || len(all) != 1 || !reflect.DeepEqual(all[0].Nodes, want) {
		t.Errorf("ListImageCaches = %+v, %v", all, err)
	}
	ref, err := c.RefreshImageCache(ctx, "orka-ci", "x")
	if err != nil || !reflect.DeepEqual(ref.Nodes, want) {
		t.Errorf("RefreshImageCache = %+v, %v", ref, err)
	}
}

func TestImageCacheSelectorRequired(t *testing.T) {
	fs := newFakeServer(t, nil)
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	for name, req := range map[string]ImageCacheRequest{
		"no selector":     {Image: "x"},
		"nodes and all":   {Image: "x", Nodes: []string{"a"}, All: true},
		"nodes and tags":  {Image: "x", Nodes: []string{"a"}, Tags: []string{"t"}},
		"empty image":     {Image: "", All: true},
		"empty node list": {Image: "x", Nodes: []string{}},
	} {
		if err := c.AddImageCache(ctx, "orka-ci", req); err == nil {
			t.Errorf("add, %s: accepted", name)
		}
		if err := c.RemoveImageCache(ctx, "orka-ci", req); err == nil {
			t.Errorf("remove, %s: accepted", name)
		}
	}
	if n := fs.count(); n != 0 {
		t.Errorf("%d requests sent for invalid selectors", n)
	}
}
