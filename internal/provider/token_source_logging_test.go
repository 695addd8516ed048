package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// With every log at TRACE, the tokens that the eks and exec sources hand the provider never
// appear in the logs of Terraform or of the provider, nor does the AWS secret key that signs.
// Not parallel: it sets environment variables.
func TestAccTokenSources_secretsNotLogged(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{EKSCluster: eksTestName, EKSIdentities: []orkasim.EKSIdentity{
		{AccessKeyID: eksTestKeyID, SecretAccessKey: eksTestSecret, User: "eks-admin", Admin: true}}})
	e.needSim(t)
	dir := t.TempDir()
	providerLog := filepath.Join(dir, "provider.log")
	cliLog := filepath.Join(dir, "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", providerLog)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", cliLog)
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": eksTestKeyID, "AWS_SECRET_ACCESS_KEY": eksTestSecret, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "eu-west-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED": "true", "ORKA_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
	execToken := e.sim.AddUser("exec-admin@example.com", true)
	script, runs := tokenLines(t, execToken)
	tokens := &tokenCapture{e: e}
	estate := adminEstate(testName("orka-log"))
	provider := func(body string) string {
		return fmt.Sprintf("provider \"orka\" {\n  endpoint = %q\n%s\n}\n", e.endpoint, body)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: provider("  eks = {\n    cluster_name = \""+eksTestName+"\"\n  }") + estate,
				Check:  tokens.capture("orka_service_account_token.ci"),
			},
			{
				PreConfig: func() { upgradeSim(t, e, "release") },
				Config:    provider(fmt.Sprintf("  exec = {\n    command = %q\n  }", script)) + estate,
				Check:     tokens.capture("orka_service_account_token.ci"),
			},
		},
	})
	if runs() == 0 {
		t.Fatal("the exec command never ran: the test would prove nothing about its token")
	}

	var logs strings.Builder
	for _, f := range []string{providerLog, cliLog} {
		b, err := os.ReadFile(f) //nolint:gosec // the test's own logs
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		logs.Write(b)
	}
	all := logs.String()
	for _, want := range []string{"/serviceaccounts/", "/token"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the TRACE logs (%d bytes) do not mention %q: the provider's requests were not logged", len(all), want)
		}
	}
	secrets := map[string]string{
		"EKS token (its prefix)": "k8s-aws-v1.", "AWS secret key": eksTestSecret, "exec token": execToken,
		"exec token's signature": execToken[strings.LastIndex(execToken, ".")+1:],
	}
	for i, tok := range tokens.tokens {
		secrets[fmt.Sprintf("minted token #%d", i+1)] = tok
	}
	for what, secret := range secrets {
		if i := strings.Index(all, secret); i >= 0 {
			lo := strings.LastIndex(all[:i], "\n") + 1
			line := all[lo:min(len(all), i+200)]
			t.Errorf("the %s appears in the TRACE logs: %.300s", what, line)
		}
	}
}
