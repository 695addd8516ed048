#!/usr/bin/env bash
# Prints the absolute path of a Terraform CLI for the acceptance tests and the demo.
# Uses the terraform on PATH; where there is none, builds Terraform v1.5.7 (MPL-2.0) from the
# Go module proxy into ./bin once (about three minutes) and uses that.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if tf="$(command -v terraform 2>/dev/null)" && "$tf" version >/dev/null 2>&1; then
  cd "$(dirname "$tf")" && echo "$(pwd -P)/$(basename "$tf")"
  exit 0
fi
if [ ! -x "$root/bin/terraform" ]; then
  echo "terraform not found on PATH; building github.com/hashicorp/terraform@v1.5.7 into $root/bin (once)..." >&2
  GOBIN="$root/bin" go install github.com/hashicorp/terraform@v1.5.7 >&2
fi
echo "$root/bin/terraform"
