#!/usr/bin/env bash
# Runs the conformance probe in every mode against a freshly spawned simulator over HTTPS, the
# way an Orka admin runs it around an upgrade, without a cluster: -before-upgrade, an upgrade
# with its maintenance window (through the simulator's control interface), -during-maintenance,
# the end of the window, then -after-upgrade with every check turned on (a push to a registry
# reference, and a second token, of a service account that is no administrator, for the
# ownership check). Every item must be confirmed. Then the same run once more with the
# simulator's variant switches on (the answers the documents leave open): every item must still
# be confirmed, with the other variants reported. (`make test` runs the same in-process, in
# cmd/orka-conformance's tests.)
#
#   scripts/conformance-sim.sh BIN_DIR
set -euo pipefail
bin="$1"
out="$(mktemp -d "${TMPDIR:-/tmp}/orka-conformance-sim.XXXXXX")"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT

"$bin/orkasim" --addr 127.0.0.1:0 --tls --minute 100ms --cache-delay 200ms --deploy-delay 100ms \
  >"$out/env" 2>"$out/log" &
sim_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c '^ORKA_' "$out/env" || true)" -ge 3 ] && break
  sleep 0.1
done
set -a
# shellcheck disable=SC1091 # written by orkasim just now: ORKA_ENDPOINT, ORKA_TOKEN, ORKA_CA_CERTIFICATE_FILE
. "$out/env"
set +a
api() { # POST to a route of the simulator as the admin, printing the answer
  curl -fsS --cacert "$ORKA_CA_CERTIFICATE_FILE" -H "Authorization: Bearer $ORKA_TOKEN" \
    -H 'Content-Type: application/json' -d "$2" "$ORKA_ENDPOINT$1"
}
sim() { # POST to a control route of the simulator
  api "$@" >/dev/null
}
# all_confirmed REPORT: every item of the report is confirmed.
all_confirmed() {
  if ! grep -Eq '^Summary: [0-9]+ confirmed, 0 contradicted, 0 not checked \(of [0-9]+ items\)$' "$1"; then
    echo "conformance-sim: not every item is confirmed:" >&2
    grep -E '^  (CONTRADICTED|NOT CHECKED) ' "$1" >&2 || true
    grep -E '^Summary: ' "$1" >&2 || true
    exit 1
  fi
}
probe_args=(-deploy-vm -save-image -push-image registry.example.com/orka-conformance/probe:sim
  -cache-image 90gbsonomassd.orkasi -tag-node mini-arm-1 -poll-interval 100ms)

record="$out/upgrade.json"
"$bin/orka-conformance" -before-upgrade "$record"
sim /_sim/upgrade '{"type": "release", "vms": "all", "maintenance": "1h"}'
echo "-- the upgrade is on, with a maintenance window: -during-maintenance --"
"$bin/orka-conformance" -during-maintenance "$record" >"$out/during.txt"
grep -E '^  [A-Z ]+ +error-codes-unavailable' -A1 "$out/during.txt"
sim /_sim/maintenance '{"duration": "0s"}'

# The second token: a service account of orka-default, made as an admin would with orka3, after
# the upgrade (a release upgrade invalidates service-account tokens). It is never printed.
api /api/v1/namespaces/orka-default/serviceaccounts/conformance-other '' >/dev/null
ORKA_CONFORMANCE_OTHER_TOKEN="$(api /api/v1/namespaces/orka-default/serviceaccounts/conformance-other/token '{}' |
  sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')"
[ -n "$ORKA_CONFORMANCE_OTHER_TOKEN" ] || { echo "conformance-sim: no token for the second service account" >&2; exit 1; }
export ORKA_CONFORMANCE_OTHER_TOKEN

echo "-- the window is over: -after-upgrade with every check --"
"$bin/orka-conformance" -after-upgrade "$record" "${probe_args[@]}" | tee "$out/after.txt"
all_confirmed "$out/after.txt"

echo "-- once more, with the simulator's variant switches on --"
sim /_sim/variants '{"omitVMCustomMetadata": true, "sparseVMItems": true, "legacyImageCache": true}'
"$bin/orka-conformance" -after-upgrade "$record" "${probe_args[@]}" >"$out/variants.txt" ||
  { cat "$out/variants.txt" >&2; exit 1; }
for v in 'vm-get-custom-metadata .*\(variant "absent"\)' 'vm-item-fields .*\(variant "sparse"\)' \
  'image-cache-routes .*\(variant "legacy-add-read"\)'; do
  if ! grep -Eq "^  CONFIRMED +$v" "$out/variants.txt"; then
    echo "conformance-sim: the variant run does not confirm $v:" >&2
    cat "$out/variants.txt" >&2
    exit 1
  fi
done
grep -E '^  CONFIRMED +(vm-get-custom-metadata|vm-item-fields|image-cache-routes) ' "$out/variants.txt"
grep -E '^  orkasim ' "$out/variants.txt"
grep -E '^Summary: ' "$out/variants.txt"
all_confirmed "$out/variants.txt"
