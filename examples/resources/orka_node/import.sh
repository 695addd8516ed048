# A node is imported by its name; its namespace is read from Orka, and its tags are managed
# from the next apply on, as the configuration lists them.
terraform import orka_node.gpu mini-arm-1
