import {
  to = orka_registry_credential.ghcr
  id = "orka-default/https://ghcr.io"
}
