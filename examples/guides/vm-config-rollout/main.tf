# A runner pool split into two batches, each deployed from a VM config of its own. Every VM
# follows its config's revision, so a config change replaces the VMs built from it. Roll a
# change out one batch per apply: change `green`, apply (the green runners are replaced while
# the blue ones keep taking jobs), check the new runners, then make the same change to `blue`.
variable "batches" {
  description = "VM config settings of each batch."
  type = map(object({
    image = string
    cpu   = number
  }))
  default = {
    blue  = { image = "ghcr.io/acme/macos-runner:sonoma", cpu = 4 }
    green = { image = "ghcr.io/acme/macos-runner:sonoma", cpu = 4 }
  }
}

variable "runners_per_batch" {
  type    = number
  default = 2
}

resource "orka_vm_config" "runner" {
  for_each = var.batches
  name     = "ci-runner-${each.key}"
  image    = each.value.image
  cpu      = each.value.cpu
}

locals {
  # runner-blue-1 => blue, runner-green-1 => green, ...
  runners = {
    for pair in setproduct(keys(var.batches), range(var.runners_per_batch)) :
    "runner-${pair[0]}-${pair[1] + 1}" => pair[0]
  }
}

resource "orka_vm" "runner" {
  for_each           = local.runners
  name               = each.key
  vm_config          = orka_vm_config.runner[each.value].name
  vm_config_revision = orka_vm_config.runner[each.value].revision
}
