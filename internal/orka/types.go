package orka

// Wire types of the Orka 3 REST API (orka-api.md). Field names follow MacStadium's docs; the
// ones marked ASSUMED are not public and are listed in wire.go's comment block too.

// ClusterInfo is GET /api/v1/cluster-info, the only unauthenticated route.
type ClusterInfo struct {
	APIDomain             string `json:"apiDomain"`
	APIEndpoint           string `json:"apiEndpoint"`
	AppClientID           string `json:"appClientId"`
	BaseOAuthEndpoint     string `json:"baseOauthEndpoint"`
	CertData              string `json:"certData"`
	GPUPassthroughEnabled bool   `json:"gpuPassthroughEnabled"`
}

// VMConfig is a VM template. It is both the create body and the read shape. Optional booleans
// are pointers so that "not set" is not sent and the server's default applies.
type VMConfig struct {
	Name           string  `json:"name"`
	Image          string  `json:"image"`
	CPU            int     `json:"cpu,omitempty"`
	Memory         float64 `json:"memory,omitempty"`
	Tag            string  `json:"tag,omitempty"`
	TagRequired    *bool   `json:"tagRequired,omitempty"`
	Scheduler      string  `json:"scheduler,omitempty"`
	NetBoost       *bool   `json:"netBoost,omitempty"`
	LegacyIO       *bool   `json:"legacyIO,omitempty"`
	GPUPassthrough *bool   `json:"gpuPassthrough,omitempty"`
	VNCConsole     *bool   `json:"vncConsole,omitempty"` // ASSUMED field name
	DisplayWidth   int     `json:"displayWidth,omitempty"`
	DisplayHeight  int     `json:"displayHeight,omitempty"`
	DisplayDPI     int     `json:"displayDPI,omitempty"`
	NodeName       string  `json:"nodeName,omitempty"`
	// Type is the architecture ("arm64" or "amd64"); read only.
	Type string `json:"type,omitempty"`
}

// DeployVMRequest is the body of POST /api/v1/namespaces/{ns}/vms. Name is always set by this
// project: a server-generated name could not be found again after a lost response.
type DeployVMRequest struct {
	Name           string            `json:"name"`
	VMConfig       string            `json:"vmConfig,omitempty"`
	Image          string            `json:"image,omitempty"`
	CPU            int               `json:"cpu,omitempty"`
	Memory         float64           `json:"memory,omitempty"`
	Node           string            `json:"node,omitempty"`
	Scheduler      string            `json:"scheduler,omitempty"`
	Tag            string            `json:"tag,omitempty"`
	TagRequired    *bool             `json:"tagRequired,omitempty"`
	NetBoost       *bool             `json:"netBoost,omitempty"`
	LegacyIO       *bool             `json:"legacyIO,omitempty"`
	GPUPassthrough *bool             `json:"gpuPassthrough,omitempty"`
	VNCConsole     *bool             `json:"vncConsole,omitempty"` // ASSUMED field name
	ReservedPorts  string            `json:"reservedPorts,omitempty"`
	CustomMetadata map[string]string `json:"customMetadata,omitempty"`
	// Timeout is the server-side deploy wait in minutes (Orka's default is 10).
	Timeout       int `json:"timeout,omitempty"`
	DisplayWidth  int `json:"displayWidth,omitempty"`
	DisplayHeight int `json:"displayHeight,omitempty"`
	DisplayDPI    int `json:"displayDPI,omitempty"`
}

// VM statuses.
const (
	VMStatusRunning = "Running"
	VMStatusPending = "Pending"
	VMStatusFailed  = "Failed"
)

// VM is a deployed VM, as the deploy response and list/get items.
type VM struct {
	Name           string            `json:"name"`
	Namespace      string            `json:"namespace,omitempty"` // ASSUMED on items
	Node           string            `json:"node,omitempty"`
	IP             string            `json:"ip,omitempty"`
	SSH            *int              `json:"ssh,omitempty"`
	VNC            *int              `json:"vnc,omitempty"`
	Screenshare    *int              `json:"screenshare,omitempty"`
	Status         string            `json:"status"`
	CPU            int               `json:"cpu,omitempty"`
	Memory         string            `json:"memory,omitempty"` // quantity such as "4.80Gi"
	Image          string            `json:"image,omitempty"`
	VMConfig       string            `json:"vmConfig,omitempty"` // ASSUMED on items
	DeployDate     string            `json:"deployDate,omitempty"`
	GPUPassthrough bool              `json:"gpuPassthrough,omitempty"`
	CustomMetadata map[string]string `json:"customMetadata,omitempty"`
	Type           string            `json:"type,omitempty"`
	PortWarnings   string            `json:"portWarnings,omitempty"`
}

