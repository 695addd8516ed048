# A small Orka estate to start from. (`make demo` applies examples/upgrade-recovery instead.)
# The provider reads ORKA_ENDPOINT and ORKA_TOKEN from the environment.
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

provider "orka" {}

resource "orka_vm_config" "runner" {
  name  = "sonoma-runner"
  image = "90gbsonomassd.orkasi"
  cpu   = 4
  tag   = "ci"
}

resource "orka_vm_config" "builder" {
  name      = "sequoia-builder"
  image     = "ghcr.io/acme/macos:sequoia"
  cpu       = 6
  memory    = 12
  scheduler = "most-allocated"
}

# A pool of CI runners deployed from the runner config.
resource "orka_vm" "runner" {
  count     = 3
  name      = "runner-${count.index + 1}"
  vm_config = orka_vm_config.runner.name
}

data "orka_vm_config" "runner" {
  name = orka_vm_config.runner.name
}

output "vm_configs" {
  value = {
    for c in [orka_vm_config.runner, orka_vm_config.builder] :
    c.name => "${c.image}, ${c.cpu} CPU, ${c.memory} GiB, ${c.arch}"
  }
}

output "vms" {
  value = {
    for vm in orka_vm.runner :
    vm.name => "on ${vm.node}: ssh admin@${vm.ip} -p ${vm.ssh_port}"
  }
}
