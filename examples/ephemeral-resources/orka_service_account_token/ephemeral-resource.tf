# A short-lived token for this run only (Terraform 1.10 and later), never stored in plan or
# state. Here it lets a second provider block act as the CI service account, to check that
# the account can see its namespace.
ephemeral "orka_service_account_token" "ci" {
  service_account = "github-actions"
  namespace       = "orka-default"
  duration        = "1h"
}

provider "orka" {
  alias = "as_ci"
  token = ephemeral.orka_service_account_token.ci.token
}

data "orka_vms" "as_ci" {
  provider  = orka.as_ci
  namespace = "orka-default"
}
