#!/usr/bin/env python3
"""open_bench.py: `omslog open` on a large export, driven through tmux.

    python3 bench/open_bench.py path/to/omslog [ENTRIES]    (default 1,000,000)

Writes an export of ENTRIES entries as `omslog list --format jsonl` writes them
(~260 bytes a line, a third of the warnings and errors with a trace), then, for
the plain file, the same file written oldest first (`list --reverse`: the index
is sorted) and the gzip-compressed file, measures in a 160x50 tmux pane:

  first screen   start -> "row 1 of N" painted (median of 3 runs, page cache warm)
  G              G -> the oldest entry selected
  :id            a jump to an id in the middle -> its entry selected
  summary        S -> the pane answers ("counting… N of M", the count runs between
                 keys), and S -> the exact summary of the whole file drawn
  filter         5 (CRITICAL and above) -> every match found (the whole file scanned)
  RSS            VmRSS after the first screen, after G, after 300 PgDn/PgUp and
                 20 jumps, and VmHWM (the peak) at the end

Everything runs on a private tmux server (-L) that is killed at the end; the
files live in a temporary directory that is removed.
"""
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COLS, ROWS = 160, 50
DEFAULT_ENTRIES = 1_000_000
FIRST_RUNS = 3
SCROLL_KEYS = 300
JUMPS = 20
TIMEOUT_S = 120.0
POLL_S = 0.01
LEVELS = [10, 20, 20, 20, 30, 40, 50]
APPS = ["oms", "wms", "payment", "erp_sync", "notifier"]
SOCKET = "omslog-open-bench-%d" % os.getpid()


