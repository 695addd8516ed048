terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

# Everything can come from the environment instead:
# ORKA_ENDPOINT, ORKA_TOKEN, ORKA_NAMESPACE, ORKA_CA_CERTIFICATE, ORKA_INSECURE_SKIP_VERIFY,
# ORKA_MAX_RETRIES, ORKA_REQUEST_TIMEOUT and ORKA_TOKEN_EXPIRY_WARNING. In Terraform Cloud, set
# ORKA_TOKEN as a sensitive workspace variable, or use the eks or exec token source so that no
# token is stored at all.
provider "orka" {
  endpoint  = "https://acme.orka.app"
  namespace = "orka-default"

  # A custom domain with a private CA:
  # ca_certificate = file("${path.module}/orka-ca.pem")
}
