# One team's admin objects: its namespace and what lives in it. Orka holds no mark on these
# kinds, so `mark = "unmarked"` lists every one of them: narrow by name and namespace to what
# no other configuration manages yet.
list "orka_namespace" "namespace" {
  provider = orka
  config {
    name_prefix = "orka-ios"
  }
}

list "orka_service_account" "account" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
  }
}

list "orka_registry_credential" "credential" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
  }
}

list "orka_role_binding_subject" "subject" {
  provider = orka
  config {
    namespaces = ["orka-ios"]
  }
}
