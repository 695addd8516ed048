# The pool workspace of the documented layout: what the teams run (VMs, VM configs, image
# caches); one per team, or one for several teams, as here. Like the admin directory, it holds only the provider until `terraform query
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
  owner = "mobile/pool"
}
