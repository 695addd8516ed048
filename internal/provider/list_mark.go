package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// objectMark is what a listed object carries of this provider's mark, for the list resources'
// mark filter: adopting a cluster means importing what no configuration manages yet, and only
// the mark tells those apart from what another workspace deployed.
type objectMark int

const (
	// markNotHeld: Orka holds no mark on objects of this type, so none carries one.
	markNotHeld objectMark = iota
	// markNone: the object carries no mark of this provider (made by hand, orka3 or another tool).
	markNone
	// markThisOwner: deployed by a configuration with this provider configuration's owner.
	markThisOwner
	// markOtherOwner: deployed by this provider, from a configuration with another owner (or none).
	markOtherOwner
	// markUnreadable: Orka did not report the object's metadata, so the mark cannot be read.
	markUnreadable
)

// The mark filter's values.
const (
	markAny       = "any"
	markUnmarked  = "unmarked"
	markMarked    = "marked"
	markThisOwned = "this_owner"
)

// markFilterAttribute is the list argument mark; types whose objects Orka cannot mark accept
// only the values that mean something for them.
func markFilterAttribute(spec listSpec) listschema.StringAttribute {
	doc := "Filter by this provider's mark, which says who deployed an object: `" + markAny + "` (the default) " +
		"lists every object; `" + markUnmarked + "` only those without the mark, made by hand, with `orka3` or " +
		"another tool, which is what to adopt; `" + markMarked + "` only those this provider deployed, from any " +
		"configuration; `" + markThisOwned + "` only those deployed by a configuration with this provider " +
		"configuration's `owner`."
	allowed := []string{markAny, markUnmarked, markMarked, markThisOwned}
	if !spec.markable {
		doc = "Filter by this provider's mark. Orka holds no mark on " + spec.plural + ", so none carries one and " +
			"the provider cannot tell which of them a configuration already manages: `" + markAny + "` (the default) " +
			"and `" + markUnmarked + "` both list every one of them, and the other values of this argument on " +
			"`orka_vm` (`" + markMarked + "`, `" + markThisOwned + "`) are refused. Narrow by name or namespace instead."
		allowed = []string{markAny, markUnmarked}
	}
	return listschema.StringAttribute{
		MarkdownDescription: doc, Optional: true,
		Validators: []validator.String{stringRule{summary: "Invalid mark filter",
			doc: "one of " + strings.Join(allowed, ", "), check: func(v string) string {
				for _, a := range allowed {
					if v == a {
						return ""
					}
				}
				if !spec.markable {
					return fmt.Sprintf("%q cannot be told for %s: Orka holds no mark on them, so every one is %q. "+
						"Use %q or %q", v, spec.plural, markUnmarked, markUnmarked, markAny)
				}
				return fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))
			}}},
	}
}

// markAccepts applies the mark filter to one object. An object whose mark Orka did not report
// fails the query rather than being guessed into or out of the result.
func markAccepts(filter string, it listItem, ns string, diags *diag.Diagnostics) bool {
	if filter == "" || filter == markAny {
		return true
	}
	switch it.mark {
	case markNotHeld, markNone:
		return filter == markUnmarked
	case markThisOwner:
		return filter == markMarked || filter == markThisOwned
	case markOtherOwner:
		return filter == markMarked
	}
	where := ""
	if ns != "" {
		where = fmt.Sprintf(" in namespace %q", ns)
	}
	diags.AddAttributeError(path.Root("mark"), "Mark cannot be read",
		fmt.Sprintf("mark: Orka did not report the custom metadata of %q%s, so the provider cannot tell whether it "+
			"deployed it, and lists nothing rather than guess. Set mark = %q and choose the objects by name "+
			"(name_prefix, name_regex) instead.", it.name, where, markAny))
	return false
}

// markDisplay is how a list result's display name shows the mark.
func markDisplay(m objectMark, owner string) string {
	switch m {
	case markNone:
		return "unmarked"
	case markThisOwner:
		return "marked: this owner"
	case markOtherOwner:
		if owner == "" {
			return "marked: no owner"
		}
		return fmt.Sprintf("marked: owner %q", owner)
	case markUnreadable:
		return "mark not reported"
	}
	return ""
}

// workspaceDoc says in which workspace of the documented layout objects of a type belong.
func workspaceDoc(spec listSpec) string {
	switch spec.workspace {
	case adminWorkspace:
		return "In the documented layout these belong in the admin workspace, whose token is an administrator's " +
			"(see the adoption guide)."
	case poolWorkspace:
		return "In the documented layout these belong in the pool workspace of the team that runs them (see the " +
			"adoption guide)."
	}
	return ""
}
