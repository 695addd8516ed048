# The release upgrade MacStadium scheduled with us.
data "orka_upgrade_window" "next" {
  type       = "release"
  start      = "2026-12-05T22:00:00Z"
  namespaces = ["orka-default", "orka-ci"]
}

# Warn in every plan of the last day before the window while CI VMs still run. Terraform's
# || evaluates both sides, and seconds_until_start is null while no window is scheduled, so
# the comparison sits behind a conditional, which evaluates only the branch it picks.
check "quiet_before_the_window" {
  assert {
    condition = (
      data.orka_upgrade_window.next.status != "scheduled" ? true :
      data.orka_upgrade_window.next.seconds_until_start > 86400 || data.orka_upgrade_window.next.ready
    )
    error_message = "The Orka upgrade starts within a day and these VMs still run: ${join(", ", data.orka_upgrade_window.next.running_vms == null ? [] : data.orka_upgrade_window.next.running_vms)}."
  }
}

# Regenerate the CI token once, on the first run after a release or layer upgrade has started
# (null for a patch window, which keeps tokens).
resource "orka_service_account_token" "ci" {
  namespace        = "orka-ci"
  service_account  = "ci-bot"
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after
}

output "what_the_upgrade_wipes" {
  value = data.orka_upgrade_window.next.wiped
}
