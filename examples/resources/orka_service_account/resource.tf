# The identity of the CI runners. Orka binds it to its own namespace by itself.
resource "orka_service_account" "ci" {
  name      = "github-actions"
  namespace = "orka-default"
}
