# The iOS team's namespace holds no nodes until some are moved in: its VMs would stay Pending.
resource "orka_namespace" "ios" {
  name = "orka-ios"
}

# Two nodes for the iOS team, tagged for the Xcode 16 runners. Each node is declared by one
# orka_node only; a for_each over a set of names keeps it so.
resource "orka_node" "ios" {
  for_each  = toset(["mini-arm-3", "mini-arm-4"])
  name      = each.key
  namespace = orka_namespace.ios.name
  tags      = ["xcode-16"]
}

resource "orka_vm_config" "xcode16" {
  name         = "ios-xcode16"
  image        = "ghcr.io/acme/macos-xcode:16"
  cpu          = 4
  tag          = "xcode-16"
  tag_required = true
}

# Deployed only once the nodes are in place, and deleted before they are released.
resource "orka_vm" "runner" {
  count     = 2
  namespace = orka_namespace.ios.name
  name      = "ios-runner-${count.index + 1}"
  vm_config = orka_vm_config.xcode16.name

  depends_on = [orka_node.ios]
}

# A node that stays in orka-default and is only tagged. Were it in a namespace that another
# workspace placed it in, the plan would stop and name that namespace, unless this block said
# take_from_other_namespace = true.
resource "orka_node" "gpu" {
  name      = "mini-arm-1"
  namespace = "orka-default"
  tags      = ["gpu"]
}
