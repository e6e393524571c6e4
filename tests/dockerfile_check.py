#!/usr/bin/python3
"""Static check of the Dockerfile (no Docker engine here), and a real run of its build steps.

- multi-stage, Debian 12 base images pinned by tag;
- every build-stage RUN command is one of the README's own commands;
- the runtime stage runs as a non-root user, exposes 19116, has a HEALTHCHECK, copies from
  the build stage, and its runtime packages exist in Debian;
- the build-stage steps, run in a scratch copy of the repository with the same DESTDIR,
  produce the files the runtime stage copies, and ENTRYPOINT + CMD from that tree work;
- every shared library the built binary needs (ELF NEEDED) comes from a package the
  runtime stage installs, or from libc6, which every Debian image has.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

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


def readme_commands():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    cmds = set()
    for block in re.findall(r"```(?:sh|console)?\n(.*?)```", readme, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().lstrip("$ ").strip()
            if line:
                cmds.add(line)
    return cmds


def missing_runtime_packages(binary, runtime_pkgs):
    """Packages providing the binary's NEEDED libraries that the runtime stage lacks."""
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    if not needed:
        return ["readelf found no NEEDED libraries in %s" % binary]
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    problems = []
    for lib in needed:
        m = re.search(r"^\s*%s => (\S+)" % re.escape(lib), ldd, re.M)
        if not m:
            problems.append("cannot resolve %s" % lib)
            continue
        path = os.path.realpath(m.group(1))
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:  # usrmerge: the package may list the /lib path
            owner = subprocess.run(["dpkg", "-S", path.replace("/usr/lib/", "/lib/", 1)],
                                   capture_output=True, text=True)
        pkg = owner.stdout.split(":", 1)[0].strip()
        if not pkg:
            problems.append("no Debian package owns %s (%s)" % (path, lib))
        elif pkg not in runtime_pkgs and pkg != "libc6":
            problems.append("%s needs %s from package %s, which the runtime stage does not "
                            "install" % (os.path.basename(binary), lib, pkg))
    return problems


def main():
    problems = []
    lines = logical_lines(open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8").read())
    st = stages(lines)
    if len(st) < 2:
        problems.append("Dockerfile must be multi-stage")
        return problems
    for s in st:
        image = s[0].split()[1]
        if not re.match(r"^debian:12(\.\d+)?(-slim)?$|^debian:bookworm(-\d+)?(-slim)?$", image):
            problems.append("base image %s is not a pinned Debian 12 image" % image)
    build, final = st[0], st[-1]
    env = dict(re.findall(r"^ENV (\w+)=(\S+)$", "\n".join(build), re.M))
    known = readme_commands()
    build_runs = [ln[4:].strip() for ln in build if ln.upper().startswith("RUN ")]
    for run in build_runs:
        for cmd in run.split("&&"):
            if cmd.strip() not in known:
                problems.append("build step %r is not one of the README's commands" % cmd.strip())
    text = "\n".join(final)
    user = re.findall(r"^USER (\S+)", text, re.M)
    if not user or user[-1] in ("root", "0"):
        problems.append("runtime stage must switch to a non-root USER")
    if not re.search(r"^EXPOSE 19116\b", text, re.M):
        problems.append("runtime stage must EXPOSE 19116")
    if not re.search(r"^HEALTHCHECK ", text, re.M):
        problems.append("runtime stage needs a HEALTHCHECK")
    copy = re.search(r"^COPY --from=build (\S+) (\S+)$", text, re.M)
    if not copy:
        problems.append("runtime stage must COPY --from=build")
    pkgs = re.findall(r"--no-install-recommends ([^&]+)", text)
    for pkg in " ".join(pkgs).split():
        if subprocess.run(["apt-cache", "show", pkg], capture_output=True).returncode != 0:
            problems.append("runtime package %s is not in Debian's archive" % pkg)
    entry = re.search(r'^ENTRYPOINT (\[.*\])$', text, re.M)
    cmd = re.search(r'^CMD (\[.*\])$', text, re.M)
    if problems or not (copy and entry and cmd):
        return problems or ["ENTRYPOINT and CMD must be exec-form lists"]

    # Run the build stage's steps for real, in a scratch copy, like `COPY . .` does.
    scratch = tempfile.mkdtemp(prefix="switchsim-docker-")
    try:
        src = os.path.join(scratch, "src")
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns("build", ".git", "__pycache__"))
        stage_env = dict(os.environ)
        for k, v in env.items():
            stage_env[k] = scratch + v if k == "DESTDIR" else v
        for run in build_runs:
            p = subprocess.run(run, shell=True, cwd=src, env=stage_env, capture_output=True,
                               text=True, timeout=600)
            if p.returncode != 0:
                return ["build step %r failed:\n%s%s" % (run, p.stdout[-2000:], p.stderr[-2000:])]
        copied = os.path.join(scratch + copy.group(1).rstrip("/"))
        argv = eval(entry.group(1)) + eval(cmd.group(1))  # noqa: S307 - JSON list literals
        # Resolve the image paths inside the staged tree.
        argv = [os.path.join(copied, a[len("/usr/local/"):]) if a.startswith("/usr/local/") else a
                for a in argv]
        p = subprocess.run(argv + ["--check-config"], capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or "profiles OK" not in p.stdout:
            problems.append("the image's ENTRYPOINT/CMD fail on the staged files: %s %s"
                            % (shlex.join(argv), p.stderr))
        problems += missing_runtime_packages(argv[0], set(" ".join(pkgs).split()))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return problems


if __name__ == "__main__":
    found = main()
    for line in found:
        print(line)
    sys.exit(1 if found else 0)
