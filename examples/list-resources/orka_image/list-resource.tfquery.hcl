# Local images live in orka-default; list those whose name matches a pattern.
list "orka_image" "sonoma" {
  provider = orka
  config {
    name_regex = "^sonoma-"
  }
}
