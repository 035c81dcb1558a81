#!/usr/bin/env python3
"""browser.py: benchmarks 3-6, the interactive browser driven through tmux.

    python3 bench/browser.py path/to/omslog [latency] [first] [memory] [callgrind]

  3 latency    key press -> screen showing its effect, server delay 2 s per request:
               j/k among loaded rows, and opening help (?); median of >= 20 presses
  4 first      start -> first page of rows painted, vs one curl request of that page,
               both launched the same way in the same tmux pane (20 ms server delay)
  5 memory     peak RSS (VmHWM) after visiting ~2,000 pages of a 1,000,000-entry log
               (G, :id jumps, PgDn/PgUp) vs after the first page
  6 callgrind  instructions and heap allocations per key press (one redraw) of a
               160x50 screen: valgrind --tool=callgrind dumps one profile per key
               press cycle; medians of N j/k presses (each waited for on screen)
               and of N presses of an unbound key (the steady state: a redraw
               of an unchanged screen).
               BENCH_CALLGRIND_KEEP=DIR keeps the dumps there (for callgrind_annotate).

tmux is driven over one control-mode connection (tmux -C), so polling the screen
costs a pipe round trip (tens of microseconds), not a process start; the same
round trip for a pane that only echoes is printed as the floor. Everything runs
on a private tmux server (-L) that is killed at the end.
"""
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

COLS, ROWS = 160, 50
PRESSES = 20
PRESSES_QUICK = 5
LATENCY_DELAY_S = 2.0
LATENCY_TARGET_MS = 50.0
FIRST_DELAY_S = 0.02
FIRST_RUNS = 7
FIRST_RUNS_QUICK = 3
FIRST_TARGET_RATIO = 1.5
MEMORY_COUNT = 1_000_000
MEMORY_PAGES = 2000
MEMORY_PAGES_QUICK = 200
MEMORY_TARGET_KB = 32 * 1024
CALLGRIND_PRESSES = 20
CALLGRIND_PRESSES_QUICK = 4
START_TIMEOUT_S = 15.0
STEP_TIMEOUT_S = 10.0
VALGRIND_TIMEOUT_S = 120.0
# The screen counts as settled when it has not changed, and the server has seen
# no new request, for this long.
SETTLE_S = 0.04
# Placeholder rows unchanged this long, with no request reaching the server: stuck.
STUCK_S = 0.3
POLL_S = 0.003
MEMORY_SEED = 5
MEMORY_SAMPLES = 4
KB_PER_MB = 1024.0
VALGRIND_SETTLE_S = 1.5
# A key bound to nothing: the loop still draws a frame after it.
STEADY_KEY = "x"
# No CPU used for this long: the frame is drawn and the loop waits.
IDLE_S = 0.2
MS = 1000.0
NS_PER_MS = 1e6

