#!/usr/bin/python3
"""Reference 1: the approach switchsim descends from, a Python prometheus_client custom
collector that generates every value at collect time (Debian's python3-prometheus-client).

Same workload as switchsim's benchmark profiles: N devices x 64 ports, labels device and
port, the given per-port families plus switch_device_info, a timestamp on every sample.
Values follow a simple time-based model (so collect-time work is comparable, not zero).

Usage: python_ref.py --port P --devices N [--families all|core]   (127.0.0.1 only)
"""
import argparse
import math
import signal
import sys
import time

from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily

CORE = ["link_up", "buffer_level_bytes", "rx_packets_total"]
ALL = ["info", "link_up", "speed_bytes", "buffer_capacity_bytes", "buffer_level_bytes",
       "rx_packets_total", "tx_packets_total", "rx_bytes_total", "tx_bytes_total",
       "rx_errors_total", "tx_drops_total", "carrier_transitions_total"]


class SwitchCollector:
    def __init__(self, devices, ports, families):
        self.ports = [("sw%05d" % d, "Ethernet%d" % p)
                      for d in range(1, devices + 1) for p in range(1, ports + 1)]
        self.families = families
        self.start = time.time()

    def collect(self):
        now = time.time()
        ts = math.floor(now)
        elapsed = ts - self.start
        fams = {}
        for name in self.families:
            full = "switch_port_" + name
            if name.endswith("_total"):
                fams[name] = CounterMetricFamily(full[:-6], "Simulated.", labels=["device", "port"])
            elif name == "info":
                fams[name] = GaugeMetricFamily(full, "Simulated.",
                                               labels=["device", "port", "speed", "type"])
            else:
                fams[name] = GaugeMetricFamily(full, "Simulated.", labels=["device", "port"])
        for i, (dev, port) in enumerate(self.ports):
            util = 0.4 + 0.2 * math.sin(elapsed / 300.0 + i)
            rate = util * 3.4e6
            for name, fam in fams.items():
                if name == "info":
                    fam.add_metric([dev, port, "25G", "SFP28"], 1, timestamp=ts)
                    continue
                if name == "link_up" or name == "carrier_transitions_total":
                    value = 1 if name == "link_up" else 0
                elif name == "buffer_level_bytes":
                    value = max(0.0, util - 0.5) * 8e6
                elif name.endswith("_total"):
                    value = rate * elapsed
                else:
                    value = 3125000000
                fam.add_metric([dev, port], value, timestamp=ts)
        info = GaugeMetricFamily("switch_device_info", "Simulated.",
                                 labels=["device", "vendor", "model"])
        for d in sorted({dev for dev, _ in self.ports}):
            info.add_metric([d, "Acme", "BENCH-64"], 1, timestamp=ts)
        yield info
        yield from fams.values()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--devices", type=int, required=True)
    ap.add_argument("--ports", type=int, default=64)
    ap.add_argument("--families", choices=["core", "all"], default="core")
    opts = ap.parse_args()
    # Only our collector: no process/platform/gc collectors in the reference's output.
    for c in list(REGISTRY._collector_to_names):  # noqa: SLF001 - the documented way is unregister
        REGISTRY.unregister(c)
    REGISTRY.register(SwitchCollector(opts.devices, opts.ports,
                                      CORE if opts.families == "core" else ALL))
    start_http_server(opts.port, addr="127.0.0.1")
    print("python_ref: listening on 127.0.0.1:%d" % opts.port, file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
