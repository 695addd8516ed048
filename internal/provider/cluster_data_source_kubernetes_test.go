package provider

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

// The official kubernetes provider needs the Kubernetes API's URL and CA to manage custom pods
// and services (lost in a layer upgrade); orka_cluster hands both over from cluster-info, in
// the form that provider takes (host URL, PEM certificate).
func TestAccClusterDataSource_kubernetesAccess(t *testing.T) {
	e := newTestEnv(t, orkasim.Options{})
	info, err := e.client.ClusterInfo(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	wantCA, ok := info.KubernetesCAPEM()
	if !ok {
		t.Fatal("cluster-info's certData is not a PEM certificate")
	}
	// What a kubernetes provider block would be given, passed through terraform_data.
	hcl := e.config(`
data "orka_cluster" "this" {}

resource "terraform_data" "kubernetes_provider" {
  input = {
    host                   = data.orka_cluster.this.kubernetes_endpoint
    cluster_ca_certificate = data.orka_cluster.this.kubernetes_ca_certificate
  }
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: hcl,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("kubernetes_endpoint"),
					knownvalue.StringExact(info.APIEndpoint)),
				statecheck.ExpectKnownValue("data.orka_cluster.this", tfjsonpath.New("kubernetes_ca_certificate"),
					knownvalue.StringExact(wantCA)),
				statecheck.ExpectKnownValue("terraform_data.kubernetes_provider", tfjsonpath.New("output").AtMapKey("host"),
					knownvalue.StringExact(info.APIEndpoint)),
			},
			Check: func(s *terraform.State) error {
				got := s.RootModule().Resources["data.orka_cluster.this"].Primary.Attributes["kubernetes_ca_certificate"]
				block, _ := pem.Decode([]byte(got))
				if block == nil {
					return fmt.Errorf("kubernetes_ca_certificate is not PEM: %q", got)
				}
				if _, err := x509.ParseCertificate(block.Bytes); err != nil {
					return fmt.Errorf("kubernetes_ca_certificate holds no certificate: %w", err)
				}
				return nil
			},
		}},
	})
}
