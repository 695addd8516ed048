# A node is imported by its name; its namespace is read from Orka, and its tags are managed
# from the next apply on, as the configuration lists them. The imported resource counts as having
# placed the node where it was found, so it may move the node on from there.
terraform import orka_node.gpu mini-arm-1
