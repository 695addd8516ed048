# The admin workspace of the documented layout: what needs an administrator's token
# (namespaces, service accounts, registry credentials, role-binding subjects, nodes). This
# directory holds only the provider; `terraform query -generate-config-out=generated.tf` lists
# the estate (adopt.tfquery.hcl) and writes a resource block and an import block for every
# object. Review generated.tf, fill in what Orka cannot report (registry passwords), then
# `terraform apply` imports everything.
terraform {
  required_version = ">= 1.14.0"
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

# ORKA_ENDPOINT and an administrator's ORKA_TOKEN: listing namespaces, service accounts and
# registry credentials is admin-only.
provider "orka" {}
