#!/usr/bin/env bash
# Prints the absolute path of a Terraform or OpenTofu CLI of an exact version, building it from
# the Go module proxy the first time it is asked for.
#
#   scripts/engine.sh terraform 1.14.9
#   scripts/engine.sh tofu 1.12.6
#
# A terraform on PATH (or at /usr/local/bin/terraform) that reports exactly VERSION is used as
# is. Anything else is built once into a cache outside the clone, keyed by name and version:
#
#   ${ORKA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-orka/engines}/NAME-VERSION/NAME
#
# so that every clone on the machine (and every CI run that restores that directory) shares one
# build. Builds are serialised per engine with flock, and the binary appears in the cache only
# once it is complete (rename), so concurrent runs never build twice or see half a file.
#
# How each is built (nothing here downloads release binaries; only the Go module proxy is used):
# - A module without replace directives (Terraform 1.5.x) builds with `go install`.
# - Terraform 1.11 and later declare replace directives, which `go install` refuses, and their
#   module zip leaves out the nested modules of the remote-state backends (azurerm, consul, cos,
#   gcs, kubernetes, oss, pg, s3, oci). A copy of the module with those backends dropped from
#   go.mod and internal/backend/init/init.go builds with `go build`; the local, cloud, remote,
#   http and inmem backends stay, which is all the acceptance tests use.
# - OpenTofu builds from a copy of its module with `go build ./cmd/tofu`.
# Release version strings are kept (no "-dev" suffix), so version checks see the real version.
set -euo pipefail
# The braces make bash read the whole script before running it: a build takes minutes, and a
# checkout that changes this file meanwhile must not change what the running copy does.
{

usage() { echo "usage: $0 terraform|tofu VERSION   (such as: terraform 1.14.9)" >&2; exit 2; }
[ $# -eq 2 ] || usage
name="$1"
version="${2#v}"
case "$name" in
  terraform) module="github.com/hashicorp/terraform"; main_pkg="." ;;
  tofu) module="github.com/opentofu/opentofu"; main_pkg="./cmd/tofu" ;;
  *) usage ;;
esac
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "engine.sh: VERSION must look like 1.14.9, not '$2'" >&2; exit 2; }

# reported_version prints the version an engine binary reports ("Terraform v1.14.9" or
# "OpenTofu v1.12.6"), or nothing when it does not run. An empty CLI config keeps out warnings
# about a missing ~/.terraformrc, which OpenTofu prints on stdout before the version.
reported_version() {
  local out
  out="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || return 0
  printf '%s\n' "$out" | sed -n -E '/^(Terraform|OpenTofu) v[0-9]/{s/^[A-Za-z]+ v([0-9][^ ]*).*/\1/p;q;}'
}

# An installed terraform of exactly this version needs no build.
if [ "$name" = terraform ]; then
  for candidate in "$(command -v terraform 2>/dev/null || true)" /usr/local/bin/terraform; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if [ "$(reported_version "$candidate")" = "$version" ]; then
      (cd "$(dirname "$candidate")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$candidate")")
      exit 0
    fi
  done
fi

cache="${ORKA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-orka/engines}"
dest="$cache/$name-$version"
bin="$dest/$name"
cached() { [ -x "$bin" ] && [ "$(reported_version "$bin")" = "$version" ]; }
if cached; then
  printf '%s\n' "$bin"
  exit 0
fi

mkdir -p "$dest"
exec 9>"$dest/.lock"
if ! flock -n 9; then
  echo "engine.sh: another run is building $name $version; waiting for it..." >&2
  flock 9
fi
if cached; then # built by the run we waited for
  printf '%s\n' "$bin"
  exit 0
fi

work="$(mktemp -d "$cache/.build-$name-$version.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$SECONDS
echo "engine.sh: building $name $version from $module@v$version into $dest (once per machine; several minutes)..." >&2

