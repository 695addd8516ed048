package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orka"
	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// testClock is a clock shared by a simulator and the provider, moved by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// oneLine folds Terraform's wrapped output into single spaces, so that a sentence can be
// looked for whatever the terminal width.
func oneLine(s string) string {
	s = strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// serviceAccountToken makes a service account in orka-default and mints a token for it.
func serviceAccountToken(t *testing.T, e *testEnv, duration string) (name, token string) {
	t.Helper()
	ctx := testContext(t)
	name = testName("bot")
	if err := e.client.CreateServiceAccount(ctx, orka.DefaultNamespace, name); err != nil {
		t.Fatal(err)
	}
	token, err := e.client.CreateServiceAccountToken(ctx, orka.DefaultNamespace, name, orka.TokenRequest{Duration: duration})
	if err != nil {
		t.Fatal(err)
	}
	return name, token
}

// tokenProviderBlock is the terraform and provider blocks with a provider body of the test's.
func tokenProviderBlock(endpoint, body string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}

provider "orka" {
  endpoint    = %q
  max_retries = 0
%s
}
`, endpoint, body)
}

// vmsReader reads orka-default's VMs, which a service-account token of orka-default may do.
const vmsReader = `
data "orka_vms" "default" {
  namespace = "orka-default"
}
`

func TestAccTokenExpiry_planWarnsNamingTheAccount(t *testing.T) {
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	e := newTestEnv(t, orkasim.Options{Now: clock.now})
	e.needSim(t)
	e.now = clock.now
	name, token := serviceAccountToken(t, e, "10m")
	c := newTFCLI(t, e)
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  token = %q", token))+vmsReader)
	c.run(false, "init", "-input=false")
	out := oneLine(c.run(false, "plan", "-input=false"))
	expires := clock.now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	for _, want := range []string{
		"No changes.",
		"Warning: " + summaryTokenExpiring,
		"The provider's token, for service account orka-default/" + name + ", expires at " + expires + ", in 10m0s",
		"`orka3 serviceaccount token " + name + " --namespace orka-default`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
	secretsSeen{token: true}.assertNoSecret(t, map[string]string{"plan": out})

	// A lead time shorter than what is left: no warning.
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  token = %q\n  token_expiry_warning = \"5m\"", token))+vmsReader)
	if out := c.run(false, "plan", "-input=false"); strings.Contains(out, summaryTokenExpiring) {
		t.Errorf("a token with 10 minutes left warns under a 5-minute lead:\n%s", out)
	}

	// A one-hour user token, pasted fresh for an attended run, is short-lived by design: no
	// warning on every such run, only once it nears its end.
	user := e.sim.AddUser("alice@example.com", true)
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  token = %q", user))+vmsReader)
	if out := c.run(false, "plan", "-input=false"); strings.Contains(out, summaryTokenExpiring) {
		t.Errorf("a fresh one-hour user token warns that it expires soon:\n%s", out)
	}
	clock.add(50 * time.Minute)
	if out := oneLine(c.run(false, "plan", "-input=false")); !strings.Contains(out, "for user alice@example.com, expires at") {
		t.Errorf("a user token with 10 minutes left does not warn:\n%s", out)
	}
}

func TestAccTokenRejected_expiredAndRevokedSayWhich(t *testing.T) {
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	e := newTestEnv(t, orkasim.Options{Now: clock.now})
	e.needSim(t)
	e.now = clock.now
	c := newTFCLI(t, e)

	// Expired: ten minutes pass the token's lifetime.
	name, token := serviceAccountToken(t, e, "10m")
	expiredAt := clock.now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  token = %q\n  token_expiry_warning = \"0s\"", token))+vmsReader)
	c.run(false, "init", "-input=false")
	clock.add(11 * time.Minute)
	out := oneLine(c.run(true, "plan", "-input=false"))
	for _, want := range []string{
		"Error: " + summaryTokenRejected,
		"for service account orka-default/" + name + ". The token expired at " + expiredAt + ".",
		"`orka3 serviceaccount token " + name + " --namespace orka-default`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan with an expired token does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rejected while valid") {
		t.Errorf("an expired token is said to be rejected while valid:\n%s", out)
	}

	// Revoked while valid: a release upgrade regenerates every service-account token.
	name, token = serviceAccountToken(t, e, "")
	validUntil := clock.now().Add(8760 * time.Hour).UTC().Format(time.RFC3339)
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  token = %q", token))+vmsReader)
	c.run(false, "plan", "-input=false")
	if _, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "release", VMs: "none"}); err != nil {
		t.Fatal(err)
	}
	out = oneLine(c.run(true, "plan", "-input=false"))
	for _, want := range []string{
		"Error: " + summaryTokenRejected,
		"for service account orka-default/" + name + ". It was rejected while valid until " + validUntil +
			": tokens die before their time after an Orka release upgrade",
		"or when their account is deleted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan with a revoked token does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "The token expired at") {
		t.Errorf("a revoked token is said to have expired:\n%s", out)
	}
}

const (
	eksTestKeyID  = "AKIAORKAACCTEST00001"
	eksTestSecret = "orka-acc-test-aws-secret-key"
	eksTestName   = "orka-on-aws"
)

// awsStaticCredentials gives the in-process provider's AWS SDK static credentials and nothing
// else, so that it signs offline.
func awsStaticCredentials(c *tfCLI) {
	dir := c.t.TempDir()
	c.setenv("AWS_ACCESS_KEY_ID", eksTestKeyID, "AWS_SECRET_ACCESS_KEY", eksTestSecret, "AWS_SESSION_TOKEN", "",
		"AWS_REGION", "eu-west-1", "AWS_PROFILE", "", "AWS_CONFIG_FILE", filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED", "true",
		"ORKA_TOKEN", "")
}

// adminEstate is the administrator's work of the EKS test: a namespace, a service account in
// it and a token for that account.
func adminEstate(ns string) string {
	return fmt.Sprintf(`
resource "orka_namespace" "ci" {
  name = %q
}

resource "orka_service_account" "ci" {
  name      = "ci"
  namespace = orka_namespace.ci.name
}

resource "orka_service_account_token" "ci" {
  service_account = orka_service_account.ci.name
  namespace       = orka_service_account.ci.namespace
}
`, ns)
}

func TestAccEKSTokenSource_adminAppliesAcrossReleaseUpgrade(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{EKSCluster: eksTestName, EKSIdentities: []orkasim.EKSIdentity{
		{AccessKeyID: eksTestKeyID, SecretAccessKey: eksTestSecret, User: "eks-admin", Admin: true}}})
	e.needSim(t)
	c := newTFCLI(t, e)
	awsStaticCredentials(c)
	ns := testName("orka-eks")
	c.write("main.tf", tokenProviderBlock(e.endpoint, "  eks = {\n    cluster_name = \""+eksTestName+"\"\n  }")+adminEstate(ns))
	out := map[string]string{}
	out["init"] = c.run(false, "init", "-input=false")
	out["apply"] = c.run(false, "apply", "-auto-approve", "-input=false")
	seen := secretsSeen{e.token: true, eksTestSecret: true, "k8s-aws-v1.": true}
	seen.addFromState(t, c.dir)
	if _, err := e.client.GetNamespace(testContext(t), ns); err != nil {
		t.Fatalf("the namespace the EKS-authenticated apply made is not there: %v", err)
	}

	// A release upgrade invalidates service-account tokens, not the EKS identity: the next apply
	// regenerates the CI token with it.
	res, err := e.sim.Upgrade(orkasim.UpgradeRequest{Type: "release", VMs: "none"})
	if err != nil || res.InvalidatedTokens == 0 {
		t.Fatalf("upgrade: %+v, %v", res, err)
	}
	out["apply after upgrade"] = c.run(false, "apply", "-auto-approve", "-input=false")
	if !strings.Contains(out["apply after upgrade"], "1 added") {
		t.Errorf("the apply after the upgrade did not regenerate the token:\n%s", out["apply after upgrade"])
	}
	seen.addFromState(t, c.dir)
	out["plan"] = c.run(false, "plan", "-input=false", "-detailed-exitcode")
	seen.assertNoSecret(t, out)
	if len(seen) < 5 {
		t.Fatalf("only %d secrets were seen; expected the admin token, the AWS secret, the EKS prefix and two CI tokens", len(seen))
	}

	// An identity that the cluster does not map is refused, and the error says what to check.
	c.setenv("AWS_ACCESS_KEY_ID", "AKIAORKANOTMAPPED001")
	fail := oneLine(c.run(true, "plan", "-input=false", "-refresh=true"))
	for _, want := range []string{"Error: " + summaryTokenRejected, "EKS IAM token", "access key …D001", "access entry", "cluster_name"} {
		if !strings.Contains(fail, want) {
			t.Errorf("the plan with an unmapped AWS identity does not say %q:\n%s", want, fail)
		}
	}

	// From the environment alone (ORKA_EKS_CLUSTER_NAME), with the AWS credentials in a shared
	// config file named by shared_config_files, as HCP Terraform's dynamic credentials hand
	// them over (here a credential_process, so that nothing leaves this machine).
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds.sh")
	if err := os.WriteFile(creds, []byte("#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\""+eksTestKeyID+
		"\",\"SecretAccessKey\":\""+eksTestSecret+"\"}'\n"), 0o700); err != nil { //nolint:gosec // executable test script
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "config")
	if err := os.WriteFile(shared, []byte("[default]\nregion = eu-west-1\ncredential_process = "+creds+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.setenv("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "", "ORKA_EKS_CLUSTER_NAME", eksTestName,
		"AWS_CONFIG_FILE", shared)
	c.write("main.tf", tokenProviderBlock(e.endpoint, "")+adminEstate(ns))
	if out := c.run(false, "plan", "-input=false"); !strings.Contains(out, "No changes.") {
		t.Errorf("ORKA_EKS_CLUSTER_NAME with AWS_CONFIG_FILE: the plan shows changes:\n%s", out)
	}
	// The default config file holds nothing now: only shared_config_files can give credentials.
	c.setenv("ORKA_EKS_CLUSTER_NAME", "", "AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  eks = {\n    cluster_name = %q\n    shared_config_files = [%q]\n  }", eksTestName, shared))+adminEstate(ns))
	if out := c.run(false, "plan", "-input=false"); !strings.Contains(out, "No changes.") {
		t.Errorf("eks with shared_config_files: the plan shows changes:\n%s", out)
	}
}

// tokenLines writes an exec command that prints line N of a file on its Nth run (the last
// line once the file has fewer), and returns its path and how many times it ran.
func tokenLines(t *testing.T, tokens ...string) (string, func() int) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	if err := os.WriteFile(file, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "orka-token")
	body := fmt.Sprintf("#!/bin/sh\nn=$(cat %[1]q 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > %[1]q\n"+
		"line=$(sed -n \"${n}p\" %[2]q)\n[ -n \"$line\" ] || line=$(tail -n 1 %[2]q)\n"+
		"printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"%%s\"}}\\n' \"$line\"\n",
		count, file)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil { //nolint:gosec // the command must be executable
		t.Fatal(err)
	}
	return script, func() int {
		b, _ := os.ReadFile(count) //nolint:gosec // the test's own file
		var n int
		_, _ = fmt.Sscan(string(b), &n)
		return n
	}
}

func TestAccExecTokenSource_appliesAndRerunsOn401(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	// The command first prints the admin token, then an administrator user's token.
	userToken := e.sim.AddUser("admin@example.com", true)
	script, runs := tokenLines(t, e.token, userToken)
	c := newTFCLI(t, e)
	ns := testName("orka-exec")
	c.write("main.tf", tokenProviderBlock(e.endpoint, fmt.Sprintf("  exec = {\n    command = %q\n  }", script))+adminEstate(ns))
	out := map[string]string{}
	out["init"] = c.run(false, "init", "-input=false")
	// The admin token is revoked once the namespace exists: the rest of the apply goes on with
	// the token the command prints when run again.
	if err := e.sim.AddFault(orkasim.Fault{Method: "POST", Path: "/api/v1/namespaces", Count: 1, RevokeToken: true}); err != nil {
		t.Fatal(err)
	}
	out["apply"] = c.run(false, "apply", "-auto-approve", "-input=false")
	if got := runs(); got != 2 {
		t.Errorf("the command ran %d times during the apply, want 2 (once, and once after the 401)", got)
	}
	if _, err := e.client.WithToken(userToken).GetNamespace(context.Background(), ns); err != nil {
		t.Fatalf("the namespace is not there: %v", err)
	}
	seen := secretsSeen{e.token: true, userToken: true}
	seen.addFromState(t, c.dir)
	seen.assertNoSecret(t, out)
}

func TestAccTokenSources_conflictsAreNamed(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	c := newTFCLI(t, e)
	c.write("main.tf", tokenProviderBlock(e.endpoint, "  token = \"abc\"\n  eks = {\n    cluster_name = \"x\"\n  }")+vmsReader)
	c.run(false, "init", "-input=false")
	out := oneLine(c.run(true, "plan", "-input=false"))
	if !strings.Contains(out, "token") || !strings.Contains(out, "eks") || !strings.Contains(out, "Invalid Attribute Combination") {
		t.Errorf("two token sources are not refused by name:\n%s", out)
	}
	// ORKA_TOKEN beside an eks block is refused too: one of them would be ignored.
	c.write("main.tf", tokenProviderBlock(e.endpoint, "  eks = {\n    cluster_name = \"x\"\n  }")+vmsReader)
	c.setenv("ORKA_TOKEN", e.token)
	out = oneLine(c.run(true, "plan", "-input=false"))
	if !strings.Contains(out, "Conflicting Orka token sources") || !strings.Contains(out, "eks and ORKA_TOKEN are set") {
		t.Errorf("eks beside ORKA_TOKEN is not refused by name:\n%s", out)
	}
}
