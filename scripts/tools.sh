#!/usr/bin/env bash
# Prints the absolute path of a pinned development tool, installing it into ./bin first when it
# is missing or is another version. Installs use `go install module@version` from the Go module
# proxy, which never touches go.mod or go.sum.
#
#   scripts/tools.sh golangci-lint|tfplugindocs|goreleaser|actionlint   print the tool's path (install once)
#   scripts/tools.sh all                                                 install every tool, print nothing
#
# To move a tool to another version, change its line below; the next run reinstalls it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/bin"

# name  module path of the main package  version
tools=(
  "golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint v2.15.0"
  "tfplugindocs  github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs v0.25.0"
  "goreleaser    github.com/goreleaser/goreleaser/v2 v2.15.1"
  "actionlint    github.com/rhysd/actionlint/cmd/actionlint v1.7.12"
)

# installed_version prints the module version recorded in a Go binary's build info, or nothing.
installed_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

ensure() {
  local want="$1" line name pkg version
  for line in "${tools[@]}"; do
    read -r name pkg version <<<"$line"
    [ "$name" = "$want" ] || continue
    if [ "$(installed_version "$bin/$name")" != "$version" ]; then
      echo "installing $name $version into $bin (once)..." >&2
      local start=$SECONDS
      # -p 2: the build machines are small; CGO off gives static binaries like the releases.
      GOBIN="$bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -p 2 "$pkg@$version" >&2
      echo "installed $name $version in $((SECONDS - start))s" >&2
    fi
    printf '%s\n' "$bin/$name"
    return 0
  done
  echo "tools.sh: unknown tool '$want' (known: golangci-lint, tfplugindocs, goreleaser, actionlint, all)" >&2
  return 2
}

[ $# -ge 1 ] || { echo "usage: $0 golangci-lint|tfplugindocs|goreleaser|actionlint|all" >&2; exit 2; }
case "$1" in
  all)
    for line in "${tools[@]}"; do read -r name _ <<<"$line"; ensure "$name" >/dev/null; done ;;
  *)
    ensure "$1" ;;
esac
