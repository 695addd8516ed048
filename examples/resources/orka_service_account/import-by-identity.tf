import {
  to = orka_service_account.ci
  identity = {
    namespace = "orka-default"
    name      = "github-actions"
  }
}
