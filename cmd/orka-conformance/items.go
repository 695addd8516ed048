package main

// item is one fact of the API contract (shared/orka-api.md) that the probe checks against a
// cluster. Two kinds are listed:
//   - [ASSUMED] items: the details MacStadium does not document that the client relies on.
//   - Documented items (Doc): what MacStadium documents, or what its own clients (the orka3 CLI,
//     the Jenkins, Packer and GitHub Actions integrations) rely on, which the simulator is made
//     to answer as documented. Some of them are UNKNOWN in the documents: each such item lists
//     its Variants, every one acceptable, and the report says which one the cluster showed, so
//     that the simulator's switches can be set from a report.
//
// This list is the one place that names them; the IDs are stable, so that reports from
// different clusters and versions can be compared.
//
// Every item can be checked by some run an administrator can really make; Needs names it when
// a plain run cannot (it uses capacity, touches a node, writes to a registry, needs a second
// token, or needs an upgrade or a maintenance window). What is deliberately not an item:
//   - "500 InternalError" for a server fault: it cannot be provoked without harming the
//     cluster, and nothing depends on it (the client treats every 5xx but 502/503/504 alike,
//     whatever its reason). The 500 a deploy's timeout gives is an item (deploy-timeout-error).
//   - "two-vms-per-node", an Apple-silicon node running at most 2 VMs (§5): checking it means
//     running two full VMs on one empty node and a third pinned to it, which takes a whole
//     node (found empty) for the length of two deploys and a timeout; on a shared production
//     cluster that is neither cheap nor safe to ask for, and the provider relies on nothing
//     about it (Orka schedules, the provider only reports Pending).
type item struct {
	ID      string
	Section string // of orka-api.md
	Claim   string
	// Needs names the mode without which the probe leaves the item unchecked (see needsWhy).
	Needs string
	// Doc marks a documented item (or one MacStadium's clients rely on); the rest are [ASSUMED].
	Doc bool
	// Variants are the known, acceptable answers of an item the documents leave open. The
	// first is what the simulator answers by default; each other one names the simulator
	// switch that produces it, or none when the simulator has no such switch.
	Variants []variant
}

// variant is one acceptable answer of an UNKNOWN item, and how to make the simulator give it.
type variant struct {
	Name   string
	Switch string // cmd/orkasim flag; "" for the default (the first variant) or when there is none
	Option string // the orkasim.Options field behind the flag
}

// Modes an item may need, and why a plain run does not check the item.
const (
	needsDeployVM    = "-deploy-vm"
	needsCacheImage  = "-cache-image"
	needsTagNode     = "-tag-node"
	needsSaveImage   = "-save-image"
	needsPushImage   = "-push-image"
	needsOtherToken  = otherTokenEnv
	needsUpgrade     = "-after-upgrade"
	needsMaintenance = "-during-maintenance"
)

// otherTokenEnv holds a second, non-administrator token (vm-delete-ownership). It is read from
// the environment only, like ORKA_TOKEN, so that it never shows in a process list.
const otherTokenEnv = "ORKA_CONFORMANCE_OTHER_TOKEN" //nolint:gosec // the name of a variable, not a credential

// needsWhy is what the report says about an item whose mode was not on.
var needsWhy = map[string]string{
	needsDeployVM:    "needs -deploy-vm (it uses cluster capacity)",
	needsCacheImage:  "needs -cache-image IMAGE (it uses cluster capacity)",
	needsTagNode:     "needs -tag-node NODE (it adds a scratch tag to that node, then removes it, and moves the node into a scratch namespace and back)",
	needsSaveImage:   "needs -deploy-vm -save-image (it saves the probe's VM into a new image, then deletes that image)",
	needsPushImage:   "needs -deploy-vm -push-image REF (it pushes the probe's VM to that registry reference, which needs a registry credential in the deploy namespace; what is pushed stays in the registry)",
	needsOtherToken:  "needs " + otherTokenEnv + ": the token of a Tech user or of a regular service account (not an administrator), which may use orka-default (and, for the VM part, -deploy-namespace; a service account is bound to the scratch namespace by the probe)",
	needsUpgrade:     "needs -before-upgrade FILE before a MacStadium upgrade and -after-upgrade FILE after it",
	needsMaintenance: "needs -during-maintenance FILE while a maintenance window is on (-after-upgrade FILE then carries the result into the full report)",
}

