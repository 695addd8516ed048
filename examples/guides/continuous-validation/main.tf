# Continuous validation for a pool workspace: HCP Terraform's health assessments evaluate these
# checks on a schedule, without applying anything, and notify on "Check failed".

# The next maintenance window. Leave start unset (or null) until MacStadium schedules one; set it
# as soon as they do, so that the checks below stay quiet while the window runs.
data "orka_upgrade_window" "next" {
  type       = "release"
  start      = "2026-12-05T22:00:00Z"
  namespaces = ["orka-ci"]
}

# Whether the Orka API answers. Reading it never fails. A token Orka rejects (after a release or
# layer upgrade) is no check failure: reading the VMs then fails, and so does the assessment,
# which HCP Terraform reports as "Health assessment errored".
data "orka_cluster" "this" {}

locals {
  # The VMs this workspace keeps deployed, as namespace/name. In a workspace that declares them,
  # derive the list: [for vm in orka_vm.runner : "${vm.namespace}/${vm.name}"].
  expected_vms = ["orka-ci/runner-1", "orka-ci/runner-2"]

  # While the window runs, Orka answers nothing and the upgrade may delete VMs: no check below
  # fails then. Afterwards they report what the upgrade left behind.
  in_window = data.orka_upgrade_window.next.active
  deployed  = data.orka_upgrade_window.next.running_vms # null when Orka could not be asked
  missing   = local.deployed == null ? [] : sort(setsubtract(local.expected_vms, local.deployed))
}

check "orka_api_reachable" {
  assert {
    condition     = local.in_window || data.orka_cluster.this.reachable
    error_message = "The Orka API at ${data.orka_cluster.this.endpoint} did not answer, and no maintenance window is declared to explain it: see this run's warnings. If MacStadium is upgrading the cluster, set the window's start."
  }
}

check "vms_deployed" {
  assert {
    condition     = local.in_window || length(local.missing) == 0
    error_message = "These VMs are not deployed: ${join(", ", local.missing)}. An Orka upgrade deletes VMs: apply this workspace to deploy them again."
  }
}

# A day's notice: fails from 24 hours before the window until it starts. Send "Check failed" to
# people, not to a receiver that queues runs (nothing is wrong with the estate yet).
check "upgrade_window_imminent" {
  assert {
    condition = (
      data.orka_upgrade_window.next.status != "scheduled" ? true :
      data.orka_upgrade_window.next.seconds_until_start > 86400
    )
    error_message = "The Orka ${data.orka_upgrade_window.next.type} upgrade starts at ${coalesce(data.orka_upgrade_window.next.start, "?")}: drain CI and queue no runs until ${coalesce(data.orka_upgrade_window.next.end, "it ends")}. It wipes: ${join(", ", data.orka_upgrade_window.next.wiped)}."
  }
}
