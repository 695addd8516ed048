# Or let an apply save the VM: a new image each time the date of the next upgrade changes.
variable "next_upgrade" {
  type        = string
  description = "Date of the next Orka upgrade, such as 2026-12-05."
}

action "orka_vm_save" "before_upgrade" {
  config {
    vm_name    = "xcode-runner"
    namespace  = "orka-ios"
    image_name = "xcode-runner-${var.next_upgrade}.orkasi"
  }
}

resource "terraform_data" "preserve" {
  triggers_replace = var.next_upgrade
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.orka_vm_save.before_upgrade]
    }
  }
}
