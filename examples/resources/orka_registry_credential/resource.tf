variable "ghcr_token" {
  type      = string
  sensitive = true
}

# Orka pulls OCI images from GitHub's registry with this login. An Orka layer upgrade loses
# every registry credential; the next apply adds it back.
resource "orka_registry_credential" "ghcr" {
  server   = "https://ghcr.io"
  username = "acme-bot"
  password = var.ghcr_token
}

# With Terraform 1.11 and later the password can stay out of the state: bump
# password_wo_version whenever the password changes.
variable "registry_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "orka_registry_credential" "internal" {
  namespace           = "orka-default"
  server              = "http://registry.internal:5000"
  allow_insecure      = true
  username            = "orka"
  password_wo         = var.registry_password
  password_wo_version = 1
}
