# VM configs live in orka-default; list those whose name matches a pattern.
list "orka_vm_config" "sonoma" {
  provider = orka
  config {
    name_regex = "^sonoma-"
  }
}
