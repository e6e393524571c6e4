#!/usr/bin/python3
"""End-to-end, the fleet protocol: Debian's Prometheus discovers every simulated device
through switchsim's /sd (prom-config/prometheus-sd.yml), scrapes each on
/probe?target=DEVICE in OpenMetrics, and keeps scraping while the profiles are reloaded,
once with a good edit and once with a broken file.

Usage: test_fleet.py --binary build/switchsim
Closes with "e2e-fleet: N passed, N failed". Both processes are stopped and the scratch
directory removed on every path out, failures included.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402
from test_prometheus import Prometheus, finish, setup_failed  # noqa: E402

BASE_PROFILE = os.path.join(HERE, "e2e.yaml")
# The edit a reload brings: one more device, and a surviving port with a new description.
# A device outside the fabric: values are a function of (profiles, seed, tick), so adding
# it leaves every other device's history, and so every counter, exactly as it was (a device
# joining the fabric would change where traffic goes, and so the fabric's history).
ADDED_DEVICE = """  - name: leaf9
    port_groups:
      - {name: "Ethernet{n}", count: 6, speed: 25G, type: SFP28}
"""


def write_config(workdir, sim_port):
    """The shipped prometheus-sd.yml, pointed at the loopback /sd, refreshed every second."""
    with open(os.path.join(ROOT, "prom-config", "prometheus-sd.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    cfg["rule_files"] = []
    (job,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "switchsim"]
    (sd,) = job["http_sd_configs"]
    sd.update(url="http://127.0.0.1:%d/sd" % sim_port, refresh_interval="1s")
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def devices_of(profile_path, binary):
    """Device names, as switchsim's own /sd of that profile lists them."""
    with Switchsim(binary, ["--profile", profile_path, "--web.listen-address", "127.0.0.1:0"]) \
            as s:
        names = sorted(t["labels"]["__param_target"] for t in json.loads(s.get("/sd")[2]))
        assert s.stop() == 0
    return names


def post(sim, path):
    req = urllib.request.Request(sim.url(path), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def run_checks(binary, prom, sim, profile, results):
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

    want = devices_of(profile, binary)

    def targets():
        return [t for t in prom.api("/api/v1/targets")["activeTargets"]
                if t["labels"]["job"] == "switchsim"]

    def one_healthy_target_per_device():
        def all_up():
            ts = targets()
            return len(ts) == len(want) and all(t["health"] == "up" for t in ts)
        assert wait_for(all_up, 60, 0.5), targets()
        ts = targets()
        assert sorted(t["labels"]["instance"] for t in ts) == want, ts
        assert all(t["scrapeUrl"].endswith("/probe?target=" + t["labels"]["instance"])
                   for t in ts), [t["scrapeUrl"] for t in ts]
        assert all(t["lastError"] == "" for t in ts), [t["lastError"] for t in ts]
        ups = prom.query('up{job="switchsim"} == 1')
        assert sorted(s["metric"]["instance"] for s in ups) == want, ups

    def openmetrics_scraped_without_drops():
        assert wait_for(lambda: prom.query('count_over_time(up{job="switchsim"}[1m]) >= 5'),
                        30, 0.5)
        for name in ("prometheus_target_scrapes_sample_out_of_bounds_total",
                     "prometheus_target_scrapes_sample_out_of_order_total",
                     "prometheus_target_scrapes_sample_duplicate_timestamp_total",
                     "prometheus_target_scrapes_exceeded_sample_limit_total"):
            assert prom.own_metric_sum(name) == 0, "%s is not zero" % name
        # Each device's stored series are its own: device and port labels name it.
        for dev in want:
            wrong = prom.query('count({job="switchsim",instance="%s",device!="",device!="%s"})'
                               % (dev, dev))
            assert not wrong, (dev, wrong)
        # Every sample of a device's body was stored: Prometheus counted as many as
        # switchsim wrote (comment and blank lines aside).
        body = sim.get("/probe?target=%s" % want[0])[2].decode()
        lines = [x for x in body.split("\n") if x and not x.startswith("#")]
        scraped = prom.scalar('scrape_samples_scraped{job="switchsim",instance="%s"}' % want[0])
        assert scraped == len(lines), (scraped, len(lines))
        # The StateSet arrived as a StateSet: its label is the family's own name.
        states = prom.query('switch_port_oper_state{job="switchsim",device="leaf3",'
                            'port="Ethernet4"} == 1')
        assert [s["metric"]["switch_port_oper_state"] for s in states] == ["down"], states

    def content_type_seen():
        status, headers, body = sim.get(
            "/probe?target=%s" % want[0],
            headers={"Accept": "application/openmetrics-text;version=1.0.0,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"})
        assert status == 200 and headers["Content-Type"].startswith(
            "application/openmetrics-text; version=1.0.0"), headers
        assert body.endswith(b"# EOF\n")

    def reload_keeps_counters():
        rx = 'switch_port_rx_packets_total{job="switchsim"}'
        assert wait_for(lambda: prom.query(rx), 30, 0.5)
        before = {(s["metric"]["device"], s["metric"]["port"]): float(s["value"][1])
                  for s in prom.query(rx)}
        with open(profile) as f:
            text = f.read()
        with open(profile, "w") as f:  # the device list ends where the links begin
            f.write(text.replace("\nlinks:\n", "\n" + ADDED_DEVICE + "links:\n", 1))
        status, text = post(sim, "/-/reload")
        assert status == 200, (status, text)
        assert wait_for(lambda: len(targets()) == len(want) + 1 and
                        all(t["health"] == "up" for t in targets()), 30, 0.5), targets()
        time.sleep(3)  # a few scrapes after the reload
        after = {(s["metric"]["device"], s["metric"]["port"]): float(s["value"][1])
                 for s in prom.query(rx)}
        assert ("leaf9", "Ethernet1") in after, sorted(after)
        dropped = {k: (v, after[k]) for k, v in before.items() if after.get(k, -1) < v}
        assert not dropped, "counters dropped across the reload: %r" % dropped
        resets = prom.query('resets(%s[1m]) > 0' % rx)
        assert not resets, resets
        body = sim.get("/metrics")[2].decode()
        assert "\nswitchsim_config_last_reload_successful 1 " in body

    def bad_reload_keeps_serving():
        with open(profile, "a") as f:
            f.write("  - name: [broken\n")
        status, text = post(sim, "/-/reload")
        assert status == 500 and "YAML syntax error" in text, (status, text)
        time.sleep(2)
        assert all(t["health"] == "up" for t in targets()), targets()
        assert len(targets()) == len(want) + 1
        body = sim.get("/metrics")[2].decode()
        assert "\nswitchsim_config_last_reload_successful 0 " in body

    check("one healthy target per device, discovered through /sd", one_healthy_target_per_device)
    check("OpenMetrics scraped from /probe with no sample dropped",
          openmetrics_scraped_without_drops)
    check("switchsim answers Prometheus's Accept with OpenMetrics", content_type_seen)
    check("a reload while scraping adds the new device and no counter drops",
          reload_keeps_counters)
    check("a broken profile is refused and the old one keeps serving", bad_reload_keeps_serving)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-fleet-")
    profile = os.path.join(workdir, "fleet.yaml")
    shutil.copy(BASE_PROFILE, profile)
    results = []
    sim = prom = None
    try:
        sim = Switchsim(binary, ["--profile", profile, "--web.listen-address", "127.0.0.1:0",
                                 "--web.enable-lifecycle"])
        prom = Prometheus(write_config(workdir, sim.port), workdir)
        run_checks(binary, prom, sim, profile, results)
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        code = finish("e2e-fleet", results, workdir, sim, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
