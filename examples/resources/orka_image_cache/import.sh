# An image cache is imported by namespace and image. Orka does not record how the nodes were
# selected: the import pins the nodes that hold the image now, and the first apply after it
# records the configuration's nodes, tags or all without caching the image again.
terraform import orka_image_cache.runner_image orka-default/ghcr.io/acme/macos:sonoma
