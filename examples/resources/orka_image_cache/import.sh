# An image cache is imported by namespace and image. Orka does not record how the nodes were
# selected: the import pins the nodes that hold the image now, and the first apply after it
# records the configuration's nodes, tags or all without caching the image again. A create
# never takes over an image already cached on a node it targets (it fails with "Object already
# exists in Orka"): import such a cache to manage it here, knowing that destroying the resource
# then removes the image from every node it targets.
terraform import orka_image_cache.runner_image orka-default/ghcr.io/acme/macos:sonoma
