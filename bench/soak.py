#!/usr/bin/env python3
"""soak.py: the browser in follow mode on a growing log, for a long time.

    python3 bench/soak.py [--bin build/omslog] [--minutes 30] [--every 5]

omslog runs in a private tmux server (-L, killed at the end) against the mock
(tests/mock_oms.py, in this process) in follow mode (`F`), while the log grows by
--rate new entries a second (default 5) and faults are sprinkled in, one every
--fault-every seconds, in turn: three 500s, a stall (the next request held
--stall-seconds before it is answered), a dropped connection (a TCP reset instead
of a reply), a reply cut in half. Every --every seconds it samples omslog's RSS
(/proc/PID/status VmRSS) and open file descriptors (/proc/PID/fd) and the API
requests the mock received. At the end it prints the samples' figures and checks:

  - omslog is still running, and the count on its screen grew;
  - RSS at the end is within --rss-slack (10 %) of RSS after the warm-up (the
    first --warmup-share of the run, at least one sample), and so is its
    anonymous part (RssAnon: heap and stacks, what a leak grows; the rest is
    library pages mapped in as code runs for the first time);
  - the descriptor count never rose more than --fd-slack (2) above the warm-up's
    highest;
  - no request storm: at most --max-per-minute requests in any minute and at most
    --max-burst in any one second.

Exit status 0 when every bound held, 1 when one was broken, 2 when it could not
run (no tmux, no binary). Not part of `make check`: it takes --minutes.
"""
import argparse
import collections
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import mock_oms  # noqa: E402

TOKEN = "soak-token"
COLS, ROWS = 120, 40
SOCKET = "omslog-soak-%d" % os.getpid()
START_TIMEOUT_S = 30
FAULTS = ("500", "stall", "drop", "truncate")
SERVER_ERRORS_PER_FAULT = 3
KB_PER_MB = 1024.0


def tmux(*args, check=True):
    r = subprocess.run(["tmux", "-L", SOCKET] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


class SoakHooks(mock_oms.Hooks):
    """Times every API request and turns the next ones into the pending fault."""

    def __init__(self, stall_s):
        self.lock = threading.Lock()
        self.times = []                 # monotonic time of every API request
        self.pending = collections.deque()
        self.stall_s = stall_s
        self.faults_done = collections.Counter()

    def inject(self, fault):
        with self.lock:
            self.pending.extend([fault] * (SERVER_ERRORS_PER_FAULT if fault == "500" else 1))

    def respond(self, mock, req, answer):
        with self.lock:
            self.times.append(time.monotonic())
            fault = self.pending.popleft() if self.pending else None
            if fault:
                self.faults_done[fault] += 1
        if fault == "500":
            return mock_oms.error_reply(500)
        if fault == "drop":
            return mock_oms.Reply(0, mode="reset")
        if fault == "stall":
            mock.stopping.wait(self.stall_s)
        reply = answer(req)
        if fault == "truncate":
            reply = reply._replace(mode="truncate")
        return reply

    def requests(self):
        with self.lock:
            return list(self.times)


def proc_memory_kb(pid):
    """(VmRSS, RssAnon) of pid in kB, or None when it is gone. RssAnon is the
    process's own memory (heap, stacks): what a leak grows. The rest of VmRSS is
    file pages (the binary and shared libraries), faulted in as code paths run
    for the first time (the first 500, the first reset...)."""
    got = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("VmRSS", "RssAnon"):
                    got[key] = int(line.split()[1])
    except (OSError, ValueError):
        return None
    return (got["VmRSS"], got["RssAnon"]) if len(got) == 2 else None


def proc_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def screen():
    return tmux("capture-pane", "-p", check=False)


def shown_count(text):
    m = re.search(r"([\d,]+) logs", text)
    return int(m.group(1).replace(",", "")) if m else None


def wait_screen(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(0.1)
    raise RuntimeError("timed out; screen:\n" + screen())


def launch(binary, url, home):
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home,
           "XDG_CONFIG_HOME": home, "OMSLOG_TOKEN": TOKEN}
    # exec: the pane's process is omslog itself, so pane_pid is its pid.
    cmd = "exec env -u TMUX %s %s --url %s" % (
        " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in env.items()),
        shlex.quote(binary), shlex.quote(url))
    tmux("kill-server", check=False)
    tmux("-f", "/dev/null", "new-session", "-d", "-x", str(COLS), "-y", str(ROWS), cmd)
    tmux("set-option", "-g", "status", "off")
    tmux("set-option", "-g", "remain-on-exit", "on")
    return int(tmux("display-message", "-p", "#{pane_pid}").strip())


def grow_forever(mock, rate, stop):
    """rate new entries a second, one at a time, at even intervals."""
    period, due = 1.0 / rate, time.monotonic()
    while not stop.is_set():
        due += period
        stop.wait(max(0.0, due - time.monotonic()))
        with mock.lock:
            mock.store.grow(1)


def window_max(times, start, end, width):
    """The most requests in any window of `width` seconds (sliding) in [start, end]."""
    ts = [t for t in times if start <= t <= end]
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while ts[lo] < t - width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "omslog"), help="omslog")
    p.add_argument("--minutes", type=float, default=30.0, help="how long to run")
    p.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    p.add_argument("--rate", type=float, default=5.0, help="new entries a second")
    p.add_argument("--count", type=int, default=3000, help="entries at the start")
    p.add_argument("--fault-every", type=float, default=20.0, help="seconds between faults")
    p.add_argument("--stall-seconds", type=float, default=20.0, help="how long a stall holds")
    p.add_argument("--warmup-share", type=float, default=0.2,
                   help="share of the run before the RSS reference is taken")
    p.add_argument("--rss-slack", type=float, default=0.10, help="RSS growth allowed")
    p.add_argument("--fd-slack", type=int, default=2, help="descriptors allowed above warm-up")
    p.add_argument("--max-per-minute", type=int, default=240,
                   help="most API requests allowed in any 60 s")
    p.add_argument("--max-burst", type=int, default=12,
                   help="most API requests allowed in any 1 s")
    return p.parse_args(argv)


