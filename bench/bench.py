#!/usr/bin/python3
"""make bench: switchsim against two references, measured in the same run on this machine.

References: (1) a Python prometheus_client custom collector generating values at collect
time (bench/python_ref.py); (2) the ceiling, the best libmicrohttpd does returning a
pre-rendered copy of switchsim's own response (bench/ceiling.c: keep-alive, epoll).
Each server's connection mode is measured (two pipelined requests on one connection:
both answered = keep-alive) and its threads are what it reports at start.

Workloads (docs/PERFORMANCE.md explains each):
  W1  1 device x 64 ports: wrk, keep-alive, 8 connections; switchsim and the ceiling in
      alternating 4 s rounds (3 each, median: other load on the machine hits both alike);
      also each server's CPU time per scrape, which that load does not change
  W2  1,000 devices x 64 ports: median of 5 scrapes (each in a fresh tick), bytes, peak RSS
  W3  W2 with Accept-Encoding: gzip: first scrape of a tick, and repeats within the tick
  W4  10,000 devices x 64 ports: median of 5 scrapes, peak RSS
  render: ns per series without HTTP (bench/render_bench.c)
All traffic goes to 127.0.0.1; every load is bounded in count and time.

Usage: bench.py --build build [--write-docs docs/PERFORMANCE.md]
"""
import argparse
import datetime
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402

CORE = "switch_port_buffer_level_bytes,switch_port_rx_packets_total,switch_port_link_up"
PROFILES = {w: os.path.join(HERE, "profiles", w + ".yaml") for w in ("w1", "w2", "w4")}
SCRAPES = 5
WRK_SECONDS = 4
W1_ROUNDS = 3
PY_THREADS = "a thread per connection"  # prometheus_client's ThreadingWSGIServer
MARK_BEGIN = "<!-- bench:begin -->"
MARK_END = "<!-- bench:end -->"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def curl(url, gzip=False):
    """(seconds, bytes) of one GET, timed by curl (raw bytes: no decompression)."""
    cmd = ["curl", "-s", "-o", os.devnull, "-w", "%{time_total} %{size_download} %{http_code}",
           "--max-time", "120", url]
    if gzip:
        cmd[1:1] = ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    assert out[2] == "200", "HTTP %s from %s" % (out[2], url)
    return float(out[0]), int(out[1])


def fetch(url, path, gzip=False):
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
        data = r.read()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, pid):
    """(scrapes/s, p50 ms, p99 ms, server CPU us per scrape). CPU per scrape does not
    depend on how busy the machine is, scrapes/s does."""
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", "-c8", "-d%ds" % WRK_SECONDS, "--timeout", "10s",
                          "--latency", url], capture_output=True, text=True, check=True,
                         timeout=WRK_SECONDS + 60).stdout
    cpu = cpu_seconds(pid) - cpu0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, out, re.M)
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
        return float(m.group(1)) * scale
    return rps, pct(50), pct(99), 1e6 * cpu / max(total, 1)


def median_run(runs):
    """The wrk run with the median scrapes/s (its latencies go with it)."""
    return sorted(runs)[len(runs) // 2]


def connection_mode(url):
    """'keep-alive' if two pipelined GETs on one connection are both answered, else
    'connection closed per request'."""
    host, rest = url[len("http://"):].split("/", 1)
    addr, port = host.rsplit(":", 1)
    req = ("GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n" % (rest, host)).encode()
    data = b""
    with socket.create_connection((addr, int(port)), timeout=5) as sock:
        sock.sendall(req + req)
        sock.settimeout(2)
        try:
            while data.count(b"HTTP/1.") < 2:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    return "keep-alive" if data.count(b"HTTP/1.") >= 2 else "connection closed per request"


def threads_stated(text, pattern):
    m = re.search(pattern, text)
    return "%s thread%s" % (m.group(1), "" if m.group(1) == "1" else "s") if m else "? threads"


def sleep_to_next_tick(offset_s=0.05):
    """Sleeps until just after the next whole second (switchsim's 1 s tick boundary)."""
    now = time.time()
    time.sleep(1.0 - (now % 1.0) + offset_s)


class Proc:
    """A reference server process (ceiling or Python), stopped on exit."""

    def __init__(self, cmd, url):
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.errfile,
                                     start_new_session=True)
        self.url = url

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (cmd[0], self.stderr()))
            try:
                with urllib.request.urlopen(url, timeout=120) as r:
                    return r.status == 200
            except OSError:
                return False
        if not wait_for(up, 120, 0.2):
            self.stop()
            raise RuntimeError("%s did not start" % cmd)

    def stderr(self):
        self.errfile.seek(0)
        return self.errfile.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def switchsim(build, workload, families=CORE):
    return Switchsim(os.path.join(build, "switchsim"),
                     ["--profile", PROFILES[workload], "--metrics.port-families", families,
                      "--web.listen-address", "127.0.0.1:0"],
                     start_timeout=300)


