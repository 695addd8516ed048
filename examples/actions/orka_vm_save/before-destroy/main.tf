# Keep what was changed inside a VM by hand when a new image replaces it (Terraform 1.16 or
# later): the before_destroy trigger saves the VM into a new image before Terraform deletes it.
#
# The trigger's default on_failure (halt) makes a failed save stop the apply before the VM is
# deleted, so the VM stays as it was; `on_failure = continue` would replace it anyway, with the
# failure as a warning. `terraform destroy` runs the trigger too, but never stops on its failure.
variable "xcode_image" {
  type        = string
  description = "Image the build agent runs; a new one replaces the VM."
  default     = "sonoma-xcode-16.orkasi"
}

resource "orka_vm" "build_agent" {
  name      = "build-agent"
  namespace = "orka-ios"
  image     = var.xcode_image

  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.orka_vm_save.before_replace]
    }
  }
}

# In a destroy trigger, self is the VM being deleted, as it was before the change: the image is
# named after the VM and the image it ran, such as build-agent-was-sonoma-xcode-16.orkasi. The
# action never overwrites an image, so a name that is taken stops the apply, the VM unchanged.
action "orka_vm_save" "before_replace" {
  config {
    vm_name    = self.name
    namespace  = self.namespace
    image_name = "${self.name}-was-${trimsuffix(self.image, ".orkasi")}.orkasi"
    timeout    = "90m"
  }
}
