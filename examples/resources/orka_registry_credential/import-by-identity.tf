# Orka never returns the password: keep it in the configuration.
import {
  to = orka_registry_credential.ghcr
  identity = {
    namespace = "orka-default"
    server    = "https://ghcr.io"
  }
}
