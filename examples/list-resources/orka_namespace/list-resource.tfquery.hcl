# Every namespace but orka-default (listing namespaces needs an administrator's token).
list "orka_namespace" "all" {
  provider = orka
}
