#!/usr/bin/env bash
# make demo: build the provider and the Orka simulator, start the simulator on a free loopback
# port, apply examples/quickstart through a dev_overrides CLI config in a temporary directory,
# show what was created, destroy it, and clean up. Exits non-zero on any failure.
set -euo pipefail
tf="${1:?usage: demo.sh /absolute/path/to/terraform}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/orka-demo.XXXXXX")"
simpid=""
cleanup() {
  if [ -n "$simpid" ]; then kill "$simpid" 2>/dev/null || true; wait "$simpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# show prints Terraform's output without its banner about the development override.
show() {
  if grep -q '^releases\.$' "$1"; then sed '/Warning: Provider development overrides/,/^releases\.$/d' "$1"; else cat "$1"; fi
}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the provider and orkasim"
(cd "$root" && go build -o "$work/plugins/terraform-provider-orka" . && go build -o "$work/orkasim" ./cmd/orkasim)

say "Starting the Orka simulator"
"$work/orkasim" --addr 127.0.0.1:0 --deploy-delay 200ms >"$work/sim.env" 2>"$work/sim.log" &
simpid=$!
for _ in $(seq 1 100); do
  [ "$(grep -c '^ORKA_' "$work/sim.env" 2>/dev/null || true)" -ge 2 ] && break
  kill -0 "$simpid" 2>/dev/null || { cat "$work/sim.log" >&2; echo "orkasim exited early" >&2; exit 1; }
  sleep 0.1
done
set -a
# shellcheck disable=SC1091
. "$work/sim.env"
set +a
echo "ORKA_ENDPOINT=$ORKA_ENDPOINT"

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/orkatf/orka" = "$work/plugins"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
mkdir -p "$work/config"
cp "$root"/examples/quickstart/*.tf "$work/config/"
cd "$work/config"

say "terraform apply"
rc=0
"$tf" apply -auto-approve -input=false -no-color >"$work/apply.txt" 2>&1 || rc=$?
show "$work/apply.txt"
[ "$rc" -eq 0 ] || { echo "apply failed (exit $rc)" >&2; exit 1; }

say "What Orka now holds"
"$tf" output -no-color vm_configs
"$tf" output -no-color vms

say "terraform plan (expect no changes)"
"$tf" plan -detailed-exitcode -input=false -no-color >"$work/plan.txt" 2>&1 || {
  rc=$?; cat "$work/plan.txt"; echo "plan after apply was not empty (exit $rc)" >&2; exit 1; }
grep -E 'No changes' "$work/plan.txt"

say "terraform destroy"
"$tf" destroy -auto-approve -input=false -no-color >"$work/destroy.txt" 2>&1 || { cat "$work/destroy.txt"; exit 1; }
grep -E 'Destroy complete' "$work/destroy.txt"

say "Demo finished"
