package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Fakes that stand in front of the simulator and answer the way MacStadium documents it (or
// the other way), so that each documented item is shown to be confirmed by a cluster that
// answers as documented, and contradicted (or reported with its other variant) by one that
// does not, whatever the in-repo simulator answers today.

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

// chain puts fakes in front of the simulator, the first one outermost.
func chain(fakes ...func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		for i := len(fakes) - 1; i >= 0; i-- {
			next = fakes[i](next)
		}
		return next
	}
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

// minimalDeployAnswer answers deploys with only the documented fields (the API quick start).
func minimalDeployAnswer(next http.Handler) http.Handler {
	return rewriteAnswers(route("POST", `/vms`), func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) {
			for k := range obj {
				if !slices.Contains(deployAnswerFields, k) && !slices.Contains(deployAnswerOptional, k) {
					delete(obj, k)
				}
			}
		})
	})(next)
}

// roundedMemory reads VM configs back with memory rounded to 0.1 GiB.
func roundedMemory(next http.Handler) http.Handler {
	return rewriteAnswers(route("GET", `/vmconfigs/[^/]+`), func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) {
			if m, ok := obj["memory"].(float64); ok {
				obj["memory"] = float64(int(m*10+0.5)) / 10
			}
		})
	})(next)
}

// keptDescription gives a saved image the description its save sent.
func keptDescription(next http.Handler) http.Handler {
	var mu sync.Mutex
	desc := map[string]string{}
	save := route("POST", `/vms/[^/]+/save`)
	images := regexp.MustCompile(`/namespaces/orka-default/images(/[^/]+)?$`)
	rewrite := rewriteAnswers(func(r *http.Request) bool { return r.Method == "GET" && images.MatchString(r.URL.Path) },
		func(b []byte) []byte {
			mu.Lock()
			defer mu.Unlock()
			return editItems(b, func(obj map[string]any) {
				if d, ok := desc[fmt.Sprint(obj["name"])]; ok {
					obj["description"] = d
				}
			})
		})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if save(r) {
			var in struct{ ImageName, Description string }
			if json.Unmarshal(readBody(r), &in) == nil && in.Description != "" {
				mu.Lock()
				desc[in.ImageName] = in.Description
				mu.Unlock()
			}
		}
		rewrite.ServeHTTP(w, r)
	})
}

// pushJobName answers pushes with a job name of the documented form.
func pushJobName(next http.Handler) http.Handler {
	return rewriteAnswers(route("POST", `/push`), func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) { obj["jobName"] = "vm-push-ab12c" })
	})(next)
}

// deletableImages serves DELETE .../images/{image}: a deleted image is not found any more.
func deletableImages(next http.Handler) http.Handler {
	var mu sync.Mutex
	deleted := map[string]bool{}
	one := regexp.MustCompile(`^/api/v1/namespaces/orka-default/images/([^/]+)$`)
	list := route("GET", `/namespaces/orka-default/images`)
	filter := rewriteAnswers(list, func(b []byte) []byte {
		return editJSON(b, func(obj map[string]any) {
			items, _ := obj["items"].([]any)
			kept := []any{}
			mu.Lock()
			for _, it := range items {
				if m, ok := it.(map[string]any); !ok || !deleted[fmt.Sprint(m["name"])] {
					kept = append(kept, it)
				}
			}
			mu.Unlock()
			obj["items"] = kept
		})
	})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := one.FindStringSubmatch(r.URL.Path); m != nil {
			mu.Lock()
			gone := deleted[m[1]]
			if r.Method == http.MethodDelete {
				deleted[m[1]] = true
			}
			mu.Unlock()
			switch {
			case r.Method == http.MethodDelete:
				writeAnswer(w, http.StatusOK, jsonHeader, []byte(`{"kind":"Status","status":"Success","message":"image deleted"}`))
				return
			case gone:
				writeAnswer(w, http.StatusNotFound, jsonHeader, []byte(statusBody(404, "NotFound", "image not found")))
				return
			}
		}
		filter.ServeHTTP(w, r)
	})
}

