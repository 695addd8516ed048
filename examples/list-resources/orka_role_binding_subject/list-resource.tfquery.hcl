# The users bound to each namespace's orka-dev role binding.
list "orka_role_binding_subject" "users" {
  provider = orka
  config {
    namespaces = ["*"]
    kind       = "user"
  }
}
