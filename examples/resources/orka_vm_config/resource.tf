# A template for macOS CI runners on Apple silicon.
resource "orka_vm_config" "sonoma_runner" {
  name  = "sonoma-runner"
  image = "ghcr.io/macstadium/orka-images/sonoma:latest"
  cpu   = 4
  # memory is derived from cpu when not set; set it to override.
  tag          = "ci"
  tag_required = false
  scheduler    = "most-allocated"

  display_width  = 1920
  display_height = 1080
}

# A config for GPU-accelerated work: GPU passthrough needs the VNC console off.
resource "orka_vm_config" "gpu" {
  name            = "sonoma-gpu"
  image           = "90gbsonomassd.orkasi"
  cpu             = 6
  memory          = 12
  gpu_passthrough = true
  vnc_console     = false
}
