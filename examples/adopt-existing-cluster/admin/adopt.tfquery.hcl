# The admin objects of two teams, orka-ios and orka-android: their namespaces and what lives
# in them. Orka holds no mark on these kinds, so `mark = "unmarked"` would list every one of
# them: narrow by name and namespace to what no other configuration manages yet.
list "orka_namespace" "namespace" {
  provider = orka
  config {
    name_regex = "^orka-(ios|android)$"
  }
}

list "orka_service_account" "account" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
  }
}

list "orka_registry_credential" "credential" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
  }
}

list "orka_role_binding_subject" "subject" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
  }
}

# Node placement: each node of the teams' namespaces as an orka_node that keeps it there.
list "orka_node" "node" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-android"]
  }
}
