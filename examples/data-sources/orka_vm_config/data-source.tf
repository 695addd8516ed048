# Read a VM config that another team manages.
data "orka_vm_config" "base" {
  name = "sonoma-base"
}

output "base_image" {
  value = data.orka_vm_config.base.image
}
