import {
  to = orka_image.xcode
  identity = {
    name = "sonoma-xcode-16.orkasi"
  }
}
