#!/usr/bin/python3
"""remote_write_bench.py - remote-write throughput of one switchsim process into a local
receiver that accepts and discards (a threaded Python HTTP server answering 204), bounded in
time. The w2 fleet (1,000 x 64 ports, every family: about 1.3 M samples a 1 s tick) pushes
more than either side can carry, so the queue sheds and the sent rate is the ceiling of the
pair. The receiver's own CPU time is printed next to it: near one core means the Python
receiver, not switchsim, bounds the figure.

Usage: remote_write_bench.py --binary build/switchsim [--seconds 20]
Not part of make check.
"""
import argparse
import http.server
import os
import re
import resource
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from switchsim_proc import Switchsim  # noqa: E402

received = {"requests": 0, "bytes": 0}
lock = threading.Lock()


class Discard(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - the http.server spelling
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        with lock:
            received["requests"] += 1
            received["bytes"] += n
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def counts(sim):
    """(sent, dropped) samples so far."""
    text = sim.get("/metrics")[2].decode()
    def one(name):
        m = re.search(r"^switchsim_remote_write_samples_%s_total (\S+)" % name, text, re.M)
        return float(m.group(1)) if m else 0.0
    return one("sent"), one("dropped")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--profile", default=os.path.join(HERE, "profiles", "w2.yaml"))
    opts = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Discard)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/api/v1/write" % server.server_address[1]
    sim = Switchsim(os.path.abspath(opts.binary),
                    ["--profile", opts.profile, "--web.listen-address", "127.0.0.1:0",
                     "--remote-write.url", url, "--remote-write.queue-samples", "20000000"])
    try:
        time.sleep(3)  # past the first ticks
        (s0, d0), t0 = counts(sim), time.monotonic()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        b0 = received["bytes"]
        time.sleep(opts.seconds)
        (s1, d1), t1 = counts(sim), time.monotonic()
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        b1 = received["bytes"]
    finally:
        sim.stop()
        server.shutdown()
    dt = t1 - t0
    cpu = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / dt
    print("remote write: %.0f samples/s sent, %.0f samples/s dropped (ticks skipped or shed), "
          "%.1f MB/s snappy on the wire, receiver CPU %.2f cores, over %.0f s"
          % ((s1 - s0) / dt, (d1 - d0) / dt, (b1 - b0) / dt / 1e6, cpu, dt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
