# The nodes of two team namespaces, each as an orka_node that keeps it where it is. Generated
# configuration manages no tags (see the orka_node import rule); copy a node's all_tags into
# tags to manage them.
list "orka_node" "teams" {
  provider = orka
  config {
    namespaces = ["orka-ios", "orka-macos"]
  }
}
