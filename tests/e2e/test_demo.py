#!/usr/bin/python3
"""End-to-end, the demo scenario: profiles/demo-incidents.yaml makes every shipped alert
fire within an hour.

The last 80 minutes of the demo are written by `switchsim backfill`, turned into blocks by
promtool, and served by Debian's Prometheus; `promtool tsdb create-blocks-from rules` then
evaluates prom-config/rules/alerts.yml over that range every 15 s (as Prometheus's rule
manager would have) and writes, for each alert, a series for every tick its expression
held. An alert fires when its expression held without a gap for at least its `for:`.

SwitchsimTargetDown is about Prometheus's own `up`, which no backfill can produce: the
demo's /probe outage that fires it is the same probe_hang fault tests/e2e/test_faults.py
checks against a live Prometheus.

Usage: test_demo.py --binary build/switchsim
Closes with "e2e-demo: N passed, N failed".
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from test_prometheus import Prometheus, finish, setup_failed  # noqa: E402

DEMO = os.path.join(ROOT, "profiles", "demo-incidents.yaml")
RULES = os.path.join(ROOT, "prom-config", "rules", "alerts.yml")
STEP_S = 15
NOT_BACKFILLABLE = {"SwitchsimTargetDown"}


def seconds(duration):
    m = re.fullmatch(r"(\d+)([smh])", duration or "0s")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert p.returncode == 0, "%s failed (%d): %s" % (cmd[:3], p.returncode, p.stderr[-2000:])
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = os.path.abspath(ap.parse_args().binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-demo-")
    results = []
    prom = None
    try:
        end = int(time.time())
        start = end - 80 * 60  # every hourly event, with its `for:`, wholly inside
        om = os.path.join(workdir, "demo.om")
        run([binary, "backfill", "--profile", DEMO, "--from", str(start), "--to", str(end),
             "--step", "%ds" % STEP_S, "-o", om])
        data = os.path.join(workdir, "data")
        run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, data])
        cfg = os.path.join(workdir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {scrape_interval: 15s}\n")
        prom = Prometheus(cfg, workdir)  # its data directory is workdir/data: the blocks
        out = os.path.join(workdir, "rules")
        run(["promtool", "tsdb", "create-blocks-from", "rules", "--start", str(start),
             "--end", str(end), "--url", prom.url(""), "--output-dir", out,
             "--eval-interval", "%ds" % STEP_S, RULES])
        os.makedirs(os.path.join(out, "wal"), exist_ok=True)
        dump = run(["promtool", "tsdb", "dump", out])
        held = collections.defaultdict(list)  # (alert, labels) -> sample times (ms)
        for line in dump.splitlines():
            m = re.match(r'\{__name__="(\w+)"(.*)\} \S+ (\d+)$', line)
            if m:
                held[(m.group(1), m.group(2))].append(int(m.group(3)))
        longest = collections.defaultdict(int)  # alert -> longest run, seconds
        for (alert, _), times in held.items():
            times.sort()
            run_start = times[0]
            for a, b in zip(times, times[1:] + [None]):
                if b is None or b - a > STEP_S * 1000:
                    longest[alert] = max(longest[alert], (a - run_start) // 1000)
                    run_start = b
        with open(RULES) as f:
            rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
        for rule in rules:
            name = rule["alert"]
            if name in NOT_BACKFILLABLE:
                continue
            need = seconds(rule.get("for"))
            ok = name in longest and longest[name] >= need
            results.append(ok)
            print("%s - %s fires within the hour (held %s s, needs %d s)"
                  % ("ok" if ok else "not ok", name, longest.get(name, "never"), need),
                  flush=True)
    except Exception:  # noqa: BLE001
        setup_failed(results)
        traceback.print_exc()
    finally:
        code = finish("e2e-demo", results, workdir, None, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
