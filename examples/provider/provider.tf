terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

# Everything can come from the environment instead:
# ORKA_ENDPOINT, ORKA_TOKEN, ORKA_NAMESPACE, ORKA_CA_CERTIFICATE, ORKA_INSECURE_SKIP_VERIFY,
# ORKA_MAX_RETRIES and ORKA_REQUEST_TIMEOUT. In Terraform Cloud, set ORKA_TOKEN as a sensitive
# workspace variable.
provider "orka" {
  endpoint  = "https://acme.orka.app"
  namespace = "orka-default"

  # A custom domain with a private CA:
  # ca_certificate = file("${path.module}/orka-ca.pem")
}
