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

# Node placement: each node as an orka_node that keeps it in its namespace.
list "orka_node" "all" {
  provider = orka
  config {
    namespaces = ["*"]
  }
}

# Local images, the base images the cluster came with included. Destroying an orka_image
# deletes the image, so keep in generated.tf only the images this configuration should own.
list "orka_image" "all" {
  provider = orka
}
