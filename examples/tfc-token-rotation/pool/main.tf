# A pool workspace: the VM configs, VMs and image cache of one CI pipeline. It runs unattended
# on the service-account token that the administrator's workspace (../main.tf) writes into its
# ORKA_TOKEN variable, with ORKA_NAMESPACE set to the pipeline's namespace (which the admin
# workspace creates and places nodes in) and the Terraform variable `pipeline` set to the
# pipeline's name. It declares nothing that needs an administrator, so that token is enough.
# The same configuration serves every pipeline: the names below derive from `pipeline`, so two
# pools never collide (VM configs all live in orka-default).
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

provider "orka" {}

# The pipeline's name, such as "ios-app"; the admin workspace sets it.
variable "pipeline" {
  type = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$", var.pipeline))
    error_message = "pipeline must be lowercase letters, digits and hyphens (at most 42), starting and ending with a letter or digit: it prefixes the names of the VM config and VMs."
  }
}

variable "runners" {
  type    = number
  default = 2
}

resource "orka_vm_config" "runner" {
  name  = "${var.pipeline}-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
  cpu   = 4
}

resource "orka_image_cache" "runner" {
  image = orka_vm_config.runner.image
  all   = true
}

resource "orka_vm" "runner" {
  count              = var.runners
  name               = "${var.pipeline}-runner-${count.index + 1}"
  vm_config          = orka_vm_config.runner.name
  vm_config_revision = orka_vm_config.runner.revision
  depends_on         = [orka_image_cache.runner]
}