ROW_RE = re.compile(r"^.\s*(\d+) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
DETAIL_RE = re.compile(r"^ log (\d+) ")
HELP_MARK = "keys (q, Esc or ? closes"
PLACEHOLDER = "···"


class Timeout(Exception):
    pass


class Tmux:
    """A private tmux server with one COLS x ROWS pane, and a control-mode client."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.sock = "omslog-bench-%d" % os.getpid()
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.env.pop("TMUX", None)
        base = ["tmux", "-L", self.sock, "-f", os.devnull]
        subprocess.run(base + ["new-session", "-d", "-s", "b", "-x", str(COLS), "-y", str(ROWS),
                               "cat"], env=self.env, check=True)
        subprocess.run(base + ["set-option", "-g", "window-size", "manual"], check=True)
        subprocess.run(base + ["set-option", "-wg", "remain-on-exit", "on"], check=True)
        self.client = subprocess.Popen(base + ["-C", "attach-session", "-t", "b"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       env=self.env)
        self.marks = 0
        self.sync()
        # The client may not count as attached for the first few commands;
        # without this, every byte the pane writes is copied to us as %output.
        for _ in range(100):
            try:
                self.cmd("refresh-client -f no-output")
                break
            except RuntimeError:
                time.sleep(0.01)
        # Attaching answers with a block of its own, whenever it completes.
        self.sync()
        self.launches = 0

    def sync(self):
        """Skip whatever was pending, up to the answer to a marker of ours."""
        self.marks += 1
        mark = "SYNC-MARK-%d" % self.marks
        self._write("display-message -p " + mark)
        while self._readline() != mark:
            pass
        self._readline()  # its %end

    def _write(self, text):
        self.client.stdin.write((text + "\n").encode())
        self.client.stdin.flush()

    def _readline(self):
        line = self.client.stdout.readline()
        if not line:
            raise RuntimeError("tmux control client went away")
        return line.decode("utf-8", "replace").rstrip("\n")

    def cmd(self, text):
        """Run a tmux command; returns its output lines."""
        self._write(text)
        out, inside = [], False
        while True:
            line = self._readline()
            if line.startswith("%begin"):
                inside, out = True, []
            elif inside and line.startswith("%end"):
                return out
            elif inside and line.startswith("%error"):
                raise RuntimeError("tmux: %s: %s" % (text, " ".join(out)))
            elif inside:
                out.append(line)

    def screen(self):
        return self.cmd("capture-pane -p -t b")

    def keys(self, *keys):
        self.cmd("send-keys -t b " + " ".join(keys))

    def literal(self, text):
        self.cmd("send-keys -t b -l " + text)

    def launch(self, argv, env=None, stderr=os.devnull):
        """Replace the pane's program with argv (run by a small sh launcher)."""
        self.launches += 1
        script = os.path.join(self.tmp, "launch%d.sh" % self.launches)
        with open(script, "w") as f:
            exports = "".join("export %s=%s\n" % (k, shlex.quote(v))
                              for k, v in (env or {}).items())
            # Home and clear first: respawn-pane keeps the old screen and cursor, and
            # a line written at the bottom would scroll away.
            f.write("printf '\\033[H\\033[2J'\n")
            f.write(exports + "exec %s 2>>%s\n" % (" ".join(shlex.quote(a) for a in argv),
                                                  shlex.quote(stderr)))
        self.cmd("respawn-pane -k -t b 'sh %s'" % script)

    def pane_pid(self):
        return int(self.cmd("display-message -p -t b '#{pane_pid}'")[0])

    def pane_dead(self):
        return self.cmd("display-message -p -t b '#{pane_dead}'")[0] == "1"

    def wait(self, pred, timeout=STEP_TIMEOUT_S):
        """Poll the screen until pred(lines) is true; returns (seconds, lines)."""
        t0 = time.monotonic()
        while True:
            lines = self.screen()
            if pred(lines):
                return time.monotonic() - t0, lines
            if time.monotonic() - t0 > timeout:
                raise Timeout("\n".join(line.rstrip() for line in lines if line.strip()))

    def wait_dead(self, timeout=STEP_TIMEOUT_S):
        t0 = time.monotonic()
        while not self.pane_dead():
            if time.monotonic() - t0 > timeout:
                raise Timeout("the program did not exit")
            time.sleep(0.01)

    def close(self):
        try:
            self.client.stdin.close()
            self.client.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.client.kill()
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], stderr=subprocess.DEVNULL)


