package main

// item is one [ASSUMED] fact of the API contract (shared/orka-api.md): the details MacStadium
// does not document that the client relies on. This list is the one place that names them; the
// IDs are stable, so that reports from different clusters and versions can be compared.
//
// Every item can be checked by some run an administrator can really make; Needs names it when
// a plain run cannot (it uses capacity, touches a node, leaves an image behind, or needs an
// upgrade or a maintenance window). What is deliberately not an item:
//   - "500 InternalError" for a server fault: it cannot be provoked without harming the
//     cluster, and nothing depends on it (the client treats every 5xx but 502/503/504 alike,
//     whatever its reason). The 500 a deploy's timeout gives is an item (deploy-timeout-error).
//   - Pushing a VM (POST .../vms/{name}/push): its path, body and answer are all documented,
//     so nothing assumed is left to check, and a push would write to a registry.
type item struct {
	ID      string
	Section string // of orka-api.md
	Claim   string
	// Needs names the mode without which the probe leaves the item unchecked (see needsWhy).
	Needs string
}

// Modes an item may need, and why a plain run does not check the item.
const (
	needsDeployVM    = "-deploy-vm"
	needsCacheImage  = "-cache-image"
	needsTagNode     = "-tag-node"
	needsSaveImage   = "-save-image"
	needsUpgrade     = "-after-upgrade"
	needsMaintenance = "-during-maintenance"
)

// needsWhy is what the report says about an item whose mode was not on.
var needsWhy = map[string]string{
	needsDeployVM:    "needs -deploy-vm (it uses cluster capacity)",
	needsCacheImage:  "needs -cache-image IMAGE (it uses cluster capacity)",
	needsTagNode:     "needs -tag-node NODE (it adds a scratch tag to that node, then removes it)",
	needsSaveImage:   "needs -deploy-vm -save-image (it saves the probe's VM into a new image, which is left behind: no REST route deletes an image)",
	needsUpgrade:     "needs -before-upgrade FILE before a MacStadium upgrade and -after-upgrade FILE after it",
	needsMaintenance: "needs -during-maintenance FILE while a maintenance window is on (-after-upgrade FILE then carries the result into the full report)",
}

