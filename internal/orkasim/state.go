package orkasim

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

const (
	defaultNamespace = "orka-default"
	devBinding       = "orka-dev"
	nodeCPU          = 12
	nodeMemoryGiB    = 32.0
	maxVMsPerNode    = 2
)

// state is everything a Reset puts back.
type state struct {
	namespaces map[string]*nsState
	vmConfigs  map[string]*vmConfigRec
	nodes      []*nodeState
	images     []Image
	tokens     map[string]*tokenRec // by the whole token string
	saves      map[string]*saveRec  // images being saved, by image name
	pushJobs   []PushJob
	// failRemoval names the nodes whose next image-cache removal ends Failed
	// (FailNextCacheRemoval).
	failRemoval map[string]bool
	users       map[string]*userRec      // by name
	userTokens  map[string]*userTokenRec // by the whole token string; upgrades keep them
}

type nsState struct {
	name       string
	customPods bool
	vms        map[string]*vmState
	accounts   map[string]bool
	creds      map[string]RegistryCredential // by server
	subjects   []Subject                     // of the orka-dev binding
	caches     map[string]map[string]*cacheEntry
}

type vmConfigRec struct {
	cfg       VMConfig
	rawMemory float64 // as given, rounded; 0 means "derived from cpu" on deploy too
	owner     string  // the subject that created it (principal.subject)
}

type nodeState struct {
	name      string
	namespace string // the namespace whose VMs it runs; every node starts in orka-default
	ip        string
	tags      []string
	phase     string
}

type vmState struct {
	vm     VM // the public view; SSH/VNC/Screenshare are set when Running
	cpu    int
	memory float64
	node   string // assigned node: capacity is reserved from scheduling on
	owner  string // the subject that deployed it (principal.subject)

	pin           string
	tag           string
	tagRequired   bool
	scheduler     string
	vncConsole    bool
	reservedPorts string
}

type tokenRec struct {
	ns, sa string
	exp    time.Time
	noExp  bool
}

func newNamespace(name string, customPods bool) *nsState {
	return &nsState{
		name:       name,
		customPods: customPods,
		vms:        map[string]*vmState{},
		accounts:   map[string]bool{},
		creds:      map[string]RegistryCredential{},
		subjects:   []Subject{},
		caches:     map[string]map[string]*cacheEntry{},
	}
}

// newState is the seeded cluster.
func newState(nodes int) *state {
	st := &state{
		namespaces:  map[string]*nsState{defaultNamespace: newNamespace(defaultNamespace, false)},
		vmConfigs:   map[string]*vmConfigRec{},
		tokens:      map[string]*tokenRec{},
		saves:       map[string]*saveRec{},
		failRemoval: map[string]bool{},
		users:       map[string]*userRec{},
		userTokens:  map[string]*userTokenRec{},
		images: []Image{
			{Name: "90gbsonomassd.orkasi", Description: "macOS Sonoma 14, 90 GB SSD", Type: "arm64", State: ImageReady},
			{Name: "90gbventurassd.orkasi", Description: "macOS Ventura 13, 90 GB SSD", Type: "arm64", State: ImageReady},
			{Name: "sequoia.orkasi", Description: "macOS Sequoia 15", Type: "arm64", State: ImageReady},
		},
	}
	for i := 1; i <= nodes; i++ {
		st.nodes = append(st.nodes, &nodeState{
			name:      fmt.Sprintf("mini-arm-%d", i),
			namespace: defaultNamespace,
			ip:        fmt.Sprintf("10.221.188.%d", 10+i),
			tags:      []string{},
			phase:     "READY",
		})
	}
	return st
}

