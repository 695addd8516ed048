# Terraform 1.5 and later can import with a block instead of the CLI.
import {
  to = orka_image.xcode
  id = "sonoma-xcode-16.orkasi"
}
