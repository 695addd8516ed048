# Terraform 1.5 and later can import with a block instead of the CLI.
import {
  to = orka_vm_config.sonoma_runner
  id = "sonoma-runner"
}
