#!/usr/bin/python3
"""Backfill throughput (issue 12): samples/s written to a file, the same through promtool
tsdb create-blocks-from openmetrics, and the default profile's week at a 15 s step (written
to /dev/null unless --week-file is given: a week of the default profile is ~19 GB of text).

Usage: backfill_bench.py --binary build/switchsim [--doc docs/PERFORMANCE.md] [--skip-week]
Prints the results as Markdown and, with --doc, rewrites the part of the document between
<!-- bench-backfill:begin --> and <!-- bench-backfill:end -->.
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = os.path.join(ROOT, "profiles", "default.yaml")
START = 1795305600  # 2026-11-22T00:00:00Z, tick 0 of every run here


def backfill(binary, seconds, step, out):
    t0 = time.monotonic()
    subprocess.run([binary, "backfill", "--profile", PROFILE, "--seed", "1", "--start-time",
                    str(START), "--from", str(START), "--to", str(START + seconds), "--step", step,
                    "-o", out], check=True)
    return time.monotonic() - t0


def samples_in(path):
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1] != b"#":
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--skip-week", action="store_true")
    opts = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "h.om")
        secs = backfill(opts.binary, 6 * 3600, "15s", path)
        n = samples_in(path)
        size = os.path.getsize(path)
        rows.append(("6 h at 15 s to a file", n, size, secs))
        t0 = time.monotonic()
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", path,
                        os.path.join(tmp, "blocks")], check=True, capture_output=True)
        rows.append(("the same file through promtool (promtool alone)", n, size,
                     time.monotonic() - t0))
        rows.append(("backfill + promtool", n, size, secs + time.monotonic() - t0))
    if not opts.skip_week:
        secs = backfill(opts.binary, 7 * 86400, "15s", "/dev/null")
        n_week = n * (7 * 86400 // 15 + 1) // (6 * 3600 // 15 + 1)
        rows.append(("a week at 15 s to /dev/null", n_week, None, secs))
    lines = ["Measured %s UTC, default profile, seed 1." % time.strftime("%Y-%m-%d %H:%M",
                                                                       time.gmtime()), "",
             "| run | samples | bytes | seconds | samples/s |", "|---|---:|---:|---:|---:|"]
    for name, n, size, secs in rows:
        lines.append("| %s | %d | %s | %.1f | %.2f M |" % (name, n, size if size else "-", secs,
                                                            n / secs / 1e6))
    text = "\n".join(lines) + "\n"
    print(text)
    if opts.doc:
        with open(opts.doc) as f:
            doc = f.read()
        doc = re.sub(r"(<!-- bench-backfill:begin -->\n).*?(<!-- bench-backfill:end -->)",
                     lambda m: m.group(1) + text + m.group(2), doc, flags=re.S)
        with open(opts.doc, "w") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
