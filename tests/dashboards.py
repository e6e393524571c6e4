"""Reading the shipped Grafana dashboards: their panel queries and variable substitution.
Shared by tests/dashboards_lint.py (static) and tests/e2e/test_prometheus.py (live)."""
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD_GLOB = os.path.join(ROOT, "grafana-dashboards", "*.json")


def dashboards():
    """[(path, parsed JSON)] for every shipped dashboard, sorted by path."""
    out = []
    for path in sorted(glob.glob(DASHBOARD_GLOB)):
        with open(path, encoding="utf-8") as f:
            out.append((path, json.load(f)))
    return out


def panels(dashboard):
    """Every panel, including those nested in collapsed rows."""
    for p in dashboard.get("panels", []):
        yield p
        for q in p.get("panels", []):
            yield q


def queries(dashboard):
    """[(panel title, refId, expr)] of every query target."""
    return [(p.get("title", "?"), t.get("refId"), t.get("expr"))
            for p in panels(dashboard) for t in p.get("targets", [])]


def substitute(expr, values):
    """Replaces Grafana variables ($name, ${name}, [[name]]) with values[name].
    Built-in interval variables get the given value too ($__rate_interval etc.)."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            raise KeyError("no value for variable %r in %r" % (name, expr))
        return values[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]", repl, expr)
