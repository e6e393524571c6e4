#!/usr/bin/python3
"""End-to-end, history: `switchsim backfill` writes two hours of the default profile at a 15 s
step, promtool turns it into blocks, and Debian's Prometheus starts on those blocks while it
scrapes a live switchsim with the same profile and seed. Checks, through the
Prometheus HTTP API: range queries over the backfilled part equal the backfilled values; the
live part equals what backfill writes for the same ticks; at the boundary no series has a
duplicate or overlapping sample, and the gap is no longer than one step plus the time the
set-up took (backfill, promtool, Prometheus start), which the test measures.

The backfill carries the job and instance labels Prometheus gives the live target (--label), so
the blocks and the scrapes are one series. Until the simulation's ticks are anchored to the epoch, a live process's values depend on its
--start-time: passed to all three (START below); it has no effect since ticks count from the epoch.

Usage: test_backfill.py --binary build/switchsim
Closes with "e2e-backfill: N passed, N failed"; bounded well under 60 s.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402
from test_prometheus import Prometheus, finish, setup_failed  # noqa: E402

PROFILE = os.path.join(ROOT, "profiles", "default.yaml")
SEED = "11"
STEP_S = 15
HISTORY_S = 2 * 3600
LIVE_S = 6  # how long Prometheus scrapes the live process before the checks
# Families compared sample by sample (a counter, a gauge and a stateset: every value kind).
FAMILIES = ["switch_port_rx_packets_total", "switch_port_buffer_level_bytes",
            "switch_port_oper_state"]
LINE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\d+(?:\.\d+)?)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def key_of(name, labels):
    return (name,) + tuple(sorted((k, v) for k, v in labels.items() if k != "instance"))


def read_backfill(path, families):
    """{series key: {timestamp s: float value}} of the named families."""
    out = {}
    with open(path) as f:
        for line in f:
            if line[0] == "#" or not line.startswith(tuple(families)):
                continue
            m = LINE_RE.match(line.rstrip("\n"))
            assert m, line
            if m.group(1) not in families:
                continue
            labels = dict(LABEL_RE.findall(m.group(2) or ""))
            out.setdefault(key_of(m.group(1), labels), {})[int(float(m.group(4)))] = \
                float(m.group(3))
    return out


def backfill(binary, start, frm, to, step, path, labels=()):
    subprocess.run([binary, "backfill", "--profile", PROFILE, "--seed", SEED, "--start-time",
                    str(start), "--from", str(frm), "--to", str(to), "--step", step, "-o", path] +
                   ["--label=" + lb for lb in labels], check=True, timeout=60)


def raw_samples(prom, family, span_s):
    """{series key: [(timestamp s, value)]}: every stored sample of the last span_s."""
    result = prom.query("%s{job=\"switchsim\"}[%ds]" % (family, span_s))
    out = {}
    for r in result:
        labels = dict(r["metric"])
        name = labels.pop("__name__")
        out[key_of(name, labels)] = [(float(t), float(v)) for t, v in r["values"]]
    return out


def write_config(workdir, sim_port):
    with open(os.path.join(ROOT, "prom-config", "prometheus.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    cfg["rule_files"] = []
    (job,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "switchsim"]
    job["static_configs"] = [{"targets": ["127.0.0.1:%d" % sim_port]}]
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def run_checks(binary, workdir, results, started):
    def check(name, fn):
        t0 = time.monotonic()
        try:
            fn()
            results.append(True)
            print("ok - %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        except Exception:  # noqa: BLE001
            results.append(False)
            print("not ok - %s" % name, flush=True)
            import traceback
            traceback.print_exc()

    t_setup = time.time()
    now = int(t_setup)
    start = (now - HISTORY_S) // STEP_S * STEP_S  # tick 0 of every process here: START
    sim = Switchsim(binary, ["--profile", PROFILE, "--seed", SEED, "--start-time", str(start),
                             "--web.listen-address", "127.0.0.1:0"])
    started.append(sim)
    history = os.path.join(workdir, "history.om")
    # the labels Prometheus gives the live target, so both halves are the same series
    backfill(binary, start, start, "now", "%ds" % STEP_S, history,
             ["job=switchsim", "instance=127.0.0.1:%d" % sim.port])
    expected = read_backfill(history, FAMILIES)
    last_backfilled = max(max(v) for v in expected.values())
    blocks = os.path.join(workdir, "data")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", history, blocks],
                   check=True, timeout=60, capture_output=True)
    os.unlink(history)
    prom = Prometheus(write_config(workdir, sim.port), workdir)
    started.append(prom)
    # the set-up ends with the first live sample stored
    first_live = "count(timestamp(%s) > %d)" % (FAMILIES[0], last_backfilled)
    assert wait_for(lambda: prom.query(first_live), 30, 0.2), prom.logs()
    setup_s = time.time() - t_setup
    assert wait_for(lambda: prom.query("count_over_time(up[%ds]) >= %d" % (LIVE_S + 30, LIVE_S)),
                    30, 0.5), prom.logs()
    span = int(time.time()) - start + 60
    stored = {fam: raw_samples(prom, fam, span) for fam in FAMILIES}

    def backfilled_part_equals_the_backfill():
        n = 0
        for fam in FAMILIES:
            got = stored[fam]
            want = {k: v for k, v in expected.items() if k[0] == fam or
                    (fam == "switch_port_oper_state" and k[0] == fam)}
            assert want and set(got) == set(want), (fam, len(got), len(want))
            for k, ticks in want.items():
                old = {t: v for t, v in got[k] if t <= last_backfilled}
                assert old == ticks, (k, len(old), len(ticks), min(old), min(ticks), max(old), max(ticks))
                n += len(ticks)
        assert n > 100000, n

    def range_query_over_the_backfill_equals_it():
        fam = FAMILIES[0]
        r = prom.api("/api/v1/query_range", query=fam, start=str(start),
                     end=str(int(last_backfilled)), step="%ds" % STEP_S)["result"]
        assert len(r) == len([k for k in expected if k[0] == fam])
        for s in r:
            labels = dict(s["metric"])
            name = labels.pop("__name__")
            assert {int(t): float(v) for t, v in s["values"]} == expected[key_of(name, labels)]

    def boundary_has_no_duplicate_overlap_or_gap():
        for fam in FAMILIES:
            for k, samples in stored[fam].items():
                stamps = [t for t, _ in samples]
                assert stamps == sorted(set(stamps)), ("duplicate or disorder", k)
                live = [t for t in stamps if t > last_backfilled]
                assert live, ("no live sample", k)
                gap = live[0] - last_backfilled
                assert gap <= STEP_S + setup_s + 2, (k, gap, setup_s)

    def live_part_equals_backfill_of_the_same_ticks():
        live_stamps = sorted({t for fam in FAMILIES for s in stored[fam].values() for t, _ in s
                              if t > last_backfilled})
        assert len(live_stamps) >= 3, live_stamps
        path = os.path.join(workdir, "live.om")
        backfill(binary, start, int(live_stamps[0]), int(live_stamps[-1]), "1s", path)
        again = {k + (("job", "switchsim"),) if ("job", "switchsim") not in k else k: v
                 for k, v in read_backfill(path, FAMILIES).items()}
        again = {(k[0],) + tuple(sorted(k[1:])): v for k, v in again.items()}
        os.unlink(path)
        n = 0
        for fam in FAMILIES:
            for k, samples in stored[fam].items():
                for t, v in samples:
                    if t > last_backfilled:
                        assert again[k][int(t)] == v, (k, t, v, again[k].get(int(t)))
                        n += 1
        assert n > 1000, n

    check("range queries over two backfilled hours equal the backfill, every sample of %s"
          % ", ".join(FAMILIES), backfilled_part_equals_the_backfill)
    check("query_range at the backfill's step returns exactly the backfilled values",
          range_query_over_the_backfill_equals_it)
    check("at the boundary: no duplicate or overlapping sample, the gap at most one step plus"
          " the set-up", boundary_has_no_duplicate_overlap_or_gap)
    check("the live samples Prometheus stored equal a backfill of those ticks",
          live_part_equals_backfill_of_the_same_ticks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-backfill-")
    results, started = [], []
    try:
        run_checks(binary, workdir, results, started)
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        sim = next((s for s in started if isinstance(s, Switchsim)), None)
        prom = next((s for s in started if isinstance(s, Prometheus)), None)
        code = finish("e2e-backfill", results, workdir, sim, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
