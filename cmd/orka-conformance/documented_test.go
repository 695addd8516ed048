package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// The simulator answers as MacStadium documents it, and its variant switches give the other
// acceptable answers of the items the documents leave open. The fakes here stand in front of it
// and answer the other way, so that each documented item is shown to be contradicted (or
// reported with its other variant) by a cluster that does not answer as documented.

// statusBody is a Kubernetes Status error body.
func statusBody(code int, reason, msg string) string {
	b, _ := json.Marshal(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code})
	return string(b)
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// readBody reads a request's body and puts it back.
func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return b
}

// bearer is the request's token.
func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// editJSON decodes a JSON object, lets edit change it, and encodes it again; a body that is not
// an object (or is a Status) is left as it is.
func editJSON(b []byte, edit func(map[string]any)) []byte {
	var obj map[string]any
	if json.Unmarshal(b, &obj) != nil || obj["kind"] == "Status" {
		return b
	}
	edit(obj)
	out, _ := json.Marshal(obj)
	return out
}

// editItems applies edit to every item of a {"items": [...]} answer, or to the object itself.
func editItems(b []byte, edit func(map[string]any)) []byte {
	return editJSON(b, func(obj map[string]any) {
		items, ok := obj["items"].([]any)
		if !ok {
			edit(obj)
			return
		}
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				edit(m)
			}
		}
	})
}

