import {
  to = orka_node.gpu
  id = "mini-arm-1"
}
