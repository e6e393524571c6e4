#!/bin/sh
# run.sh - runs check.mjs (Grafana's own libraries checking the shipped dashboards) with the
# npm packages of package-lock.json, installed once per machine into a cache directory keyed
# by the hash of package.json, package-lock.json, .npmrc and the node major version:
#   ${SWITCHSIM_NPM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/switchsim/grafana-npm}/<key>/node_modules
# A fresh install takes about two minutes and 500 MB; later runs reuse it. Arguments go to
# check.mjs (--values FILE, --queries-out FILE); --modules-dir only prints the node_modules path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "grafana: $tool not found (scripts/deps.sh test installs it)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
key=$(cat "$here/package.json" "$here/package-lock.json" "$here/.npmrc" | sha256sum | cut -c1-16)
root=${SWITCHSIM_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchsim/grafana-npm}
dir=$root/$key-node$node_major
install() {
    [ -f "$dir/.complete" ] && return 0  # another run finished it while we waited
    echo "grafana: installing Grafana's npm packages into $dir (once per lockfile)" >&2
    tmp=$dir.tmp.$$
    rm -rf "$tmp" "$dir"
    mkdir -p "$tmp"
    trap 'rm -rf "$tmp"' EXIT INT TERM
    cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$tmp/"
    (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    touch "$tmp/.complete"
    mv "$tmp" "$dir"
    trap - EXIT INT TERM
}
if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$root"
    # One install at a time per cache (two checkouts may run make check together).
    exec 9>"$root/.lock"
    flock 9
    install
    flock -u 9
fi
if [ "${1:-}" = --modules-dir ]; then  # for previews.py: where the packages are
    echo "$dir/node_modules"
    exit 0
fi
exec node "$here/check.mjs" --modules "$dir/node_modules" "$@"
