#!/usr/bin/python3
"""make soak: the real binary under a bounded mixed load for SOAK_SECONDS (default 600).

Load: 4 scraper threads looping over /metrics (text, OpenMetrics, gzip), /probe?target=<a device
from /sd> and /sd; a SIGHUP reload every 10 s; a fault-API thread that posts a fault (link cut,
congestion, error burst, flap, admin down or reboot on a random target, for 10 s) every 3 s
and deletes every other one; 4 slowloris connections (headers sent one byte a second) and 2
slow readers (a /metrics request, then 1 KiB read a second), each replaced when the server
closes it. RSS and open fds of the process are sampled from /proc every 2 s.

The server runs with --web.max-inflight-body-bytes 1GiB: four scrapers and two slow readers
hold up to six distinct W2 bodies (about 155 MB each with timestamps) at once, beyond the
default 256 MiB, where the server disconnects the oldest readers by design (docs/LIMITS.md;
tests/integration checks that shedding). The soak measures the server under that load, not
the shedding.

Pass: no failed request (non-200 or error) on the normal scrapes or the fault API, each /probe and /sd < 1 s
and each full /metrics of the W2 fleet (about 67 MB) < 10 s,
the process alive, and after warm-up (the first third of the run) RSS grows by < 10 % and the
fd count by < 8 between the first and the last sample of the rest.
Usage: soak.py BINARY PROFILE (127.0.0.1 only; every connection count fixed)."""
import gzip
import collections
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from switchsim_proc import Switchsim  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
SCRAPERS, SLOWLORIS, SLOW_READERS = 4, 4, 2
SLOW_SCRAPE_S = {"/probe": 1.0, "/sd": 1.0, "/metrics": 10.0}  # W2 /metrics is ~67 MB


def proc_sample(pid):
    with open("/proc/%d/status" % pid) as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss_kb, len(os.listdir("/proc/%d/fd" % pid))


