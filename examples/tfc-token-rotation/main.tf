# The administrator's workspace: it owns everything only an Orka administrator may manage
# (each pipeline's namespace and the nodes placed in it, service accounts, their tokens, role
# bindings), mints one service-account token per pool
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

# One entry per CI pipeline, keyed by the pipeline's name (which its pool workspace receives
# as the Terraform variable `pipeline` and uses in the names of its VM config and VMs): its
# Terraform Cloud workspace, the Orka namespace this workspace creates for it, and the nodes
# (`orka3 node list`) moved into that namespace. A new namespace holds no nodes, and its VMs run
# only on its own nodes: without them the pool's apply fails with `namespace "..." holds no
# nodes`. A node must run no VM when it is first moved, and belongs to one pipeline only.
variable "pipelines" {
  type = map(object({
    workspace = string
    namespace = string
    nodes     = set(string)
  }))
  default = {
    ios-app = { workspace = "ios-app-ci", namespace = "orka-ios", nodes = ["mini-arm-1", "mini-arm-2"] }
    mac-app = { workspace = "mac-app-ci", namespace = "orka-mac", nodes = ["mini-arm-3"] }
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
# No `namespaces` here: a list built from orka_namespace.pipeline would defer this read to apply
# whenever a pipeline is added, leaving regenerate_tokens_after unknown at plan and replacing
# every pool's token. (If you want `running_vms` too, name the namespaces literally, or declare a
# second orka_upgrade_window with them, and keep the tokens wired to this one.)
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

# Each pipeline's namespace. Namespaces survive every upgrade.
resource "orka_namespace" "pipeline" {
  for_each = var.pipelines
  name     = each.value.namespace
}

locals {
  # Every node of every pipeline, by node name: { "mini-arm-1" = "ios-app", ... }.
  pipeline_of_node = merge([for key, p in var.pipelines : { for n in p.nodes : n => key }]...)
}

# The pipelines' nodes, each moved into its pipeline's namespace: without nodes, the pool's VMs
# have nowhere to run.
resource "orka_node" "pipeline" {
  for_each  = local.pipeline_of_node
  name      = each.key
  namespace = orka_namespace.pipeline[each.value].name
}

resource "orka_service_account" "pipeline" {
  for_each  = var.pipelines
  name      = "tfc-${each.key}"
  namespace = orka_namespace.pipeline[each.key].name
}

# VM configs live in orka-default: let each pool's account manage them there too. (Its own
# namespace's binding is added by Orka when the account is created.)
resource "orka_role_binding_subject" "pipeline_in_default" {
  for_each          = var.pipelines
  namespace         = "orka-default"
  kind              = "service_account"
  name              = orka_service_account.pipeline[each.key].name
  subject_namespace = orka_service_account.pipeline[each.key].namespace
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
  value        = orka_namespace.pipeline[each.key].name
  description  = "Managed by the Orka admin workspace."
}

# The pipeline's name, from which the pool names its VM config and VMs (pool/main.tf), so that
# two pools never declare the same VM config.
resource "tfe_variable" "pipeline" {
  for_each     = var.pipelines
  workspace_id = data.tfe_workspace.pipeline[each.key].id
  category     = "terraform"
  key          = "pipeline"
  value        = each.key
  description  = "Managed by the Orka admin workspace."
}

# Every apply of this workspace (such as the one that re-arms the pools after an upgrade)
# queues a run of each pool workspace, which then redeploys what the upgrade wiped.
resource "tfe_run_trigger" "pipeline" {
  for_each      = var.pipelines
  workspace_id  = data.tfe_workspace.pipeline[each.key].id
  sourceable_id = data.tfe_workspace.admin.id
}
