# Service accounts of every namespace.
list "orka_service_account" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}
