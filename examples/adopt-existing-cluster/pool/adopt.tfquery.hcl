# The team's pool: the VMs of its namespace that no configuration deployed (mark =
# "unmarked" leaves out those that carry this provider's mark, from another workspace), the
# VM configs they run from, and the images cached on the team's nodes.
list "orka_vm" "vm" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
    mark       = "unmarked"
  }
}

list "orka_vm_config" "config" {
  provider = orka
  config {
    name_prefix = "ios-"
  }
}

list "orka_image_cache" "cache" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
  }
}