def ceiling(build, body, gz=None):
    port = free_port()
    cmd = [os.path.join(build, "bench_ceiling"), str(port), body] + ([gz] if gz else [])
    return Proc(cmd, "http://127.0.0.1:%d/metrics" % port)


def python_ref(devices, families="core"):
    port = free_port()
    cmd = ["/usr/bin/python3", os.path.join(HERE, "python_ref.py"), "--port", str(port),
           "--devices", str(devices), "--families", families]
    return Proc(cmd, "http://127.0.0.1:%d/metrics" % port)


def median_scrape(url, fresh_tick, gzip=False, n=SCRAPES):
    times, size = [], 0
    for _ in range(n):
        if fresh_tick:
            sleep_to_next_tick()
        t, size = curl(url, gzip)
        times.append(t)
    return statistics.median(times), size


def run(build, tmp):
    r = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}

    # Render cost without HTTP, and the codec comparison behind compress.c.
    for label, fams in (("core", CORE), ("all", "all")):
        out = subprocess.run([os.path.join(build, "bench_render"), PROFILES["w2"], fams, "3"],
                             capture_output=True, text=True, check=True).stdout
        kv = dict(x.split("=") for x in out.split())
        r["render_" + label] = {k: float(v) for k, v in kv.items()}
    print("render: %s" % r["render_core"], flush=True)

    # W1: sustained scrapes of one small device; switchsim and the ceiling alternate.
    with switchsim(build, "w1") as s:
        body = os.path.join(tmp, "w1.prom")
        fetch(s.url(), body)
        with ceiling(build, body) as c:
            runs_s, runs_c = [], []
            for _ in range(W1_ROUNDS):
                runs_s.append(wrk(s.url(), s.proc.pid))
                runs_c.append(wrk(c.url, c.proc.pid))
            r["w1_switchsim"], r["w1_ceiling"] = median_run(runs_s), median_run(runs_c)
            r["mode_switchsim"] = "%s, %s" % (connection_mode(s.url()), threads_stated(
                s.stderr(), r'msg="HTTP server".* threads=(\d+)'))
            r["mode_ceiling"] = "%s, %s" % (connection_mode(c.url), threads_stated(
                c.stderr(), r"mode: .* (\d+) threads?"))
    with python_ref(1) as p:
        r["w1_python"] = wrk(p.url, p.proc.pid)
        r["mode_python"] = "%s, %s" % (connection_mode(p.url), PY_THREADS)
    print("W1: %s" % {k: v for k, v in r.items() if k.startswith("w1")}, flush=True)

    # W2 and W3: a thousand devices, identity then gzip.
    with switchsim(build, "w2") as s:
        body, gz = os.path.join(tmp, "w2.prom"), os.path.join(tmp, "w2.prom.gz")
        r["w2_switchsim"] = median_scrape(s.url(), fresh_tick=True)
        fetch(s.url(), body)
        fetch(s.url(), gz, gzip=True)
        r["w3_first"] = median_scrape(s.url(), fresh_tick=True, gzip=True)
        repeats = []
        for _ in range(SCRAPES):
            sleep_to_next_tick()
            curl(s.url(), gzip=True)  # the tick's first scrape renders and compresses
            repeats += [curl(s.url(), gzip=True)[0] for _ in range(3)]
        r["w3_repeat"] = (statistics.median(repeats), os.path.getsize(gz))
        r["w2_rss"] = peak_rss_mib(s.proc.pid)
        with ceiling(build, body, gz) as c:
            r["w2_ceiling"] = median_scrape(c.url, fresh_tick=False)
            r["w3_ceiling"] = median_scrape(c.url, fresh_tick=False, gzip=True)
            r["w2_ceiling_rss"] = peak_rss_mib(c.proc.pid)
        out = subprocess.run([os.path.join(build, "bench_codec"), body], capture_output=True,
                             text=True, check=True).stdout
        r["codec"] = [dict(x.split("=") for x in line.split()) for line in out.splitlines()]
    with python_ref(1000) as p:
        r["w2_python"] = median_scrape(p.url, fresh_tick=False)
        r["w2_python_rss"] = peak_rss_mib(p.proc.pid)
    print("W2/W3: %s" % {k: v for k, v in r.items() if k[:2] in ("w2", "w3")}, flush=True)

    # W2 with every per-port family (12 instead of 3), against its own ceiling.
    with switchsim(build, "w2", "all") as s:
        body = os.path.join(tmp, "w2all.prom")
        r["w2all_switchsim"] = median_scrape(s.url(), fresh_tick=True)
        r["w2all_rss"] = peak_rss_mib(s.proc.pid)
        fetch(s.url(), body)
        with ceiling(build, body) as c:
            r["w2all_ceiling"] = median_scrape(c.url, fresh_tick=False)

    # W4: ten thousand devices.
    with switchsim(build, "w4") as s:
        r["w4_switchsim"] = median_scrape(s.url(), fresh_tick=True)
        r["w4_rss"] = peak_rss_mib(s.proc.pid)
    print("W4: %s %s" % (r["w4_switchsim"], r["w4_rss"]), flush=True)
    return r


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / 1024 / 1024
    return "%s, %d cores, %.0f GiB, %s %s" % (cpu, os.cpu_count(), mem_gib, platform.system(),
                                              platform.release())


