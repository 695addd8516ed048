#!/usr/bin/env bash
# Writes the provider's schema, as `terraform providers schema -json` prints it, to OUTPUT.
# Offline: the provider is built from this tree and reached through dev_overrides, so nothing
# is downloaded and no `terraform init` runs. Used by `make docs` and `make docs-check`.
#
#   scripts/provider-schema.sh [--raw] OUTPUT
#
# tfplugindocs (--providers-schema) looks the schema up under the provider's short name or under
# registry.terraform.io/hashicorp/<name>, never under our own address, so by default the entry
# registry.terraform.io/orkatf/orka is renamed to "orka". --raw keeps Terraform's output as is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
address="registry.terraform.io/orkatf/orka"
short="orka"

raw=false
if [ "${1:-}" = "--raw" ]; then raw=true; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--raw] OUTPUT" >&2; exit 2; }
out="$1"

tf="$("$root/scripts/terraform-path.sh")"
work="$(mktemp -d "${TMPDIR:-/tmp}/orka-schema.XXXXXX")"
trap 'rm -rf "$work"' EXIT

rc="$("$root/scripts/dev-overrides.sh" "$work")"
mkdir -p "$work/config"
cat >"$work/config/main.tf" <<'HCL'
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}
HCL

# dev_overrides prints a warning on stderr; stdout is only the JSON.
TF_CLI_CONFIG_FILE="$rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 \
  "$tf" -chdir="$work/config" providers schema -json >"$work/schema.json"

if ! grep -qF "\"$address\":" "$work/schema.json"; then
  echo "provider-schema.sh: no schema for $address in terraform's output:" >&2
  head -c 2000 "$work/schema.json" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
if $raw; then
  cp "$work/schema.json" "$out"
else
  # The address appears once, as the key of provider_schemas (no jq needed on a fresh machine).
  sed "s#\"$address\":#\"$short\":#" "$work/schema.json" >"$out"
fi
echo "provider schema written to $out" >&2