def main():
    binary, profile = sys.argv[1], sys.argv[2]
    stop = threading.Event()
    lock = threading.Lock()
    stats = {"requests": 0, "errors": [], "slow": [], "max_s": 0.0, "reloads": 0, "slowconns": 0,
             "faults": 0, "max_api_s": 0.0}
    args = ["--profile", profile, "--web.listen-address", "127.0.0.1:0", "--web.enable-admin-api",
            "--web.max-inflight-body-bytes", "1GiB"]
    with Switchsim(binary, args) as s:
        status, _, body = s.get("/sd")
        targets = [g["labels"]["__param_target"] for g in json.loads(body)]
        paths = [("/metrics", {}), ("/metrics", {"Accept": "application/openmetrics-text;"
                                                 "version=1.0.0"}),
                 ("/metrics", {"Accept-Encoding": "gzip"}), ("/sd", {})]

        def scraper(i):
            n = i
            while not stop.is_set():
                n += 1
                if n % 5 == 4:
                    path, hdr = "/probe?target=" + targets[n % len(targets)], {}
                else:
                    path, hdr = paths[n % len(paths)]
                t0 = time.monotonic()
                try:
                    code, h, b = s.get(path, headers=hdr)
                    if h.get("Content-Encoding") == "gzip":
                        gzip.decompress(b)
                    err = None if code == 200 else "%s: HTTP %d" % (path, code)
                except Exception as e:  # noqa: BLE001 - every failure is a finding
                    err = "%s: %r" % (path, e)
                dt = time.monotonic() - t0
                with lock:
                    stats["requests"] += 1
                    stats["max_s"] = max(stats["max_s"], dt)
                    if err:
                        stats["errors"].append(err)
                    if dt >= SLOW_SCRAPE_S[path.split("?")[0]]:
                        stats["slow"].append("%s %.2fs" % (path, dt))

        status, _, body = s.get("/api/v1/targets")
        assert status == 200, status
        data = json.loads(body)["data"]
        hosts = ["%s:%s" % (d["name"], p) for d in data["devices"] for p in d["ports"]]
        linked = [end for pair in data["links"] for end in pair]
        in_link = set(linked)
        hosts = [h for h in hosts if h not in in_link]
        devices = [d["name"] for d in data["devices"]]

        def api(method, path, body=None):
            req = urllib.request.Request(s.url(path), method=method,
                                         data=json.dumps(body).encode() if body else None)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode(errors="replace")

        def faulter():
            rng = random.Random(7)
            n = 0
            while not stop.is_set():
                kind = rng.choice(["link_cut", "congestion", "error_burst", "flap", "admin_down",
                                   "reboot"])
                target = (rng.choice(devices) if kind == "reboot" else
                          rng.choice(hosts) if kind == "congestion" else
                          rng.choice(linked or hosts))
                t0 = time.monotonic()
                code, answer = api("POST", "/api/v1/faults",
                                   {"kind": kind, "target": target, "duration": "10s"})
                err = None if code == 201 else "POST %s: HTTP %d %s" % (kind, code, answer)
                if not err and n % 2:
                    code, answer = api("DELETE", "/api/v1/faults/%d" % answer["data"]["id"])
                    # 404: it ended by itself already (10 s) - not a failure
                    err = None if code in (200, 404) else "DELETE: HTTP %d %s" % (code, answer)
                with lock:
                    stats["faults"] += 1
                    stats["max_api_s"] = max(stats["max_api_s"], time.monotonic() - t0)
                    if err:
                        stats["errors"].append(err)
                n += 1
                stop.wait(3)

        def slow_conn(reader):
            while not stop.is_set():
                try:
                    c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
                    with lock:
                        stats["slowconns"] += 1
                    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                    if reader:
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                        c.sendall(req)
                        while not stop.is_set() and c.recv(1024):
                            time.sleep(1)
                    else:
                        for ch in req[:-2]:
                            if stop.is_set():
                                break
                            c.sendall(bytes([ch]))
                            time.sleep(1)
                    c.close()
                except OSError:
                    time.sleep(1)  # closed by the server: open another

        threads = [threading.Thread(target=scraper, args=(i,)) for i in range(SCRAPERS)]
        threads.append(threading.Thread(target=faulter))
        threads += [threading.Thread(target=slow_conn, args=(False,)) for _ in range(SLOWLORIS)]
        threads += [threading.Thread(target=slow_conn, args=(True,)) for _ in range(SLOW_READERS)]
        for t in threads:
            t.daemon = True
            t.start()
        samples = []
        t_end = time.monotonic() + SECONDS
        next_hup = time.monotonic() + 10
        while time.monotonic() < t_end and s.proc.poll() is None:
            samples.append((time.monotonic(),) + proc_sample(s.proc.pid))
            if time.monotonic() >= next_hup:
                s.proc.send_signal(signal.SIGHUP)
                stats["reloads"] += 1
                next_hup += 10
            time.sleep(2)
        alive = s.proc.poll() is None
        stop.set()
        for t in threads:
            t.join(10)
        rc = s.stop() if alive else s.proc.returncode
    warm = samples[len(samples) // 3:]
    rss0, rss1 = warm[0][1], warm[-1][1]
    fd0, fd1 = warm[0][2], warm[-1][2]
    rss_ok = rss1 < rss0 * 1.10
    fd_ok = fd1 < fd0 + 8
    print("soak: %d s, %d requests, %d errors, %d over their bound, max %.3f s, %d reloads, "
          "%d slow connections opened" % (SECONDS, stats["requests"], len(stats["errors"]),
                                          len(stats["slow"]), stats["max_s"],
                                          stats["reloads"], stats["slowconns"]))
    print("soak: %d fault API calls (max %.3f s)" % (stats["faults"], stats["max_api_s"]))
    print("soak: RSS after warm-up %d -> %d KiB (max %d), fds %d -> %d (max %d), exit %s" % (
        rss0, rss1, max(x[1] for x in samples), fd0, fd1, max(x[2] for x in samples), rc))
    kinds = collections.Counter(e.split(":")[0] + ": " + e.split(": ", 1)[1][:40]
                                for e in stats["errors"])
    for k, n in kinds.most_common(10):
        print("soak:   error x%d  %s" % (n, k))
    slow = collections.Counter(x.split()[0].split("?")[0] for x in stats["slow"])
    for k, n in slow.most_common():
        worst = max(float(x.split()[-1][:-1]) for x in stats["slow"] if x.startswith(k))
        print("soak:   over its bound x%d  %s (worst %.2f s)" % (n, k, worst))
    ok = alive and not stats["errors"] and not stats["slow"] and rss_ok and fd_ok
    print("soak: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
