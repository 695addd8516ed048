package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// The documented ways of handing tokens and passwords to their consumers never print them:
// each example is applied, its secrets rotated (an Orka upgrade that invalidates tokens and
// loses registry credentials, a new registry password, an on-demand rotation), and no token
// or password appears anywhere in the output of init, plan or apply.

// secretsSeen collects every secret a run dealt with: the simulator's admin token, the
// passwords given, and every token that any state ever held.
type secretsSeen map[string]bool

// addFromState adds every `token` and `password` value in the working directory's state.
func (s secretsSeen) addFromState(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			for _, k := range []string{"token", "password"} {
				if v, ok := in.Attributes[k].(string); ok && v != "" {
					s[v] = true
					n++
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the state holds no token: the test would prove nothing")
	}
}

// assertNoSecret fails for every secret found in any of the outputs.
func (s secretsSeen) assertNoSecret(t *testing.T, outputs map[string]string) {
	t.Helper()
	for step, out := range outputs {
		for secret := range s {
			if strings.Contains(out, secret) {
				t.Errorf("the output of %q shows a secret (%d characters, starting %q)", step, len(secret), secret[:4])
			}
			// A token cut by line wrapping would still leak its signature.
			if len(secret) > 40 && strings.Contains(out, secret[len(secret)-32:]) {
				t.Errorf("the output of %q shows the end of a secret", step)
			}
		}
	}
}

func TestAccSecrets_upgradeRecoveryExampleRotationPrintsNoSecret(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	src, err := os.ReadFile("../../examples/upgrade-recovery/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	c.write("main.tf", string(src))
	c.setenv("ORKA_ENDPOINT", e.endpoint, "ORKA_TOKEN", e.token)
	c.env = append(c.env, "TF_VAR_runners=2", "TF_VAR_registry_password=registry-password-one")
	seen := secretsSeen{e.token: true, "registry-password-one": true, "registry-password-two": true}
	out := map[string]string{}

	out["init"] = c.run(false, "init", "-input=false")
	out["apply"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen.addFromState(t, c.dir)

	// An infrastructure upgrade invalidates the CI token and loses the registry credential.
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "infrastructure", VMs: "all"}); err != nil {
		t.Fatal(err)
	}
	out["plan after upgrade"] = c.run(false, "plan", "-input=false")
	if !strings.Contains(out["plan after upgrade"], "# terraform_data.ci_system_secret ") {
		t.Fatalf("the plan after the upgrade does not hand the new token over:\n%s", out["plan after upgrade"])
	}
	// The upgrade removed several objects: their warnings share one summary, so Terraform
	// folds them into one block instead of repeating the paragraph per object.
	if n := strings.Count(out["plan after upgrade"], "Warning: "+summaryGone); n != 1 {
		t.Errorf("the plan after the upgrade shows %d %q warnings, want 1 folded block:\n%s", n, summaryGone, out["plan after upgrade"])
	}
	if !strings.Contains(out["plan after upgrade"], "more similar warnings elsewhere") {
		t.Errorf("the plan after the upgrade does not fold the removed objects' warnings:\n%s", out["plan after upgrade"])
	}
	out["apply after upgrade"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen.addFromState(t, c.dir)

	// A new registry password.
	c.env = append(c.env, "TF_VAR_registry_password=registry-password-two")
	out["plan new password"] = c.run(false, "plan", "-input=false")
	out["apply new password"] = c.run(false, "apply", "-auto-approve", "-input=false")
	out["output"] = c.run(false, "output")
	seen.addFromState(t, c.dir)

	seen.assertNoSecret(t, out)
	if len(seen) < 5 {
		t.Fatalf("only %d secrets were seen; expected the admin token, two passwords and two CI tokens", len(seen))
	}
}

func TestAccSecrets_tokenResourceExampleRotationPrintsNoSecret(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	src, err := os.ReadFile("../../examples/resources/orka_service_account_token/resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	c.write("main.tf", c.providerBlock()+string(src))
	seen := secretsSeen{e.token: true}
	out := map[string]string{}

	out["init"] = c.run(false, "init", "-input=false")
	out["apply"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen.addFromState(t, c.dir)

	// Rotation on demand, as the example's comment says.
	rotated := strings.Replace(string(src), `rotation = "1"`, `rotation = "2"`, 1)
	if rotated == string(src) {
		t.Fatal("the example no longer has the keepers rotation this test turns")
	}
	c.write("main.tf", c.providerBlock()+rotated)
	out["plan rotation"] = c.run(false, "plan", "-input=false")
	out["apply rotation"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen.addFromState(t, c.dir)

	// A release upgrade invalidates the token; the next run regenerates it.
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "release", VMs: "none"}); err != nil {
		t.Fatal(err)
	}
	out["plan after upgrade"] = c.run(false, "plan", "-input=false")
	out["apply after upgrade"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen.addFromState(t, c.dir)

	seen.assertNoSecret(t, out)
	if len(seen) < 4 {
		t.Fatalf("only %d secrets were seen; expected the admin token and three CI tokens", len(seen))
	}
}
