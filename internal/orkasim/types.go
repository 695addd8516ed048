package orkasim

import "time"

// Options configures a simulator. The zero value is a usable 4-node cluster.
type Options struct {
	// AdminToken is the administrator's bearer token; "" picks a random 32-byte hex token.
	AdminToken string
	// Nodes is the number of Apple-silicon nodes mini-arm-1..N; 0 means 4.
	Nodes int
	// DeployDelay is how long a scheduled deploy stays Pending before it is Running.
	DeployDelay time.Duration
	// Minute is the length of one minute of a deploy's `timeout`; 0 means time.Minute.
	// Tests shrink it so that the Pending-then-timeout path is fast.
	Minute time.Duration
	// CacheDelay is how long an image cache stays Caching on a node before it is Ready.
	CacheDelay time.Duration
	// CacheRemoveDelay is how long a removal shows Removing on a node before the entry is gone;
	// 0 means CacheDelay.
	CacheRemoveDelay time.Duration
	// GPUPassthrough is cluster-info's gpuPassthroughEnabled; when false, requests that ask
	// for GPU passthrough are refused with 400.
	GPUPassthrough bool
	// Now is the clock for token iat/exp and expiry checks; nil means time.Now.
	Now func() time.Time
	// Latency delays every /api/ answer by this much (plus up to LatencyJitter more, chosen
	// at random per request), so that a run far from the cluster, such as one in Terraform
	// Cloud, can be measured against the simulator. The control routes under /_sim/ are not
	// delayed.
	Latency       time.Duration
	LatencyJitter time.Duration

	// SmallTeamsAdmin, "namespace/name", names the admin service account of Orka Small Teams,
	// whose tokens act as an administrator on every route (namespaces, service accounts and
	// tokens, role bindings, registry credentials, nodes, anyone's VMs and VM configs). The
	// account (and its namespace) is created in the seeded state when missing, and a
	// service-account token is minted for it at once: SmallTeamsAdminToken. "" means none.
	// New panics on a malformed value; Options.Validate reports it.
	SmallTeamsAdmin string

	// EKSCluster, when set, makes the simulator accept EKS IAM tokens (as Orka on AWS does,
	// orka-api.md §10) signed for this EKS cluster name by one of EKSIdentities, each acting as
	// the user it maps to. No AWS service is called: the simulator checks the signature with
	// the identity's secret key. POST /_sim/eks changes both at run time.
	EKSCluster    string
	EKSIdentities []EKSIdentity

	// The variants below choose among answers MacStadium documents nothing about, so that a
	// client can be tested against each (see Variants; SetVariants changes them at run time).

	// OmitVMCustomMetadata: VM get and list items carry no customMetadata field at all.
	OmitVMCustomMetadata bool
	// SparseVMItems: VM get and list items carry no namespace, vmConfig or type.
	SparseVMItems bool
	// LegacyImageCache: of the documented .../cache/images family only .../{image}/remove is
	// served; add, read and list exist only on the older .../imagecache routes.
	LegacyImageCache bool
}

// Variants are the switches of Options that choose among answers MacStadium documents
// nothing about. POST /_sim/variants takes them as JSON under the same names.
type Variants struct {
	OmitVMCustomMetadata bool `json:"omitVMCustomMetadata"`
	SparseVMItems        bool `json:"sparseVMItems"`
	LegacyImageCache     bool `json:"legacyImageCache"`
}

// ClusterInfo is GET /api/v1/cluster-info.
type ClusterInfo struct {
	APIDomain             string `json:"apiDomain"`
	APIEndpoint           string `json:"apiEndpoint"`
	AppClientID           string `json:"appClientId"`
	BaseOAuthEndpoint     string `json:"baseOauthEndpoint"`
	CertData              string `json:"certData"`
	GPUPassthroughEnabled bool   `json:"gpuPassthroughEnabled"`
}

// VMConfig is a VM template as the simulator returns it, with defaults filled in.
type VMConfig struct {
	Name           string  `json:"name"`
	Image          string  `json:"image"`
	CPU            int     `json:"cpu"`
	Memory         float64 `json:"memory"`
	Tag            string  `json:"tag,omitempty"`
	TagRequired    bool    `json:"tagRequired"`
	Scheduler      string  `json:"scheduler"`
	NetBoost       bool    `json:"netBoost"`
	LegacyIO       bool    `json:"legacyIO"`
	GPUPassthrough bool    `json:"gpuPassthrough"`
	VNCConsole     bool    `json:"vncConsole"`
	DisplayWidth   int     `json:"displayWidth,omitempty"`
	DisplayHeight  int     `json:"displayHeight,omitempty"`
	DisplayDPI     int     `json:"displayDPI,omitempty"`
	NodeName       string  `json:"nodeName,omitempty"`
	Type           string  `json:"type"`
}

