package main

import (
	"fmt"
	"slices"
	"strings"
)

// providerRoutes are the routes internal/orka calls, and the routes MacStadium documents that
// the probe checks with requests of its own (image deletion, the .../cache/images family), as
// templates. The probe exercises each of them (the VM deploy, save, push, image-cache writes
// and node operations only with their flags) except those with a reason not to; the report
// shows the statuses it saw, and the tests check that none is missed.
var providerRoutes = []struct{ Method, Template, NotExercised string }{
	{"GET", "/api/v1/cluster-info", ""},
	{"GET", "/api/v1/namespaces", ""},
	{"POST", "/api/v1/namespaces", ""},
	{"GET", "/api/v1/namespaces/{ns}", ""},
	{"DELETE", "/api/v1/namespaces/{ns}", ""},
	{"GET", "/api/v1/namespaces/{ns}/vmconfigs", ""},
	{"POST", "/api/v1/namespaces/{ns}/vmconfigs", ""},
	{"GET", "/api/v1/namespaces/{ns}/vmconfigs/{name}", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/vmconfigs/{name}", ""},
	{"GET", "/api/v1/namespaces/{ns}/vms", ""},
	{"POST", "/api/v1/namespaces/{ns}/vms", ""},
	{"GET", "/api/v1/namespaces/{ns}/vms/{name}", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/vms/{name}", ""},
	{"POST", "/api/v1/namespaces/{ns}/vms/{name}/save", ""},
	{"POST", "/api/v1/namespaces/{ns}/vms/{name}/push", ""},
	{"GET", "/api/v1/namespaces/{ns}/serviceaccounts", ""},
	{"POST", "/api/v1/namespaces/{ns}/serviceaccounts/{name}", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/serviceaccounts/{name}", ""},
	{"POST", "/api/v1/namespaces/{ns}/serviceaccounts/{name}/token", ""},
	{"GET", "/api/v1/namespaces/{ns}/secrets/registrycredentials", ""},
	{"POST", "/api/v1/namespaces/{ns}/secrets/registrycredentials/add", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/secrets/registrycredentials/remove", ""},
	{"GET", "/api/v1/namespaces/{ns}/rolebindings/orka-dev/subjects", ""},
	{"POST", "/api/v1/namespaces/{ns}/rolebindings/orka-dev/subjects/add", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/rolebindings/orka-dev/subjects/remove", ""},
	{"GET", "/api/v1/namespaces/{ns}/nodes", ""},
	{"POST", "/api/v1/namespaces/{ns}/nodes/{name}/tag", ""},
	{"POST", "/api/v1/namespaces/{ns}/nodes/{name}/untag", ""},
	{"POST", "/api/v1/namespaces/{ns}/nodes/{name}/namespace", ""},
	{"GET", "/api/v1/namespaces/{ns}/images", ""},
	{"GET", "/api/v1/namespaces/{ns}/images/{name}", ""},
	{"DELETE", "/api/v1/namespaces/{ns}/images/{name}", ""},
	{"GET", "/api/v1/namespaces/{ns}/cache/images", ""},
	{"GET", "/api/v1/namespaces/{ns}/cache/images/{name}", ""},
	{"POST", "/api/v1/namespaces/{ns}/cache/images/{name}/add", ""},
	{"POST", "/api/v1/namespaces/{ns}/cache/images/{name}/remove", ""},
	{"GET", "/api/v1/namespaces/{ns}/imagecache", ""},
	{"GET", "/api/v1/namespaces/{ns}/imagecache/{name}", ""},
	{"POST", "/api/v1/namespaces/{ns}/imagecache/add", ""},
	{"POST", "/api/v1/namespaces/{ns}/imagecache/remove", ""},
}

// named are the collections whose next path segment is an object's name.
var named = []string{"vmconfigs", "vms", "serviceaccounts", "images", "imagecache", "nodes"}

// template turns a request path into its route template.
func template(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	// api v1 namespaces {ns} collection {name} ...
	if len(seg) > 3 && seg[2] == "namespaces" {
		seg[3] = "{ns}"
	}
	if len(seg) > 5 && slices.Contains(named, seg[4]) && seg[5] != "add" && seg[5] != "remove" {
		seg[5] = "{name}"
	}
	// api v1 namespaces {ns} cache images {name} ...
	if len(seg) > 6 && seg[4] == "cache" && seg[5] == "images" {
		seg[6] = "{name}"
	}
	return "/" + strings.Join(seg, "/")
}

// routeUse is one provider route and the statuses the probe saw on it.
type routeUse struct {
	Method, Template string
	Statuses         []string
	NotExercised     string // why the probe never calls it
}

// routeUses maps the recorded exchanges onto the provider's routes.
func routeUses(exchanges []*exchange) []routeUse {
	out := make([]routeUse, len(providerRoutes))
	for i, r := range providerRoutes {
		out[i] = routeUse{Method: r.Method, Template: r.Template, NotExercised: r.NotExercised}
	}
	for _, ex := range exchanges {
		t := template(ex.Path)
		for i := range out {
			if out[i].Method == ex.Method && out[i].Template == t {
				s := "none"
				if ex.Status != 0 {
					s = fmt.Sprint(ex.Status)
				}
				if !slices.Contains(out[i].Statuses, s) {
					out[i].Statuses = append(out[i].Statuses, s)
				}
			}
		}
	}
	return out
}
