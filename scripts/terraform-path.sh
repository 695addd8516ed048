#!/usr/bin/env bash
# Prints the absolute path of the Terraform CLI that the tests, the docs and the demo use.
#
# ORKA_TERRAFORM, when set, is used as is (the engine matrix sets it to each engine in turn).
# Otherwise: the terraform on PATH when it is at least $MIN (the first release whose action
# triggers take before_destroy, after list resources, `terraform query` and actions in 1.14, so
# that no acceptance test is skipped); else Terraform $PINNED, built once from the Go module
# proxy into a cache outside the clone by scripts/engine.sh (about nine and a half minutes of
# CPU, then instant for every clone).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
MIN=1.16.0
PINNED=1.16.4

if [ -n "${ORKA_TERRAFORM:-}" ]; then
  [ -x "$ORKA_TERRAFORM" ] || { echo "ORKA_TERRAFORM=$ORKA_TERRAFORM is not an executable" >&2; exit 1; }
  (cd "$(dirname "$ORKA_TERRAFORM")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$ORKA_TERRAFORM")")
  exit 0
fi

if tf="$(command -v terraform 2>/dev/null)"; then
  # Read the whole output first: with pipefail, `terraform version | head -1` can fail on SIGPIPE.
  out="$(CHECKPOINT_DISABLE=1 "$tf" version 2>/dev/null || true)"
  have="$(printf '%s\n' "$out" | sed -n -E '1s/^Terraform v([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')"
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$MIN" "$have" | sort -V | head -1)" = "$MIN" ]; then
    (cd "$(dirname "$tf")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$tf")")
    exit 0
  fi
fi
exec "$root/scripts/engine.sh" terraform "$PINNED"
