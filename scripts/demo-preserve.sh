#!/usr/bin/env bash
# make demo-preserve: keeping a VM tuned by hand across an Orka upgrade, on the Orka simulator.
# Deploys a VM, saves it into a new image with `terraform apply -invoke=action.orka_vm_save...`,
# simulates an upgrade that deletes every VM, then one apply deploys the VM again from a VM
# config whose image is the saved one, and checks that Orka runs it from that image.
# Needs Terraform 1.14 or later (actions). Exits non-zero on any failure.
set -euo pipefail
tf="${1:?usage: demo-preserve.sh /absolute/path/to/terraform (1.14 or later)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/demo-lib.sh
. "$root/scripts/demo-lib.sh"
demo_init demo-preserve
# run shows a terraform command and its output, without the dev_overrides banner.
run() {
  echo "\$ terraform $*"
  local rc=0
  "$tf" "$@" -no-color >"$work/out.txt" 2>&1 || rc=$?
  sed '/Warning: Provider development overrides/,/^releases\.$/d' "$work/out.txt"
  [ "$rc" -eq 0 ] || fail "terraform $1 failed (exit $rc)"
}
api() { curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" "$@"; }
demo_need_terraform "$tf" 1.14.0 "actions"

demo_build

say "Starting the Orka simulator (a save takes two simulated minutes of one second each)"
demo_start_sim --deploy-delay 300ms --minute 1s

mkdir -p "$work/config"
cd "$work/config"
cat >main.tf <<'HCL'
terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}

# A runner someone then tuned by hand (Xcode, simulators, signing certificates...).
resource "orka_vm" "runner" {
  name  = "xcode-runner"
  image = "sequoia.orkasi"
}

action "orka_vm_save" "keep" {
  config {
    vm_name    = "xcode-runner"
    image_name = "xcode-runner-tuned.orkasi"
    timeout    = "5m"
  }
}
HCL

say "terraform apply: the runner"
run apply -auto-approve -input=false

say "terraform apply -invoke: save the tuned runner into a new image"
run apply -auto-approve -input=false -invoke=action.orka_vm_save.keep
state="$(api "$ORKA_ENDPOINT/api/v1/namespaces/orka-default/images/xcode-runner-tuned.orkasi" | sed -n -E 's/.*"state":"([A-Za-z]+)".*/\1/p')"
[ "$state" = Ready ] || fail "the saved image is '${state:-missing}', not Ready"
echo "Orka lists image xcode-runner-tuned.orkasi: $state"

say "An Orka upgrade deletes every VM"
api -X POST -d '{"type":"infrastructure","vms":"all"}' "$ORKA_ENDPOINT/_sim/upgrade"
echo

say "From now on the runner deploys from the saved image"
cat >main.tf <<'HCL'
terraform {
  required_providers {
    orka = { source = "orkatf/orka" }
  }
}

resource "orka_vm_config" "runner" {
  name  = "xcode-runner"
  image = "xcode-runner-tuned.orkasi"
}

resource "orka_vm" "runner" {
  name      = "xcode-runner"
  vm_config = orka_vm_config.runner.name
}
HCL
run apply -auto-approve -input=false
image="$(api "$ORKA_ENDPOINT/api/v1/namespaces/orka-default/vms/xcode-runner" | sed -n -E 's/.*"image":"([^"]+)".*/\1/p')"
[ "$image" = xcode-runner-tuned.orkasi ] || fail "the runner runs image '${image:-none}', not the saved one"
echo "Orka runs VM xcode-runner from image $image"

say "Cleaning up"
run destroy -auto-approve -input=false
echo "demo-preserve: ok"