// items lists every [ASSUMED] item of orka-api.md, in the order of its sections.
var items = []item{
	{ID: "json-decoding", Section: "0",
		Claim: "Request bodies are decoded like Go's encoding/json: keys match case-insensitively, unknown keys are ignored."},
	{ID: "token-jwt-claims", Section: "1",
		Claim: "Service-account tokens are JWTs whose payload carries iat and exp in Unix seconds."},
	{ID: "rbac-forbidden", Section: "1",
		Claim: "A valid token without rights in a namespace gets 403 there."},
	{ID: "error-status-body", Section: "2",
		Claim: "Error answers carry a Kubernetes Status body (kind Status, reason, message)."},
	{ID: "success-any-2xx", Section: "2",
		Claim: "Every success is a 2xx (201 creates, 200 reads and deletes); a delete may answer with an empty body."},
	{ID: "error-codes", Section: "2",
		Claim: "Orka answers 400 BadRequest (message naming the field), 401, 403 Forbidden, 404 NotFound, 409 AlreadyExists."},
	{ID: "error-codes-unavailable", Section: "2", Needs: needsMaintenance,
		Claim: "In a maintenance window the API answers 503 ServiceUnavailable with a Status body and Retry-After (not a refused connection or a proxy's page)."},
	{ID: "deploy-timeout-error", Section: "2", Needs: needsDeployVM,
		Claim: "A deploy that runs out of its timeout answers 500 with reason Timeout."},
	{ID: "cluster-info-kubernetes-ca", Section: "3",
		Claim: "cluster-info's certData is the Kubernetes CA as PEM (base64 of PEM tolerated); apiEndpoint is an https URL."},
	{ID: "vmconfig-conflict", Section: "4",
		Claim: "Creating a VM config whose name exists gets 409."},
	{ID: "vmconfig-memory-derived", Section: "4",
		Claim: "A VM config created without memory reads back cpu x 1.5 GiB, rounded to 0.1."},
	{ID: "vmconfig-vnc-console", Section: "4",
		Claim: "The VM config's VNC console field is vncConsole."},
	{ID: "vm-deploy-vnc-console", Section: "5", Needs: needsDeployVM,
		Claim: "The deploy body's VNC console field is vncConsole, and it overrides the VM config's."},
	{ID: "vm-item-namespace", Section: "5", Needs: needsDeployVM,
		Claim: "VM list items carry namespace."},
	{ID: "vm-item-vmconfig", Section: "5", Needs: needsDeployVM,
		Claim: "VM list items carry vmConfig."},
	{ID: "vm-unschedulable-pending", Section: "5", Needs: needsDeployVM,
		Claim: "A deploy no node can hold stays Pending until its timeout, then fails and leaves the Pending VM behind."},
	{ID: "vm-save-body", Section: "5", Needs: needsSaveImage,
		Claim: `The save body names the new image in imageName: POST .../vms/{name}/save {"imageName": "<image>"} saves into it (GET .../images/<image> finds it).`},
	{ID: "vm-save-image-state", Section: "5", Needs: needsSaveImage,
		Claim: "A saved image's item carries state, Updating while it is saved, then Ready (or Failed, with errorMessage)."},
	{ID: "vm-save-conflict", Section: "5", Needs: needsSaveImage,
		Claim: "Saving a VM into an image name that is taken gets 409."},
	{ID: "serviceaccount-list-shape", Section: "6",
		Claim: "Service-account list items are {name, namespace}."},
	{ID: "serviceaccount-conflict", Section: "6",
		Claim: "Creating a service account that exists gets 409."},
	{ID: "token-request-options", Section: "6",
		Claim: "Token requests take duration (a Go duration string) and noExpiration."},
	{ID: "token-response-shape", Section: "6",
		Claim: `A token answer is {"token": "<jwt>"}.`},
	{ID: "registry-credential-list-shape", Section: "7",
		Claim: "Registry-credential list items are {server, username, allowInsecure}, never with the password."},
	{ID: "registry-credential-conflict", Section: "7",
		Claim: "Adding a credential for a server that has one, without replace, gets 409."},
	{ID: "rolebinding-subjects-list", Section: "8",
		Claim: "GET .../rolebindings/orka-dev/subjects lists {kind: User | ServiceAccount, name, namespace}."},
	{ID: "node-arch", Section: "8",
		Claim: "Node items carry arch (arm64 or amd64)."},
	{ID: "node-tag-body", Section: "8", Needs: needsTagNode,
		Claim: `Node tag and untag take {"tag": "<tag>"}: the tag appears in, then leaves, the node's orkaTags.`},
	{ID: "node-placement-survives-upgrades", Section: "8", Needs: needsUpgrade,
		Claim: "Node namespaces and tags persist across upgrades."},
	{ID: "vmconfig-non-admin", Section: "8",
		Claim: "A non-administrator token bound to orka-default may create and delete VM configs."},
	{ID: "serviceaccount-not-admin", Section: "8",
		Claim: "A service-account token is not an administrator's: an admin-only route (listing service accounts, even in its own namespace) answers 403."},
	{ID: "imagecache-read", Section: "8",
		Claim: "GET .../imagecache lists {image, nodes: [{node, status}]}; GET .../imagecache/{image} answers 404 for an image cached nowhere."},
	{ID: "imagecache-write", Section: "8", Needs: needsCacheImage,
		Claim: "POST .../imagecache/add and .../remove take {image, nodes}; a node's status goes Caching, then Ready or Failed."},
	{ID: "user-token-survives-upgrades", Section: "9", Needs: needsUpgrade,
		Claim: "A user token (not a service account's) that worked before an upgrade keeps working after it, while it has not expired."},
}
