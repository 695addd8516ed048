// Package orkasim is an in-memory simulator of the MacStadium Orka 3 REST API as described in
// shared/orka-api.md. It stands in for a real cluster in the provider's tests and in users' own
// CI (cmd/orkasim), and adds a control interface under /_sim/ (upgrades, maintenance windows,
// fault injection, request log, reset) that a real cluster does not have.
//
// The simulator deliberately shares no code with internal/orka: its wire structs are written
// again here from the contract, so that a client bug cannot hide behind a shared type.
//
// Simplifications a reader of orka-api.md should know about:
//   - Every node is an Apple-silicon worker and starts in orka-default. GET .../nodes lists
//     the nodes of that namespace only; VMs and image caches of a namespace use its nodes
//     only. Admins move nodes (POST .../nodes/{node}/namespace) and tag them (.../tag,
//     .../untag); MoveNode and SetNodeTags do the same out of band, SetNodePhase sets phases.
//   - Every namespaced route that is not admin-only answers 403 to a service account that is
//     neither of that namespace nor a subject of its orka-dev binding, VM configs and images
//     of orka-default included.
//   - Scheduling ignores image architecture, GPUs and reserved-port clashes; it only counts
//     VMs (at most 2 per node), CPU and memory. Failed VMs free their node.
//   - Time: token iat/exp use Options.Now; deploy delays, deploy timeouts, image-cache delays
//     and maintenance windows use the wall clock.
//   - Tokens are opaque to the simulator beyond a lookup table: the JWT signature is an HMAC
//     with a per-server random key and is never checked.
//   - Deleting a service account removes it from its own namespace's orka-dev binding;
//     subjects naming it in other namespaces stay (as in Kubernetes).
//   - Images exist only in orka-default; other namespaces answer 400 for image routes (and
//     for VM-config routes, as the contract says).
//   - Successful creates and "add" routes answer 201, reads, deletes and "remove" routes 200;
//     deletes carry a small Kubernetes Status Success body. Subject add/remove answer the
//     binding's subject list; image-cache add/remove answer the image's cache item.
//   - cluster-info's certData is a self-signed certificate made once per process, not a
//     Kubernetes CA; apiEndpoint is https://<request host>:6443.
//   - The request log is in arrival order; a request still in flight shows status 0.
//   - An upgrade's clearedImageCaches counts cached images (namespace/image pairs), not
//     image-node pairs; invalidatedTokens counts tokens that were valid at that moment.
//   - Close (not part of Orka) ends deploys that are still waiting, with 503, so that a
//     server can shut down without waiting out a deploy timeout.
package orkasim
