package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"weak"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// appleSiliconVMSlots is how many VMs an Apple-silicon node runs at most (orka-api.md §5).
const appleSiliconVMSlots = 2

// vmAsk is what a deploy effectively asks of a node: the deploy's own overrides, else the VM
// config's values.
type vmAsk struct {
	cpu         int
	memory      float64 // GiB; 0 when neither the VM nor its config says
	gpu         bool
	node        string
	tag         string
	tagRequired bool
}

func (a vmAsk) String() string {
	mem := "memory derived by Orka"
	if a.memory > 0 {
		mem = fmt.Sprintf("memory %g GiB", a.memory)
	}
	s := fmt.Sprintf("cpu %d, %s", a.cpu, mem)
	if a.gpu {
		s += ", GPU passthrough"
	}
	if a.node != "" {
		s += fmt.Sprintf(", node %q", a.node)
	}
	if a.tag != "" && a.tagRequired {
		s += fmt.Sprintf(", only nodes tagged %q", a.tag)
	}
	return s
}

// effectiveAsk works out what a deploy asks for. A VM config that cannot be read leaves its
// values out: the checks then judge the VM's own figures only.
func (r *vmResource) effectiveAsk(ctx context.Context, deploy orka.DeployVMRequest) vmAsk {
	a := vmAsk{cpu: deploy.CPU, memory: deploy.Memory, node: deploy.Node, tag: deploy.Tag}
	if deploy.GPUPassthrough != nil {
		a.gpu = *deploy.GPUPassthrough
	}
	if deploy.TagRequired != nil {
		a.tagRequired = *deploy.TagRequired
	}
	if deploy.VMConfig != "" {
		if cfg, err := r.data.client.RefreshVMConfig(ctx, deploy.VMConfig); err == nil {
			if a.cpu == 0 {
				a.cpu = cfg.CPU
			}
			if a.memory == 0 {
				a.memory = cfg.Memory
			}
			if deploy.GPUPassthrough == nil && cfg.GPUPassthrough != nil {
				a.gpu = *cfg.GPUPassthrough
			}
			if a.node == "" {
				a.node = cfg.NodeName
			}
			if a.tag == "" {
				a.tag = cfg.Tag
			}
			if deploy.TagRequired == nil && cfg.TagRequired != nil {
				a.tagRequired = *cfg.TagRequired
			}
		}
	}
	if a.cpu == 0 {
		a.cpu = vmConfigDefaultCPU
	}
	return a
}

// neverFits says why no node of the namespace could ever run the VM, whatever else runs: more
// CPU or memory than any eligible node has in all, GPU passthrough on a cluster without it, a
// pinned node that is not there, a required tag that no node carries. "" when it could fit, or
// when that cannot be told. Nodes are judged only when the namespace has some.
func (r *vmResource) neverFits(ctx context.Context, ns string, a vmAsk, atApply bool) string {
	why, _ := r.neverFitsAt(ctx, ns, a, atApply)
	return why
}

