# A VM is imported by namespace and name.
terraform import 'orka_vm.runner[0]' orka-default/runner-1