var documentedCacheRoute = regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/cache/images(?:/([^/]+)(?:/(add|remove))?)?$`)

// cacheRoutesFake serves of the documented .../cache/images routes only those named in serve
// ("list", "read", "add", "remove"), which go on to the simulator, the removal answering
// removeStatus instead of its 207; the others answer as a route that does not exist (the
// gateway's plain-text 404). legacyGone makes the older .../imagecache routes not exist either.
// (The simulator's own LegacyImageCache switch gives the one mix the documents allow; this fake
// gives the others.)
func cacheRoutesFake(serve []string, removeStatus int, legacyGone bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.EscapedPath()
			m := documentedCacheRoute.FindStringSubmatch(p)
			if m == nil {
				if legacyGone && strings.Contains(p, "/imagecache") {
					http.Error(w, "404 page not found", http.StatusNotFound)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			kind := m[3]
			switch {
			case kind != "":
			case m[2] != "":
				kind = "read"
			default:
				kind = "list"
			}
			if !slices.Contains(serve, kind) {
				http.Error(w, "404 page not found", http.StatusNotFound)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			code := rec.Code
			if kind == "remove" && code == http.StatusMultiStatus {
				code = removeStatus
			}
			writeAnswer(w, code, rec.Header(), rec.Body.Bytes())
		})
	}
}

var allCacheRoutes = []string{"list", "read", "add", "remove"}

// ownershipIgnored lets any token delete any VM config or VM, as a cluster that does not
// enforce ownership would: a delete by another token than the one that created the object
// reaches the simulator with the creator's token.
func ownershipIgnored(next http.Handler) http.Handler {
	var mu sync.Mutex
	creator := map[string]string{} // "vmconfigs/<name>" or "vms/<ns>/<name>" -> token
	create := regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/(vmconfigs|vms)$`)
	del := regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/(vmconfigs|vms)/([^/]+)$`)
	key := func(ns, kind, name string) string {
		if kind == "vms" {
			return "vms/" + ns + "/" + name
		}
		return "vmconfigs/" + name
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := create.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
			var in struct{ Name string }
			if json.Unmarshal(readBody(r), &in) == nil && in.Name != "" {
				mu.Lock()
				creator[key(m[1], m[2], in.Name)] = bearer(r)
				mu.Unlock()
			}
		}
		if m := del.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodDelete {
			mu.Lock()
			who, ok := creator[key(m[1], m[2], m[3])]
			mu.Unlock()
			if ok && who != bearer(r) {
				r.Header.Set("Authorization", "Bearer "+who)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// runDocumented runs the probe in every mode, with a second token, against the simulator with
// variants behind handler (nil: the simulator as it is).
func runDocumented(t *testing.T, handler func(http.Handler) http.Handler, variants orkasim.Variants, args ...string) (int, string) {
	t.Helper()
	sim, getenv := simulator(t, handler)
	sim.SetVariants(variants)
	code, report := runIt(t, context.Background(), withOtherToken(t, getenv), append(append([]string{}, probeArgs...), args...)...)
	if !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Error("the cleanup was not complete")
	}
	assertNoScratch(t, sim)
	return code, report
}

// With every variant switch of the simulator on, every item but the upgrade and maintenance
// ones is still confirmed (each of those items accepts either variant), the report shows the
// variants, and it names the switches that give them.
func TestProbeConfirmsEveryItemUnderTheSimulatorsVariants(t *testing.T) {
	code, report := runDocumented(t, nil, orkasim.Variants{OmitVMCustomMetadata: true, SparseVMItems: true, LegacyImageCache: true})
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, it := range items {
		want := confirmed
		if it.Needs == needsUpgrade || it.Needs == needsMaintenance {
			want = notChecked
		}
		if got := outcomeOf(report, it.ID); got != want {
			t.Errorf("item %s: %q, want %q", it.ID, got, want)
		}
	}
	for id, v := range map[string]string{
		"deploy-answer-fields":   "minimal: name,node,memory,ip,ssh,vnc,screenshare,status",
		"vm-get-custom-metadata": "absent",
		"vm-item-fields":         "sparse",
		"image-cache-routes":     "legacy-add-read",
	} {
		if got := variantOf(report, id); got != v {
			t.Errorf("%s: variant %q, want %q", id, got, v)
		}
	}
	for _, want := range []string{
		"\n  orkasim --omit-vm-metadata --sparse-vm-items --legacy-image-cache\n",
		"\n  orkasim.Options{OmitVMCustomMetadata: true, SparseVMItems: true, LegacyImageCache: true}\n",
		"through POST /api/v1/namespaces/{ns}/imagecache/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/cache/images/{name}/remove",
		"remove: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/remove -> 207",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// Each documented item, on a cluster that answers the other way (a fake in front of the
// simulator, or the simulator's switch for the variant): it is contradicted, or it reports the
// other variant (and the simulator switch for it), and the run still cleans up.
func TestProbeReportsTheOtherVariantOfDocumentedItems(t *testing.T) {
	stripVM := func(keys ...string) func(http.Handler) http.Handler {
		return rewriteAnswers(func(r *http.Request) bool {
			return r.Method == "GET" && regexp.MustCompile(`/vms(/[^/]+)?$`).MatchString(r.URL.Path)
		}, func(b []byte) []byte {
			return editItems(b, func(obj map[string]any) {
				for _, k := range keys {
					delete(obj, k)
				}
			})
		})
	}
	stripListOnly := func(keys ...string) func(http.Handler) http.Handler {
		return rewriteAnswers(route("GET", `/vms`), func(b []byte) []byte {
			return editItems(b, func(obj map[string]any) {
				for _, k := range keys {
					delete(obj, k)
				}
			})
		})
	}
	refuseExtras := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if route("POST", `/vms`)(r) && bytes.Contains(readBody(r), []byte(`"customMetadata"`)) {
				writeAnswer(w, http.StatusBadRequest, jsonHeader, []byte(statusBody(400, "BadRequest", "invalid value for customMetadata")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	// A deploy answer that is the whole VM, as on a cluster that answers more than documented.
	fullDeployAnswer := rewriteAnswers(route("POST", `/vms`), func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) {
			obj["namespace"], obj["vmConfig"], obj["cpu"], obj["type"] = "orka-default", "orka-tfacc-cfg", 3, "arm64"
		})
	})
	// VM configs read back with the memory they were created with, not rounded.
	unroundedMemory := rewriteAnswers(route("GET", `/vmconfigs/orka-tfacc-cfg-[0-9a-f]+`), func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) {
			if m, ok := obj["memory"].(float64); ok && m == 6.6 {
				obj["memory"] = 6.57
			}
		})
	})
	// Saved images read with a description of their own, not the one the save sent.
	otherDescription := rewriteAnswers(func(r *http.Request) bool {
		return r.Method == "GET" && regexp.MustCompile(`/namespaces/orka-default/images(/[^/]+)?$`).MatchString(r.URL.Path)
	}, func(b []byte) []byte {
		return editItems(b, func(obj map[string]any) {
			if strings.HasPrefix(fmt.Sprint(obj["name"]), "orka-tfacc-img-") {
				obj["description"] = "a description of its own"
			}
		})
	})
	noImageDelete := noRoute(func(r *http.Request) bool { return r.Method == "DELETE" && strings.Contains(r.URL.Path, "/images/") })
	nsNodes := route("GET", `/namespaces/orka-tfacc-conf-[0-9a-f]+/nodes`)
	cases := []struct {
		name     string
		id       string
		handler  func(http.Handler) http.Handler
		variants orkasim.Variants
		outcome  string
		variant  string // "" when the item has none to check
		text     string // a line the report must show
	}{
		{"deploy answer with more fields", "deploy-answer-fields", fullDeployAnswer, orkasim.Variants{}, contradicted,
			"extra: cpu,namespace,type,vmConfig", "answer: POST /api/v1/namespaces/orka-default/vms -> 201 {"},
		{"custom metadata absent", "vm-get-custom-metadata", nil, orkasim.Variants{OmitVMCustomMetadata: true}, confirmed, "absent",
			"neither GET nor the list item returns it"},
		{"custom metadata on GET only", "vm-get-custom-metadata", stripListOnly("customMetadata"), orkasim.Variants{}, confirmed, "get-only",
			"vm-get-custom-metadata: the simulator has no switch for the variant \"get-only\""},
		{"custom metadata altered", "vm-get-custom-metadata",
			rewriteAnswers(route("GET", `/vms/orka-tfacc-vm-[0-9a-f]+`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { obj["customMetadata"] = map[string]string{"orka-conformance": "other"} })
			}), orkasim.Variants{}, contradicted, "", "GET reads map[orka-conformance:other]"},
		{"sparse VM items", "vm-item-fields", nil, orkasim.Variants{SparseVMItems: true}, confirmed, "sparse",
			"orkasim --sparse-vm-items"},
		{"VM items without type", "vm-item-fields", stripVM("type"), orkasim.Variants{}, confirmed, "partial: list [namespace vmConfig], GET [namespace vmConfig]",
			"lacks [type]"},
		{"VM list item of another namespace", "vm-item-namespace",
			rewriteAnswers(route("GET", `/vms`), func(b []byte) []byte {
				return editItems(b, func(obj map[string]any) { obj["namespace"] = "orka-other" })
			}), orkasim.Variants{}, contradicted, "", `the item's namespace is "orka-other", not "orka-default"`},
		{"memory not rounded", "memory-read-back", unroundedMemory, orkasim.Variants{}, contradicted, "", "a VM config created with memory 6.57 reads back 6.57, not 6.6"},
		{"VM memory not the deploy's", "memory-read-back",
			rewriteAnswers(route("GET", `/vms/orka-tfacc-vm-[0-9a-f]+`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { obj["memory"] = "6.00Gi" })
			}), orkasim.Variants{}, contradicted, "", `a VM deployed with memory 6.5 reads back "6.00Gi"`},
		{"generated name ignored", "deploy-generated-name",
			rewriteRequests(route("POST", `/vms`), func(b []byte) []byte { return bytes.Replace(b, []byte(`,"shouldGenerateName":true`), nil, 1) }),
			orkasim.Variants{}, contradicted, "", "with shouldGenerateName kept that name: shouldGenerateName was ignored"},
		{"taken VM name not 409", "vm-name-taken-409",
			answerInstead(route("POST", `/vms`), http.StatusConflict, http.StatusBadRequest, jsonHeader, statusBody(400, "BadRequest", "invalid name")),
			orkasim.Variants{}, contradicted, "", "answered 400, expected 409"},
		{"taken VM config name not 409", "vmconfig-name-taken-409",
			answerInstead(route("POST", `/vmconfigs`), http.StatusConflict, http.StatusUnprocessableEntity, jsonHeader, statusBody(422, "Invalid", "exists")),
			orkasim.Variants{}, contradicted, "", "answered 422, expected 409"},
		{"unknown VM config not 404", "vmconfig-unknown-404",
			answerInstead(route("GET", `/vmconfigs/orka-tfacc-missing-[0-9a-f]+`), http.StatusNotFound, http.StatusBadRequest, jsonHeader, statusBody(400, "BadRequest", "no")),
			orkasim.Variants{}, contradicted, "", "reading a VM config that does not exist: answered 400, expected 404"},
		{"deploy extras refused", "deploy-extras", refuseExtras, orkasim.Variants{}, contradicted, "",
			"display 1024x768 and customMetadata was refused"},
		{"description not kept", "save-description", otherDescription, orkasim.Variants{}, contradicted, "",
			`", image orka-tfacc-img-`},
		{"push answers 201", "push-answer",
			answerInstead(route("POST", `/push`), http.StatusOK, http.StatusCreated, jsonHeader, `{"jobName":"vm-push-ab12c"}`),
			orkasim.Variants{}, contradicted, "", "Packer plugin takes only 200 as success"},
		{"push job of another form", "push-answer",
			rewriteAnswers(route("POST", `/push`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { obj["jobName"] = "push-job-17" })
			}), orkasim.Variants{}, contradicted, "", `answered 200 with jobName "push-job-17", not of the form vm-push-xxxxx`},
		{"no image deletion (plain-text 404)", "image-delete", noImageDelete, orkasim.Variants{}, contradicted, "",
			"this cluster serves no DELETE .../images/{image} (DELETE /api/v1/namespaces/orka-default/images/orka-tfacc-img-"},
		{"nodes of a forbidden namespace: 404", "nodes-forbidden-or-notfound",
			answerInstead(nsNodes, http.StatusForbidden, http.StatusNotFound, jsonHeader, statusBody(404, "NotFound", "namespace not found")),
			orkasim.Variants{}, confirmed, "404", "nodes-forbidden-or-notfound: the simulator has no switch for the variant \"404\""},
		{"nodes of a forbidden namespace listed", "nodes-forbidden-or-notfound",
			answerInstead(nsNodes, http.StatusForbidden, http.StatusOK, jsonHeader, `{"items":[]}`),
			orkasim.Variants{}, contradicted, "", "listing the nodes of orka-tfacc-conf-"},
		{"cluster-info without appClientId", "cluster-info-fields",
			rewriteAnswers(route("GET", `/cluster-info`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { delete(obj, "appClientId") })
			}), orkasim.Variants{}, contradicted, "", "a read without a token lacks appClientId"},
		{"image items without state", "image-item-fields",
			rewriteAnswers(route("GET", `/namespaces/orka-default/images`), func(b []byte) []byte {
				return editItems(b, func(obj map[string]any) { delete(obj, "state") })
			}), orkasim.Variants{}, contradicted, "", "lacks state"},
		{"node move body refused", "node-move",
			rewriteRequests(route("POST", `/nodes/mini-arm-1/namespace`), func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"namespace"`), []byte(`"target"`), 1)
			}), orkasim.Variants{}, contradicted, "", "moving node mini-arm-1 from orka-default to orka-tfacc-conf-"},
		{"image cache: legacy add, read and list", "image-cache-routes", nil, orkasim.Variants{LegacyImageCache: true}, confirmed, "legacy-add-read",
			"orkasim --legacy-image-cache"},
		{"image cache: documented routes only", "image-cache-routes",
			cacheRoutesFake(allCacheRoutes, http.StatusMultiStatus, true), orkasim.Variants{}, confirmed, "documented",
			"add: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/add -> 400 Status BadRequest (served); POST /api/v1/namespaces/orka-default/imagecache/add -> 404 (not a Status body) (not served)"},
		{"image cache: cycle on the documented routes", "imagecache-write",
			cacheRoutesFake(allCacheRoutes, http.StatusMultiStatus, true), orkasim.Variants{}, confirmed, "",
			"through POST /api/v1/namespaces/{ns}/cache/images/{name}/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/cache/images/{name}/remove"},
		{"image cache: cycle on the older routes", "imagecache-write", cacheRoutesFake(nil, http.StatusMultiStatus, false), orkasim.Variants{}, confirmed, "",
			"through POST /api/v1/namespaces/{ns}/imagecache/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/imagecache/remove"},
		{"image cache: read on the documented routes only", "image-cache-routes",
			cacheRoutesFake([]string{"read", "remove"}, http.StatusMultiStatus, false), orkasim.Variants{}, confirmed, "mixed: add legacy only, read on both, list legacy only",
			"image-cache-routes: the simulator has no switch"},
		{"image cache: removal answers 200", "image-cache-routes",
			cacheRoutesFake(allCacheRoutes, http.StatusOK, false), orkasim.Variants{}, contradicted, "documented",
			"cache/images/90gbsonomassd.orkasi/remove -> 200, expected 207"},
		{"image cache: no documented removal", "image-cache-routes", cacheRoutesFake(nil, http.StatusMultiStatus, false), orkasim.Variants{}, contradicted, "legacy-add-read",
			"remove: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/remove -> 404 (not a Status body), expected 207"},
		{"ownership not enforced", "vm-delete-ownership", ownershipIgnored, orkasim.Variants{}, contradicted, "",
			"which the run's token created (its own it deleted): it was deleted"},
		{"ownership enforced", "vm-delete-ownership", nil, orkasim.Variants{}, confirmed, "",
			"which the run's token deployed: 403 Forbidden"},
	}
	// Lines some cases' reports must show besides text.
	also := map[string][]string{
		"no image deletion (plain-text 404)": {"left for you: image orka-tfacc-img-", "remove it with `orka3 image delete orka-tfacc-img-"},
		"description not kept":               {`reads "a description of its own"`},
		"ownership not enforced":             {"which the run's token deployed: it was deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, report := runDocumented(t, tc.handler, tc.variants)
			if got := outcomeOf(report, tc.id); got != tc.outcome {
				t.Errorf("%s: %q, want %q", tc.id, got, tc.outcome)
			}
			if tc.variant != "" {
				if got := variantOf(report, tc.id); got != tc.variant {
					t.Errorf("%s: variant %q, want %q", tc.id, got, tc.variant)
				}
			}
			for _, want := range append([]string{tc.text}, also[tc.name]...) {
				if !strings.Contains(report, want) {
					t.Errorf("the report lacks %q", want)
				}
			}
		})
	}
}