// vmConfigInput is the create body; pointers tell "omitted" from a zero value.
type vmConfigInput struct {
	Name           string   `json:"name"`
	Image          string   `json:"image"`
	CPU            *int     `json:"cpu"`
	Memory         *float64 `json:"memory"`
	Tag            string   `json:"tag"`
	TagRequired    bool     `json:"tagRequired"`
	Scheduler      string   `json:"scheduler"`
	NetBoost       bool     `json:"netBoost"`
	LegacyIO       bool     `json:"legacyIO"`
	GPUPassthrough bool     `json:"gpuPassthrough"`
	VNCConsole     *bool    `json:"vncConsole"`
	DisplayWidth   int      `json:"displayWidth"`
	DisplayHeight  int      `json:"displayHeight"`
	DisplayDPI     int      `json:"displayDPI"`
	NodeName       string   `json:"nodeName"`
}

// deployInput is the body of POST .../vms.
type deployInput struct {
	Name           string            `json:"name"`
	VMConfig       string            `json:"vmConfig"`
	Image          string            `json:"image"`
	CPU            *int              `json:"cpu"`
	Memory         *float64          `json:"memory"`
	Node           string            `json:"node"`
	Scheduler      string            `json:"scheduler"`
	Tag            string            `json:"tag"`
	TagRequired    *bool             `json:"tagRequired"`
	NetBoost       *bool             `json:"netBoost"`
	LegacyIO       *bool             `json:"legacyIO"`
	GPUPassthrough *bool             `json:"gpuPassthrough"`
	VNCConsole     *bool             `json:"vncConsole"`
	ReservedPorts  string            `json:"reservedPorts"`
	CustomMetadata map[string]string `json:"customMetadata"`
	Timeout        *int              `json:"timeout"`
	DisplayWidth   *int              `json:"displayWidth"`
	DisplayHeight  *int              `json:"displayHeight"`
	DisplayDPI     *int              `json:"displayDPI"`
	// ShouldGenerateName makes Name a prefix to which the server appends a unique suffix
	// (the Jenkins plugin sends it; the orka3 CLI's --generate-name).
	ShouldGenerateName bool `json:"shouldGenerateName"`
}

// nodeNamespaceInput is the body of POST .../nodes/{node}/namespace.
type nodeNamespaceInput struct {
	Namespace string `json:"namespace"`
}

// nodeTagInput is the body of POST .../nodes/{node}/tag and .../untag.
type nodeTagInput struct {
	Tag string `json:"tag"`
}

// VM statuses.
const (
	StatusRunning = "Running"
	StatusPending = "Pending"
	StatusFailed  = "Failed"
)

// DeployResponse is the answer of a deploy (POST .../vms). It carries only what the API quick
// start's real answer and the GitHub Actions integration's deploy-response model show [DOC:
// orka-api.md §5]: no cpu, customMetadata, image, vmConfig, deployDate, type, namespace or
// gpuPassthrough. A client reads the VM back (GET) for those. Memory is the quantity string
// of the VM shape, e.g. "8.10Gi".
type DeployResponse struct {
	Name         string `json:"name"`
	Node         string `json:"node"`
	Memory       string `json:"memory"`
	IP           string `json:"ip"`
	SSH          *int   `json:"ssh"`
	VNC          *int   `json:"vnc"`
	Screenshare  *int   `json:"screenshare"`
	Status       string `json:"status"`
	PortWarnings string `json:"portWarnings,omitempty"`
}

// VM is a deployed VM as list and get items show it (see Variants for the fields a cluster
// may leave out) and as Snapshot holds it.
type VM struct {
	Name           string            `json:"name"`
	Namespace      string            `json:"namespace"`
	Node           string            `json:"node,omitempty"`
	IP             string            `json:"ip,omitempty"`
	SSH            *int              `json:"ssh"`
	VNC            *int              `json:"vnc"`
	Screenshare    *int              `json:"screenshare"`
	Status         string            `json:"status"`
	CPU            int               `json:"cpu"`
	Memory         string            `json:"memory"`
	Image          string            `json:"image"`
	VMConfig       string            `json:"vmConfig,omitempty"`
	DeployDate     string            `json:"deployDate,omitempty"`
	GPUPassthrough bool              `json:"gpuPassthrough"`
	CustomMetadata map[string]string `json:"customMetadata"`
	Type           string            `json:"type"`
	PortWarnings   string            `json:"portWarnings,omitempty"`
}

