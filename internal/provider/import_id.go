package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Import IDs are parsed and checked against the same rules as the arguments before any
// request is made, so that a malformed ID fails with the shape it should have had instead of
// asking Orka for an object that cannot exist (such as GET .../vms/vm%2Fextra).

// importPart is one slash-separated part of an import ID: a value checked by a rule, or a
// fixed word (a role-binding subject's kind). A rest part takes everything after the parts
// before it, slashes included (a registry server URL, an OCI image reference).
type importPart struct {
	name    string
	literal string
	rule    func(string) string
	rest    bool
}

// importShape is one accepted form of an import ID, with an example for the error.
type importShape struct {
	parts   []importPart
	example string
}

func (s importShape) String() string {
	names := make([]string, len(s.parts))
	for i, p := range s.parts {
		names[i] = p.name
		if p.literal != "" {
			names[i] = p.literal
		}
	}
	return strings.Join(names, "/")
}

// split cuts id into the shape's parts, or reports false when the number of parts (or a fixed
// word) does not fit.
func (s importShape) split(id string) ([]string, bool) {
	n := len(s.parts)
	var parts []string
	if s.parts[n-1].rest {
		parts = strings.SplitN(id, "/", n)
	} else {
		parts = strings.Split(id, "/")
	}
	if len(parts) != n {
		return nil, false
	}
	for i, p := range s.parts {
		if p.literal != "" && parts[i] != p.literal {
			return nil, false
		}
	}
	return parts, true
}

// parseImportID returns the parts of id in the first shape it fits, each checked by its rule;
// otherwise it adds an "Invalid import ID" error that names the expected shapes with examples.
func parseImportID(id string, diags *diag.Diagnostics, shapes ...importShape) (importShape, []string, bool) {
	forms := make([]string, len(shapes))
	examples := make([]string, len(shapes))
	for i, s := range shapes {
		forms[i], examples[i] = s.String(), s.example
	}
	expected := fmt.Sprintf("The import ID must have the form %s, such as %s.",
		strings.Join(forms, " or "), strings.Join(examples, " or "))
	for _, s := range shapes {
		parts, ok := s.split(id)
		if !ok {
			continue
		}
		for i, p := range s.parts {
			switch {
			case parts[i] == "":
				diags.AddError("Invalid import ID",
					fmt.Sprintf("The import ID %q has an empty %s. %s", id, p.name, expected))
				return s, nil, false
			case p.rule != nil:
				if problem := p.rule(parts[i]); problem != "" {
					diags.AddError("Invalid import ID",
						fmt.Sprintf("In the import ID %q, the %s part: %s. %s", id, p.name, problem, expected))
					return s, nil, false
				}
			}
		}
		return s, parts, true
	}
	diags.AddError("Invalid import ID",
		fmt.Sprintf("The import ID %q (%d '/'-separated parts) does not match the expected form. %s",
			id, strings.Count(id, "/")+1, expected))
	return importShape{}, nil, false
}

// Import ID parts shared by several types.
var (
	namespacePart = importPart{name: "namespace", rule: namespaceNameValidator().problem}
)
