# The pool workspace of team orka-ios after adoption: the generated blocks rewritten with
# for_each, keyed by each object's own name (see the adoption guide). The provider block is in
# main.tf beside it.
locals {
  namespace = "orka-ios"
  runners   = toset(["ios-runner-1", "ios-runner-2"])
}

resource "orka_vm_config" "runner" {
  name  = "ios-sonoma"
  image = "90gbsonomassd.orkasi"
  cpu   = 4
}

resource "orka_vm" "runner" {
  for_each  = local.runners
  name      = each.key
  namespace = local.namespace
  vm_config = orka_vm_config.runner.name
}

import {
  to       = orka_vm_config.runner
  identity = { name = "ios-sonoma" }
}

import {
  for_each = local.runners
  to       = orka_vm.runner[each.key]
  identity = { namespace = local.namespace, name = each.key }
}
