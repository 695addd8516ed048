data "orka_images" "all" {}

output "apple_silicon_images" {
  value = [for img in data.orka_images.all.images : img.name if img.arch == "arm64"]
}
