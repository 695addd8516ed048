package orka

// This file is the one place where the client's knowledge of Orka's wire format lives that is
// not in types.go's struct tags. orka-api.md tags every fact [DOC] (MacStadium documents it or
// its official clients do it) or [ASSUMED] (not public; this project's decision). Each ASSUMED
// detail below is a single constant or function, so that correcting it after checking a real
// cluster's GET <endpoint>/api/v1/swagger is a one-line change.
//
// ASSUMED details that live in types.go's struct tags (listed here so they are all in one list):
//   - ASSUMED: VMConfig.VNCConsole and DeployVMRequest.VNCConsole are sent as "vncConsole".
//   - ASSUMED: list/get VM items carry "namespace" and "vmConfig" (VM.Namespace, VM.VMConfig).
//   - ASSUMED: service-account list items are {"name","namespace"} (ServiceAccount).
//   - ASSUMED: token request options are "duration" (Go duration string) and "noExpiration"
//     (TokenRequest); encoding is encodeTokenRequest below.
//   - ASSUMED: registry-credential list items are {"server","username","allowInsecure"}
//     (RegistryCredential).
//   - ASSUMED: nodes carry "arch" (Node.Arch).
//   - ASSUMED: image-cache items are {"image","nodes":[{"node","status"}]} (ImageCache), and the
//     older add/remove body is {"image","nodes","tags","all"} (ImageCacheRequest).
//   - ASSUMED: role-binding subject list items are {"kind","name","namespace"}
//     (RoleBindingSubject).
//   - ASSUMED: cluster-info's certData is PEM text (base64 of PEM tolerated):
//     ClusterInfo.KubernetesCAPEM in clusterinfo.go.
//   - ASSUMED: service-account tokens are JWTs carrying iat and exp: ParseTokenClaims in
//     tokenclaims.go.
//
// ASSUMED details that live in this file:
//   - subject kind spellings (SubjectKindUser, SubjectKindServiceAccount)
//   - image-cache node status spellings (CacheStatus*, NormalizeCacheStatus)
//   - the role-binding subject list route (routeRoleBindingSubjects)
//   - the image-cache list, read and add routes of the documented family (routeImageCaches,
//     routeImageCache, routeImageCacheAdd; its remove route is DOC), their selector body
//     (encodeImageCacheSelector) and their 207 per-node answer (decodeImageCacheResults,
//     ImageCacheResult.Failed)
//   - every route of the older image-cache family (routeOlderImageCache*) and its body
//     (encodeOlderImageCacheRequest)
//   - what a server that lacks a route answers (isKubernetesStatus, used by IsRouteMissing)
//   - the bodies of image copy and description (encodeImageCopy, encodeImageDescription)
//   - token request encoding (encodeTokenRequest) and tolerant token response decoding
//     (decodeTokenResponse)
//   - the error body is a Kubernetes Status (decodeErrorBody)
//   - any 2xx is success and the body may be empty (successful)
//   - the node tag/untag body (encodeNodeTag) and that node routes name the node's current
//     namespace (routeNodeNamespace)
//   - a bare number of memory is GiB, and lists may come as a bare array (decode.go)

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// DefaultNamespace always exists; all VM configs and images live in it. [DOC].
const DefaultNamespace = "orka-default"

// apiPrefix is where every route lives under the endpoint. [DOC].
const apiPrefix = "/api/v1"

// roleBindingName is the one role binding whose subjects the API manages. [DOC].
const roleBindingName = "orka-dev"

// Subject kinds in a role binding's subject list. ASSUMED: the spelling of "kind" in
// GET .../rolebindings/orka-dev/subjects items (Kubernetes RBAC spellings).
const (
	SubjectKindUser           = "User"
	SubjectKindServiceAccount = "ServiceAccount"
)

// Image-cache node statuses, as this client reports them. [DOC: the orka3 CLI shows caching,
// ready and failed, and Removing and Failed during a removal.] ASSUMED: the REST answers spell
// them in some letter case; NormalizeCacheStatus maps any case to these.
const (
	CacheStatusCaching  = "Caching"
	CacheStatusReady    = "Ready"
	CacheStatusFailed   = "Failed"
	CacheStatusRemoving = "Removing"
)

// NormalizeCacheStatus maps an image-cache status in any letter case ("ready", "CACHING") to
// the CacheStatus* spelling, so that callers can compare with ==. A status it does not know is
// returned as sent.
func NormalizeCacheStatus(status string) string {
	t := strings.TrimSpace(status)
	for _, known := range []string{CacheStatusCaching, CacheStatusReady, CacheStatusFailed, CacheStatusRemoving} {
		if strings.EqualFold(t, known) {
			return known
		}
	}
	return status
}