// The second token must not be an administrator's: with one, vm-delete-ownership is not
// checked, and the report says why. Without -deploy-vm only the VM-config part is checked.
func TestProbeOwnershipNeedsANonAdministratorToken(t *testing.T) {
	t.Run("administrator", func(t *testing.T) {
		_, getenv := simulator(t, nil)
		env := func(k string) string {
			if k == otherTokenEnv {
				return getenv("ORKA_TOKEN")
			}
			return getenv(k)
		}
		_, report := runIt(t, context.Background(), env)
		if outcomeOf(report, ownershipID) != notChecked || !strings.Contains(report, "so it is an administrator's") {
			t.Errorf("%s with an administrator's token: %q, want not checked, saying why", ownershipID, outcomeOf(report, ownershipID))
		}
	})
	t.Run("service account of another namespace", func(t *testing.T) {
		// It may not use orka-default, so only the VM part can be checked: on the VM the
		// unschedulable deploy leaves in the scratch namespace, into whose orka-dev binding the
		// probe puts the account.
		_, getenv := simulator(t, nil)
		ctx := context.Background()
		c := adminClient(t, getenv)
		must(t, c.CreateNamespace(ctx, "orka-ci", false))
		must(t, c.CreateServiceAccount(ctx, "orka-ci", "ci-bot"))
		tok, err := c.CreateServiceAccountToken(ctx, "orka-ci", "ci-bot", orka.TokenRequest{})
		must(t, err)
		env := func(k string) string {
			if k == otherTokenEnv {
				return tok
			}
			return getenv(k)
		}
		_, report := runIt(t, ctx, env, "-deploy-vm")
		if outcomeOf(report, ownershipID) != confirmed ||
			!strings.Contains(report, "VM configs: not checked: the second token cannot list them") ||
			!regexp.MustCompile(`VMs: the second token deleting VM orka-tfacc-conf-[0-9a-f]+/orka-tfacc-vm-[0-9a-f]+, which the run's token deployed: 403`).MatchString(report) {
			t.Errorf("%s with a service account of orka-ci: %q, want confirmed on the scratch namespace's VM", ownershipID, outcomeOf(report, ownershipID))
		}
		if !strings.Contains(report, "cleanup: everything the probe created was removed") {
			t.Error("the cleanup was not complete")
		}
	})
	t.Run("plain run", func(t *testing.T) {
		_, getenv := simulator(t, nil)
		_, report := runIt(t, context.Background(), withOtherToken(t, getenv))
		if outcomeOf(report, ownershipID) != confirmed || !strings.Contains(report, "VMs: not checked: needs -deploy-vm") {
			t.Errorf("%s in a plain run: %q, want confirmed by the VM-config part alone", ownershipID, outcomeOf(report, ownershipID))
		}
	})
}

// Interrupted right after it moved its -tag-node node into the scratch namespace, the probe
// still moves it back in the cleanup.
func TestProbeMovesItsNodeBackWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/nodes/mini-arm-1/namespace") && strings.Contains(r.URL.Path, "/orka-default/") {
				cancel() // as if the user pressed Ctrl-C
			}
		})
	}
	sim, getenv := simulator(t, handler)
	code, report := runIt(t, ctx, getenv, "-tag-node", "mini-arm-1")
	if code != 2 || !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Errorf("exit %d; want 2 and a complete cleanup", code)
	}
	if ns := sim.Snapshot().Nodes["mini-arm-1"].Namespace; ns != orka.DefaultNamespace {
		t.Errorf("mini-arm-1 is in %s after the interrupted run, want %s", ns, orka.DefaultNamespace)
	}
	assertNoScratch(t, sim)
}
