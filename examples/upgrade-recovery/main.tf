# A CI estate on Orka that survives MacStadium's upgrades: after any upgrade, one
# `terraform apply` rebuilds exactly what the upgrade wiped. See README.md.
#
# The provider reads ORKA_ENDPOINT and ORKA_TOKEN from the environment. This estate holds
# administrator-only objects (namespace, service account, token, role binding, registry
# credential), so ORKA_TOKEN must be an administrator's user token (`orka3 user get-token`):
# it survives upgrades but lasts an hour. A service-account token stops the plan up front.
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}

provider "orka" {}

variable "upgrade_type" {
  description = "Type of the next MacStadium upgrade: release, infrastructure or patch."
  type        = string
  default     = "release"
}

variable "upgrade_start" {
  description = "Start of the next maintenance window (RFC 3339), once MacStadium has scheduled it."
  type        = string
  default     = null
}

variable "runners" {
  description = "How many CI runner VMs to keep deployed."
  type        = number
  default     = 3
}

variable "ci_nodes" {
  description = "Nodes dedicated to the CI namespace. They must run no VM when they are first moved."
  type        = set(string)
  default     = ["mini-arm-1", "mini-arm-2"]
}

variable "registry_password" {
  description = "Password (or token) of the CI bot on the image registry."
  type        = string
  sensitive   = true
  default     = "change-me"
}

# The namespace of the CI system. Namespaces survive every upgrade.
resource "orka_namespace" "ci" {
  name = "orka-ci"
}

# The CI namespace's nodes: a new namespace holds none, and its VMs run only on its own nodes.
# Node placement is assumed to survive upgrades; if it did not, the same apply would put it back.
resource "orka_node" "ci" {
  for_each  = var.ci_nodes
  name      = each.key
  namespace = orka_namespace.ci.name
  tags      = ["macos-runner"]
}

# The runner template. VM configs survive every upgrade. The tag prefers the runner nodes.
resource "orka_vm_config" "runner" {
  name  = "ci-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
  cpu   = 4
  tag   = "macos-runner"
}

# Lost in layer (infrastructure) upgrades; recreated with the password from configuration.
resource "orka_registry_credential" "ghcr" {
  namespace = orka_namespace.ci.name
  server    = "https://ghcr.io"
  username  = "ci-bot"
  password  = var.registry_password
}

# Emptied by release and layer upgrades; cached again so runners start without a pull. It
# caches on the namespace's own nodes, so it comes after them.
resource "orka_image_cache" "runner" {
  namespace = orka_namespace.ci.name
  image     = orka_vm_config.runner.image
  all       = true

  depends_on = [orka_node.ci]
}

# Deleted by layer upgrades, and possibly by release upgrades; deployed again by name.
resource "orka_vm" "runner" {
  count     = var.runners
  namespace = orka_namespace.ci.name
  name      = "runner-${count.index + 1}"
  vm_config = orka_vm_config.runner.name

  depends_on = [orka_node.ci, orka_image_cache.runner, orka_registry_credential.ghcr]
}

# The CI system's identity. Service accounts survive; their tokens do not.
resource "orka_service_account" "ci" {
  namespace = orka_namespace.ci.name
  name      = "ci-bot"
}

# Let the CI bot use the shared VM configs' namespace too.
resource "orka_role_binding_subject" "ci_in_default" {
  namespace         = "orka-default"
  kind              = "service_account"
  name              = orka_service_account.ci.name
  subject_namespace = orka_namespace.ci.name
}

# The namespace by its literal name, not orka_namespace.ci.name: a reference to a resource of
# this configuration would defer the read to apply whenever that resource changes, leaving
# regenerate_tokens_after unknown at plan and replacing the token wired to it. A namespace that
# does not exist yet simply holds no VMs.
data "orka_upgrade_window" "next" {
  type       = var.upgrade_type
  start      = var.upgrade_start
  namespaces = ["orka-ci"]
}

# Regenerated when Orka rejects it (after release and layer upgrades), and also on the first run
# after a release or layer upgrade has started, even before anything notices: once, since a
# token minted after the start (by a recovery run during the window or after it) is kept.
# regenerate_tokens_after is null for patch windows, which keep tokens.
resource "orka_service_account_token" "ci" {
  namespace        = orka_namespace.ci.name
  service_account  = orka_service_account.ci.name
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after
  rotate_before    = "720h"
}

# Stands for wherever the CI system reads its Orka token (a secret store, a Terraform Cloud
# variable, a GitHub Actions secret): it is updated in the same apply that mints the token.
# Hand a token only to arguments that stay redacted in plans: sensitive ones (such as
# tfe_variable.value or github_actions_secret.plaintext_value) or write-only ones. Never to
# terraform_data's `input`: Terraform copies it into `output`, which it does not mark
# sensitive, so a rotation's plan would print the old token, still valid, in clear text.
resource "terraform_data" "ci_system_secret" {
  triggers_replace = orka_service_account_token.ci.token
}

output "runners" {
  value = { for vm in orka_vm.runner : vm.name => "${vm.node}: ssh admin@${vm.ip} -p ${vm.ssh_port}" }
}

output "ci_token_expires_at" {
  value = orka_service_account_token.ci.expires_at
}

output "next_upgrade_wipes" {
  value = data.orka_upgrade_window.next.wiped
}
