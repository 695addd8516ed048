package provider

import (
	"fmt"
	"strings"
	"testing"

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
