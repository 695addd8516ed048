package orka

import (
	"context"
	"encoding/json"
	"net/http"
)

// Saving a VM into an image and pushing a VM to an OCI registry (orka-api.md §5, "preserve
// changes"). Which parts of the wire contract are MacStadium's and which are ours:
//
//   - [DOC] POST /api/v1/namespaces/{ns}/vms/{name}/save with {"imageName": ..., "description":
//     ...} (the API quick start) saves the VM's disk as a new local image carrying that
//     description, asynchronously; the image appears in GET .../images and moves through the
//     Image resource's states Updating, then Ready or Failed, with an error message when it
//     failed (the Image custom resource's status.state and status.errorMessage).
//   - [DOC] POST /api/v1/namespaces/{ns}/vms/{name}/push with {"imageReference": ...} starts a
//     push and answers 200 {"jobName": "vm-push-xxxxx"}. No REST route reports a push job's
//     progress.
//   - [ASSUMED] the save answer (decoded tolerantly: it may be empty), the image item's "state"
//     and "errorMessage" field names (Image in types.go), and that saving to an existing image
//     name is refused with 409.
//   All of these are used only here and in Image, so a live cluster that differs is fixed here.

// Image states. [DOC: the values of the Image custom resource's status.state].
const (
	ImageStateUpdating = "Updating"
	ImageStateReady    = "Ready"
	ImageStateFailed   = "Failed"
)

// SaveVMRequest is the body of .../vms/{name}/save. [DOC].
type SaveVMRequest struct {
	// ImageName is the new image's name; Orka refuses a name that is already taken.
	ImageName string `json:"imageName"`
	// Description is the new image's description; empty is not sent.
	Description string `json:"description,omitempty"`
}

// SaveVMResult is what is known once Orka accepted a save.
type SaveVMResult struct {
	// Message is Orka's "message" when the answer had one.
	Message string `json:"message,omitempty"`
}

// PushVMRequest is the body of .../vms/{name}/push. [DOC].
type PushVMRequest struct {
	// ImageReference is the OCI reference to push to, such as ghcr.io/org/macos:tuned. The
	// namespace needs a registry credential for its server.
	ImageReference string `json:"imageReference"`
}

// PushVMResult is Orka's answer to a push. [DOC].
type PushVMResult struct {
	// JobName names the Kubernetes job that does the push. Its progress cannot be read over
	// the Orka REST API; an administrator can follow it with kubectl.
	JobName string `json:"jobName"`
}

// SaveVM asks Orka to save a VM into a new local image and returns once Orka accepted the
// request; the image then becomes Ready or Failed (watch it with GetImage). The POST is never
// resent: after an AmbiguousError the caller looks the image up by name.
func (c *Client) SaveVM(ctx context.Context, namespace, vm string, req SaveVMRequest) (*SaveVMResult, error) {
	if err := requireName("VM", vm); err != nil {
		return nil, err
	}
	if err := requireName("image", req.ImageName); err != nil {
		return nil, err
	}
	path := routeVMSave(namespaceOrDefault(namespace), vm)
	body, err := c.do(ctx, call{method: http.MethodPost, path: path, body: req})
	if err != nil {
		return nil, err
	}
	// Orka accepted the save (2xx): an answer of another shape than assumed must not turn
	// that into an error, or the caller would believe nothing was started.
	out := SaveVMResult{}
	_ = json.Unmarshal(body, &out)
	return &out, nil
}

// PushVM asks Orka to push a VM's disk to an OCI registry and returns the job Orka started.
// The POST is never resent: a second push after a lost answer would start a second job. For
// the same reason an accepted push (any 2xx) whose answer cannot be read is no error: JobName
// is then empty.
func (c *Client) PushVM(ctx context.Context, namespace, vm string, req PushVMRequest) (*PushVMResult, error) {
	if err := requireName("VM", vm); err != nil {
		return nil, err
	}
	if err := requireName("image reference", req.ImageReference); err != nil {
		return nil, err
	}
	path := routeVMPush(namespaceOrDefault(namespace), vm)
	body, err := c.do(ctx, call{method: http.MethodPost, path: path, body: req})
	if err != nil {
		return nil, err
	}
	out := PushVMResult{}
	if decodeInto(http.MethodPost, path, body, &out) != nil {
		out = PushVMResult{}
	}
	return &out, nil
}

func routeVMSave(ns, name string) string { return route("namespaces", ns, "vms", name, "save") }

func routeVMPush(ns, name string) string { return route("namespaces", ns, "vms", name, "push") }