def run(args):
    hooks = SoakHooks(args.stall_seconds)
    mock = mock_oms.MockServer(hooks=hooks, token=TOKEN, count=args.count).start()
    home = tempfile.mkdtemp(prefix="omslog-soak-")
    stop = threading.Event()
    samples = []  # (elapsed s, rss kB, fds, requests so far, anon kB)
    try:
        pid = launch(os.path.abspath(args.bin), mock.url, home)
        first = wait_screen(lambda s: re.search(r"row 1 of [\d,]+", s), START_TIMEOUT_S)
        count0 = shown_count(first)
        tmux("send-keys", "F")
        wait_screen(lambda s: "FOLLOW" in s, START_TIMEOUT_S)
        threading.Thread(target=grow_forever, args=(mock, args.rate, stop), daemon=True).start()
        t0 = time.monotonic()
        duration = args.minutes * 60.0
        next_fault, fault_no = t0 + args.fault_every, 0
        print("soak: omslog pid %d, %s, %.1f min, %.0f entries/s, a fault every %.0f s"
              % (pid, mock.url, args.minutes, args.rate, args.fault_every), flush=True)
        while True:
            now = time.monotonic()
            if now >= next_fault:
                hooks.inject(FAULTS[fault_no % len(FAULTS)])
                fault_no += 1
                next_fault += args.fault_every
            mem, fds = proc_memory_kb(pid), proc_fds(pid)
            if mem is None or fds is None:
                break  # omslog is gone
            samples.append((now - t0, mem[0], fds, len(hooks.requests()), mem[1]))
            el, rss, _, nreq, anon = samples[-1]
            print("  %7.1f s  rss %6.1f MB (anon %5.1f MB)  fds %3d  requests %6d" %
                  (el, rss / KB_PER_MB, anon / KB_PER_MB, fds, nreq), flush=True)
            if now - t0 >= duration:
                break
            time.sleep(args.every)
        t_end = time.monotonic()
        alive = proc_memory_kb(pid) is not None
        final = screen()
        return report(args, hooks, samples, t0, t_end, alive, count0, shown_count(final), final)
    finally:
        stop.set()
        tmux("kill-server", check=False)
        mock.stop()
        shutil.rmtree(home, ignore_errors=True)


