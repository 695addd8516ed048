package provider

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// nodeClaims records, for each provider configuration, which placement each node is planned
// for, so that two orka_node blocks of one configuration naming the same node are refused at
// plan: each apply would move the node back and forth between them, and no plan would ever be
// empty.
//
// A provider sees one resource instance per call, never the others, but every instance of a
// configuration is planned by the same configured provider: one ConfigureProvider, so one
// *providerData, per provider block and graph walk (the plan walk and the apply walk each
// configure the provider afresh, in a process of their own or, for a provider served
// in-process as in the acceptance tests, with a new providerData). Claims are therefore kept
// per providerData, and die with it.
//
// One instance can be planned more than once by the same providerData: Terraform plans a
// replacement (a new name, a tainted node) twice, once with the prior state and once with a
// null prior state, to build the create half. Counting calls would take that for a second
// block. What tells two blocks apart instead is what they plan for the node: both calls for
// one instance carry the same configuration, so the same placement (namespace, tags,
// take_from_other_namespace), and a second claim with the same placement is accepted. Two
// blocks that plan exactly the same placement are accepted too; they cannot be told from one
// instance planned twice, and they do converge (each apply puts the node in the same place).
type nodeClaimRegistry struct {
	mu sync.Mutex
	// claims maps a provider configuration to its nodes and the placement each is planned for.
	claims map[weak.Pointer[providerData]]map[string]string
}

var nodeClaims = &nodeClaimRegistry{claims: map[weak.Pointer[providerData]]map[string]string{}}

// claim records that an instance planned by pd places node as placement. It returns the
// placement of an earlier claim on the node that differs (a second block), or "".
func (r *nodeClaimRegistry) claim(pd *providerData, node, placement string) (other string) {
	key := weak.Make(pd)
	r.mu.Lock()
	defer r.mu.Unlock()
	nodes, ok := r.claims[key]
	if !ok {
		nodes = map[string]string{}
		r.claims[key] = nodes
		// Forget the configuration's claims once its provider data is gone.
		runtime.AddCleanup(pd, r.forget, key)
	}
	switch prev, claimed := nodes[node]; {
	case !claimed:
		nodes[node] = placement
		return ""
	case prev == placement:
		return ""
	default:
		return prev
	}
}

func (r *nodeClaimRegistry) forget(key weak.Pointer[providerData]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.claims, key)
}

// placementOf describes what a planned orka_node does to its node, for comparing claims and
// for the diagnostic about a second block.
func placementOf(m nodeModel) string {
	ns := "(known after apply)"
	if !m.Namespace.IsUnknown() {
		ns = fmt.Sprintf("%q", m.Namespace.ValueString())
	}
	tags := "(known after apply)"
	if !m.Tags.IsUnknown() {
		var ts []string
		for _, v := range m.Tags.Elements() {
			s, ok := v.(types.String)
			switch {
			case !ok || s.IsUnknown():
				ts = append(ts, "(known after apply)")
			default:
				ts = append(ts, fmt.Sprintf("%q", s.ValueString()))
			}
		}
		slices.Sort(ts)
		tags = "[" + strings.Join(ts, ", ") + "]"
	}
	out := fmt.Sprintf("namespace %s with tags %s", ns, tags)
	if m.TakeFromOther.ValueBool() {
		out += " (take_from_other_namespace)"
	}
	return out
}
