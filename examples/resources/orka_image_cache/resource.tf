# Keep the runner image on every Apple-silicon node so that runners start without a pull.
# Release and layer upgrades empty every cache; the next apply caches the image again.
resource "orka_image_cache" "runner_image" {
  image = "ghcr.io/acme/macos:sonoma"
  all   = true

  timeouts {
    create = "90m"
  }
}

# Or only on the nodes tagged for a team.
resource "orka_image_cache" "gpu_image" {
  namespace = "orka-default"
  image     = "90gbsonomassd.orkasi"
  tags      = ["gpu"]
}
