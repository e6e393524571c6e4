#!/usr/bin/python3
"""check_layers.py - fail on any #include that points up the layer order, and on any
external library used outside its one module. Run by `make layers` (part of `make check`).

The order is the single definition of the architecture; docs/ARCHITECTURE.md shows it.
A layer may include its own headers and those of layers with a lower rank. Layers of
equal rank (config, sim) may not include each other."""
import os
import re
import sys

# layer -> rank. Lower ranks are included by higher ones, never the other way round.
LAYERS = {
    "base": 0,
    "model": 1,
    "config": 2,
    "sim": 2,
    "expo": 3,
    "metrics": 4,
    "serve": 5,
    "web": 6,
    "app": 7,
}
# External library header -> the only files allowed to include it.
OWNERS = {
    "yaml.h": {"src/config/yaml.c"},
    "microhttpd.h": {"src/web/http.c"},
    "libdeflate.h": {"src/serve/compress.c"},
    "crypt.h": {"src/web/auth.c"},
    "gnutls/gnutls.h": {"src/web/http.c"},
    "curl/curl.h": {"src/serve/remote_write.c"},
    "snappy-c.h": {"src/serve/remote_write.c"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main(root):
    problems = []
    src = os.path.join(root, "src")
    for layer in sorted(os.listdir(src)):
        path = os.path.join(src, layer)
        if not os.path.isdir(path):
            problems.append(f"src/{layer}: source files belong in a layer folder")
            continue
        if layer not in LAYERS:
            problems.append(f"src/{layer}: unknown layer (add it to LAYERS in {sys.argv[0]})")
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            rel = f"src/{layer}/{name}"
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, target = m.groups()
                    where = f"{rel}:{lineno}"
                    if kind == '"':
                        parts = target.split("/")
                        if len(parts) != 2 or parts[0] not in LAYERS:
                            problems.append(f"{where}: include \"{target}\" must be \"layer/file.h\"")
                            continue
                        dep = parts[0]
                        if dep != layer and LAYERS[dep] >= LAYERS[layer]:
                            problems.append(
                                f"{where}: {layer} (rank {LAYERS[layer]}) must not include "
                                f"{target} ({dep}, rank {LAYERS[dep]})")
                    elif target in OWNERS and rel not in OWNERS[target]:
                        problems.append(
                            f"{where}: <{target}> is used only from {', '.join(sorted(OWNERS[target]))}")
    for p in problems:
        print("layers: " + p, file=sys.stderr)
    if problems:
        print(f"layers: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("layers: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