def entry_line(i):
    level = LEVELS[i % len(LEVELS)]
    app = APPS[i % len(APPS)]
    trace = None
    if level >= 30 and i % 3 == 0:
        trace = ('Traceback (most recent call last):\n  File "/srv/oms/%s/tasks.py", line %d, '
                 'in run\n    self.sync(order)\n  File "/srv/oms/%s/sync.py", line %d, in sync'
                 '\n    raise ValueError(order)\nValueError: order %d is not valid\n'
                 % (app, i % 900, app, i % 300, i))
    return json.dumps({"id": i, "level": level, "logger_name": "oms.%s.tasks" % app,
                       "message": "order %d moved from bin %d to bin %d by worker %d "
                                  "(batch %d, attempt %d)" % (i, i % 97, i % 89, i % 16,
                                                              i // 100, i % 3 + 1),
                       "app_name": app, "trace": trace,
                       "created_at": "2023-%02d-%02dT%02d:%02d:%02d.%06dZ" % (
                           1 + i // 2_600_000 % 12, 1 + i // 86_400 % 28, i // 3600 % 24,
                           i // 60 % 60, i % 60, i % 1_000_000)},
                      ensure_ascii=False, separators=(",", ":")) + "\n"


def write_exports(d, n):
    paths = {"jsonl": os.path.join(d, "export.jsonl"),
             "reverse": os.path.join(d, "export-reverse.jsonl"),
             "gzip": os.path.join(d, "export.jsonl.gz")}
    with open(paths["jsonl"], "w") as fh:
        fh.writelines(entry_line(i) for i in range(n, 0, -1))
    with open(paths["reverse"], "w") as fh:
        fh.writelines(entry_line(i) for i in range(1, n + 1))
    with open(paths["jsonl"], "rb") as src, gzip.open(paths["gzip"], "wb", 6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return paths


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout


def screen():
    return tmux("capture-pane", "-p")


def wait(pattern, timeout=TIMEOUT_S):
    """Seconds until pattern shows on the screen."""
    t0 = time.monotonic()
    while True:
        if re.search(pattern, screen()):
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise RuntimeError("timed out waiting for %r:\n%s" % (pattern, screen()))
        time.sleep(POLL_S)


def omslog_pid(path):
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as fh:
                argv = fh.read().split(b"\0")
        except (OSError, ValueError):
            continue
        if len(argv) > 2 and argv[1] == b"open" and argv[2] == path.encode():
            return int(d)
    raise RuntimeError("omslog is not running")


def vm_kb(pid, field):
    with open("/proc/%d/status" % pid) as fh:
        return int(re.search(field + r":\s+(\d+) kB", fh.read()).group(1))


def launch(omslog, path):
    tmux("kill-server")
    while subprocess.run(["tmux", "-L", SOCKET, "list-sessions"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL).returncode == 0:
        time.sleep(POLL_S)  # the old server is still going away
    env = "env -u TMUX TERM=xterm-256color LC_ALL=C.UTF-8 HOME=%s XDG_CONFIG_HOME=/nonexistent" \
        % os.path.dirname(path)
    tmux("-f", "/dev/null", "new-session", "-d", "-x", str(COLS), "-y", str(ROWS),
         "%s %s open %s; sleep 600" % (env, omslog, path))
    tmux("set-option", "-g", "status", "off")


def first_screen(omslog, path, n):
    t0 = time.monotonic()
    launch(omslog, path)
    wait(r"row 1 of %s" % format(n, ","))
    return time.monotonic() - t0


def key_time(keys, pattern):
    tmux("send-keys", *keys)
    return wait(pattern)


def run_file(omslog, path, n, full):
    out = {"first": statistics.median(first_screen(omslog, path, n) for _ in range(FIRST_RUNS))}
    pid = omslog_pid(path)
    out["rss_first"] = vm_kb(pid, "VmRSS")
    if not full:
        return out
    out["G"] = key_time(["G"], r"row %s of %s" % ((format(n, ","),) * 2))
    out["rss_G"] = vm_kb(pid, "VmRSS")
    mid = n // 2 + 17
    out["jump"] = key_time([":", str(mid), "Enter"], r"log %d [A-Z]" % mid)
    for k in range(SCROLL_KEYS):
        tmux("send-keys", "PageDown" if k % 3 else "PageUp")
    for k in range(JUMPS):
        target = 1 + (k * 7919 * 104729) % n
        key_time([":", str(target), "Enter"], r"log %d [A-Z]" % target)
    out["rss_scrolled"] = vm_kb(pid, "VmRSS")
    crit = sum(1 for i in range(1, n + 1) if LEVELS[i % 7] == 50)
    t0 = time.monotonic()
    exact = r"Summary of %s entries of the file[\s\S]*\b%s\s+CRITICAL" % (
        format(n, ","), format(crit, ","))
    out["summary_answer"] = key_time(["S"], r"counting… [\d,]+ of|" + exact)
    wait(exact)
    out["summary"] = time.monotonic() - t0
    tmux("send-keys", "q")
    t0 = time.monotonic()
    matching = r"of %s matching" % format(crit, ",")
    # A build that asks before a scan of many pages (before 2026-12-05 a file's too): yes.
    key_time(["5"], matching + r"|\(y/n\)")
    if not re.search(matching, screen()):
        tmux("send-keys", "y")
        wait(matching)
    out["filter"] = time.monotonic() - t0
    out["rss_filtered"] = vm_kb(pid, "VmRSS")
    out["hwm"] = vm_kb(pid, "VmHWM")
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    omslog = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_ENTRIES
    d = tempfile.mkdtemp(prefix="omslog-open-bench-")
    try:
        t0 = time.monotonic()
        paths = write_exports(d, n)
        print("wrote %s entries in %.0f s: %s" % (format(n, ","), time.monotonic() - t0, ", ".join(
            "%s %.0f MB" % (k, os.path.getsize(p) / 1e6) for k, p in paths.items())))
        results = {k: run_file(omslog, p, n, k == "jsonl") for k, p in paths.items()}
    finally:
        tmux("kill-server")
        shutil.rmtree(d, ignore_errors=True)
    r = results["jsonl"]
    print("first screen: jsonl %.2f s, oldest first (sorted) %.2f s, gzip %.2f s" % (
        r["first"], results["reverse"]["first"], results["gzip"]["first"]))
    print("jsonl: G %.3f s, :id %.3f s, summary (whole file) answered %.3f s, exact %.2f s, "
          "CRITICAL filter (whole file) %.2f s" % (r["G"], r["jump"], r["summary_answer"],
                                                    r["summary"], r["filter"]))
    print("RSS MB: first screen %.1f (sorted %.1f, gzip %.1f), after G %.1f, after %d keys and "
          "%d jumps %.1f, filtered %.1f, peak %.1f" % (
              r["rss_first"] / 1024, results["reverse"]["rss_first"] / 1024,
              results["gzip"]["rss_first"] / 1024, r["rss_G"] / 1024, SCROLL_KEYS, JUMPS,
              r["rss_scrolled"] / 1024, r["rss_filtered"] / 1024, r["hwm"] / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