// items lists every item, in the order of orka-api.md's sections.
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
	{ID: "cluster-info-fields", Section: "3", Doc: true,
		Claim: "cluster-info answers a request without a token and carries apiDomain, apiEndpoint, appClientId, baseOauthEndpoint, certData and gpuPassthroughEnabled."},
	{ID: "vmconfig-conflict", Section: "4",
		Claim: "Creating a VM config whose name exists gets 409."},
	{ID: "vmconfig-memory-derived", Section: "4",
		Claim: "A VM config created without memory reads back cpu x 1.5 GiB, rounded to 0.1."},
	{ID: "vmconfig-vnc-console", Section: "4",
		Claim: "The VM config's VNC console field is vncConsole."},
	{ID: "vmconfig-unknown-404", Section: "4", Doc: true,
		Claim: "Reading a VM config that does not exist answers 404."},
	{ID: "vmconfig-name-taken-409", Section: "4", Doc: true,
		Claim: "Creating a VM config under a name that is taken answers 409."},
	{ID: "memory-read-back", Section: "4, 5", Doc: true,
		Claim: "Orka rounds memory to the nearest 0.1 GiB: a VM config created with memory 6.57 reads back 6.6; a VM deployed with an explicit memory (with -deploy-vm) reads that memory back."},
	{ID: "vm-deploy-vnc-console", Section: "5", Needs: needsDeployVM,
		Claim: "The deploy body's VNC console field is vncConsole, and it overrides the VM config's."},
	{ID: "deploy-answer-fields", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim: "The deploy answer holds no field beyond name, node, memory, ip, ssh, vnc, screenshare, status (and, optionally, portWarnings)."},
	{ID: "deploy-extras", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim: "A deploy accepts reservedPorts, a display size (displayWidth, displayHeight) and customMetadata."},
	{ID: "vm-get-custom-metadata", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim:    "UNKNOWN: GET and list of a VM deployed with customMetadata return it (\"returned\") or leave it out (\"absent\"); either is accepted.",
		Variants: []variant{{Name: "returned"}, {Name: "absent", Switch: "--omit-vm-metadata", Option: "OmitVMCustomMetadata"}}},
	{ID: "vm-item-fields", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim:    "UNKNOWN: VM items (list and GET) carry namespace, vmConfig and type (\"full\") or none of them (\"sparse\"); either is accepted.",
		Variants: []variant{{Name: "full"}, {Name: "sparse", Switch: "--sparse-vm-items", Option: "SparseVMItems"}}},
	{ID: "vm-item-namespace", Section: "5", Needs: needsDeployVM,
		Claim: "A VM list item that carries namespace carries the VM's own (whether it carries it at all is open: vm-item-fields)."},
	{ID: "vm-item-vmconfig", Section: "5", Needs: needsDeployVM,
		Claim: "A VM list item that carries vmConfig carries the VM config the VM was deployed from (whether it carries it at all is open: vm-item-fields)."},
	{ID: "vm-unschedulable-pending", Section: "5", Needs: needsDeployVM,
		Claim: "A deploy no node can hold stays Pending until its timeout, then fails and leaves the Pending VM behind."},
	{ID: "deploy-generated-name", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim: "A deploy without a name, and one with a name and shouldGenerateName, gets a name chosen by the server."},
	{ID: "vm-name-taken-409", Section: "5", Doc: true, Needs: needsDeployVM,
		Claim: "Deploying a VM under a name that is taken in the namespace answers 409."},
	{ID: "vm-save-body", Section: "5", Needs: needsSaveImage,
		Claim: `The save body names the new image in imageName: POST .../vms/{name}/save {"imageName": "<image>"} saves into it (GET .../images/<image> finds it).`},
	{ID: "vm-save-image-state", Section: "5", Needs: needsSaveImage,
		Claim: "A saved image's item carries state, Updating while it is saved, then Ready (or Failed, with errorMessage)."},
	{ID: "vm-save-conflict", Section: "5", Needs: needsSaveImage,
		Claim: "Saving a VM into an image name that is taken gets 409."},
	{ID: "save-description", Section: "5", Doc: true, Needs: needsSaveImage,
		Claim: `The image a save makes keeps the description sent: POST .../vms/{name}/save {"imageName": ..., "description": ...}.`},
	{ID: "push-answer", Section: "5", Doc: true, Needs: needsPushImage,
		Claim: `A push (POST .../vms/{name}/push {"imageReference": ...}) answers 200 with a jobName starting "vm-push-".`},
	{ID: "vm-delete-ownership", Section: "5", Doc: true, Needs: needsOtherToken,
		Claim: "A Tech user or a regular service account may delete only its own VM configs and VMs: deleting one the administrator's token created answers 403."},
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
	{ID: "nodes-forbidden-or-notfound", Section: "8", Doc: true,
		Claim:    "Listing the nodes of a namespace the token has no rights in answers 403 or 404 (the report says which).",
		Variants: []variant{{Name: "403"}, {Name: "404"}}},
	{ID: "node-tag-body", Section: "8", Needs: needsTagNode,
		Claim: `Node tag and untag take {"tag": "<tag>"}: the tag appears in, then leaves, the node's orkaTags.`},
	{ID: "node-move", Section: "8", Doc: true, Needs: needsTagNode,
		Claim: `POST .../nodes/{node}/namespace {"namespace": <target>} moves a node that runs no VM into another namespace, and back.`},
	{ID: "node-placement-survives-upgrades", Section: "8", Needs: needsUpgrade,
		Claim: "Node namespaces and tags persist across upgrades."},
	{ID: "vmconfig-non-admin", Section: "8",
		Claim: "A non-administrator token bound to orka-default may create and delete VM configs."},
	{ID: "serviceaccount-not-admin", Section: "8",
		Claim: "A service-account token is not an administrator's: an admin-only route (listing service accounts, even in its own namespace) answers 403."},
	{ID: "image-item-fields", Section: "8", Doc: true,
		Claim: "Image list items carry name, description, type and state."},
	{ID: "image-delete", Section: "8", Doc: true, Needs: needsSaveImage,
		Claim: "DELETE .../images/{image} removes an image (the probe deletes the image its save made)."},
	{ID: "imagecache-read", Section: "8",
		Claim: "Through the routes the client calls, the image-cache list has items {image, nodes: [{node, status}]}, and reading an image cached nowhere answers 404."},
	{ID: "imagecache-write", Section: "8", Needs: needsCacheImage,
		Claim: "Image-cache add and remove take {image, nodes} (on the routes the cluster serves: see image-cache-routes); a node's status goes Caching, then Ready or Failed."},
	{ID: "image-cache-routes", Section: "8", Doc: true, Needs: needsCacheImage,
		Claim:    "POST .../cache/images/{image}/remove answers 207; add, read and list are served on .../cache/images/... (\"documented\") or only on the older .../imagecache routes (\"legacy-add-read\").",
		Variants: []variant{{Name: "documented"}, {Name: "legacy-add-read", Switch: "--legacy-image-cache", Option: "LegacyImageCache"}}},
	{ID: "user-token-survives-upgrades", Section: "9", Needs: needsUpgrade,
		Claim: "A user token (not a service account's) that worked before an upgrade keeps working after it, while it has not expired."},
}