// ServiceAccount is one item of the service-account list.
type ServiceAccount struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type tokenInput struct {
	Duration     string `json:"duration"`
	NoExpiration bool   `json:"noExpiration"`
}

// TokenResponse answers POST .../serviceaccounts/{name}/token.
type TokenResponse struct {
	Token string `json:"token"`
}

// RegistryCredential is one registry credential. Password is kept for Snapshot only and is
// never serialised: the API never returns passwords.
type RegistryCredential struct {
	Server        string `json:"server"`
	Username      string `json:"username"`
	Password      string `json:"-"`
	AllowInsecure bool   `json:"allowInsecure"`
}

type registryCredentialInput struct {
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

type namespaceInput struct {
	Name             string `json:"name"`
	EnableCustomPods bool   `json:"enableCustomPods"`
}

// Subject kinds of a role binding.
const (
	KindUser           = "User"
	KindServiceAccount = "ServiceAccount"
)

// Subject is one subject of a namespace's orka-dev role binding.
type Subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

type subjectsInput struct {
	Users           []string         `json:"users"`
	ServiceAccounts []ServiceAccount `json:"serviceaccounts"`
}

// Node is one item of GET .../nodes.
type Node struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// The node's IP is sent under both names MacStadium's clients read: the Jenkins plugin
	// reads nodeIP, the GitHub Actions integration ip.
	NodeIP            string   `json:"nodeIP"`
	IP                string   `json:"ip"`
	AvailableCPU      int      `json:"availableCpu"`
	AllocatableCPU    int      `json:"allocatableCpu"`
	AvailableMemory   string   `json:"availableMemory"`
	AllocatableMemory string   `json:"allocatableMemory"`
	AvailableGPU      int      `json:"availableGpu"`
	AllocatableGPU    int      `json:"allocatableGpu"`
	NodeType          string   `json:"nodeType"`
	Phase             string   `json:"phase"`
	OrkaTags          []string `json:"orkaTags"`
	Arch              string   `json:"arch"`
}

// Image is one item of GET .../images.
type Image struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	// State is ImageUpdating while a save writes the image, then ImageReady or ImageFailed.
	State        string `json:"state"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// imageDescriptionInput is the body of POST .../images/{name}/description. [ASSUMED body;
// the route is DOC: the 2.4 to 3.0 API mapping] A missing description is refused; "" clears it.
type imageDescriptionInput struct {
	Description *string `json:"description"`
}

// imageCopyInput is the body of POST .../images/{name}/copy. [ASSUMED body; the route is DOC:
// the 2.4 to 3.0 API mapping] Without a description the copy keeps the source's.
type imageCopyInput struct {
	NewName     string  `json:"newName"`
	Description *string `json:"description"`
}

// Image-cache statuses of one node. Removing (a removal in progress) and Failed after a
// removal (the image stays cached; retry) are DOC: the orka3 CLI reference.
const (
	CacheCaching  = "Caching"
	CacheReady    = "Ready"
	CacheFailed   = "Failed"
	CacheRemoving = "Removing"
)

// Statuses that only a node's entry of an add or remove answer (ImageCacheNodeResult) shows.
const (
	// CacheNotCached: a removal from a node that does not cache the image does nothing
	// [DOC: the CLI reference, "a no-op"].
	CacheNotCached = "NotCached"
	// CacheRemoved: a removal from a node that no longer exists cleaned its entry up at once
	// [DOC: the CLI reference].
	CacheRemoved = "Removed"
)

// ImageCache is one cached image and its per-node status.
type ImageCache struct {
	Image string           `json:"image"`
	Nodes []ImageCacheNode `json:"nodes"`
}

// ImageCacheNode is the cache state of one image on one node.
type ImageCacheNode struct {
	Node   string `json:"node"`
	Status string `json:"status"`
}

// cacheSelector picks the nodes of an image-cache add or remove: exactly one of nodes, tags
// (nodes that carry every tag given [DOC: the CLI reference]) or all. It is the whole body of
// the documented .../cache/images/{image}/add and /remove [ASSUMED for add, by analogy].
type cacheSelector struct {
	Nodes []string `json:"nodes"`
	Tags  []string `json:"tags"`
	All   bool     `json:"all"`
}

// imageCacheInput is the body of the older .../imagecache/add and /remove: the image and a
// selector (ASSUMED, superseded).
type imageCacheInput struct {
	Image string `json:"image"`
	cacheSelector
}

// ImageCacheMultiStatus is the 207 Multi-Status answer of .../cache/images/{image}/add and
// /remove: one item per targeted node. The 207 of remove is DOC (the CLI reference); the 207
// of add and this body's shape are ASSUMED, and this type is the one place that says so.
type ImageCacheMultiStatus struct {
	Items []ImageCacheNodeResult `json:"items"`
}

// ImageCacheNodeResult is what an add or remove did on one node. Code is an HTTP status:
// 202 Caching or Removing (started), 200 Ready, NotCached or Removed (nothing left to do),
// 409 when the node's entry is in the other operation.
type ImageCacheNodeResult struct {
	Node    string `json:"node"`
	Code    int    `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// list is the {"items": [...]} envelope of every list answer.
