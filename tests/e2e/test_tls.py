#!/usr/bin/python3
"""End-to-end, TLS and basic authentication: Debian's Prometheus scrapes switchsim over
HTTPS (certificate made now, verified against its CA) with basic auth, as a
--web.config.file in the exporter-toolkit format sets them up.

Usage: test_tls.py --binary build/switchsim
Closes with "e2e-tls: N passed, N failed"; everything is stopped and removed on every path.
"""
import argparse
import os
import sys
import tempfile
import traceback

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from switchsim_proc import Switchsim, wait_for  # noqa: E402
from test_binary import bcrypt, make_pki  # noqa: E402
from test_prometheus import Prometheus, finish, setup_failed  # noqa: E402

PROFILE = os.path.join(HERE, "e2e.yaml")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = os.path.abspath(ap.parse_args().binary)
    workdir = tempfile.mkdtemp(prefix="switchsim-e2e-tls-")
    results = []
    sim = prom = None
    try:
        pki = make_pki(workdir)
        web = os.path.join(workdir, "web.yml")
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
                    "basic_auth_users:\n  prometheus: %s\n"
                    % (pki["srv.pem"], pki["srv.key"], bcrypt("s3cret")))
        sim = Switchsim(binary, ["--profile", PROFILE, "--web.listen-address", "127.0.0.1:0",
                                 "--web.config.file", web], wait_ready=False)
        cfg = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
               "scrape_configs": [{
                   "job_name": "switchsim", "scheme": "https",
                   "tls_config": {"ca_file": pki["ca.pem"]},
                   "basic_auth": {"username": "prometheus", "password": "s3cret"},
                   "static_configs": [{"targets": ["127.0.0.1:%d" % sim.port]}]}]}
        path = os.path.join(workdir, "prometheus.yml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        prom = Prometheus(path, workdir)

        def up():
            ts = prom.api("/api/v1/targets")["activeTargets"]
            return ts and ts[0]["health"] == "up" and prom.query("switch_port_link_up")
        try:
            assert wait_for(up, 60, 0.5), prom.api("/api/v1/targets")["activeTargets"]
            assert len(prom.query('switch_port_link_up{job="switchsim"}')) > 10
            results.append(True)
            print("ok - Prometheus scrapes over TLS with basic auth, target up", flush=True)
        except Exception:  # noqa: BLE001
            results.append(False)
            print("not ok - Prometheus scrapes over TLS with basic auth", flush=True)
            traceback.print_exc()
    except Exception:  # noqa: BLE001
        setup_failed(results)
    finally:
        code = finish("e2e-tls", results, workdir, sim, prom)
    return code


if __name__ == "__main__":
    sys.exit(main())