// ServiceAccount is one item of the service-account list (shape ASSUMED).
type ServiceAccount struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// TokenRequest asks for a service-account token. The zero value sends "{}", the documented
// request for Orka's default one-year token. Field names ASSUMED.
type TokenRequest struct {
	Duration     string `json:"duration,omitempty"` // Go duration string, e.g. "720h"
	NoExpiration bool   `json:"noExpiration,omitempty"`
}

// RegistryCredential is one item of a namespace's registry-credential list. Passwords are
// never returned.
type RegistryCredential struct {
	Server        string `json:"server"`
	Username      string `json:"username"`
	AllowInsecure bool   `json:"allowInsecure"`
}

// RegistryCredentialInput is the body of .../registrycredentials/add.
type RegistryCredentialInput struct {
	Server        string `json:"server"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	AllowInsecure bool   `json:"allowInsecure"`
	Replace       bool   `json:"replace"`
}

// Namespace is one Orka namespace.
type Namespace struct {
	Name       string `json:"name"`
	CustomPods bool   `json:"customPods"`
}

// RoleBindingSubject is one subject of a namespace's orka-dev role binding (listing ASSUMED).
// Kind is SubjectKindUser or SubjectKindServiceAccount (spellings in wire.go).
type RoleBindingSubject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// ServiceAccountRef names a service account in a subjects add/remove body.
type ServiceAccountRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// SubjectsChange is the body of .../rolebindings/orka-dev/subjects/add and /remove.
type SubjectsChange struct {
	Users           []string            `json:"users,omitempty"`
	ServiceAccounts []ServiceAccountRef `json:"serviceaccounts,omitempty"`
}

// Node is one item of GET .../nodes. The IP comes as nodeIP (the API notes, the Jenkins
// plugin) or ip (the GitHub Actions integration); ListNodes fills each from the other.
type Node struct {
	Name              string   `json:"name"`
	Namespace         string   `json:"namespace"`
	NodeIP            string   `json:"nodeIP"`
	IP                string   `json:"ip,omitempty"`
	AvailableCPU      int      `json:"availableCpu"`
	AllocatableCPU    int      `json:"allocatableCpu"`
	AvailableMemory   string   `json:"availableMemory"`
	AllocatableMemory string   `json:"allocatableMemory"`
	AvailableGPU      int      `json:"availableGpu"`
	AllocatableGPU    int      `json:"allocatableGpu"`
	NodeType          string   `json:"nodeType"`
	Phase             string   `json:"phase"`
	OrkaTags          []string `json:"orkaTags"`
	Arch              string   `json:"arch,omitempty"` // ASSUMED
}

// Image is one item of GET .../images.
type Image struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	// State is ImageStateUpdating, ImageStateReady or ImageStateFailed; empty when Orka does
	// not say, which is read as Ready (images listed before any save). [ASSUMED field name]
	State string `json:"state,omitempty"`
	// ErrorMessage says why the last operation on the image failed. [ASSUMED field name]
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// ImageCache is one cached image and its per-node status (REST shape ASSUMED).
type ImageCache struct {
	Image string           `json:"image"`
	Nodes []ImageCacheNode `json:"nodes"`
}

// ImageCacheNode is the cache state of one image on one node.
type ImageCacheNode struct {
	Node string `json:"node"`
	// Status is CacheStatusCaching, CacheStatusReady, CacheStatusFailed or CacheStatusRemoving
	// whatever letter case Orka used (NormalizeCacheStatus); a status this client does not know
	// is kept as sent.
	Status string `json:"status"`
}

// ImageCacheRequest selects the nodes of an image-cache add or remove: exactly one of Nodes,
// Tags (the nodes that carry ALL of these tags) or All. Image goes into the path of the
// documented routes and into the body of the older ones (wire.go).
type ImageCacheRequest struct {
	Image string   `json:"image"`
	Nodes []string `json:"nodes,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	All   bool     `json:"all,omitempty"`
}

// ImageCacheResult is what Orka said about one node in the 207 Multi-Status answer of an
// image-cache add or remove (shape ASSUMED, decodeImageCacheResults). Failed tells a node on
// which the operation failed.
type ImageCacheResult struct {
	Node string `json:"node"`
	// Code is the node's own HTTP status code, 0 when Orka gave none.
	Code int `json:"code,omitempty"`
	// Status is normalised as ImageCacheNode.Status is (Removing and Failed during a removal).
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}
