#!/usr/bin/env bash
# make demo: the upgrade-recovery story, end to end, on the Orka simulator.
# Builds the provider and orkasim, starts the simulator on a free loopback port, applies
# examples/upgrade-recovery through a dev_overrides CLI config in a temporary directory,
# simulates an Orka upgrade, shows the plan that rebuilds what it wiped, applies it, checks
# that the next plan is empty, prints a summary, destroys everything and cleans up.
# Exits non-zero on any failure.
set -euo pipefail
tf="${1:?usage: demo.sh /absolute/path/to/terraform}"
upgrade_type="${DEMO_UPGRADE:-infrastructure}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/demo-lib.sh
. "$root/scripts/demo-lib.sh"
demo_init demo
# show prints Terraform's output without its banner about the development override.
show() {
  if grep -q '^releases\.$' "$1"; then sed '/Warning: Provider development overrides/,/^releases\.$/d' "$1"; else cat "$1"; fi
}

demo_build

say "Starting the Orka simulator"
demo_start_sim --deploy-delay 300ms --cache-delay 500ms
echo "ORKA_ENDPOINT=$ORKA_ENDPOINT"

mkdir -p "$work/config"
cp "$root"/examples/upgrade-recovery/*.tf "$work/config/"
cd "$work/config"

say "terraform apply: the CI estate"
rc=0
"$tf" apply -auto-approve -input=false -no-color >"$work/apply.txt" 2>&1 || rc=$?
show "$work/apply.txt" | grep -E '^(orka_|terraform_data|data\.|Apply complete|Error|│)' || true
[ "$rc" -eq 0 ] || { show "$work/apply.txt"; fail "apply failed (exit $rc)"; }
"$tf" output -no-color runners

say "MacStadium upgrades the cluster ($upgrade_type upgrade, simulated)"
wiped="$(curl -fsS -H "Authorization: Bearer $ORKA_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"type\":\"$upgrade_type\",\"vms\":\"all\"}" "$ORKA_ENDPOINT/_sim/upgrade")"
echo "The upgrade wiped: $wiped"

say "terraform plan: what the upgrade destroyed, and nothing else"
"$tf" plan -input=false -no-color >"$work/plan.txt" 2>&1 || { show "$work/plan.txt"; fail "plan failed"; }
grep -E '^ *# .* (will be|must be)|^Plan:' "$work/plan.txt" || true
grep -E '^[│ ]*Warning:' "$work/plan.txt" | sed 's/^[│ ]*//' | grep -v 'development overrides' | sort -u || true

say "terraform apply: one apply rebuilds it"
start=$SECONDS
rc=0
"$tf" apply -auto-approve -input=false -no-color >"$work/recover.txt" 2>&1 || rc=$?
took=$((SECONDS - start))
[ "$rc" -eq 0 ] || { show "$work/recover.txt"; fail "recovery apply failed (exit $rc)"; }
rebuilt="$(grep -E '^Apply complete' "$work/recover.txt")"
echo "$rebuilt"
"$tf" output -no-color runners

say "terraform plan: nothing left to do"
rc=0
"$tf" plan -detailed-exitcode -input=false -no-color >"$work/after.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { show "$work/after.txt"; fail "the plan after recovery is not empty (exit $rc)"; }
grep -E 'No changes' "$work/after.txt"

say "Summary"
echo "Upgrade:  $upgrade_type"
echo "Wiped:    $wiped"
echo "Rebuilt:  ${rebuilt#Apply complete! }"
echo "Took:     ${took}s for the recovery apply"

say "terraform destroy"
"$tf" destroy -auto-approve -input=false -no-color >"$work/destroy.txt" 2>&1 || { show "$work/destroy.txt"; fail "destroy failed"; }
grep -E 'Destroy complete' "$work/destroy.txt"
say "Demo finished"
