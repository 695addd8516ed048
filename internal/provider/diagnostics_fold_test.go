package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// A pool's service-account token used in the administrators' workspace: every one of its 45
// objects is refused for the same reason. The plan explains that reason once, in full, in the
// error that stops it, and every other object gets a short warning that names it and points at
// that error, which Terraform folds into one block; the whole output stays short enough to
// read (the user report: 45 errors in 1,083 lines; this test measured 903 lines for the
// create and 1,128 for the refresh before the folding).
func TestAccDiagnostics_oneCauseExplainedOnce(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	token := e.serviceAccountToken(t)
	c := newTFCLI(t, e)
	admin := func(tok string) string {
		return fmt.Sprintf(`terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}
provider "orka" {
  endpoint    = %q
  token       = %q
  max_retries = 0
}
resource "orka_service_account" "pool" {
  count     = 45
  namespace = "orka-ci"
  name      = "pool-${count.index}"
}
`, e.endpoint, tok)
	}
	c.write("main.tf", admin(token))
	c.run(false, "init", "-input=false")

	// 45 objects to create: refused at plan, before anything is sent.
	create := c.run(true, "plan", "-input=false")
	checkFolded(t, "create", create, 45)

	// The same 45 objects, created by an administrator, then refreshed with the pool's token.
	c.write("main.tf", admin(e.token))
	c.run(false, "apply", "-input=false", "-auto-approve")
	c.write("main.tf", admin(token))
	refresh := c.run(true, "plan", "-input=false")
	checkFolded(t, "refresh", refresh, 45)
}

func checkFolded(t *testing.T, what, out string, objects int) {
	t.Helper()
	lines := strings.Count(out, "\n")
	t.Logf("%s: %d objects refused in %d lines of output", what, objects, lines)
	if n := strings.Count(out, "Error: "+summaryAdminNeeded); n != 1 {
		t.Errorf("%s: %d errors, want 1 that explains the cause and stops the run:\n%s", what, n, out)
	}
	// Terraform folds the other objects' warnings into one block that counts them.
	if !strings.Contains(out, "Warning: "+summaryAdminNeeded) ||
		!wrapped(fmt.Sprintf("(and %d more similar warnings elsewhere)", objects-2)).MatchString(out) {
		t.Errorf("%s: the other %d objects are not reported in one folded warning:\n%s", what, objects-1, out)
	}
	if !wrapped(`Same cause as the error "` + summaryAdminNeeded + `" of this run that gives the full explanation`).MatchString(out) {
		t.Errorf("%s: the short warning does not point at the explanation:\n%s", what, out)
	}
	explanation := wrapped("No regular service-account token can do them")
	if n := len(explanation.FindAllStringIndex(out, -1)); n != 1 {
		t.Errorf("%s: the full explanation is given %d times, want once", what, n)
	}
	// A failed plan first lists the changes Terraform did plan (six lines per new object here):
	// that is Terraform's own rendering. What the provider says starts after it.
	diagnostics := out
	if i := strings.Index(out, "to destroy."); i >= 0 {
		diagnostics = out[i:]
	}
	n := strings.Count(diagnostics, "\n")
	t.Logf("%s: %d lines of output, %d of them diagnostics", what, lines, n)
	if n >= 150 {
		t.Errorf("%s: %d lines of diagnostics for %d objects, want under 150:\n%s", what, n, objects, out)
	}
}

// Errors of one cause are shortened after the first; with a stop-only call they become
// warnings. A missing namespace binding is one cause per namespace; other errors are untouched.
func TestCauseFolder(t *testing.T) {
	diag := func(summary, detail string) *tfprotov6.Diagnostic {
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}
	}
	f := newCauseFolder()
	first := diag(summaryTokenRejected, "Could not read VM \"a\".\n\nGET ...: 401\n\n"+tokenRejectedAdvice)
	second := diag(summaryTokenRejected, "Could not read VM \"b\".\n\nGET ...: 401\n\n"+tokenRejectedAdvice)
	own := diag(`Could not deploy VM "c"`, "POST ...: 400\n\nOrka refused the request")
	nsA1 := diag(summaryForbidden, "Could not read VM \"d\".\n\n403\n\nbind it to orka-a")
	nsB := diag(summaryForbidden, "Could not read VM \"e\".\n\n403\n\nbind it to orka-b")
	nsA2 := diag(summaryForbidden, "Could not read VM \"f\".\n\n403\n\nbind it to orka-a")
	f.fold([]*tfprotov6.Diagnostic{first, second, own, nsA1, nsB, nsA2}, foldedRead)
	if first.Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(first.Detail, tokenRejectedAdvice) {
		t.Errorf("the first diagnostic of a cause was changed: %+v", first)
	}
	if second.Severity != tfprotov6.DiagnosticSeverityWarning || strings.Contains(second.Detail, tokenRejectedAdvice) ||
		!strings.HasPrefix(second.Detail, `Could not read VM "b".`) || !strings.Contains(second.Detail, foldedRead) {
		t.Errorf("the second diagnostic of a cause is not a short warning naming its object: %+v", second)
	}
	if own.Severity != tfprotov6.DiagnosticSeverityError || own.Detail != "POST ...: 400\n\nOrka refused the request" {
		t.Errorf("an error about one object was folded: %+v", own)
	}
	if nsA1.Severity != tfprotov6.DiagnosticSeverityError || nsB.Severity != tfprotov6.DiagnosticSeverityError ||
		nsA2.Severity != tfprotov6.DiagnosticSeverityWarning {
		t.Errorf("namespace bindings: orka-a %v, orka-b %v, orka-a again %v; want error, error, warning",
			nsA1.Severity, nsB.Severity, nsA2.Severity)
	}
	// On apply the later ones stay errors, shortened.
	third := diag(summaryTokenRejected, "Could not deploy VM \"g\".\n\nPOST ...: 401\n\n"+tokenRejectedAdvice)
	f.fold([]*tfprotov6.Diagnostic{third}, "")
	if third.Severity != tfprotov6.DiagnosticSeverityError || strings.Contains(third.Detail, tokenRejectedAdvice) {
		t.Errorf("an apply error of a known cause is not a short error: %+v", third)
	}
}
