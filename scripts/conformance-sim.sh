#!/usr/bin/env bash
# Runs the conformance probe in every mode against a freshly spawned simulator over HTTPS, the
# way an Orka admin runs it around an upgrade, without a cluster: -before-upgrade, an upgrade
# with its maintenance window (through the simulator's control interface), -during-maintenance,
# the end of the window, then -after-upgrade with every check turned on. (`make test` runs the
# same in-process, in cmd/orka-conformance's tests.)
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
sim() { # POST to a control route of the simulator
  curl -fsS --cacert "$ORKA_CA_CERTIFICATE_FILE" -H "Authorization: Bearer $ORKA_TOKEN" -d "$2" "$ORKA_ENDPOINT$1" >/dev/null
}
record="$out/upgrade.json"
"$bin/orka-conformance" -before-upgrade "$record"
sim /_sim/upgrade '{"type": "release", "vms": "all", "maintenance": "1h"}'
echo "-- the upgrade is on, with a maintenance window: -during-maintenance --"
"$bin/orka-conformance" -during-maintenance "$record" >"$out/during.txt"
grep -E '^  [A-Z ]+ +error-codes-unavailable' -A1 "$out/during.txt"
sim /_sim/maintenance '{"duration": "0s"}'
echo "-- the window is over: -after-upgrade with every check --"
"$bin/orka-conformance" -after-upgrade "$record" -deploy-vm -save-image -cache-image 90gbsonomassd.orkasi \
  -tag-node mini-arm-1 -poll-interval 100ms
