#!/usr/bin/python3
"""Static checks of the shipped Grafana dashboards and provisioning files (no Grafana here):
the rules file provisioning needs, plus the conventions in docs/QUICKSTART.md ("Build your own panels"). Every panel query
is parsed by promtool (variables substituted), and the defects Grafana's own code showed
(tests/grafana/check.mjs; docs/QUICKSTART.md) are kept out: topk() re-ranked at every step of
a range query, counts shown with decimals, tables of zeros, thresholds never drawn, links
passing "All" to a single-valued variable, duplicate titles, variables without a current
value, state timelines with more rows than they can draw. Exits non-zero with one line per
problem."""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboards import ROOT, dashboards, panels, queries, substitute  # noqa: E402

COUNTER_FUNCS = ("rate(", "irate(", "increase(")
# Grafana's grid: a row unit is 30 px with 8 px between rows. A state timeline needs about
# 60 px for its axis and pagination, and a readable row is at least 16 px.
GRID_ROW_PX, GRID_GAP_PX, TIMELINE_CHROME_PX, TIMELINE_MIN_ROW_PX = 30, 8, 60, 16


def panel_height_px(p):
    h = p.get("gridPos", {}).get("h", 0)
    return h * GRID_ROW_PX + max(h - 1, 0) * GRID_GAP_PX


def is_range(t):
    return t.get("range", not t.get("instant", False))


def grafana_defects(name, d, all_dashboards):
    """The checks behind the defects listed in the module docstring; each failed on the
    dashboards before they were fixed."""
    problems = []
    titles = {}
    for p in panels(d):
        if p.get("type") == "row":
            continue
        title = p.get("title")
        if title in titles:
            problems.append("%s: two panels are titled %r" % (name, title))
        titles[title] = True
        where = "%s: panel %r" % (name, title)
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        for t in p.get("targets", []):
            expr = t.get("expr", "")
            if is_range(t) and re.search(r"\b(topk|bottomk)\s*\(", expr) and "@" not in expr:
                problems.append(where + ": topk()/bottomk() in a range query picks other series at every"
                                " step; rank once (@ end()) and select with `and on (...)`")
            if re.search(r"\b(increase|changes)\(", expr):
                if defaults.get("decimals") != 0 and "round(" not in expr:
                    problems.append(where + ": a count from increase()/changes() needs decimals 0 or round()")
                if t.get("format") == "table" and not re.search(r"(>|!=)\s*0\s*$", expr):
                    problems.append(where + ": a table of increase()/changes() lists every zero; filter with > 0")
        steps = defaults.get("thresholds", {}).get("steps", [])
        style = defaults.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off")
        if p.get("type") == "timeseries" and len(steps) > 1 and style == "off":
            problems.append(where + ": thresholds are set but never drawn (custom.thresholdsStyle.mode is off)")
        if p.get("type") in ("state-timeline", "status-history"):
            per_page = p.get("options", {}).get("perPage") or 0
            if per_page <= 0:
                problems.append(where + ": a timeline of every port needs options.perPage")
            elif (panel_height_px(p) - TIMELINE_CHROME_PX) / per_page < TIMELINE_MIN_ROW_PX:
                problems.append(where + ": %d rows per page do not fit in %d px" % (per_page, panel_height_px(p)))
    boxes = [(p.get("title"), p.get("gridPos", {})) for p in d.get("panels", [])]
    for i, (title, g) in enumerate(boxes):
        if g.get("x", 0) + g.get("w", 0) > 24:
            problems.append("%s: panel %r reaches past the 24-column grid" % (name, title))
        for other, h in boxes[i + 1:]:
            if (g["x"] < h["x"] + h["w"] and h["x"] < g["x"] + g["w"]
                    and g["y"] < h["y"] + h["h"] and h["y"] < g["y"] + g["h"]):
                problems.append("%s: panels %r and %r overlap" % (name, title, other))
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    for vname, v in variables.items():
        cur = v.get("current") or {}
        if cur.get("value") in (None, "", []) or cur.get("text") in (None, "", []):
            problems.append("%s: variable %s has no current value" % (name, vname))
    for link in d.get("links", []):
        if not link.get("includeVars"):
            continue
        targets = [(n, o) for n, o in all_dashboards if o is not d and (link.get("type") != "dashboards"
                   or set(link.get("tags", [])) <= set(o.get("tags", [])))]
        for other_name, other in targets:
            for ov in other.get("templating", {}).get("list", []):
                mine = variables.get(ov.get("name"))
                if mine and (mine.get("multi") or mine.get("includeAll")) \
                        and not (ov.get("multi") or ov.get("includeAll")):
                    problems.append("%s: link %r passes %s (multi-value or All) to %s, where it takes"
                                    " one value" % (name, link.get("title"), ov["name"], other_name))
    return problems
SAMPLE_VARS = {"device": "leaf1", "port": ".+", "datasource": "prometheus",
               "__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def lint():
    problems = []
    uids = {}
    records = []
    loaded = [(os.path.basename(path), d) for path, d in dashboards()]
    for path, d in dashboards():
        name = os.path.basename(path)
        problems.extend(grafana_defects(name, next(o for n, o in loaded if n == name), loaded))
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
            for m in re.finditer(r"\b(i?rate)\([^\[]*\[([^\]]+)\]\s*(@ end\(\))?", expr):
                # [$__range] @ end(): the mean over the dashboard's range, to rank series once.
                if m.group(2) != "$__rate_interval" and not (m.group(2) == "$__range" and m.group(3)):
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


# The dashboards as they were before these checks (tests/grafana/fixtures/before/), and the
# defect each check must report in them: proof that the checks can fail.
BEFORE_DIR = os.path.join(ROOT, "tests", "grafana", "fixtures", "before")
BEFORE_DEFECTS = [
    ("switch-fleet.json", "panel 'Busiest ports (rx)': topk()/bottomk() in a range query"),
    ("switch-fleet.json", "panel 'Fullest egress buffers': topk()/bottomk() in a range query"),
    ("switch-fleet.json", "panel 'Flaps in the last hour, per port': a table of increase()/changes() lists every zero"),
    ("switch-fleet.json", "panel 'Flaps in the last hour, per port': a count from increase()/changes() needs decimals 0"),
    ("switch-fleet.json", "panel 'Flaps in the last hour': a count from increase()/changes() needs decimals 0"),
    ("switch-fleet.json", "panel 'Fullest egress buffers': thresholds are set but never drawn"),
    ("switch-fleet.json", "link 'switchsim dashboards' passes device (multi-value or All) to switch-device.json"),
    ("switch-fleet.json", "two panels are titled 'Ports down'"),
    ("switch-fleet.json", "variable device has no current value"),
    ("switch-device.json", "variable port has no current value"),
    ("switch-device.json", "panel 'Link state': a timeline of every port needs options.perPage"),
]


def self_test():
    before = []
    for name in sorted(os.listdir(BEFORE_DIR)):
        with open(os.path.join(BEFORE_DIR, name), encoding="utf-8") as f:
            before.append((name, json.load(f)))
    reported = [line for name, d in before for line in grafana_defects(name, d, before)]
    return ["self-test: the check for %r reports nothing on the old %s" % (want, name)
            for name, want in BEFORE_DEFECTS
            if not any(line.startswith(name + ":") and want in line for line in reported)]


if __name__ == "__main__":
    found = lint() + self_test()
    for line in found:
        print(line)
    sys.exit(1 if found else 0)
