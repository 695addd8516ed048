package provider

import (
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// insecure_skip_verify and a token over plain HTTP outside private networks warn on every
// run; Orka's usual private endpoints stay quiet.
func TestWarnInsecureTransport(t *testing.T) {
	cases := []struct {
		endpoint string
		insecure bool
		want     []string // summaries
	}{
		{"https://acme.orka.app", false, nil},
		{"http://10.221.188.20", false, nil},
		{"http://192.168.1.5:8080", false, nil},
		{"http://172.16.0.9", false, nil},
		{"http://127.0.0.1:40123", false, nil},
		{"http://localhost:8080", false, nil},
		{"http://[fd00::1]", false, nil},
		{"http://203.0.113.10", false, []string{summaryPlainHTTPAuth}},
		{"http://orka.example.com", false, []string{summaryPlainHTTPAuth}},
		{"https://orka.internal", true, []string{summaryInsecureTLS}},
		{"https://10.0.0.1", true, []string{summaryInsecureTLS}},
	}
	for _, c := range cases {
		var diags diag.Diagnostics
		warnInsecureTransport(c.endpoint, c.insecure, &diags)
		var got []string
		for _, d := range diags {
			if d.Severity() != diag.SeverityWarning {
				t.Errorf("%s: not a warning: %v", c.endpoint, d)
			}
			got = append(got, d.Summary())
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s (insecure %v): warnings %q, want %q", c.endpoint, c.insecure, got, c.want)
		}
	}
}

// The CA from a file, as `orkasim --tls` prints it, by attribute and by environment variable;
// and orka_cluster reports an untrusted or unreachable cluster instead of failing.
func TestAccProvider_caCertificateFileAndUnreachableCluster(t *testing.T) {
	if liveAcc() {
		t.Skip("uses a local TLS simulator")
	}
	sim := orkasim.New(orkasim.Options{})
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	caFile := filepath.Join(t.TempDir(), "orka-ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{sim: sim, endpoint: srv.URL, token: sim.AdminToken(), now: time.Now}
	clearOrkaEnv(t)
	block := func(endpoint, extra string) string {
		return fmt.Sprintf("provider \"orka\" {\n  endpoint = %q\n  token = %q\n  max_retries = 0\n%s\n}\n", endpoint, e.token, extra)
	}
	const cluster = `data "orka_cluster" "this" {}`
	reachable := func(want bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("reachable"), knownvalue.Bool(want))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      block(e.endpoint, fmt.Sprintf("  ca_certificate_file = %q\n  ca_certificate = %q", caFile, string(caPEM))) + readImages,
				ExpectError: regexp.MustCompile(`Conflicting CA certificate settings`),
			},
			{
				Config:      block(e.endpoint, fmt.Sprintf("  ca_certificate_file = %q", caFile+".missing")) + readImages,
				ExpectError: regexp.MustCompile(`(?s)Unreadable CA certificate file.*orka-ca\.pem\.missing`),
			},
			{
				// Untrusted certificate: orka_cluster reports it, it does not fail.
				Config:            block(e.endpoint, "") + cluster,
				ConfigStateChecks: []statecheck.StateCheck{reachable(false)},
			},
			{
				// Nothing listens there: reported too.
				Config:            block("http://127.0.0.1:1", "") + cluster,
				ConfigStateChecks: []statecheck.StateCheck{reachable(false)},
			},
			{
				Config: block(e.endpoint, fmt.Sprintf("  ca_certificate_file = %q", caFile)) + cluster + readImages,
				ConfigStateChecks: []statecheck.StateCheck{
					reachable(true),
					statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("token_accepted"), knownvalue.Bool(true)),
				},
			},
			{
				PreConfig:         func() { t.Setenv(envCACertificateFile, caFile) },
				Config:            block(e.endpoint, "") + cluster + readImages,
				ConfigStateChecks: []statecheck.StateCheck{reachable(true)},
			},
		},
	})
}
