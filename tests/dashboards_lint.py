#!/usr/bin/python3
"""Static checks of the shipped Grafana dashboards and provisioning files (no Grafana here):
the rules file provisioning needs, plus the conventions in docs/QUICKSTART.md ("Build your own panels"). Every panel query
is parsed by promtool (variables substituted). Exits non-zero with one line per problem."""
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboards import ROOT, dashboards, panels, queries, substitute  # noqa: E402

COUNTER_FUNCS = ("rate(", "irate(", "increase(")
SAMPLE_VARS = {"device": "leaf1", "port": ".+", "datasource": "prometheus",
               "__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def lint():
    problems = []
    uids = {}
    records = []
    for path, d in dashboards():
        name = os.path.basename(path)
        text = open(path, encoding="utf-8").read()
        if "__inputs" in d or "${DS_" in text:
            problems.append("%s: export placeholders (__inputs / ${DS_...}) break file provisioning" % name)
        if not isinstance(d.get("schemaVersion"), int):
            problems.append("%s: schemaVersion missing" % name)
        uid = d.get("uid")
        if not uid or not 8 <= len(uid) <= 40:
            problems.append("%s: uid must be 8-40 characters" % name)
        if uid in uids:
            problems.append("%s: uid %s also used by %s" % (name, uid, uids[uid]))
        uids[uid] = name
        if d.get("id") is not None:
            problems.append("%s: id must be null or absent" % name)
        variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
        if variables.get("datasource", {}).get("type") != "datasource":
            problems.append("%s: needs a datasource-type variable named datasource" % name)
        for vname in ("device", "port"):
            v = variables.get(vname)
            if v and "label_values(" not in str(v.get("definition", "")):
                problems.append("%s: variable %s should come from label_values()" % (name, vname))
        ids = [p.get("id") for p in panels(d)]
        if len(ids) != len(set(ids)) or None in ids:
            problems.append("%s: panel ids must be present and unique: %r" % (name, ids))
        for p in panels(d):
            where = "%s: panel %r" % (name, p.get("title"))
            if p.get("type") == "row":
                continue
            if p.get("datasource", {}).get("uid") != "${datasource}":
                problems.append(where + ": datasource must be ${datasource}")
            if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
                problems.append(where + ": no unit")
            if not p.get("targets"):
                problems.append(where + ": no queries")
            for t in p.get("targets", []):
                if not t.get("refId") or not t.get("expr"):
                    problems.append(where + ": a target without refId or expr")
                if t.get("datasource", {}).get("uid") != "${datasource}":
                    problems.append(where + ": target datasource must be ${datasource}")
        for title, ref, expr in queries(d):
            where = "%s: panel %r query %s" % (name, title, ref)
            for m in re.finditer(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*_total\b", expr):
                before = expr[:m.start()].rstrip()
                if not before.endswith(COUNTER_FUNCS):
                    problems.append("%s: counter %s used outside rate/irate/increase" % (where, m.group(0)))
            for m in re.finditer(r"\b(i?rate)\([^\[]*\[([^\]]+)\]", expr):
                if m.group(2) != "$__rate_interval":
                    problems.append("%s: %s() should use [$__rate_interval], not [%s]" % (where, m.group(1), m.group(2)))
            records.append({"record": "lint:%s:%s" % (re.sub(r"\W", "_", title.lower()), ref),
                            "expr": substitute(expr, SAMPLE_VARS)})
    # Provisioning: a fixed datasource uid and a provider pointing where compose mounts us.
    prov = os.path.join(ROOT, "grafana-dashboards", "provisioning")
    ds = yaml.safe_load(open(os.path.join(prov, "datasources", "prometheus.yml")))
    if not ds["datasources"][0].get("uid"):
        problems.append("provisioning: datasource needs a fixed uid")
    prov_dash = yaml.safe_load(open(os.path.join(prov, "dashboards", "switchsim.yml")))
    compose = yaml.safe_load(open(os.path.join(ROOT, "docker-compose.yml")))
    mounts = compose["services"]["grafana"]["volumes"]
    path = prov_dash["providers"][0]["options"]["path"]
    if not any(m.endswith(":" + path + ":ro") or m.endswith(":" + path) for m in mounts):
        problems.append("provisioning: provider path %s is not mounted in docker-compose.yml" % path)
    # Every query parses as PromQL (promtool, Debian's Prometheus).
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": records}]}, f)
    p = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    os.unlink(f.name)
    if p.returncode != 0:
        problems.append("promtool cannot parse a panel query:\n" + p.stdout + p.stderr)
    return problems


if __name__ == "__main__":
    found = lint()
    for line in found:
        print(line)
    sys.exit(1 if found else 0)
