# Everything in every namespace. Narrow a list with name_prefix or name_regex to adopt in
# steps, or with namespaces = ["orka-ios"] to adopt one team at a time.
list "orka_namespace" "all" {
  provider = orka
}

list "orka_vm_config" "all" {
  provider = orka
}

list "orka_vm" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}

list "orka_service_account" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}

list "orka_registry_credential" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}

list "orka_role_binding_subject" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}

list "orka_image_cache" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}
