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
from dashboards import substitute  # noqa: E402
from switchsim_proc import Switchsim, wait_for  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")
PINNED = {"device": "leaf3", "port": "Ethernet4"}
SCRAPE_INTERVAL = "1s"
ALERT_TIMEOUT_S = 150
# The label values the dashboards' variables are set to: e2e.yaml's devices, and the ports of
# the first device (checked against what Prometheus stores).
E2E_VALUES = {"device": ["leaf1", "leaf2", "leaf3", "spine1"],
              "port": ["Ethernet1", "Ethernet2", "Ethernet3", "Ethernet4", "Ethernet5", "Ethernet6",
                       "Uplink1", "Uplink2"]}
GRAFANA_CHECK = os.path.join(ROOT, "tests", "grafana", "run.sh")
GRAFANA_TIMEOUT_S = 600  # a first run installs the npm packages
# What a ranked panel (topk) may draw over a range.
TOPK_MAX_SERIES = 10
RANGE_S = 60  # the span range queries cover (the test has run over a minute by then)


class GrafanaQueries:
    """tests/grafana/run.sh interpolating every dashboard query with Grafana's own code for
    E2E_VALUES (one value, several, All), started early to overlap the scrape wait."""

    def __init__(self, workdir):
        self.values = os.path.join(workdir, "values.json")
        self.out = os.path.join(workdir, "queries.json")
        self.found = None
        with open(self.values, "w") as f:
            json.dump(E2E_VALUES, f)
        self.log = open(os.path.join(workdir, "grafana.log"), "w+")
        self.proc = subprocess.Popen([GRAFANA_CHECK, "--values", self.values, "--queries-out", self.out],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def queries(self):
        if self.found is not None:
            return self.found
        try:
            rc = self.proc.wait(GRAFANA_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError("tests/grafana/run.sh took over %d s" % GRAFANA_TIMEOUT_S)
        self.log.seek(0)
        assert rc == 0 and os.path.exists(self.out), "tests/grafana/run.sh failed:\n" + self.log.read()
        with open(self.out) as f:
            self.found = json.load(f)
        return self.found

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


def backend_builtins(expr, scrape_s, step_s, range_s):
    """Resolves what Grafana's Prometheus backend resolves after the frontend: $__interval is
    the step, $__rate_interval max(step + scrape interval, 4 * scrape interval), $__range the
    queried span (pkg/promlib/models/query.go)."""
    rate_s = max(step_s + scrape_s, 4 * scrape_s)
    return substitute(expr, {"__interval": "%ds" % step_s, "__rate_interval": "%ds" % rate_s,
                             "__range": "%ds" % range_s, "__range_s": str(range_s),
                             "__interval_ms": str(step_s * 1000), "__range_ms": str(range_s * 1000)})


def may_be_empty(expr):
    """Lists of problems (a trailing comparison filter) and alert annotations: empty when
    nothing is wrong."""
    return bool(re.search(r"(==|!=|>|<)\s*\d+\s*$", expr)) or "ALERTS{" in expr


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


def shipped_rules(workdir, short_for=("SwitchPortDown",)):
    """Copies of the shipped rule files (prom-config/rules/*.yml) in workdir, with the `for:`
    of the named alerts cut to 5 s so a test sees them fire in seconds rather than a minute
    (promtool's rule tests in prom-config/tests/ check the shipped durations). Returns the
    copies' paths."""
    paths = []
    for src in sorted(glob.glob(os.path.join(ROOT, "prom-config", "rules", "*.yml"))):
        with open(src) as f:
            rules = yaml.safe_load(f)
        for group in rules["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") in short_for:
                    rule["for"] = "5s"
        dst = os.path.join(workdir, "rules-" + os.path.basename(src))
        with open(dst, "w") as f:
            yaml.safe_dump(rules, f)
        paths.append(dst)
    assert paths, "no rule files shipped"
    return paths


def write_config(workdir, sim_port):
    """The shipped prometheus.yml, pointed at the loopback simulator and scraping faster,
    with the shipped rules (SwitchPortDown's `for:` cut to 5 s: shipped_rules)."""
    with open(os.path.join(ROOT, "prom-config", "prometheus.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["global"].update(scrape_interval=SCRAPE_INTERVAL, scrape_timeout=SCRAPE_INTERVAL,
                         evaluation_interval=SCRAPE_INTERVAL)
    cfg["rule_files"] = shipped_rules(workdir)
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


def run_checks(binary, prom, sim, grafana, results):
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
        # What the profile implies, plus switchsim_http_requests_total: one series per
        # (handler, code) answered so far, which no profile can know. --check-config counts
        # a neighbour series for every port (a bound); only the ports in a link have one.
        ports = prom.scalar('count(switch_port_info{job="switchsim"})')
        linked = prom.scalar('count(switch_port_neighbor_info{job="switchsim"})')
        want = expected_series(binary) - int(ports - linked)
        requests = prom.scalar('count(switchsim_http_requests_total{job="switchsim"})')
        assert requests >= 1
        assert prom.scalar('scrape_samples_scraped{job="switchsim"}') == want + requests
        stored = prom.scalar('count({job="switchsim", __name__=~"switch_.*|switchsim_.*|process_.*",'
                             '__name__!="switchsim_http_requests_total"})')
        assert stored == want, "stored %d series, the profile implies %d" % (stored, want)

    def values_match_profile():
        # The variables' own queries (label_values), as Grafana interpolates them, return
        # exactly the values the dashboard queries were interpolated with.
        variables = [q for q in grafana.queries() if q["panel_type"] == "variable"]
        assert {q["refId"] for q in variables} == set(E2E_VALUES), variables
        for q in variables:
            m = re.fullmatch(r"label_values\((?:(.+),\s*)?(\w+)\)", q["expr"])
            assert m, "not a label_values() query: %r" % q["expr"]
            params = {"match[]": m.group(1)} if m.group(1) else {}
            got = prom.api("/api/v1/label/%s/values" % m.group(2), **params)
            assert sorted(got) == sorted(E2E_VALUES[q["refId"]]), "%s: %s gives %r" % (
                q["dashboard"], q["expr"], got)

    def panels_return_data():
        # Every query as Grafana's code interpolates it (tests/grafana/check.mjs), over the
        # data so far: range queries at a 1 s step, instant queries at the end.
        found = [q for q in grafana.queries() if q["panel_type"] != "variable"]
        end = time.time()
        range_s = RANGE_S
        empty, ranked, count = [], [], 0
        for q in found:
            expr = backend_builtins(q["expr"], 1, 1, range_s)
            where = "%s / %r / %s [%s]: %s" % (q["dashboard"], q["title"], q["refId"], q["selection"], expr)
            count += 1
            if q["instant"]:
                result = prom.api("/api/v1/query", query=expr, time="%.3f" % end)["result"]
            else:
                result = prom.api("/api/v1/query_range", query=expr, start="%.3f" % (end - range_s),
                                  end="%.3f" % end, step="1")["result"]
                if re.search(r"\b(topk|bottomk)\(", q["expr"]) and len(result) > TOPK_MAX_SERIES:
                    ranked.append("%s: %d series" % (where, len(result)))
            if not result and not may_be_empty(q["expr"]):
                empty.append(where)
        assert count >= 30, "only %d interpolated queries" % count
        assert not empty, "queries with no data:\n  " + "\n  ".join(empty)
        assert not ranked, "ranked panels drawing more than %d series over the range:\n  %s" % (
            TOPK_MAX_SERIES, "\n  ".join(ranked))

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
        # e2e.yaml: mean 40% +-30% per port, times a daily cycle of +-30%, times noise of
        # +-10% per sigma: every port that is up lies well inside (0.1, 0.95), between
        # 0.4 * 0.7 * 0.7 * (1 - 0.1 * 4) and 0.4 * 1.3 * 1.3 * (1 + 0.1 * 4). A rate
        # window mostly before the first scrape reads less (about 0.04): the first minute
        # of scrapes must pass first, so wait for a whole window.
        def util():
            return [float(s["value"][1]) for s in
                    prom.query("device_port:switch_port_rx_utilization:ratio_rate1m")]

        def settled():
            up = [u for u in util() if u > 0]
            return len(up) == len(util()) - 1 and all(0.1 < u < 0.95 for u in up)

        wait_for(settled, 90, 1.0)
        up = [u for u in util() if u > 0]
        assert len(up) == len(util()) - 1, "one port (the pinned one) should be idle: %r" % util()
        assert all(0.1 < u < 0.95 for u in up), util()

    def links_agree():
        # Both ends of every link, found from the neighbour family in Prometheus: the rate
        # one end transmits is the rate the other receives (within 1 %; the difference is
        # scrape timing), at one evaluation time for all series.
        nb = prom.query('switch_port_neighbor_info{job="switchsim"}')
        assert len(nb) == 12, nb  # 6 links, two ends each
        at = time.time() - 2
        def rates(metric):
            res = prom.api("/api/v1/query", query='rate(%s{job="switchsim"}[20s])' % metric,
                           time="%.3f" % at)["result"]
            return {(r["metric"]["device"], r["metric"]["port"]): float(r["value"][1]) for r in res}
        for unit in ("bytes", "packets"):
            tx, rx = rates("switch_port_tx_%s_total" % unit), rates("switch_port_rx_%s_total" % unit)
            for n in nb:
                m = n["metric"]
                sent = tx[(m["device"], m["port"])]
                got = rx[(m["neighbor_device"], m["neighbor_port"])]
                assert sent > 0, (m, sent)
                assert abs(sent - got) <= 0.01 * sent, (unit, m, sent, got)

    check("target up, scraped without errors", target_up)
    check("timestamps accepted (no out-of-bounds, out-of-order or duplicate samples)",
          timestamps_accepted)
    check("stored series equal what the profile implies", series_count)
    check("both ends of every link (found by switch_port_neighbor_info) agree: rate(tx) = "
          "rate(rx) of the far end within 1 %", links_agree)
    check("the pinned-down port fires SwitchPortDown and nothing else fires",
          only_port_down_fires)
    # After the alert wait, so the rules' 1m windows are full of samples: rate() divides by
    # the whole window, and a window that is mostly before the first scrape reads low.
    check("recording rules evaluate to plausible values", recording_rules_evaluate)
    check("the dashboards' variable queries, interpolated by Grafana's code, give E2E_VALUES",
          values_match_profile)
    # Last, over the minute of data the alert wait left: ranked panels get a range over which
    # per-step ranking would change its mind (with 1 s scrapes and a 4 s rate window).
    check("every dashboard query, interpolated by Grafana's code, returns data; topk panels draw"
          " at most %d series over %d s" % (TOPK_MAX_SERIES, RANGE_S), panels_return_data)


def finish(label, results, workdir, sim=None, prom=None, others=()):
    """Stops everything that was started (others first: objects with stop()), removes the
    scratch directory, counts a non-zero exit of switchsim as a failure and prints the
    closing line. Returns the exit code. Shared by the e2e scripts."""
    for o in others:
        if o:
            o.stop()
    if prom:
        prom.stop()
    if sim:
        rc = sim.stop()
        if rc != 0:
            results.append(False)
            print("not ok - switchsim exited with %d:\n%s" % (rc, sim.stderr()))
    shutil.rmtree(workdir, ignore_errors=True)
    passed = sum(results)
    print("%s: %d passed, %d failed" % (label, passed, len(results) - passed))
    return 0 if results and all(results) else 1


def setup_failed(results):
    results.append(False)
    print("not ok - setting up switchsim and Prometheus", flush=True)
    traceback.print_exc()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-")
    results = []
    sim = prom = grafana = None
    try:
        grafana = GrafanaQueries(workdir)
        sim = Switchsim(binary, ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0"])
        prom = Prometheus(write_config(workdir, sim.port), workdir)
        run_checks(binary, prom, sim, grafana, results)
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        code = finish("e2e", results, workdir, sim, prom, others=(grafana,))
    return code


if __name__ == "__main__":
    sys.exit(main())
