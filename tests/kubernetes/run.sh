#!/bin/sh
# run.sh - validates deploy/kubernetes offline (make kubernetes-check, part of make check):
# check.mjs against the schemas of the npm packages pinned in package-lock.json (installed
# once per lockfile into a cache, as tests/grafana/run.sh does), then promtool on the plain
# Prometheus config. Argument: a deploy/kubernetes directory to check instead (tests use it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
deploy=${1:-$here/../../deploy/kubernetes}
for tool in node npm promtool; do
    command -v "$tool" >/dev/null || { echo "kubernetes: $tool not found (scripts/deps.sh test installs it)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
key=$(cat "$here/package.json" "$here/package-lock.json" "$here/.npmrc" | sha256sum | cut -c1-16)
root=${SWITCHSIM_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchsim/kubernetes-npm}
dir=$root/$key-node$node_major
if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$root"
    exec 9>"$root/.lock"
    flock 9
    if [ ! -f "$dir/.complete" ]; then
        echo "kubernetes: installing the schema packages into $dir (once per lockfile)" >&2
        tmp=$dir.tmp.$$
        rm -rf "$tmp" "$dir"
        mkdir -p "$tmp"
        trap 'rm -rf "$tmp"' EXIT INT TERM
        cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$here/check.mjs" "$tmp/"
        (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
        touch "$tmp/.complete"
        mv "$tmp" "$dir"
        trap - EXIT INT TERM
    fi
    flock -u 9
fi
cp "$here/check.mjs" "$dir/check.mjs" # the module resolves packages next to itself
node "$dir/check.mjs" "$deploy"
# Debian's Prometheus is built without Kubernetes service discovery, so its promtool refuses
# kubernetes_sd_configs: check the rest of the file (relabeling, globals) with the SD block
# swapped for a static target, which is as much as an offline promtool can check.
tmp_cfg=$(mktemp)
trap 'rm -f "$tmp_cfg"' EXIT INT TERM
/usr/bin/python3 - "$deploy/prometheus.yml" "$tmp_cfg" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
for job in cfg["scrape_configs"]:
    assert job.pop("kubernetes_sd_configs"), job["job_name"]
    job["static_configs"] = [{"targets": ["switchsim-0.switchsim:19116"]}]
yaml.safe_dump(cfg, open(sys.argv[2], "w"))
PY
promtool check config "$tmp_cfg" >/dev/null
echo "kubernetes-check: OK"
