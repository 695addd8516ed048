#!/usr/bin/env bash
# make demo-adopt: adopting a cluster built by hand, end to end, on the Orka simulator.
# Builds the provider and orkasim, starts the simulator, builds an estate with the API alone
# (as an admin with orka3 would have), then adopts it with terraform query
# -generate-config-out and one apply of the imports, checks that the plan after that is empty,
# simulates an upgrade, and rebuilds what it wiped with one apply. Needs Terraform 1.14 or later.
# Exits non-zero on any failure.
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

api() { curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" -H 'Content-Type: application/json' "$@" >/dev/null; }
say "An estate built by hand, with the API alone"
e="$ORKA_ENDPOINT/api/v1"
api -d '{"name":"orka-ios","enableCustomPods":false}' "$e/namespaces"
api -d '{"name":"sonoma-runner","image":"90gbsonomassd.orkasi","cpu":4}' "$e/namespaces/orka-default/vmconfigs"
api -d '{"name":"runner-1","vmConfig":"sonoma-runner"}' "$e/namespaces/orka-default/vms"
api -d '{"name":"runner-2","vmConfig":"sonoma-runner"}' "$e/namespaces/orka-default/vms"
api -X POST "$e/namespaces/orka-default/serviceaccounts/github-actions"
api -X POST "$e/namespaces/orka-ios/serviceaccounts/ios-ci"
api -d '{"server":"https://ghcr.io","username":"acme-bot","password":"demo-password"}' "$e/namespaces/orka-default/secrets/registrycredentials/add"
api -d '{"users":["dev@example.com"],"serviceaccounts":[{"name":"github-actions","namespace":"orka-default"}]}' \
  "$e/namespaces/orka-ios/rolebindings/orka-dev/subjects/add"
api -d '{"image":"ghcr.io/acme/macos:sonoma","all":true}' "$e/namespaces/orka-default/imagecache/add"
echo "2 namespaces, 1 VM config, 2 VMs, 2 service accounts, 1 registry credential, role-binding subjects, 1 image cache"

mkdir -p "$work/config"
cp "$root"/examples/adopt-existing-cluster/* "$work/config/"
cd "$work/config"

say "terraform query: what the cluster holds"
"$tf" query -no-color 2>&1 | quiet | grep -E '^list\.' || fail "query listed nothing"

say "terraform query -generate-config-out=generated.tf"
"$tf" query -no-color -generate-config-out=generated.tf >"$work/gen.txt" 2>&1 || { cat "$work/gen.txt"; fail "generating configuration failed"; }
echo "$(grep -c '^import {' generated.tf) import blocks written"
# Orka never returns a registry password: the one thing to fill in (see the guide).
sed -i 's|^\(  password *= \)null # sensitive|\1var.ghcr_password|' generated.tf
cat >>generated.tf <<'HCL'

variable "ghcr_password" {
  type      = string
  sensitive = true
}
HCL
export TF_VAR_ghcr_password="demo-password"

say "terraform plan: imports only"
"$tf" plan -input=false -no-color >"$work/plan.txt" 2>&1 || { cat "$work/plan.txt"; fail "plan failed"; }
grep -E '^Plan:' "$work/plan.txt"
grep -E '^ *# .* will be updated' "$work/plan.txt" || true

say "terraform apply: adopt"
"$tf" apply -auto-approve -input=false -no-color >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; fail "apply failed"; }
grep -E '^Apply complete' "$work/apply.txt"
rc=0
"$tf" plan -detailed-exitcode -input=false -no-color >"$work/after.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$work/after.txt"; fail "the plan after adopting is not empty (exit $rc)"; }
echo "No changes: the cluster is under Terraform"

say "MacStadium upgrades the cluster (infrastructure upgrade, simulated)"
curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" -H 'Content-Type: application/json' \
  -d '{"type":"infrastructure","vms":"all"}' "$ORKA_ENDPOINT/_sim/upgrade"
echo

say "terraform apply: one apply rebuilds what the upgrade wiped"
"$tf" plan -input=false -no-color 2>&1 | grep -E '^ *# .* will be|^Plan:' || true
"$tf" apply -auto-approve -input=false -no-color >"$work/recover.txt" 2>&1 || { cat "$work/recover.txt"; fail "recovery apply failed"; }
grep -E '^Apply complete' "$work/recover.txt"
rc=0
"$tf" plan -detailed-exitcode -input=false -no-color >"$work/after2.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$work/after2.txt"; fail "the plan after recovery is not empty (exit $rc)"; }
echo "No changes"
say "Demo finished"
