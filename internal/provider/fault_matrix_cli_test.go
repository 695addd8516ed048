package provider

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// The parts of the fault matrix that need more than one state or a Terraform that dies: they
// run the real terraform CLI (cli_harness_test.go) over the same resources as the table of
// fault_matrix_test.go, so that a kind added there is covered here too.

// fmTerraformBlock is the terraform and provider blocks of one configuration, named owner.
func fmTerraformBlock(e *testEnv, owner string) string {
	return `terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}
` + configWithOwner(e, owner, "")
}

// fmOtherHCL is a second configuration's declaration of the same objects as res. A node is
// placed into a namespace of the second configuration's own: its namespace and its node are
// both taken, and each refusal is what this case is about.
func fmOtherHCL(res fmResource) string {
	hcl := res.hcl(false)
	if res.name == "node" {
		hcl = strings.ReplaceAll(hcl, `"orka-fm-node"`, `"orka-fm-node-b"`)
	}
	return hcl
}

// fmWrites lists the successful requests of the log that change something in Orka, except
// the creates of namespaces named in own (the second configuration's own objects).
func fmWrites(log []orkasim.RequestRecord, own ...string) []string {
	var out []string
	for _, r := range log {
		if r.Method == http.MethodGet || r.Status < 200 || r.Status > 299 {
			continue
		}
		if r.Method == http.MethodPost && r.Path == "/api/v1/namespaces" && len(own) > 0 {
			continue
		}
		if r.Method == http.MethodDelete && contains(own, strings.TrimPrefix(r.Path, "/api/v1/namespaces/")) {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// Two configurations (two states, two owners) on one cluster declare objects of the same
// names, for every kind. Team A applies first. Team B's apply, with a 500 on its create route
// for good measure, is refused: with the import block for the object it may not take, or,
// for a node in A's namespace, with take_from_other_namespace. Nothing of A's is adopted,
// changed or deleted, and A's next plan is empty.
func TestAccFaultMatrix_twoConfigurations(t *testing.T) {
	for _, res := range fmResources() {
		t.Run(res.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, fmSimOptions)
			e.needSim(t)
			a, b := newTFCLI(t, e), newTFCLI(t, e)
			a.write("main.tf", fmTerraformBlock(e, "acme/team-a")+res.hcl(false))
			b.write("main.tf", fmTerraformBlock(e, "acme/team-b")+fmOtherHCL(res))
			a.run(false, "init", "-input=false")
			b.run(false, "init", "-input=false")
			a.run(false, "apply", "-auto-approve", "-input=false")
			base := e.sim.Snapshot()
			before := simInventory(base, orkasim.New(orkasim.Options{}).Snapshot())

			e.sim.ClearRequests()
			ep := res.routes[fmCreate]
			mustFault(t, e, orkasim.Fault{Method: ep.method, Path: ep.path, Status: http.StatusInternalServerError})
			out := b.run(true, "apply", "-auto-approve", "-input=false")
			e.sim.ClearFaults()

			refusal := regexp.MustCompile(`(?s)Object already exists in Orka.*import \{\s+to = <address>\s+id = "[^"]+"\s+\}`)
			if res.name == "node" {
				refusal = regexp.MustCompile(`(?s)take_from_other_namespace`)
			}
			if !refusal.MatchString(out) {
				t.Fatalf("team B was not refused with %q:\n%s", refusal, out)
			}
			if w := fmWrites(e.sim.Requests(), "orka-fm-node-b"); len(w) > 0 {
				t.Fatalf("team B's refused apply changed Orka:\n%s\n\n%s", strings.Join(w, "\n"), out)
			}
			after := simInventory(e.sim.Snapshot(), orkasim.New(orkasim.Options{}).Snapshot())
			for k := range before {
				if !after[k] {
					t.Errorf("team A's %s is gone after team B's apply", k)
				}
			}
			if n := e.sim.Snapshot().Nodes["mini-arm-4"]; res.name == "node" && (n.Namespace != "orka-fm-node" || strings.Join(n.OrkaTags, ",") != "fm") {
				t.Errorf("team A's node was changed: %+v", n)
			}

			a.run(false, "plan", "-input=false", "-detailed-exitcode")
			b.run(false, "destroy", "-auto-approve", "-input=false")
			a.run(false, "destroy", "-auto-approve", "-input=false")
			if left := simInventory(e.sim.Snapshot(), orkasim.New(orkasim.Options{}).Snapshot()); len(left) > 0 {
				t.Errorf("left in Orka after both destroys: %v", left)
			}
		})
	}
}

// fmKillDuringCreates starts an apply of the working directory, holds the create of each
// resource of res until Terraform has sent them all, kills Terraform (SIGKILL, as a stopped CI
// runner), and waits until Orka has carried the held creates out.
func fmKillDuringCreates(t *testing.T, e *testEnv, c *tfCLI, res []fmResource) {
	t.Helper()
	held := map[string]bool{}
	for _, r := range res {
		ep := r.routes[fmCreate]
		mustFault(t, e, orkasim.Fault{Method: ep.method, Path: ep.path, Delay: "2s"})
		held[ep.method+" "+ep.path] = true
	}
	e.sim.ClearRequests()
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "apply", "-auto-approve", "-input=false", "-no-color") //nolint:gosec // the test's own terraform
	cmd.Dir = c.dir
	cmd.Env = append(append([]string{}, c.env...), "TF_REATTACH_PROVIDERS="+c.serve())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inFlight := func() (sent, open int) {
		seen := map[string]bool{}
		for _, r := range e.sim.Requests() {
			if k := r.Method + " " + r.Path; held[k] {
				seen[k] = true
				if r.Status == 0 {
					open++
				}
			}
		}
		return len(seen), open
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if sent, _ := inFlight(); sent == len(held) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the creates were never all sent: %v", e.sim.Requests())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, open := inFlight(); open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the held creates never landed")
		}
	}
	e.sim.ClearFaults()
}

