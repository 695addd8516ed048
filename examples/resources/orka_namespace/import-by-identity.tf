import {
  to = orka_namespace.ios
  identity = {
    name = "orka-ios"
  }
}
