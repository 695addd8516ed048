#!/usr/bin/env bash
# Builds the provider into DIR/plugins and writes DIR/terraformrc, a Terraform CLI config whose
# dev_overrides make orkatf/orka resolve to that binary. Terraform then needs no `init` (and no
# registry) for a configuration that uses only this provider and Terraform's built-ins.
# Prints the path of the CLI config; use it as TF_CLI_CONFIG_FILE.
#
#   scripts/dev-overrides.sh DIR
#
# ORKA_PROVIDER_BINARY=/path/to/terraform-provider-orka skips the build and uses that binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1/plugins"
dir="$(cd "$1" && pwd)"

if [ -n "${ORKA_PROVIDER_BINARY:-}" ]; then
  cp "$ORKA_PROVIDER_BINARY" "$dir/plugins/terraform-provider-orka"
else
  (cd "$root" && go build -trimpath -o "$dir/plugins/terraform-provider-orka" .) >&2
fi

# The empty direct {} keeps other providers installable by a later `init`; with dev_overrides
# Terraform never asks the registry about orkatf/orka.
cat >"$dir/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/orkatf/orka" = "$dir/plugins"
  }
  direct {}
}
RC
printf '%s\n' "$dir/terraformrc"
