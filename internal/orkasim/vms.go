package orkasim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

func (s *Server) listVMs(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	v := s.Variants()
	out := []vmItem{}
	for _, name := range slices.Sorted(maps.Keys(ns.vms)) {
		out = append(out, ns.vms[name].item(v))
	}
	return http.StatusOK, listOf(out), nil
}

// vmItem is a VM as GET and list answer it, with the fields a variant leaves out absent from
// the JSON (not empty): a real cluster may omit namespace, vmConfig, customMetadata and type
// (orka-api.md §5: UNKNOWN beyond the quick start's list example).
type vmItem struct {
	Name           string             `json:"name"`
	Namespace      *string            `json:"namespace,omitempty"`
	Node           string             `json:"node,omitempty"`
	IP             string             `json:"ip,omitempty"`
	SSH            *int               `json:"ssh"`
	VNC            *int               `json:"vnc"`
	Screenshare    *int               `json:"screenshare"`
	Status         string             `json:"status"`
	CPU            int                `json:"cpu"`
	Memory         string             `json:"memory"`
	Image          string             `json:"image"`
	VMConfig       string             `json:"vmConfig,omitempty"`
	DeployDate     string             `json:"deployDate,omitempty"`
	GPUPassthrough bool               `json:"gpuPassthrough"`
	CustomMetadata *map[string]string `json:"customMetadata,omitempty"`
	Type           *string            `json:"type,omitempty"`
	PortWarnings   string             `json:"portWarnings,omitempty"`
}

// item is the VM as the variants v show it. The simulator keeps every field either way.
func (vm *vmState) item(v Variants) vmItem {
	x := vm.view()
	it := vmItem{
		Name: x.Name, Namespace: &x.Namespace, Node: x.Node, IP: x.IP, SSH: x.SSH, VNC: x.VNC,
		Screenshare: x.Screenshare, Status: x.Status, CPU: x.CPU, Memory: x.Memory, Image: x.Image,
		VMConfig: x.VMConfig, DeployDate: x.DeployDate, GPUPassthrough: x.GPUPassthrough,
		CustomMetadata: &x.CustomMetadata, Type: &x.Type, PortWarnings: x.PortWarnings,
	}
	if v.OmitVMCustomMetadata {
		it.CustomMetadata = nil
	}
	if v.SparseVMItems {
		it.Namespace, it.VMConfig, it.Type = nil, "", nil
	}
	return it
}

func (s *Server) getVM(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	vm := ns.vms[c.params["name"]]
	if vm == nil {
		return 0, nil, notFound("VM %q not found in namespace %q", c.params["name"], c.ns())
	}
	return http.StatusOK, vm.item(s.Variants()), nil
}

func (s *Server) deleteVM(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		return 0, nil, err
	}
	name := c.params["name"]
	vm := ns.vms[name]
	if vm == nil {
		return 0, nil, notFound("VM %q not found in namespace %q", name, c.ns())
	}
	if err := mayDelete(c.p, "VM", name, ns.name, vm.owner); err != nil {
		return 0, nil, err
	}
	delete(ns.vms, name)
	s.wakeLocked()
	return http.StatusOK, successStatus(fmt.Sprintf("VM %q deleted", name)), nil
}

// mayDelete: a principal that is not an administrator deletes only what it created [DOC:
// the access matrix of "Cluster Access Management: Overview", orka-api.md §5].
func mayDelete(p principal, kind, name, ns, owner string) error {
	if p.admin || p.subject == owner {
		return nil
	}
	return forbidden("%s cannot delete %s %q in namespace %q: it belongs to %s; only its owner or an administrator may delete it",
		p.subject, kind, name, ns, owner)
}

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// generatedName appends a random 5-character suffix to prefix ("vm-" when there is none),
// trimming the prefix so that the whole name fits in 63 characters, as Kubernetes does with
// generateName. ASSUMED: Orka joins a given name and its suffix with "-", as the orka3 CLI's
// --generate-name shows; Kubernetes itself adds no separator.
func generatedName(prefix string, taken map[string]*vmState) string {
	const suffixLen = 5
	switch {
	case prefix == "":
		prefix = "vm-"
	case !strings.HasSuffix(prefix, "-"):
		prefix += "-"
	}
	if len(prefix) > 63-suffixLen {
		prefix = prefix[:63-suffixLen]
	}
	for {
		if name := prefix + randomSuffix(suffixLen); taken[name] == nil {
			return name
		}
	}
}

// randomSuffix is n random lowercase letters and digits, as Kubernetes' generateName adds.
func randomSuffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = nameAlphabet[rand.IntN(len(nameAlphabet))]
	}
	return string(b)
}

