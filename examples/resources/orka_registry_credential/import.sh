# A registry credential is imported by namespace and server. Orka never returns passwords:
# keep password (or password_wo) in the configuration; the first apply sends it.
terraform import orka_registry_credential.ghcr orka-default/https://ghcr.io
