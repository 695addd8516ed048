package provider

import (
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

const readImages = `
data "orka_images" "all" {}
`

// clearOrkaEnv makes a test independent of the ORKA_* variables of whoever runs it.
func clearOrkaEnv(t *testing.T) {
	for _, v := range []string{envEndpoint, envToken, envNamespace, envCACertificate, envInsecureSkipVerify, envMaxRetries, envRequestTimeout} {
		t.Setenv(v, "")
	}
}

func TestAccProvider_missingSettingsNameTheirVariables(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	clearOrkaEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      `provider "orka" { token = "abc" }` + readImages,
				ExpectError: regexp.MustCompile(`(?s)Missing Orka API endpoint.*ORKA_ENDPOINT`),
			},
			{
				Config:      fmt.Sprintf(`provider "orka" { endpoint = %q }`, e.endpoint) + readImages,
				ExpectError: regexp.MustCompile(`(?s)Missing Orka API token.*ORKA_TOKEN`),
			},
			{
				Config:      "provider \"orka\" {\n  endpoint = \"ftp://example.com\"\n  token    = \"abc\"\n}\n" + readImages,
				ExpectError: regexp.MustCompile(`(?s)Invalid Orka endpoint.*endpoint: the Orka endpoint "ftp://example.com" must be an absolute URL`),
			},
			{
				Config: fmt.Sprintf(`provider "orka" {
  endpoint        = %q
  token           = "abc"
  request_timeout = "soon"
}`, e.endpoint) + readImages,
				ExpectError: regexp.MustCompile(`request_timeout: "soon" is not a duration`),
			},
		},
	})
}

func TestAccProvider_invalidNamespaceFromEnvironment(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	clearOrkaEnv(t)
	t.Setenv(envNamespace, "ci")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      e.config(readImages),
			ExpectError: regexp.MustCompile(`ORKA_NAMESPACE: namespace: "ci" is not a valid namespace name`),
		}},
	})
}

// Everything can come from the environment, as in a Terraform Cloud workspace.
func TestAccProvider_configuredFromEnvironment(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	clearOrkaEnv(t)
	t.Setenv(envEndpoint, e.endpoint)
	t.Setenv(envToken, e.token)
	t.Setenv(envMaxRetries, "2")
	t.Setenv(envRequestTimeout, "30s")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: `provider "orka" {}` + readImages,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orka_images.all", tfjsonpath.New("images"), knownvalue.NotNull()),
			},
		}},
	})
}

// A token Orka rejects gets the upgrade advice: regenerate it and where to put it.
func TestAccProvider_rejectedTokenExplainsRegeneration(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`provider "orka" {
  endpoint = %q
  token    = "not-a-valid-token"
}`, e.endpoint) + readImages,
			ExpectError: regexp.MustCompile(`(?s)rejected the provider's token.*orka3\s+serviceaccount\s+token\s+<name>.*ORKA_TOKEN`),
		}},
	})
}

// During a maintenance window the provider gives up after its retry budget with one
// diagnostic that says what is going on and when to try again.
func TestAccProvider_maintenanceWindow(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	e.needSim(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() { e.sim.Maintenance(time.Hour) },
			Config: fmt.Sprintf(`provider "orka" {
  endpoint    = %q
  token       = %q
  max_retries = 1
}`, e.endpoint, e.token) + readImages,
			ExpectError: regexp.MustCompile(`(?s)503.*maintenance window.*Retry-After`),
		}},
	})
}

// HTTPS with a private CA: trusted through ca_certificate, refused without it, and accepted
// with the explicit insecure mode.
func TestAccProvider_customCA(t *testing.T) {
	if liveAcc() {
		t.Skip("uses a local TLS simulator")
	}
	sim := orkasim.New(orkasim.Options{})
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	e := &testEnv{sim: sim, endpoint: srv.URL, token: sim.AdminToken(), now: time.Now}
	block := func(extra string) string {
		return fmt.Sprintf("provider \"orka\" {\n  endpoint = %q\n  token = %q\n  max_retries = 0\n%s\n}\n", e.endpoint, e.token, extra)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      block("") + readImages,
				ExpectError: regexp.MustCompile(`certificate`),
			},
			{
				Config: block(fmt.Sprintf("  ca_certificate = %q", caPEM)) + readImages,
			},
			{
				Config: block("  insecure_skip_verify = true") + readImages,
			},
		},
	})
}