// buildVM validates a deploy body against the namespace and the VM config it names and
// returns the Pending VM and its timeout in minutes.
func (s *Server) buildVM(ns *nsState, in deployInput) (*vmState, int, error) {
	if in.Name == "" || in.ShouldGenerateName {
		in.Name = generatedName(in.Name, ns.vms)
	}
	if err := validateVMName(in.Name); err != nil {
		return nil, 0, err
	}
	if in.VMConfig == "" && in.Image == "" {
		return nil, 0, invalid("vmConfig", "", "a vmConfig or an image is required")
	}
	// Start from the VM config, or from the defaults of an image-only deploy.
	base := VMConfig{CPU: 3, Scheduler: "default", VNCConsole: true}
	var rawMemory float64
	if in.VMConfig != "" {
		rec := s.st.vmConfigs[in.VMConfig]
		if rec == nil {
			return nil, 0, notFound("VM config %q not found", in.VMConfig)
		}
		base, rawMemory = rec.cfg, rec.rawMemory
	}
	if in.Image != "" {
		if err := s.st.validateImage("image", in.Image); err != nil {
			return nil, 0, err
		}
		base.Image = in.Image
	}
	vm := &vmState{
		cpu: base.CPU, pin: base.NodeName, tag: base.Tag, tagRequired: base.TagRequired,
		scheduler: base.Scheduler, vncConsole: base.VNCConsole, reservedPorts: in.ReservedPorts,
	}
	if in.CPU != nil {
		vm.cpu = *in.CPU
		rawMemory = 0 // a new cpu count derives a new memory size unless memory is given too
	}
	if vm.cpu < 2 {
		return nil, 0, invalid("cpu", vm.cpu, "must be at least 2")
	}
	if in.Memory != nil {
		if *in.Memory < 0 {
			return nil, 0, invalid("memory", *in.Memory, "must be at least 0 (0 derives it from cpu)")
		}
		if *in.Memory > 0 {
			rawMemory = roundMemory(*in.Memory) // 0 after rounding derives it, as 0 does
		}
	}
	vm.memory = rawMemory
	if vm.memory == 0 {
		vm.memory = derivedMemory(vm.cpu)
	}
	if in.Scheduler != "" {
		vm.scheduler = in.Scheduler
	}
	if err := validateScheduler(vm.scheduler); err != nil {
		return nil, 0, err
	}
	if in.Tag != "" {
		if len(in.Tag) > 32 {
			return nil, 0, invalid("tag", in.Tag, "must be 1 to 32 characters")
		}
		vm.tag = in.Tag
	}
	if in.TagRequired != nil {
		vm.tagRequired = *in.TagRequired
	}
	w, h, dpi := base.DisplayWidth, base.DisplayHeight, base.DisplayDPI
	for _, o := range []struct {
		dst *int
		src *int
	}{{&w, in.DisplayWidth}, {&h, in.DisplayHeight}, {&dpi, in.DisplayDPI}} {
		if o.src != nil {
			*o.dst = *o.src
		}
	}
	if err := validateDisplay(w, h, dpi); err != nil {
		return nil, 0, err
	}
	if in.Node != "" {
		vm.pin = in.Node
	}
	if vm.pin != "" {
		if n := s.st.node(vm.pin); n == nil || n.namespace != ns.name {
			return nil, 0, invalid("node", vm.pin, fmt.Sprintf("must be the name of a node in namespace %s", ns.name))
		}
	}
	if err := validateMetadata(in.CustomMetadata); err != nil {
		return nil, 0, err
	}
	if err := validateReservedPorts(in.ReservedPorts); err != nil {
		return nil, 0, err
	}
	timeout := 10
	if in.Timeout != nil {
		timeout = *in.Timeout
		if timeout < 1 {
			return nil, 0, invalid("timeout", timeout, "must be at least 1 (minutes)")
		}
	}
	gpu := base.GPUPassthrough
	if in.GPUPassthrough != nil {
		gpu = *in.GPUPassthrough
	}
	if in.VNCConsole != nil {
		vm.vncConsole = *in.VNCConsole
	}
	if err := s.validateGPU(gpu, vm.vncConsole); err != nil {
		return nil, 0, err
	}
	if ns.vms[in.Name] != nil {
		return nil, 0, alreadyExists("VM %q already exists in namespace %q", in.Name, ns.name)
	}
	vm.vm = VM{
		Name:           in.Name,
		Namespace:      ns.name,
		Status:         StatusPending,
		CPU:            vm.cpu,
		Memory:         fmt.Sprintf("%.2fGi", vm.memory),
		Image:          base.Image,
		VMConfig:       in.VMConfig,
		DeployDate:     s.now().UTC().Format(time.RFC3339),
		GPUPassthrough: gpu,
		CustomMetadata: maps.Clone(in.CustomMetadata),
		Type:           imageArch(base.Image),
	}
	return vm, timeout, nil
}

