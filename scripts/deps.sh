#!/bin/sh
# deps.sh - install the Debian 12 packages switchsim needs, only if any are missing.
#   scripts/deps.sh build   what `make`, `make run` and `make install` need (help2man: the
#                           man page is generated from `switchsim --help`)
#   scripts/deps.sh test    what `make check` needs (build + test tools)
#   scripts/deps.sh bench   what `make bench` needs (test + load generator)
#   scripts/deps.sh previews  what `make dashboard-previews` needs (test + chromium)
# As root it runs apt-get; otherwise it prints the exact command and exits 1.
set -eu

BUILD_PKGS="gcc make pkg-config libc6-dev libmicrohttpd-dev libyaml-dev libdeflate-dev libcrypt-dev \
libgnutls28-dev libcurl4-gnutls-dev libsnappy-dev help2man"
TEST_PKGS="$BUILD_PKGS libcmocka-dev valgrind clang-format clang-tidy curl python3 \
python3-prometheus-client python3-yaml prometheus docker-compose groff-base docker.io debootstrap openssl apache2-utils \
clang libclang-rt-14-dev libprotobuf-c-dev protobuf-c-compiler victoria-metrics"
BENCH_PKGS="$TEST_PKGS wrk zlib1g-dev"
PREVIEW_PKGS="$TEST_PKGS chromium"

case "${1:-build}" in
build) want=$BUILD_PKGS ;;
test) want=$TEST_PKGS ;;
bench) want=$BENCH_PKGS ;;
previews) want=$PREVIEW_PKGS ;;
*) echo "usage: $0 build|test|bench|previews" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
# The dashboard checks (tests/grafana/) need node and npm: Debian's nodejs + npm (Node 18),
# or a NodeSource nodejs, which carries its own npm (tested with Node 20).
if [ "${1:-build}" != build ]; then
    command -v node >/dev/null 2>&1 || missing="$missing nodejs"
    command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
[ -z "$missing" ] && exit 0

echo "switchsim: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "switchsim: not root; run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
