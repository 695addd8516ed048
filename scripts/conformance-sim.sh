#!/usr/bin/env bash
# Runs the conformance probe, with every check turned on, against a freshly spawned simulator
# over HTTPS: what an Orka admin's run looks like, without a cluster. (`make test` runs the same
# probe in-process, in cmd/orka-conformance's tests.)
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
"$bin/orka-conformance" -deploy-vm -cache-image 90gbsonomassd.orkasi -poll-interval 100ms