type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}

// UpgradeRequest is the body of POST /_sim/upgrade. Maintenance is a Go duration string.
type UpgradeRequest struct {
	Type        string `json:"type"`
	VMs         string `json:"vms"`
	Maintenance string `json:"maintenance"`
}

// UpgradeResult says what an upgrade wiped. Names are "namespace/name" and
// "namespace/server".
type UpgradeResult struct {
	DeletedVMs                 []string `json:"deletedVMs"`
	RemovedRegistryCredentials []string `json:"removedRegistryCredentials"`
	ClearedImageCaches         int      `json:"clearedImageCaches"`
	InvalidatedTokens          int      `json:"invalidatedTokens"`
}

// Fault makes the next Count (0 means 1) /api/ requests that match Method ("" = any) and
// Path (exact, or a prefix when it ends in "*") fail with Status, wait Delay first, or, with
// DropResponse, be carried out and then answered by closing the connection.
//
// After lets the first After matching requests through untouched before the fault starts to
// fire, so that a fault can hit, say, the third poll of a VM rather than the first.
//
// Maintenance and RevokeToken start something that outlasts the request, as when a
// maintenance window or a token revocation begins in the middle of an apply: when the fault
// fires, the request is handled first (carried out, or answered with Status when one is
// set), and then a maintenance window of that length begins (every /api/ route answers 503
// with Retry-After until it ends or Maintenance(0) ends it), and the admin token is refused
// on /api/ routes (401) until RevokeAdminToken(false). The /_sim/ routes keep accepting it.
type Fault struct {
	Method       string `json:"method"`
	Path         string `json:"path"`
	Status       int    `json:"status"`
	Count        int    `json:"count"`
	After        int    `json:"after,omitempty"`
	RetryAfter   string `json:"retryAfter"`
	Delay        string `json:"delay"`
	DropResponse bool   `json:"dropResponse"`
	Maintenance  string `json:"maintenance,omitempty"`
	RevokeToken  bool   `json:"revokeToken,omitempty"`
	// For makes the fault a burst: from the first matching request on, every matching request
	// fails for this long (a Go duration, or whole seconds), whatever Count says.
	For string `json:"for,omitempty"`
	// Uncache: before the request is carried out, the image cache its path names
	// (/api/v1/namespaces/{ns}/cache/images/{image}...) is gone from every node, as an upgrade
	// or someone else's removal would leave it. With no status, the request then runs as usual.
	Uncache bool `json:"uncache,omitempty"`
}

// RequestRecord is one /api/ request in the log. Status is 0 while the request is in flight.
type RequestRecord struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// Snapshot is a deep copy of the simulator's state for tests.
type Snapshot struct {
	VMConfigs           map[string]VMConfig                      // by name
	VMs                 map[string]map[string]VM                 // namespace -> name
	ServiceAccounts     map[string][]string                      // namespace -> sorted names
	RegistryCredentials map[string]map[string]RegistryCredential // namespace -> server
	Namespaces          map[string]Namespace                     // by name
	Subjects            map[string][]Subject                     // namespace -> orka-dev subjects
	ImageCaches         map[string]map[string]map[string]string  // namespace -> image -> node -> status
	Nodes               map[string]Node                          // by name
	ValidTokens         int                                      // service-account tokens that would be accepted now
	VMOwners            map[string]map[string]string             // namespace -> VM name -> subject that deployed it
	VMConfigOwners      map[string]string                        // VM config name -> subject that created it
	Images              map[string]Image                         // local images, by name
}
