#!/usr/bin/python3
"""End-to-end, --shard: two shards of the e2e profile, each discovered through its own /sd,
scraped by Debian's Prometheus, store exactly the series set the unsharded process gives
(scraped the same way, in another job); each device is served by exactly one shard.

Usage: test_shards.py --binary build/switchsim
Closes with "e2e-shards: N passed, N failed". Every process is stopped and the scratch
directory removed on every path out, failures included.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import traceback

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402
from test_prometheus import Prometheus, finish, setup_failed  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")


def write_config(workdir, whole_port, shard_ports):
    def job(name, ports):
        return {"job_name": name, "honor_timestamps": True,
                "http_sd_configs": [{"url": "http://127.0.0.1:%d/sd" % p,
                                     "refresh_interval": "1s"} for p in ports]}
    cfg = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
           "scrape_configs": [job("whole", [whole_port]), job("shards", shard_ports)]}
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def run_checks(prom, whole, shards, results):
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

    def sd_devices(sim):
        return sorted(t["labels"]["instance"] for t in json.loads(sim.get("/sd")[2]))

    want = sd_devices(whole)

    def shards_partition_the_fleet():
        parts = [sd_devices(s) for s in shards]
        assert all(parts), parts  # the e2e profile is large enough for both to hold some
        assert sorted(parts[0] + parts[1]) == want, (parts, want)
        other = parts[1][0]
        status, _, body = shards[0].get("/probe?target=" + other)
        assert status == 404 and b"is not in shard 0 of 2" in body, (status, body)
        assert b"Shard 0 of 2" in shards[0].get("/")[2]

    def targets(job):
        return [t for t in prom.api("/api/v1/targets")["activeTargets"]
                if t["labels"]["job"] == job]

    def series(job):
        got = prom.api("/api/v1/series", **{"match[]": '{job="%s"}' % job})
        return sorted(json.dumps({k: v for k, v in s.items() if k != "job"}, sort_keys=True)
                      for s in got)

    def same_series_set():
        def all_up():
            return all(len(targets(j)) == len(want) and
                       all(t["health"] == "up" for t in targets(j)) for j in ("whole", "shards"))
        assert wait_for(all_up, 60, 0.5), (targets("whole"), targets("shards"))
        assert wait_for(lambda: prom.query('min(count_over_time(up[1m])) >= 3'), 30, 0.5)
        a, b = series("whole"), series("shards")
        assert len(a) > 500, len(a)  # the e2e profile: 556
        missing, extra = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        assert not missing and not extra, (missing[:5], extra[:5])

    check("the two shards' /sd partition the fleet; /probe of the other's device is 404",
          shards_partition_the_fleet)
    check("Prometheus stores the same series from the shards as from the whole fleet",
          same_series_set)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-shards-")
    results = []
    whole = prom = None
    shards = []
    try:
        # values are a function of (profile, seed, tick): no common start time needed
        common = ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0", "--seed", "3"]
        whole = Switchsim(binary, common)
        shards = [Switchsim(binary, common + ["--shard", "%d/2" % i]) for i in range(2)]
        prom = Prometheus(write_config(workdir, whole.port, [s.port for s in shards]), workdir)
        run_checks(prom, whole, shards, results)
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        for s in shards:
            rc = s.stop()
            if rc != 0:
                results.append(False)
                print("not ok - a shard exited with %d:\n%s" % (rc, s.stderr()))
        code = finish("e2e-shards", results, workdir, whole, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
