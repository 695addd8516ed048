resource "orka_vm_config" "runner" {
  name  = "sonoma-runner"
  image = "90gbsonomassd.orkasi"
  cpu   = 4
}

# A pool of CI runners. After an Orka upgrade deletes them, the next apply deploys exactly
# the missing ones again, under the same names.
resource "orka_vm" "runner" {
  count     = 3
  name      = "runner-${count.index + 1}"
  namespace = "orka-default"
  vm_config = orka_vm_config.runner.name

  custom_metadata = {
    pool = "ios-ci"
  }

  timeouts {
    create = "20m"
  }
}

# A one-off VM from an OCI image with overrides and a forwarded port.
resource "orka_vm" "web_preview" {
  name           = "web-preview"
  image          = "ghcr.io/acme/macos:sequoia"
  cpu            = 6
  memory         = 12
  reserved_ports = ["8080:80"]
}

output "runner_ssh" {
  value = [for vm in orka_vm.runner : "ssh admin@${vm.ip} -p ${vm.ssh_port}"]
}
