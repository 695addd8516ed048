data "orka_upgrade_window" "next" {
  type       = "release"
  start      = "2026-12-05T22:00:00Z" # leave unset (or null) until MacStadium schedules a window
  namespaces = ["orka-ci"]
}

# Mint a new CI token once per upgrade that kills tokens: the first run after the window's start
# replaces a token issued before it, even before Orka rejects it; a token minted after the start
# (by a recovery run during the window or after it) is kept. Null for patch windows, which keep
# tokens, and while no window is scheduled.
resource "orka_service_account_token" "ci" {
  namespace        = "orka-ci"
  service_account  = "ci-bot"
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after
}

# Warn in every plan of the last day before the window while VMs still run. Terraform's ||
# evaluates both sides, and seconds_until_start is null while no window is scheduled, so the
# comparison sits behind a conditional, which evaluates only the branch it picks.
check "quiet_before_the_window" {
  assert {
    condition = (
      data.orka_upgrade_window.next.status != "scheduled" ? true :
      data.orka_upgrade_window.next.seconds_until_start > 86400 || data.orka_upgrade_window.next.ready
    )
    error_message = "The Orka upgrade starts within a day and VMs still run in orka-ci."
  }
}
