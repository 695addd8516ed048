data "orka_nodes" "all" {}

# Refuse to plan new runners when no node has room for one.
check "room_for_a_runner" {
  assert {
    condition     = anytrue([for n in data.orka_nodes.all.nodes : n.phase == "READY" && n.available_cpu >= 4])
    error_message = "No READY node has 4 CPU cores free."
  }
}
