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
//   - ASSUMED: image-cache items are {"image","nodes":[{"node","status"}]} (ImageCache) and the
//     add/remove body is {"image","nodes","tags","all"} (ImageCacheRequest).
//   - ASSUMED: role-binding subject list items are {"kind","name","namespace"}
//     (RoleBindingSubject).
//   - ASSUMED: cluster-info's certData is PEM text (base64 of PEM tolerated):
//     ClusterInfo.KubernetesCAPEM in clusterinfo.go.
//   - ASSUMED: service-account tokens are JWTs carrying iat and exp: ParseTokenClaims in
//     tokenclaims.go.
//
// ASSUMED details that live in this file:
//   - subject kind spellings (SubjectKindUser, SubjectKindServiceAccount)
//   - image-cache node status spellings (CacheStatus*)
//   - the role-binding subject list route (routeRoleBindingSubjects)
//   - every image-cache route (routeImageCaches, routeImageCache, routeImageCacheAdd,
//     routeImageCacheRemove)
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

// Image-cache node statuses. ASSUMED: spellings of "status" in image-cache items (the orka3
// CLI shows these words).
const (
	CacheStatusCaching = "Caching"
	CacheStatusReady   = "Ready"
	CacheStatusFailed  = "Failed"
)

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

func routeImage(name string) string {
	return route("namespaces", DefaultNamespace, "images", name)
}

// routeRoleBindingSubjects lists the orka-dev binding's subjects.
// ASSUMED: path GET /api/v1/namespaces/{ns}/rolebindings/orka-dev/subjects.
func routeRoleBindingSubjects(ns string) string {
	return route("namespaces", ns, "rolebindings", roleBindingName, "subjects")
}

// ASSUMED: image-cache REST routes (only the orka3 CLI is documented):
// GET /api/v1/namespaces/{ns}/imagecache, GET .../imagecache/{image} with the image reference
// path-escaped as one segment, POST .../imagecache/add and POST .../imagecache/remove.

func routeImageCaches(ns string) string { return route("namespaces", ns, "imagecache") }

func routeImageCache(ns, image string) string { return route("namespaces", ns, "imagecache", image) }

func routeImageCacheAdd(ns string) string { return route("namespaces", ns, "imagecache", "add") }

func routeImageCacheRemove(ns string) string {
	return route("namespaces", ns, "imagecache", "remove")
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
