# Terraform 1.12 and later: import by identity (what `terraform query -generate-config-out`
# writes), with the same namespace and name as the string ID.
import {
  to = orka_vm.runner[0]
  identity = {
    namespace = "orka-default"
    name      = "runner-1"
  }
}