func (st *state) node(name string) *nodeState {
	for _, n := range st.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// image finds an image, with the state of a save brought up to date.
func (st *state) image(name string) *Image {
	st.settleSaves()
	return st.imageRaw(name)
}

func (st *state) imageRaw(name string) *Image {
	for i := range st.images {
		if st.images[i].Name == name {
			return &st.images[i]
		}
	}
	return nil
}

// allVMs lists every VM in sorted namespace/name order.
func (st *state) allVMs() []*vmState {
	var out []*vmState
	for _, ns := range slices.Sorted(maps.Keys(st.namespaces)) {
		vms := st.namespaces[ns].vms
		for _, n := range slices.Sorted(maps.Keys(vms)) {
			out = append(out, vms[n])
		}
	}
	return out
}

// usage is what the VMs assigned to a node take from it. Failed VMs take nothing.
type usage struct {
	vms    int
	cpu    int
	memory float64
}

func (st *state) usage() map[string]usage {
	u := map[string]usage{}
	for _, ns := range st.namespaces {
		for _, vm := range ns.vms {
			if vm.node == "" || vm.vm.Status == StatusFailed {
				continue
			}
			x := u[vm.node]
			x.vms++
			x.cpu += vm.cpu
			x.memory += vm.memory
			u[vm.node] = x
		}
	}
	return u
}

func (st *state) nodeView(n *nodeState, u usage) Node {
	return Node{
		Name:              n.name,
		Namespace:         n.namespace,
		NodeIP:            n.ip,
		IP:                n.ip,
		AvailableCPU:      nodeCPU - u.cpu,
		AllocatableCPU:    nodeCPU,
		AvailableMemory:   fmt.Sprintf("%.2fG", nodeMemoryGiB-u.memory),
		AllocatableMemory: fmt.Sprintf("%.2fG", nodeMemoryGiB),
		AvailableGPU:      0,
		AllocatableGPU:    0,
		NodeType:          "WORKER",
		Phase:             n.phase,
		OrkaTags:          append([]string{}, n.tags...),
		Arch:              "arm64",
	}
}

// schedule picks a node for vm, or nil when none fits now. A node fits when it belongs to the
// VM's namespace, is READY, runs fewer than 2 VMs and has the CPU and memory free.
func (st *state) schedule(vm *vmState) *nodeState {
	u := st.usage()
	const eps = 1e-9
	var fits, tagged []*nodeState
	for _, n := range st.nodes {
		x := u[n.name]
		if n.namespace != vm.vm.Namespace {
			continue
		}
		if n.phase != "READY" || x.vms >= maxVMsPerNode || nodeCPU-x.cpu < vm.cpu || nodeMemoryGiB-x.memory+eps < vm.memory {
			continue
		}
		if vm.pin != "" && n.name != vm.pin {
			continue
		}
		hasTag := vm.tag != "" && slices.Contains(n.tags, vm.tag)
		if vm.tag != "" && vm.tagRequired && !hasTag {
			continue
		}
		fits = append(fits, n)
		if hasTag {
			tagged = append(tagged, n)
		}
	}
	if len(tagged) > 0 {
		fits = tagged // a tag without tagRequired only prefers its nodes
	}
	if len(fits) == 0 {
		return nil
	}
	free := func(n *nodeState) float64 {
		x := u[n.name]
		return float64(nodeCPU-x.cpu) + (nodeMemoryGiB-x.memory)/100 - float64(x.vms)/1000
	}
	sort.SliceStable(fits, func(i, j int) bool {
		if vm.scheduler == "most-allocated" {
			return free(fits[i]) < free(fits[j])
		}
		return free(fits[i]) > free(fits[j])
	})
	return fits[0]
}

// canUseNamespaceLocked: an administrator may use every namespace; a service account its own
// namespace and every namespace whose orka-dev binding names it; a user every namespace whose
// orka-dev binding names it as a User subject.
func (st *state) canUseNamespaceLocked(p principal, ns string) bool {
	if p.admin || (p.sa != "" && p.ns == ns) {
		return true
	}
	n := st.namespaces[ns]
	if n == nil {
		return false
	}
	for _, sub := range n.subjects {
		switch {
		case p.sa != "" && sub.Kind == KindServiceAccount && sub.Name == p.sa && sub.Namespace == p.ns:
			return true
		case p.user != "" && sub.Kind == KindUser && sub.Name == p.user:
			return true
		}
	}
	return false
}

// validTokenLocked returns the record of a service-account token that is accepted now.
func (s *Server) validTokenLocked(tok string) *tokenRec {
	t := s.st.tokens[tok]
	if t == nil {
		return nil
	}
	if !t.noExp && !s.now().Before(t.exp) {
		return nil
	}
	ns := s.st.namespaces[t.ns]
	if ns == nil || !ns.accounts[t.sa] {
		return nil
	}
	return t
}

func (s *Server) validTokenCountLocked() int {
	n := 0
	for tok := range s.st.tokens {
		if s.validTokenLocked(tok) != nil {
			n++
		}
	}
	return n
}

// TokenValid reports whether a bearer token (the admin's, a service account's or a user's)
// would be accepted now.
func (s *Server) TokenValid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token == s.admin {
		return !s.adminRevoked
	}
	return s.validTokenLocked(token) != nil || s.validUserTokenLocked(token) != nil
}

