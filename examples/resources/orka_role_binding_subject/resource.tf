# Let the CI account of orka-ci deploy VMs in orka-ios as well.
resource "orka_role_binding_subject" "ci_in_ios" {
  namespace         = "orka-ios"
  kind              = "service_account"
  name              = "github-actions"
  subject_namespace = "orka-ci"
}

# Give a developer access to orka-ios.
resource "orka_role_binding_subject" "dev" {
  namespace = "orka-ios"
  kind      = "user"
  name      = "dev@example.com"
}
