# A pool workspace: the VM configs, VMs and image cache of one CI pipeline. It runs unattended
# on the service-account token that the administrator's workspace (../main.tf) writes into its
# ORKA_TOKEN variable, with ORKA_NAMESPACE set to the pipeline's namespace. It declares nothing
# that needs an administrator, so that token is enough.
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

provider "orka" {}

variable "runners" {
  type    = number
  default = 2
}

resource "orka_vm_config" "runner" {
  name  = "ios-app-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
  cpu   = 4
}

resource "orka_image_cache" "runner" {
  image = orka_vm_config.runner.image
  all   = true
}

resource "orka_vm" "runner" {
  count              = var.runners
  name               = "ios-runner-${count.index + 1}"
  vm_config          = orka_vm_config.runner.name
  vm_config_revision = orka_vm_config.runner.revision
  depends_on         = [orka_image_cache.runner]
}
