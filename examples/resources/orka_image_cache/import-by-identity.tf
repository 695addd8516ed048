import {
  to = orka_image_cache.runner_image
  identity = {
    namespace = "orka-default"
    image     = "ghcr.io/acme/macos:sonoma"
  }
}
