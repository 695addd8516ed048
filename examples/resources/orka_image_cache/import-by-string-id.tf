import {
  to = orka_image_cache.runner_image
  id = "orka-default/ghcr.io/acme/macos:sonoma"
}
