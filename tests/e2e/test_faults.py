#!/usr/bin/python3
"""End-to-end, incidents on demand: the fault API drives what Debian's Prometheus sees and
the shipped alert rules (prom-config/rules/alerts.yml) react.

- a link cut posted to the API fires SwitchPortDown for both ends of the link, and the
  alerts resolve once the fault is deleted;
- a reboot fires SwitchRebooted;
- a probe fault makes that device's `up` 0 while every other device's stays 1;
- the API refuses calls when it is disabled, and without credentials when the web config
  asks for them.

Prometheus scrapes every device through /sd and /probe (prom-config/prometheus-sd.yml),
every second, with the shipped alert rules evaluated every second. SwitchPortDown's `for:`
is cut from 1m to 5s in the copy this test loads (its minute is checked by promtool's rule
tests in prom-config/tests/), so the check takes seconds, not a minute.

Usage: test_faults.py --binary build/switchsim
Closes with "e2e-faults: N passed, N failed".
"""
import argparse
import base64
import json
import os
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
from test_binary import bcrypt  # noqa: E402
from test_prometheus import Prometheus, finish, setup_failed, shipped_rules  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")
CUT = "leaf1:Uplink1"  # wired to spine1 by the fabric; its far end is found through the API


def write_config(workdir, sim_port):
    with open(os.path.join(ROOT, "prom-config", "prometheus-sd.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    cfg["rule_files"] = [p for p in shipped_rules(workdir) if p.endswith("alerts.yml")]
    cfg.pop("alerting", None)
    (job,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "switchsim"]
    (sd,) = job["http_sd_configs"]
    sd.update(url="http://127.0.0.1:%d/sd" % sim_port, refresh_interval="1s")
    (own,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "switchsim-self"]
    own["static_configs"] = [{"targets": ["127.0.0.1:%d" % sim_port]}]
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def call(sim, method, path, body=None, auth=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(sim.url(path), data=data, method=method)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text.decode()


def firing(prom, name):
    return {(a["labels"].get("device"), a["labels"].get("port"))
            for a in prom.api("/api/v1/alerts")["alerts"]
            if a["labels"]["alertname"] == name and a["state"] == "firing"}


def run_checks(binary, prom, sim, workdir, results):
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

    status, targets = call(sim, "GET", "/api/v1/targets")
    assert status == 200, targets
    (link,) = [pair for pair in targets["data"]["links"] if CUT in pair]
    far = [end for end in link if end != CUT][0]
    ends = {tuple(CUT.split(":")), tuple(far.split(":"))}
    devices = [d["name"] for d in targets["data"]["devices"]]
    assert wait_for(lambda: len(prom.query('up{job="switchsim"} == 1')) == len(devices), 60, 0.5)

    def link_cut_fires_and_resolves():
        status, made = call(sim, "POST", "/api/v1/faults", {"kind": "link_cut", "target": CUT})
        assert status == 201, made
        fault_id = made["data"]["id"]
        # both ends go down
        def both_down():
            return all(prom.query('switch_port_link_up{job="switchsim",device="%s",port="%s"}'
                                  ' == 0' % end) for end in ends)
        assert wait_for(both_down, 20, 0.5)
        # SwitchPortDown waits its for: (5 s here), then fires for both ends
        assert wait_for(lambda: ends <= firing(prom, "SwitchPortDown"), 60, 0.5), \
            firing(prom, "SwitchPortDown")
        status, _ = call(sim, "DELETE", "/api/v1/faults/%d" % fault_id)
        assert status == 200
        assert wait_for(lambda: not (ends & firing(prom, "SwitchPortDown")), 30, 0.5), \
            firing(prom, "SwitchPortDown")
        # the annotation family saw the fault
        seen = prom.query('max_over_time(switchsim_fault_active{job="switchsim-self",'
                          'kind="link_cut"}[5m])')
        assert seen and seen[0]["metric"]["target"] == CUT, seen

    def reboot_fires():
        status, made = call(sim, "POST", "/api/v1/faults", {"kind": "reboot", "target": "leaf2"})
        assert status == 201, made
        assert wait_for(lambda: ("leaf2", None) in firing(prom, "SwitchRebooted"), 30, 0.5), \
            firing(prom, "SwitchRebooted")
        assert firing(prom, "SwitchRebooted") == {("leaf2", None)}
        up = prom.query('switch_device_uptime_seconds{device="leaf2"}')
        assert float(up[0]["value"][1]) < 60, up

    def probe_fault_downs_one_target():
        status, made = call(sim, "POST", "/api/v1/faults",
                            {"kind": "probe_hang", "target": "spine1", "duration": "20s"})
        assert status == 201, made
        assert wait_for(lambda: prom.query('up{job="switchsim",instance="spine1"} == 0'),
                        20, 0.5)
        time.sleep(3)  # a few more scrapes of everyone
        ups = {s["metric"]["instance"]: s["value"][1]
               for s in prom.query('min_over_time(up{job="switchsim"}[3s])')}
        assert ups.pop("spine1") == "0", ups
        assert set(ups.values()) == {"1"} and len(ups) == len(devices) - 1, ups
        status, _ = call(sim, "DELETE", "/api/v1/faults/%d" % made["data"]["id"])
        assert status == 200
        assert wait_for(lambda: prom.query('up{job="switchsim",instance="spine1"} == 1'),
                        20, 0.5)

    def disabled_or_unauthenticated_is_refused():
        body = {"kind": "reboot", "target": "leaf1"}
        with Switchsim(binary, ["--profile", PROFILE, "--web.listen-address",
                                "127.0.0.1:0"]) as off:
            status, answer = call(off, "POST", "/api/v1/faults", body)
            assert status == 403 and "disabled" in answer["error"], (status, answer)
            assert off.stop() == 0
        web = os.path.join(workdir, "web.yml")
        with open(web, "w") as f:
            f.write("basic_auth_users:\n  ops: %s\n" % bcrypt("s3cret"))
        with Switchsim(binary, ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0",
                                "--web.enable-admin-api", "--web.config.file", web],
                       wait_ready=False) as locked:
            assert wait_for(lambda: call(locked, "GET", "/api/v1/faults",
                                         auth="ops:s3cret")[0] == 200, 30, 0.2)
            status, _ = call(locked, "POST", "/api/v1/faults", body)
            assert status == 401, status
            status, _ = call(locked, "POST", "/api/v1/faults", body, auth="ops:wrong")
            assert status == 401, status
            status, listed = call(locked, "GET", "/api/v1/faults", auth="ops:s3cret")
            assert status == 200 and listed["data"]["faults"] == [], listed
            status, made = call(locked, "POST", "/api/v1/faults", body, auth="ops:s3cret")
            assert status == 201, made
            assert locked.stop() == 0

    check("a link cut fires SwitchPortDown for both ends and resolves when deleted",
          link_cut_fires_and_resolves)
    check("a reboot fires SwitchRebooted for that device only", reboot_fires)
    check("a probe fault makes that device's up 0 while the others stay 1",
          probe_fault_downs_one_target)
    check("the API is refused when disabled, and without credentials",
          disabled_or_unauthenticated_is_refused)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = os.path.abspath(ap.parse_args().binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-faults-")
    results = []
    sim = prom = None
    try:
        sim = Switchsim(binary, ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0",
                                 "--web.enable-admin-api"])
        prom = Prometheus(write_config(workdir, sim.port), workdir)
        run_checks(binary, prom, sim, workdir, results)
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        code = finish("e2e-faults", results, workdir, sim, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
