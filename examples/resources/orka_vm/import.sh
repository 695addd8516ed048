# A VM is imported by namespace and name.
terraform import orka_vm.runner orka-default/runner-1
