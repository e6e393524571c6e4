#!/usr/bin/python3
"""shard_bench.py - total series served per second by one process vs two --shard processes
of the same fleet, measured in the same run: wrk (keep-alive, 2 connections a process)
scrapes /metrics of each process at once for --seconds, and the series per body times the
scrapes per second gives series/s. Prints both and the ratio (issue 15's target: 2 shards
>= 1.6x one). On a machine with fewer free cores than processes the ratio says more about
the machine than about switchsim: the load average is printed with it.

Usage: shard_bench.py --binary build/switchsim [--profile bench/profiles/w2.yaml] [--seconds 8]
Not part of make check.
"""
import argparse
import os
import re
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from switchsim_proc import Switchsim  # noqa: E402


def series_of(sim):
    body = sim.get("/metrics")[2]
    return sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))


def wrk_rate(url, seconds, out, i):
    r = subprocess.run(["wrk", "-t1", "-c2", "-d%ds" % seconds, "--timeout", "10s", url],
                       capture_output=True, text=True, timeout=seconds + 30)
    m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    out[i] = float(m.group(1)) if m else 0.0


def served_per_second(sims, seconds):
    rates = [0.0] * len(sims)
    threads = [threading.Thread(target=wrk_rate, args=(s.url(), seconds, rates, i))
               for i, s in enumerate(sims)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(rate * series_of(s) for rate, s in zip(rates, sims))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--profile", default=os.path.join(HERE, "profiles", "w2.yaml"))
    ap.add_argument("--seconds", type=int, default=8)
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    common = ["--profile", opts.profile, "--web.listen-address", "127.0.0.1:0", "--seed", "1"]
    sims = []
    try:
        sims.append(Switchsim(binary, common))
        one = served_per_second(sims[:1], opts.seconds)
        sims[0].stop()
        sims = [Switchsim(binary, common + ["--shard", "%d/2" % i]) for i in range(2)]
        two = served_per_second(sims, opts.seconds)
    finally:
        for s in sims:
            s.stop()
    print("shards: 1 process %.2f M series/s, 2 shards %.2f M series/s, ratio %.2f "
          "(load average %.1f)" % (one / 1e6, two / 1e6, two / one if one else 0,
                                   os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
