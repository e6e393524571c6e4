#!/bin/sh
# config_check.sh - static checks of everything shipped besides the C code:
# profiles, Prometheus configuration and rules, Grafana dashboards, Docker files.
# Closes with "config-check: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
check() {
    name=$1
    shift
    if out=$("$@" 2>&1); then
        passed=$((passed + 1))
        echo "ok - $name"
    else
        failed=$((failed + 1))
        echo "not ok - $name"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

make -s all >/dev/null || exit 1
for p in profiles/*.yaml; do
    check "switchsim --check-config $p" ./build/switchsim --check-config --profile "$p"
done
if [ -d prom-config ] && [ -f prom-config/prometheus.yml ]; then
    for c in prom-config/prometheus*.yml; do
        check "promtool check config $c" promtool check config "$c"
    done
    check "promtool check rules" sh -c 'promtool check rules prom-config/rules/*.yml'
    check "promtool test rules" sh -c 'cd prom-config/tests && promtool test rules *.yml'
fi
if [ -f docker-compose.yml ]; then
    check "docker-compose config -q" docker-compose -f docker-compose.yml config -q
fi
if [ -f Dockerfile ]; then
    check "Dockerfile and compose file (static)" /usr/bin/python3 tests/dockerfile_check.py
fi
if [ -d grafana-dashboards ] && ls grafana-dashboards/*.json >/dev/null 2>&1; then
    check "grafana dashboards lint" /usr/bin/python3 tests/dashboards_lint.py
fi
echo "config-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
