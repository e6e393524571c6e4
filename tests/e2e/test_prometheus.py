#!/usr/bin/python3
"""End-to-end: the real switchsim binary scraped by a real Prometheus (Debian's package) on
127.0.0.1 with the shipped configuration (targets rewritten for loopback, rules included),
checked through the Prometheus HTTP API.

Usage: test_prometheus.py --binary build/switchsim
Closes with "e2e: N passed, N failed". Both processes are stopped and the scratch
directory removed on every path out, failures included.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from dashboards import dashboards, queries, substitute  # noqa: E402
from switchsim_proc import Switchsim, wait_for  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")
PINNED = {"device": "leaf3", "port": "Ethernet4"}
SCRAPE_INTERVAL = "1s"
ALERT_TIMEOUT_S = 150


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """Debian's prometheus on 127.0.0.1 with a scratch data directory."""

    def __init__(self, config_path, workdir):
        self.port = free_port()
        self.log = open(os.path.join(workdir, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config_path,
             "--storage.tsdb.path=" + os.path.join(workdir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_for(self.ready, 60, 0.2):
            raise RuntimeError("prometheus did not become ready:\n" + self.logs())

    def ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("prometheus exited:\n" + self.logs())
        try:
            with urllib.request.urlopen(self.url("/-/ready"), timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def logs(self):
        self.log.flush()
        return open(self.log.name).read()[-4000:]

    def api(self, path, **params):
        url = self.url(path) + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=30) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr):
        return self.api("/api/v1/query", query=expr)["result"]

    def scalar(self, expr):
        result = self.query(expr)
        assert len(result) == 1, "%s: %r" % (expr, result)
        return float(result[0]["value"][1])

    def own_metric_sum(self, name):
        with urllib.request.urlopen(self.url("/metrics"), timeout=30) as r:
            text = r.read().decode()
        values = [float(m.group(1)) for m in
                  re.finditer(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M)]
        assert values, "Prometheus does not expose %s" % name
        return sum(values)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


def write_config(workdir, sim_port):
    """The shipped prometheus.yml, pointed at the loopback simulator and scraping faster."""
    with open(os.path.join(ROOT, "prom-config", "prometheus.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["global"].update(scrape_interval=SCRAPE_INTERVAL, scrape_timeout=SCRAPE_INTERVAL,
                         evaluation_interval=SCRAPE_INTERVAL)
    cfg["rule_files"] = sorted(glob.glob(os.path.join(ROOT, "prom-config", "rules", "*.yml")))
    assert cfg["rule_files"], "no rule files shipped"
    jobs = [j for j in cfg["scrape_configs"] if j["job_name"] == "switchsim"]
    assert len(jobs) == 1, "prometheus.yml must have one switchsim job"
    jobs[0]["static_configs"] = [{"targets": ["127.0.0.1:%d" % sim_port]}]
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def expected_series(binary):
    out = subprocess.run([binary, "--check-config", "--profile", PROFILE], capture_output=True,
                         text=True, check=True).stdout
    return int(re.search(r"(\d+) series", out).group(1))


def run_checks(binary, prom, sim, results):
    def check(name, fn):
        t0 = time.monotonic()
        try:
            fn()
            results.append(True)
            print("ok - %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        except Exception:  # noqa: BLE001 - report and continue with the other checks
            results.append(False)
            print("not ok - %s" % name, flush=True)
            traceback.print_exc()

    def scraped_enough():
        # rate() needs two samples; the dashboards' windows need a few more.
        r = prom.query('count_over_time(up{job="switchsim"}[1m])')
        return r and float(r[0]["value"][1]) >= 8

    def target_up():
        assert wait_for(scraped_enough, 60, 0.5), "too few scrapes:\n" + prom.logs()
        targets = prom.api("/api/v1/targets")["activeTargets"]
        sims = [t for t in targets if t["labels"]["job"] == "switchsim"]
        assert len(sims) == 1 and sims[0]["health"] == "up", sims
        assert sims[0]["lastError"] == "", sims[0]["lastError"]

    def timestamps_accepted():
        for name in ("prometheus_target_scrapes_sample_out_of_bounds_total",
                     "prometheus_target_scrapes_sample_out_of_order_total",
                     "prometheus_target_scrapes_sample_duplicate_timestamp_total"):
            assert prom.own_metric_sum(name) == 0, "%s is not zero" % name
        # Stored sample times are switchsim's tick times: whole seconds at a 1 s tick.
        for sample in prom.query('timestamp(switch_port_link_up{job="switchsim"})'):
            ts = float(sample["value"][1])
            assert ts == int(ts), "sample time %r is not a tick time" % ts
            assert ts <= time.time(), "sample time in the future"

    def series_count():
        want = expected_series(binary)
        assert prom.scalar('scrape_samples_scraped{job="switchsim"}') == want
        stored = prom.scalar('count({job="switchsim", __name__=~"switch_.*|switchsim_.*"})')
        assert stored == want, "stored %d series, the profile implies %d" % (stored, want)

    def panels_return_data():
        values = {"datasource": "prometheus", "__rate_interval": "10s", "__interval": "1s",
                  "__range": "1h", "device": PINNED["device"], "port": "Ethernet1"}
        empty = []
        count = 0
        for path, d in dashboards():
            for title, ref, expr in queries(d):
                q = substitute(expr, values)
                count += 1
                if not prom.query(q):
                    empty.append("%s / panel %r / query %s: %s" % (os.path.basename(path), title,
                                                                   ref, q))
        assert count >= 10, "only %d panel queries found" % count
        assert not empty, "panel queries with no data:\n  " + "\n  ".join(empty)

    def only_port_down_fires():
        def firing():
            return [a for a in prom.api("/api/v1/alerts")["alerts"] if a["state"] == "firing"]

        def port_down_firing():
            return any(a["labels"]["alertname"] == "SwitchPortDown" for a in firing())

        assert wait_for(port_down_firing, ALERT_TIMEOUT_S, 1.0), \
            "SwitchPortDown never fired; alerts: %r" % prom.api("/api/v1/alerts")["alerts"]
        alerts = prom.api("/api/v1/alerts")["alerts"]
        got = sorted((a["labels"]["alertname"], a["labels"].get("device"),
                      a["labels"].get("port"), a["state"]) for a in alerts)
        assert got == [("SwitchPortDown", PINNED["device"], PINNED["port"], "firing")], got

    def recording_rules_evaluate():
        for rule in ("device_port:switch_port_rx_packets:rate1m",
                     "device_port:switch_port_rx_utilization:ratio_rate1m",
                     "device:switch_port_rx_bytes:rate1m"):
            assert wait_for(lambda: prom.query(rule), 30, 0.5), "%s has no data" % rule
        util = [float(s["value"][1]) for s in
                prom.query("device_port:switch_port_rx_utilization:ratio_rate1m")]
        # e2e.yaml: mean 40% +-30% per port, times a daily cycle of +-30%, times noise of
        # +-10% per sigma: every port that is up lies well inside (0.1, 0.95), between
        # 0.4 * 0.7 * 0.7 * (1 - 0.1 * 4) and 0.4 * 1.3 * 1.3 * (1 + 0.1 * 4). A rate
        # window mostly before the first scrape reads about 0.04 (see the ordering above).
        up = [u for u in util if u > 0]
        assert len(up) == len(util) - 1, "one port (the pinned one) should be idle: %r" % util
        assert all(0.1 < u < 0.95 for u in up), util

    check("target up, scraped without errors", target_up)
    check("timestamps accepted (no out-of-bounds, out-of-order or duplicate samples)",
          timestamps_accepted)
    check("stored series equal what the profile implies", series_count)
    check("every panel query of every dashboard returns data", panels_return_data)
    check("the pinned-down port fires SwitchPortDown and nothing else fires",
          only_port_down_fires)
    # After the alert wait, so the rules' 1m windows are full of samples: rate() divides by
    # the whole window, and a window that is mostly before the first scrape reads low.
    check("recording rules evaluate to plausible values", recording_rules_evaluate)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-")
    results = []
    sim = prom = None
    try:
        sim = Switchsim(binary, ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0"])
        prom = Prometheus(write_config(workdir, sim.port), workdir)
        run_checks(binary, prom, sim, results)
    except Exception:  # noqa: BLE001
        results.append(False)
        print("not ok - setting up switchsim and Prometheus", flush=True)
        traceback.print_exc()
    finally:
        if prom:
            prom.stop()
        if sim:
            rc = sim.stop()
            if rc != 0:
                results.append(False)
                print("not ok - switchsim exited with %d:\n%s" % (rc, sim.stderr()))
        shutil.rmtree(workdir, ignore_errors=True)
    passed = sum(results)
    print("e2e: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
