import {
  to = orka_node.gpu
  identity = {
    name = "mini-arm-1"
  }
}
