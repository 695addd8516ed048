# A service account is imported by namespace and name.
terraform import orka_service_account.ci orka-default/github-actions
