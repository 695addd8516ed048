import {
  to = orka_role_binding_subject.dev
  identity = {
    namespace = "orka-ios"
    kind      = "user"
    name      = "dev@example.com"
  }
}

# A service account from another namespace names that namespace too.
import {
  to = orka_role_binding_subject.ci_in_ios
  identity = {
    namespace         = "orka-ios"
    kind              = "service_account"
    name              = "github-actions"
    subject_namespace = "orka-ci"
  }
}
