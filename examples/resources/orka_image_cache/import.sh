# An image cache is imported by namespace and image; the import pins the nodes that hold it.
terraform import orka_image_cache.runner_image orka-default/ghcr.io/acme/macos:sonoma
