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

// With every log at TRACE, neither a minted token nor a registry password appears in the logs
// of Terraform or of the provider. Not parallel: it sets environment variables.
func TestAccAccess_secretsNotLogged(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	dir := t.TempDir()
	providerLog := filepath.Join(dir, "provider.log")
	cliLog := filepath.Join(dir, "terraform.log")
	// TF_LOG and TF_LOG_PATH drive the in-process provider's log sink; TF_ACC_LOG and
	// TF_ACC_LOG_PATH the Terraform CLI's log (the provider's sink then writes there too).
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", providerLog)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", cliLog)
	// The test harness's own log echoes each step's configuration, passwords included; it is
	// not the provider's doing.
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")

	const password = "log-canary-pass-7f3e9a"
	server := "https://" + testName("registry") + ".example.com"
	tokens := &tokenCapture{e: e}
	// No terraform_data here: Terraform itself logs terraform_data's (dynamic) values at DEBUG.
	cfg := e.config(fmt.Sprintf(`
resource "orka_service_account" "ci" {
  name = %q
}

resource "orka_service_account_token" "ci" {
  service_account = orka_service_account.ci.name
}

resource "orka_registry_credential" "ghcr" {
  server   = %q
  username = "bot"
  password = "upgrade-s3cret"
}
`, testName("ci"), server)) + `
resource "orka_registry_credential" "canary" {
  server   = "https://canary.example.com"
  username = "bot"
  password = "` + password + `"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: tokens.capture("orka_service_account_token.ci")},
			{
				// Regenerating after an upgrade is logged too: probe with the old token, mint a
				// new one, add the credentials again.
				PreConfig: func() { upgradeSim(t, e, "infrastructure") },
				Config:    cfg,
				Check:     tokens.capture("orka_service_account_token.ci"),
			},
		},
	})

	var logs strings.Builder
	for _, f := range []string{providerLog, cliLog} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		logs.Write(b)
	}
	all := logs.String()
	// The logs must really hold the provider's HTTP traffic, or this test proves nothing.
	for _, want := range []string{"/serviceaccounts/", "/token", "registrycredentials/add"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the TRACE logs (%d bytes) do not mention %q: the provider's requests were not logged", len(all), want)
		}
	}
	secrets := map[string]string{"registry password": password, "upgrade-s3cret": "upgrade-s3cret"}
	for i, tok := range tokens.tokens {
		secrets[fmt.Sprintf("token #%d", i+1)] = tok
		// A JWT's signature alone is as secret as the whole token.
		if parts := strings.Split(tok, "."); len(parts) == 3 {
			secrets[fmt.Sprintf("signature of token #%d", i+1)] = parts[2]
		}
	}
	for what, secret := range secrets {
		if i := strings.Index(all, secret); i >= 0 {
			lo := strings.LastIndex(all[:i], "\n") + 1
			hi := i + strings.Index(all[i:], "\n")
			line := all[lo:hi]
			if len(line) > 400 {
				line = line[:400]
			}
			t.Errorf("the %s appears in the TRACE logs: %s", what, line)
		}
	}
}
