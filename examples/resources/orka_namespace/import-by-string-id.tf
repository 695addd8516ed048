import {
  to = orka_namespace.ios
  id = "orka-ios"
}
