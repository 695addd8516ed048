# Sourced by the demo scripts (scripts/demo*.sh): what they share. Start with demo_init.

# demo_init NAME: a scratch directory $work, removed on exit together with the simulator that
# demo_start_sim starts; say and fail speak as NAME.
demo_init() {
  demo_name="$1"
  work="$(mktemp -d "${TMPDIR:-/tmp}/orka-$1.XXXXXX")"
  simpid=""
  trap demo_cleanup EXIT
  command -v curl >/dev/null || fail "curl is needed to steer the simulator (apt-get install curl)"
}

demo_cleanup() {
  if [ -n "$simpid" ]; then kill "$simpid" 2>/dev/null || true; wait "$simpid" 2>/dev/null || true; fi
  rm -rf "$work"
}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "$demo_name: $*" >&2; exit 1; }

# demo_build: the provider under test behind a dev_overrides CLI config (scripts/dev-overrides.sh,
# exported as TF_CLI_CONFIG_FILE) and orkasim, both built from this tree into $work.
demo_build() {
  say "Building the provider and orkasim"
  TF_CLI_CONFIG_FILE="$("$root/scripts/dev-overrides.sh" "$work")"
  export TF_CLI_CONFIG_FILE TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
  (cd "$root" && go build -o "$work/orkasim" ./cmd/orkasim)
}

# demo_need_terraform TF VERSION WHAT: fails unless TF is at least VERSION.
demo_need_terraform() {
  local out have
  out="$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null || true)"
  have="$(printf '%s\n' "$out" | sed -n -E '1s/^Terraform v([0-9.]+).*/\1/p')"
  if [ "$(printf '%s\n%s\n' "$2" "$have" | sort -V | head -1)" != "$2" ]; then
    fail "needs Terraform $2 or later ($3); $1 is ${have:-unknown}"
  fi
}

# demo_start_sim ARGS...: starts $work/orkasim on a free loopback port with ARGS, waits for its
# two lines, exports ORKA_ENDPOINT and ORKA_TOKEN, and sets simpid for the script's cleanup.
demo_start_sim() {
  "$work/orkasim" --addr 127.0.0.1:0 "$@" >"$work/sim.env" 2>"$work/sim.log" &
  simpid=$!
  for _ in $(seq 1 100); do
    [ "$(grep -c '^ORKA_' "$work/sim.env" 2>/dev/null || true)" -ge 2 ] && break
    kill -0 "$simpid" 2>/dev/null || { cat "$work/sim.log" >&2; fail "orkasim exited early"; }
    sleep 0.1
  done
  set -a
  # shellcheck disable=SC1091
  . "$work/sim.env"
  set +a
}
