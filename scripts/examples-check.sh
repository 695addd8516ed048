#!/usr/bin/env bash
# Checks every example under examples/: `terraform fmt -check` over the whole tree, then
# `terraform validate` in each directory holding .tf files, against a provider freshly built
# from this tree (dev_overrides: no init, no registry).
#
# Directories that only hold resource snippets (examples/resources/<type>/ and the like) do not
# declare the provider; each directory is validated in a temporary copy of examples/ where a
# generated required_providers file is added when no .tf file of its own names orkatf/orka.
# A directory containing a file named .validate-skip (an example that needs registry providers,
# such as hashicorp/tfe or hashicorp/kubernetes, which cannot be installed where the checks run:
# validate needs every provider's schema) is only format-checked. One containing .terraform-version with a
# version such as 1.11.0 (ephemeral resources, write-only arguments) is validated only by a
# Terraform at least that new, and format-checked otherwise.
#
#   scripts/examples-check.sh [EXAMPLES_DIR]     (default: examples)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
examples="$(cd "${1:-$root/examples}" && pwd)"

tf="$("$root/scripts/terraform-path.sh")"
work="$(mktemp -d "${TMPDIR:-/tmp}/orka-examples.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# Nothing from the caller's Terraform setup leaks in (plugin caches, a missing rc file, ...).
unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR TF_WORKSPACE

failed=()
validated=0

echo "==> terraform fmt -check -recursive ${examples#"$root"/}"
# fmt needs no providers; an empty CLI config keeps the environment's (maybe missing) one out.
: >"$work/empty.tfrc"
if ! TF_CLI_CONFIG_FILE="$work/empty.tfrc" "$tf" fmt -check -recursive -diff "$examples"; then
  failed+=("fmt (run: terraform fmt -recursive examples)")
fi

export TF_CLI_CONFIG_FILE
TF_CLI_CONFIG_FILE="$("$root/scripts/dev-overrides.sh" "$work/provider")"

# A private copy of the whole tree, so relative module sources keep working and nothing is
# written into the real examples/ (no .terraform/, no lock files).
mkdir -p "$work/tree"
cp -R "$examples/." "$work/tree/"
find "$work/tree" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) \
  -prune -exec rm -rf {} +

mapfile -t dirs < <(cd "$work/tree" && find . \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' \
  -printf '%h\n' | sed 's|^\./||; s|^\.$||' | sort -u)

# run_validate DIR [FLAGS...]: terraform validate in DIR, with its output in $log.
run_validate() {
  local d="$1"
  shift
  # Module calls need their modules installed. `terraform get` installs modules only (init
  # would ask the registry about orkatf/orka despite dev_overrides); local modules stay offline.
  if grep -Eqs '^[[:space:]]*module[[:space:]]+"' "$d"/*.tf; then
    "$tf" -chdir="$d" get -no-color >>"$log" 2>&1 || return 1
  fi
  "$tf" -chdir="$d" validate -no-color "$@" >>"$log" 2>&1
}

for rel in "${dirs[@]}"; do
  dir="$work/tree/$rel"
  name="examples${rel:+/$rel}"
  if [ -e "$dir/.validate-skip" ]; then
    echo "==> $name: format only (.validate-skip)"
    continue
  fi
  if [ -e "$dir/.terraform-version" ]; then
    need="$(tr -d '[:space:]' <"$dir/.terraform-version")"
    if ! have="$("$root/scripts/terraform-at-least.sh" "$need")"; then
      echo "==> $name: format only (needs Terraform $need, this is $have)"
      continue
    fi
    rm -f "$dir/.terraform-version"
  fi
  if ! grep -qs 'orkatf/orka' "$dir"/*.tf; then
    cat >"$dir/zz_examples_check_providers.tf" <<'HCL'
terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
  }
}
HCL
  fi
  echo "==> terraform validate $name"
  log="$work/validate.log"
  : >"$log"
  ok=true
  flags=()
  # List resources (.tfquery.hcl) are validated with -query, which needs Terraform 1.14.
  if compgen -G "$dir/*.tfquery.hcl" >/dev/null; then
    if ! have="$("$root/scripts/terraform-at-least.sh" 1.14.0)"; then
      echo "    format only (.tfquery.hcl needs Terraform 1.14, this is $have)"
      continue
    fi
    flags=(-query)
  fi
  if [ -e "$dir/import-by-string-id.tf" ] && [ -e "$dir/import-by-identity.tf" ]; then
    # The two import examples are alternatives for the same resources: validate each in turn.
    mv "$dir/import-by-identity.tf" "$work/identity.tf"
    run_validate "$dir" "${flags[@]}" || ok=false
    mv "$dir/import-by-string-id.tf" "$work/string-id.tf"
    mv "$work/identity.tf" "$dir/import-by-identity.tf"
    if have="$("$root/scripts/terraform-at-least.sh" 1.12.0)"; then
      $ok && { run_validate "$dir" "${flags[@]}" || ok=false; }
    else
      echo "    import-by-identity.tf: format only (needs Terraform 1.12, this is $have)"
    fi
  elif ! run_validate "$dir" "${flags[@]}"; then
    ok=false
  fi
  if $ok; then
    validated=$((validated + 1))
    echo "    ok"
  else
    sed 's/^/    /' "$log"
    failed+=("validate $name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "examples-check FAILED:" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "examples-check: examples/ formatted; ${validated} of ${#dirs[@]} directories validated (the rest are format-checked only)"