// fmConverged checks that one apply after the kill finished the estate: no delete was sent,
// the next plan is empty, Orka holds exactly what the state names, and no record of a create in
// flight is left.
func fmConverged(t *testing.T, e *testEnv, c *tfCLI, base orkasim.Snapshot, out string) {
	t.Helper()
	if !strings.Contains(out, "Apply complete!") {
		t.Fatalf("the apply after the kill did not finish:\n%s", out)
	}
	for _, r := range e.sim.Requests() {
		if r.Method == http.MethodDelete || strings.HasSuffix(r.Path, "/remove") {
			t.Errorf("the recovery deleted something: %s %s", r.Method, r.Path)
		}
	}
	c.run(false, "plan", "-input=false", "-detailed-exitcode")
	listed := strings.Fields(c.run(false, "state", "list"))
	got := simInventory(e.sim.Snapshot(), base)
	var inOrka []string
	for k := range got {
		inOrka = append(inOrka, k)
	}
	sort.Strings(inOrka)
	var managed []string
	for _, addr := range listed {
		if !strings.HasPrefix(addr, "orka_service_account_token.") {
			managed = append(managed, addr)
		}
	}
	if len(inOrka) != len(managed) {
		t.Errorf("Orka holds %d objects of the estate (%v), the state %d (%v): an orphan or a duplicate", len(inOrka), inOrka, len(managed), managed)
	}
	if entries, _ := os.ReadDir(filepath.Join(c.dir, ".terraform", inflightDirName)); len(entries) != 0 {
		t.Errorf("records of creates in flight are left after the estate converged: %d", len(entries))
	}
}

// A Terraform killed while it creates each kind of object. The estate is built in two rounds,
// because a token and a node placement need an account and a namespace first: first every
// kind without dependencies is in flight when Terraform dies, then the token and the node. After
// each kill, one apply in the same working directory finishes the estate with nothing
// imported by hand, nothing deleted and nothing created twice.
func TestAccFaultMatrix_killedTerraform(t *testing.T) {
	e := newTestEnv(t, fmSimOptions)
	e.needSim(t)
	base := e.sim.Snapshot()
	c := newTFCLI(t, e)
	c.setenv("TF_DATA_DIR", filepath.Join(c.dir, ".terraform")) // the provider runs in this process

	var first, second []fmResource
	for _, r := range fmResources() {
		if r.name == "service_account_token" || r.name == "node" {
			second = append(second, r)
		} else {
			first = append(first, r)
		}
	}
	hcl := func(rs []fmResource) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.hcl(false) + "\n")
		}
		return b.String()
	}
	c.write("main.tf", fmTerraformBlock(e, "acme/fm")+hcl(first))
	c.run(false, "init", "-input=false")
	if err := os.MkdirAll(filepath.Join(c.dir, ".terraform"), 0o750); err != nil {
		t.Fatal(err)
	}

	for round, rs := range [][]fmResource{first, second} {
		if round == 1 {
			c.write("main.tf", fmTerraformBlock(e, "acme/fm")+hcl(first)+hcl(second))
		}
		fmKillDuringCreates(t, e, c, rs)
		e.sim.ClearRequests()
		out := c.run(false, "apply", "-auto-approve", "-input=false")
		fmConverged(t, e, c, base, out)
		if t.Failed() {
			t.FailNow()
		}
	}
	// The token minted by the killed apply is held by nobody (Orka cannot list or revoke one),
	// so Orka accepts at most that one beyond the token in state.
	if n := e.sim.Snapshot().ValidTokens; n > 2 {
		t.Errorf("Orka accepts %d service-account tokens after the recovery, want at most 2", n)
	}
	c.run(false, "destroy", "-auto-approve", "-input=false")
	if left := simInventory(e.sim.Snapshot(), base); len(left) > 0 {
		t.Errorf("left in Orka after destroy: %v", left)
	}
}
