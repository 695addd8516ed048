package provider

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// capacityPlans adds up, per provider configuration and namespace, the new VMs a plan deploys,
// so that a plan that adds more VMs than the namespace's nodes have room for says so once, in
// one warning, instead of letting the apply wait out every deploy's timeout in silence.
//
// Terraform plans each resource instance in a call of its own and shows the provider none of
// the others, in an order of its choosing (up to -parallelism at a time). What one provider
// configuration plans does share one *providerData (see nodeClaims), so the demand is kept per
// providerData and namespace, and dies with it. The limits that follow are inherent, and the
// warning states them: it is given by the first new VM that the free capacity cannot take, and
// counts the new VMs planned up to that moment only; VMs planned after it are not counted or
// warned about again. A VM that is being replaced is not new demand (its predecessor goes
// first and frees its place), and neither is the second planning of one instance, which
// Terraform does for a replacement: demand is keyed by VM name.
type capacityPlanRegistry struct {
	mu    sync.Mutex
	plans map[weak.Pointer[providerData]]map[string]*namespaceDemand
}

var capacityPlans = &capacityPlanRegistry{plans: map[weak.Pointer[providerData]]map[string]*namespaceDemand{}}

// namespaceDemand is one namespace's free capacity, as read once for the plan, and the new VMs
// planned in it so far.
type namespaceDemand struct {
	read     bool
	nodes    []orka.Node // nil when they could not be read: no warning then
	running  map[string]int
	existing map[string]bool // VMs that have a prior state in this plan: replacements
	asks     map[string]vmAsk
	order    []string
	warned   bool
}

// demand returns the namespace's record for this configuration, creating it.
func (r *capacityPlanRegistry) demand(pd *providerData, ns string) *namespaceDemand {
	key := weak.Make(pd)
	byNS, ok := r.plans[key]
	if !ok {
		byNS = map[string]*namespaceDemand{}
		r.plans[key] = byNS
		runtime.AddCleanup(pd, r.forget, key)
	}
	d, ok := byNS[ns]
	if !ok {
		d = &namespaceDemand{existing: map[string]bool{}, asks: map[string]vmAsk{}}
		byNS[ns] = d
	}
	return d
}

func (r *capacityPlanRegistry) forget(key weak.Pointer[providerData]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.plans, key)
}

// noteExisting records a VM planned with a prior state: if it is replaced, its create half is
// not new demand.
func (r *capacityPlanRegistry) noteExisting(pd *providerData, ns, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.demand(pd, ns).existing[name] = true
}

// addNew records a new VM and returns the warning to give now, if this VM is the first that
// the namespace's free capacity cannot take; "" otherwise.
func (r *capacityPlanRegistry) addNew(ctx context.Context, pd *providerData, ns, name string, a vmAsk, createTimeout string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.demand(pd, ns)
	if d.existing[name] || d.warned {
		return ""
	}
	if _, seen := d.asks[name]; !seen {
		d.order = append(d.order, name)
	}
	d.asks[name] = a
	if !d.read {
		// Read once, under the lock: every VM of the namespace waits for the same answer.
		d.read = true
		nodes, err := pd.client.ListNodes(ctx, ns)
		vms, verr := pd.client.ListVMs(ctx, ns)
		if err == nil && verr == nil && len(nodes) > 0 {
			d.nodes = nodes
			d.running = map[string]int{}
			for _, v := range vms {
				if v.Node != "" {
					d.running[v.Node]++
				}
			}
		}
	}
	if d.nodes == nil {
		return ""
	}
	unplaced := d.place()
	if len(unplaced) == 0 {
		return ""
	}
	d.warned = true
	return d.warning(ns, unplaced, createTimeout)
}

// nodeRoom is what one node has free for new VMs.
type nodeRoom struct {
	node   orka.Node
	slots  int // -1: not limited
	cpu    int
	memory float64 // GiB; -1 when Orka did not say
}

// place puts the planned VMs, in the order they were planned, on the first node with room for
// each (a VM slot, its CPU and memory, its pinned node and required tag), and returns the
// names of those that found none. Orka's scheduler may place them otherwise; this says whether
// the free capacity can take them at all, not where they will go.
func (d *namespaceDemand) place() []string {
	rooms := make([]*nodeRoom, 0, len(d.nodes))
	for _, n := range d.nodes {
		room := &nodeRoom{node: n, slots: -1, cpu: n.AvailableCPU, memory: -1}
		if appleSilicon(n) {
			room.slots = max(0, appleSiliconVMSlots-d.running[n.Name])
		}
		if m, err := orka.ParseMemoryGiB(n.AvailableMemory); err == nil && n.AvailableMemory != "" {
			room.memory = m
		}
		rooms = append(rooms, room)
	}
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].node.Name < rooms[j].node.Name })
	var unplaced []string
	for _, name := range d.order {
		a := d.asks[name]
		var fit *nodeRoom
		for _, room := range rooms {
			if room.takes(a) {
				fit = room
				break
			}
		}
		if fit == nil {
			unplaced = append(unplaced, name)
			continue
		}
		if fit.slots > 0 {
			fit.slots--
		}
		fit.cpu -= a.cpu
		if fit.memory >= 0 && a.memory > 0 {
			fit.memory -= a.memory
		}
	}
	return unplaced
}

