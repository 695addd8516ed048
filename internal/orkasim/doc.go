// Package orkasim is an in-memory simulator of the MacStadium Orka 3 REST API as described in
// shared/orka-api.md. It stands in for a real cluster in the provider's tests and in users' own
// CI (cmd/orkasim), and adds a control interface under /_sim/ (upgrades, maintenance windows,
// fault injection, request log, reset, users, variants) that a real cluster does not have.
//
// The simulator deliberately shares no code with internal/orka: its wire structs are written
// again here from the contract, so that a client bug cannot hide behind a shared type.
//
// # Never kinder than the documents
//
// Where MacStadium documents an answer, the simulator gives exactly that and nothing more:
//   - A deploy answers only name, node, memory, ip, ssh, vnc, screenshare, status and, when
//     there is one, portWarnings (DeployResponse); a client reads the VM back for the rest.
//   - Memory is rounded to the nearest 0.1 GiB on VM configs and VMs (6.57 reads back 6.6).
//   - VM names start with a letter, generated ones included.
//   - A save keeps exactly the description it was sent; a push answers 200
//     {"jobName": "vm-push-xxxxx"}.
//   - An image in use cannot be deleted (409): an Intel one by any VM, an Apple-silicon one by
//     more than one.
//   - The image cache is served on the documented .../cache/images/{image}/... routes, whose
//     add and remove answer 207 Multi-Status per node (ImageCacheMultiStatus).
//   - A principal that is not an administrator deletes only the VMs and VM configs it created
//     (403 otherwise); administrators (the admin token, administrator users, the Small Teams
//     admin service account of Options.SmallTeamsAdmin) delete anyone's.
//   - A path that no route serves answers as a Go gateway does: 404 with the plain-text body
//     "404 page not found", not a Kubernetes Status. A served path with another method answers
//     405 with a Status.
//
// Where MacStadium documents nothing, a variant (Options fields, SetVariants, POST
// /_sim/variants) selects each possibility, so that a client can be tested under all of them:
//   - OmitVMCustomMetadata: VM get and list items carry no customMetadata field at all.
//   - SparseVMItems: VM get and list items carry no namespace, vmConfig or type.
//   - LegacyImageCache: of the .../cache/images family only remove is served; add, read and
//     list are on the older assumed .../imagecache routes only (which are served either way).
//
// All variants are off by default. The simulator keeps every field whatever the variants say.
//
// # Control interface
//
// The /_sim/ routes need the admin token and are not logged. Besides upgrades, maintenance,
// faults, the admin-token switch, the request log and reset:
//   - POST /_sim/users {"name": "alice@example.com", "admin": false} answers 201
//     {"token": "<jwt>"}: a user ("tech user") token, as orka3 user get-token would give, with
//     sub and email the name, lasting one hour by Options.Now. AddUser does the same in Go.
//   - GET /_sim/variants answers the variants; POST /_sim/variants with any of
//     {"omitVMCustomMetadata", "sparseVMItems", "legacyImageCache"} changes those named and
//     answers all of them. SetVariants and Variants do the same in Go.
//
// Go-only knobs for in-process tests include SetVMStatus, SetImageCacheStatus,
// FailNextCacheRemoval, FailNextSave, SetNodeTags, SetNodePhase, MoveNode, RemoveNode,
// SmallTeamsAdminToken, PushJob and PushJobs.
//
// # Simplifications a reader of orka-api.md should know about
//
//   - Every node is an Apple-silicon worker and starts in orka-default. GET .../nodes lists
//     the nodes of that namespace only; VMs and image caches of a namespace use its nodes
//     only. Admins move nodes (POST .../nodes/{node}/namespace) and tag them (.../tag,
//     .../untag); MoveNode and SetNodeTags do the same out of band, SetNodePhase sets phases.
//   - Every namespaced route that is not admin-only answers 403 to a service account that is
//     neither of that namespace nor a subject of its orka-dev binding, and to a user that is
//     not a User subject of it, VM configs and images of orka-default included. Admin-only
//     routes answer 403 to every principal that is not an administrator.
//   - Ownership is recorded per subject: system:serviceaccount:<ns>:<name> for a service
//     account, the user's name for a user, system:admin for the admin token (Snapshot's
//     VMOwners and VMConfigOwners).
//   - Users live until Reset; their tokens survive upgrades (they come from SSO, outside the
//     cluster). Service-account tokens, the Small Teams admin's included, die in release and
//     layer upgrades.
//   - Scheduling ignores image architecture, GPUs and reserved-port clashes; it only counts
//     VMs (at most 2 per node), CPU and memory. Failed VMs free their node.
//   - Time: token iat/exp use Options.Now; deploy delays, deploy timeouts, save and copy
//     times, image-cache delays and maintenance windows use the wall clock.
//   - Tokens are opaque to the simulator beyond a lookup table: the JWT signature is an HMAC
//     with a per-server random key and is never checked.
//   - Deleting a service account removes it from its own namespace's orka-dev binding;
//     subjects naming it in other namespaces stay (as in Kubernetes).
//   - Images exist only in orka-default; other namespaces answer 400 for image routes (and
//     for VM-config routes, as the contract says). An image copy is Updating for as long as a
//     save takes.
//   - Successful creates and the older image-cache and subject "add" routes answer 201, reads,
//     deletes and "remove" routes 200; deletes carry a small Kubernetes Status Success body.
//     Subject add/remove answer the binding's subject list; the older image-cache add/remove
//     answer the image's cache item; the documented ones 207.
//   - An image-cache removal shows Removing for Options.CacheRemoveDelay (default CacheDelay), then the entry is gone (or
//     Failed, still cached, after FailNextCacheRemoval). The older remove route removes at once.
//   - cluster-info's certData is a self-signed certificate made once per process, not a
//     Kubernetes CA; apiEndpoint is https://<request host>:6443.
//   - The request log is in arrival order; a request still in flight shows status 0.
//   - An upgrade's clearedImageCaches counts cached images (namespace/image pairs), not
//     image-node pairs; invalidatedTokens counts service-account tokens that were valid at
//     that moment.
//   - Close (not part of Orka) ends deploys that are still waiting, with 503, so that a
//     server can shut down without waiting out a deploy timeout.
package orkasim
