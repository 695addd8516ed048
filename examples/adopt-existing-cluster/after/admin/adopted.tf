# The admin workspace of team orka-ios after adoption: the generated blocks rewritten with
# for_each where a kind has several objects (see the adoption guide). The provider block is in
# main.tf beside it.
locals {
  namespace  = "orka-ios"
  developers = toset(["dev@example.com"])
}

resource "orka_namespace" "team" {
  name = local.namespace
}

resource "orka_service_account" "ci" {
  namespace = orka_namespace.team.name
  name      = "ios-ci"
}

resource "orka_registry_credential" "ghcr" {
  namespace = orka_namespace.team.name
  server    = "https://ghcr.io"
  username  = "acme-bot"
  password  = var.ghcr_password
}

resource "orka_role_binding_subject" "developer" {
  for_each  = local.developers
  namespace = orka_namespace.team.name
  kind      = "user"
  name      = each.key
}

import {
  to       = orka_namespace.team
  identity = { name = "orka-ios" }
}

import {
  to       = orka_service_account.ci
  identity = { namespace = "orka-ios", name = "ios-ci" }
}

import {
  to       = orka_registry_credential.ghcr
  identity = { namespace = "orka-ios", server = "https://ghcr.io" }
}

import {
  for_each = local.developers
  to       = orka_role_binding_subject.developer[each.key]
  identity = { namespace = "orka-ios", kind = "user", name = each.key }
}

variable "ghcr_password" {
  type      = string
  sensitive = true
}
