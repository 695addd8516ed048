package main

// item is one [ASSUMED] fact of the API contract (shared/orka-api.md): the details MacStadium
// does not document that the client relies on. This list is the one place that names them; the
// IDs are stable, so that reports from different clusters and versions can be compared.
type item struct {
	ID      string
	Section string // of orka-api.md
	Claim   string
	// Needs names the flag without which the probe leaves the item unchecked (it uses capacity
	// or touches nodes).
	Needs string
	// Unprobeable says why no probe can check the item (it needs an upgrade, or provoking it
	// would harm the cluster); such an item is always reported "not checked".
	Unprobeable string
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
	{ID: "error-codes-unavailable", Section: "2",
		Claim:       "Orka answers 500 InternalError/Timeout, and 503 ServiceUnavailable with Retry-After in a maintenance window.",
		Unprobeable: "cannot be provoked without harming the cluster; the client retries 502/503/504 whatever their body says"},
	{ID: "cluster-info-kubernetes-ca", Section: "3",
		Claim: "cluster-info's certData is the Kubernetes CA as PEM (base64 of PEM tolerated); apiEndpoint is an https URL."},
	{ID: "vmconfig-conflict", Section: "4",
		Claim: "Creating a VM config whose name exists gets 409."},
	{ID: "vmconfig-memory-derived", Section: "4",
		Claim: "A VM config created without memory reads back cpu x 1.5 GiB, rounded to 0.1."},
	{ID: "vmconfig-vnc-console", Section: "4",
		Claim: "The VM config's VNC console field is vncConsole."},
	{ID: "vm-deploy-vnc-console", Section: "5", Needs: "-deploy-vm",
		Claim: "The deploy body's VNC console field is vncConsole, and it overrides the VM config's."},
	{ID: "vm-item-namespace", Section: "5", Needs: "-deploy-vm",
		Claim: "VM list items carry namespace."},
	{ID: "vm-item-vmconfig", Section: "5", Needs: "-deploy-vm",
		Claim: "VM list items carry vmConfig."},
	{ID: "vm-unschedulable-pending", Section: "5", Needs: "-deploy-vm",
		Claim: "A deploy no node can hold stays Pending until its timeout, then fails and leaves the Pending VM behind."},
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
	{ID: "node-tag-body", Section: "8",
		Claim:       `Node tag and untag take {"tag": "<tag>"}.`,
		Unprobeable: "tagging changes a node that may be in use outside the scratch namespace (orka_node tags nodes: check it on an idle node of your own)"},
	{ID: "node-placement-survives-upgrades", Section: "8",
		Claim:       "Node namespaces and tags persist across upgrades.",
		Unprobeable: "needs an upgrade"},
	{ID: "vmconfig-non-admin", Section: "8",
		Claim: "A non-administrator token bound to orka-default may create and delete VM configs."},
	{ID: "serviceaccount-not-admin", Section: "8",
		Claim: "A service-account token is not an administrator's: an admin-only route (listing service accounts, even in its own namespace) answers 403."},
	{ID: "imagecache-read", Section: "8",
		Claim: "GET .../imagecache lists {image, nodes: [{node, status}]}; GET .../imagecache/{image} answers 404 for an image cached nowhere."},
	{ID: "imagecache-write", Section: "8", Needs: "-cache-image",
		Claim: "POST .../imagecache/add and .../remove take {image, nodes}; a node's status goes Caching, then Ready or Failed."},
	{ID: "user-token-survives-upgrades", Section: "9",
		Claim:       "User tokens keep working after upgrades.",
		Unprobeable: "needs an upgrade"},
}
