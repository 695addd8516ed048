# Images cached in the provider's namespace, listed with the nodes that hold them.
list "orka_image_cache" "all" {
  provider = orka
}