# Outside any module and workspace, so nothing touches this repository's go.mod or go.sum.
# A version whose source the proxy does not serve (it may list a version yet answer 403 for its
# zip) fails here with go's reason, instead of silently.
info="$(cd "$work" && GO111MODULE=on GOWORK=off GOFLAGS=-mod=mod go mod download -json "$module@v$version" 2>&1)" || true
field() { printf '%s\n' "$info" | sed -n -E "s/^[[:space:]]*\"$1\": \"(.*)\",?$/\1/p"; }
moddir="$(field Dir)"
if [ -z "$moddir" ] || [ ! -d "$moddir" ]; then
  echo "engine.sh: cannot get the source of $name $version ($module@v$version) from the Go module proxy:" >&2
  printf '%s\n' "$(field Error)" | sed 's/\\n/\n/g; s/\\t/  /g' >&2
  [ -n "$(field Error)" ] || printf '%s\n' "$info" >&2
  echo "engine.sh: choose a version whose source is served (go mod download $module@vVERSION)." >&2
  exit 1
fi

# Release builds set version.dev=no (Terraform 1.6+, OpenTofu); 1.5.x has no such variable and
# the linker ignores -X for a missing one.
ldflags="-s -w -X $module/version.dev=no"
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false

if ! grep -q '^replace' "$moddir/go.mod"; then
  GOBIN="$work/out" go install -p 2 -trimpath -ldflags "$ldflags" "$module@v$version" >&2
  built="$work/out/$(basename "$module")"
else
  src="$work/src"
  cp -R "$moddir/." "$src"
  chmod -R u+w "$src"
  # Nested modules replaced by a local directory that the module zip does not contain.
  mapfile -t missing < <(sed -n -E 's|^replace ([^ ]+) => \./([^ ]+)$|\1 \2|p' "$src/go.mod" |
    while read -r path dir; do [ -d "$src/$dir" ] || printf '%s\n' "$path"; done)
  for path in "${missing[@]}"; do
    # Its require line and its replace line go from go.mod ...
    grep -v -F -e "	$path v" -e "replace $path =>" "$src/go.mod" >"$src/go.mod.new"
    mv "$src/go.mod.new" "$src/go.mod"
    # ... and, for a backend, its import and registration from the backend list.
    init="$src/internal/backend/init/init.go"
    [ -f "$init" ] || continue
    alias="$(sed -n -E "s|^[[:space:]]*([A-Za-z0-9_]+) \"$path\"$|\1|p" "$init")"
    [ -n "$alias" ] || continue
    grep -v -E "^[[:space:]]*$alias \"$path\"$|[^A-Za-z0-9_]$alias\.New\(" "$init" >"$init.new"
    mv "$init.new" "$init"
    echo "engine.sh: left out ${path##*/} (not in the module zip)" >&2
  done
  # A godebug setting that this Go no longer knows (1.11's tlskyber=0, gone in Go 1.26) stops
  # the build; it only tuned TLS towards AWS, which the tests never reach, so it goes too.
  for _ in 1 2 3 4 5 6 7 8; do
    err="$(cd "$src" && go list -m 2>&1 >/dev/null)" && break
    setting="$(printf '%s\n' "$err" | sed -n -E 's/.*unknown godebug "([^"]+)".*/\1/p' | head -1)"
    [ -n "$setting" ] || { printf '%s\n' "$err" >&2; exit 1; }
    grep -v -E "^(godebug)?[[:space:]]*$setting=" "$src/go.mod" >"$src/go.mod.new"
    mv "$src/go.mod.new" "$src/go.mod"
    echo "engine.sh: left out godebug $setting (unknown to $(go env GOVERSION))" >&2
  done
  (cd "$src" && go build -p 2 -trimpath -ldflags "$ldflags" -o "$work/out/$name" "$main_pkg") >&2
  built="$work/out/$name"
fi

got="$(reported_version "$built")"
if [ "$got" != "$version" ]; then
  echo "engine.sh: the build does not report version $version; '$built version' says:" >&2
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$built" version >&2 || echo "(exit status $?)" >&2
  exit 1
fi
mv "$built" "$bin.tmp.$$"
mv -f "$bin.tmp.$$" "$bin"
echo "engine.sh: built $name $version in $((SECONDS - start))s: $bin" >&2
printf '%s\n' "$bin"
exit 0
}