def verdict(ok, detail):
    return ("met" if ok else "**missed**") + (" (" + detail + ")" if detail else "")


def report(r):
    ms = lambda s: "%.1f ms" % (s * 1e3)  # noqa: E731
    mib = lambda b: "%.1f MiB" % (b / 1048576)  # noqa: E731
    w1s, w1c, w1p = r["w1_switchsim"], r["w1_ceiling"], r["w1_python"]
    w2s, w2c, w2p = r["w2_switchsim"], r["w2_ceiling"], r["w2_python"]
    w3f, w3r, w3c = r["w3_first"], r["w3_repeat"], r["w3_ceiling"]
    w4 = r["w4_switchsim"]
    rc, ra = r["render_core"], r["render_all"]
    rows = [
        "| workload | switchsim | ceiling | Python reference | switchsim vs ceiling | switchsim vs Python |",
        "|---|---|---|---|---|---|",
        "| HTTP mode | %s | %s | %s | | |" % (
            r["mode_switchsim"], r["mode_ceiling"], r["mode_python"]),
        "| W1 scrapes/s (1 x 64 ports) | %.0f | %.0f | %.0f | %.0f%% | %.0fx |" % (
            w1s[0], w1c[0], w1p[0], 100 * w1s[0] / w1c[0], w1s[0] / w1p[0]),
        "| W1 p50 / p99 latency | %.2f / %.2f ms | %.2f / %.2f ms | %.2f / %.2f ms | | |" % (
            w1s[1], w1s[2], w1c[1], w1c[2], w1p[1], w1p[2]),
        "| W1 server CPU per scrape | %.1f us | %.1f us | %.1f us | %.2fx | %.0fx less |" % (
            w1s[3], w1c[3], w1p[3], w1s[3] / w1c[3], w1p[3] / w1s[3]),
        "| W2 median scrape (1,000 x 64) | %s | %s | %s | %.2fx | %.0fx faster |" % (
            ms(w2s[0]), ms(w2c[0]), ms(w2p[0]), w2s[0] / w2c[0], w2p[0] / w2s[0]),
        "| W2 response | %s | same bytes | %s | | |" % (mib(w2s[1]), mib(w2p[1])),
        "| W2 peak RSS | %.1f MiB | %.1f MiB | %.1f MiB | | |" % (
            r["w2_rss"], r["w2_ceiling_rss"], r["w2_python_rss"]),
        "| W3 gzip, first scrape of a tick | %s | | | | |" % ms(w3f[0]),
        "| W3 gzip, repeated in the tick | %s | %s | | %.2fx | |" % (
            ms(w3r[0]), ms(w3c[0]), w3r[0] / w3c[0]),
        "| W3 gzip response | %s | same bytes | | | |" % mib(w3r[1]),
        "| W4 median scrape (10,000 x 64) | %s (%.1fx W2) | | | | |" % (ms(w4[0]), w4[0] / w2s[0]),
        "| W4 response / peak RSS | %s / %.1f MiB | | | | |" % (mib(w4[1]), r["w4_rss"]),
        "| render, 3 families (W2) | %.1f ns/series median, %.1f first | | | | |" % (
            rc["median_ns_per_series"], rc["first_ns_per_series"]),
        "| W2, all families | %s, %s, %.1f MiB RSS | %s | | %.2fx | |" % (
            ms(r["w2all_switchsim"][0]), mib(r["w2all_switchsim"][1]), r["w2all_rss"],
            ms(r["w2all_ceiling"][0]), r["w2all_switchsim"][0] / r["w2all_ceiling"][0]),
        "| render, all families (W2) | %.1f ns/series median, %.1f first | | | | |" % (
            ra["median_ns_per_series"], ra["first_ns_per_series"]),
    ]
    targets = [
        ("render <= 20 ns/series (3 families)", rc["median_ns_per_series"] <= 20,
         "%.1f ns" % rc["median_ns_per_series"]),
        ("W1 >= 80% of the keep-alive ceiling's scrapes/s", w1s[0] >= 0.8 * w1c[0],
         "%.0f%%" % (100 * w1s[0] / w1c[0])),
        ("W1 >= 50x the Python reference", w1s[0] >= 50 * w1p[0], "%.0fx" % (w1s[0] / w1p[0])),
        ("W2 <= 1.2x the ceiling's latency", w2s[0] <= 1.2 * w2c[0],
         "%.2fx" % (w2s[0] / w2c[0])),
        ("W2 >= 40x faster than Python", w2p[0] >= 40 * w2s[0], "%.0fx" % (w2p[0] / w2s[0])),
        ("W2 peak RSS <= 64 MiB", r["w2_rss"] <= 64, "%.1f MiB" % r["w2_rss"]),
        ("W3 first scrape of a tick <= 40 ms", w3f[0] <= 0.040, ms(w3f[0])),
        ("W3 repeated scrapes <= 2x the ceiling", w3r[0] <= 2 * w3c[0],
         "%.2fx" % (w3r[0] / w3c[0])),
        ("W4 time <= 12x W2 time", w4[0] <= 12 * w2s[0], "%.1fx" % (w4[0] / w2s[0])),
        ("W4 peak RSS <= 400 MiB", r["w4_rss"] <= 400, "%.1f MiB" % r["w4_rss"]),
    ]
    codec = ["| codec | level | time | output |", "|---|---|---|---|"] + [
        "| %s | %s | %s ms | %s |" % (c["codec"], c["level"], c["ms"], mib(int(c["bytes"])))
        for c in r["codec"]]
    lines = ["Measured %s on %s." % (r["date"], machine()), "",
             "Per-port families: switch_port_link_up, switch_port_buffer_level_bytes and",
             "switch_port_rx_packets_total (the references' workload), timestamps on, except",
             "the two rows marked \"all families\".", ""] + rows + [
        "", "| target | result |", "|---|---|"] + [
        "| %s | %s |" % (name, verdict(ok, detail)) for name, ok, detail in targets] + [
        "", "gzip codecs on the W2 body (%s):" % mib(w2s[1]), ""] + codec
    return "\n".join(lines) + "\n"


def write_docs(path, text):
    with open(path) as f:
        doc = f.read()
    a, b = doc.index(MARK_BEGIN) + len(MARK_BEGIN), doc.index(MARK_END)
    with open(path, "w") as f:
        f.write(doc[:a] + "\n" + text + doc[b:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--write-docs", metavar="PATH")
    opts = ap.parse_args()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="switchsim-bench-") as tmp:
        results = run(os.path.abspath(opts.build), tmp)
    text = report(results)
    print()
    print(text)
    print("bench: finished in %.0f s" % (time.monotonic() - t0))
    if opts.write_docs:
        write_docs(opts.write_docs, text)
        print("bench: results written to %s" % opts.write_docs)


if __name__ == "__main__":
    main()