var documentedCacheRoute = regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/cache/images(?:/([^/]+)(?:/(add|remove))?)?$`)

// cacheRoutesFake serves the documented .../cache/images routes named in serve ("list", "read",
// "add", "remove") by passing them on to the simulator's .../imagecache routes, the removal
// answering removeStatus instead of 200; the others answer as a route that does not exist
// (Go's plain-text 404). As documented, a removal from a node that does not have the image
// cached is a no-op that succeeds (the simulator's older route answers 404 then). legacyGone
// makes the .../imagecache routes themselves not exist.
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
			ns, image, op := m[1], m[2], m[3]
			kind, legacy := op, "/api/v1/namespaces/"+ns+"/imagecache"
			switch {
			case op != "":
				legacy += "/" + op
			case image != "":
				kind, legacy = "read", legacy+"/"+image
			default:
				kind = "list"
			}
			if !slices.Contains(serve, kind) {
				http.Error(w, "404 page not found", http.StatusNotFound)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.RawPath = legacy
			r2.URL.Path, _ = url.PathUnescape(legacy)
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r2)
			code, body := rec.Code, rec.Body.Bytes()
			if kind == "remove" && (code == http.StatusOK || code == http.StatusNotFound) {
				code, body = removeStatus, []byte(`{"items":[]}`)
			}
			writeAnswer(w, code, rec.Header(), body)
		})
	}
}

var allCacheRoutes = []string{"list", "read", "add", "remove"}

// ownedDeletes refuses (403) a delete of a VM config or VM by a service account that did not
// create it; the administrator (whose simulator token is not a JWT) deletes anyone's.
func ownedDeletes(next http.Handler) http.Handler {
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
			if ok && who != bearer(r) && strings.Count(bearer(r), ".") == 2 {
				writeAnswer(w, http.StatusForbidden, jsonHeader, []byte(statusBody(403, "Forbidden", "you may delete only your own "+m[2])))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// documentedCluster answers everything the way MacStadium documents it.
var documentedCluster = chain(minimalDeployAnswer, roundedMemory, keptDescription, pushJobName, deletableImages,
	cacheRoutesFake(allCacheRoutes, http.StatusMultiStatus, false), ownedDeletes)

// runDocumented runs the probe in every mode, with a second token, against the simulator
// behind handler.
func runDocumented(t *testing.T, handler func(http.Handler) http.Handler, args ...string) (int, string) {
	t.Helper()
	sim, getenv := simulator(t, handler)
	code, report := runIt(t, context.Background(), withOtherToken(t, getenv), append(append([]string{}, probeArgs...), args...)...)
	if !strings.Contains(report, "cleanup: everything the probe created was removed") {
		t.Error("the cleanup was not complete")
	}
	assertNoScratch(t, sim)
	return code, report
}

// A cluster that answers as MacStadium documents it confirms every item but the upgrade and
// maintenance ones, with the simulator's default variants, leaves nothing behind (the saved
// image is deleted), and the report says the simulator's defaults match it.
func TestProbeConfirmsADocumentedCluster(t *testing.T) {
	code, report := runDocumented(t, documentedCluster)
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
		"deploy-answer-fields":        "minimal: name,node,memory,ip,ssh,vnc,screenshare,status",
		"vm-get-custom-metadata":      "returned",
		"vm-item-fields":              "full",
		"nodes-forbidden-or-notfound": "403",
		"image-cache-routes":          "documented",
	} {
		if got := variantOf(report, id); got != v {
			t.Errorf("%s: variant %q, want %q", id, got, v)
		}
	}
	if strings.Contains(report, "left for you") {
		t.Error("something is left for the administrator")
	}
	if !strings.Contains(report, "\n  orkasim (its defaults match every variant seen)\n") {
		t.Error("the report does not say the simulator's defaults match")
	}
	for _, want := range []string{
		"a VM config created with memory 6.57 reads back 6.6",
		`a VM deployed with memory 6.5 (its VM config derives 6.0) reads back "6.50Gi"`,
		"answered 200 with jobName vm-push-ab12c",
		"; the image is gone",
		"remove: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/remove -> 207",
		"VM configs: the second token deleting VM config orka-tfacc-cfg-",
		"VMs: the second token deleting VM orka-default/orka-tfacc-vm-",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// Each documented item, on a cluster that answers the other way: it is contradicted, or it
// reports the other variant (and the simulator switch for it), and the run still cleans up.
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
	nsNodes := route("GET", `/namespaces/orka-tfacc-conf-[0-9a-f]+/nodes`)
	cases := []struct {
		name    string
		id      string
		handler func(http.Handler) http.Handler
		outcome string
		variant string // "" when the item has none to check
		text    string // a line the report must show
	}{
		{"deploy answer with more fields", "deploy-answer-fields", documentedCluster, confirmed,
			"minimal: name,node,memory,ip,ssh,vnc,screenshare,status", "the deploy answer carries name, node, memory, ip, ssh, vnc, screenshare, status"},
		{"the simulator's full deploy answer", "deploy-answer-fields", nil, contradicted,
			"extra: cpu,customMetadata,deployDate,gpuPassthrough,image,namespace,type,vmConfig", "answer: POST /api/v1/namespaces/orka-default/vms -> 201 {"},
		{"custom metadata absent", "vm-get-custom-metadata", stripVM("customMetadata"), confirmed, "absent",
			"neither GET nor the list item returns it"},
		{"custom metadata on GET only", "vm-get-custom-metadata", stripListOnly("customMetadata"), confirmed, "get-only",
			"vm-get-custom-metadata: the simulator has no switch for the variant \"get-only\""},
		{"custom metadata altered", "vm-get-custom-metadata",
			rewriteAnswers(route("GET", `/vms/orka-tfacc-vm-[0-9a-f]+`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { obj["customMetadata"] = map[string]string{"orka-conformance": "other"} })
			}), contradicted, "", "GET reads map[orka-conformance:other]"},
		{"sparse VM items", "vm-item-fields", stripVM("namespace", "vmConfig", "type"), confirmed, "sparse",
			"orkasim --sparse-vm-items"},
		{"VM items without type", "vm-item-fields", stripVM("type"), confirmed, "partial: list [namespace vmConfig], GET [namespace vmConfig]",
			"lacks [type]"},
		{"memory not rounded", "memory-read-back", nil, contradicted, "", "a VM config created with memory 6.57 reads back 6.57, not 6.6"},
		{"VM memory not the deploy's", "memory-read-back", chain(roundedMemory,
			rewriteAnswers(route("GET", `/vms/orka-tfacc-vm-[0-9a-f]+`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { obj["memory"] = "6.00Gi" })
			})), contradicted, "", `a VM deployed with memory 6.5 reads back "6.00Gi"`},
		{"generated name ignored", "deploy-generated-name",
			rewriteRequests(route("POST", `/vms`), func(b []byte) []byte { return bytes.Replace(b, []byte(`,"shouldGenerateName":true`), nil, 1) }),
			contradicted, "", "with shouldGenerateName kept that name: shouldGenerateName was ignored"},
		{"taken VM name not 409", "vm-name-taken-409",
			answerInstead(route("POST", `/vms`), http.StatusConflict, http.StatusBadRequest, jsonHeader, statusBody(400, "BadRequest", "invalid name")),
			contradicted, "", "answered 400, expected 409"},
		{"taken VM config name not 409", "vmconfig-name-taken-409",
			answerInstead(route("POST", `/vmconfigs`), http.StatusConflict, http.StatusUnprocessableEntity, jsonHeader, statusBody(422, "Invalid", "exists")),
			contradicted, "", "answered 422, expected 409"},
		{"unknown VM config not 404", "vmconfig-unknown-404",
			answerInstead(route("GET", `/vmconfigs/orka-tfacc-missing-[0-9a-f]+`), http.StatusNotFound, http.StatusBadRequest, jsonHeader, statusBody(400, "BadRequest", "no")),
			contradicted, "", "reading a VM config that does not exist: answered 400, expected 404"},
		{"deploy extras refused", "deploy-extras", refuseExtras, contradicted, "",
			"display 1024x768 and customMetadata was refused"},
		{"description not kept", "save-description", nil, contradicted, "", `image orka-tfacc-img-`},
		{"push answers 201", "push-answer",
			answerInstead(route("POST", `/push`), http.StatusOK, http.StatusCreated, jsonHeader, `{"jobName":"vm-push-ab12c"}`),
			contradicted, "", "Packer plugin takes only 200 as success"},
		{"push job of another form", "push-answer", nil, contradicted, "", "not of the form vm-push-xxxxx"},
		{"no image deletion (plain-text 404)", "image-delete",
			answerInstead(func(r *http.Request) bool { return r.Method == "DELETE" && strings.Contains(r.URL.Path, "/images/") },
				http.StatusMethodNotAllowed, http.StatusNotFound, http.Header{"Content-Type": {"text/plain"}}, "404 page not found\n"),
			contradicted, "", "this cluster serves no DELETE .../images/{image} (DELETE /api/v1/namespaces/orka-default/images/orka-tfacc-img-"},
		{"nodes of a forbidden namespace: 404", "nodes-forbidden-or-notfound",
			answerInstead(nsNodes, http.StatusForbidden, http.StatusNotFound, jsonHeader, statusBody(404, "NotFound", "namespace not found")),
			confirmed, "404", "nodes-forbidden-or-notfound: the simulator has no switch for the variant \"404\""},
		{"nodes of a forbidden namespace listed", "nodes-forbidden-or-notfound",
			answerInstead(nsNodes, http.StatusForbidden, http.StatusOK, jsonHeader, `{"items":[]}`),
			contradicted, "", "listing the nodes of orka-tfacc-conf-"},
		{"cluster-info without appClientId", "cluster-info-fields",
			rewriteAnswers(route("GET", `/cluster-info`), func(b []byte) []byte {
				return editJSON(b, func(obj map[string]any) { delete(obj, "appClientId") })
			}), contradicted, "", "a read without a token lacks appClientId"},
		{"image items without state", "image-item-fields",
			rewriteAnswers(route("GET", `/namespaces/orka-default/images`), func(b []byte) []byte {
				return editItems(b, func(obj map[string]any) { delete(obj, "state") })
			}), contradicted, "", "lacks state"},
		{"node move body refused", "node-move",
			rewriteRequests(route("POST", `/nodes/mini-arm-1/namespace`), func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"namespace"`), []byte(`"target"`), 1)
			}), contradicted, "", "moving node mini-arm-1 from orka-default to orka-tfacc-conf-"},
		{"image cache: legacy add, read and list", "image-cache-routes",
			cacheRoutesFake([]string{"remove"}, http.StatusMultiStatus, false), confirmed, "legacy-add-read",
			"orkasim --legacy-image-cache"},
		{"image cache: documented routes only", "image-cache-routes",
			cacheRoutesFake(allCacheRoutes, http.StatusMultiStatus, true), confirmed, "documented",
			"add: POST /api/v1/namespaces/orka-default/cache/images/90gbsonomassd.orkasi/add -> 400 Status BadRequest (served); POST /api/v1/namespaces/orka-default/imagecache/add -> 404 (not a Status body) (not served)"},
		{"image cache: cycle on the documented routes", "imagecache-write",
			cacheRoutesFake(allCacheRoutes, http.StatusMultiStatus, true), confirmed, "",
			"through POST /api/v1/namespaces/{ns}/cache/images/{name}/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/cache/images/{name}/remove"},
		{"image cache: cycle on the older routes", "imagecache-write", nil, confirmed, "",
			"through POST /api/v1/namespaces/{ns}/imagecache/add (status Caching -> Ready), then removed through POST /api/v1/namespaces/{ns}/imagecache/remove"},
		{"image cache: read on the documented routes only", "image-cache-routes",
			cacheRoutesFake([]string{"read", "remove"}, http.StatusMultiStatus, false), confirmed, "mixed: add legacy only, read on both, list legacy only",
			"image-cache-routes: the simulator has no switch"},
		{"image cache: removal answers 200", "image-cache-routes",
			cacheRoutesFake(allCacheRoutes, http.StatusOK, false), contradicted, "documented",
			"cache/images/90gbsonomassd.orkasi/remove -> 200, expected 207"},
		{"image cache: no documented removal", "image-cache-routes", nil, contradicted, "legacy-add-read",
			"remove -> 404 Status NotFound, expected 207"},
		{"ownership not enforced", "vm-delete-ownership", nil, contradicted, "",
			"which the run's token created (its own it deleted): it was deleted"},
		{"ownership enforced", "vm-delete-ownership", ownedDeletes, confirmed, "",
			"which the run's token deployed: 403 Forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, report := runDocumented(t, tc.handler)
			if got := outcomeOf(report, tc.id); got != tc.outcome {
				t.Errorf("%s: %q, want %q", tc.id, got, tc.outcome)
			}
			if tc.variant != "" {
				if got := variantOf(report, tc.id); got != tc.variant {
					t.Errorf("%s: variant %q, want %q", tc.id, got, tc.variant)
				}
			}
			if !strings.Contains(report, tc.text) {
				t.Errorf("the report lacks %q", tc.text)
			}
		})
	}
}

// The second token must not be an administrator's: with one, vm-delete-ownership is not
// checked, and the report says why. Without -deploy-vm only the VM-config part is checked.
func TestProbeOwnershipNeedsANonAdministratorToken(t *testing.T) {
	t.Run("administrator", func(t *testing.T) {
		_, getenv := simulator(t, ownedDeletes)
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
		_, getenv := simulator(t, ownedDeletes)
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
		_, getenv := simulator(t, ownedDeletes)
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
