# Registry credentials of every namespace. Orka never returns passwords: generated
# configuration leaves password null, to be filled in before the imports are applied.
list "orka_registry_credential" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}
