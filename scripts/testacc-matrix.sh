#!/usr/bin/env bash
# Runs the acceptance suite (against the in-process Orka simulator) once per engine, one engine
# after the other, and prints a summary: per engine its version, wall time, how many tests
# passed, failed and were skipped, and why each skip happened (the version a test needs).
# Exits non-zero when any engine fails to build or has a failing test.
#
#   scripts/testacc-matrix.sh                       the default matrix below
#   ENGINES="terraform@1.14.9 tofu@1.12.6" scripts/testacc-matrix.sh
#
# Engines come from scripts/engine.sh (built once into the cache outside the clone; an
# installed terraform of the exact version is used as is). OpenTofu runs with the provider
# address terraform-plugin-testing needs for it: registry.opentofu.org/hashicorp/orka.
# Logs: .tmp/matrix/<engine>.log (readable) and .json (go test -json). PARALLEL (default 4),
# TIMEOUT (per engine, default 90m) and TESTARGS (such as -run TestAccVM) are passed to go test.
set -euo pipefail
# The braces make bash read the whole script before running it: a run takes many minutes, and
# a checkout that changes this file meanwhile must not change what the running copy does.
{
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The floor (1.5), the first with write-only arguments (1.11), the first with list resources,
# `terraform query` and actions (1.14), the last before 1.16 (1.15), the first whose action
# triggers take before_destroy/after_destroy events and on_failure (1.16; its newest release whose
# source the Go module proxy serves), and OpenTofu.
ENGINES="${ENGINES:-terraform@1.5.7 terraform@1.11.4 terraform@1.14.9 terraform@1.15.9 terraform@1.16.4 tofu@1.12.6}"
PARALLEL="${PARALLEL:-4}"
# One engine's suite takes about 15 minutes on an idle 2-core machine; a busy one doubles that.
TIMEOUT="${TIMEOUT:-90m}"
logs="$root/.tmp/matrix"
mkdir -p "$logs"
: >"$logs/terraformrc"

rows=()
skips=()
failed=0
for engine in $ENGINES; do
  name="${engine%@*}"
  version="${engine#*@}"
  log="$logs/$name-$version.log"
  json="$logs/$name-$version.json"
  echo "==> $name $version"
  start=$SECONDS
  if ! bin="$(scripts/engine.sh "$name" "$version")"; then
    rows+=("$(printf '%-18s %-8s %6s  %s' "$name $version" FAIL "-" "engine build failed")")
    failed=1
    continue
  fi
  build=$((SECONDS - start))
  echo "    $bin"
  extra=()
  if [ "$name" = tofu ]; then
    extra=(TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_ACC_PROVIDER_NAMESPACE=hashicorp)
  fi
  start=$SECONDS
  rc=0
  # shellcheck disable=SC2086 # TESTARGS is a list of go test flags.
  env TF_ACC=1 TF_ACC_TERRAFORM_PATH="$bin" TF_CLI_CONFIG_FILE="$logs/terraformrc" \
    CHECKPOINT_DISABLE=1 ${extra[@]+"${extra[@]}"} \
    go test ./internal/provider/... -count=1 -json -parallel "$PARALLEL" -timeout "$TIMEOUT" ${TESTARGS:-} \
    >"$json" 2>"$log" || rc=$?
  took=$((SECONDS - start))
  # The readable log: every test's output, as `go test -v` prints it.
  awk '/"Action":"output"/ { print unjson($0) }
       function unjson(l) {
         sub(/^.*"Output":"/, "", l); sub(/"}$/, "", l); sub(/\\n$/, "", l)
         gsub(/\\t/, "\t", l); gsub(/\\"/, "\"", l); gsub(/\\\\/, "\\", l)
         gsub(/\\u003c/, "<", l); gsub(/\\u003e/, ">", l); gsub(/\\u0026/, "\\&", l); return l
       }' "$json" >>"$log"
  count() { grep -c -E "\"Action\":\"$1\",[^}]*\"Test\":" "$json" || true; }
  pass="$(count pass)"
  fail="$(count fail)"
  skip="$(count skip)"
  result=PASS
  if [ "$rc" -ne 0 ]; then
    result=FAIL
    failed=1
    echo "    FAILED (go test exit $rc); failing tests:"
    grep -E '^[[:space:]]*--- FAIL' "$log" | sed 's/^[[:space:]]*/      /' || tail -20 "$log" | sed 's/^/      /'
  fi
  note="pass $pass, fail $fail, skip $skip"
  [ "$build" -gt 5 ] && note="$note (engine built in ${build}s)"
  rows+=("$(printf '%-18s %-8s %5ss  %s' "$name $version" "$result" "$took" "$note")")
  # A skipped test's reason is the last thing it printed before it was skipped.
  while IFS= read -r line; do
    skips+=("$name $version: $line")
  done < <(awk '
    { test = ""; if (match($0, /"Test":"[^"]*"/)) test = substr($0, RSTART + 8, RLENGTH - 9) }
    test != "" && /"Action":"output"/ {
      out = $0; sub(/^.*"Output":"/, "", out); sub(/"}$/, "", out); sub(/\\n$/, "", out)
      sub(/^ +/, "", out); gsub(/\\"/, "\"", out)
      if (out != "" && out !~ /^(=== |--- )/) last[test] = out
    }
    test != "" && /"Action":"skip"/ { print test ": " last[test] }' "$json")
done

echo
echo "Acceptance suite per engine (logs in ${logs#"$root"/}/):"
printf '%-18s %-8s %6s  %s\n' engine result time tests
printf '%s\n' "${rows[@]}"
if [ ${#skips[@]} -gt 0 ]; then
  echo
  echo "Skipped (an engine without the feature):"
  printf '  %s\n' "${skips[@]}"
fi
exit "$failed"
}