// neverFitsAt is neverFits with the deploy setting at fault: "gpu_passthrough", "node", "tag",
// "cpu", "memory", or "" for the namespace itself.
//
// At plan time an empty namespace passes (an orka_node of the same configuration may move
// nodes in during the apply). So do a pinned node, or a required tag, that an orka_node block
// of this configuration may bring: one planned before this VM, which Terraform guarantees when
// the VM refers to it (node = orka_node.x.name, or depends_on). Anything else missing is
// refused at plan, where it costs nothing, rather than after the deploy's whole timeout.
func (r *vmResource) neverFitsAt(ctx context.Context, ns string, a vmAsk, atApply bool) (why, attr string) {
	if a.gpu {
		if info, err := r.data.client.ClusterInfo(ctx); err == nil && !info.GPUPassthroughEnabled {
			return "it asks for GPU passthrough, and this cluster does not have GPU passthrough enabled " +
				"(cluster-info gpuPassthroughEnabled = false). Set gpu_passthrough = false.", "gpu_passthrough"
		}
	}
	// Totals do not change with what runs on the nodes: every new VM of a run shares one list.
	nodes, err := r.data.client.RefreshNodes(ctx, ns)
	if err != nil {
		return "", ""
	}
	if len(nodes) == 0 {
		if atApply {
			return fmt.Sprintf("namespace %q has no nodes. A namespace holds no nodes until an administrator moves "+
				"some into it; until then its VMs cannot be scheduled.", ns), ""
		}
		return "", ""
	}
	eligible := nodes
	if a.node != "" {
		eligible = nil
		for _, n := range nodes {
			if n.Name == a.node {
				eligible = append(eligible, n)
			}
		}
		if len(eligible) == 0 {
			if !atApply && nodeClaims.claimed(r.data, a.node) {
				return "", ""
			}
			return fmt.Sprintf("it is pinned to node %q, which namespace %q does not have (its nodes: %s). Pin it to "+
				"one of those, or leave node unset; an administrator moves a node into the namespace with orka_node "+
				"or `orka3 node namespace`.", a.node, ns, strings.Join(nodeNames(nodes), ", ")), "node"
		}
	}
	if a.tag != "" && a.tagRequired {
		var tagged []orka.Node
		for _, n := range eligible {
			if slices.Contains(n.OrkaTags, a.tag) {
				tagged = append(tagged, n)
			}
		}
		if len(tagged) == 0 {
			if !atApply && nodeClaims.any(r.data) {
				return "", ""
			}
			return fmt.Sprintf("it requires a node tagged %q (tag_required = true), and no node of namespace %q "+
				"carries that tag (%s). Use a tag a node carries, set tag_required = false to only prefer it, or "+
				"have an administrator tag a node (orka_node tags, or `orka3 node tag`).",
				a.tag, ns, nodeTagSummary(eligible)), "tag"
		}
		eligible = tagged
	}
	maxCPU, maxMem := 0, 0.0
	for _, n := range eligible {
		maxCPU = max(maxCPU, n.AllocatableCPU)
		if m, err := parseGiB(n.AllocatableMemory); err == nil {
			maxMem = max(maxMem, m)
		}
	}
	switch {
	case maxCPU > 0 && a.cpu > maxCPU:
		return fmt.Sprintf("it asks for %d CPU cores, and the largest eligible node of namespace %q has %d in all "+
			"(%s). Ask for at most %d.", a.cpu, ns, maxCPU, nodeSummary(eligible), maxCPU), "cpu"
	case maxMem > 0 && a.memory > maxMem:
		return fmt.Sprintf("it asks for %g GiB of memory, and the largest eligible node of namespace %q has %g GiB "+
			"in all (%s).", a.memory, ns, maxMem, nodeSummary(eligible)), "memory"
	}
	return "", ""
}

// nodeTagSummary lists nodes with their tags, for a refused required tag.
func nodeTagSummary(nodes []orka.Node) string {
	parts := make([]string, 0, len(nodes))
	for _, n := range nodes {
		tags := "no tags"
		if len(n.OrkaTags) > 0 {
			tags = "tags " + strings.Join(n.OrkaTags, ",")
		}
		parts = append(parts, n.Name+": "+tags)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// claimed reports whether an orka_node block of this configuration has been planned for node.
func (r *nodeClaimRegistry) claimed(pd *providerData, node string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.claims[weak.Make(pd)][node]
	return ok
}

// any reports whether an orka_node block of this configuration has been planned at all.
func (r *nodeClaimRegistry) any(pd *providerData) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.claims[weak.Make(pd)]) > 0
}

func nodeNames(nodes []orka.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Name
	}
	sort.Strings(out)
	return out
}

func nodeSummary(nodes []orka.Node) string {
	parts := make([]string, 0, len(nodes))
	for _, n := range nodes {
		parts = append(parts, fmt.Sprintf("%s: %d CPU, %s", n.Name, n.AllocatableCPU, n.AllocatableMemory))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// capacityReport explains a deploy that no node could take now: what was asked, and what
// each node has free, VM slots included.
func (r *vmResource) capacityReport(ctx context.Context, ns string, name string, a vmAsk) string {
	var b strings.Builder
	fmt.Fprintf(&b, "No node could take VM %q (it asks for %s): Orka kept it Pending, unscheduled, until the deploy "+
		"timed out.", name, a)
	nodes, err := r.data.client.ListNodes(ctx, ns)
	if err != nil {
		return b.String()
	}
	running := map[string]int{}
	if vms, err := r.data.client.ListVMs(ctx, ns); err == nil {
		for _, v := range vms {
			if v.Node != "" && v.Name != name {
				running[v.Node]++
			}
		}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	b.WriteString(" Free capacity now:")
	for _, n := range nodes {
		slots := "VM slots not limited"
		if n.Arch == "" || n.Arch == "arm64" {
			slots = fmt.Sprintf("%d of %d VM slots free", max(0, appleSiliconVMSlots-running[n.Name]), appleSiliconVMSlots)
		}
		tags := ""
		if len(n.OrkaTags) > 0 {
			tags = ", tags " + strings.Join(n.OrkaTags, ",")
		}
		fmt.Fprintf(&b, "\n  - %s (%s%s): %s, %d CPU, %s memory free", n.Name, n.Phase, tags, slots, n.AvailableCPU, n.AvailableMemory)
	}
	b.WriteString("\nFree capacity (delete VMs), ask for less, or add nodes to the namespace; then apply again.")
	return b.String()
}
