# Push a VM that someone tuned by hand to an OCI registry, so that it outlives an upgrade (and
# the cluster itself):
#
#   terraform apply -invoke=action.orka_vm_push.xcode_runner
#
# The namespace needs a registry credential for the registry's server. Orka answers with the
# name of the job that pushes; its REST API cannot report that job's progress, so the action
# ends once Orka accepted the push and says how to follow the job.
resource "orka_registry_credential" "ghcr" {
  namespace = "orka-ios"
  server    = "https://ghcr.io"
  username  = "ci-bot"
  password  = var.ghcr_token
}

variable "ghcr_token" {
  type      = string
  sensitive = true
}

action "orka_vm_push" "xcode_runner" {
  config {
    vm_name         = "xcode-runner"
    namespace       = orka_registry_credential.ghcr.namespace
    image_reference = "ghcr.io/acme/macos-xcode:tuned"
  }
}

# Once the push has finished, a VM config deploys from the reference.
resource "orka_vm_config" "from_registry" {
  name  = "xcode-runner-oci"
  image = "ghcr.io/acme/macos-xcode:tuned"
}
