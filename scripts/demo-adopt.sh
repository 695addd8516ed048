#!/usr/bin/env bash
# make demo-adopt: adopting a cluster built by hand, end to end, on the Orka simulator.
# Builds the provider and orkasim, starts the simulator, builds a two-team estate with the API
# alone (as an admin with orka3 would have), beside a VM another workspace deployed, then adopts
# it into an admin directory and a pool directory, each from its own terraform query
# -generate-config-out (examples/adopt-existing-cluster), checks that each plans imports only and
# then nothing, simulates an infrastructure upgrade after which CI takes the room a VM had, and
# recovers with one apply per directory, every VM landing wherever there is room.
# Needs Terraform 1.14 or later. Exits non-zero on any failure.
set -euo pipefail
tf="${1:?usage: demo-adopt.sh /absolute/path/to/terraform (1.14 or later)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/demo-lib.sh
. "$root/scripts/demo-lib.sh"
demo_init demo-adopt
quiet() { grep -v -e 'Provider development overrides' -e 'orkatf/orka in' -e 'The following provider development' \
  -e 'configuration:' -e 'may therefore not match' -e 'applying changes may cause' -e '^releases\.$' -e '^[│╷╵ ]*$' || true; }
demo_need_terraform "$tf" 1.14.0 "terraform query"

demo_build

say "Starting the Orka simulator"
demo_start_sim --deploy-delay 200ms --cache-delay 300ms

api() { curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" -H 'Content-Type: application/json' "$@"; }
e="$ORKA_ENDPOINT/api/v1"
vm_node() { api "$e/namespaces/$1/vms/$2" | sed -n 's/.*"node": *"\([^"]*\)".*/\1/p'; }

say "A two-team estate built by hand, with the API alone"
for ns in orka-ios orka-android; do
  api -d "{\"name\":\"$ns\",\"enableCustomPods\":false}" "$e/namespaces" >/dev/null
done
# Each team runs on nodes of its own: orka-ios on mini-arm-1 and -2, orka-android on mini-arm-3.
for move in mini-arm-1:orka-ios mini-arm-2:orka-ios mini-arm-3:orka-android; do
  api -d "{\"namespace\":\"${move#*:}\"}" "$e/namespaces/orka-default/nodes/${move%%:*}/namespace" >/dev/null
done
api -d '{"name":"ios-sonoma","image":"90gbsonomassd.orkasi","cpu":4}' "$e/namespaces/orka-default/vmconfigs" >/dev/null
api -d '{"name":"android-sonoma","image":"90gbsonomassd.orkasi","cpu":4}' "$e/namespaces/orka-default/vmconfigs" >/dev/null
api -d '{"name":"ios-runner-1","vmConfig":"ios-sonoma"}' "$e/namespaces/orka-ios/vms" >/dev/null
api -d '{"name":"ios-runner-2","vmConfig":"ios-sonoma"}' "$e/namespaces/orka-ios/vms" >/dev/null
api -d '{"name":"android-runner-1","vmConfig":"android-sonoma"}' "$e/namespaces/orka-android/vms" >/dev/null
# A VM another workspace deployed: it carries this provider's mark, with that workspace's owner.
api -d '{"name":"ios-experiment","vmConfig":"ios-sonoma","customMetadata":{"orka-tf-deployed-by":"terraform-provider-orka","orka-tf-owner":"mobile/experiments"}}' \
  "$e/namespaces/orka-ios/vms" >/dev/null
api -X POST "$e/namespaces/orka-ios/serviceaccounts/ios-ci" >/dev/null
api -X POST "$e/namespaces/orka-android/serviceaccounts/android-ci" >/dev/null
api -d '{"server":"https://ghcr.io","username":"acme-bot","password":"demo-password"}' "$e/namespaces/orka-ios/secrets/registrycredentials/add" >/dev/null
api -d '{"users":["dev@example.com"]}' "$e/namespaces/orka-ios/rolebindings/orka-dev/subjects/add" >/dev/null
api -d '{"image":"ghcr.io/acme/macos:sonoma","all":true}' "$e/namespaces/orka-ios/imagecache/add" >/dev/null
echo "2 team namespaces on nodes of their own, 2 VM configs, 3 VMs by hand and 1 from another workspace,"
echo "2 service accounts, 1 registry credential, a developer's role binding, 1 image cache"

# adopt DIR: query, generate, fill in, plan (imports only), apply, plan (nothing).
adopt() {
  local dir="$work/$1" want="$2"
  mkdir -p "$dir"
  cp "$root/examples/adopt-existing-cluster/$1"/* "$dir/"
  cd "$dir"
  say "$1: terraform query"
  "$tf" query -no-color 2>&1 | quiet | grep -E '^list\.' || fail "$1: the query listed nothing"
  say "$1: terraform query -generate-config-out=generated.tf"
  "$tf" query -no-color -generate-config-out=generated.tf >"$dir/gen.txt" 2>&1 || { cat "$dir/gen.txt"; fail "$1: generating configuration failed"; }
  echo "$(grep -c '^import {' generated.tf) import blocks, $(wc -l <generated.tf) lines written"
  if grep -q 'password *= null # sensitive' generated.tf; then
    # Orka never returns a registry password: the one thing to fill in (see the guide).
    sed -i 's|^\(  password *= \)null # sensitive|\1var.ghcr_password|' generated.tf
    printf '\nvariable "ghcr_password" {\n  type      = string\n  sensitive = true\n}\n' >>generated.tf
  fi
  say "$1: terraform plan: imports only"
  "$tf" plan -input=false -no-color >"$dir/plan.txt" 2>&1 || { cat "$dir/plan.txt"; fail "$1: plan failed"; }
  grep -E '^Plan:' "$dir/plan.txt"
  grep -qE "^Plan: [0-9]+ to import, 0 to add, $want to change, 0 to destroy" "$dir/plan.txt" ||
    fail "$1: the plan should import only (and change $want)"
  say "$1: terraform apply: adopt"
  "$tf" apply -auto-approve -input=false -no-color >"$dir/apply.txt" 2>&1 || { cat "$dir/apply.txt"; fail "$1: apply failed"; }
  grep -E '^Apply complete' "$dir/apply.txt"
  no_changes "$1" "adopting"
}

# no_changes DIR WHEN: the plan in DIR is empty.
no_changes() {
  local rc=0
  (cd "$work/$1" && "$tf" plan -detailed-exitcode -input=false -no-color >"$work/$1/after.txt" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || { cat "$work/$1/after.txt"; fail "$1: the plan after $2 is not empty (exit $rc)"; }
  echo "$1: no changes"
}

export TF_VAR_ghcr_password="demo-password"
adopt admin 1 # the registry credential's password is sent once
adopt pool 0
grep -q 'ios-experiment' "$work/pool/generated.tf" && fail "pool: adopted a VM another workspace deployed"
if grep -qE '^ *node *=' "$work/pool/generated.tf"; then fail "pool: a generated VM is pinned to a node"; fi
echo "pool: no VM pinned to a node; ios-experiment (another workspace's) left out"

old="$(vm_node orka-ios ios-runner-1)"
say "MacStadium upgrades the cluster (infrastructure upgrade, simulated)"
curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" -H 'Content-Type: application/json' \
  -d '{"type":"infrastructure","vms":"all"}' "$ORKA_ENDPOINT/_sim/upgrade"
echo
say "Before anyone applies, CI fills $old, where ios-runner-1 ran"
for n in 1 2; do
  api -d "{\"name\":\"ci-job-$n\",\"vmConfig\":\"ios-sonoma\",\"node\":\"$old\"}" "$e/namespaces/orka-ios/vms" >/dev/null
done
echo "ci-job-1 and ci-job-2 run on $old"

for d in admin pool; do
  say "$d: terraform apply: one apply rebuilds what the upgrade wiped"
  (cd "$work/$d" && "$tf" apply -auto-approve -input=false -no-color >"$work/$d/recover.txt" 2>&1) ||
    { cat "$work/$d/recover.txt"; fail "$d: recovery apply failed"; }
  grep -E '^Apply complete' "$work/$d/recover.txt"
  no_changes "$d" "recovering"
done
for vm in orka-ios/ios-runner-1 orka-ios/ios-runner-2 orka-android/android-runner-1; do
  echo "$vm runs on $(vm_node "${vm%/*}" "${vm#*/}")"
done
say "Demo finished"
