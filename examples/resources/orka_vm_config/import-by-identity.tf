import {
  to = orka_vm_config.sonoma_runner
  identity = {
    name = "sonoma-runner"
  }
}
