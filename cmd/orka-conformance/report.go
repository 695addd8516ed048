package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
)

// Outcomes of an item.
const (
	confirmed    = "confirmed"
	contradicted = "contradicted"
	notChecked   = "not checked"
)

// result is what the probe found out about one item.
type result struct {
	Outcome string
	// Variant is which answer the cluster gave, for an item that can be answered in more
	// than one way (see item.Variants); "" when the item has no variants.
	Variant string
	Details []string // what was seen, one line each
	// For a contradiction: the answer that contradicts the item.
	Request string // method and path
	Status  int
	Excerpt string // redacted
}

// report collects the results and prints them.
type report struct {
	results map[string]*result
}

func newReport() *report { return &report{results: map[string]*result{}} }

func (r *report) get(id string) *result {
	if !slices.ContainsFunc(items, func(it item) bool { return it.ID == id }) {
		panic("conformance: unknown item " + id) // a typo in a check; the tests catch it
	}
	res := r.results[id]
	if res == nil {
		res = &result{}
		r.results[id] = res
	}
	return res
}

// confirm records evidence for an item; a contradiction already recorded stands.
func (r *report) confirm(id, format string, args ...any) {
	res := r.get(id)
	if res.Outcome != contradicted {
		res.Outcome = confirmed
	}
	res.Details = append(res.Details, fmt.Sprintf(format, args...))
}

// contradict records that an answer contradicts an item (the first contradiction is quoted).
func (r *report) contradict(id string, ex *exchange, rec *recorder, format string, args ...any) {
	res := r.get(id)
	if res.Outcome != contradicted && ex != nil {
		res.Request, res.Status, res.Excerpt = ex.Method+" "+ex.Path, ex.Status, rec.excerpt(ex)
	}
	res.Outcome = contradicted
	res.Details = append(res.Details, fmt.Sprintf(format, args...))
}

// variant records which variant of an item the cluster showed; the first one stands.
func (r *report) variant(id, name string) {
	res := r.get(id)
	if res.Variant == "" {
		res.Variant = name
	}
}

// skip records why an item could not be checked, unless something was already found out.
func (r *report) skip(id, format string, args ...any) {
	res := r.get(id)
	if res.Outcome == "" {
		res.Outcome = notChecked
		res.Details = append(res.Details, fmt.Sprintf(format, args...))
	}
}

// note adds a line to an item's details without changing its outcome.
func (r *report) note(id, format string, args ...any) {
	res := r.get(id)
	res.Details = append(res.Details, fmt.Sprintf(format, args...))
}

// set records an outcome found by an earlier run (the -during-maintenance part of an upgrade
// record).
func (r *report) set(id string, res result) {
	*r.get(id) = res
}

// finish gives every item an outcome: an item whose mode was off says which mode it needs.
// only, when set, is why this run checked nothing else (a -during-maintenance run).
func (r *report) finish(on map[string]bool, only string) {
	for _, it := range items {
		switch {
		case only != "":
			r.skip(it.ID, "%s", only)
		case it.Needs != "" && !on[it.Needs]:
			r.skip(it.ID, "%s", needsWhy[it.Needs])
		default:
			r.skip(it.ID, "not reached (an earlier step failed)")
		}
	}
}

func (r *report) count(outcome string) int {
	n := 0
	for _, res := range r.results {
		if res.Outcome == outcome {
			n++
		}
	}
	return n
}

// print writes the report. It holds no secret: tokens and passwords are never put in it, and
// every quoted body went through the client's redaction.
func (r *report) print(w io.Writer, header []string, routes []routeUse) {
	fmt.Fprintln(w, "Orka API conformance report (terraform-provider-orka)")
	for _, h := range header {
		fmt.Fprintln(w, "  "+h)
	}
	for _, section := range []struct {
		title string
		doc   bool
	}{
		{"Assumed contract items (orka-api.md [ASSUMED]):", false},
		{"What MacStadium documents and its own clients rely on (orka-api.md [DOC], and UNKNOWN with the variant seen):", true},
	} {
		fmt.Fprintln(w)
		fmt.Fprintln(w, section.title)
		for _, it := range items {
			if it.Doc == section.doc {
				r.printItem(w, it)
			}
		}
	}
	if lines := r.simulatorSwitches(); len(lines) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Simulator settings that reproduce the variants seen:")
		for _, l := range lines {
			fmt.Fprintln(w, "  "+l)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Routes the provider uses, and those MacStadium documents that the probe checks (statuses seen):")
	for _, ru := range routes {
		seen := "not exercised"
		if ru.NotExercised != "" {
			seen += " (" + ru.NotExercised + ")"
		}
		if len(ru.Statuses) > 0 {
			seen = strings.Join(ru.Statuses, " ")
		}
		fmt.Fprintf(w, "  %-6s %-62s %s\n", ru.Method, ru.Template, seen)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Summary: %d confirmed, %d contradicted, %d not checked (of %d items)\n",
		r.count(confirmed), r.count(contradicted), r.count(notChecked), len(items))
}

// printItem writes one item's line (with the variant seen, if any) and its details.
func (r *report) printItem(w io.Writer, it item) {
	res := r.results[it.ID]
	variant := ""
	if res.Variant != "" {
		variant = fmt.Sprintf("(variant %q) ", res.Variant)
	}
	fmt.Fprintf(w, "  %-13s %-33s §%s %s%s\n", strings.ToUpper(res.Outcome), it.ID, it.Section, variant, it.Claim)
	for _, d := range res.Details {
		fmt.Fprintf(w, "      %s\n", d)
	}
	if res.Outcome == contradicted && res.Request != "" {
		fmt.Fprintf(w, "      answer: %s -> %d %s\n", res.Request, res.Status, res.Excerpt)
	}
}

// simulatorSwitches says, for the items with known variants, how to make the simulator
// (cmd/orkasim, or orkasim.Options in a test) answer as this cluster did.
func (r *report) simulatorSwitches() []string {
	var flags, options, lines []string
	seen := false
	for _, it := range items {
		res := r.results[it.ID]
		if len(it.Variants) == 0 || res == nil || res.Variant == "" {
			continue
		}
		seen = true
		i := slices.IndexFunc(it.Variants, func(v variant) bool { return v.Name == res.Variant })
		switch {
		case i == 0: // the simulator's default
		case i < 0 || it.Variants[i].Switch == "":
			lines = append(lines, fmt.Sprintf("%s: the simulator has no switch for the variant %q", it.ID, res.Variant))
		default:
			flags = append(flags, it.Variants[i].Switch)
			options = append(options, it.Variants[i].Option+": true")
		}
	}
	if !seen {
		return nil
	}
	if len(flags) == 0 {
		return append([]string{"orkasim (its defaults match every variant seen)"}, lines...)
	}
	return append([]string{"orkasim " + strings.Join(flags, " "), "orkasim.Options{" + strings.Join(options, ", ") + "}"}, lines...)
}

// redactedExcerpt quotes a body through the client's redaction.
func redactedExcerpt(body []byte, secrets []string) string {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "(empty body)"
	}
	return orka.RedactedExcerpt(body, secrets...)
}
