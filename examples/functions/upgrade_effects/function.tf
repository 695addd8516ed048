# What a release upgrade does to each part of the cluster, without asking the cluster.
output "release_upgrade" {
  value = provider::orka::upgrade_effects("release")
  # { vms = "may_be_deleted", service_account_tokens = "must_be_regenerated", image_cache = "removed", ... }
}

# Refuse a configuration that relies on registry credentials surviving the next upgrade.
variable "next_upgrade" {
  type    = string
  default = "infrastructure"

  validation {
    condition     = contains(["release", "infrastructure", "patch"], var.next_upgrade)
    error_message = "next_upgrade must be release, infrastructure or patch."
  }
}

output "registry_credentials_survive" {
  value = provider::orka::upgrade_effects(var.next_upgrade)["registry_credentials"] == "persists"
}