// UnmarshalJSON normalises the status (NormalizeCacheStatus), so that every answer that
// carries image-cache nodes (list, read, the shared refresh list) reads the same.
func (n *ImageCacheNode) UnmarshalJSON(b []byte) error {
	type plain ImageCacheNode // no UnmarshalJSON: no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	p.Status = NormalizeCacheStatus(p.Status)
	*n = ImageCacheNode(p)
	return nil
}

// route joins path segments under /api/v1, escaping each one so that a name can never add or
// change a path segment.
func route(segments ...string) string {
	var b strings.Builder
	b.WriteString(apiPrefix)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Documented routes. [DOC].

func routeClusterInfo() string { return route("cluster-info") }

func routeVMConfigs() string { return route("namespaces", DefaultNamespace, "vmconfigs") }

func routeVMConfig(name string) string {
	return route("namespaces", DefaultNamespace, "vmconfigs", name)
}

func routeVMs(ns string) string { return route("namespaces", ns, "vms") }

func routeVM(ns, name string) string { return route("namespaces", ns, "vms", name) }

func routeServiceAccounts(ns string) string { return route("namespaces", ns, "serviceaccounts") }

func routeServiceAccount(ns, name string) string {
	return route("namespaces", ns, "serviceaccounts", name)
}

func routeServiceAccountToken(ns, name string) string {
	return route("namespaces", ns, "serviceaccounts", name, "token")
}

func routeRegistryCredentials(ns string) string {
	return route("namespaces", ns, "secrets", "registrycredentials")
}

func routeRegistryCredentialsAdd(ns string) string {
	return route("namespaces", ns, "secrets", "registrycredentials", "add")
}

func routeRegistryCredentialsRemove(ns string) string {
	return route("namespaces", ns, "secrets", "registrycredentials", "remove")
}

func routeNamespaces() string { return route("namespaces") }

func routeNamespace(name string) string { return route("namespaces", name) }

func routeRoleBindingSubjectsAdd(ns string) string {
	return route("namespaces", ns, "rolebindings", roleBindingName, "subjects", "add")
}

func routeRoleBindingSubjectsRemove(ns string) string {
	return route("namespaces", ns, "rolebindings", roleBindingName, "subjects", "remove")
}

func routeNodes(ns string) string { return route("namespaces", ns, "nodes") }

// routeNodeNamespace moves a node: POST .../nodes/{node}/namespace {"namespace": target}. [DOC]
// ASSUMED: {ns} is the node's current namespace, as for every namespaced object.
func routeNodeNamespace(ns, node string) string {
	return route("namespaces", ns, "nodes", node, "namespace")
}

func routeNodeTag(ns, node string) string { return route("namespaces", ns, "nodes", node, "tag") }

func routeNodeUntag(ns, node string) string {
	return route("namespaces", ns, "nodes", node, "untag")
}

// nodeNamespaceBody is the body of POST .../nodes/{node}/namespace. [DOC].
type nodeNamespaceBody struct {
	Namespace string `json:"namespace"`
}

// encodeNodeTag is the body of POST .../nodes/{node}/tag and .../untag (paths [DOC]).
// ASSUMED: {"tag": "<tag>"}, one tag per call.
func encodeNodeTag(tag string) any {
	return struct {
		Tag string `json:"tag"`
	}{Tag: tag}
}

func routeImages() string { return route("namespaces", DefaultNamespace, "images") }

// routeImage reads (GET) and deletes (DELETE) one image. [DOC: the 2.4 to 3.0 API mapping].
func routeImage(ns, name string) string { return route("namespaces", ns, "images", name) }

// routeImageCopy copies an image under a new name. [DOC path; body ASSUMED, encodeImageCopy].
func routeImageCopy(ns, name string) string {
	return route("namespaces", ns, "images", name, "copy")
}

// routeImageDescription sets an image's description. [DOC path; body ASSUMED,
// encodeImageDescription].
func routeImageDescription(ns, name string) string {
	return route("namespaces", ns, "images", name, "description")
}

// encodeImageCopy is the body of POST .../images/{name}/copy.
// ASSUMED: {"newName": ..., "description": ...}; an empty description is not sent, so that
// Orka's default applies.
func encodeImageCopy(newName, description string) any {
	return struct {
		NewName     string `json:"newName"`
		Description string `json:"description,omitempty"`
	}{NewName: newName, Description: description}
}

// encodeImageDescription is the body of POST .../images/{name}/description.
// ASSUMED: {"description": ...}; an empty description is sent, to clear it.
func encodeImageDescription(description string) any {
	return struct {
		Description string `json:"description"`
	}{Description: description}
}

// routeRoleBindingSubjects lists the orka-dev binding's subjects.
// ASSUMED: path GET /api/v1/namespaces/{ns}/rolebindings/orka-dev/subjects.
func routeRoleBindingSubjects(ns string) string {
	return route("namespaces", ns, "rolebindings", roleBindingName, "subjects")
}

// Image-cache routes come in two families; imagecache.go uses the documented one first and the
// older one only where a cluster lacks a documented route (IsRouteMissing). The image reference
// is always path-escaped as ONE segment ("ghcr.io/org/macos:sonoma" becomes
// "ghcr.io%2Forg%2Fmacos:sonoma").
//
// The documented family, /api/v1/namespaces/{ns}/cache/images/...:
//   - [DOC: MacStadium's orka3 CLI reference] POST .../cache/images/{image}/remove answers 207
//     Multi-Status with per-node results.
//   - [ASSUMED by analogy with remove] GET .../cache/images lists, GET .../cache/images/{image}
//     reads one item (404 Status when cached nowhere), POST .../cache/images/{image}/add
//     answers 207 like remove.

func routeImageCaches(ns string) string { return route("namespaces", ns, "cache", "images") }

func routeImageCache(ns, image string) string {
	return route("namespaces", ns, "cache", "images", image)
}

func routeImageCacheAdd(ns, image string) string {
	return route("namespaces", ns, "cache", "images", image, "add")
}

func routeImageCacheRemove(ns, image string) string {
	return route("namespaces", ns, "cache", "images", image, "remove")
}

// encodeImageCacheSelector is the body of the documented family's add and remove: the image is
// in the path. ASSUMED (the CLI's --nodes, --tags and --all flags): {"nodes": [...]},
// {"tags": [...]} or {"all": true}, exactly one.
func encodeImageCacheSelector(req ImageCacheRequest) any {
	return struct {
		Nodes []string `json:"nodes,omitempty"`
		Tags  []string `json:"tags,omitempty"`
		All   bool     `json:"all,omitempty"`
	}{Nodes: req.Nodes, Tags: req.Tags, All: req.All}
}

// decodeImageCacheResults reads the per-node results of the documented add and remove.
// ASSUMED: {"items": [{"node": str, "code": int, "status": str, "message": str}]}. Tolerated as
// well: a bare array, keys in any letter case, a code sent as a numeric string, "error" for a
// missing "message", and items that are not objects (skipped). An empty body, null, an object
// without items (such as a Kubernetes Status) and a body that is not JSON give no results and
// no error: Orka accepted the request (2xx), and callers read the cache state anyway.
func decodeImageCacheResults(body []byte) []ImageCacheResult {
	tree, err := parseTree(body)
	if err != nil || tree == nil {
		return nil
	}
	items, ok := tree.([]any)
	if obj, isObj := tree.(map[string]any); isObj {
		items, ok = lookupFold(obj, "items").([]any)
	}
	if !ok {
		return nil
	}
	out := make([]ImageCacheResult, 0, len(items))
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			continue
		}
		r := ImageCacheResult{
			Node:    jsonString(lookupFold(obj, "node")),
			Status:  NormalizeCacheStatus(jsonString(lookupFold(obj, "status"))),
			Message: jsonString(lookupFold(obj, "message")),
		}
		if r.Message == "" {
			r.Message = jsonString(lookupFold(obj, "error"))
		}
		if code, ok := wholeNumber(lookupFold(obj, "code")); ok {
			r.Code = int(code)
		}
		out = append(out, r)
	}
	return out
}

