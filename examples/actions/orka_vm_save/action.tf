# Save a VM that someone tuned by hand into a new image, before an Orka upgrade deletes it:
#
#   terraform apply -invoke=action.orka_vm_save.xcode_runner
#
# The action reports progress until the image is Ready, and fails with Orka's message if the
# image becomes Failed (or when timeout runs out; the save then goes on in Orka).
action "orka_vm_save" "xcode_runner" {
  config {
    vm_name    = "xcode-runner"
    namespace  = "orka-ios"
    image_name = "xcode-runner-tuned.orkasi"
    timeout    = "90m"
  }
}

# Once the image is Ready, a VM config deploys from it: after the upgrade, one apply brings the
# tuned VM back.
resource "orka_vm_config" "xcode_runner" {
  name  = "xcode-runner"
  image = "xcode-runner-tuned.orkasi"
  cpu   = 6
}
