// Package upgrade holds MacStadium's table of what each kind of Orka upgrade does to a
// cluster, as data. It is defined once here and read by both the simulator (to wipe) and the
// provider (to report), so the two can never disagree.
//
// Source: MacStadium's "Orka upgrades" page (shared/seeds in the project's design notes), with
// a patch column added: patch upgrades are in-place and lose nothing.
package upgrade

import "fmt"

// Type is a kind of upgrade MacStadium performs in a maintenance window.
type Type string

const (
	// Release is a new Orka release (the most common upgrade).
	Release Type = "release"
	// Infrastructure is a virtualization/orchestration layer upgrade (Kubernetes, Docker, Linux).
	Infrastructure Type = "infrastructure"
	// Patch is an x.y.Z patch upgrade.
	Patch Type = "patch"
)

// Types lists every upgrade type in a stable order.
var Types = []Type{Release, Infrastructure, Patch}

// ParseType accepts the user-facing names of an upgrade type.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown upgrade type %q: must be one of release, infrastructure, patch", s)
}

// Aspect is one part of a cluster the upgrade table speaks about.
type Aspect string

const (
	Users                 Aspect = "users"
	ServiceAccounts       Aspect = "service_accounts"
	ServiceAccountTokens  Aspect = "service_account_tokens"
	VMConfigs             Aspect = "vm_configs"
	VMs                   Aspect = "vms"
	RegistryCredentials   Aspect = "registry_credentials" //nolint:gosec // an aspect name, not a credential
	ImagesAndISOs         Aspect = "images_and_isos"
	ImageCache            Aspect = "image_cache"
	Namespaces            Aspect = "namespaces"
	RoleBindings          Aspect = "role_bindings"
	CustomPodsAndServices Aspect = "custom_pods_and_services"
	// NodePlacement is each node's namespace and tags (orka_node). It is not on MacStadium's
	// page. ASSUMED, and assumed here only: it persists across every upgrade type, since
	// nodes are cluster objects that an upgrade drains and upgrades in place rather than
	// recreates, and namespaces and role bindings, which placement complements, persist too.
	// The simulator keeps placement through its upgrades accordingly. Should a real upgrade
	// prove otherwise, its effect goes into the table below (orka_upgrade_window then reports
	// it), and orka_node already puts placement back on the next apply.
	NodePlacement Aspect = "node_placement"
)

// Aspects lists every aspect in the order of MacStadium's table, then this project's rows.
var Aspects = []Aspect{
	Users, ServiceAccounts, ServiceAccountTokens, VMConfigs, VMs, RegistryCredentials,
	ImagesAndISOs, ImageCache, Namespaces, RoleBindings, CustomPodsAndServices, NodePlacement,
}

// Effect is what an upgrade does to an aspect.
type Effect string

const (
	Persists          Effect = "persists"
	MayBeDeleted      Effect = "may_be_deleted"
	Deleted           Effect = "deleted"
	Lost              Effect = "lost"
	Removed           Effect = "removed"
	MustBeRegenerated Effect = "must_be_regenerated"
)

// Destroys reports whether the effect takes something away that has to be rebuilt.
// "May be deleted" counts: after a release upgrade VMs may be gone and must be checked for.
func (e Effect) Destroys() bool { return e != Persists }

// table is MacStadium's table. Aspects absent for a type persist.
var table = map[Type]map[Aspect]Effect{
	Release: {
		ServiceAccountTokens: MustBeRegenerated,
		VMs:                  MayBeDeleted,
		ImageCache:           Removed,
	},
	Infrastructure: {
		ServiceAccountTokens:  MustBeRegenerated,
		VMs:                   Deleted,
		RegistryCredentials:   Lost,
		ImageCache:            Removed,
		CustomPodsAndServices: Lost,
	},
	Patch: {},
}

// EffectOf tells what an upgrade of type t does to aspect a.
func EffectOf(t Type, a Aspect) Effect {
	if e, ok := table[t][a]; ok {
		return e
	}
	return Persists
}

// Impact is the whole column of the table for one type.
func Impact(t Type) map[Aspect]Effect {
	out := make(map[Aspect]Effect, len(Aspects))
	for _, a := range Aspects {
		out[a] = EffectOf(t, a)
	}
	return out
}

// Wiped lists, in table order, the aspects an upgrade of type t destroys or may destroy.
func Wiped(t Type) []Aspect {
	var out []Aspect
	for _, a := range Aspects {
		if EffectOf(t, a).Destroys() {
			out = append(out, a)
		}
	}
	return out
}

// TokensMustBeRegenerated reports whether service-account tokens die in an upgrade of type t.
func TokensMustBeRegenerated(t Type) bool {
	return EffectOf(t, ServiceAccountTokens) == MustBeRegenerated
}

// Preparation is MacStadium's advice for the days before a window of type t.
func Preparation(t Type) []string {
	switch t {
	case Release:
		return []string{
			"Make sure that no workflows run during the maintenance window (for example, deploying a VM and running a build).",
			"Check the release notes of the target version and complete any preparation they suggest.",
			"Plan to install the new Orka CLI version after the upgrade.",
			"Plan to regenerate service-account tokens after the upgrade (orka3 serviceaccount token <name>); automated workflows fail until then.",
		}
	case Infrastructure:
		return []string{
			"Make sure that no workflows run during the maintenance window (for example, deploying a VM and running a build).",
			"If this is a Kubernetes upgrade and you work with the Kubernetes layer directly, address any deprecated APIs.",
			"Plan to regenerate service-account tokens after the upgrade (orka3 serviceaccount token <name>); automated workflows fail until then.",
			"Plan to recreate registry credentials and custom Kubernetes pods and services after the upgrade.",
		}
	default:
		return []string{
			"Make sure that no workflows run during the maintenance window (for example, deploying a VM and running a build).",
		}
	}
}
