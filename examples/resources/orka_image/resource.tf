# A copy of a base image that a team tunes by hand, with a description that says what it holds.
resource "orka_image" "xcode" {
  name        = "sonoma-xcode-16.orkasi"
  source      = "90gbsonomassd.orkasi"
  description = "macOS Sonoma with Xcode 16.2"
}

# VM configs that deploy from the image refer to it, so that Terraform copies the image first
# and deletes it last (Orka refuses to delete an image that VMs use).
resource "orka_vm_config" "xcode" {
  name  = "sonoma-xcode-16"
  image = orka_image.xcode.name
}