def cpu_ns(pid):
    """Nanoseconds the process has run on a CPU, or None."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def row_ids(lines):
    return [int(m.group(1)) for m in map(ROW_RE.match, lines) if m]


def detail_id(lines):
    for line in lines:
        m = DETAIL_RE.match(line)
        if m:
            return int(m.group(1))
    return None


def first_page_ids(mock):
    req = urllib.request.Request(mock.api + "?page=1",
                                 headers={"Authorization": "Token " + mock.token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return [e["id"] for e in json.loads(r.read())["results"]]


class Bench:
    def __init__(self, omslog, tmp):
        self.omslog, self.tmp = omslog, tmp
        self.tmux = Tmux(tmp)
        self.stderr = os.path.join(tmp, "omslog.stderr")

    def omslog_env(self, mock):
        return {"HOME": self.tmp, "XDG_CONFIG_HOME": self.tmp, "OMSLOG_TOKEN": mock.token,
                "TERM": "screen", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

    def start(self, mock, extra=(), wrapper=(), timeout=START_TIMEOUT_S):
        """Start the browser; returns seconds until page 1's rows are all on screen."""
        want = first_page_ids(mock)
        self.tmux.launch(list(wrapper) + [self.omslog, "--url", mock.url] + list(extra),
                         self.omslog_env(mock), self.stderr)
        t0 = time.monotonic()
        try:
            self.tmux.wait(lambda s: all(i in row_ids(s) for i in want) or self.tmux.pane_dead(),
                           timeout)
        except Timeout:
            raise BrowserMissing("no rows after %.0f s" % timeout)
        if self.tmux.pane_dead():
            last = [line for line in self.tmux.screen() if line.strip()]
            raise BrowserMissing(last[0] if last else "it exited")
        return time.monotonic() - t0

    def quit(self):
        if not self.tmux.pane_dead():
            self.tmux.keys("q")
            try:
                self.tmux.wait_dead(2)
            except Timeout:
                self.tmux.keys("C-c")
                self.tmux.wait_dead()

    # ---- 3: key press -> screen change ----

    def latency(self):
        n = PRESSES_QUICK if benchlib.quick() else PRESSES
        floor = self.floor(n)
        with benchlib.Mock(count=20000, delay=LATENCY_DELAY_S) as mock:
            self.start(mock)
            pid = self.tmux.pane_pid()
            ids = row_ids(self.tmux.screen())
            moves, helps, closes = [], [], []
            cpu0 = cpu_ns(pid)
            at = 0
            for i in range(n):
                key, at = ("j", 1) if at == 0 else ("k", 0)
                want = ids[at]
                t0 = time.monotonic()
                self.tmux.keys(key)
                self.tmux.wait(lambda s: detail_id(s) == want)
                moves.append(time.monotonic() - t0)
            cpu_move = (cpu_ns(pid) - cpu0) / n if cpu0 is not None else None
            for i in range(n):
                t0 = time.monotonic()
                self.tmux.keys("?")
                self.tmux.wait(lambda s: any(HELP_MARK in line for line in s))
                helps.append(time.monotonic() - t0)
                t0 = time.monotonic()
                self.tmux.keys("q")
                self.tmux.wait(lambda s: detail_id(s) is not None
                               and not any(HELP_MARK in line for line in s))
                closes.append(time.monotonic() - t0)
            self.quit()
        print("benchmark 3: key press -> screen change, server delay %.0f s per request, "
              "%d presses each" % (LATENCY_DELAY_S, n))
        rows = [["j/k among loaded rows", moves], ["? opens help", helps],
                ["q closes help", closes], ["tmux floor (echo)", floor]]
        benchlib.table(["action", "median ms", "p90 ms", "max ms"],
                       [[name, "%.2f" % (benchlib.median(v) * MS),
                         "%.2f" % (sorted(v)[int(len(v) * 0.9) - 1 if len(v) > 1 else 0] * MS),
                         "%.2f" % (max(v) * MS)] for name, v in rows])
        if cpu_move is not None:
            print("omslog's CPU time per j/k press (/proc/<pid>/schedstat): %.3f ms"
                  % (cpu_move / NS_PER_MS))
        worst = max(benchlib.median(moves), benchlib.median(helps)) * MS
        print("slowest median: %.2f ms (target < %.0f ms: %s)"
              % (worst, LATENCY_TARGET_MS, "met" if worst < LATENCY_TARGET_MS else "MISSED"))

    def floor(self, n):
        """The same measurement on a pane that only echoes (the tty does it)."""
        self.tmux.launch(["cat"])
        t0 = time.monotonic()
        # Keys typed before the launcher has cleared the screen would be wiped.
        while self.tmux.cmd("display-message -p -t b '#{pane_current_command}'") != ["cat"]:
            if time.monotonic() - t0 > STEP_TIMEOUT_S:
                raise Timeout("cat did not start")
            time.sleep(POLL_S)
        out = []
        for _ in range(n):
            before = self.tmux.screen()[0].count("x")
            t0 = time.monotonic()
            self.tmux.keys("x")
            self.tmux.wait(lambda s: s and s[0].count("x") > before)
            out.append(time.monotonic() - t0)
        return out

    # ---- 4: first screen ----

    def first(self):
        runs = FIRST_RUNS_QUICK if benchlib.quick() else FIRST_RUNS
        with benchlib.Mock(count=20000, delay=FIRST_DELAY_S) as mock:
            curl_script = os.path.join(self.tmp, "curl.sh")
            with open(curl_script, "w") as f:
                f.write("curl -s -o /dev/null -w 'CURL-DONE %%{time_total}\\n' -H %s %s\n"
                        % (shlex.quote("Authorization: Token " + mock.token),
                           shlex.quote(mock.api + "?page=1")))
            oms, curl, transfer = [], [], []
            for _ in range(runs):
                oms.append(self.start(mock))
                self.quit()
                t0 = time.monotonic()
                self.tmux.launch(["sh", curl_script])
                _, lines = self.tmux.wait(lambda s: any("CURL-DONE" in line for line in s))
                curl.append(time.monotonic() - t0)
                done = [line for line in lines if "CURL-DONE" in line][0]
                transfer.append(float(done.split()[1]))
        mo, mc = benchlib.median(oms), benchlib.median(curl)
        print("benchmark 4: start -> first page of rows painted (160x50), server delay %.0f ms, "
              "%d runs" % (FIRST_DELAY_S * MS, runs))
        benchlib.table(["what", "median ms", "min ms", "max ms"],
                       [["omslog browser", "%.1f" % (mo * MS), "%.1f" % (min(oms) * MS),
                         "%.1f" % (max(oms) * MS)],
                        ["one curl request", "%.1f" % (mc * MS), "%.1f" % (min(curl) * MS),
                         "%.1f" % (max(curl) * MS)],
                        ["  its transfer (-w time_total)",
                         "%.1f" % (benchlib.median(transfer) * MS), "%.1f" % (min(transfer) * MS),
                         "%.1f" % (max(transfer) * MS)]])
        print("omslog / curl: %.2fx (target <= %.1fx: %s)"
              % (mo / mc, FIRST_TARGET_RATIO, "met" if mo / mc <= FIRST_TARGET_RATIO else "MISSED"))

    # ---- 5: memory ----

    def memory(self):
        goal = MEMORY_PAGES_QUICK if benchlib.quick() else MEMORY_PAGES
        log = os.path.join(self.tmp, "memory-requests.log")
        rng = random.Random(MEMORY_SEED)
        with benchlib.Mock(count=MEMORY_COUNT, log_file=log) as mock:
            t_start = time.monotonic()
            self.start(mock)
            pid = self.tmux.pane_pid()
            self.settle(log)
            first_hwm = benchlib.vm_status(pid, "VmHWM")
            first_rss = benchlib.vm_status(pid, "VmRSS")
            max_id = first_page_ids(mock)[0]
            series, next_mark = [], goal // MEMORY_SAMPLES
            stuck = {"jump": [0, 0], "other": [0, 0]}  # [steps, steps left with placeholders]
            timeouts = 0
            while True:
                pages = count_page_requests(log)
                if pages >= next_mark or pages >= goal:
                    series.append((pages, benchlib.vm_status(pid, "VmRSS"),
                                   benchlib.vm_status(pid, "VmHWM")))
                    next_mark += goal // MEMORY_SAMPLES
                if pages >= goal:
                    break
                for kind, step in self.memory_cycle(rng, max_id):
                    step()
                    state = self.settle(log)
                    stuck[kind][0] += 1
                    if state == "stuck":
                        # Rows left as placeholders with nothing in flight: any key
                        # (Ctrl-L, redraw) makes the browser ask for them.
                        stuck[kind][1] += 1
                        self.tmux.keys("C-l")
                        state = self.settle(log)
                    if state != "settled":
                        timeouts += 1
            hwm = benchlib.vm_status(pid, "VmHWM")
            pages = count_page_requests(log)
            elapsed = time.monotonic() - t_start
            self.quit()
        print("benchmark 5: memory of the browser over a %s-entry log (server page size 10, "
              "--cache-pages default)" % format(MEMORY_COUNT, ","))
        benchlib.table(["after", "pages fetched", "VmRSS MB", "VmHWM MB"],
                       [["first page", "1", "%.1f" % (first_rss / KB_PER_MB),
                         "%.1f" % (first_hwm / KB_PER_MB)]]
                       + [["visiting", str(p), "%.1f" % (r / KB_PER_MB), "%.1f" % (h / KB_PER_MB)]
                          for p, r, h in series])
        growth = series[-1][1] - series[0][1] if len(series) > 1 else 0
        print("peak %.1f MB after %d pages (%.0f s), %.2fx the first page's; RSS %+.1f MB from "
              "the first sample to the last; target < %.0f MB: %s"
              % (hwm / KB_PER_MB, pages, elapsed, hwm / first_hwm, growth / KB_PER_MB,
                 MEMORY_TARGET_KB / KB_PER_MB, "met" if hwm < MEMORY_TARGET_KB else "MISSED"))
        for kind, (steps, left) in stuck.items():
            if left:
                print("note: %d of %d %s steps left placeholder rows on screen with no request "
                      "in flight, until the next key press"
                      % (left, steps, ":id jump" if kind == "jump" else "scrolling"))
        if timeouts:
            print("note: %d steps did not settle within %.0f s" % (timeouts, STEP_TIMEOUT_S))

    def memory_cycle(self, rng, max_id):
        """One round of moves: (kind, function) pairs."""
        t = self.tmux

        def jump():
            t.keys(":")
            t.literal(str(rng.randint(1, max_id)))
            t.keys("Enter")

        def key(name):
            return "other", lambda: t.keys(name)

        return ([("jump", jump)] + [key("NPage")] * 4 + [key("G"), key("PPage"), key("PPage")]
                + [("jump", jump)] + [key("PPage")] * 2 + [key("g")] + [key("NPage")] * 3)

    def settle(self, log, quiet=SETTLE_S, timeout=STEP_TIMEOUT_S):
        """Wait until the screen and the server's request log stop changing.

        "settled": quiet for `quiet` seconds with no placeholder row on screen;
        "stuck": quiet for STUCK_S with placeholder rows still there (nothing is
        being fetched for them); "timeout" otherwise."""
        t0 = time.monotonic()
        last, last_reqs, since = None, -1, t0
        while time.monotonic() - t0 < timeout:
            lines = self.tmux.screen()
            reqs = count_lines(log)
            now = time.monotonic()
            if lines != last or reqs != last_reqs:
                last, last_reqs, since = lines, reqs, now
            elif not any(PLACEHOLDER in ln for ln in lines):
                if now - since >= quiet:
                    return "settled"
            elif now - since >= max(quiet, STUCK_S):
                return "stuck"
            time.sleep(POLL_S)
        return "timeout"

    # ---- 6: callgrind ----

    def callgrind(self):
        if not shutil.which("valgrind"):
            print("benchmark 6: skipped: valgrind not installed")
            return
        n = CALLGRIND_PRESSES_QUICK if benchlib.quick() else CALLGRIND_PRESSES
        log = os.path.join(self.tmp, "callgrind-requests.log")
        out = os.path.join(self.tmp, "callgrind.out")
        with benchlib.Mock(count=20000, log_file=log) as mock:
            # A dump each time a key is looked up: dump k+1 holds exactly one key
            # press cycle (handle key k, draw the frame, wait, read key k+1), so
            # start-up and network activity stay out of the figures.
            self.start(mock, wrapper=["valgrind", "--tool=callgrind", "-q",
                                      "--dump-before=keys_lookup",
                                      "--callgrind-out-file=" + out],
                       timeout=VALGRIND_TIMEOUT_S)
            self.settle(log, VALGRIND_SETTLE_S, VALGRIND_TIMEOUT_S)
            pid = self.tmux.pane_pid()
            ids = row_ids(self.tmux.screen())
            at = 0
            for _ in range(n):
                key, at = ("j", 1) if at == 0 else ("k", 0)
                want = ids[at]
                self.tmux.keys(key)
                self.tmux.wait(lambda s: detail_id(s) == want, VALGRIND_TIMEOUT_S)
            self.settle(log, VALGRIND_SETTLE_S, VALGRIND_TIMEOUT_S)
            # The steady state: a key bound to nothing redraws a screen on which
            # nothing changed. Nothing shows, so wait for its dump and for the
            # process to go idle (the frame drawn) before the next key.
            screen = self.tmux.screen()
            for k in range(n + 1, 2 * n + 1):
                self.tmux.keys(STEADY_KEY)
                wait_file("%s.%d" % (out, k), VALGRIND_TIMEOUT_S)
                wait_idle(pid, VALGRIND_TIMEOUT_S)
            same = self.tmux.screen() == screen
            self.tmux.keys("q")
            self.tmux.wait_dead(VALGRIND_TIMEOUT_S)
        # Dump 1 is the start-up; dumps 2..n+1 are the j/k cycles, n+2..2n+1 the
        # steady ones (the last written when q is looked up).
        def load(first, last):
            return [read_callgrind("%s.%d" % (out, k)) for k in range(first, last + 1)
                    if os.path.exists("%s.%d" % (out, k))]

        moves, steady = load(2, n + 1), load(n + 2, 2 * n + 1)
        if not moves:
            print("benchmark 6: FAILED: no callgrind dumps")
            return
        keep = os.environ.get("BENCH_CALLGRIND_KEEP")
        if keep:
            os.makedirs(keep, exist_ok=True)
            for k in range(1, 2 * n + 2):
                if os.path.exists("%s.%d" % (out, k)):
                    shutil.copy("%s.%d" % (out, k), keep)
        update = moves[0]["doupdate"]
        frames = benchlib.median([c["calls"].get("list_draw", 0) for c in moves])
        loads = sum(c["calls"].get("store_page_loaded", 0) for c in moves + steady)
        print("benchmark 6: instructions per key press at %dx%d (callgrind, medians of %d "
              "presses; %g list redraw per press)" % (COLS, ROWS, len(moves), frames))
        print("  j/k: the selection moves (two list rows and the detail pane change)")
        print("  steady: a key bound to nothing (%s) redraws an unchanged screen%s"
              % (STEADY_KEY, "" if same or not steady else " (NOTE: the screen changed)"))
        sets = [moves] + ([steady] if steady else [])

        def med(cycles, fn):
            return "%.0f" % benchlib.median([fn(c) for c in cycles])

        def incl(name):
            return [med(cs, lambda c: c["incl"].get(name, 0)) for cs in sets]

        def status(c):
            return (c["incl"].get("status_draw_header", 0)
                    + c["incl"].get("status_draw_footer", 0))

        rows = [["whole cycle (read key, handle, draw, refresh)"] + incl("TOTAL"),
                ["  list_draw (the list pane)"] + incl("list_draw"),
                ["  detail_draw (the detail pane)"] + incl("detail_draw"),
                ["  status bars"] + [med(cs, status) for cs in sets],
                ["  ncurses %s (terminal output)" % update] + incl(update),
                ["heap allocations (malloc, calloc, realloc calls)"]
                + [med(cs, lambda c: sum(c["allocs"].values())) for cs in sets]]
        benchlib.table(["per key press", "j/k"] + (["steady"] if steady else []), rows)
        for name, cycles in zip(["j/k", "steady"], sets):
            print("allocations by caller (median %s press): %s"
                  % (name, alloc_callers(cycles)))
        if loads:
            print("note: %d pages arrived during the presses; their decoding is included"
                  % loads)