// Failed reports a node on which the operation failed. ASSUMED: a code of 400 or more, or the
// status Failed (for a removal [DOC]: the image stays cached there; removing again retries).
func (r ImageCacheResult) Failed() bool {
	return r.Code >= 400 || strings.EqualFold(strings.TrimSpace(r.Status), CacheStatusFailed)
}

// The older family [ASSUMED, superseded: a low-trust source]: GET .../imagecache,
// GET .../imagecache/{image}, POST .../imagecache/add and POST .../imagecache/remove, with the
// image in the body (encodeOlderImageCacheRequest).

func routeOlderImageCaches(ns string) string { return route("namespaces", ns, "imagecache") }

func routeOlderImageCache(ns, image string) string {
	return route("namespaces", ns, "imagecache", image)
}

func routeOlderImageCacheAdd(ns string) string {
	return route("namespaces", ns, "imagecache", "add")
}

func routeOlderImageCacheRemove(ns string) string {
	return route("namespaces", ns, "imagecache", "remove")
}

// encodeOlderImageCacheRequest is the body of the older add and remove:
// {"image": ..., "nodes": [...] | "tags": [...] | "all": true}. ASSUMED.
func encodeOlderImageCacheRequest(req ImageCacheRequest) any { return req }

// isKubernetesStatus reports whether an error body is a Kubernetes Status, which Orka sends
// for its own refusals (such as "image X is not cached"), as opposed to what a server without
// the route sends: Go's plain-text "404 page not found", an HTML page, nothing, or a
// framework's {"message": "Not Found"}. ASSUMED: a JSON object whose "kind" is "Status", or
// that carries a Kubernetes "reason".
func isKubernetesStatus(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return false
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return false
	}
	return strings.EqualFold(jsonString(lookupFold(obj, "kind")), "Status") ||
		jsonString(lookupFold(obj, "reason")) != ""
}

