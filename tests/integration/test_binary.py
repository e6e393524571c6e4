#!/usr/bin/python3
"""Integration tests: the real switchsim binary, checked with Debian's promtool and
prometheus_client text parser, and its process behaviour (exit codes, signals).

Usage: test_binary.py --binary build/switchsim [--valgrind]
Prints one line per test and closes with "integration: N passed, N failed".
"""
import argparse
import gzip
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switchsim_proc import Switchsim, run, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures", "profiles")
DEFAULT = os.path.join(ROOT, "profiles", "default.yaml")
SMALL = os.path.join(FIX, "ok", "small.yaml")
HOSTILE = os.path.join(FIX, "ok", "hostile.yaml")
W2 = os.path.join(ROOT, "bench", "profiles", "w2.yaml")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LISTEN = ["--web.listen-address", "127.0.0.1:0"]

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$')

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def promtool_check(body):
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                       timeout=60)
    assert p.returncode == 0, "promtool check metrics failed (%d): %s" % (
        p.returncode, (p.stdout + p.stderr).decode(errors="replace")[:2000])


def family_runs(text):
    """Family name of every sample line, in order, collapsed into runs."""
    runs = []
    help_count, type_count = {}, {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            help_count[name] = help_count.get(name, 0) + 1
            continue
        if line.startswith("# TYPE "):
            name = line.split(" ")[2]
            type_count[name] = type_count.get(name, 0) + 1
            continue
        name = SAMPLE_RE.match(line).group(1)
        if not runs or runs[-1] != name:
            runs.append(name)
    return runs, help_count, type_count


def parse_samples(text):
    """{(name, labels-text): (value, timestamp)} for every sample line."""
    out = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "unparsable sample line: %r" % line
        key = (m.group(1), m.group(2) or "")
        assert key not in out, "duplicate series %r" % (key,)
        out[key] = (m.group(3), m.group(4))
    return out


def scrape_same_tick(sims, attempts=20):
    """Scrapes every sim until all bodies carry the same tick timestamp."""
    for _ in range(attempts):
        bodies = [s.get()[2].decode() for s in sims]
        stamps = {parse_samples(b)[("switchsim_ports", "")][1] for b in bodies}
        if len(stamps) == 1:
            return bodies
        time.sleep(0.1)
    raise AssertionError("could not scrape all processes within one tick")


@test
def metrics_valid_for_promtool_and_prometheus_client(binary, wrapper):
    with Switchsim(binary, ["--profile", DEFAULT] + LISTEN, wrapper) as s:
        status, headers, body = s.get()
        assert status == 200, status
        assert headers["Content-Type"] == CONTENT_TYPE, headers
        promtool_check(body)
        text = body.decode("utf-8")
        assert text.endswith("\n") and "\r" not in text
        families = list(text_string_to_metric_families(text))
        names = [f.name for f in families]
        # prometheus_client splits an interleaved family into two: names must be unique.
        assert len(names) == len(set(names)), "family split: %r" % names
        runs, helps, types = family_runs(text)
        assert len(runs) == len(set(runs)), "a family appears in more than one run: %r" % runs
        assert all(v == 1 for v in helps.values()) and all(v == 1 for v in types.values())
        by_name = {f.name: f for f in families}
        for fam, kind in [("switch_port_buffer_level_bytes", "gauge"),
                          ("switch_port_rx_packets", "counter"),
                          ("switch_port_link_up", "gauge"), ("switch_port_info", "gauge"),
                          ("switch_device_info", "gauge"), ("switchsim_build_info", "gauge")]:
            assert fam in by_name, "missing family %s" % fam
            assert by_name[fam].type == kind, (fam, by_name[fam].type)
        # 6 devices, 2x32 + 4x52 ports; 12 per-port families; every sample has device/port
        ports = by_name["switch_port_link_up"].samples
        assert len(ports) == 2 * 32 + 4 * 52, len(ports)
        assert all(set(x.labels) == {"device", "port"} for x in ports)
        assert len(by_name["switch_device_info"].samples) == 6
        assert s.stop() == 0


@test
def timestamps_on_every_sample_never_in_future(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        last = 0
        for _ in range(3):
            before_ms = time.time() * 1000
            text = s.get()[2].decode()
            after_ms = time.time() * 1000
            samples = parse_samples(text)
            stamps = {ts for (_, ts) in samples.values()}
            assert None not in stamps, "a sample without timestamp"
            assert len(stamps) == 1, "one tick per body, got %r" % stamps
            ts = int(stamps.pop())
            assert ts <= after_ms, "timestamp %d in the future (now %d)" % (ts, after_ms)
            assert ts > before_ms - 2000, "timestamp too old"
            assert ts >= last
            last = ts
            time.sleep(0.6)
        assert s.stop() == 0


@test
def no_timestamps_flag(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL, "--no-timestamps"] + LISTEN, wrapper) as s:
        body = s.get()[2]
        promtool_check(body)
        assert all(ts is None for (_, ts) in parse_samples(body.decode()).values())
        assert s.stop() == 0


@test
def same_seed_and_start_time_same_values_in_two_processes(binary, wrapper):
    start = str(int(time.time()) - 120)
    args = ["--profile", DEFAULT, "--seed", "42", "--start-time", start] + LISTEN
    with Switchsim(binary, args, wrapper) as a, Switchsim(binary, args, wrapper) as b:
        body_a, body_b = scrape_same_tick([a, b])
        sa, sb = parse_samples(body_a), parse_samples(body_b)
        port_series = [k for k in sa if k[0].startswith("switch_")]
        assert len(port_series) > 3000
        assert all(sa[k] == sb[k] for k in port_series), "processes disagree"
        # and the values moved: 2 minutes of traffic are on the counters
        rx = [int(v) for (n, _), (v, _) in sa.items() if n == "switch_port_rx_packets_total"]
        assert sum(rx) > 0
        assert a.stop() == 0 and b.stop() == 0
    with Switchsim(binary, ["--profile", DEFAULT, "--seed", "43", "--start-time", start] + LISTEN,
                   wrapper) as c:
        sc = parse_samples(c.get()[2].decode())
        rx_c = [int(v) for (n, _), (v, _) in sc.items() if n == "switch_port_rx_packets_total"]
        assert rx_c != rx, "a different seed gave the same traffic"
        assert c.stop() == 0


@test
def repeated_scrapes_in_one_tick_are_identical(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        for _ in range(20):
            first, second = s.get()[2], s.get()[2]
            ts = {parse_samples(x.decode())[("switchsim_ports", "")][1] for x in (first, second)}
            if len(ts) == 1:
                assert first == second
                break
        else:
            raise AssertionError("never scraped twice within one tick")
        assert s.stop() == 0


@test
def hostile_labels_round_trip(binary, wrapper):
    with Switchsim(binary, ["--profile", HOSTILE] + LISTEN, wrapper) as s:
        body = s.get()[2]
        promtool_check(body)
        fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
        dev = fams["switch_device_info"].samples[0].labels
        assert dev["device"] == 'sw"1\\x', dev
        assert dev["vendor"] == "Ac\\me"
        assert dev["note"] == "line1\nline2"
        assert dev["emoji"] == "Zürich ✓"
        port = fams["switch_port_info"].samples[0].labels
        assert port["description"] == 'uplink "core" C:\\path\nsecond line', port
        assert port["type"] == "a,b=c}"
        assert s.stop() == 0


@test
def http_routes(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        status, headers, body = s.get("/")
        assert status == 200 and b"core1" in body and b'href="metrics"' in body
        assert s.get("/-/healthy")[0] == 200 and s.get("/-/ready")[0] == 200
        assert s.get("/nope")[0] == 404
        status, headers, _ = s.get("/metrics", method="POST")
        assert status == 405 and headers["Allow"] == "GET, HEAD"
        status, headers, body = s.get("/metrics", method="HEAD")
        assert status == 200 and body == b"" and headers["Content-Type"] == CONTENT_TYPE
        assert s.stop(signal.SIGINT) == 0


@test
def bad_profile_exit_2_with_position(binary, wrapper):
    bad = os.path.join(FIX, "bad", "bad_speed.yaml")
    what = ("%s:6:16: devices[0].port_groups[0].speed: expected a speed such as 25G, 100Gbps or "
            "400Gb/s, got \"fast\"" % bad)
    rc, out, err = run(binary, ["--profile", bad] + LISTEN, wrapper=wrapper)
    assert rc == 2, rc
    records = stderr_records(err, parse_logfmt)
    assert [(r["level"], r["msg"], r.get("path"), r.get("err")) for r in records] == [
        ("info", "Loading profile", bad, None), ("error", "Error loading profiles", None, what)], err
    rc, out, err = run(binary, ["--profile", bad, "--log.format", "json"] + LISTEN,
                       wrapper=wrapper)
    assert rc == 2 and [r["err"] for r in stderr_records(err, json.loads) if "err" in r] == [
        what], err
    # --check-config is a tool: the same error as a plain line
    rc, out, err = run(binary, ["--check-config", "--profile", bad], wrapper=wrapper)
    assert rc == 2 and err == "switchsim: error: %s\n" % what, err


@test
def check_config_ok(binary, wrapper):
    rc, out, err = run(binary, ["--check-config", "--profile", DEFAULT], wrapper=wrapper)
    assert rc == 0, err
    assert out == "switchsim: profiles OK: 6 devices, 272 ports, 7656 series\n", out
    with tempfile.TemporaryDirectory() as tmp:
        one = os.path.join(tmp, "one.yaml")
        with open(one, "w") as f:
            f.write('devices:\n  - name: sw1\n    port_groups:\n      - name: "eth{n}"\n'
                    '        count: 1\n')
        rc, out, err = run(binary, ["--check-config", "--profile", one], wrapper=wrapper)
        assert rc == 0, err
        assert re.fullmatch(r"switchsim: profiles OK: 1 device, 1 port, \d+ series\n", out), out


@test
def listen_address_logged_as_given(binary, wrapper):
    """An IPv6 host in brackets ([::1]:PORT), as --web.listen-address takes it back."""
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        print("  skipped listen_address_logged_as_given: no IPv6 loopback here")
        return
    with Switchsim(binary, ["--profile", SMALL, "--web.listen-address", "[::1]:0"],
                   wrapper, wait_ready=False) as s:
        listening = [r for r in stderr_records(s.stderr(), parse_logfmt)
                     if r["msg"] == "Listening on"]
        assert [r["address"] for r in listening] == ["[::1]:%d" % s.port], s.stderr()
        assert s.stop() == 0


@test
def bad_flags_print_usage_exit_2(binary, wrapper):
    for args, msg in [(["--bogus"], "unknown flag --bogus"),
                      (["-p", "http"], '--port: expected a port number 0-65535, got "http"'),
                      (["--start-time", "2999-01-01T00:00:00Z", "--profile", SMALL],
                       "--start-time is in the future"),
                      # --check-config applies the same checks as a normal start
                      (["--check-config", "--start-time", "2999-01-01T00:00:00Z", "--profile",
                        SMALL], "--start-time is in the future"),
                      (["--check-config", "--start-time", str(int(time.time()) + 3600),
                        "--profile", SMALL], "--start-time is in the future"),
                      (["--check-config", "--start-time", "2026-02-31T00:00:00Z", "--profile",
                        SMALL], "--start-time: 2026-02-31 is not a date (2026-02 has 28 days)"),
                      (["--shard", "0/0"], '--shard: N must be 1-1024, got "0/0"'),
                      (["--shard", "3/2"], '--shard: I counts from 0 and must be below N, got "3/2"'),
                      (["--shard", "junk"], '--shard: expected I/N such as 0/3, got "junk"')]:
        rc, out, err = run(binary, args, wrapper=wrapper)
        assert rc == 2, (args, rc)
        assert err.startswith("switchsim: error: " + msg), err
        assert "Usage: switchsim" in err and out == "", (out, err)
    rc, out, err = run(binary, ["--help"], wrapper=wrapper)
    assert rc == 0 and out.startswith("Usage: switchsim")
    rc, out, err = run(binary, ["--version"], wrapper=wrapper)
    assert rc == 0 and out.startswith("switchsim, version ")


@test
def check_config_reports_the_shard(binary, wrapper):
    """The shards of the default profile, as --check-config counts them, add up to its devices."""
    rc, out, err = run(binary, ["--check-config"], wrapper=wrapper)
    assert rc == 0, err
    total = int(re.search(r"profiles OK: (\d+) device", out).group(1))
    counted = 0
    for i in range(3):
        rc, out, err = run(binary, ["--check-config", "--shard", "%d/3" % i], wrapper=wrapper)
        m = re.search(r"^switchsim: shard %d of 3: (\d+) devices?$" % i, out, re.M)
        assert rc == 0 and m, (out, err)
        counted += int(m.group(1))
    assert counted == total, (counted, total)


@test
def port_in_use_exit_1(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        rc, out, err = run(binary, ["--profile", SMALL, "--web.listen-address",
                                    "127.0.0.1:%d" % s.port], wrapper=wrapper)
        assert rc == 1, rc
        errors = [r for r in stderr_records(err, parse_logfmt) if r["level"] == "error"]
        assert [(r["msg"], r["err"]) for r in errors] == [
            ("Cannot start the HTTP server",
             "cannot listen on 127.0.0.1:%d: Address already in use" % s.port)], err
        assert s.stop() == 0


@test
def gzip_body_is_identity_body_compressed(binary, wrapper):
    with Switchsim(binary, ["--profile", DEFAULT] + LISTEN, wrapper) as s:
        for _ in range(20):
            st1, h1, plain = s.get()
            st2, h2, packed = s.get(headers={"Accept-Encoding": "gzip"})
            body = gzip.decompress(packed)  # Python's own zlib: an independent decoder
            same_tick = (parse_samples(plain.decode())[("switchsim_ports", "")][1] ==
                         parse_samples(body.decode())[("switchsim_ports", "")][1])
            if same_tick:
                break
        else:
            raise AssertionError("never got both encodings within one tick")
        assert h2["Content-Encoding"] == "gzip" and h2["Vary"] == "Accept, Accept-Encoding", h2
        assert "Content-Encoding" not in h1 and h1["Vary"] == "Accept, Accept-Encoding", h1
        assert body == plain, "gzip body does not decompress to the identity body"
        assert len(packed) < len(plain) / 5
        assert s.stop() == 0


@test
def w2_fleet_response_passes_promtool(binary, wrapper):
    """1,000 devices x 64 ports, every family: 1,731,021 series, about 160 MB."""
    with Switchsim(binary, ["--profile", W2] + LISTEN, wrapper) as s:
        status, headers, body = s.get()
        assert status == 200
        promtool_check(body)
        runs, helps, types = family_runs(body.decode())
        # every family once; switch_port_neighbor_info has no samples here (no links)
        assert len(runs) == len(set(runs)) == 45, runs
        # switchsim_http_requests_total has a series per (handler, code) seen so far
        requests = body.count(b"\nswitchsim_http_requests_total{")
        assert body.count(b"\n") == 1731022 + requests + 2 * 46
        status, headers, packed = s.get(headers={"Accept-Encoding": "gzip"})
        plain = gzip.decompress(packed)
        requests = plain.count(b"\nswitchsim_http_requests_total{")
        assert plain.count(b"\n") == 1731022 + requests + 2 * 46
        assert s.stop() == 0


@test
def port_family_selection(binary, wrapper):
    fams = "switch_port_buffer_level_bytes,switch_port_rx_packets_total,switch_port_link_up"
    rc, out, err = run(binary, ["--check-config", "--profile", DEFAULT,
                                "--metrics.port-families", fams], wrapper=wrapper)
    assert rc == 0 and out == "switchsim: profiles OK: 6 devices, 272 ports, 856 series\n", out
    with Switchsim(binary, ["--profile", DEFAULT, "--metrics.port-families", fams] + LISTEN,
                   wrapper) as s:
        body = s.get()[2]
        promtool_check(body)
        runs, _, _ = family_runs(body.decode())
        assert [r for r in runs if r.startswith("switch_port_")] == [
            "switch_port_link_up", "switch_port_buffer_level_bytes",
            "switch_port_rx_packets_total"], runs
        samples = parse_samples(body.decode())
        assert len([k for k in samples if k[0] != "switchsim_http_requests_total"]) == 856
        assert s.stop() == 0
    rc, out, err = run(binary, ["--metrics.port-families", "switch_port_nope"], wrapper=wrapper)
    assert rc == 2 and 'unknown family "switch_port_nope"' in err, err


LOGFMT_PAIR = r'([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|[^\s"=]*)'
LOGFMT_LINE = re.compile(r'^%s(?: %s)*$' % (LOGFMT_PAIR, LOGFMT_PAIR))
FORGED_PATH = "/x%22%0Ats=2026-11-22T08:00:00.000Z%20level=error%20msg=%22forged"
FORGED_DECODED = '/x"\nts=2026-11-22T08:00:00.000Z level=error msg="forged'


def parse_logfmt(line):
    """{key: value} of one logfmt line; quoted values use JSON's escapes (as go-logfmt's)."""
    assert LOGFMT_LINE.match(line), "not a logfmt line: %r" % line
    out = {}
    for key, value in re.findall(LOGFMT_PAIR, line):
        assert key not in out, "key %s twice in %r" % (key, line)
        out[key] = json.loads(value) if value.startswith('"') else value
    return out


def stderr_records(text, parse):
    lines = text.split("\n")
    assert lines[-1] == "", "stderr does not end with a newline: %r" % lines[-1]
    return [parse(line) for line in lines[:-1]]


@test
def forged_path_is_one_escaped_logfmt_line(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL, "--log.level", "debug"] + LISTEN, wrapper) as s:
        assert s.get(FORGED_PATH)[0] == 404
        assert s.get()[0] == 200
        assert s.stop() == 0
        records = stderr_records(s.stderr(), parse_logfmt)
    assert all(list(r)[:3] == ["ts", "level", "msg"] for r in records), records
    assert not [r for r in records if r["level"] == "error"], records
    requests = [r for r in records if r["msg"] == "request" and r["path"] != "/-/ready"]
    assert [r["path"] for r in requests] == [FORGED_DECODED, "/metrics"], requests
    rendered = [r for r in records if r["msg"] == "rendered"]
    assert rendered and int(rendered[0]["series"]) > 0, records


@test
def json_log_lines_parse(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL, "--log.level", "debug", "--log.format", "json"]
                   + LISTEN, wrapper) as s:
        assert s.get(FORGED_PATH)[0] == 404
        assert s.get(headers={"Accept-Encoding": "gzip"})[0] == 200
        assert s.stop() == 0
        records = stderr_records(s.stderr(), json.loads)
    assert all(list(r)[:3] == ["ts", "level", "msg"] for r in records), records
    by_msg = {r["msg"]: r for r in records}
    requests = [r for r in records if r["msg"] == "request" and r["path"] != "/-/ready"]
    assert [r["path"] for r in requests] == [FORGED_DECODED, "/metrics"], requests
    assert by_msg["Starting switchsim"]["timestamps"] is True
    assert isinstance(by_msg["rendered"]["bytes"], int) and by_msg["rendered"]["bytes"] > 0
    assert isinstance(by_msg["compressed"]["seconds"], float)
    assert by_msg["Shutting down"]["signal"] == "SIGTERM"
    assert not [r for r in records if r["level"] == "error"], records


class Starting:
    """A switchsim that has not finished starting (or never will): stderr collected by a
    thread, the process killed by PID on the way out."""

    def __init__(self, binary, args, wrapper):
        self.proc = subprocess.Popen(list(wrapper or []) + [binary] + list(args),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def logged(self, msg):
        return [r for r in (parse_logfmt(x.rstrip("\n")) for x in list(self.lines))
                if r["msg"] == msg]

    def stop_within(self, sig, seconds):
        """Sends sig; returns the exit code, or None if the process outlived `seconds`."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.reader.join(5)
        return False


@test
def sigterm_ends_a_hanging_profile_load(binary, wrapper):
    """A profile path that is a FIFO nobody writes to: the loader either refuses it (exit 2)
    or blocks in open(); either way SIGTERM ends the process within a second, and SIGHUP,
    SIGUSR1 and SIGUSR2 meanwhile do not kill it."""
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "fifo.yaml")
        os.mkfifo(fifo)
        with Starting(binary, ["--profile", fifo] + LISTEN, wrapper) as p:
            assert wait_for(lambda: p.logged("Loading profile") or p.proc.poll() is not None,
                            30), p.lines
            time.sleep(0.2)  # into open() (or refused: then it has exited by now)
            if p.proc.poll() is None:
                for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
                    p.proc.send_signal(sig)
                assert wait_for(lambda: len(p.logged("Signal ignored")) == 2, 5), p.lines
                assert p.proc.poll() is None, "killed by SIGHUP/SIGUSR1/SIGUSR2: %r" % p.lines
            rc = p.stop_within(signal.SIGTERM, 1.0)
            assert rc is not None, "still running 1 s after SIGTERM"
            assert rc != 0, rc


@test
def start_positions_directly_and_ignores_start_time(binary, wrapper):
    """Values are a function of the wall-clock tick: a process starts at the current tick
    with nothing to replay, ready at once; --start-time (a year back) only logs a warning
    and changes nothing; SIGTERM ends it within a second (exit 0)."""
    year_ago = str(int(time.time()) - 365 * 86400)
    with Switchsim(binary, ["--profile", DEFAULT, "--start-time", year_ago] + LISTEN,
                   wrapper) as s:
        assert s.get("/-/healthy")[0] == 200
        status, _, body = s.get("/-/ready")
        assert status == 200, (status, body)
        assert s.get("/metrics")[0] == 200
        assert "--start-time has no effect" in s.stderr(), s.stderr()
        t0 = time.monotonic()
        rc = s.stop(timeout=5)
        assert rc == 0 and time.monotonic() - t0 < 1.0, (rc, time.monotonic() - t0)


@test
def hup_and_usr_signals_do_not_stop_a_running_server(binary, wrapper):
    """SIGHUP reloads (the profiles are unchanged here), SIGUSR1/2 are logged and ignored."""
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            s.proc.send_signal(sig)
        assert wait_for(lambda: "SIGUSR2" in s.stderr(), 5), s.stderr()
        assert wait_for(lambda: "Reloaded profiles" in s.stderr(), 5), s.stderr()
        assert s.get()[0] == 200
        assert s.stop() == 0
        records = stderr_records(s.stderr(), parse_logfmt)
    got = {r["signal"]: (r["level"], r["msg"]) for r in records if "signal" in r}
    assert got == {"SIGUSR1": ("info", "Signal ignored"), "SIGUSR2": ("info", "Signal ignored"),
                   "SIGTERM": ("info", "Shutting down")}, records
    reloads = [r for r in records if r["msg"] == "Reloaded profiles"]
    assert [(r["devices"], r["ports"], r["ports_carried_over"]) for r in reloads] == \
        [("3", "10", "10")], records


PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


@test
def openmetrics_passes_the_strict_parser(binary, wrapper):
    """What Prometheus's Accept gets: OpenMetrics 1.0 that prometheus_client's OpenMetrics
    parser (strict: # EOF, suffixes, UNIT, StateSets) reads, for /metrics and /probe."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        for path in ("/metrics", "/probe?target=tor01"):
            status, headers, body = s.get(path, headers={"Accept": PROMETHEUS_ACCEPT})
            assert status == 200, (path, status)
            assert headers["Content-Type"] == \
                "application/openmetrics-text; version=1.0.0; charset=utf-8", headers
            fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
            assert fams["switch_port_rx_packets"].type == "counter"
            assert fams["switch_port"].type == "info"
            states = fams["switch_port_oper_state"]
            assert states.type == "stateset"
            by_port = {}
            for sample in states.samples:
                key = (sample.labels["device"], sample.labels["port"])
                by_port.setdefault(key, []).append(sample.value)
            assert by_port and all(sorted(v) == [0] * 6 + [1] for v in by_port.values()), \
                by_port
            if path.startswith("/probe"):
                assert {k[0] for k in by_port} == {"tor01"}
        status, headers, body = s.get("/metrics")  # no Accept: the text format
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert s.stop() == 0


def sample_lines_at(text, stamp):
    """Sample lines of an exposition whose timestamp is `stamp`, as a list."""
    return [ln for ln in text.split("\n")
            if ln and not ln.startswith("#") and ln.rsplit(" ", 1)[-1] == stamp]


@test
def backfill_equals_a_live_scrape_and_promtool_takes_it(binary, wrapper):
    """Same profile, seed and --start-time: every backfilled series line at the tick a live
    OpenMetrics scrape served equals the live line, byte for byte (value and timestamp); the
    live process's own metrics (process_*, switchsim_*) are the only lines not backfilled."""
    start = int(time.time()) - 180
    args = ["--profile", DEFAULT, "--seed", "42", "--start-time", str(start)]
    with Switchsim(binary, args + LISTEN, wrapper) as s:
        live = s.get(headers={"Accept": PROMETHEUS_ACCEPT})[2].decode()
        assert s.stop() == 0
    stamp = [ln for ln in live.split("\n") if ln and ln[0] != "#"][0].rsplit(" ", 1)[-1]
    live_lines = [ln for ln in sample_lines_at(live, stamp)
                  if not ln.startswith(("process_", "switchsim_"))]
    assert len(live_lines) > 3000
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "history.om")
        rc, _, err = run(binary, ["backfill"] + args + ["--from", str(start), "--to", stamp,
                                                       "-o", out], 120, wrapper)
        assert rc == 0 and err == "", err  # quiet when stderr is not a terminal
        with open(out) as f:
            text = f.read()
        assert text.endswith("\n# EOF\n")
        back_lines = sample_lines_at(text, stamp)
        assert sorted(back_lines) == sorted(live_lines), "backfill differs from the live scrape"
        assert not [ln for ln in text.split("\n") if ln.startswith(("process_", "switchsim_"))]
        # every tick from --from to --to, each series once per tick, in time order
        ticks = {ln.rsplit(" ", 1)[-1] for ln in text.split("\n") if ln and ln[0] != "#"}
        assert ticks == {str(t) for t in range(start, int(stamp) + 1)}, len(ticks)
        last = {}
        for ln in text.split("\n"):
            if ln and ln[0] != "#":
                series, ts = ln.rsplit(" ", 2)[0], int(ln.rsplit(" ", 1)[-1])
                assert last.get(series, -1) < ts, "series out of time order: " + series
                last[series] = ts
        blocks = os.path.join(tmp, "blocks")
        p = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", out, blocks],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        n = len(live_lines) * (int(stamp) - start + 1)
        assert re.search(r"\s%d\s" % n, p.stdout), (n, p.stdout)


@test
def backfill_refuses_bad_ranges_exit_2(binary, wrapper):
    for args, msg in [(["--from", "-1h", "--to", "now", "--step", "1500ms", "-o", "-"],
                       "--step: 1500ms is not a multiple of the profile's tick (1000ms)"),
                      (["--from", "now", "--to", "-1h", "-o", "-"], "--from is after --to"),
                      (["--from", "-1h", "--to", "now"], "backfill needs --from, --to and -o"),
                      (["--from", "yesterday", "--to", "now", "-o", "-"],
                       "--from: expected RFC 3339 UTC, Unix seconds, now or -DURATION"),
                      (["--from", "-1h", "--to", "now", "--step", "0s", "-o", "-"],
                       "--step: expected a positive duration")]:
        rc, out, err = run(binary, ["backfill", "--profile", DEFAULT] + args, 60, wrapper)
        assert rc == 2 and msg in err and out == "", (args, err)
    rc, _, err = run(binary, ["--from", "-1h", "--profile", DEFAULT], 60, wrapper)
    assert rc == 2 and "are for the backfill subcommand" in err, err


@test
def probe_and_sd(binary, wrapper):
    with Switchsim(binary, ["--profile", SMALL] + LISTEN, wrapper) as s:
        status, headers, body = s.get("/sd")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        groups = json.loads(body)
        assert [g["labels"]["instance"] for g in groups] == ["tor01", "tor02", "core1"]
        assert all(g["targets"] == ["127.0.0.1:%d" % s.port] for g in groups), groups
        for g in groups:
            status, _, body = s.get("/probe?target=" + g["labels"]["__param_target"])
            assert status == 200
            promtool_check(body)
        assert s.get("/probe")[0] == 400
        assert s.get("/probe?target=nope")[0] == 404
        assert s.stop() == 0


def api_call(s, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(s.url(path), data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@test
def probe_faults_and_faults_across_reload(binary, wrapper):
    """The fault API's scrape-layer faults through the real server (suspend and resume in
    libmicrohttpd): probe_error answers 503, probe_slow answers after its delay while other
    devices answer at once, probe_hang closes without an answer; a fault whose target
    survives a reload is kept, one whose target goes is dropped."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "p.yaml")
        with open(SMALL) as f:
            text = f.read()
        with open(profile, "w") as f:
            f.write(text)
        with Switchsim(binary, ["--profile", profile, "--web.enable-admin-api",
                                "--web.enable-lifecycle", "--web.write-timeout", "3s"] + LISTEN,
                       wrapper) as s:
            status, made = api_call(s, "POST", "/api/v1/faults",
                                    {"kind": "probe_error", "target": "tor01"})
            assert status == 201, made
            err_id = made["data"]["id"]
            assert wait_for(lambda: s.get("/probe?target=tor01")[0] == 503, 10, 0.2)
            assert s.get("/probe?target=tor02")[0] == 200
            assert api_call(s, "DELETE", "/api/v1/faults/%d" % err_id)[0] == 200
            assert wait_for(lambda: s.get("/probe?target=tor01")[0] == 200, 10, 0.2)
            status, made = api_call(s, "POST", "/api/v1/faults",
                                    {"kind": "probe_slow", "target": "tor02",
                                     "params": {"delay": "1500ms"}})
            assert status == 201, made
            time.sleep(1.1)  # the fault starts at the next tick
            t0 = time.monotonic()
            status, _, body = s.get("/probe?target=tor02")
            slow = time.monotonic() - t0
            assert status == 200 and slow >= 1.4, (status, slow)
            promtool_check(body)
            status, made = api_call(s, "POST", "/api/v1/faults",
                                    {"kind": "probe_hang", "target": "core1"})
            assert status == 201, made
            time.sleep(1.1)
            try:
                got = s.get("/probe?target=core1")
                raise AssertionError("a hung probe answered: %r" % (got[:1],))
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                pass  # closed without an answer after --web.write-timeout
            # reload: tor02 stays, core1 goes
            with open(profile, "w") as f:
                f.write(text.replace("name: core1", "name: core9"))
            req = urllib.request.Request(s.url("/-/reload"), method="POST")
            with urllib.request.urlopen(req, timeout=60) as r:
                assert r.status == 200
            listed = {f["target"] for f in api_call(s, "GET", "/api/v1/faults")[1]["data"]["faults"]}
            assert listed == {"tor02"}, listed
            assert "fault dropped by the reload" in s.stderr()
            assert s.stop() == 0


@test
def reload_with_lifecycle_keeps_counters(binary, wrapper):
    """POST /-/reload with --web.enable-lifecycle: a good edit keeps the counters of the
    ports that survive; a broken file is refused (500) and the old profiles keep serving."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "p.yaml")
        with open(SMALL) as f:
            text = f.read()
        with open(profile, "w") as f:
            f.write(text)
        with Switchsim(binary, ["--profile", profile, "--web.enable-lifecycle"] + LISTEN,
                       wrapper) as s:
            def rx():
                body = s.get()[2].decode()
                return {k[1]: int(v[0]) for k, v in parse_samples(body).items()
                        if k[0] == "switch_port_rx_packets_total"}
            time.sleep(2.1)
            before = rx()
            with open(profile, "w") as f:
                f.write(text + "  - name: extra1\n    port_groups: [{name: \"e{n}\", count: 1}]\n")
            req = urllib.request.Request(s.url("/-/reload"), method="POST")
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 200
            after = rx()
            assert set(before) < set(after), (sorted(before), sorted(after))
            assert all(after[k] >= v for k, v in before.items()), (before, after)
            with open(profile, "w") as f:
                f.write("devices: [\n")
            req = urllib.request.Request(s.url("/-/reload"), method="PUT")
            try:
                urllib.request.urlopen(req, timeout=30)
                assert False, "a broken profile was accepted"
            except urllib.error.HTTPError as e:
                assert e.code == 500 and b"YAML syntax error" in e.read()
            body = s.get()[2].decode()
            assert "\nswitchsim_config_last_reload_successful 0 " in body
            assert set(rx()) == set(after)
            assert s.stop() == 0


def make_pki(tmp):
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made
    with openssl now; returns their paths."""
    def ossl(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True)
    p = {k: os.path.join(tmp, k) for k in
         ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem", "cli.key", "cli.csr", "cli.pem",
          "ext")}
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p["ca.key"], "-out",
         p["ca.pem"], "-days", "2", "-subj", "/CN=switchsim test CA")
    with open(p["ext"], "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for who in ("srv", "cli"):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p[who + ".key"], "-out",
             p[who + ".csr"], "-subj", "/CN=" + who)
        ossl("x509", "-req", "-in", p[who + ".csr"], "-CA", p["ca.pem"], "-CAkey", p["ca.key"],
             "-CAcreateserial", "-out", p[who + ".pem"], "-days", "2", "-extfile", p["ext"])
    return p


def bcrypt(password):
    import crypt  # Debian 12's Python 3.11 still has it; libxcrypt does bcrypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))


def curl_code(*args):
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                        "10"] + list(args), capture_output=True, text=True)
    return p.stdout


@test
def web_config_tls_and_basic_auth(binary, wrapper):
    """--web.config.file: TLS with a certificate made now (curl verifies it against the CA),
    plain HTTP refused, basic auth 401/200 with WWW-Authenticate, min_version enforced, and a
    client certificate required and verified."""
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_pki(tmp)
        web = os.path.join(tmp, "web.yml")
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  min_version: TLS13\n"
                    "basic_auth_users:\n  prometheus: %s\n"
                    % (pki["srv.pem"], pki["srv.key"], bcrypt("s3cret")))
        with Switchsim(binary, ["--profile", SMALL, "--web.config.file", web] + LISTEN, wrapper,
                       wait_ready=False) as s:
            url = "https://127.0.0.1:%d" % s.port
            ca = ["--cacert", pki["ca.pem"]]
            assert curl_code(*ca, "-u", "prometheus:s3cret", url + "/metrics") == "200"
            assert curl_code(*ca, url + "/metrics") == "401"
            assert curl_code(*ca, "-u", "prometheus:wrong", url + "/-/healthy") == "401"
            out = subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null"] + ca +
                                 [url + "/metrics"], capture_output=True, text=True).stdout
            assert 'WWW-Authenticate: Basic realm="switchsim"' in out, out
            assert curl_code(*ca, "--tls-max", "1.2", "-u", "prometheus:s3cret",
                             url + "/metrics") == "000"  # below min_version
            assert curl_code("http://127.0.0.1:%d/metrics" % s.port) == "000"
            assert s.stop() == 0
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_ca_file: %s\n"
                    "  client_auth_type: RequireAndVerifyClientCert\n"
                    % (pki["srv.pem"], pki["srv.key"], pki["ca.pem"]))
        with Switchsim(binary, ["--profile", SMALL, "--web.config.file", web] + LISTEN, wrapper,
                       wait_ready=False) as s:
            url = "https://127.0.0.1:%d/metrics" % s.port
            ca = ["--cacert", pki["ca.pem"]]
            assert curl_code(*ca, url) in ("403", "000")
            assert curl_code(*ca, "--cert", pki["cli.pem"], "--key", pki["cli.key"], url) == "200"
            assert s.stop() == 0
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: %s\n  cipher_suites: [x]\n" % pki["srv.pem"])
        rc, out, err = run(binary, ["--check-config", "--profile", SMALL, "--web.config.file",
                                    web], wrapper=wrapper)
        assert rc == 2 and 'web.yml:3:3: tls_server_config: unknown key "cipher_suites"' in err, err


# ---- HTTP limits (docs/LIMITS.md): defaults of src/web/http.h --------------------------------
REQUEST_TIMEOUT_S = 10       # --web.request-timeout
MAX_CONNECTIONS_PER_IP = 64  # --web.max-connections-per-ip
MAX_INFLIGHT_BODY_MIB = 256  # --web.max-inflight-body-bytes
ATTACK_CONNECTIONS = 1100    # more than --web.max-connections (1024)


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def timed_scrape(port, timeout=1.0):
    """(status, seconds, body length) of one GET /metrics from 127.0.0.1 (new connection)."""
    t0 = time.monotonic()
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % port)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read()
        return resp.status, time.monotonic() - t0, len(body)


class Attacker(threading.Thread):
    """n connections from address src: "slowloris" sends a request line, then one header
    line per connection every `every` seconds; "idle" connects and sends nothing. Closed
    connections are reopened (an attacker keeps up the pressure). Bounded by stop()."""

    def __init__(self, port, src, n, mode, every):
        super().__init__(daemon=True)
        self.port, self.src, self.n, self.mode, self.every = port, src, n, mode, every
        self.halt = threading.Event()
        self.socks = []
        self.opened = 0

    def connect(self):
        s = socket.socket()
        try:
            s.bind((self.src, 0))
            s.settimeout(1)
            s.connect(("127.0.0.1", self.port))
            if self.mode == "slowloris":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            self.opened += 1
            return s
        except OSError:
            s.close()
            return None

    def alive(self, s):
        try:
            if self.mode == "slowloris":
                s.send(b"X-Slow: 1\r\n")
            elif s.recv(1) == b"":
                return False
            return True
        except BlockingIOError:
            return True
        except OSError:
            return False

    def run(self):
        self.socks = [self.connect() for _ in range(self.n)]
        while not self.halt.wait(self.every):
            for i, s in enumerate(self.socks):
                if self.halt.is_set():
                    break
                if s is not None and self.alive(s):
                    continue
                if s is not None:
                    s.close()
                self.socks[i] = self.connect()

    def stop(self):
        self.halt.set()
        self.join(30)
        for s in self.socks:
            if s is not None:
                s.close()


def deadline_probe(port, src, result):
    """One slowloris connection sending a header line every second: records how long the
    server keeps it open (an inactivity timeout alone never closes it)."""
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    t0 = time.monotonic()
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(1)
    try:
        while time.monotonic() - t0 < REQUEST_TIMEOUT_S + 5:
            try:
                if s.recv(1024) == b"":
                    break
            except socket.timeout:
                pass
            s.send(b"X-Slow: 1\r\n")
    except OSError:
        pass
    result.append(time.monotonic() - t0)
    s.close()


@test
def slowloris_and_idle_connections_do_not_starve_scrapes(binary, wrapper):
    """1,100 slowloris connections, then 1,100 idle ones, from 127.0.0.2: scrapes of the
    default profile from 127.0.0.1 keep succeeding within 1 s; a slowloris connection is
    closed at the request deadline."""
    raise_fd_limit(4 * ATTACK_CONNECTIONS)
    with Switchsim(binary, ["--profile", DEFAULT] + LISTEN, wrapper) as s:
        for mode, seconds, every in (("slowloris", REQUEST_TIMEOUT_S + 3, 2.0),
                                     ("idle", 4, 0.5)):
            attack = Attacker(s.port, "127.0.0.2", ATTACK_CONNECTIONS, mode, every)
            probe = []
            prober = threading.Thread(target=deadline_probe, args=(s.port, "127.0.0.3", probe))
            attack.start()
            if mode == "slowloris":
                prober.start()
            time.sleep(1)  # the attack is set up
            scrapes = []
            end = time.monotonic() + seconds
            try:
                while time.monotonic() < end:
                    scrapes.append(timed_scrape(s.port))
                    time.sleep(0.25)
            finally:
                attack.stop()
            assert attack.opened >= ATTACK_CONNECTIONS, (mode, attack.opened)
            assert scrapes and all(st == 200 and t <= 1.0 and n > 100000
                                   for st, t, n in scrapes), (mode, scrapes)
            if mode == "slowloris":
                prober.join(REQUEST_TIMEOUT_S + 10)
                assert probe and probe[0] <= REQUEST_TIMEOUT_S + 1.5, (
                    "slowloris connection open %.1f s" % probe[0])
        assert s.stop() == 0


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


@test
def slow_readers_hold_bounded_memory(binary, wrapper):
    """30 slow readers, each on a new tick of a 1,000 x 64 fleet (all families, ~64 MB a
    body): peak RSS grows by at most --web.max-inflight-body-bytes plus two bodies (the
    bound in docs/LIMITS.md), the oldest readers are cut off, and scrapes still work."""
    with tempfile.TemporaryDirectory(prefix="switchsim-test-") as tmp:
        with open(W2) as f:
            text = f.read()
        assert "tick: 1s" in text
        prof = os.path.join(tmp, "fleet.yaml")
        with open(prof, "w") as f:
            # 500 ms ticks: short, yet long enough for a 64,000-port tick (simulation and
            # render) under ASan, which the exporter must not fall behind on
            f.write(text.replace("tick: 1s", "tick: 500ms"))
        with Switchsim(binary, ["--profile", prof, "--log.level", "debug"] + LISTEN, wrapper,
                       start_timeout=120) as s:
            body_len = len(s.get()[2])
            base_kib = proc_status_kib(s.proc.pid, "VmHWM")
            readers = []
            try:
                for _ in range(30):
                    r = socket.socket()
                    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    r.connect(("127.0.0.1", s.port))
                    r.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                    r.settimeout(60)
                    assert r.recv(64).startswith(b"HTTP/1.1 200"), "no response"
                    readers.append(r)
                    time.sleep(0.5)  # the next reader gets the next tick's body
                grown_mib = (proc_status_kib(s.proc.pid, "VmHWM") - base_kib) / 1024
                bound_mib = MAX_INFLIGHT_BODY_MIB + 2 * body_len / 1048576
                assert grown_mib <= bound_mib, "RSS grew %.0f MiB, bound %.0f MiB" % (
                    grown_mib, bound_mib)
                st, t, n = timed_scrape(s.port, timeout=30)
                assert st == 200 and n > 1000000
                # the oldest readers were disconnected (the server logs each one at debug level)
                cut = s.stderr().count("reason=slow_reader_evicted")
                assert cut >= 30 - MAX_INFLIGHT_BODY_MIB * 1048576 // body_len - 1, cut
            finally:
                for r in readers:
                    r.close()
            assert s.stop() == 0


VALGRIND_TESTS = {"metrics_valid_for_promtool_and_prometheus_client", "http_routes",
                  "bad_profile_exit_2_with_position", "bad_flags_print_usage_exit_2",
                  "port_in_use_exit_1", "gzip_body_is_identity_body_compressed"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--only", help="run only the test of this name")
    ap.add_argument("--skip", default="", help="comma-separated names of tests to leave out")
    ap.add_argument("--valgrind", action="store_true",
                    help="run the binary under valgrind (leaks and errors fail the test)")
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    wrapper = None
    tests = TESTS
    if opts.valgrind:
        wrapper = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                   "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect"]
        tests = [t for t in TESTS if t.__name__ in VALGRIND_TESTS]
    if opts.only:
        tests = [t for t in tests if t.__name__ == opts.only]
    skip = set(filter(None, opts.skip.split(",")))
    unknown = skip - {t.__name__ for t in TESTS}
    assert not unknown, "--skip names no test: %s" % sorted(unknown)
    tests = [t for t in tests if t.__name__ not in skip]
    passed = failed = 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t(binary, wrapper)
            passed += 1
            print("ok - %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print("not ok - %s" % t.__name__, flush=True)
            traceback.print_exc()
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
