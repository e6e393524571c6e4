"""Start and stop a real switchsim process for tests (127.0.0.1 only, bounded waits)."""
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

# logfmt (msg="Listening on" address=[::]:N) or JSON ("msg":"Listening on",...,"address":"...:N")
LISTEN_RE = re.compile(r'"?msg"?[=:]"Listening on".*?"?address"?[=:]"?[^ "]*:(\d+)')


class Switchsim:
    """A running switchsim. Use as a context manager: the process never outlives the test."""

    def __init__(self, binary, args, wrapper=None, start_timeout=30.0, wait_ready=True):
        self.cmd = list(wrapper or []) + [binary] + list(args)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.stderr_lines = []
        self.port = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._ready.wait(start_timeout) or self.port is None:
            self.kill()
            raise RuntimeError("switchsim did not start: %s\n%s" % (self.cmd, self.stderr()))
        # The listener opens at once; scrapes answer 503 until the simulation has caught up
        # from the start time (a few milliseconds for minutes of history).
        if wait_ready and not wait_for(self._is_ready, start_timeout):
            self.kill()
            raise RuntimeError("switchsim never became ready: %s\n%s" % (self.cmd, self.stderr()))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            m = LISTEN_RE.search(line)
            if m and self.port is None:
                self.port = int(m.group(1))
                self._ready.set()
        self._ready.set()

    def _is_ready(self):
        try:
            return self.get("/-/ready")[0] == 200
        except OSError:  # not reachable at 127.0.0.1 (a listener on ::1 only, say)
            return False

    def stderr(self):
        return "".join(self.stderr_lines)

    def url(self, path="/metrics"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path="/metrics", method="GET", headers=None):
        req = urllib.request.Request(self.url(path), method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self, sig=signal.SIGTERM, timeout=60.0):
        """Sends sig and returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self._reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


def run(binary, args, timeout=60, wrapper=None):
    """Runs switchsim to completion: (exit code, stdout, stderr)."""
    p = subprocess.run(list(wrapper or []) + [binary] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