// createNamespaceBody is the body of POST /api/v1/namespaces. [DOC].
type createNamespaceBody struct {
	Name             string `json:"name"`
	EnableCustomPods bool   `json:"enableCustomPods"`
}

// removeRegistryCredentialBody is the body of DELETE .../registrycredentials/remove. [DOC].
type removeRegistryCredentialBody struct {
	Server string `json:"server"`
}

// Lists come back as {"items": [...]}, no pagination [DOC]; decodeListAnswer (decode.go) also
// takes a bare array.

// encodeTokenRequest encodes the body of POST .../serviceaccounts/{name}/token.
// [DOC] the zero request is exactly "{}", which asks for Orka's default one-year token.
// ASSUMED: the option names "duration" and "noExpiration" (TokenRequest's tags).
func encodeTokenRequest(req TokenRequest) ([]byte, error) {
	if req == (TokenRequest{}) {
		return []byte("{}"), nil
	}
	return json.Marshal(req)
}

// errNoToken is returned when a token response holds no token. It never quotes the body.
var errNoToken = errors.New("the token response held no token")

// decodeTokenResponse reads the token out of POST .../serviceaccounts/{name}/token.
// ASSUMED: {"token": "<jwt>"}. Tolerated as well: a bare JSON string, and the Kubernetes
// TokenRequest shape {"status": {"token": ..., "expirationTimestamp": ...}}.
// Errors never include the body: it may hold a token.
func decodeTokenResponse(body []byte) (string, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", errNoToken
	}
	if body[0] == '"' {
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return "", errors.New("the token response is not valid JSON")
		}
		if s == "" {
			return "", errNoToken
		}
		return s, nil
	}
	var obj struct {
		Token  string `json:"token"`
		Status *struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &obj); err != nil {
		// A "status" that is not an object (e.g. a Kubernetes Status string) must not hide a
		// top-level token; retry with the top level only.
		var top struct {
			Token string `json:"token"`
		}
		if err2 := json.Unmarshal(body, &top); err2 != nil {
			return "", errors.New("the token response is not valid JSON")
		}
		obj.Token = top.Token
	}
	if obj.Token != "" {
		return obj.Token, nil
	}
	if obj.Status != nil && obj.Status.Token != "" {
		return obj.Status.Token, nil
	}
	return "", errNoToken
}

// decodeErrorBody reads an error response.
// ASSUMED: a Kubernetes Status {"kind":"Status","status":"Failure","message":...,"reason":...,
// "code":...}. Tolerated as well: any JSON object with "message" (or "error") and/or
// "reason". ok is false when the body is not such JSON; the caller then shows an excerpt.
func decodeErrorBody(body []byte) (reason, message string, ok bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return "", "", false
	}
	var st struct {
		Reason  any `json:"reason"`
		Message any `json:"message"`
		Error   any `json:"error"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return "", "", false
	}
	reason = jsonString(st.Reason)
	message = jsonString(st.Message)
	if message == "" {
		message = jsonString(st.Error)
	}
	return reason, message, reason != "" || message != ""
}

func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

// successful reports whether a status code means success.
// ASSUMED: Orka's exact success codes are not public, so any 2xx is success (the simulator
// answers 201 for creates, 200 otherwise), and a 2xx body may be empty.
func successful(code int) bool { return code >= 200 && code <= 299 }
