package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// A Terraform killed (SIGKILL) while it creates a namespace, a VM config, a service account and
// a registry credential leaves them in Orka and out of its state. The next apply in the same
// working directory adopts them, with nothing imported by hand; and where the record of
// creates in flight is gone (a fresh working directory), the objects are refused, never
// adopted, with the import command.
func TestAccInflight_killedApplyConvergesWithoutImport(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	c.setenv("TF_DATA_DIR", filepath.Join(c.dir, ".terraform")) // the provider runs in this process
	cfg := testName("cfg")
	c.write("main.tf", c.providerBlock()+`
resource "orka_namespace" "team" {
  name = "orka-team"
}
resource "orka_vm_config" "c" {
  name  = "`+cfg+`"
  image = "90gbsonomassd.orkasi"
}
resource "orka_service_account" "ci" {
  namespace = "orka-default"
  name      = "ci"
}
resource "orka_registry_credential" "ghcr" {
  namespace = "orka-default"
  server    = "https://ghcr.io"
  username  = "bot"
  password  = "registry-secret"
}
`)
	c.run(false, "init", "-input=false")
	// terraform init makes the data directory when it installs the provider; this test's
	// provider is served in-process, so make it as init would.
	if err := os.MkdirAll(filepath.Join(c.dir, ".terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Every create is held for a while, so that Terraform can be killed while they are in
	// flight; the simulator carries them out all the same.
	for _, p := range []string{"/api/v1/namespaces", "/api/v1/namespaces/orka-default/vmconfigs",
		"/api/v1/namespaces/orka-default/serviceaccounts/ci", "/api/v1/namespaces/orka-default/secrets/registrycredentials/add"} {
		mustFault(t, e, orkasim.Fault{Method: "POST", Path: p, Delay: "2s"})
	}
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "apply", "-auto-approve", "-input=false", "-no-color") //nolint:gosec // the test's own terraform
	cmd.Dir = c.dir
	cmd.Env = append(append([]string{}, c.env...), "TF_REATTACH_PROVIDERS="+c.serve())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inFlight := func() int {
		n := 0
		for _, r := range e.sim.Requests() {
			if r.Method == "POST" && r.Status == 0 {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(time.Minute); inFlight() < 4; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the creates were never sent: %v", e.sim.Requests())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for deadline := time.Now().Add(time.Minute); inFlight() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the held creates never landed")
		}
	}
	snap := e.sim.Snapshot()
	if _, ok := snap.Namespaces["orka-team"]; !ok {
		t.Fatal("the namespace create did not land; the test cannot show the recovery")
	}
	if state := c.run(true, "state", "list"); strings.Contains(state, "orka_namespace.team") {
		t.Fatalf("the killed apply recorded the namespace after all:\n%s", state)
	}

	if entries, err := os.ReadDir(filepath.Join(c.dir, ".terraform", inflightDirName)); len(entries) != 4 {
		t.Fatalf("after the kill, %d records of creates in flight (%v), want 4", len(entries), err)
	}

	// A copy of the working directory without the record: the objects are refused, with the
	// import command, and nothing is adopted.
	bare := newTFCLI(t, e)
	main, _ := os.ReadFile(filepath.Join(c.dir, "main.tf"))
	bare.write("main.tf", string(main))
	bare.run(false, "init", "-input=false")
	if err := os.MkdirAll(filepath.Join(bare.dir, ".terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_DATA_DIR", filepath.Join(bare.dir, ".terraform"))
	out := bare.run(true, "apply", "-auto-approve", "-input=false")
	for _, want := range []string{"Object already exists in Orka", "import"} {
		if !strings.Contains(out, want) {
			t.Fatalf("without the record, the apply does not say %q:\n%s", want, out)
		}
	}

	// The working directory whose apply was killed: one apply finishes the estate.
	t.Setenv("TF_DATA_DIR", filepath.Join(c.dir, ".terraform"))
	out = c.run(false, "apply", "-auto-approve", "-input=false")
	if !strings.Contains(out, "Apply complete!") {
		t.Fatalf("the apply after the kill did not finish:\n%s", out)
	}
	if plan := c.run(false, "plan", "-input=false", "-detailed-exitcode"); !strings.Contains(plan, "No changes.") {
		t.Fatalf("the estate did not converge:\n%s", plan)
	}
	for _, r := range e.sim.Requests() {
		if r.Method == "DELETE" {
			t.Errorf("the recovery deleted something: %s %s", r.Method, r.Path)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(c.dir, ".terraform", inflightDirName)); len(entries) != 0 {
		t.Errorf("records of creates in flight are left after the estate converged: %d", len(entries))
	}
}