func (room *nodeRoom) takes(a vmAsk) bool {
	n := room.node
	switch {
	case a.node != "" && n.Name != a.node,
		a.tag != "" && a.tagRequired && !slices.Contains(n.OrkaTags, a.tag),
		room.slots == 0,
		a.cpu > room.cpu,
		room.memory >= 0 && a.memory > room.memory:
		return false
	}
	return true
}

func appleSilicon(n orka.Node) bool { return n.Arch == "" || n.Arch == "arm64" }

// warning is the one block a plan shows for a namespace without room for its new VMs.
func (d *namespaceDemand) warning(ns string, unplaced []string, createTimeout string) string {
	var b strings.Builder
	verb := "do not fit"
	if len(unplaced) == 1 {
		verb = "does not fit"
	}
	planned := "new VMs"
	if len(d.order) == 1 {
		planned = "new VM"
	}
	fmt.Fprintf(&b, "This plan adds VMs to namespace %q, and its nodes do not have room for all of them now. Of the "+
		"%d %s planned so far (%s), %d %s in the capacity Orka reports free (%s).\n\nFree capacity now:",
		ns, len(d.order), planned, strings.Join(d.order, ", "), len(unplaced), verb, strings.Join(unplaced, ", "))
	nodes := slices.Clone(d.nodes)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	for _, n := range nodes {
		slots := "VM slots not limited"
		if appleSilicon(n) {
			slots = fmt.Sprintf("%d of %d VM slots free", max(0, appleSiliconVMSlots-d.running[n.Name]), appleSiliconVMSlots)
		}
		tags := ""
		if len(n.OrkaTags) > 0 {
			tags = ", tags " + strings.Join(n.OrkaTags, ",")
		}
		fmt.Fprintf(&b, "\n  - %s (%s%s): %s, %d CPU, %s memory free", n.Name, n.Phase, tags, slots, n.AvailableCPU, n.AvailableMemory)
	}
	fmt.Fprintf(&b, "\n\nOrka keeps a VM it cannot place Pending, and the apply waits for each such VM up to its create "+
		"timeout (%s unless timeouts.create says otherwise) before it fails, unless capacity frees up meanwhile. "+
		"Free capacity (delete VMs), add nodes to the namespace, or plan fewer VMs.\n\n"+
		"Terraform plans each VM on its own: this warning is given once per namespace, by the first new VM that does "+
		"not fit, and counts only the new VMs planned before it; VMs planned after it are not counted.", createTimeout)
	return b.String()
}

// warnOverCapacity records a new VM's demand and gives the namespace's one warning when the
// free capacity cannot take the new VMs planned so far.
func (r *vmResource) warnOverCapacity(ctx context.Context, ns, name string, a vmAsk, createTimeout string, diags *diag.Diagnostics) {
	if r.data == nil || r.data.client == nil {
		return
	}
	if w := capacityPlans.addNew(ctx, r.data, ns, name, a, createTimeout); w != "" {
		diags.AddWarning(fmt.Sprintf("Namespace %q has no room for every new VM", ns), w)
	}
}

// noteExisting records a VM planned with a prior state, so that the create half of its
// replacement is not counted as new demand.
func (r *vmResource) noteExisting(_ context.Context, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	name, ns := rawString(resp.Plan.Raw, "name"), rawString(resp.Plan.Raw, "namespace")
	if name.IsUnknown() || name.IsNull() || ns.IsUnknown() {
		return
	}
	capacityPlans.noteExisting(r.data, r.data.namespaceOr(ns), name.ValueString())
}

// faultyAttribute is the attribute to point at for a deploy setting that cannot be met: the
// VM's own, or its vm_config when the value comes from there.
func faultyAttribute(deploy orka.DeployVMRequest, attr string) string {
	own := map[string]bool{
		"": false, "gpu_passthrough": deploy.GPUPassthrough != nil, "node": deploy.Node != "", "tag": deploy.Tag != "",
		"cpu": deploy.CPU != 0, "memory": deploy.Memory != 0,
	}
	switch {
	case attr == "":
		return "namespace"
	case own[attr]:
		return attr
	case deploy.VMConfig != "":
		return "vm_config"
	}
	return attr
}
