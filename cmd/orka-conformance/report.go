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
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Assumed contract items (orka-api.md [ASSUMED]):")
	for _, it := range items {
		res := r.results[it.ID]
		fmt.Fprintf(w, "  %-13s %-33s §%s %s\n", strings.ToUpper(res.Outcome), it.ID, it.Section, it.Claim)
		for _, d := range res.Details {
			fmt.Fprintf(w, "      %s\n", d)
		}
		if res.Outcome == contradicted && res.Request != "" {
			fmt.Fprintf(w, "      answer: %s -> %d %s\n", res.Request, res.Status, res.Excerpt)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Routes the provider uses (statuses seen):")
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

// redactedExcerpt quotes a body through the client's redaction.
func redactedExcerpt(body []byte, secrets []string) string {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "(empty body)"
	}
	return orka.RedactedExcerpt(body, secrets...)
}
