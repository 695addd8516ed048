# `orka3 node list` and Orka's API report memory as Kubernetes quantities; memory arguments
# take GiB.
variable "node_memory" {
  type        = string
  description = "A node's memory as `orka3 node list` shows it."
  default     = "31.23G"
}

output "node_memory_gib" {
  value = provider::orka::parse_memory(var.node_memory) # 29.085... (G is 10^9 bytes)
}

output "examples" {
  value = [
    provider::orka::parse_memory("4.80Gi"), # 4.8
    provider::orka::parse_memory("512Mi"),  # 0.5
    provider::orka::parse_memory("6"),      # 6: a bare number is GiB
  ]
}
