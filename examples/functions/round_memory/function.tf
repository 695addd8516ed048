# Half of a node's memory, on the 0.1 GiB step Orka keeps (memory arguments refuse other sizes).
resource "orka_vm_config" "half_node" {
  name   = "half-node"
  image  = "ghcr.io/macstadium/orka-images/sonoma:latest"
  cpu    = 6
  memory = provider::orka::round_memory(provider::orka::parse_memory("31.23G") / 2) # 14.5
}
