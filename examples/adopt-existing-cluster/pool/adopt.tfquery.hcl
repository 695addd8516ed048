# The pool of two teams: the VMs of their namespaces that no configuration deployed (mark =
# "unmarked" leaves out those that carry this provider's mark, from another workspace), the
# VM configs they run from, and the images cached on the teams' nodes.
list "orka_vm" "vm" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
    mark       = "unmarked"
  }
}

list "orka_vm_config" "config" {
  provider = orka
  config {
    name_regex = "^(ios|android)-"
  }
}

list "orka_image_cache" "cache" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
  }
}
