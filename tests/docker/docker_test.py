#!/usr/bin/python3
"""Build the project's Dockerfile with Debian's docker.io, run the image, run the compose stack.

What it does, in order (each step prints a line; the last line is "docker: N passed, N failed"):
 1. starts its own dockerd (own socket, data root, exec root and pidfile; default settings
    otherwise), in the background; it is stopped by its PID at the end, also on failure;
 2. makes the base image the Dockerfile names (debian:12-slim) from Debian's archive, once per
    machine: `debootstrap --variant=minbase bookworm`, trimmed and configured like the official
    slim images (no recommends, apt's docker-clean, no docs, man pages or locales), then
    `docker import`. No image registry is reachable here, and nothing is ever pulled;
 3. checks the build context the .dockerignore lets through;
 4. builds the Dockerfile unchanged (BuildKit) with REVISION from git, then rebuilds it after a
    source change and checks the toolchain layer came from the cache;
 5. runs the image twice, on the default port and with --web.listen-address on another one:
    both turn healthy, run as a non-root uid, serve metrics `promtool check metrics` accepts,
    with switchsim_build_info's revision from git, gzip on request; `docker stop` (SIGTERM)
    ends the container with exit code 0 within a few seconds;
 6. builds a Prometheus image from Debian's `prometheus` package under the tag the compose
    file pins, runs `docker-compose up switchsim prometheus` (the Grafana image cannot be built
    here), and checks ports are published on 127.0.0.1 only, Prometheus scrapes switchsim by
    its service name, every rule in prom-config/rules loads and evaluates, and the lifecycle
    API is off;
 7. removes everything it made (containers, networks, volumes, images, build cache), except
    the cached base image, and stops dockerd.

The base image and dockerd's data root live in $SWITCHSIM_DOCKER_CACHE (default
/var/cache/switchsim-docker) and survive between runs; a lock there serialises two runs on one
machine. Needs root (dockerd does). Only this test's own processes are ever signalled.
"""
import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "docker")
CACHE = os.environ.get("SWITCHSIM_DOCKER_CACHE", "/var/cache/switchsim-docker")
RUNDIR = os.environ.get("SWITCHSIM_DOCKER_RUN", "/run/switchsim-docker")
MIRROR = os.environ.get("SWITCHSIM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DOCKER = "/usr/bin/docker"  # Debian's client, matching Debian's daemon
COMPOSE = "/usr/bin/docker-compose"
PROJECT = "switchsimtest"
BASE_TAG = "debian:12-slim"
IMAGE = "switchsim:test"
ALT_PORT = 9200  # the non-default port the health check must follow
START = time.monotonic()

# The official slim images' apt and dpkg settings (debuerreotype), written into the base.
APT_CONF = {
    "docker-clean": """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
""",
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "docker-no-recommends": 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n',
}
DPKG_EXCLUDES = """\
# The "slim" variant: files containers do not need are excluded, and stay excluded.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
"""
# A change to the recipe above makes a new base (the image carries this hash as a label).
RECIPE = hashlib.sha256(
    (MIRROR + json.dumps(APT_CONF, sort_keys=True) + DPKG_EXCLUDES).encode()).hexdigest()[:16]

results = {"passed": 0, "failed": 0}


class Fatal(Exception):
    """A step failed in a way later steps depend on."""


def say(msg):
    print("docker: [%3ds] %s" % (time.monotonic() - START, msg), flush=True)


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print("%s - %s" % ("ok" if ok else "not ok", name), flush=True)
    if not ok and detail:
        for line in str(detail).rstrip().splitlines()[-40:]:
            print("    " + line)
    return ok


def on_sigterm(_signum, _frame):
    raise KeyboardInterrupt("SIGTERM")


class Docker:
    """The test's own dockerd and the CLI talking to it."""

    def __init__(self, workdir):
        self.sock = os.path.join(RUNDIR, "docker.sock")
        self.pidfile = os.path.join(RUNDIR, "dockerd.pid")
        self.env = dict(os.environ, DOCKER_HOST="unix://" + self.sock, DOCKER_BUILDKIT="1",
                        DOCKER_CONFIG=os.path.join(workdir, "docker-config"),
                        COMPOSE_PROJECT_NAME=PROJECT)
        for k in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
            self.env.pop(k, None)
        self.log_path = os.path.join(workdir, "dockerd.log")
        self.proc = None

    def run(self, args, timeout=120, check_rc=True, stdin=None, env=None, cmd=DOCKER):
        p = subprocess.run([cmd] + args, env=env or self.env, capture_output=True, text=True,
                           timeout=timeout, input=stdin)
        if check_rc and p.returncode != 0:
            raise Fatal("%s %s: exit %d\n%s%s" % (os.path.basename(cmd), " ".join(args),
                                                  p.returncode, p.stdout[-3000:],
                                                  p.stderr[-3000:]))
        return p

    def inspect(self, name):
        p = self.run(["inspect", name], check_rc=False)
        return json.loads(p.stdout)[0] if p.returncode == 0 else None

    def stale_daemon(self):
        """PID of a dockerd left behind by an earlier run of this test that was killed."""
        try:
            pid = int(open(self.pidfile).read().strip())
            cmdline = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")
        except (OSError, ValueError):
            return None
        if os.path.basename(cmdline[0]) == b"dockerd" and self.sock.encode() in b" ".join(cmdline):
            return pid
        return None

    def start(self):
        os.makedirs(RUNDIR, exist_ok=True)
        stale = self.stale_daemon()
        if stale:  # we hold the lock, so its owner is gone: it was started by this test
            say("stopping the dockerd (pid %d) a killed earlier run left behind" % stale)
            os.kill(stale, signal.SIGTERM)
            wait_gone(stale, 30)
        say("starting dockerd (socket %s, data root %s/data)" % (self.sock, CACHE))
        self.proc = subprocess.Popen(
            ["/usr/sbin/dockerd", "--host", "unix://" + self.sock,
             "--data-root", os.path.join(CACHE, "data"),
             "--exec-root", os.path.join(RUNDIR, "exec"), "--pidfile", self.pidfile],
            stdin=subprocess.DEVNULL, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fatal("dockerd exited with %d:\n%s" % (self.proc.returncode, self.log_tail()))
            if self.run(["version"], check_rc=False, timeout=10).returncode == 0:
                return
            time.sleep(0.5)
        raise Fatal("dockerd did not answer within 60 s:\n" + self.log_tail())

    def log_tail(self):
        try:
            return "".join(open(self.log_path).readlines()[-30:])
        except OSError:
            return ""

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return True
        say("stopping dockerd (pid %d)" % self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            return False
        # Its containerd and shims are its children; none may outlive it.
        left = [pid for pid in pids_mentioning(os.path.join(RUNDIR, "exec"))]
        for pid in left:
            os.kill(pid, signal.SIGTERM)
        return not left


def pids_mentioning(text):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if text.encode() in open("/proc/%s/cmdline" % entry, "rb").read():
                    found.append(int(entry))
            except OSError:
                pass
    return found


def wait_gone(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=5, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# ---- base image ----------------------------------------------------------------------------
def ensure_base(d):
    img = d.inspect(BASE_TAG)
    labels = (img or {}).get("Config", {}).get("Labels") or {}
    if labels.get("org.switchsim.base-recipe") == RECIPE:
        say("base image %s cached (recipe %s, made %s)" % (BASE_TAG, RECIPE, img["Created"][:19]))
        return
    say("making base image %s: debootstrap --variant=minbase bookworm from %s "
        "(once per machine, about 2 minutes)" % (BASE_TAG, MIRROR))
    rootfs = tempfile.mkdtemp(prefix="rootfs.", dir=CACHE)
    try:
        p = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", rootfs, MIRROR],
                           capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            raise Fatal("debootstrap failed:\n" + (p.stdout + p.stderr)[-3000:])
        for name, text in APT_CONF.items():
            with open(os.path.join(rootfs, "etc/apt/apt.conf.d", name), "w") as f:
                f.write(text)
        os.makedirs(os.path.join(rootfs, "etc/dpkg/dpkg.cfg.d"), exist_ok=True)
        with open(os.path.join(rootfs, "etc/dpkg/dpkg.cfg.d/docker"), "w") as f:
            f.write(DPKG_EXCLUDES)
        # What the excludes would have kept out, and the caches debootstrap left.
        subprocess.run(["sh", "-c", r"""
            cd "$1" || exit 1
            find usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete
            find usr/share/doc -mindepth 1 -type d -empty -delete
            rm -rf usr/share/groff/* usr/share/info/* usr/share/linda/* \
                   usr/share/lintian/overrides/* usr/share/locale/* usr/share/man/*
            rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
                   var/cache/debconf/*-old var/log/* tmp/*
            mkdir -p var/lib/apt/lists/partial
            """, "sh", rootfs], check=True, timeout=120)
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", rootfs, "-c", "."],
                               stdout=subprocess.PIPE)
        imp = subprocess.run([DOCKER, "import", "--change", 'CMD ["bash"]',
                              "--change", "LABEL org.switchsim.base-recipe=" + RECIPE,
                              "-", BASE_TAG], stdin=tar.stdout, env=d.env,
                             capture_output=True, text=True, timeout=300)
        tar.stdout.close()
        if tar.wait() != 0 or imp.returncode != 0:
            raise Fatal("docker import failed: " + imp.stderr)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    size = d.inspect(BASE_TAG)["Size"]
    say("base image %s made, %d MB" % (BASE_TAG, size // 1000000))


# ---- the switchsim image -------------------------------------------------------------------
def git_revision():
    p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else "docker-test"


def check_context(d, workdir):
    """The files the .dockerignore lets into the build context."""
    out = os.path.join(workdir, "context")
    d.run(["build", "--progress=plain", "-o", "type=local,dest=" + out, "-f", "-", ROOT],
          stdin="FROM scratch\nCOPY . /\n", timeout=120)
    top = set(os.listdir(out))
    need = {"src", "profiles", "scripts", "deploy", "Makefile"}
    check(".dockerignore lets the build's inputs in (src/, profiles/, scripts/, deploy/, Makefile)",
          need <= top, "context has: %s" % sorted(top))
    check(".dockerignore keeps everything else out (tests, docs, bench, .git, build, ...)",
          top <= need, "also in the context: %s" % sorted(top - need))


def build_image(d, context, revision, tag):
    t0 = time.monotonic()
    p = d.run(["build", "--progress=plain", "--build-arg", "REVISION=" + revision, "-t", tag,
               context], timeout=600, check_rc=False)
    return p, time.monotonic() - t0


def cached_steps(build_output):
    """Build steps (their `RUN ...` text) BuildKit took from its cache."""
    names = dict(re.findall(r"^#(\d+) \[[^\]]*\] (.*)$", build_output, re.M))
    return {names[n] for n in re.findall(r"^#(\d+) CACHED$", build_output, re.M) if n in names}


def check_rebuild_cache(d, workdir, revision):
    """Rebuild after changing a source file: the toolchain layer must come from the cache."""
    copy = os.path.join(workdir, "rebuild")
    shutil.copytree(ROOT, copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "build", "__pycache__"))
    sources = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(copy, "src"))
                     for f in fs if f.endswith(".c"))
    with open(sources[0], "a") as f:
        f.write("\n/* docker_test.py: a source change */\n")
    say("rebuilding after a change to %s" % os.path.relpath(sources[0], copy))
    p, secs = build_image(d, copy, revision, IMAGE + "-rebuild")
    if not check("image rebuilds after a source change", p.returncode == 0, p.stderr[-3000:]):
        return
    cached = cached_steps(p.stderr)
    deps = [s for s in cached if "deps.sh" in s and s.startswith("RUN")]
    check("the rebuild reuses the toolchain layer (%.0f s)" % secs, bool(deps),
          "steps from the cache: %s" % sorted(cached))
    d.run(["rmi", IMAGE + "-rebuild"], check_rc=False)


def wait_healthy(d, names, seconds=60):
    deadline = time.monotonic() + seconds
    status = {}
    while time.monotonic() < deadline:
        for n in names:
            info = d.inspect(n)
            status[n] = info["State"].get("Health", {}).get("Status", "none") if info else "gone"
            if info and not info["State"]["Running"]:
                status[n] = "exited %d" % info["State"]["ExitCode"]
        if all(s != "starting" for s in status.values()):
            break
        time.sleep(1)
    return status


def container_ip(info):
    for net in info["NetworkSettings"]["Networks"].values():
        if net.get("IPAddress"):
            return net["IPAddress"]
    return None


def check_metrics(base_url, revision, label):
    status, headers, body = http_get(base_url + "/metrics")
    text = body.decode("utf-8", "replace")
    if not check("%s: GET /metrics is 200" % label, status == 200, "status %d" % status):
        return
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                       timeout=60)
    check("%s: promtool check metrics accepts the body" % label, p.returncode == 0,
          (p.stdout + p.stderr).decode(errors="replace"))
    m = re.search(r'^switchsim_build_info\{[^}]*\brevision="([^"]*)"', text, re.M)
    check("%s: switchsim_build_info revision is git's (%s)" % (label, revision),
          bool(m) and m.group(1) == revision,
          "found %s" % (m.group(0) if m else "no switchsim_build_info with a revision"))
    status, headers, zbody = http_get(base_url + "/metrics", {"Accept-Encoding": "gzip"})
    enc = {k.lower(): v for k, v in headers.items()}.get("content-encoding")
    try:
        unzipped = gzip.decompress(zbody).decode("utf-8", "replace")
    except OSError as e:
        unzipped = "not gzip: %s" % e
    check("%s: gzip on Accept-Encoding: gzip" % label,
          status == 200 and enc == "gzip" and "switchsim_build_info" in unzipped,
          "status %d, Content-Encoding %s, %s" % (status, enc, unzipped[:200]))


def check_running_image(d, revision):
    img = d.inspect(IMAGE)
    default_cmd = img["Config"]["Cmd"] or []
    names = {"switchsim-test-default": [],
             "switchsim-test-port": default_cmd + ["--web.listen-address=:%d" % ALT_PORT]}
    for name, args in names.items():
        d.run(["run", "-d", "--name", name, IMAGE] + args)
    say("waiting for the containers' health checks (the image's interval is 10 s)")
    status = wait_healthy(d, list(names))
    for name, port in (("switchsim-test-default", 19116), ("switchsim-test-port", ALT_PORT)):
        info = d.inspect(name)
        what = "default port" if port == 19116 else "--web.listen-address=:%d" % port
        log = json.dumps((info["State"].get("Health") or {}).get("Log", [])[-2:], indent=1)
        if not check("container on the %s turns healthy" % what, status[name] == "healthy",
                     "status %s; health log: %s\n%s" % (status[name], log,
                                                        d.run(["logs", name], check_rc=False).stderr)):
            continue
        uids = ""
        try:
            status_txt = open("/proc/%d/status" % info["State"]["Pid"]).read()
            uids = re.search(r"^Uid:\s+(.*)$", status_txt, re.M).group(1).split()
        except (OSError, AttributeError):
            pass
        check("%s: switchsim runs as a non-root uid (%s)" % (what, " ".join(uids)),
              bool(uids) and all(u != "0" for u in uids), "Uid: %s" % uids)
        check_metrics("http://%s:%d" % (container_ip(info), port), revision, what)
    t0 = time.monotonic()
    d.run(["stop", "-t", "10", "switchsim-test-default"], timeout=30)
    secs = time.monotonic() - t0
    state = d.inspect("switchsim-test-default")["State"]
    check("docker stop (SIGTERM) ends the container with exit 0 within 5 s (%.1f s)" % secs,
          state["ExitCode"] == 0 and secs < 5 and not state.get("OOMKilled"),
          "exit code %d after %.1f s" % (state["ExitCode"], secs))
    d.run(["rm", "-f"] + list(names), check_rc=False)


# ---- compose -------------------------------------------------------------------------------
def expected_rules():
    n = 0
    for name in sorted(os.listdir(os.path.join(ROOT, "prom-config", "rules"))):
        if name.endswith((".yml", ".yaml")):
            doc = yaml.safe_load(open(os.path.join(ROOT, "prom-config", "rules", name)))
            n += sum(len(g.get("rules") or []) for g in (doc or {}).get("groups") or [])
    return n


def poll(fn, seconds, interval=1.0):
    """fn() -> (done, detail); repeats until done or time is up; returns the last pair."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            done, detail = fn()
        except (OSError, ValueError) as e:
            done, detail = False, "%s" % e
        if done or time.monotonic() > deadline:
            return done, detail
        time.sleep(interval)


def check_compose(d, compose_env):
    compose_file = os.path.join(ROOT, "docker-compose.yml")
    spec = yaml.safe_load(open(compose_file))["services"]
    prom_tag = spec["prometheus"]["image"]
    say("building %s from Debian's prometheus package (tests/docker/prometheus.Dockerfile)"
        % prom_tag)
    d.run(["build", "--progress=plain", "-t", prom_tag, "-f",
           os.path.join(HERE, "prometheus.Dockerfile"), HERE], timeout=300)
    d.run(["tag", IMAGE, spec["switchsim"]["image"]])
    say("docker-compose up switchsim prometheus (Grafana's image cannot be built here)")
    d.run(["-f", compose_file, "up", "-d", "--no-build", "switchsim", "prometheus"],
          cmd=COMPOSE, env=compose_env, timeout=120)
    published = d.run(["-f", compose_file, "port", "prometheus", "9090"], cmd=COMPOSE,
                      env=compose_env).stdout.strip()  # HOST:PORT
    prom = "http://%s" % published.replace("0.0.0.0:", "127.0.0.1:")

    for service in ("switchsim", "prometheus"):
        cid = d.run(["-f", compose_file, "ps", "-q", service], cmd=COMPOSE,
                    env=compose_env).stdout.strip()
        bindings = (d.inspect(cid) or {}).get("HostConfig", {}).get("PortBindings") or {}
        ips = {b.get("HostIp") for bs in bindings.values() for b in bs or []}
        check("compose publishes %s on 127.0.0.1 only" % service, ips == {"127.0.0.1"},
              "PortBindings: %s" % bindings)

    def target_up():
        _, _, body = http_get(prom + "/api/v1/targets")
        targets = json.loads(body)["data"]["activeTargets"]
        ours = [t for t in targets if t["labels"].get("job") == "switchsim"]
        ok = any(t["health"] == "up" and "//switchsim:19116/" in t["scrapeUrl"] for t in ours)
        return ok, json.dumps(ours, indent=1)[:2000]
    say("waiting for Prometheus to scrape switchsim:19116")
    ok, detail = poll(target_up, 60)
    check("Prometheus scrapes switchsim by its service name (target up)", ok, detail)

    want = expected_rules()

    def rules_ok():
        _, _, body = http_get(prom + "/api/v1/rules")
        rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
        bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        return len(rules) == want and not bad, "%d of %d rules loaded; not ok: %s" % (
            len(rules), want, bad[:10])
    ok, detail = poll(rules_ok, 30)
    check("Prometheus loads and evaluates all %d rules of prom-config/rules" % want, ok, detail)

    status, _, body = http_get(prom + "/-/reload", method="POST")
    check("Prometheus's lifecycle API is off (POST /-/reload is 403)", status == 403,
          "status %d: %s" % (status, body[:200]))


# ---- main ----------------------------------------------------------------------------------
def cleanup(d, compose_env):
    say("removing containers, networks, volumes, images and build cache (keeping %s)" % BASE_TAG)
    d.run(["-f", os.path.join(ROOT, "docker-compose.yml"), "down", "-v", "--remove-orphans",
           "-t", "5"], cmd=COMPOSE, env=compose_env, check_rc=False, timeout=120)
    ids = d.run(["ps", "-aq"], check_rc=False).stdout.split()
    if ids:
        d.run(["rm", "-f", "-v"] + ids, check_rc=False, timeout=120)
    base = (d.inspect(BASE_TAG) or {}).get("Id")
    for line in d.run(["images", "-a", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"],
                      check_rc=False).stdout.splitlines():
        iid, ref = line.split(" ", 1)
        if not (base and base.startswith("sha256:" + iid)):
            d.run(["rmi", "-f", ref if "<none>" not in ref else iid], check_rc=False)
    d.run(["network", "prune", "-f"], check_rc=False)
    d.run(["volume", "prune", "-f"], check_rc=False)
    d.run(["builder", "prune", "-a", "-f"], check_rc=False, timeout=120)
    left = d.run(["images", "-q"], check_rc=False).stdout.split()
    check("only the cached base image is left", left == [base[7:19]] if base else not left,
          "images left: %s" % left)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    if os.geteuid() != 0:
        check("runs as root (it starts its own dockerd)", False,
              "run `make docker-test` as root")
        return
    os.makedirs(CACHE, exist_ok=True)
    lock = open(os.path.join(CACHE, "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("another docker test holds %s/lock; waiting" % CACHE)
        fcntl.flock(lock, fcntl.LOCK_EX)
    workdir = tempfile.mkdtemp(prefix="switchsim-docker-test.")
    d = Docker(workdir)
    revision = git_revision()
    compose_env = dict(d.env, SWITCHSIM_REVISION=revision, SWITCHSIM_PORT=str(free_port()),
                       PROMETHEUS_PORT=str(free_port()), GRAFANA_PORT=str(free_port()))
    compose_env.pop("SWITCHSIM_BIND_ADDRESS", None)
    try:
        d.start()
        leftovers = d.run(["ps", "-aq"]).stdout.split()
        if leftovers:  # a killed earlier run's; its images go with the final cleanup
            say("removing %d containers a killed earlier run left behind" % len(leftovers))
            d.run(["rm", "-f", "-v"] + leftovers, timeout=120)
            d.run(["network", "prune", "-f"])
        ensure_base(d)
        check_context(d, workdir)
        say("building the Dockerfile (REVISION=%s)" % revision)
        p, secs = build_image(d, ROOT, revision, IMAGE)
        if not check("Dockerfile builds with nothing pulled (%.0f s)" % secs, p.returncode == 0,
                     p.stderr[-4000:]):
            raise Fatal("no image to run")
        check_running_image(d, revision)
        check_rebuild_cache(d, workdir, revision)
        check_compose(d, compose_env)
    except Fatal as e:
        check("docker steps", False, e)
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as e:
        check("docker steps", False, "interrupted: %r" % e)
    except (OSError, ValueError, KeyError, TypeError):  # a bug here, or a broken daemon
        check("docker steps", False, traceback.format_exc())
    finally:
        try:
            if d.proc and d.proc.poll() is None:
                cleanup(d, compose_env)
        except (Fatal, subprocess.TimeoutExpired, KeyboardInterrupt) as e:
            check("cleanup", False, e)
        finally:
            check("dockerd stopped, no process of it left", d.stop(), d.log_tail())
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
    say("done")
    print("docker: %d passed, %d failed" % (results["passed"], results["failed"]))
    sys.exit(1 if results["failed"] else 0)
