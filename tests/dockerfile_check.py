#!/usr/bin/python3
"""Static checks of the Dockerfile and docker-compose.yml (seconds; part of config-check).

The real build and run is tests/docker/docker_test.py (`make docker-test`); this catches the
same defects early, without a Docker engine:
- multi-stage, Debian 12 base images pinned by tag; no `# syntax=` directive (BuildKit would
  fetch that frontend image from a registry);
- every build-stage RUN command is one of the README's own commands (make variables aside);
- the build stage copies only scripts/deps.sh before installing the toolchain, so a source
  change does not reinstall it;
- the revision comes in as a build argument (the context has no .git) and reaches `make`;
- the runtime stage runs as a non-root user, exposes 19116, copies from the build stage, its
  runtime packages exist in Debian, and its HEALTHCHECK names no port (it must follow -p and
  --web.listen-address);
- the compose stack, as `docker-compose config` resolves it with no variables set, publishes
  every port on 127.0.0.1 only, gives Grafana's anonymous users the Viewer role at most, keeps
  Prometheus's lifecycle API off, and passes REVISION to the switchsim build.
`--root DIR` checks another checkout (the tests of this script use the old files).
"""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stages(lines):
    out = []
    for line in lines:
        word = line.split(None, 1)[0].upper() if line.strip() else ""
        if word == "FROM":
            out.append([])
        if out:
            out[-1].append(line)
    return out


def logical_lines(text):
    joined = re.sub(r"\\\n", " ", text)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def readme_commands(root):
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    cmds = set()
    for block in re.findall(r"```(?:sh|console)?\n(.*?)```", readme, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().lstrip("$ ").strip()
            if line:
                cmds.add(line)
    return cmds


def check_dockerfile(root):
    problems = []
    text = open(os.path.join(root, "Dockerfile"), encoding="utf-8").read()
    if re.search(r"^#\s*syntax\s*=", text, re.M | re.I):
        problems.append("Dockerfile has a `# syntax=` directive: BuildKit fetches that frontend "
                        "image from a registry")
    st = stages(logical_lines(text))
    if len(st) < 2:
        return problems + ["Dockerfile must be multi-stage"]
    for s in st:
        image = s[0].split()[1]
        if not re.match(r"^debian:12(\.\d+)?(-slim)?$|^debian:bookworm(-\d+)?(-slim)?$", image):
            problems.append("base image %s is not a pinned Debian 12 image" % image)
    build, final = st[0], st[-1]

    def bare(cmd):  # without make's VAR=value arguments
        return " ".join(w for w in cmd.split() if not re.match(r"^[A-Z_]+=", w))
    known = {bare(c) for c in readme_commands(root)}
    for ln in build:
        if not ln.upper().startswith("RUN "):
            continue
        for cmd in ln[4:].split("&&"):
            if bare(cmd) not in known:
                problems.append("build step %r is not one of the README's commands" % cmd.strip())

    deps_at = next((i for i, ln in enumerate(build)
                    if ln.upper().startswith("RUN ") and "deps.sh" in ln), None)
    if deps_at is None:
        problems.append("build stage does not run scripts/deps.sh")
    else:
        for ln in build[:deps_at]:
            if ln.upper().startswith(("COPY ", "ADD ")) and ln.split()[1:-1] != ["scripts/deps.sh"]:
                problems.append("%r comes before the toolchain install: any change to those files "
                                "reinstalls it (copy scripts/deps.sh alone first)" % ln)

    args = [ln.split()[1].split("=")[0] for ln in build if ln.upper().startswith("ARG ")]
    make_runs = [ln for ln in build if re.match(r"^RUN make(\s|$)", ln)]
    if "REVISION" not in args or not any(re.search(r"\bREVISION=\S*\$\{?REVISION\b", ln)
                                         for ln in make_runs):
        problems.append("the build stage must take ARG REVISION and pass it to make "
                        "(REVISION=\"$REVISION\"): the context has no .git")

    ftext = "\n".join(final)
    user = re.findall(r"^USER (\S+)", ftext, re.M)
    if not user or user[-1].split(":")[0] in ("root", "0"):
        problems.append("runtime stage must switch to a non-root USER")
    if not re.search(r"^EXPOSE 19116\b", ftext, re.M):
        problems.append("runtime stage must EXPOSE 19116")
    health = re.findall(r"^HEALTHCHECK (.*)$", ftext, re.M)
    if not health:
        problems.append("runtime stage needs a HEALTHCHECK")
    elif re.search(r"\b\d{4,5}\b", re.sub(r"--\w+=\S+", "", health[-1])):
        problems.append("HEALTHCHECK names a port (%s): with -p or --web.listen-address the "
                        "container turns unhealthy" % health[-1])
    if not re.search(r"^COPY --from=build \S+ \S+$", ftext, re.M):
        problems.append("runtime stage must COPY --from=build")
    pkgs = " ".join(re.findall(r"--no-install-recommends ([^&]+)", ftext)).split()
    for pkg in pkgs:
        if subprocess.run(["apt-cache", "show", pkg], capture_output=True).returncode != 0:
            problems.append("runtime package %s is not in Debian's archive" % pkg)
    return problems


def check_compose(root):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SWITCHSIM_", "PROMETHEUS_", "GRAFANA_", "COMPOSE_"))}
    p = subprocess.run(["docker-compose", "-f", os.path.join(root, "docker-compose.yml"),
                        "config"], capture_output=True, text=True, env=env, cwd=root)
    if p.returncode != 0:
        return ["docker-compose config failed: " + p.stderr.strip()]
    services = yaml.safe_load(p.stdout)["services"]
    problems = []
    for name, svc in services.items():
        for port in svc.get("ports") or []:
            host = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
            if host != "127.0.0.1":
                problems.append("compose publishes %s's %s on %s, not 127.0.0.1"
                                % (name, port, host or "all interfaces"))
    graf = services.get("grafana", {}).get("environment") or {}
    if isinstance(graf, list):
        graf = dict(e.split("=", 1) for e in graf)
    if str(graf.get("GF_AUTH_ANONYMOUS_ENABLED", "false")).lower() == "true" and \
            graf.get("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer") != "Viewer":
        problems.append("Grafana gives anonymous users the %s role (Viewer at most)"
                        % graf["GF_AUTH_ANONYMOUS_ORG_ROLE"])
    prom = services.get("prometheus", {}).get("command") or []
    if any("web.enable-lifecycle" in str(a) for a in prom):
        problems.append("Prometheus's lifecycle API is on (--web.enable-lifecycle): anyone who "
                        "reaches the port can reload or stop it")
    build = services.get("switchsim", {}).get("build") or {}
    if "REVISION" not in (build.get("args") or {}):
        problems.append("compose does not pass REVISION to the switchsim build")
    return problems


def main(argv):
    root = argv[argv.index("--root") + 1] if "--root" in argv else ROOT
    return check_dockerfile(root) + check_compose(root)


if __name__ == "__main__":
    found = main(sys.argv[1:])
    for line in found:
        print(line)
    sys.exit(1 if found else 0)
