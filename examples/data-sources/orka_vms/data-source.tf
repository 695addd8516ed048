# Every VM of the CI pool, whether Terraform manages it or not.
data "orka_vms" "runners" {
  namespace   = "orka-default"
  name_prefix = "runner-"
}

output "runners" {
  value = { for vm in data.orka_vms.runners.vms : vm.name => "${vm.status} on ${vm.node}" }
}
