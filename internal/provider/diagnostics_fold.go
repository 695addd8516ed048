package provider

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// causeFolder gives a shared cause's full explanation once per provider server, and a short
// diagnostic to every other object it hits: a pool's token in the administrators' workspace
// otherwise repeats the same fifteen-line paragraph for each of its objects (45 objects made
// over a thousand lines of output, in which the one thing to do was hard to find).
//
// Terraform folds repeated warnings of one summary into one block ("and N more similar
// warnings"), never errors, and any one error fails the run. So where a diagnostic only has to
// stop the run, the later ones become warnings: a refresh (ReadResource) keeps the object's
// prior state and a plan (PlanResourceChange) is refused all the same, by the first error,
// which the same Terraform run receives from the same provider server. Where the error itself
// must stand, because the operation failed (ApplyResourceChange: Terraform needs an error to
// know a create, change or destroy did not happen), the later ones stay errors with the short
// text.
//
// One provider server serves one Terraform command (each walk, in Terraform's own plugin
// processes), so "first" means first in that run. Every provider configuration (alias) of the
// run shares it.
type causeFolder struct {
	mu sync.Mutex
	// first holds the causes (summaries, and for a missing namespace binding its advice) whose
	// full diagnostic has been given.
	first map[string]bool
}

// foldedCauses are the summaries of causes shared by every object they hit (see the summary
// constants).
var foldedCauses = map[string]bool{
	summaryTokenRejected: true, summaryAdminNeeded: true, summaryForbidden: true, summaryUnavailable: true,
	summaryUnreachable: true, summaryTLS: true, summaryScheme: true,
}

func newCauseFolder() *causeFolder { return &causeFolder{first: map[string]bool{}} }

// fold shortens every error of a shared cause after the first. With left (the call's error
// is only there to stop the run) it also makes them warnings, which Terraform folds, and left
// says what became of the object.
func (f *causeFolder) fold(diags []*tfprotov6.Diagnostic, left string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range diags {
		if d == nil || d.Severity != tfprotov6.DiagnosticSeverityError || !foldedCauses[d.Summary] {
			continue
		}
		key := d.Summary
		if d.Summary == summaryForbidden {
			// Its advice names the namespace whose role binding lacks the token: one cause per
			// advice, not one for every namespace.
			key += "\x00" + d.Detail[strings.LastIndex(d.Detail, "\n\n")+1:]
		}
		if !f.first[key] {
			f.first[key] = true
			continue
		}
		d.Detail = fmt.Sprintf("%s\n\nSame cause as the error %q of this run that gives the full explanation "+
			"and what to do.", firstParagraph(d.Detail), d.Summary)
		if left != "" {
			d.Severity = tfprotov6.DiagnosticSeverityWarning
			d.Detail += " " + left
		}
	}
}

// What the folded warnings say became of their object.
const (
	foldedRead = "This object was not refreshed: its state is kept as it was, and that error stops the run."
	foldedPlan = "Terraform lists this object's change, but that error stops the plan: nothing will be applied."
)

// firstParagraph is a diagnostic's opening sentence or two: what was being done, and to which
// object (describeAPIError and requireAdministrator lead with it).
func firstParagraph(detail string) string {
	p, _, _ := strings.Cut(detail, "\n\n")
	p = strings.TrimSpace(p)
	if !strings.HasSuffix(p, ".") {
		p += "."
	}
	return p
}
