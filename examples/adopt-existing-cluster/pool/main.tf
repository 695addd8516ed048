# The pool workspace of the documented layout: what one team runs (VMs, VM configs, image
# caches). Like the admin directory, it holds only the provider until `terraform query
# -generate-config-out=generated.tf` writes the blocks to import (adopt.tfquery.hcl).
terraform {
  required_version = ">= 1.14.0"
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

# ORKA_ENDPOINT and ORKA_TOKEN. Give the workspace an owner of its own, so that the VMs it
# deploys carry it in their mark.
provider "orka" {
  owner = "orka-ios/pool"
}
