import {
  to = orka_vm.runner[0]
  id = "orka-default/runner-1"
}
