# The administrator's workspace: it owns everything only an Orka administrator may manage
# (service accounts, their tokens, role bindings), mints one service-account token per pool
# workspace and writes it into that workspace as a sensitive ORKA_TOKEN variable, then
# triggers the pool workspace's run. Pool workspaces (see pool/) manage VM configs, VMs and
# image caches unattended with those tokens. After an Orka upgrade invalidates every token,
# one apply of this workspace re-arms every pool. See README.md. Not run by the project's
# tests: it needs the hashicorp/tfe provider.

terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
    tfe = {
      source  = "hashicorp/tfe"
      version = "~> 0.60"
    }
  }
}

# The admin workspace's own ORKA_ENDPOINT and ORKA_TOKEN configure this provider. ORKA_TOKEN
# must be an administrator's user token (`orka3 user get-token`, valid for one hour, pasted
# for each run): a service-account token cannot manage service accounts or mint tokens, and
# the plan says so before anything is sent.
provider "orka" {}

# TFE_TOKEN configures this provider.
provider "tfe" {}

variable "tfc_organization" {
  type = string
}

# This workspace's own name, so that its applies can trigger the pools' runs.
variable "admin_workspace" {
  type    = string
  default = "orka-admin"
}

# One entry per CI pipeline: its Terraform Cloud workspace and the Orka namespace it uses.
variable "pipelines" {
  type = map(object({
    workspace = string
    namespace = string
  }))
  default = {
    ios-app = { workspace = "ios-app-ci", namespace = "orka-ios" }
    mac-app = { workspace = "mac-app-ci", namespace = "orka-mac" }
  }
}

# The next maintenance window, once scheduled: MacStadium's start time (RFC 3339) and the type
# of upgrade (release, infrastructure or patch). On Orka on AWS or on-prem, the start and type of
# the upgrade you run yourself.
variable "upgrade_start" {
  type    = string
  default = null
}

variable "upgrade_type" {
  type    = string
  default = "release"
}

# regenerate_tokens_after is the window's start for release and layer upgrades, which stop
# service-account tokens working, and null for patches (and while no window is scheduled).
data "orka_upgrade_window" "next" {
  type  = var.upgrade_type
  start = var.upgrade_start
}

data "tfe_workspace" "pipeline" {
  for_each     = var.pipelines
  name         = each.value.workspace
  organization = var.tfc_organization
}

data "tfe_workspace" "admin" {
  name         = var.admin_workspace
  organization = var.tfc_organization
}

resource "orka_service_account" "pipeline" {
  for_each  = var.pipelines
  name      = "tfc-${each.key}"
  namespace = each.value.namespace
}

# VM configs live in orka-default: let each pool's account manage them there too. (Its own
# namespace's binding is added by Orka when the account is created.)
resource "orka_role_binding_subject" "pipeline_in_default" {
  for_each          = var.pipelines
  namespace         = "orka-default"
  kind              = "service_account"
  name              = orka_service_account.pipeline[each.key].name
  subject_namespace = each.value.namespace
}

resource "orka_service_account_token" "pipeline" {
  for_each         = var.pipelines
  service_account  = orka_service_account.pipeline[each.key].name
  namespace        = orka_service_account.pipeline[each.key].namespace
  duration         = "720h"
  rotate_before    = "504h" # an admin run at least every three weeks regenerates it before it expires
  regenerate_after = data.orka_upgrade_window.next.regenerate_tokens_after

  lifecycle {
    create_before_destroy = true
  }
}

# The pipelines' own workspaces read these as their provider configuration.
resource "tfe_variable" "orka_token" {
  for_each     = var.pipelines
  workspace_id = data.tfe_workspace.pipeline[each.key].id
  category     = "env"
  key          = "ORKA_TOKEN"
  value        = orka_service_account_token.pipeline[each.key].token
  sensitive    = true
  description  = "Orka token of service account ${orka_service_account.pipeline[each.key].name}; managed by the Orka admin workspace. Expires ${coalesce(orka_service_account_token.pipeline[each.key].expires_at, "never")}."
}

resource "tfe_variable" "orka_namespace" {
  for_each     = var.pipelines
  workspace_id = data.tfe_workspace.pipeline[each.key].id
  category     = "env"
  key          = "ORKA_NAMESPACE"
  value        = each.value.namespace
  description  = "Managed by the Orka admin workspace."
}

# Every apply of this workspace (such as the one that re-arms the pools after an upgrade)
# queues a run of each pool workspace, which then redeploys what the upgrade wiped.
resource "tfe_run_trigger" "pipeline" {
  for_each      = var.pipelines
  workspace_id  = data.tfe_workspace.pipeline[each.key].id
  sourceable_id = data.tfe_workspace.admin.id
}
