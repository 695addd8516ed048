# A namespace is imported by its name.
terraform import orka_namespace.ios orka-ios
