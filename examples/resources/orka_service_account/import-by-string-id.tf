import {
  to = orka_service_account.ci
  id = "orka-default/github-actions"
}
