# A namespace for the iOS team, with its own VMs, service accounts and registry credentials.
resource "orka_namespace" "ios" {
  name = "orka-ios"
}

# Custom Kubernetes pods are allowed only where asked for; changing this replaces the
# namespace.
resource "orka_namespace" "tools" {
  name               = "orka-tools"
  enable_custom_pods = true
}
