# Every VM of two team namespaces whose name starts with "runner-", on one node.
list "orka_vm" "runners" {
  provider = orka
  config {
    namespaces  = ["orka-ios", "orka-android"]
    name_prefix = "runner-"
    node        = "mini-arm-1"
  }
}

# The VMs of a team namespace that no Terraform configuration deployed: what is left to adopt.
list "orka_vm" "unmanaged" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
    mark       = "unmarked"
  }
}