def alloc_callers(cycles):
    """Who allocates in the median cycle, wrappers (xmalloc...) named with their callers."""
    mid = sorted(cycles, key=lambda c: sum(c["allocs"].values()))[len(cycles) // 2]

    def who(fn, n):
        callers = mid["wrapped"].get(fn)
        if not callers:
            return "%s %d" % (fn, n)
        return "%s %d (from %s)" % (fn, n, ", ".join(
            "%s %d" % kv for kv in sorted(callers.items(), key=lambda kv: -kv[1])))

    return "; ".join(who(fn, n) for fn, n in sorted(mid["allocs"].items(),
                                                    key=lambda kv: -kv[1])) or "none"


def wait_file(path, timeout):
    t0 = time.monotonic()
    while not os.path.exists(path):
        if time.monotonic() - t0 > timeout:
            raise Timeout("no %s" % os.path.basename(path))
        time.sleep(POLL_S)


def wait_idle(pid, timeout, quiet=IDLE_S):
    """Until the process has used no CPU for `quiet` seconds."""
    t0 = time.monotonic()
    last, since = cpu_ns(pid), time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(POLL_S)
        now = cpu_ns(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise Timeout("the browser did not go idle")


class BrowserMissing(Exception):
    pass


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def count_page_requests(path):
    """List-page requests in the mock's request log (entry lookups /{id}/ excluded)."""
    n = 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)["path"].split("?")[0]
                if p.endswith("/action_log/"):
                    n += 1
    except OSError:
        pass
    return n


ALLOCATORS = ("malloc", "calloc", "realloc")
# omslog's allocation wrappers (util.c): their callers are the ones to name.
ALLOC_WRAPPERS = ("xmalloc", "xcalloc", "xrealloc", "xstrdup", "xstrndup")
CG_LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$")


def read_callgrind(path):
    """Inclusive instructions per function (callgrind_annotate) and call counts (parsed)."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                       capture_output=True, text=True, check=True)
    incl = {}
    for line in p.stdout.splitlines():
        m = CG_LINE.match(line)
        if not m:
            continue
        cost, what = int(m.group(1).replace(",", "")), m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            incl["TOTAL"] = cost
            continue
        name = what.split(" [")[0].rsplit(":", 1)[-1].split("'")[0]
        incl[name] = max(incl.get(name, 0), cost)
    calls, allocs, wrapped, names, fn, cfn = {}, {}, {}, {}, None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("cfn="):
                cfn = resolve(names, line[4:].strip())
            elif line.startswith("fn="):
                fn = resolve(names, line[3:].strip())
            elif line.startswith("calls=") and cfn:
                n = int(line[6:].split()[0])
                calls[cfn] = calls.get(cfn, 0) + n
                # An allocation is a call into the allocator from outside it
                # (glibc's realloc(NULL, n) calls malloc: one allocation, not two).
                if cfn in ALLOCATORS and fn not in ALLOCATORS:
                    allocs[fn] = allocs.get(fn, 0) + n
                if cfn in ALLOC_WRAPPERS:
                    wrapped.setdefault(cfn, {})
                    wrapped[cfn][fn] = wrapped[cfn].get(fn, 0) + n
    update = next((n for n in ("doupdate_sp", "doupdate", "wrefresh") if n in incl), "doupdate")
    return {"incl": incl, "calls": calls, "allocs": allocs, "wrapped": wrapped,
            "doupdate": update}


def resolve(names, text):
    m = re.match(r"\((\d+)\)(?: (.*))?$", text)
    if not m:
        return text
    if m.group(2):
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), text)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    omslog = os.path.abspath(sys.argv[1])
    which = sys.argv[2:] or ["latency", "first", "memory", "callgrind"]
    if not shutil.which("tmux"):
        print("benchmarks 3-6: skipped: tmux not installed")
        return 0
    tmp = tempfile.mkdtemp(prefix="omslog-bench-ui-")
    bench = Bench(omslog, tmp)
    rc = 0
    try:
        for name in which:
            try:
                getattr(bench, name)()
            except BrowserMissing as e:
                print("benchmarks 3-6: skipped: browser not built (%s)" % e)
                break
            except Timeout as e:
                print("benchmark %s: FAILED: timed out; screen ends with: %s" % (name, e))
                rc = 1
                bench.quit()
            print()
            sys.stdout.flush()
    finally:
        bench.tmux.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
