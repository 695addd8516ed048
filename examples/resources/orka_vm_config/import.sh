# A VM config is imported by its name.
terraform import orka_vm_config.sonoma_runner sonoma-runner
