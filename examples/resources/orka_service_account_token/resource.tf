resource "orka_service_account" "ci" {
  name = "github-actions"
}

# The next MacStadium maintenance window; leave start unset (or null) while none is scheduled.
data "orka_upgrade_window" "next" {
  type  = "release"
  start = "2026-12-05T22:00:00Z"
}

# A 90-day token for the CI runners. Terraform regenerates it when Orka stops accepting it
# (after a release or layer upgrade), two weeks before it expires, and on the first run after an
# upgrade that kills tokens has started (regenerate_tokens_after: the window's start for release
# and layer upgrades, null for patches), once; every resource that uses .token is updated in the
# same apply.
resource "orka_service_account_token" "ci" {
  service_account  = orka_service_account.ci.name
  duration         = "2160h"
  rotate_before    = "336h"
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after

  # Change to rotate on demand.
  keepers = {
    rotation = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Feed the token only to arguments that stay redacted in plans: sensitive or write-only ones,
# such as a CI system's secret (see examples/tfc-token-rotation for Terraform Cloud
# variables). terraform_data stands in for one here through triggers_replace, which stays
# redacted; its `input` would not: Terraform copies it into `output`, unmarked, and the plan of
# a rotation would print the old token.
resource "terraform_data" "ci_secret" {
  triggers_replace = orka_service_account_token.ci.token
}

output "ci_token_expires_at" {
  value = orka_service_account_token.ci.expires_at
}
