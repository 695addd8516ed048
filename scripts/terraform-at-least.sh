#!/usr/bin/env bash
# Exits 0 when the Terraform CLI that the build uses (scripts/terraform-path.sh) is at least
# VERSION (such as 1.11.0), 1 otherwise; prints that CLI's version on stdout.
#
#   scripts/terraform-at-least.sh VERSION
set -euo pipefail
need="${1:?usage: terraform-at-least.sh VERSION}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tf="$("$root/scripts/terraform-path.sh")"
# Read the whole output first: with pipefail, `terraform version | head -1` can fail on SIGPIPE.
out="$(CHECKPOINT_DISABLE=1 "$tf" version 2>/dev/null)"
have="$(printf '%s\n' "$out" | sed -n -E '1s/^Terraform v([0-9.]+).*/\1/p')"
echo "$have"
[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]
