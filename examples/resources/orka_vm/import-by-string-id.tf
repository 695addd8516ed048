import {
  to = orka_vm.runner
  id = "orka-default/runner-1"
}
