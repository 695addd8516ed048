# A VM is imported by namespace and name. Orka does not report a VM's deploy-time overrides
# (scheduler, tag, tag_required, net_boost, legacy_io, gpu_passthrough, vnc_console, display_*,
# reserved_ports): keep them in the configuration as they were deployed; the first apply after
# the import records them without redeploying the VM.
terraform import 'orka_vm.runner[0]' orka-default/runner-1