// deployVM is synchronous: it answers when the VM is Running, has failed, or its timeout ran
// out with no node able to hold it. The work is not tied to the request's context: as on a
// real cluster, a client that goes away does not stop the deploy.
func (s *Server) deployVM(c *call) (int, any, error) {
	var in deployInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	ns, err := s.nsLocked(c.ns())
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	vm, timeout, err := s.buildVM(ns, in)
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	vm.owner = c.p.subject
	ns.vms[vm.vm.Name] = vm
	s.mu.Unlock()

	deadline := time.Now().Add(time.Duration(timeout) * s.opts.Minute)
	// Wait for a node.
	for {
		s.mu.Lock()
		if done, code, out, err := s.deployCheckLocked(ns.name, vm); done {
			s.mu.Unlock()
			return code, out, err
		}
		if n := s.st.schedule(vm); n != nil {
			vm.node = n.name // reserve the capacity now; Running after DeployDelay
			s.mu.Unlock()
			break
		}
		if !time.Now().Before(deadline) {
			s.mu.Unlock()
			why := fmt.Sprintf("no node of the namespace has %d CPU and %.2f GiB memory free (and a free VM slot)", vm.cpu, vm.memory)
			if len(s.st.nodesOfNamespaceLocked(ns.name)) == 0 {
				why = noNodesText(ns.name)
			}
			return 0, nil, errorf(http.StatusInternalServerError, "Timeout",
				"timed out after %d minute(s) waiting to schedule VM %q in namespace %q: %s; the VM is left Pending",
				timeout, vm.vm.Name, ns.name, why)
		}
		wake := s.capCh
		s.mu.Unlock()
		if s.isClosed() {
			return 0, nil, shuttingDown(vm)
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-wake:
		case <-t.C:
		case <-s.closed:
		}
		t.Stop()
	}

	if s.opts.DeployDelay > 0 {
		s.sleep(s.opts.DeployDelay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if done, code, out, err := s.deployCheckLocked(ns.name, vm); done {
		return code, out, err
	}
	if s.isClosed() {
		return 0, nil, shuttingDown(vm)
	}
	s.startLocked(vm)
	s.wakeLocked()
	return http.StatusCreated, vm.deployView(), nil
}

// deployView is the deploy answer: only the documented fields.
func (vm *vmState) deployView() DeployResponse {
	return DeployResponse{
		Name: vm.vm.Name, Node: vm.vm.Node, Memory: vm.vm.Memory, IP: vm.vm.IP,
		SSH: copyInt(vm.vm.SSH), VNC: copyInt(vm.vm.VNC), Screenshare: copyInt(vm.vm.Screenshare),
		Status: vm.vm.Status, PortWarnings: vm.vm.PortWarnings,
	}
}

func shuttingDown(vm *vmState) error {
	return errorf(http.StatusServiceUnavailable, "ServiceUnavailable",
		"the simulator is shutting down; VM %q in namespace %q is left %s", vm.vm.Name, vm.vm.Namespace, vm.vm.Status)
}

// deployCheckLocked ends a deploy whose VM was deleted or changed status out of band.
func (s *Server) deployCheckLocked(ns string, vm *vmState) (bool, int, any, error) {
	n := s.st.namespaces[ns]
	if n == nil || n.vms[vm.vm.Name] != vm {
		return true, 0, nil, internalError("VM %q in namespace %q was deleted while it was being deployed", vm.vm.Name, ns)
	}
	switch vm.vm.Status {
	case StatusFailed:
		return true, 0, nil, internalError("deployment of VM %q in namespace %q failed", vm.vm.Name, ns)
	case StatusRunning:
		return true, http.StatusCreated, vm.deployView(), nil
	}
	return false, 0, nil, nil
}

// startLocked makes a scheduled VM Running with the node's IP and free node ports.
func (s *Server) startLocked(vm *vmState) {
	n := s.st.node(vm.node)
	used := map[int]bool{}
	for _, ns := range s.st.namespaces {
		for _, o := range ns.vms {
			if o == vm || o.node != vm.node {
				continue
			}
			for _, p := range []*int{o.vm.SSH, o.vm.VNC, o.vm.Screenshare} {
				if p != nil {
					used[*p] = true
				}
			}
		}
	}
	free := func(from int) *int {
		for p := from; ; p++ {
			if !used[p] {
				used[p] = true
				return &p
			}
		}
	}
	vm.vm.Status = StatusRunning
	vm.vm.Node = n.name
	vm.vm.IP = n.ip
	vm.vm.SSH = free(8822)
	vm.vm.Screenshare = free(5900)
	if vm.vncConsole {
		vm.vm.VNC = free(5999)
	}
	vm.vm.DeployDate = s.now().UTC().Format(time.RFC3339)
}
