#!/usr/bin/python3
"""End-to-end, --remote-write.url: the real binary pushes the e2e profile into Debian's
Prometheus (--web.enable-remote-write-receiver) and Debian's VictoriaMetrics; both store
exactly the series, values and timestamps `switchsim backfill` renders for the same ticks.
The Prometheus receiver is stopped for a few seconds and started again: every tick of the
outage arrives afterwards (the queue holds it), and the outage is logged and counted. A
process pushing to a port nobody listens on with a small queue drops the oldest samples,
counts them and logs it.

Usage: test_remote_write.py --binary build/switchsim
Closes with "e2e-remote-write: N passed, N failed". Every process is stopped and the
scratch directory removed on every path out, failures included.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402
from test_prometheus import free_port  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")
SEED = "3"
LINE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
ONE = 'switch_port_rx_packets_total{device="leaf1",port="Ethernet1"}'


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def series_key(labels):
    return json.dumps(sorted(labels.items()))


def backfill(binary, workdir, t_s):
    """{series key: (timestamp ms, value)} of `switchsim backfill` at the tick t_s."""
    path = os.path.join(workdir, "backfill-%d.om" % t_s)
    subprocess.run([binary, "backfill", "--profile", PROFILE, "--seed", SEED, "--from", str(t_s),
                    "--to", str(t_s), "-o", path], check=True, timeout=60,
                   capture_output=True)
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = LINE_RE.match(line.rstrip("\n"))
            assert m, line
            # an empty value is no label in Prometheus's data model
            labels = {k: unescape(v) for k, v in LABEL_RE.findall(m.group(2) or "") if v}
            labels["__name__"] = m.group(1)
            out[series_key(labels)] = (round(float(m.group(4)) * 1000), float(m.group(3)))
    return out


def get_json(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


class Receiver:
    """A receiver process on a fixed 127.0.0.1 port and data directory: restartable."""

    def __init__(self, name, workdir, cmd_of_port):
        self.name, self.port = name, free_port()
        self.cmd = cmd_of_port(self.port)
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None
        self.start()

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if not wait_for(self.ready, 60, 0.1):
            raise RuntimeError("%s did not become ready:\n%s" % (self.name, self.logs()))

    def ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited:\n%s" % (self.name, self.logs()))
        try:
            with urllib.request.urlopen(self.url(self.ready_path), timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def logs(self):
        self.log.flush()
        return open(self.log_path).read()[-4000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc:
            self.log.close()
        self.proc = None


class PromReceiver(Receiver):
    ready_path = "/-/ready"
    write_path = "/api/v1/write"

    def __init__(self, workdir):
        cfg = os.path.join(workdir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {scrape_interval: 15s}\n")
        super().__init__("prometheus", workdir, lambda port: [
            "prometheus", "--config.file=" + cfg,
            "--storage.tsdb.path=" + os.path.join(workdir, "prom-data"),
            "--web.listen-address=127.0.0.1:%d" % port, "--web.enable-remote-write-receiver",
            "--log.level=warn"])

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = "%.3f" % at
        body = get_json(self.url("/api/v1/query?" + urllib.parse.urlencode(params)))
        assert body["status"] == "success", body
        return body["data"]["result"]

    def samples_at(self, t_s):
        """{series key: (timestamp ms, value)} of every switch_* sample stamped t_s."""
        out = {}
        for r in self.query('{__name__=~"switch_.+"}[999ms]', at=t_s):
            assert len(r["values"]) == 1, r
            t, v = r["values"][0]
            out[series_key(r["metric"])] = (round(float(t) * 1000), float(v))
        return out

    def latest_s(self):
        r = self.query("timestamp(%s)" % ONE)
        return int(float(r[0]["value"][1])) if r else None


class VMReceiver(Receiver):
    ready_path = "/health"
    write_path = "/api/v1/write"

    def __init__(self, workdir):
        super().__init__("victoria-metrics", workdir, lambda port: [
            "victoria-metrics", "-storageDataPath=" + os.path.join(workdir, "vm-data"),
            "-httpListenAddr=127.0.0.1:%d" % port, "-loggerLevel=WARN",
            "-search.latencyOffset=0s"])

    def samples_at(self, t_s):
        """{series key: (timestamp ms, value)} of every switch_* sample stamped t_s, from
        /api/v1/export (raw samples, not the query engine's interpolation)."""
        params = {"match[]": '{__name__=~"switch_.+"}', "start": str(t_s), "end": str(t_s)}
        out = {}
        with urllib.request.urlopen(self.url("/api/v1/export?" + urllib.parse.urlencode(params)),
                                    timeout=30) as r:
            for line in r:
                row = json.loads(line)
                for t, v in zip(row["timestamps"], row["values"]):
                    if t == t_s * 1000:
                        out[series_key(row["metric"])] = (t, float(v))
        return out


def self_metrics(sim):
    text = sim.get("/metrics")[2].decode()
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^(switchsim_remote_write_\w+) (\S+)(?: \S+)?$", text, re.M)}


def same_value(a, b, rel_tol):
    if a != a or b != b:  # NaN
        return a != a and b != b
    return a == b or abs(a - b) <= rel_tol * max(abs(a), abs(b))


def compare(got, want, rel_tol=0.0):
    """Same series, same timestamps, values equal (within rel_tol of the larger)."""
    assert len(want) > 500, len(want)  # the e2e profile: 888 device and port series
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (missing[:3], extra[:3])
    diff = [(k, got[k], want[k]) for k in want if got[k][0] != want[k][0] or
            not same_value(got[k][1], want[k][1], rel_tol)]
    assert not diff, (len(diff), diff[:3])


def run_checks(binary, workdir, results, started):
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

    prom = PromReceiver(workdir)
    started.append(prom)
    vm = None
    if shutil.which("victoria-metrics"):
        vm = VMReceiver(workdir)
        started.append(vm)
    common = ["--profile", PROFILE, "--seed", SEED, "--web.listen-address", "127.0.0.1:0"]
    sim = Switchsim(binary, common + ["--remote-write.url", prom.url(prom.write_path),
                                      "--remote-write.header", "X-Scope-OrgID: e2e"])
    started.append(sim)
    sim_vm = None
    vm_first_s = int(time.time()) + 1  # a tick sim_vm surely pushes
    if vm:
        sim_vm = Switchsim(binary, common + ["--remote-write.url", vm.url(vm.write_path)])
        started.append(sim_vm)
    # The small-queue process: default profile (more samples a tick than the bound), no receiver.
    dead = Switchsim(binary, ["--seed", SEED, "--web.listen-address", "127.0.0.1:0",
                              "--profile", os.path.join(ROOT, "profiles", "default.yaml"),
                              "--remote-write.url", "http://127.0.0.1:%d/api/v1/write" % free_port(),
                              "--remote-write.queue-samples", "10000"])
    started.append(dead)

    def prometheus_stores_what_backfill_renders():
        assert wait_for(prom.latest_s, 20, 0.2), sim.stderr()
        t = prom.latest_s()
        compare(prom.samples_at(t), backfill(binary, workdir, t))
        m = self_metrics(sim)
        assert m["switchsim_remote_write_samples_sent_total"] > 0, m
        assert m["switchsim_remote_write_samples_failed_total"] == 0, m
        assert m["switchsim_remote_write_samples_dropped_total"] == 0, m

    def victoriametrics_stores_what_backfill_renders():
        assert vm, "victoria-metrics is not installed (scripts/deps.sh test installs it)"
        t = max(int(time.time()) - 1, vm_first_s)

        def stored():
            got = vm.samples_at(t)
            return got if len(got) > 500 else None
        got = wait_for(stored, 20, 0.5)
        assert got, sim_vm.stderr()
        # VictoriaMetrics stores floats as decimals: counters past 2^53 (bytes since the
        # epoch) come back within an ulp or two, not bit for bit.
        compare(got, backfill(binary, workdir, t), rel_tol=1e-15)

    def an_outage_loses_nothing_and_is_logged():
        before = prom.latest_s()
        prom.stop()
        time.sleep(4)
        prom.start()
        now = int(time.time())
        assert wait_for(lambda: "Remote write recovered" in sim.stderr(), 20, 0.2), sim.stderr()
        assert "Remote write failing: retrying with backoff" in sim.stderr(), sim.stderr()
        # Every tick from before the outage to now is stored (1 s ticks).
        assert wait_for(lambda: (prom.latest_s() or 0) >= now, 10, 0.2)
        r = prom.query("count_over_time(%s[%ds])" % (ONE, now - before), at=now)
        # [before, now], both ends included: one sample a tick
        assert r and int(r[0]["value"][1]) == now - before + 1, (r, before, now)
        t = before + 2  # a tick pushed while the receiver was down
        compare(prom.samples_at(t), backfill(binary, workdir, t))
        m = self_metrics(sim)
        assert m["switchsim_remote_write_samples_retried_total"] > 0, m
        assert m["switchsim_remote_write_samples_dropped_total"] == 0, m

    def a_full_queue_drops_oldest_counted_and_logged():
        def dropped():
            m = self_metrics(dead)
            return m if m.get("switchsim_remote_write_samples_dropped_total", 0) > 0 else None
        m = wait_for(dropped, 15, 0.3)
        assert m, dead.stderr()
        assert m["switchsim_remote_write_samples_sent_total"] == 0, m
        assert 0 < m["switchsim_remote_write_samples_pending"] <= 10000, m
        assert "Remote write queue full: dropped the oldest samples" in dead.stderr()

    check("Prometheus (remote-write receiver) stores the series, values and timestamps "
          "backfill renders for the same tick", prometheus_stores_what_backfill_renders)
    check("VictoriaMetrics stores the series, values and timestamps backfill renders",
          victoriametrics_stores_what_backfill_renders)
    check("a receiver down for 4 s: every tick arrives afterwards, the outage is logged",
          an_outage_loses_nothing_and_is_logged)
    check("a queue at its bound drops the oldest samples, counted and logged",
          a_full_queue_drops_oldest_counted_and_logged)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-rw-")
    results, started = [], []
    try:
        run_checks(binary, workdir, results, started)
    except Exception:  # noqa: BLE001
        results.append(False)
        print("not ok - setting up switchsim and the receivers", flush=True)
        traceback.print_exc()
    finally:
        for s in reversed(started):
            if isinstance(s, Switchsim):
                rc = s.stop()
                if rc != 0:
                    results.append(False)
                    print("not ok - switchsim exited with %d:\n%s" % (rc, s.stderr()))
            else:
                s.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    passed = sum(results)
    print("e2e-remote-write: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
