"""benchlib.py: what the benchmark scripts share (Python 3 standard library only).

- Mock: the mock DRF server (tests/mock_oms.py --stats) in processes of its own
  (workers=N, cache=True: see tests/mock_workers.py), with its runtime /__control__
  switches and its counters (connections accepted, API requests, requests in
  flight, CPU), shared by all its workers.
- median / ratio formatting, and a table printer.
- machine(): the machine the figures come from.
"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
API_PATH = "/api/v1/oms/logs/action_log/"
TOKEN = "bench-token"
# How long the mock may take to say "PORT n" (it builds its id table, and with
# cache=True generates every entry, ~2.5 s for 20,000 here, first).
MOCK_START_TIMEOUT_S = 30


class Mock:
    """tests/mock_oms.py in child processes of its own (so a Python client under test
    does not share its interpreter lock), counting connections, requests, requests
    in flight and CPU (--stats, see tests/mock_workers.py). Options are mock_oms.py's
    (also workers, cache): True is a bare flag, False and None none."""

    def __init__(self, **options):
        args = [sys.executable, os.path.join(ROOT, "tests", "mock_oms.py"), "--stats"]
        options.setdefault("token", TOKEN)
        for name, value in options.items():
            flag = "--" + name.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value is not False and value is not None:
                args += [flag, str(value)]
        self.token = options["token"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     text=True)
        line = self._first_line()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("mock server did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port
        self.api = self.url + API_PATH

    def _first_line(self):
        deadline = time.monotonic() + MOCK_START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                return line.strip()
            if self.proc.poll() is not None:
                return "(exited with %s)" % self.proc.returncode
        return "(timed out)"

    def control(self, **changes):
        """POST changes (if any) to /__control__; returns its description."""
        data = json.dumps(changes).encode() if changes else None
        req = urllib.request.Request(self.url + "/__control__", data=data,
                                     method="POST" if changes else "GET")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def connections(self):
        return self.control()["state"]["connections"]

    def state(self):
        """The counters of every worker (mock_workers.py): connections, requests,
        cpu_s, inflight; reading resets the in-flight maximum."""
        return self.control()["state"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def quick():
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def table(headers, rows):
    """Print rows (lists of str) under headers, columns aligned."""
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, headers))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(("%*s" if i else "%-*s") % (w, c)
                        for i, (w, c) in enumerate(zip(widths, r))).rstrip())


def machine():
    """One line: CPUs, CPU model, memory, kernel."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = ", %.1f GiB RAM" % (kb / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        pass
    return "%d CPUs (%s)%s, Linux %s" % (os.cpu_count() or 0, model, mem, os.uname().release)


def vm_status(pid, field):
    """A /proc/<pid>/status field in kB (VmHWM, VmRSS), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None
