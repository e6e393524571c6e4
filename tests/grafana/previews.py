#!/usr/bin/python3
"""make dashboard-previews: a PNG of every time-series panel of the shipped dashboards, drawn
by @grafana/ui's TimeSeries (previews/preview.tsx) in Debian's headless Chromium, from a real
Prometheus scraping switchsim on the default profile. Queries are the ones Grafana's code
interpolates (check.mjs, every variable at "All"). Writes docs/img/dashboards/<uid>-<panel
id>.png. Not part of make check: it collects PREVIEW_SECONDS (default 120) of data first.
Everything it starts is stopped, and its scratch directory removed, on every path out."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim  # noqa: E402
from test_prometheus import Prometheus, backend_builtins, write_config  # noqa: E402

PROFILE = os.path.join(ROOT, "profiles", "default.yaml")
OUT = os.path.join(ROOT, "docs", "img", "dashboards")
COLLECT_S = int(os.environ.get("PREVIEW_SECONDS", "120"))
STEP_S = 2
GRID_WIDTH_PX = 1200  # a 24-column dashboard drawn 1200 px wide
RUN = os.path.join(HERE, "run.sh")


def bundle(modules, workdir):
    """@grafana/ui and its dependencies for the browser, with what a bundler config would do:
    styles and assets empty (uPlot's stylesheet is linked), and react-router's v5 shim
    (runtime navigation, unused here) empty."""
    stub = os.path.join(workdir, "empty.cjs")
    with open(stub, "w") as f:
        f.write("module.exports = {};\n")
    os.symlink(modules, os.path.join(workdir, "node_modules"))
    entry = os.path.join(workdir, "preview.tsx")
    shutil.copy(os.path.join(HERE, "previews", "preview.tsx"), entry)
    out = os.path.join(workdir, "preview.js")
    subprocess.run([os.path.join(modules, ".bin", "esbuild"), entry, "--bundle", "--minify",
                    "--format=iife", "--outfile=" + out, "--log-level=error",
                    "--define:process.env.NODE_ENV=\"production\"", "--define:global=window",
                    "--alias:react-router-dom-v5-compat=" + stub]
                   + ["--loader:.%s=empty" % ext for ext in ("css", "svg", "png", "woff", "woff2")],
                   check=True)
    shutil.copy(os.path.join(modules, "uplot", "dist", "uPlot.min.css"), workdir)
    return out


def screenshot(workdir, name, preview, png):
    data = os.path.join(workdir, name + ".data.js")
    with open(data, "w") as f:
        f.write("window.PREVIEW = %s;\n" % json.dumps(preview))
    page = os.path.join(workdir, name + ".html")
    with open(page, "w") as f:
        f.write('<!doctype html><html><head><meta charset="utf-8">'
                '<link rel="stylesheet" href="uPlot.min.css">'
                '<style>body{margin:0;background:#181b1f;overflow:hidden}</style></head>'
                '<body><div id="root"></div><script src="%s"></script>'
                '<script src="preview.js"></script></body></html>\n' % os.path.basename(data))
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--user-data-dir=" + os.path.join(workdir, "chromium"),
                    "--window-size=%d,%d" % (preview["width"], preview["height"]),
                    "--virtual-time-budget=5000", "--screenshot=" + png, "file://" + page],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def main():
    modules = subprocess.run([RUN, "--modules-dir"], check=True, capture_output=True,
                             text=True).stdout.strip()
    workdir = tempfile.mkdtemp(prefix="switchsim-previews-")
    sim = prom = None
    written = []
    try:
        js = bundle(modules, workdir)
        print("previews: bundled @grafana/ui (%d kB)" % (os.path.getsize(js) // 1024), flush=True)
        sim = Switchsim(os.path.join(ROOT, "build", "switchsim"),
                        ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0"])
        prom = Prometheus(write_config(workdir, sim.port), workdir)
        print("previews: collecting %d s of data" % COLLECT_S, flush=True)
        time.sleep(COLLECT_S)
        devices = sorted(prom.api("/api/v1/label/device/values", **{"match[]": "switch_device_info"}))
        ports = prom.api("/api/v1/label/port/values",
                         **{"match[]": 'switch_port_link_up{device="%s"}' % devices[0]})
        values, queries = os.path.join(workdir, "values.json"), os.path.join(workdir, "queries.json")
        with open(values, "w") as f:
            json.dump({"device": devices, "port": ports}, f)
        subprocess.run([RUN, "--values", values, "--queries-out", queries], check=True,
                       stdout=subprocess.DEVNULL)
        with open(queries) as f:
            found = [q for q in json.load(f) if q["selection"] == "all"]
        end = time.time()
        start = end - COLLECT_S
        os.makedirs(OUT, exist_ok=True)
        for name in sorted(os.listdir(os.path.join(ROOT, "grafana-dashboards"))):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(ROOT, "grafana-dashboards", name)) as f:
                d = json.load(f)
            for p in d["panels"]:
                if p["type"] != "timeseries":
                    continue
                results = []
                for q in found:
                    if q["dashboard"] == name and q["title"] == p["title"]:
                        expr = backend_builtins(q["expr"], 1, STEP_S, COLLECT_S)
                        series = prom.api("/api/v1/query_range", query=expr, start="%.3f" % start,
                                          end="%.3f" % end, step=str(STEP_S))["result"]
                        results.append({"refId": q["refId"], "legendFormat": q["legendFormat"],
                                        "series": series})
                g = p["gridPos"]
                preview = {"panel": p, "results": results, "from_s": start, "to_s": end,
                           "width": g["w"] * GRID_WIDTH_PX // 24, "height": g["h"] * 30 + (g["h"] - 1) * 8}
                png = os.path.join(OUT, "%s-%d.png" % (d["uid"], p["id"]))
                screenshot(workdir, "%s-%d" % (d["uid"], p["id"]), preview, png)
                written.append(os.path.relpath(png, ROOT))
                print("previews: %s (%s)" % (written[-1], p["title"]), flush=True)
    finally:
        if prom:
            prom.stop()
        if sim:
            sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print("previews: %d written" % len(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