def report(args, hooks, samples, t0, t_end, alive, count0, count1, final):
    broken = []
    if not alive:
        broken.append("omslog exited")
        print(final)
    if count0 is None or count1 is None or count1 <= count0:
        broken.append("the count on screen did not grow (%s -> %s)" % (count0, count1))
    warm_end = args.minutes * 60.0 * args.warmup_share
    warm = [s for s in samples if s[0] <= warm_end] or samples[:1]
    after = samples[len(warm):] or samples[-1:]
    rss_ref, rss_last = warm[-1][1], samples[-1][1]
    rss_max = max(s[1] for s in after)
    growth = (rss_last - rss_ref) / rss_ref if rss_ref else 0.0
    anon_ref, anon_last = warm[-1][4], samples[-1][4]
    anon_growth = (anon_last - anon_ref) / anon_ref if anon_ref else 0.0
    fd_warm = max(s[2] for s in warm)
    fd_after = max(s[2] for s in after)
    times = hooks.requests()
    minutes = max((t_end - t0) / 60.0, 1e-9)
    in_run = [t for t in times if t0 <= t <= t_end]
    per_min = len(in_run) / minutes
    max_minute = window_max(times, t0, t_end, 60.0)
    max_second = window_max(times, t0, t_end, 1.0)
    print()
    print("soak figures (%.1f min, %d samples, entries %s -> %s):"
          % (minutes, len(samples), count0, count1))
    print("  RSS after warm-up (%.0f s): %.1f MB; at the end: %.1f MB (%+.1f %%); "
          "highest after warm-up: %.1f MB"
          % (warm[-1][0], rss_ref / KB_PER_MB, rss_last / KB_PER_MB, growth * 100,
             rss_max / KB_PER_MB))
    print("  of which anonymous (heap, stacks): %.1f MB after warm-up; at the end: %.1f MB "
          "(%+.1f %%); highest after warm-up: %.1f MB"
          % (anon_ref / KB_PER_MB, anon_last / KB_PER_MB, anon_growth * 100,
             max(s[4] for s in after) / KB_PER_MB))
    print("  open fds: warm-up max %d, after warm-up %d..%d, at the end %d"
          % (fd_warm, min(s[2] for s in after), fd_after, samples[-1][2]))
    print("  API requests: %d in the run, %.1f per minute; most in any 60 s: %d; "
          "most in any 1 s: %d" % (len(in_run), per_min, max_minute, max_second))
    print("  faults served: %s" % ", ".join("%s %d" % (k, hooks.faults_done[k])
                                           for k in FAULTS))
    if growth > args.rss_slack:
        broken.append("RSS grew %.1f %% after warm-up (bound %.0f %%; anonymous %+.1f %%)"
                      % (growth * 100, args.rss_slack * 100, anon_growth * 100))
    if anon_growth > args.rss_slack:
        broken.append("anonymous memory grew %.1f %% after warm-up (bound %.0f %%)"
                      % (anon_growth * 100, args.rss_slack * 100))
    if fd_after > fd_warm + args.fd_slack:
        broken.append("descriptors rose from %d to %d" % (fd_warm, fd_after))
    if max_minute > args.max_per_minute:
        broken.append("%d requests in one minute (bound %d)" % (max_minute, args.max_per_minute))
    if max_second > args.max_burst:
        broken.append("%d requests in one second (bound %d)" % (max_second, args.max_burst))
    for b in broken:
        print("BROKEN: " + b)
    print("soak: %s" % ("FAIL" if broken else "ok, every bound held"))
    return 1 if broken else 0


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("tmux"):
        print("soak: tmux is needed", file=sys.stderr)
        return 2
    if not os.access(args.bin, os.X_OK):
        print("soak: no omslog binary at %s (run make)" % args.bin, file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