// wakeLocked tells waiting deploys that capacity or a VM changed.
func (s *Server) wakeLocked() {
	close(s.capCh)
	s.capCh = make(chan struct{})
}

// Reset puts the seeded state back and clears faults, maintenance, an admin-token revocation
// and the request log. Users are dropped. The admin token, the variants and the Small Teams
// admin's token (valid again) stay. Deploys in flight end with an error (their VM is gone).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = s.seed()
	s.faults = nil
	s.log = nil
	s.maintUntil = time.Time{}
	s.adminRevoked = false
	s.wakeLocked()
}

// SetVMStatus changes a VM's status out of band (e.g. to Failed). Failed VMs free their node.
func (s *Server) SetVMStatus(namespace, name, status string) error {
	switch status {
	case StatusRunning, StatusPending, StatusFailed:
	default:
		return fmt.Errorf("invalid VM status %q: must be Running, Pending or Failed", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.st.namespaces[namespace]
	if ns == nil {
		return fmt.Errorf("namespace %q not found", namespace)
	}
	vm := ns.vms[name]
	if vm == nil {
		return fmt.Errorf("VM %q not found in namespace %q", name, namespace)
	}
	vm.vm.Status = status
	s.wakeLocked()
	return nil
}

// SetImageCacheStatus sets the cache status of an image on a node out of band. The status
// then stays as set (a Caching set here does not turn Ready by itself, nor does a Removing
// set here end).
func (s *Server) SetImageCacheStatus(namespace, image, node, status string) error {
	switch status {
	case CacheCaching, CacheReady, CacheFailed, CacheRemoving:
	default:
		return fmt.Errorf("invalid image-cache status %q: must be Caching, Ready, Failed or Removing", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.st.namespaces[namespace]
	if ns == nil {
		return fmt.Errorf("namespace %q not found", namespace)
	}
	if s.st.node(node) == nil {
		return fmt.Errorf("node %q not found", node)
	}
	if ns.caches[image] == nil {
		ns.caches[image] = map[string]*cacheEntry{}
	}
	ns.caches[image][node] = &cacheEntry{status: status}
	return nil
}

// SetNodeTags replaces a node's orkaTags out of band, as an admin's orka3 node tag/untag would.
func (s *Server) SetNodeTags(node string, tags ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.st.node(node)
	if n == nil {
		return fmt.Errorf("node %q not found", node)
	}
	n.tags = append([]string{}, tags...)
	s.wakeLocked()
	return nil
}

// MoveNode puts a node into another namespace out of band, as an admin's
// `orka3 node namespace` would, with the same rule as the API route: the node must run no VM.
func (s *Server) MoveNode(node, namespace string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.st.node(node)
	if n == nil {
		return fmt.Errorf("node %q not found", node)
	}
	if err := s.moveNodeLocked(n, namespace); err != nil {
		return err
	}
	return nil
}

// RemoveNode takes a node out of the cluster, as when a machine is decommissioned; it must run
// no VM. Image-cache entries of the node stay behind until a removal cleans them up, as the
// CLI reference describes for nodes that no longer exist. Reset brings the node back.
func (s *Server) RemoveNode(node string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.node(node) == nil {
		return fmt.Errorf("node %q not found", node)
	}
	if vms := s.st.vmsOnNodeLocked(node); len(vms) > 0 {
		return fmt.Errorf("node %q runs %d VM(s): %s; delete them first", node, len(vms), strings.Join(vms, ", "))
	}
	s.st.nodes = slices.DeleteFunc(s.st.nodes, func(n *nodeState) bool { return n.name == node })
	delete(s.st.failRemoval, node)
	s.wakeLocked()
	return nil
}

// SetNodePhase sets a node's phase, "READY" or "NOT READY"; only READY nodes take VMs.
func (s *Server) SetNodePhase(node, phase string) error {
	if phase != "READY" && phase != "NOT READY" {
		return fmt.Errorf("invalid node phase %q: must be READY or NOT READY", phase)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.st.node(node)
	if n == nil {
		return fmt.Errorf("node %q not found", node)
	}
	n.phase = phase
	s.wakeLocked()
	return nil
}

// Snapshot returns a deep copy of the state.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	snap := Snapshot{
		VMConfigs:           map[string]VMConfig{},
		VMs:                 map[string]map[string]VM{},
		ServiceAccounts:     map[string][]string{},
		RegistryCredentials: map[string]map[string]RegistryCredential{},
		Namespaces:          map[string]Namespace{},
		Subjects:            map[string][]Subject{},
		ImageCaches:         map[string]map[string]map[string]string{},
		Nodes:               map[string]Node{},
		ValidTokens:         s.validTokenCountLocked(),
		VMOwners:            map[string]map[string]string{},
		VMConfigOwners:      map[string]string{},
		Images:              map[string]Image{},
	}
	for _, img := range s.st.images {
		snap.Images[img.Name] = img
	}
	for name, c := range s.st.vmConfigs {
		snap.VMConfigs[name] = c.cfg
		snap.VMConfigOwners[name] = c.owner
	}
	u := s.st.usage()
	for _, n := range s.st.nodes {
		snap.Nodes[n.name] = s.st.nodeView(n, u[n.name])
	}
	for name, ns := range s.st.namespaces {
		snap.Namespaces[name] = Namespace{Name: name, CustomPods: ns.customPods}
		vms := map[string]VM{}
		owners := map[string]string{}
		for vn, vm := range ns.vms {
			vms[vn] = vm.view()
			owners[vn] = vm.owner
		}
		snap.VMs[name] = vms
		snap.VMOwners[name] = owners
		snap.ServiceAccounts[name] = slices.Sorted(maps.Keys(ns.accounts))
		if snap.ServiceAccounts[name] == nil {
			snap.ServiceAccounts[name] = []string{}
		}
		snap.RegistryCredentials[name] = maps.Clone(ns.creds)
		snap.Subjects[name] = append([]Subject{}, ns.subjects...)
		ns.settleCaches(now)
		caches := map[string]map[string]string{}
		for img, nodes := range ns.caches {
			m := map[string]string{}
			for node, e := range nodes {
				m[node] = e.status
			}
			caches[img] = m
		}
		snap.ImageCaches[name] = caches
	}
	return snap
}

// view is a copy of the public VM, safe to use without the lock.
func (vm *vmState) view() VM {
	v := vm.vm
	v.SSH = copyInt(v.SSH)
	v.VNC = copyInt(v.VNC)
	v.Screenshare = copyInt(v.Screenshare)
	v.CustomMetadata = maps.Clone(v.CustomMetadata)
	if v.CustomMetadata == nil {
		v.CustomMetadata = map[string]string{}
	}
	return v
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
