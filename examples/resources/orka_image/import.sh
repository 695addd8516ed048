# A local image is imported by its name.
terraform import orka_image.xcode sonoma-xcode-16.orkasi
