#!/usr/bin/env python3
"""End-to-end tests of the interactive browser: the real binary in tmux against
the mock DRF server, asserting on `tmux capture-pane` output.

Run from the repository root with OMSLOG_BIN=/abs/path/to/omslog. Every test
runs at 80x24 and at 160x50. Quitting and signals (q, Ctrl-C, SIGTERM: the
terminal restored) are e2e_hardening.py's.
Arguments and output: see tests/harness.py."""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from harness import Suite, sanitized_binary, scaled  # noqa: E402
from mock_oms import Hooks, MockServer  # noqa: E402

BIN = os.environ.get("OMSLOG_BIN") or os.path.abspath("omslog")
TOKEN = "demo-token"
SOCKET = "omslog-e2e-%d" % os.getpid()
SIZES = [(80, 24), (160, 50)]
DEADLINE = scaled(8.0)  # seconds any expected screen may take to appear
QUICK = scaled(0.5)     # what "answers at once" means while the network is slow
POLL = 0.05
API = "/api/v1/oms/logs/action_log/"
EXIT_MARK = "OMSLOG-EXITED="
# The probe verdicts `list` remembers, shared with the browser of the same test.
TIME_CACHE = tempfile.mkdtemp(prefix="omslog-e2e-cache-")


class Failure(Exception):
    pass


def check(cond, what, screen=None):
    if not cond:
        raise Failure(what + ("\n--- screen ---\n" + screen if screen is not None else ""))


def api_get(server, path):
    req = urllib.request.Request(server.url + path, headers={"Authorization": "Token " + TOKEN})
    with urllib.request.urlopen(req, timeout=scaled(10)) as r:
        return json.loads(r.read().decode())


def api_page(server, n):
    return api_get(server, API + "?page=%d" % n)


def api_requests(server):
    return [r for r in list(server.requests) if r.get("path", "").startswith(API)]


def browse_requests(server):
    """api_requests without the browser's one-row requests (capability probes,
    counts), which it sends in the background once the pages are quiet."""
    return [r for r in api_requests(server) if not re.search(r"[?&]page_size=1(&|$)", r["path"])]


def tmux(*args, check_rc=True):
    r = subprocess.run(["tmux", "-L", SOCKET] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check_rc and r.returncode != 0:
        raise Failure("tmux %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


class Browser:
    """omslog in a fresh tmux session; the shell line reports the exit status."""

    def __init__(self, server, size, args=(), env=None, token=TOKEN, cwd=None, deferred=False):
        self.w, self.h = size
        self.cwd = cwd
        self.server, self.token = server, token
        if not deferred:  # deferred: the test calls start() with its own arguments
            self.start(args, env)

    def start(self, args=(), env=None):
        server, token, cwd = self.server, self.token, self.cwd
        envs = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "OMSLOG_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent",
                # what each test's server can filter is probed afresh (ports are reused)
                "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="omslog-e2e-cache-")}
        envs.update(env or {})
        self.cache_dir = envs["XDG_CACHE_HOME"]
        cmd = ("cd %s && " % shlex.quote(cwd) if cwd else "")
        cmd += "env -u TMUX %s %s --url %s %s; echo %s$?; sleep 60" % (
            " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in envs.items()),
            shlex.quote(BIN), shlex.quote(server.url), " ".join(shlex.quote(a) for a in args),
            EXIT_MARK)
        tmux("kill-server", check_rc=False)
        tmux("-f", "/dev/null", "new-session", "-d", "-x", str(self.w), "-y", str(self.h), cmd)
        tmux("set-option", "-g", "status", "off")
        tmux("set-option", "-g", "set-clipboard", "on")

    def screen(self, escapes=False):
        args = ["capture-pane", "-p"] + (["-e"] if escapes else [])
        return tmux(*args)

    def lines(self):
        return self.screen().split("\n")

    def keys(self, *keys):
        tmux("send-keys", *keys)

    def type(self, text):
        tmux("send-keys", "-l", text)


    def jump(self, id_):
        """Ask for log id_ with ':' (what the screen then shows is the test's)."""
        self.keys(":")
        self.type(str(id_))
        self.keys("Enter")
    def wait(self, pred, what, timeout=DEADLINE):
        """Poll the screen until pred(screen) is true (a regex string or a function)."""
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            ok = re.search(pred, s) if isinstance(pred, str) else pred(s)
            if ok:
                return s
            if time.monotonic() > end:
                raise Failure("timed out waiting for " + what + "\n--- screen ---\n" + s)
            time.sleep(POLL)

    def status(self):
        return self.lines()[self.h - 1]

    def header(self):
        return self.lines()[0]

    def ready(self):
        return self.wait(r"row 1 of [\d,]+", "the first page")

    def detail_id(self):
        m = re.search(r"log (\d+) [A-Z]", self.screen())
        return int(m.group(1)) if m else None

    def wait_detail(self, ident, what):
        return self.wait(r"log %d [A-Z]" % ident, what)

    def pane(self, fmt):
        return tmux("display-message", "-p", fmt).strip()

    def close(self):
        tmux("kill-server", check_rc=False)


def first_entries(server, pages):
    out = []
    for p in range(1, pages + 1):
        out += api_page(server, p)["results"]
    return out


def list_rows(screen_lines, h):
    """The list pane rows (between the header and the detail title)."""
    rows = []
    for line in screen_lines[1:h - 1]:
        if re.match(r"^ log \d+ ", line) or line.startswith(" loading") or line.startswith(" no "):
            break
        rows.append(line)
    return rows


# ------------------------------------------------------------------ tests

def t_first_page(server, b):
    b.ready()
    top = api_page(server, 1)
    e0 = top["results"][0]
    s = b.screen()
    check("3,000 logs" in b.header(), "header shows the count", s)
    check("127.0.0.1:%d" % server.port in b.header(), "header shows the server", s)
    check(re.search(r"^ +%d .*%s" % (e0["id"], {40: "ERROR"}.get(e0["level"], "")), s, re.M),
          "first row is the newest entry", s)
    b.wait_detail(e0["id"], "detail of the first entry")
    check("row 1 of 3,000" in b.status(), "status shows the position", s)


def t_scroll_pages(server, b):
    b.ready()
    entries = first_entries(server, 3)
    b.keys(*(["j"] * 15))
    b.wait(r"row 16 of 3,000", "row 16 after 15 x j")
    b.wait_detail(entries[15]["id"], "entry 16 (on page 2) selected")
    b.keys("NPage")
    b.wait(lambda s: re.search(r"row (\d+) of", s) and
           int(re.search(r"row (\d+) of", s).group(1)) > 16, "PgDn moves further")
    b.keys("g")
    b.wait(r"row 1 of 3,000", "g back to the first entry")
    b.wait_detail(entries[0]["id"], "first entry again")


def t_error_jumps(server, b):
    b.ready()
    entries = first_entries(server, 6)
    errs = [i for i, e in enumerate(entries) if e["level"] >= 40 and i > 0]
    check(len(errs) >= 2, "fixture has errors in the first pages")
    b.keys("e")
    b.wait_detail(entries[errs[0]]["id"], "e selects the next ERROR")
    b.wait(r"row %d of" % (errs[0] + 1), "row of the error")
    b.keys("e")
    b.wait_detail(entries[errs[1]]["id"], "e again selects the following ERROR")
    b.keys("E")
    b.wait_detail(entries[errs[0]]["id"], "E goes back to the previous ERROR")
    warns = [i for i, e in enumerate(entries) if e["level"] >= 30 and i > errs[0]]
    b.keys("w")
    b.wait_detail(entries[warns[0]]["id"], "w selects the next WARNING-or-above")


def t_digit_filter(server, b):
    b.ready()
    b.keys("4")
    b.wait(r"filter: level>=ERROR", "header shows the level filter")
    b.wait(r"matching", "status counts matching entries")

    def only_errors(s):
        rows = list_rows(s.split("\n"), b.h)
        rows = [r for r in rows if re.match(r"^.\s*\d+ ", r)]
        return len(rows) >= 5 and all(re.search(r" (ERROR|CRITICAL|Level [45]\d) ", r)
                                      for r in rows)
    b.wait(only_errors, "only ERROR and above listed")
    b.keys("0")
    b.wait(lambda s: "filter:" not in s.split("\n")[0] and "row 1 of 3,000" in s,
           "0 shows all levels again")


def t_last_entry(server, b):
    b.ready()
    before = len(api_requests(server))
    b.keys("G")
    b.wait(r"row 3,000 of 3,000", "G selects the last entry")
    last_page = (3000 + 9) // 10
    oldest = api_page(server, last_page)["results"][-1]
    b.wait_detail(oldest["id"], "the oldest entry in the detail pane")
    pages = [r["path"] for r in api_requests(server)[before:]]
    check(len(pages) < 15, "G requested the last page directly, not every page: %r" % pages)


def t_jump_existing_and_far(server, b):
    b.ready()
    near = api_page(server, 1)["results"][6]["id"]
    b.jump(near)
    b.wait_detail(near, "jump to a loaded id")
    far = api_page(server, 170)["results"][4]
    before = len(api_requests(server))
    b.keys("#")
    b.type(str(far["id"]))
    b.keys("Enter")
    b.wait_detail(far["id"], "jump to a far-away id")
    b.wait(r"row 1,695 of 3,000", "row of the far-away id")
    n = len(api_requests(server)) - before
    check(n <= 20, "a few requests, not a scan (%d)" % n)


def t_jump_missing(server, b):
    b.ready()
    b.jump("987654321")
    b.wait(r"log 987654321 not found", "missing id reported")
    # An id in a gap of the id sequence exists nowhere either.
    ids = [e["id"] for e in api_page(server, 2)["results"]]
    gap = next((a - 1 for a, c in zip(ids, ids[1:]) if a - c > 1), None)
    if gap is not None:
        b.jump(gap)
        b.wait(r"log %d not found" % gap, "id in a gap reported missing")


def t_level_and_app_prompts(server, b):
    b.ready()
    b.keys("l")
    b.wait(r"level \(", "level prompt")
    b.type("=warning")
    b.keys("Enter")
    b.wait(r"filter: level=WARNING", "exact level filter in the header")

    def only(level):
        def f(s):
            rows = [r for r in list_rows(s.split("\n"), b.h) if re.match(r"^.\s*\d+ ", r)]
            return len(rows) >= 3 and all((" %s " % level) in r for r in rows)
        return f
    b.wait(only("WARNING"), "only WARNING rows")
    b.keys("c")
    b.wait(lambda s: "filter:" not in s.split("\n")[0], "c clears the filters")
    app = api_page(server, 1)["results"][0]["app_name"]
    b.keys("a")
    b.wait(r"app \(", "app prompt")
    b.type(app[:3])
    b.keys("Tab")
    b.wait(lambda s: app in s.split("\n")[b.h - 1] or "Tab for the next" in s,
           "Tab completes the app name")
    b.keys("C-u")
    b.type(app)
    b.keys("Enter")
    b.wait(r"filter: app=%s" % re.escape(app), "app filter in the header")
    detail_app = re.compile(r"(?m)^#\d+ (?:Level \d+|[A-Z]+) (\S+)")
    b.keys("j")
    s = b.wait(detail_app.pattern, "detail shows the app")
    check(detail_app.search(s).group(1) == app, "selected entry has that app", s)


def t_search(server, b):
    b.ready()
    entries = first_entries(server, 5)
    word = "Allocation"
    hits = [e for e in entries[1:] if any(word.lower() in (e.get(k) or "").lower()
                                          for k in ("message", "logger_name", "app_name",
                                                    "trace"))]
    check(len(hits) >= 2, "fixture has search hits")
    b.keys("/")
    b.type(word.lower())
    b.keys("Enter")
    b.wait_detail(hits[0]["id"], "search selects the first match")
    b.wait(r"search: /allocation/", "header shows the search")
    b.keys("n")
    b.wait_detail(hits[1]["id"], "n selects the next match")
    b.keys("N")
    b.wait_detail(hits[0]["id"], "N goes back")
    esc = b.screen(escapes=True)
    check("\x1b[30m\x1b[43m" in esc or "\x1b[7m" in esc, "match highlighted", esc)


def t_detail_trace(server, b):
    b.ready()
    entries = first_entries(server, 3)
    idx = next(i for i, e in enumerate(entries) if "Traceback" in (e.get("trace") or ""))
    b.keys(*(["j"] * idx))
    b.wait_detail(entries[idx]["id"], "entry with a trace selected")
    b.keys("Enter")
    b.wait(r"(?m)^ log %d [A-Z]+ — lines [\d-]+ of \d+ *$" % entries[idx]["id"],
           "Enter focuses the detail pane")
    b.keys("z")
    b.wait(lambda s: re.search(r"Traceback \(most recent call last\)", s) and
           not re.search(r"row \d+ of", "\n".join(s.split("\n")[1:b.h - 1])),
           "z zooms the detail pane and shows the trace")
    b.keys("]")
    s = b.wait(r"(?m)^\s+File \"[^\"]+\", line \d+", "a frame line at the top after ]")
    frame_line = next(i for i, l in enumerate(s.split("\n")) if re.match(r'^\s+File "', l))
    esc = b.screen(escapes=True).split("\n")
    check("\x1b[" in esc[frame_line], "frame line highlighted", "\n".join(esc))
    exc = entries[idx]["trace"].rstrip().split("\n")[-1].split(":")[0]
    b.keys("G")
    b.wait(re.escape(exc.split(".")[-1]), "exception line at the end of the trace")
    b.keys("Tab")
    b.wait(r"\(Enter: focus\)", "Tab returns to the list")
    b.wait(r"(?m)^.\s*%d " % entries[idx]["id"], "list visible again after leaving the zoom")


def t_follow(server, b):
    b.ready()
    first = api_page(server, 1)
    top_id = first["results"][0]["id"]
    b.keys("j")
    sel = first["results"][1]["id"]
    b.wait_detail(sel, "second entry selected")
    b.keys("F")
    b.wait(r"following:", "follow mode on")
    server.set(grow=3)
    b.wait(lambda s: re.search(r"([\d,]+) logs", s) and
           int(re.search(r"([\d,]+) logs", s).group(1).replace(",", "")) > 3000,
           "count grows in follow mode")
    s = b.wait(lambda s: any(int(m) > top_id for m in re.findall(r"(?m)^\+ *(\d+) ", s)),
               "new entries marked +")
    server.set(grow=0)
    check(b.detail_id() == sel, "selection stays on the same entry", s)
    ids = [int(m) for m in re.findall(r"(?m)^[+ ] *(\d+) \d\d", b.screen())]
    check(len(ids) == len(set(ids)), "no id shown twice", b.screen())
    check(ids == sorted(ids, reverse=True), "ids descend", b.screen())


def t_slow_server(server, b):
    # Every request takes 2 s: keys must still be answered at once.
    b.wait(r"connecting…", "placeholder while the first page loads", timeout=QUICK * 2)
    t0 = time.monotonic()
    b.keys("?")
    b.wait(r"keys \(q, Esc or \? closes", "help while the first page is loading")
    check(time.monotonic() - t0 < QUICK, "help answered within %.1fs" % QUICK)
    b.keys("q")
    b.wait(lambda s: "keys (q, Esc" not in s, "help closed", timeout=QUICK)
    b.ready()
    t0 = time.monotonic()
    b.keys(*(["j"] * 12))
    b.wait(r"row 13 of 3,000", "scrolling onto rows still loading", timeout=QUICK)
    b.wait(lambda s: "···" in s and "loading" in s.split("\n")[b.h - 1],
           "placeholders for rows not loaded yet, and the status says they load",
           timeout=QUICK)
    t0 = time.monotonic()
    b.keys("G")
    b.wait(r"row 3,000 of 3,000", "G answered at once", timeout=QUICK)
    b.keys("q")
    b.wait(EXIT_MARK + "0", "quit while requests are in flight", timeout=QUICK)
    check(time.monotonic() - t0 < QUICK * 2, "G and quit answered within a fraction of a second")


def t_help(server, b):
    b.ready()
    b.keys("?")
    b.wait(r"keys \(q, Esc or \? closes", "help screen")
    for key, words in (("e", "next ERROR"), ("G, End", "last"), (":, #", "jump")):
        # waited for, not sampled: the title may be on screen before the rest
        b.wait(r"(?m)^  %s +.*%s" % (re.escape(key), words), "help lists " + key)
    b.keys("Escape")
    b.wait(r"row 1 of 3,000", "help closed")


def t_auth_error(server, b):
    s = b.wait(r"(?i)(token|credential|auth)", "auth error in the status line")
    last = b.status()
    check(re.search(r"(?i)(token|credential|auth|401)", last), "error on the status line", s)
    check(EXIT_MARK not in s, "still running after the error", s)
    b.keys("q")
    b.wait(EXIT_MARK + "0", "quits cleanly")


def t_escapes(server, b):
    title = b.pane("#{pane_title}")
    b.ready()
    first = api_page(server, 1)["results"][0]
    check("\x1b" in first["message"], "fixture: escapes in the newest message")
    b.wait_detail(first["id"], "entry with escape sequences in the detail pane")
    s = b.wait(r"\\e\[", "escape sequences shown as visible \\e")
    check(b.pane("#{pane_title}") == title, "pane title unchanged by server text", s)
    lines = s.split("\n")
    check(lines[0].startswith(" omslog") and "3,000 logs" in lines[0], "header intact", s)
    check("row 1 of 3,000" in lines[b.h - 1], "status line intact and in place", s)
    check(b.pane("#{alternate_on}") == "1", "still on the browser's screen", s)
    b.keys("Enter", "z", "G")
    s = b.wait(r"(?m)^ log %d .* lines" % first["id"], "scrolled the whole detail")
    check(b.pane("#{pane_title}") == title, "pane title unchanged after the trace", s)
    b.keys("Tab", "G")
    b.wait(r"row 3,000 of 3,000", "still responsive")
    s = b.wait(lambda s: "···" not in s, "last rows loaded")
    check(s.split("\n")[0].startswith(" omslog"), "header intact at the end", s)
    check(b.pane("#{pane_title}") == title, "pane title unchanged at the end", s)


def t_resize(server, b):
    b.ready()
    other = (160, 50) if b.w == 80 else (80, 24)
    tmux("resize-window", "-x", str(other[0]), "-y", str(other[1]))
    b.w, b.h = other
    # tmux keeps the bottom of the old screen when it shrinks one, so the old
    # status line can sit on the new last row before omslog redraws: wait for
    # the whole new frame (header on top, status line at the bottom).
    b.wait(lambda s: len(s.split("\n")) >= other[1] and
           "row 1 of 3,000" in s.split("\n")[other[1] - 1] and
           s.split("\n")[0].startswith(" omslog"), "header and status line after resize")
    b.keys("j")
    b.wait(r"row 2 of 3,000", "keys work after resize")


def t_no_color(server, b):
    b.ready()
    esc = b.screen(escapes=True)
    check(not re.search(r"\x1b\[3[0-7]m", esc), "no colours with NO_COLOR", esc)
    b.keys("4")
    b.wait(r"filter: level>=ERROR", "filtered")
    esc = b.screen(escapes=True)
    check("\x1b[1m" in esc, "levels told apart by attributes", esc)


def t_summary(server, b):
    b.ready()
    b.keys("S")
    b.wait(r"Summary of [\d,]+ loaded entries", "summary view")
    s = b.wait(lambda s: all(x in s for x in ("Levels", "Apps", "Exception types")),
               "summary has its three sections")
    lines = s.split("\n")
    apps_at = next(i for i, l in enumerate(lines) if l.startswith("Apps"))
    m = re.match(r"^ +[\d,]+  (\S+)", lines[apps_at + 1])
    check(m, "an app line with a count", s)
    counts = [int(re.match(r"^ +([\d,]+)", l).group(1).replace(",", ""))
              for l in lines[apps_at + 1:] if re.match(r"^ +[\d,]+  ", l)]
    check(counts[:3] == sorted(counts[:3], reverse=True), "most frequent first", s)
    levels_at = next(i for i, l in enumerate(lines) if l.startswith("Levels"))
    b.keys(*(["j"] * (apps_at - levels_at - 1)))
    b.keys("Enter")
    b.wait(r"filter: app=%s" % re.escape(m.group(1)), "Enter on an app filters the list")
    # The summary counts what is loaded: let the filter's scan end first, so
    # that the app's exception types are there however slow the build.
    b.wait(lambda sc: "matching" in b.status() and "scanned" not in b.status(),
           "the filter's scan done", DEADLINE * 3)
    # On an exception type the title says what Enter does there: it searches.
    b.keys("S")
    s = b.wait(r"Enter filters, q closes", "the title on a level line")
    lines = s.split("\n")
    levels_at = next(i for i, l in enumerate(lines) if l.startswith("Levels"))
    exc_at = next(i for i, l in enumerate(lines) if l.startswith("Exception types"))
    exc = re.match(r"^ +[\d,]+  (\S+)", lines[exc_at + 1])
    check(exc, "an exception type with a count", s)
    b.keys(*(["j"] * (exc_at - levels_at - 2)))
    b.wait(r"Enter searches, q closes", "the title on an exception type")
    b.keys("Enter")
    b.wait(r"search: /" + re.escape(exc.group(1)[:6]), "Enter on an exception type searches")


def t_yank_and_save(server, b):
    b.ready()
    first = api_page(server, 1)["results"][0]
    b.wait_detail(first["id"], "first entry selected")
    b.keys("y")
    b.wait(r"copy to clipboard", "yank menu")
    b.keys("4")
    b.wait(r"copied API URL", "status confirms the copy")
    url = server.url + API + "%d/" % first["id"]
    buf = tmux("show-buffer", check_rc=False)
    check(buf == url, "OSC 52 put the entry URL on the clipboard: %r" % buf)
    b.keys("y", "5")
    b.wait(r"copied curl command", "curl command copied")
    buf = tmux("show-buffer", check_rc=False)
    check("$OMSLOG_TOKEN" in buf and TOKEN not in buf and url in buf,
          "curl command reads the token from the environment: %r" % buf)
    b.keys("s")
    b.wait(r"save as: omslog-%d\.json" % first["id"], "save prompt with the default path")
    b.keys("Enter")
    b.wait(r"saved log %d" % first["id"], "saved")
    path = os.path.join(b.cwd, "omslog-%d.json" % first["id"])
    with open(path) as f:
        saved = json.load(f)
    check(saved["id"] == first["id"] and saved["message"] == first["message"],
          "the file holds the entry as JSON")
    b.keys("s", "Enter")
    b.wait(r"overwrite\? \(y/N\)", "asks before overwriting")
    b.keys("n")
    b.wait(r"not saved", "n keeps the file")


def t_failed_pages_retry(server, b):
    b.ready()
    server.set(fail_5xx=1000, fail_status=500)
    b.keys("G")
    b.wait(r"failed to load — press r to retry", "failed rows say so")
    # The error is on the status line, or whole on the lines just above it.
    b.wait(lambda s: re.search(r"(?i)(500|server)", "\n".join(s.split("\n")[b.h - 4:b.h])),
           "status line names the error")
    server.set(fail_5xx=0)
    b.keys("r")
    last_page = (3000 + 9) // 10
    oldest = api_page(server, last_page)["results"][-1]
    b.wait_detail(oldest["id"], "r retries and the rows load")
    b.wait(lambda s: "failed to load" not in s, "no failed rows left")


def t_mouse(server, b):
    """A click selects the row under it; the wheel moves three rows. tmux
    passes the xterm SGR mouse reports (what the terminfo's kmous announces)
    on to the program once it has turned mouse reporting on."""
    b.ready()
    entries = first_entries(server, 2)
    check(b.pane("#{mouse_any_flag}") == "1" or b.pane("#{mouse_button_flag}") == "1"
          or b.pane("#{mouse_standard_flag}") == "1", "omslog turned mouse reporting on")

    def sgr(button, x, y):
        b.type("\x1b[<%d;%d;%dM" % (button, x, y))
        if button < 64:
            b.type("\x1b[<%d;%d;%dm" % (button, x, y))

    sgr(0, 10, 2 + 4)  # screen line 1 is the header: the list's fifth row
    b.wait(r"row 5 of 3,000", "a click selects the fifth row")
    b.wait_detail(entries[4]["id"], "detail of the clicked entry")
    sgr(65, 10, 4)     # wheel down
    b.wait(r"row 8 of 3,000", "the wheel moves three rows down")
    b.wait_detail(entries[7]["id"], "detail follows the wheel")
    sgr(64, 10, 4)     # wheel up
    b.wait(r"row 5 of 3,000", "and three rows up")


def t_hidden_by_filter(server, b):
    b.ready()
    entries = api_page(server, 3)["results"]
    info = next(e for e in entries if e["level"] < 40)
    b.keys("4")
    b.wait(r"filter: level>=ERROR", "error filter on")
    b.jump(info["id"])
    b.wait(r"log %d is hidden by the filters" % info["id"], "hidden id reported")
    b.keys("c")
    b.wait_detail(info["id"], "c clears the filters and shows the entry")
    check("filter:" not in b.header(), "filters cleared")


def t_growing_log(server, b):
    b.ready()
    server.set(grow=2)
    for _ in range(6):
        b.keys("NPage")
        time.sleep(0.4)
        s = b.wait(lambda s: "···" not in s, "page loaded while the log grows")
        ids = [int(m) for m in re.findall(r"(?m)^[+ ] *(\d+) \d\d", s)]
        check(len(ids) == len(set(ids)), "no id shown twice", s)
        check(ids == sorted(ids, reverse=True), "ids descend", s)
    server.set(grow=0)
    # Every id between the first and last row shown exists in the server's list.
    s = b.screen()
    ids = [int(m) for m in re.findall(r"(?m)^[+ ] *(\d+) \d\d", s)]
    count = api_page(server, 1)["count"]
    pages = [api_page(server, p)["results"] for p in range(1, 26)]
    server_ids = [e["id"] for pg in pages for e in pg]
    lo, hi = server_ids.index(ids[0]), server_ids.index(ids[-1])
    check(server_ids[lo:hi + 1] == ids, "no id skipped (count %d)" % count, s)


def t_view_toggles(server, b):
    b.ready()
    entries = first_entries(server, 3)
    idx = next(i for i, e in enumerate(entries)
               if "site-packages" in (e.get("trace") or "") or
               "/lib/python3" in (e.get("trace") or ""))
    b.keys(*(["j"] * idx))
    b.wait_detail(entries[idx]["id"], "entry with library frames")
    b.keys("u")
    b.wait(r"(?m)^ omslog .* UTC", "u: header says UTC")
    s = b.wait(r"(?m)^(#\d+ .* )?\d{4}-\d\d-\d\d [\d:.]+Z$", "u: times in UTC")
    total = lambda s: int(re.search(r"lines [\d-]+ of (\d+)", s).group(1))  # noqa: E731
    before = total(b.screen())
    b.keys("f")
    s = b.wait(r"\[folded\]", "f folds library frames")
    check(total(s) < before, "folding hides lines (%d -> %d)" % (before, total(s)), s)
    b.keys("Enter", "G")
    b.wait(r"library lines? folded", "a note where frames are folded")
    b.keys("Tab")
    b.keys("f", "C-w")
    b.wait(r"\[nowrap\]", "Ctrl-W turns wrapping off")
    b.keys("C-w", "v")
    if b.w < 120:  # too narrow for side by side: stays stacked, and says so
        b.wait(r"side by side needs 120 columns", "v says why it stays stacked")
    else:
        b.wait(lambda s: all("│" in l or "|" in l or "x" in l
                             for l in s.split("\n")[2:b.h - 2]) and
               re.search(r"(?m)^.{20,}log %d [A-Z]" % entries[idx]["id"], s),
               "v puts the detail pane beside the list")
    b.keys("v")
    b.wait(r"(?m)^ log %d [A-Z]" % entries[idx]["id"], "v again: detail below the list")
    # o: the trace in $PAGER (a script that copies what it is given).
    out = os.path.join(b.cwd, "paged.txt")
    b.keys("o")
    b.wait(lambda s: os.path.exists(out) and os.path.getsize(out) > 0, "pager ran")
    with open(out) as f:
        paged = f.read()
    check(entries[idx]["trace"].strip().split("\n")[-1] in paged, "pager got the trace")
    b.wait(r"row %d of 3,000" % (idx + 1), "browser back after the pager")
    check(b.pane("#{alternate_on}") == "1", "back on the browser's screen")


# ---- frames drawn for nothing (OMSLOG_DEBUG_DRAWS) ----
# The browser draws a frame only when something on screen changes: keys that
# change nothing and follow ticks that bring nothing new cost no frame beyond
# the loading indicator's own. OMSLOG_DEBUG_DRAWS names a file holding the
# number of frames drawn so far.

def frames_drawn(b):
    """The browser's frame count; waits out a rewrite in progress."""
    path = os.path.join(b.cwd, "draws")
    end = time.monotonic() + DEADLINE
    while True:
        try:
            with open(path) as f:
                return int(f.read())
        except (OSError, ValueError):
            if time.monotonic() > end:
                raise Failure("no frame count in " + path)
            time.sleep(POLL)


def settled_frames(b):
    """The frame count once nothing loads and it has stopped moving a while."""
    b.wait(lambda s: "loading" not in s.split("\n")[b.h - 1], "every page loaded")
    last, end = frames_drawn(b), time.monotonic() + DEADLINE
    while time.monotonic() < end:
        time.sleep(QUICK * 2)
        now = frames_drawn(b)
        if now == last:
            return now
        last = now
    raise Failure("frames keep being drawn with nothing to show")


def t_unchanged_screen_not_redrawn(server, b):
    b.ready()
    before = settled_frames(b)
    screen = b.screen()
    # Unbound keys, and moving up at the top of the list: nothing changes.
    for key in ["x", "k", "Z", "k"] * 6:
        b.keys(key)
        time.sleep(POLL / 2)
    b.keys("j")  # one that moves: its frame shows the keys above were read
    b.wait(r"row 2 of 3,000", "the key after the ignored ones")
    after = frames_drawn(b)
    check(after - before <= 2, "24 keys that change nothing drew %d frames" %
          (after - before - 1), screen)
    # Follow mode against a log that does not grow: a tick shows the page
    # loading and then loaded, nothing else.
    b.keys("F")
    b.wait(r"\[FOLLOW 1s\]", "follow mode")
    start, t0 = frames_drawn(b), time.monotonic()
    time.sleep(3)
    ticks = time.monotonic() - t0 + 1
    drawn = frames_drawn(b) - start
    check(drawn <= 2 * ticks + 1, "%d frames in %.1f follow ticks of an unchanged log" %
          (drawn, ticks), b.screen())


# ------------------------------------------- clipboard with tmux's defaults

LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def clipboard_session(server, b, in_tmux, env):
    """Restart b's omslog in a fresh tmux server left with tmux's DEFAULT
    options (set-clipboard external, allow-passthrough off: an OSC 52 from
    inside is dropped), with $TMUX as tmux sets it (in_tmux) or unset, and no
    display. Returns the environment omslog runs with."""
    envs = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "OMSLOG_TOKEN": TOKEN, "XDG_CONFIG_HOME": "/nonexistent"}
    envs.update(env)
    unset = "-u DISPLAY -u WAYLAND_DISPLAY -u XDG_STATE_HOME" + ("" if in_tmux else " -u TMUX")
    cmd = "cd %s && env %s %s %s --url %s; echo %s$?; sleep 60" % (
        shlex.quote(b.cwd), unset, " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in envs.items()),
        shlex.quote(BIN), shlex.quote(server.url), EXIT_MARK)
    tmux("kill-server", check_rc=False)
    end = time.monotonic() + DEADLINE
    while True:  # the old server may still be on its way out
        try:
            tmux("-f", "/dev/null", "new-session", "-d", "-x", str(b.w), "-y", str(b.h), cmd)
            break
        except Failure:
            if time.monotonic() > end:
                raise
            tmux("kill-server", check_rc=False)
            time.sleep(POLL)
    tmux("set-option", "-g", "status", "off")
    check(tmux("show-options", "-gv", "set-clipboard").strip() == "external" and
          tmux("show-options", "-gv", "allow-passthrough").strip() == "off",
          "tmux runs with its default clipboard options")
    return envs


def omslog_get(server, envs, ident):
    """What `omslog get ID` prints, in the environment the browser has."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(envs)
    r = subprocess.run([BIN, "--url", server.url, "get", str(ident)], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=scaled(10))
    check(r.returncode == 0, "omslog get %d: %s" % (ident, r.stderr))
    return r.stdout


def t_clipboard_tmux_buffer(server, b):
    """Inside tmux with its default options, y 6 and y 7 land in the tmux
    buffer (tmux load-buffer), and the status line says so."""
    envs = clipboard_session(server, b, True, {})
    first = api_page(server, 1)["results"][0]
    b.ready()
    b.wait_detail(first["id"], "first entry selected")
    tmux("delete-buffer", check_rc=False)
    b.keys("y")
    b.wait(r"6  ticket", "the menu lists the ticket")
    b.wait(r"7  text", "the menu lists the text")
    b.keys("6")
    b.wait(r"copied ticket \(\d+ bytes\) to the tmux buffer", "the ticket copied to the buffer")
    got = tmux("show-buffer", check_rc=False)
    level = LEVEL_NAMES.get(first["level"], "Level %d" % first["level"])
    check(re.match(r"%s %s \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ? #%d\n\n```+\nid: %d\n" % (
        re.escape(level), re.escape(first["app_name"]), first["id"], first["id"]), got),
        "the ticket starts with the summary and the fields: %r" % got)
    check("\napp_name: %s\n" % first["app_name"] in got and
          "\nlogger_name: %s\n" % first["logger_name"] in got, "the fields: %r" % got)
    check(re.search(r"\nMessage:\n\n(```+)\n%s\n\1\n" % re.escape(first["message"]), got),
          "the message in a fenced block: %r" % got)
    check(got.endswith("\n%s%s%d/\n" % (server.url, API, first["id"])),
          "the ticket ends with the entry's URL: %r" % got)
    b.keys("y", "7")
    b.wait(r"copied text \(\d+ bytes\) to the tmux buffer", "the text copied to the buffer")
    got = tmux("show-buffer", check_rc=False)
    want = omslog_get(server, envs, first["id"])
    check(got == want, "y 7 copies what omslog get prints: %r, want %r" % (got, want))


def t_clipboard_file_fallback(server, b):
    """Outside tmux, in a terminal that ignores OSC 52 (VTE) and with no
    display: the text goes to a file, and the status line shows its path."""
    state = os.path.join(b.cwd, "state")
    envs = clipboard_session(server, b, False, {"VTE_VERSION": "7600", "XDG_STATE_HOME": state})
    first = api_page(server, 1)["results"][0]
    b.ready()
    b.wait_detail(first["id"], "first entry selected")
    b.keys("y", "7")
    s = b.wait(r"no clipboard: text \(\d+ bytes\) written to", "the file fallback")
    path = os.path.join(state, "omslog", "clipboard.txt")
    shown = re.search(r"written to\s+(\S+)", s).group(1)
    check(shown == path, "the status line shows the file: %r, want %r" % (shown, path), s)
    want = omslog_get(server, envs, first["id"])
    with open(path) as f:
        check(f.read() == want, "the file holds the text")
    check(os.stat(path).st_mode & 0o777 == 0o600, "the file is mode 0600")
    check(os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700, "its directory is 0700")
    check(tmux("show-buffer", check_rc=False) == "", "nothing reached the tmux buffer")


# ------------------------------------------------------------------ marks

def marks_row(screen, ident):
    """The list row of log ident, or None."""
    return next((l for l in screen.split("\n") if re.match(r"^[ *+] *%d " % ident, l)), None)


def marks_words(entry):
    """The start of an entry's message as the marks pane shows it."""
    return re.escape(entry["message"].split("\n")[0][:8])


def marks_browser(server, size, env, cwd):
    """A Browser again right after the last one's tmux server was killed: a
    new session can reach that server while it is still exiting."""
    for attempt in range(10):
        try:
            return Browser(server, size, env=env, cwd=cwd)
        except Failure:
            if attempt == 9:
                raise
            time.sleep(0.2)


def t_marks(server, b):
    """m marks (a * in the row, a count in the status line); M lists the marked
    entries (Enter jumps, d unmarks, s saves JSONL); marks survive a restart."""
    state = os.path.join(b.cwd, "state")
    env = {"XDG_STATE_HOME": state}
    size = (b.w, b.h)
    b.close()  # started without XDG_STATE_HOME: marks would go to $HOME
    b = marks_browser(server, size, env, b.cwd)
    try:
        marks_steps(server, b, state)
        b.keys("q")
        b.wait(EXIT_MARK + "0", "quits")
        b = marks_browser(server, size, env, b.cwd)
        marks_after_restart(server, b)
    finally:
        b.close()


def marks_steps(server, b, state):
    b.ready()
    page = api_page(server, 1)["results"]
    new, older = page[0], page[1]
    far = api_page(server, 170)["results"][4]
    b.keys("m")
    b.wait(r"marked log %d \(1 marked\)" % new["id"], "m marks the selected entry")
    b.keys("j", "m")
    s = b.wait(r"│ 2 marked", "the status line counts the marks")
    for e in (new, older):
        row = marks_row(s, e["id"])
        check(row is not None and row.startswith("*"), "log %d is marked in the list" % e["id"],
              s)
    check(marks_row(s, page[2]["id"]).startswith(" "), "an unmarked row has no marker", s)
    b.keys("m")
    s = b.wait(r"unmarked log %d \(1 marked\)" % older["id"], "m again unmarks")
    check(marks_row(s, older["id"]).startswith(" "), "the marker is gone", s)
    b.keys("m")
    b.jump(far["id"])
    b.wait_detail(far["id"], "jump to a far entry")
    b.keys("m")
    b.wait(r"3 marked\)", "three marked")
    b.keys("g")
    b.wait_detail(new["id"], "back at the top")
    b.keys("M")
    s = b.wait(r"3 marked entries, oldest first", "M lists the marked entries")
    lines = s.split("\n")
    at = [next((i for i, l in enumerate(lines) if re.match(r"^ +%d  " % e["id"], l)), -1)
          for e in (far, older, new)]
    check(-1 not in at and at == sorted(at), "oldest first: %s" % at, s)
    for e in (far, older, new):
        check(re.search(marks_words(e), lines[at[(far, older, new).index(e)]]),
              "the pane shows the message of log %d" % e["id"], s)
    # Enter on the second row jumps to it.
    b.keys("j", "Enter")
    b.wait_detail(older["id"], "Enter jumps to the marked entry")
    check("marked entries, oldest" not in b.screen(), "the pane closed")
    # s saves them all as JSONL, oldest first, mode 0600; asks before overwriting.
    b.keys("M", "s")
    b.wait(r"save the marked entries \(JSONL\) as: omslog-marks\.jsonl", "the save prompt")
    b.keys("Enter")
    b.wait(r"saved 3 marked entries to omslog-marks\.jsonl", "saved")
    path = os.path.join(b.cwd, "omslog-marks.jsonl")
    with open(path) as f:
        saved = [json.loads(line) for line in f]
    check([e["id"] for e in saved] == [far["id"], older["id"], new["id"]],
          "the file holds the three entries, oldest first: %s" % [e["id"] for e in saved])
    check(saved[0]["message"] == far["message"], "with the server's JSON")
    check(os.stat(path).st_mode & 0o777 == 0o600, "the JSONL file is 0600")
    b.keys("s", "Enter")
    b.wait(r"overwrite\? \(y/N\)", "asks before overwriting")
    b.keys("n")
    b.wait(r"not saved", "n keeps the file")
    # y copies all of them as one Markdown ticket, oldest first.
    tmux("delete-buffer", check_rc=False)
    b.keys("y")
    b.wait(r"copied 3 marked entries as a ticket", "y copies the marked entries")
    got = tmux("show-buffer", check_rc=False)
    at = [got.find("#%d" % e["id"]) for e in (far, older, new)]
    check(-1 not in at and at == sorted(at), "the ticket holds the three, oldest first: %s" % at,
          got[:600])
    check(got.count("\n---\n") == 2 and "```" in got, "three ticket sections", got[:600])
    # d unmarks the selected row (the second, older): the file follows.
    b.wait(r"3 marked entries, oldest first", "the pane is still open")
    b.keys("j", "d")
    s = b.wait(r"unmarked log %d \(2 marked\)" % older["id"], "d unmarks")
    check(re.search(r"2 marked entries", s), "the pane lists two", s)
    files = os.listdir(os.path.join(state, "omslog"))
    mark_file = [f for f in files if f.startswith("marks-") and not f.endswith(".lock")]
    check(len(mark_file) == 1 and "%3A%2F%2F" in mark_file[0], "one file per origin: %s" % files)
    mark_path = os.path.join(state, "omslog", mark_file[0])
    with open(mark_path) as f:
        ids = [int(x) for x in f.read().split("\n") if x and not x.startswith("#")]
    check(ids == [far["id"], new["id"]], "the file holds the marked ids: %s" % ids)
    check(os.stat(mark_path).st_mode & 0o777 == 0o600, "the marks file is 0600")
    check(os.stat(os.path.join(state, "omslog")).st_mode & 0o777 == 0o700, "its directory 0700")
    with open(mark_path) as f:
        check(TOKEN not in f.read(), "no token in the marks file")
    b.keys("q")
    b.wait(lambda s: "marked entries" not in s, "q closes the pane")


def marks_after_restart(server, b):
    b.ready()
    far = api_page(server, 170)["results"][4]
    new = api_page(server, 1)["results"][0]
    s = b.wait(r"│ 2 marked", "the marks are back after a restart")
    check(marks_row(s, new["id"]).startswith("*"), "the marker is back", s)
    b.keys("M")
    # The far entry is on no loaded page: the pane fetches it.
    b.wait(r"2 marked entries", "M lists them")
    b.wait(r" +%d  .*%s" % (far["id"], marks_words(far)), "the far entry's summary is fetched")
    b.keys("Enter")
    b.wait_detail(far["id"], "Enter jumps to an entry that was not loaded")


# ---- rough edges a new user meets: layout, detail, highlights, missing ids ----

MATCH_BG = "43"  # STYLE_MATCH's yellow background, as tmux captures it


def highlighted_runs(esc_line):
    """The runs of an escape-captured line drawn on the match background."""
    runs, cur, bg = [], "", False
    for part in re.split(r"(\x1b\[[0-9;:]*m)", esc_line):
        m = re.match(r"\x1b\[([0-9;:]*)m", part)
        if not m:
            if bg:
                cur += part
            continue
        for p in (m.group(1) or "0").split(";"):
            if p in ("0", "", "49") or (p.startswith("4") and len(p) == 2 and p != MATCH_BG):
                if bg and cur:
                    runs.append(cur)
                cur, bg = "", False
            elif p == MATCH_BG:
                bg = True
    if bg and cur:
        runs.append(cur)
    return runs


def t_layout_change_loads_rows(server, b):
    """v: the rows the new layout shows load at once (small pages, so that
    they were not loaded before); below 120 columns v keeps the panes
    stacked and says why."""
    b.ready()
    b.wait(lambda s: "···" not in "\n".join(list_rows(s.split("\n"), b.h)),
           "the stacked list loaded")
    b.keys("v")
    if b.w < 120:
        s = b.wait(r"side by side needs 120 columns", "v says why it stays stacked")
        check(re.search(r"(?m)^ log \d+ [A-Z]", s), "the detail pane still below the list", s)
        return
    s = b.wait(lambda s: all(re.match(r"^.\s*\d+ \d\d", l) for l in s.split("\n")[1:b.h - 1]),
               "every row of the taller list loaded without another key")
    check(all("│" in l or "|" in l or "x" in l for l in s.split("\n")[2:b.h - 2]) and
          re.search(r"(?m)^.{20,}log \d+ [A-Z]", s), "the detail pane beside the list", s)


def t_detail_message_first(server, b):
    """The stacked detail pane of an 80x24 screen: one or two lines of
    metadata (the time with its UTC offset), then the message, visible
    without Enter; the URL at the end."""
    b.ready()
    e = api_page(server, 1)["results"][0]
    s = b.wait_detail(e["id"], "the first entry's detail")
    lines = s.split("\n")
    at = next(i for i, l in enumerate(lines) if re.match(r"^ log %d [A-Z]" % e["id"], l))
    meta = lines[at + 1] + " " + lines[at + 2]
    check(lines[at + 1].startswith("#%d " % e["id"]), "metadata first", s)
    check(e["app_name"] in meta and e["logger_name"][:20] in meta, "app and logger shown", s)
    check(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+03:00", meta),
          "the local time with its UTC offset", s)
    words = e["message"].split()[:2]
    body = "\n".join(lines[at + 1:b.h - 1])
    check(all(w in body for w in words), "the message visible without Enter: %r" % words, s)
    check(not re.search(r"(?m)^(Created|Time|Logger|ID) ", s), "no field per line", s)
    b.keys("Enter", "G")
    s = b.wait(r"(?m)^URL +%s/api/v1/oms/logs/action_log/%d/" % (re.escape(server.url), e["id"]),
               "the URL at the end of the detail pane")
    b.keys("u", "g")
    b.wait(r"(?m)^#%d .*(\n.*)?\d\d:\d\d:\d\d\.\d{6}Z$" % e["id"], "u: the time in UTC")


def t_wide_columns_fit(server, b):
    """On a wide screen the app and logger columns fit the names shown (up
    to a cap); a narrow one keeps its short columns."""
    b.ready()
    s = b.wait(lambda s: "···" not in "\n".join(list_rows(s.split("\n"), b.h)), "rows loaded")
    by_id = {e["id"]: e for e in first_entries(server, 3)}
    rows = [(l, by_id[int(m.group(1))]) for l in list_rows(s.split("\n"), b.h)
            for m in [re.match(r"^.\s*(\d+) ", l)] if m and int(m.group(1)) in by_id]
    longest = max(rows, key=lambda r: len(r[1]["app_name"]))
    check(len(longest[1]["app_name"]) > 12, "the fixture has a long app name")
    if b.w < 120:
        check(" %s " % longest[1]["app_name"] not in longest[0], "narrow: app cut", s)
        return
    for line, e in rows:
        for key in ("app_name", "logger_name"):
            if e[key].isascii() and len(e[key]) <= 24:
                check(" %s " % e[key] in line, "%s of log %d whole: %r" % (key, e["id"], line), s)


def t_search_highlights_every_match(server, b):
    """A search highlights each match on a line, in the list and the detail."""
    b.ready()
    word = "orders_order"
    entries = first_entries(server, 5)
    hit = next(e for e in entries[1:] if e["message"].count(word) >= 2)
    b.keys("/")
    b.type(word)
    b.keys("Enter")
    b.wait_detail(hit["id"], "the search selects an entry that matches twice")
    time.sleep(QUICK)
    esc = b.screen(escapes=True).split("\n")
    counts = [sum(r.count(word) for r in highlighted_runs(l)) for l in esc]
    # At 80 columns the list row is cut before its second match.
    want = 2 if b.w >= 120 else 1
    check(sum(1 for c in counts if c >= 2) >= want,
          "two matches highlighted on %d line(s) (list, detail): %r" % (want, counts),
          "\n".join(esc))


def t_jump_missing_selects_nearest(server, b):
    """:ID of an id in a gap selects the nearest older entry and says so;
    beyond the newest, the newest."""
    b.ready()
    entries = first_entries(server, 4)
    ids = [e["id"] for e in entries]
    gap, older = next((a - 1, c) for a, c in zip(ids[5:], ids[6:]) if a - c > 1)
    b.jump(gap)
    b.wait(r"log %d not found; showing %d" % (gap, older), "the nearest older entry named")
    b.wait_detail(older, "the nearest older entry selected")
    b.jump(ids[0] + 1000)
    b.wait(r"log %d not found; showing %d" % (ids[0] + 1000, ids[0]), "the newest named")
    b.wait_detail(ids[0], "the newest entry selected")
    b.wait(r"row 1 of 3,000", "on the first row")


def t_time_jump(server, b):
    """@ selects the newest entry at or before a time typed in the zone the screen
    shows (UTC after u, else local: TZ=Europe/Istanbul), echoes the time it resolved,
    bisects in a few requests, and keeps the filters on."""
    b.ready()
    entries = []
    for p in range(168, 176):
        entries += api_page(server, p)["results"]
    target = entries[24]  # page 170, row 1,695 of 3,000
    t = target["created_at"]  # e.g. 2026-11-25T17:35:02.187862Z
    b.keys("u")
    b.wait(r"times in UTC", "UTC on")
    before = len(api_requests(server))
    b.keys("@")
    b.wait(r"jump to time \(UTC\)", "the prompt names the zone")
    b.type(t.replace("T", " ").rstrip("Z"))
    b.keys("Enter")
    shown = t.replace("T", " ")
    b.wait(re.escape("@ %s: log %d" % (shown, target["id"])), "the time echoed, the entry found")
    b.wait_detail(target["id"], "the entry at that time selected")
    b.wait(r"row 1,695 of 3,000", "its row")
    n = len(api_requests(server)) - before
    check(n <= 9 + 3 + 6, "a bisection, not a scan (%d requests)" % n)
    # Local time (Istanbul, UTC+3) of an older entry's second without its fraction:
    # that entry is after it, the one before it is the newest at or before it.
    b.keys("u")
    b.wait(r"times in local time", "local time again")
    older = entries[30]
    sec = older["created_at"][:19]
    hour = int(sec[11:13]) + 3
    local = "%s %02d%s" % (sec[:10], hour, sec[13:19])
    check(hour < 24, "the test's time stays on the same local day")
    def when(iso):
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))

    want = next(e for e in entries if when(e["created_at"]) <= when(sec + "Z"))
    check(want["id"] != older["id"] or older["created_at"][19] != ".", "the fraction counts")
    b.keys("@")
    b.wait(r"jump to time \(local\)", "the local prompt")
    b.type(local)
    b.keys("Enter")
    b.wait(re.escape("@ %s: log %d" % (local, want["id"])), "local time read as Istanbul's")
    b.wait_detail(want["id"], "the newest entry at or before the local time")
    # Filters stay on: ERROR and above, the newest match at or before the time.
    b.keys("4")
    b.wait(r"level>=ERROR", "the filter on")
    errors = [e for e in entries if e["level"] >= 40 and e["created_at"] <= t]
    check(errors, "an ERROR below the target in the pages read")
    b.keys("u")
    b.keys("@")
    b.type(t.replace("T", " ").rstrip("Z"))
    b.keys("Enter")
    b.wait(r"log %d [A-Z]" % errors[0]["id"], "the newest ERROR at or before the time",
           timeout=DEADLINE * 3)
    b.wait(r"level>=ERROR", "the filter still on")
    b.wait(re.escape("@ %s: log %d" % (shown, errors[0]["id"])), "the match named")
    # A time before the oldest entry: the oldest; a bad time: said so.
    b.keys("0")
    b.wait(r"showing all entries", "the filter off")
    oldest = api_page(server, 300)["results"][-1]
    b.keys("@")
    b.type("2000-01-01")
    b.keys("Enter")
    b.wait_detail(oldest["id"], "the oldest entry for a time before it")
    b.wait(r"row 3,000 of 3,000", "on the last row")
    b.wait(r"nothing that old; oldest: log %d" % oldest["id"], "said so")
    b.keys("@")
    b.type("banana")
    b.keys("Enter")
    b.wait(r"\"banana\" is not a time", "a bad time explained")


def t_time_jump_server_filter(server, b):
    """Where `list` proved created_at__lte honoured (the verdicts it remembers), @
    takes two requests."""
    b.ready()
    target = api_page(server, 170)["results"][4]
    t = target["created_at"]
    env = dict(os.environ, OMSLOG_TOKEN=TOKEN, XDG_CACHE_HOME=TIME_CACHE,
               XDG_CONFIG_HOME="/nonexistent")
    p = subprocess.run([BIN, "--url", server.url, "list", "--until", t, "--limit", "1"],
                       env=env, capture_output=True, timeout=scaled(30))
    check(p.returncode == 0, "list --until probed: %r" % p.stderr)
    before = len(api_requests(server))
    b.keys("@")
    b.type(t)
    b.keys("Enter")
    b.wait(r"log %d at " % target["id"], "found")
    if b.w >= 120:  # the status line has room for the count
        b.wait(r"\(2 requests\)", "found in two requests")
    b.wait_detail(target["id"], "the entry selected")
    b.wait(r"row 1,695 of 3,000", "its row")
    sent = [r["path"] for r in api_requests(server)[before:]]
    check(sum("created_at__lte=" in x for x in sent) == 1, "created_at__lte sent: %r" % sent)
    check(len(sent) <= 6, "the seek's two and the rows shown, no bisection: %r" % sent)
def shown_ids(s):
    return [int(m) for m in re.findall(r"(?m)^[+* ] *(\d+) \d\d", s)]


def starts_like(ids, want):
    """The rows shown are the first of want (as far as both go)."""
    n = min(len(ids), len(want))
    return n >= 1 and ids[:n] == want[:n]


def matching(entries, regex):
    return [e for e in entries if any(re.search(regex, e.get(k) or "", re.I)
                                      for k in ("message", "logger_name", "app_name", "trace"))]


def t_pattern_filter(server, b):
    """&re keeps only the matching entries, &!re hides matches; they compose
    and show in the header; c clears them."""
    b.ready()
    entries = first_entries(server, 8)
    hits = matching(entries, "st.ck")
    check(len(hits) >= 12, "fixture has & hits")
    b.keys("&")
    b.wait(r"& \(regex", "& prompt")
    b.type("st.ck")
    b.keys("Enter")
    s = b.wait(r"filter: &/st\.ck/", "& filter in the header")
    want = [e["id"] for e in hits]
    s = b.wait(lambda s: len(shown_ids(s)) >= 3 and starts_like(shown_ids(s), want),
               "only the matching entries, newest first")
    app = hits[0]["app_name"]
    b.keys("&")
    b.type("!" + app)
    b.keys("Enter")
    b.wait(r"filter: &/st\.ck/ &!/%s/" % re.escape(app), "&! composes in the header")
    hidden = set(e["id"] for e in matching(hits, re.escape(app)))
    want2 = [e["id"] for e in hits if e["id"] not in hidden]
    check(hidden and want2, "the fixture has entries to hide and to keep")
    b.wait(lambda s: starts_like(shown_ids(s), want2), "the &! matches hidden")
    b.keys("4")
    b.wait(r"filter: level>=ERROR &/st\.ck/", "a level filter composes with &")
    b.keys("c")
    b.wait(lambda s: "filter:" not in s.split("\n")[0], "c clears the & filters")
    all_ids = [e["id"] for e in entries]

    def every_entry(s):
        ids = shown_ids(s)
        return len(ids) >= 3 and ids[0] in all_ids and \
            all_ids[all_ids.index(ids[0]):all_ids.index(ids[0]) + len(ids)] == ids
    b.wait(every_entry, "every entry again")
    b.keys("&")
    b.type("(")
    b.keys("Enter")
    b.wait(r"invalid & pattern", "a bad pattern is reported")


def t_app_exclusions(server, b):
    """a !APP shows every app but APP; an app never seen asks first, with the
    closest known names."""
    b.ready()
    entries = first_entries(server, 5)
    app = entries[0]["app_name"]
    b.keys("a")
    b.type("!" + app)
    b.keys("Enter")
    b.wait(r"filter: app=!%s" % re.escape(app), "the exclusion in the header")
    want = [e["id"] for e in entries if e["app_name"] != app]
    b.wait(lambda s: len(shown_ids(s)) >= 3 and starts_like(shown_ids(s), want),
           "every app but the excluded one")
    typo = "paymnet"
    b.keys("a")
    b.type("order_service," + typo)
    b.keys("Enter")
    s = b.wait(r'no app "%s" among payment, ' % typo, "asks, the closest name first")
    check(re.search(r"scan anyway\? y/n", s), "a y/n question", s)
    b.keys("n")
    b.wait(r"app filter unchanged", "n keeps the filter")
    check(("app=!%s" % app) in b.header(), "the exclusion still applies", b.screen())
    b.keys("a")
    b.type(typo)
    b.keys("Enter")
    b.wait(r'no app "%s"' % typo, "asked again")
    b.keys("y")
    b.wait(r"filter: app=%s" % typo, "y applies it")
    b.wait(r"row 0 of 0 matching", "nothing matches once scanned", timeout=scaled(30))


def t_follow_tail(server, b):
    """On the newest entry, follow mode moves the selection to each new newest
    (tail -f); scrolled away, it stays and the header counts the new ones until g."""
    b.ready()
    top = api_page(server, 1)["results"][0]["id"]
    b.keys("F")
    b.wait(r"\[FOLLOW 1s\]", "follow mode in the header")
    server.set(grow=2)
    s = b.wait(lambda s: (b.detail_id() or 0) > top + 2, "the selection follows the newest")
    check(re.search(r"row 1 of", b.status()), "still on the first row", s)
    check("new" not in b.header(), "nothing counted while tailing", s)
    b.keys("j")
    s = b.wait(r"row 2 of", "moved away")
    sel = b.detail_id()
    s = b.wait(lambda s: re.search(r"\+(\d+) new", s.split("\n")[0]), "+N new in the header")
    n = int(re.search(r"\+(\d+) new", s.split("\n")[0]).group(1))
    s = b.wait(lambda s: int(re.search(r"\+(\d+) new", s.split("\n")[0]).group(1)) > n,
               "the count grows")
    check(b.detail_id() == sel, "the selection stays on its entry", s)
    server.set(grow=0)
    b.keys("g")
    s = b.wait(lambda s: not re.search(r"\+\d+ new", s.split("\n")[0]) and
               re.search(r"row 1 of", s), "g goes to them and clears the count")
    newest = api_page(server, 1)["results"][0]["id"]
    b.wait_detail(newest, "the newest entry selected")


def t_link_entry(server, b):
    """omslog ENTRY_URL opens on that entry, selected, with its neighbours."""
    entries = first_entries(server, 6)
    i = 45
    target = entries[i]
    b.start(args=[server.url + API + "%d/" % target["id"]])
    s = b.wait_detail(target["id"], "the link's entry selected")
    b.wait(lambda s: re.search(r"(?m)^.\s*%d " % entries[i - 1]["id"], s) and
           re.search(r"(?m)^.\s*%d " % entries[i + 1]["id"], s), "with its neighbours")
    check(re.search(r"row %d of 3,000" % (i + 1), b.status()), "on its row", b.screen())


def t_link_list(server, b):
    """omslog LIST_URL turns the query parameters into the browser's filters."""
    entries = first_entries(server, 10)
    app = entries[0]["app_name"]
    b.start(args=[server.url + API + "?level__gte=30&app_name__in=%s&page=2" % app])
    b.wait(r"filter: level>=WARNING app=%s" % re.escape(app), "the link's filters in the header")
    want = [e["id"] for e in entries if e["level"] >= 30 and e["app_name"] == app]
    b.wait(lambda s: len(shown_ids(s)) >= 2 and starts_like(shown_ids(s), want),
           "only the entries the link's parameters select")


def profile_header(server, b, profile):
    """omslog -p profile (a config with live-eu, production, and staging):
    the header line with its escapes."""
    d = tempfile.mkdtemp(prefix="omslog-e2e-prod-")
    try:
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write("[profile live-eu]\nurl = %s\nproduction = true\n"
                    "[profile staging]\nurl = %s\n" % (server.url, server.url))
        os.chmod(cfg, 0o600)
        b.start(args=["-p", profile], env={"OMSLOG_CONFIG": cfg})
        b.ready()
        return b.screen(escapes=True).split("\n")[0]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def t_production_header(server, b):
    """A profile with production = true shows its name in the warning colour."""
    esc = profile_header(server, b, "live-eu")
    check("live-eu PRODUCTION" in b.header(), "the profile named in the header", esc)
    at = esc.index("live-eu")
    sgr = re.findall(r"\x1b\[([\d;]*)m", esc[:at])
    check(sgr and "43" in sgr[-1].split(";"), "the name on yellow (the warning colour)",
          repr(esc))
    rest = esc[esc.index("PRODUCTION") + len("PRODUCTION"):]
    check(re.search(r"\x1b\[[\d;]*44[;m]", rest), "the rest of the bar stays blue", repr(esc))


def t_plain_profile_header(server, b):
    """Another profile is named plainly, in the bar's colour."""
    esc = profile_header(server, b, "staging")
    check("staging" in b.header() and "PRODUCTION" not in b.header(),
          "the profile named plainly", esc)
    check(not re.search(r"\x1b\[[\d;]*43[;m]", esc), "not in the warning colour", repr(esc))
# ------------------------------------------------------------------ omslog open

OPEN_COUNT = 100000
OPEN_FILE = "export.jsonl.gz"
OPEN_LEVELS = [10, 20, 20, 20, 30, 40, 50]


def write_export(path, n):
    """n entries as `omslog list --reverse --format jsonl` writes them (the
    oldest first), gzip-compressed, ~500 bytes a line; returns the bytes of
    the uncompressed export."""
    import gzip
    apps = ["oms", "wms", "payment", "erp_sync", "notifier"]
    size = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        for i in range(1, n + 1):
            level = OPEN_LEVELS[i % len(OPEN_LEVELS)]
            app = apps[i % len(apps)]
            trace = None if level < 40 else (
                'Traceback (most recent call last):\n  File "/srv/%s/tasks.py", line %d, in run'
                "\nValueError: order %d invalid\n" % (app, i % 900, i))
            line = json.dumps({"id": i, "level": level, "logger_name": app + ".tasks",
                               "message": "order %d moved to bin %d " % (i, i % 97) + "x" * 250,
                               "app_name": app, "trace": trace,
                               "created_at": "2023-11-01T00:00:00.%06dZ" % (i % 1000000)},
                              separators=(",", ":")) + "\n"
            size += len(line)
            fh.write(line)
    return size


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as fh:
        return int(re.search(r"VmRSS:\s+(\d+) kB", fh.read()).group(1))


def omslog_pid():
    """The pid of the omslog that opened OPEN_FILE."""
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as fh:
                argv = fh.read().split(b"\0")
        except (OSError, ValueError):
            continue
        if argv[0] == BIN.encode() and OPEN_FILE.encode() in argv:
            return int(d)
    raise Failure("no omslog process with %s" % OPEN_FILE)


def t_open_export(server, b):
    """omslog open on a 10^5-entry export written oldest first and gzipped:
    the header names the file, rows are newest first, G, :ID, S and a level
    filter work over the whole file, the server is never asked, and memory
    stays well below the size of the export."""
    size = b.export_bytes
    s = b.wait(r"row 1 of 100,000", "the first screen of the file")
    check(OPEN_FILE in b.header() and "100,000 logs" in b.header()
          and "sorted newest first" in b.header(), "the header names the file", s)
    b.wait_detail(OPEN_COUNT, "the newest entry first")
    b.keys("G")
    b.wait(r"row 100,000 of 100,000", "G selects the last entry")
    b.wait_detail(1, "the oldest entry last")
    b.jump(54321)
    b.wait_detail(54321, ":54321 selects that entry")
    b.wait(r"row 45,680 of 100,000", "at its row")
    b.keys("S")
    crit = sum(1 for i in range(1, OPEN_COUNT + 1) if OPEN_LEVELS[i % 7] == 50)
    b.wait(r"%s\s+CRITICAL" % format(crit, ","), "the summary counts the whole file")
    b.keys("q")
    b.keys("5")
    b.wait(r"row [\d,]+ of %s matching" % format(crit, ","), "every CRITICAL entry found")
    b.wait(lambda sc: all(" CRITICAL " in r for r in list_rows(sc.split("\n"), b.h)
                          if re.match(r"^.\s*\d+ ", r)), "only CRITICAL rows")
    b.keys("y", "4")
    b.wait(r"not available for entries from a file", "no API URL for a file's entry")
    for _ in range(20):
        b.keys("PageDown")
    rss = rss_kb(omslog_pid())
    check(sanitized_binary(BIN) or rss * 1024 < size / 2,
          "RSS %d kB, the export %d kB" % (rss, size // 1024))
    check(not api_requests(server), "the server was asked nothing")


OPEN_BIG = 200000


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_idle(pid, what):
    """The process stays (almost) idle for a second: it neither counts nor spins."""
    before = cpu_seconds(pid)
    time.sleep(1.0)
    used = cpu_seconds(pid) - before
    check(used < 0.1, "%s: %.2f s of CPU in 1 s" % (what, used))


def t_open_summary_counts_between_keys(server, b):
    """S on a 2*10^5-entry file counts it a slice at a time: the pane says how
    far it is, a resize and Esc are answered while it counts (not after it),
    Esc stops the count, S starts it again, and the summary ends exact over
    every entry of the file; then the loop sleeps again."""
    total = format(OPEN_BIG, ",")
    b.wait(r"row 1 of %s" % total, "the first screen of the file")
    pid = omslog_pid()
    cpu_idle(pid, "idle before S")
    b.keys("S")
    progress = r"counting… ([\d,]+) of %s entries" % total
    s = b.wait(progress, "the count's progress")
    first = int(re.search(progress, s).group(1).replace(",", ""))
    other = (160, 50) if b.w == 80 else (80, 24)
    tmux("resize-window", "-x", str(other[0]), "-y", str(other[1]))
    b.w, b.h = other

    def redrawn_counting(sc):
        rows = sc.split("\n")
        return (len(rows) >= other[1] and "row 1 of %s" % total in rows[other[1] - 1]
                and re.search(progress, rows[1]))
    s = b.wait(redrawn_counting, "the resize answered while the file is counted", QUICK)
    later = int(re.search(progress, s).group(1).replace(",", ""))
    check(first < later < OPEN_BIG, "the count went on (%d, then %d)" % (first, later), s)
    b.keys("Escape")
    s = b.wait(lambda sc: "Summary" not in sc and re.search(r"(?m)^.\s*\d+ ", sc),
               "Esc answered while counting: the list again", QUICK)
    cpu_idle(pid, "the count stopped after Esc")
    check("Summary" not in b.screen(), "the summary stays closed", b.screen())
    b.keys("S")
    b.wait(progress, "S counts again")
    crit = sum(1 for i in range(1, OPEN_BIG + 1) if OPEN_LEVELS[i % 7] == 50)
    s = b.wait(r"Summary of %s entries of the file" % total, "the summary ends exact")
    check(re.search(r"%s\s+CRITICAL" % format(crit, ","), s), "every CRITICAL entry counted", s)
    check("counting…" not in s, "no progress left once exact", s)
    cpu_idle(pid, "idle once the count is done")
    b.keys("q")
    b.wait(lambda sc: "Summary" not in sc, "q closes the summary")
    # 2,000 pages of a local file: read without the big-scan question a
    # server's log gets (no server's time to spare).
    b.keys("5")
    s = b.wait(r"row 1 of %s matching" % format(crit, ","), "the file's matches, all of them",
               DEADLINE * 3)
    check("(y/n)" not in s, "no question before reading a file", s)


def t_big_scan_asks_first(server, b):
    """A filter the server cannot run on a log of 2,000 pages: the browser
    asks before reading them (pages, time), reads nothing while it asks or
    after a no, shows the scan's progress after a yes, and Esc stops it."""
    b.ready()

    def settled():
        n = len(api_requests(server))
        time.sleep(QUICK)
        while len(api_requests(server)) != n:
            n = len(api_requests(server))
            time.sleep(QUICK)
        return n

    b.keys("4")
    s = b.wait(r"scan 1,?9\d\d pages, (about [\d.]+ (s|min|h) at [\d.]+ pages/s|time not known "
               r"yet)\? \(y/n\)", "the question with the cost")
    n = settled()
    time.sleep(1.0)
    check(len(api_requests(server)) == n, "nothing read while the question is open", s)
    b.keys("n")
    b.wait(r"not scanned", "no: not scanned")
    time.sleep(1.0)
    check(len(api_requests(server)) == n, "nothing read after no")
    b.keys("0")
    b.wait(lambda s: "filter:" not in s.split("\n")[0] and re.search(r"row \d+ of 20,000", s),
           "0 clears the filter")
    b.keys("4")
    b.wait(r"\(y/n\)", "asked again for a new filter")
    b.keys("y")
    b.wait(r"scanned [1-9]\d?%", "progress after yes")
    b.keys("Escape")
    s = b.wait(r"scan stopped at \d+%", "Esc stops the scan")
    n = settled()
    time.sleep(1.0)
    check(len(api_requests(server)) == n, "nothing read after Esc", b.screen())
    check(re.search(r"scanned \d+%", b.screen()), "the view says it is partial", b.screen())


def small_scan_config(pages=100):
    """An XDG_CONFIG_HOME whose config says big_scan_pages = pages."""
    d = tempfile.mkdtemp(prefix="omslog-e2e-conf-")
    os.mkdir(os.path.join(d, "omslog"))
    path = os.path.join(d, "omslog", "config")
    with open(path, "w") as f:
        f.write("big_scan_pages = %d\n" % pages)
    os.chmod(path, 0o600)
    return d


def t_long_find_asks_before_reading_on(server, b):
    """A search with no match on a 300-page log: after 100 pages (the
    configured big_scan_pages) it asks before reading on; no stops it and
    nothing more is read; a new search asks again and y finds the end."""
    b.ready()
    b.keys("/")
    b.type("zzqq-no-such-text")
    b.keys("Enter")
    b.wait(r"no match yet: read on, 1\d\d pages, (about|time)", "the question after 100 pages")
    b.keys("n")
    b.wait(r"search stopped", "no stops the search")
    n = len(browse_requests(server))
    time.sleep(1.0)
    check(len(browse_requests(server)) <= n + 4, "nothing more read after no", b.screen())
    b.keys("n")  # search next: a new find, asked again
    b.wait(r"no match yet: read on", "asked again")
    b.keys("y")
    b.wait(r"no match below", "y reads to the end")
# ------------------------------------------------------------------ server-side filtering

def query(path):
    """The query of a recorded request path, as a dict of single values."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def page_requests(server, since=0):
    """Queries of the list requests after the first `since`."""
    return [query(r["path"]) for r in api_requests(server)[since:]
            if urlsplit(r["path"]).path == API]


def probes_answered(server):
    """Wait until the browser has probed id__lte / id__gt (start-up probes answered)."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        qs = page_requests(server)
        if any(q.get("id__gt") == "9000000000000000000" for q in qs):
            time.sleep(scaled(0.3))  # their answers are in a moment later
            return
        time.sleep(POLL)
    raise Failure("the start-up probes were never sent")


def rows_levels(b):
    """The level column of the list rows on screen ("ERROR", "Level 45")."""
    return re.findall(r"(?m)^[+* ] *\d+ \S+ \S+ (Level \d+|\S+) ", b.screen())


def error_or_above(levels):
    return levels and all(lv in ("ERROR", "CRITICAL") or re.match(r"Level [4-9]\d", lv)
                          for lv in levels)


def t_server_filter_exact_count(server, b):
    """A server with every lookup: the exact count of matches at once, G reaches the
    oldest match with a few requests, and the header says what ran on the server."""
    b.ready()
    want = api_get(server, API + "?level__gte=40&app_name=shipment")
    oldest = api_get(server, API + "?level__gte=40&app_name=shipment&page=last")["results"][-1]
    b.keys("4")
    b.keys("a")
    b.type("shipment")
    b.keys("Enter")
    count = "{:,}".format(want["count"])
    s = b.wait(r"%s matching +server: level>=ERROR app=shipment" % count,
               "the server's exact count in the header")
    check("scanned" not in b.status(), "no scan progress: the count is exact", s)
    before = len(api_requests(server))
    b.keys("G")
    b.wait(r"row %s of %s matching" % (count, count), "G selects the last match")
    b.wait_detail(oldest["id"], "the oldest match in the detail pane")
    qs = page_requests(server, before)
    check(len(qs) <= 6, "G took a few requests, not a scan: %r" % qs)
    check(all(q.get("level__gte") == "40" and q.get("app_name") == "shipment" for q in qs),
          "every page asked of the server filtered: %r" % qs)
    levels = rows_levels(b)
    check(error_or_above(levels),
          "only matching rows shown: %r" % levels, b.screen())


def t_server_filter_none_equals_scan(server, b):
    """No lookups: the client scans, and finds what a filtering server counts."""
    b.ready()
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        want = api_get(full, API + "?level__gte=40")["count"]
    b.keys("4")
    count = "{:,}".format(want)
    s = b.wait(r"row 1 of %s matching │" % count, "the scan finds every match",
               timeout=DEADLINE * 3)
    check("filter: level>=ERROR" in b.header() and "server:" not in b.header(),
          "the header says the client filtered", s)


class LateLiar(Hooks):
    """Filters honestly for the probes and the first page, then sends a row of level 10
    on the other pages of a level__gte query."""

    def respond(self, mock, req, answer):
        reply = answer(req)
        q = query(req["path"])
        if reply.status != 200 or "level__gte" not in q or q.get("page") == "1":
            return reply
        body = json.loads(reply.body)
        if body["results"]:
            body["results"][0]["level"] = 10
        return reply._replace(body=json.dumps(body).encode())


def t_server_filter_liar_caught(server, b):
    """A server whose filter lets a wrong row through is caught: the status says so,
    the view falls back to the client's scan, and every row shown matches."""
    b.ready()
    b.keys("4")
    b.wait(r"the server's filter sent log \d+, which does not match: filtering on the\s+client",
           "the liar caught (on the screen's second page)")
    b.wait(lambda s: "filter: level>=ERROR" in s.split("\n")[0], "the header says client")
    b.wait(r"row 1 of [\d,]+ matching", "the scanned view")
    levels = rows_levels(b)
    check(error_or_above(levels),
          "only matching rows shown: %r" % levels, b.screen())
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        want = api_get(full, API + "?level__gte=40")["count"]
    b.wait(r"row \d+ of %s matching │" % "{:,}".format(want), "the scan finds every match",
           timeout=DEADLINE * 3)


def t_server_filter_drop_liar_caught(server, b):
    """A server that leaves matching rows out is caught by the check of its first page:
    level__gte is not used; the honest level= (counted: ERROR, 45 and CRITICAL) gives
    the merged view of the three levels, which finds them all."""
    b.ready()
    b.keys("4")
    b.wait(r"cannot be trusted", "the dropping filter refused")
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        want = api_get(full, API + "?level__gte=40")["count"]
    s = b.wait(r"row \d+ of %s matching" % "{:,}".format(want), "every match found",
               timeout=DEADLINE * 3)
    check("server:" not in b.header() or "server: level>=ERROR (3 streams)" in b.header(),
          "the header says the client filtered, or merged the exact levels", s)


class SlowProbes(Hooks):
    """Answers every probe (a one-entry page) late."""
    held = answered = 0

    def respond(self, mock, req, answer):
        q = query(req["path"])
        if q.get("page_size") == "1":
            SlowProbes.held += 1
            mock.stopping.wait(scaled(1.0))
            SlowProbes.answered += 1
        return answer(req)


def t_server_probes_never_delay_first_screen(server, b):
    """The first screen and the keys do not wait for the probes."""
    SlowProbes.held = SlowProbes.answered = 0
    b.ready()
    b.keys("j")
    b.wait(r"row 2 of 3,000", "keys answered while probes are out", timeout=QUICK * 2)
    check(SlowProbes.answered == 0, "the first screen came before any probe was answered")
    end = time.monotonic() + DEADLINE
    while SlowProbes.held == 0 and time.monotonic() < end:
        time.sleep(POLL)
    check(SlowProbes.held > 0, "probes were sent after the first page")
    b.keys("4")
    b.wait(r"filter: level>=ERROR", "the client filters at once while the server is probed",
           timeout=QUICK * 2)
    b.wait(r"matching +server: level>=ERROR", "then the server filters")


def view_page(server, q, size=10):
    """The page of the whole log (size entries a page) a page request asks for: its
    number, or for a keyset request (id__lt=X&page=m) the m-th below the page X ends."""
    page = int(q.get("page", "1"))
    if "id__lt" not in q:
        return page
    above = api_get(server, API + "?id__gt=%s" % q["id__lt"])["count"]  # X's row
    return (above + 1) // size + page


def t_server_jump_by_count(server, b):
    """:ID where id__lte is honoured: the entry, one count and its page (no locate)."""
    b.ready()
    probes_answered(server)
    far = api_page(server, 170)["results"][4]
    before = len(api_requests(server))
    b.jump(far["id"])
    b.wait_detail(far["id"], "jump to a far-away id")
    b.wait(r"row 1,695 of 3,000", "row of the far-away id")
    reqs = api_requests(server)[before:]
    lte = [r for r in reqs if "id__lte=" in r["path"]]
    check(len(lte) == 1, "one count request: %r" % [r["path"] for r in reqs])
    pages = sorted(view_page(server, query(r["path"])) for r in reqs
                   if urlsplit(r["path"]).path == API and "id__lte=" not in r["path"])
    far_pages = [p for p in pages if abs(p - 170) > 3]
    check(not far_pages, "only the id's page and its screen's neighbours: %r" % pages)
    check(len(reqs) - (len(pages) - 1) <= 3, "entry, count, page: %r" % reqs)
    # an id in a gap far down: the nearest older entry, by the same count
    ids = [e["id"] for e in api_page(server, 150)["results"] + api_page(server, 151)["results"]]
    gap, older = next((x - 1, y) for x, y in zip(ids, ids[1:]) if x - y > 1)
    before = len(api_requests(server))
    b.jump(gap)
    b.wait(r"log %d not found; showing %d" % (gap, older), "the nearest older entry named")
    b.wait_detail(older, "the nearest older entry selected")
    reqs = api_requests(server)[before:]
    check(sum("id__lte=" in r["path"] for r in reqs) == 1, "one count: %r" % reqs)
    # filtered by the server: the id's row among the matches
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "the server filters")
    errs = api_get(server, API + "?level__gte=40&page=20")
    target = errs["results"][3]
    row = 19 * 10 + 4
    before = len(api_requests(server))
    b.jump(target["id"])
    b.wait_detail(target["id"], "jump to a far error")
    b.wait(r"row %s of" % "{:,}".format(row), "its row among the matches")
    reqs = api_requests(server)[before:]
    check(sum("id__lte=" in r["path"] for r in reqs) == 1, "one count: %r" % reqs)


def t_server_filter_partial_push(server, b):
    """The server filters the level only: the app runs on the client over the server's
    rows, the count is "at most" until scanned, then exact; the header says where each
    part ran."""
    b.ready()
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        upper = api_get(full, API + "?level__gte=40")["count"]
        want = api_get(full, API + "?level__gte=40&app_name=shipment")["count"]
    b.keys("4")
    b.keys("a")
    b.type("shipment")
    b.keys("Enter")
    client = "client: app=shipment" if b.w >= 120 else "client: app="  # cut at 80 columns
    b.wait(r"(at most %s|%s) matching +server: level>=ERROR · %s"
           % ("{:,}".format(upper), "{:,}".format(want), client), "where each part ran")
    s = b.wait(r"%s matching +server: level>=ERROR · %s" % ("{:,}".format(want), client),
               "the exact count once scanned", timeout=DEADLINE * 2)
    check("row 1 of %s matching" % "{:,}".format(want) in b.status(), "every match listed", s)
    qs = page_requests(server)
    # a first session asks for its guess (page 1) before the probes say app_name is
    # ignored; never after, and no other page
    asked = [i for i, q in enumerate(qs) if q.get("app_name") == "shipment"]
    probe = [i for i, q in enumerate(qs) if q.get("app_name") == "omslog-probe-no-such-app"]
    check(len(asked) <= 1 and probe and all(i < probe[0] and qs[i].get("page") == "1"
                                            for i in asked),
          "the app was asked of the server only as the first guess: %r" % qs)
    check(not any(q.get("app_name__in", "omslog-probe-no-such-app") != "omslog-probe-no-such-app"
                  for q in qs), "nor under app_name__in: %r" % qs)


def t_server_follow_polls_new_only(server, b):
    """Follow where id__gt is honoured: each poll asks for what is newer than the newest
    entry, and page 1 is read again only when there is something new."""
    b.ready()
    probes_answered(server)
    top = api_page(server, 1)["results"][0]["id"]
    before = len(api_requests(server))
    b.keys("F")
    b.wait(r"\[FOLLOW 1s\]", "follow mode in the header")
    time.sleep(scaled(2.5))
    qs = page_requests(server, before)
    polls = [q for q in qs if "id__gt" in q]
    check(len(polls) >= 2 and all(q["id__gt"] == str(top) for q in polls),
          "polls ask for entries newer than %d: %r" % (top, qs))
    check(len(qs) == len(polls), "nothing new: page 1 not read again: %r" % qs)
    server.set(grow=3)
    b.wait(lambda s: re.search(r"([\d,]+) logs", s) and
           int(re.search(r"([\d,]+) logs", s).group(1).replace(",", "")) > 3000,
           "count grows in follow mode")
    server.set(grow=0)
    s = b.wait(lambda s: any(int(m) > top for m in re.findall(r"(?m)^\+ *(\d+) ", s)),
               "new entries marked +")
    ids = [int(m) for m in re.findall(r"(?m)^[+ ] *(\d+) \d\d", b.screen())]
    check(len(ids) == len(set(ids)) and ids == sorted(ids, reverse=True),
          "no id twice, ids descend", b.screen())


def summary_counts(s, section):
    """{name: count} of a summary section on screen."""
    lines = s.split("\n")
    at = next(i for i, l in enumerate(lines) if l.startswith(section))
    out = {}
    for l in lines[at + 1:]:
        m = re.match(r"^ +([\d,]+)  (.+?)\s*$", l)
        if not m:
            break
        out[m.group(2)] = int(m.group(1).replace(",", ""))
    return out


def t_server_summary_exact(server, b):
    """S where level= and app_name= are honoured: per-level and per-app counts of the
    whole log from the server, labelled exact, adding up to the total."""
    b.ready()
    probes_answered(server)
    b.keys("S")
    s = b.wait(r"Summary of all 3,000 entries \(exact\)", "the exact summary",
               timeout=DEADLINE * 2)
    levels = summary_counts(s, "Levels")
    check(levels.get("ERROR") == api_get(server, API + "?level=40")["count"],
          "ERROR counted by the server: %r" % levels, s)
    check(sum(levels.values()) == 3000, "levels (with other) add up to the total", s)
    apps = summary_counts(s, "Apps")
    check(sum(apps.values()) == 3000, "apps add up to the total", s)
    name = next(iter(apps))
    check(apps[name] == api_get(server, API + "?app_name=" + name)["count"],
          "app counted by the server", s)
    check("Exception types (loaded entries only)" in s, "exceptions say what they cover", s)


def t_summary_says_what_it_covers(server, b):
    """Without server counts the summary names the loaded entries it covers: how many,
    their ids and times."""
    b.ready()
    ids = [e["id"] for e in api_page(server, 1)["results"]]
    b.keys("S")
    s = b.wait(r"[\d,]+ loaded entries, ids [\d,]+–[\d,]+, \d{4}-\d\d-\d\d ", "the coverage line")
    m = re.search(r"ids ([\d,]+)–([\d,]+)", s)
    hi = int(m.group(2).replace(",", ""))
    check(hi == ids[0], "the newest loaded id named", s)
    check(int(m.group(1).replace(",", "")) <= ids[-1], "the oldest loaded id named", s)


def t_server_filter_keeps_place(server, b):
    """A filter set deep in the log: once the server filters, the selection is on the
    match nearest to (at or below) the entry it was on, found by one count."""
    b.ready()
    probes_answered(server)
    far = api_page(server, 150)["results"][5]
    b.jump(far["id"])
    b.wait_detail(far["id"], "deep in the log")
    want = api_get(server, API + "?level__gte=40&id__lte=%d" % far["id"])
    total = api_get(server, API + "?level__gte=40")["count"]
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "the server filters")
    b.wait_detail(want["results"][0]["id"], "the nearest match at or below it selected")
    b.wait(r"row %s of" % "{:,}".format(total - want["count"] + 1), "its row among the matches")

def t_time_jump_in_server_view(server, b):
    """@ in a view the server filters: the seek runs over the server's filtered
    query (created_at__lte with the view's own params), two requests, the
    newest match at or before the time selected, no client scan."""
    b.ready()
    q = "?level__gte=40&app_name=shipment"
    want = api_get(server, API + q)
    matches = api_get(server, API + q + "&page=3")["results"]
    target = matches[3]
    b.keys("4")
    b.keys("a")
    b.type("shipment")
    b.keys("Enter")
    count = "{:,}".format(want["count"])
    b.wait(r"%s matching +server: level>=ERROR app=shipment" % count, "the server filters")
    before = len(api_requests(server))
    b.keys("@")
    b.type(target["created_at"])
    b.keys("Enter")
    b.wait(r"log %d at " % target["id"], "the match at that time found")
    b.wait_detail(target["id"], "and selected")
    sent = [r["path"] for r in api_requests(server)[before:]]
    seeks = [x for x in sent if "created_at__lte=" in x]
    check(len(seeks) == 1, "one created_at__lte count: %r" % sent)
    check("level__gte=40" in seeks[0] and "app_name=shipment" in seeks[0],
          "the seek carries the view's filter: %r" % seeks)
    check(len(sent) <= 6, "the seek's two and the rows shown: %r" % sent)
    check(error_or_above(rows_levels(b)), "only matching rows shown", b.screen())


def t_server_filter_require_refused(server, b):
    """--server-filter require in the browser, on a server that cannot filter:
    no client scan, and the status line says why."""
    b.ready()
    n = len(browse_requests(server))
    b.keys("4")
    b.wait(r"--server-filter require: the server cannot filter", "refused, with the reason")
    time.sleep(1.0)
    check(len(browse_requests(server)) <= n + 4, "no scan of the log", b.screen())


def t_server_filter_require_met(server, b):
    """--server-filter require on a server that filters: the server's view."""
    b.ready()
    want = api_get(server, API + "?level__gte=40")
    b.keys("4")
    b.wait(r"%s matching +server: level>=ERROR" % "{:,}".format(want["count"]),
           "a filtering server filters")
    check("require" not in b.status(), "no complaint", b.screen())


def t_server_filter_remembered_at_once(server, b):
    """Verdicts proven before (here by the first filter of the session) put the
    next filter on the server at once: its first screen is the server's filtered
    page, with no client scan of unfiltered pages before it; the check of the
    plan runs behind it."""
    b.ready()
    want = api_get(server, API + "?level__gte=40")
    count = "{:,}".format(want["count"])
    b.keys("4")
    b.wait(r"%s matching +server: level>=ERROR" % count, "the first filter negotiated")
    b.keys("c")
    b.wait(r"showing all entries", "cleared")
    time.sleep(0.5)
    before = len(api_requests(server))
    b.keys("4")
    b.wait(r"%s matching +server: level>=ERROR" % count, "the second at once")
    time.sleep(0.5)
    sent = [r["path"] for r in api_requests(server)[before:]]
    # the check behind it reads the unfiltered page 1 once (its sample); a scan
    # would read page after page
    full = [x for x in sent if "page_size=1&" not in x and "level" not in x]
    check(len(full) <= 1 and all("?page=1&" in x for x in full),
          "no unfiltered pages read for a scan: %r" % sent)
    check(any("page_size=100" in x and "level__gte=40" in x for x in sent[:3]),
          "the filtered page among the first requests: %r" % sent)
    check(error_or_above(rows_levels(b)), "only matching rows shown", b.screen())


def t_server_filter_remembered_then_drops(server, b):
    """A plan shown at once from remembered verdicts is still checked behind it:
    when the server has started to leave rows out, the check fails, the view falls
    back to the client's scan (or, level= being honest, to the merge of the exact
    levels), which finds every match."""
    b.ready()
    want = api_get(server, API + "?level__gte=40")["count"]
    count = "{:,}".format(want)
    b.keys("4")
    b.wait(r"%s matching +server: level>=ERROR" % count, "the first filter negotiated")
    b.keys("c")
    b.wait(r"showing all entries", "cleared")
    server.set(liars="level__gte:drop")
    b.keys("4")
    merged = "server: level>=ERROR (3 streams)"
    b.wait(lambda s: "cannot be trusted" in s or merged in s.split("\n")[0],
           "the check behind the plan refuses it")
    b.wait(lambda s: "filter: level>=ERROR" in s.split("\n")[0] or merged in s.split("\n")[0],
           "the header says client, or the exact levels merged")
    b.wait(r"row \d+ of %s matching │" % count, "the scan finds every match",
           timeout=DEADLINE * 3)
    check(error_or_above(rows_levels(b)), "only matching rows shown", b.screen())


def t_open_time_jump_and_marks(server, b):
    """In an opened file, @ finds the newest entry at or before a time (a
    bisection over the file's pages), and marks survive a restart, kept for
    that file."""
    state = os.path.join(b.cwd, "state")
    size = (b.w, b.h)
    b.wait(r"row 1 of 10,000", "the first screen of the file")
    b.close()  # started without XDG_STATE_HOME: marks would go to $HOME
    args = ["open", OPEN_FILE]
    b = Browser(server, size, args=args, env={"XDG_STATE_HOME": state}, cwd=b.cwd)
    try:
        b.wait(r"row 1 of 10,000", "the file again")
        b.keys("@")
        b.type("2023-11-01T00:00:00.004321Z")
        b.keys("Enter")
        b.wait(r"log 4321 at ", "@ found the entry at that time")
        b.wait_detail(4321, "and selected it")
        b.keys("m")
        b.wait(r"│ 1 marked", "marked")
        b.keys("q")
        b.wait(EXIT_MARK + "0", "quits")
        b.close()
        b = Browser(server, size, args=args, env={"XDG_STATE_HOME": state}, cwd=b.cwd)
        b.wait(r"│ 1 marked", "the file's mark is back after a restart")
        b.keys("M")
        b.wait(r" +4321  ", "M lists it")
        b.keys("Enter")
        b.wait_detail(4321, "Enter jumps to it")
        check(not api_requests(server), "the server was asked nothing")
    finally:
        b.close()


STARTUP_PROBE = "9000000000000000000"  # the start-up probes' impossible id__gt


def sent_since(server, before):
    """Paths of the API requests after the first `before`."""
    return [r["path"] for r in api_requests(server)[before:]]


def entry_gets(paths):
    """The requests for one entry (/{id}/) among paths."""
    return [x for x in paths if urlsplit(x).path != API]


def full_pages(paths):
    """The list requests among paths that are not one-row counts or probes."""
    return [x for x in paths if urlsplit(x).path == API and query(x).get("page_size") != "1"]


def check_first_session(server, what):
    check(not any(query(x).get("id__gt") == STARTUP_PROBE for x in sent_since(server, 0)),
          "%s before the start-up probes (a first session)" % what)


def far_gap(server, pages):
    """An id missing from the log in those pages, and the entry just older than it."""
    ids = [e["id"] for p in pages for e in api_page(server, p)["results"]]
    return next((x - 1, y) for x, y in zip(ids, ids[1:]) if x - y > 1)


def t_server_jump_two_requests(server, b):
    """:ID where id__lte is honoured, in a first session before the probes have said so:
    one request of id__lte=ID and the page holding the row, no entry request, and the
    status line says so; a missing id selects the nearest older entry as cheaply; in a
    view the server filters, a match is found the same way, and an id the filter hides
    costs one entry request more to tell hidden from missing."""
    b.ready()
    far = api_page(server, 170)["results"][4]
    check_first_session(server, "the jump")
    before = len(api_requests(server))
    b.jump(far["id"])
    b.wait_detail(far["id"], "jump to a far-away id")
    b.wait(r"row 1,695 of 3,000", "its row")
    b.wait(r"log %d \(2 requests\)" % far["id"], "two requests, said so")
    sent = sent_since(server, before)
    check(sum("id__lte=%d" % far["id"] in x for x in sent) == 1, "one id__lte: %r" % sent)
    check(not entry_gets(sent), "no entry request: %r" % sent)
    check(any(query(x).get("page") == "170" for x in full_pages(sent)), "its page: %r" % sent)
    gap, older = far_gap(server, (120, 121))
    before = len(api_requests(server))
    b.jump(gap)
    b.wait(r"log %d not found; showing %d \(2 requests\)" % (gap, older), "the nearest older")
    b.wait_detail(older, "the nearest older entry selected")
    sent = sent_since(server, before)
    check(sum("id__lte=" in x for x in sent) == 1 and not entry_gets(sent), "%r" % sent)
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "the server filters")
    target = api_get(server, API + "?level__gte=40&page=20")["results"][3]
    before = len(api_requests(server))
    b.jump(target["id"])
    b.wait_detail(target["id"], "a far match")
    b.wait(r"row %s of" % "{:,}".format(19 * 10 + 4), "its row among the matches")
    b.wait(r"log %d \(2 requests\)" % target["id"], "two requests")
    sent = sent_since(server, before)
    lte = [x for x in sent if "id__lte=" in x]
    check(len(lte) == 1 and "level__gte=40" in lte[0] and not entry_gets(sent),
          "one count over the view's query, no entry: %r" % sent)
    info = next(e for e in api_page(server, 100)["results"] if e["level"] < 40)
    before = len(api_requests(server))
    b.jump(info["id"])
    b.wait(r"log %d is hidden by the filters" % info["id"], "hidden, said so")
    sent = sent_since(server, before)
    check(sum("id__lte=" in x for x in sent) == 1 and len(entry_gets(sent)) == 1,
          "the count and the entry: %r" % sent)
    b.keys("c")
    b.wait_detail(info["id"], "c clears the filters and shows the entry")


def t_server_jump_ignored_falls_back(server, b):
    """A server that ignores id__lte: the first jump tries it, sees an entry above the id,
    and finds the id the old way (the entry, then the pages); the next jump does not
    try it again."""
    b.ready()
    far = api_page(server, 170)["results"][4]
    before = len(api_requests(server))
    b.jump(far["id"])
    b.wait_detail(far["id"], "jump to a far-away id")
    b.wait(r"row 1,695 of 3,000", "its row")
    sent = sent_since(server, before)
    check(sum("id__lte=" in x for x in sent) == 1, "tried once: %r" % sent)
    check(len(entry_gets(sent)) == 1, "then the entry: %r" % sent)
    gap, older = far_gap(server, (80, 81))
    before = len(api_requests(server))
    b.jump(gap)
    b.wait(r"log %d not found; showing %d" % (gap, older), "the nearest older entry")
    b.wait_detail(older, "selected")
    sent = sent_since(server, before)
    check(not any("id__lte=" in x for x in sent), "not tried again: %r" % sent)


def t_server_jump_liar_verified(server, b):
    """A server that drops rows from id__lte answers (a liar): its count and entry are
    only a hint; the pages decide, so the id is found where it is, also when the liar
    left out the id itself, and a missing id selects its real older neighbour."""
    from mock_oms import liar_drops
    b.ready()
    probes_answered(server)
    entries = api_page(server, 170)["results"] + api_page(server, 230)["results"]
    dropped = next(e for e in entries[:10] if liar_drops(1, e["id"]))
    kept = next(e for e in entries[10:] if not liar_drops(1, e["id"]))
    row = 169 * 10 + entries.index(dropped) + 1
    b.jump(dropped["id"])
    b.wait_detail(dropped["id"], "the id the liar left out found")
    b.wait(r"row %s of 3,000" % "{:,}".format(row), "on its row")
    b.jump(kept["id"])
    b.wait_detail(kept["id"], "an id the liar kept found")
    b.wait(r"row %s of 3,000" % "{:,}".format(229 * 10 + entries.index(kept) - 9), "its row")
    gap, older = far_gap(server, (60, 61))
    b.jump(gap)
    b.wait(r"log %d not found; showing %d" % (gap, older), "the real older neighbour")
    b.wait_detail(older, "selected")


def t_time_jump_first_session(server, b):
    """@ in a first session (nothing remembered, before the background probes) on a
    server with created_at filters: one created_at__lte request and the page holding
    the row, no page 1 of its own, the right entry."""
    b.ready()
    target = api_page(server, 170)["results"][4]
    check_first_session(server, "@")
    before = len(api_requests(server))
    b.keys("@")
    b.type(target["created_at"])
    b.keys("Enter")
    b.wait(r"log %d at " % target["id"], "found")
    b.wait_detail(target["id"], "the entry selected")
    b.wait(r"row 1,695 of 3,000", "its row")
    if b.w >= 120:  # the status line has room for the count
        b.wait(r"\(2 requests\)", "found in two requests")
    sent = sent_since(server, before)
    check(sum("created_at__lte=" in x for x in sent) == 1, "one created_at__lte: %r" % sent)
    pages = [query(x).get("page", "1") for x in full_pages(sent)]
    check("1" not in pages, "no page 1 of its own: %r" % sent)
    check("170" in pages, "the row's page: %r" % sent)


def t_time_jump_ignored_lte_bisects(server, b):
    """@ on a server that ignores created_at__lte, before it is known: the filtered
    answer is seen to be wrong and the bisection finds the entry, within
    log2(pages) + 3 requests and the one tried."""
    b.ready()
    target = api_page(server, 170)["results"][4]
    before = len(api_requests(server))
    b.keys("@")
    b.type(target["created_at"])
    b.keys("Enter")
    b.wait_detail(target["id"], "the entry selected")
    b.wait(r"row 1,695 of 3,000", "its row")
    sent = sent_since(server, before)
    check(sum("created_at__lte=" in x for x in sent) == 1, "tried once: %r" % sent)
    bound = 9 + 3 + 1  # log2(300 pages) + 3, and the one tried
    if b.w >= 120:  # the status line has room for the count
        s = b.wait(r"log %d at .*\((\d+) requests\)" % target["id"], "the requests named")
        n = int(re.search(r"\((\d+) requests\)", s).group(1))
        check(n <= bound, "a bisection (%d requests): %r" % (n, sent))
    check(len(full_pages(sent)) <= bound + 6, "no scan: %r" % sent)
    other = api_page(server, 90)["results"][2]
    before = len(api_requests(server))
    b.keys("@")
    b.type(other["created_at"])
    b.keys("Enter")
    b.wait_detail(other["id"], "a second time found")
    sent = sent_since(server, before)
    check(not any("created_at__lte=" in x for x in sent), "not tried again: %r" % sent)


# ------------------------------------------------------------------ keyset pages (id__lt)

def keyset_probed(server):
    """Wait until the browser has probed id__lt (on a log long enough to need it)."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if any("id__lt" in q for q in page_requests(server)):
            time.sleep(scaled(0.5))  # its answers are in a moment later
            return
        time.sleep(POLL)
    raise Failure("id__lt was never probed")


def row_of(s):
    m = re.search(r"row ([\d,]+) of", s)
    return int(m.group(1).replace(",", "")) if m else 0


def scroll_checked(b, want, rows):
    """PgDn until the selection passes `rows`, each screen checked against want (the
    log's entries, newest first): the selected entry and the ids shown in order."""
    ids = [e["id"] for e in want]
    row = row_of(b.screen())
    while row <= rows:
        b.keys("NPage")
        s = b.wait(lambda s, r=row: row_of(s) > r, "PgDn moves on from row %d" % row)
        row = row_of(s)
        b.wait_detail(ids[row - 1], "row %d is log %d" % (row, ids[row - 1]))
        s = b.wait(lambda s: shown_ids(s) and shown_ids(s)[0] in ids and
                   shown_ids(s) == ids[ids.index(shown_ids(s)[0]):][:len(shown_ids(s))],
                   "the rows on screen are the log's, in order")


def by_number(qs):
    """The page numbers of the (non-probe) page requests asked without id__lt."""
    return [int(q.get("page", "1")) for q in qs if "id__lt" not in q and q.get("page_size") != "1"]


def by_keyset(qs):
    return [q for q in qs if "id__lt" in q and q.get("page_size") != "1"]


def t_keyset_scroll_deep(server, b):
    """Once id__lt is proven, scrolling down asks each page below the loaded ones as
    id__lt=<the last id above it>&page=N (N at most 4), never a deep page number."""
    b.ready()
    keyset_probed(server)
    want = first_entries(server, 16)
    before = len(api_requests(server))
    scroll_checked(b, want, 120)
    qs = page_requests(server, before)
    check(not [p for p in by_number(qs) if p > 3], "no deep page by number: %r" % qs)
    ks = by_keyset(qs)
    check(len(ks) >= 8, "the pages below were asked by id__lt: %r" % qs)
    check(all(1 <= int(q.get("page", "1")) <= 4 for q in ks), "keyset pages near: %r" % ks)


class InFlight(Hooks):
    """Holds each keyset page a moment and counts how many are answered at once."""
    lock = threading.Lock()
    now = most = 0

    def respond(self, mock, req, answer):
        q = query(req["path"])
        if "id__lt" not in q or q.get("page_size") == "1":
            return answer(req)
        with InFlight.lock:
            InFlight.now += 1
            InFlight.most = max(InFlight.most, InFlight.now)
        try:
            mock.stopping.wait(scaled(0.02))
            return answer(req)
        finally:
            with InFlight.lock:
                InFlight.now -= 1


def t_keyset_client_scan(server, b):
    """A filter the server cannot run (exact levels only, a minimum level asked, and
    level= leaves rows out, so the levels' counts prove nothing) is scanned on the
    client with id__lt requests, and finds every match."""
    InFlight.most = 0
    b.ready()
    keyset_probed(server)
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        first = api_get(full, API + "?level__gte=40")
    before = len(api_requests(server))
    b.keys("4")
    count = "{:,}".format(first["count"])
    s = b.wait(r"row 1 of %s matching │" % count, "the scan finds every match",
               timeout=DEADLINE * 3)
    check("server:" not in b.header(), "the header says the client filtered", s)
    ids = shown_ids(s)
    check(starts_like(ids, [e["id"] for e in first["results"]]),
          "the first matches are the server's: %r" % ids, s)
    qs = page_requests(server, before)
    ks = by_keyset(qs)
    deep = [p for p in by_number(qs) if p > 8]
    check(len(ks) >= 250 and not deep,
          "the scan read by id__lt (%d) not by deep page numbers: %r" % (len(ks), deep))
    check(InFlight.most >= 3, "keyset pages asked several at a time: %d" % InFlight.most)


class KeysetLiar(Hooks):
    """Honest to the probes (one-entry pages); on the pages asked by id__lt, either
    sends entries that are not below it ("above", as a server that ignores it would)
    or claims fewer entries below it than there are ("count")."""
    mode = "above"

    def respond(self, mock, req, answer):
        q = query(req["path"])
        reply = answer(req)
        if "id__lt" not in q or q.get("page_size") == "1" or reply.status != 200:
            return reply
        body = json.loads(reply.body)
        if KeysetLiar.mode == "above":
            for i, e in enumerate(body["results"]):
                e["id"] = int(q["id__lt"]) + len(body["results"]) - i
        else:
            body["count"] -= 3
        return reply._replace(body=json.dumps(body).encode())


def cached_verdicts(b):
    """The verdict lines of the probe cache the browser wrote ("id__lt liar", ...)."""
    lines = []
    for path in glob.glob(os.path.join(b.cache_dir, "omslog", "*")):
        with open(path) as f:
            lines += [ln.strip() for ln in f]
    return lines


def keyset_liar_falls_back(server, b, mode):
    KeysetLiar.mode = mode
    b.ready()
    keyset_probed(server)
    want = first_entries(server, 16)
    before = len(api_requests(server))
    scroll_checked(b, want, 120)
    qs = page_requests(server, before)
    ks = by_keyset(qs)
    check(ks, "id__lt was tried: %r" % qs)
    last = max(i for i, q in enumerate(qs) if q in ks)
    check(len(ks) <= 6 and [p for p in by_number(qs[last:]) if p > 8],
          "after the first wrong answers, pages by number: %r" % qs)
    saved = cached_verdicts(b)
    if mode == "above":  # an id not below the anchor proves it: remembered
        check("id__lt liar" in saved, "id__lt remembered as a liar: %r" % saved)
    else:  # a count that does not add up may be a purge: this session only
        check("id__lt honoured" in saved and "id__lt liar" not in saved,
              "id__lt not called a liar for a count: %r" % saved)


def t_keyset_liar_ignores(server, b):
    """A server that stops honouring id__lt after its probe: the pages it sends are
    refused, the browser reads by page numbers, and every row is right."""
    keyset_liar_falls_back(server, b, "above")


def t_keyset_liar_miscounts(server, b):
    """A server whose id__lt count does not add up: the same fallback."""
    keyset_liar_falls_back(server, b, "count")



def caps_cache_file(cache, server):
    """The browser's verdicts file for server under XDG_CACHE_HOME=cache (caps.c's name)."""
    origin = re.sub(r"[^A-Za-z0-9.-]+", "_", server.url.rstrip("/"))
    return os.path.join(cache, "omslog", "caps-" + origin)


def screen_rows(s):
    """(level, app) of the list rows on a screen ("Level 45" for a custom level)."""
    return re.findall(r"(?m)^[+* ] *\d+ \S+ \S+ (Level \d+|\S+) +(\S+) ", s)


def t_first_filter_at_once(server, b):
    """A first session (nothing remembered): the filter's first screen is the server's
    filtered page 1, the first request sent for it (no unfiltered page read before it,
    no client scan), marked "checking" until the probes and the check behind it have
    proven it (they go out only once that page has answered), then the exact count."""
    SlowProbes.held = SlowProbes.answered = 0
    b.ready()
    want = api_get(server, API + "?level__gte=40")
    count = "{:,}".format(want["count"])
    before = len(api_requests(server))
    b.keys("4")
    s = b.wait(r"%s matching +server \(checking\): level>=ERROR" % count,
               "the server's filtered view at once, not proven yet")
    check(error_or_above(rows_levels(b)), "only matching rows shown", s)
    check("scanned" not in b.status(), "no client scan", s)
    s = b.wait(r"%s matching +server: level>=ERROR" % count, "then proven: the exact count",
               timeout=DEADLINE * 2)
    check(error_or_above(rows_levels(b)), "only matching rows shown", s)
    sent = [r["path"] for r in api_requests(server)[before:]]
    qs = [query(x) for x in sent]
    pages = [q for q in qs if q.get("page_size") != "1"]
    check(pages and pages[0].get("level__gte") == "40" and pages[0].get("page") == "1",
          "the filtered page 1 is the first page asked for: %r" % sent)
    unfiltered = [q for q in pages if not any(k.startswith(("level", "app_name")) for k in q)]
    check(len(unfiltered) <= 1 and all(q.get("page") == "1" for q in unfiltered),
          "no unfiltered page read but the check's sample (page 1): %r" % sent)
    at = qs.index(pages[0])
    probes = [i for i, q in enumerate(qs) if q.get("level__gte") == "1000000"]
    check(probes and all(i > at for i in probes),
          "the negotiation's probes go out after the filtered page: %r" % sent)


def t_first_filter_guess_ignored(server, b):
    """A first session on a server that filters exact values only (level__gte is
    ignored): the guessed page gives it away, the view falls back without calling the
    server a liar, and the negotiation ends on the plan the server can do (the app on
    the server), the level's census then merging level=40, 45 and 50 within the app,
    with the exact count; no row that fails the filter is ever on screen."""
    cache = tempfile.mkdtemp(prefix="omslog-e2e-cache-")
    try:
        b.start(env={"XDG_CACHE_HOME": cache})
        b.ready()
        with MockServer(count=3000, token=TOKEN, lookups="full") as full:
            want = api_get(full, API + "?level__gte=40&app_name=shipment")["count"]
        b.keys("a")
        b.type("shipment")
        b.keys("Enter")
        b.keys("4")
        final = r"\b%s matching +server: level>=ERROR app=shipment" % "{:,}".format(want)
        end = time.monotonic() + DEADLINE * 3
        seen = set()
        while True:
            s = b.screen()
            rows = screen_rows(s)
            seen.add(s.split("\n")[0][:60])
            bad = [r for r in rows if not (r[0] in ("ERROR", "CRITICAL") or
                                           re.match(r"Level [4-9]\d", r[0]))
                   or not "shipment".startswith(r[1].rstrip("…"))]
            check(not bad or "level>=ERROR" not in s.split("\n")[0],
                  "no row failing the filter shown: %r" % bad, s)
            if re.search(final, s) and "row 1 of" in s.split("\n")[-2] + s.split("\n")[-1]:
                break
            check(time.monotonic() < end, "the view ends on the app and the merged levels "
                  "on the server, exact count\nheaders seen: %r" % sorted(seen), s)
            time.sleep(POLL)
        check(any(q.get("level__gte") == "40" and q.get("app_name") == "shipment"
                  for q in page_requests(server)), "the guess was asked of the server")
        text = open(caps_cache_file(cache, server)).read()
        check("liar" not in text, "no verdict saved as liar: %r" % text)
        check("level__gte ignored" in text and "app_name honoured" in text,
              "the verdicts the negotiation found saved: %r" % text)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def t_first_filter_liar_caught(server, b):
    """A first session on a server whose level__gte lets a wrong row through on later
    pages: whether the guess or the proven plan meets it, no such row is shown, and
    once the plan is proven the server is caught, and remembered as a liar."""
    cache = tempfile.mkdtemp(prefix="omslog-e2e-cache-")
    try:
        b.start(env={"XDG_CACHE_HOME": cache})
        b.ready()
        b.keys("4")
        end = time.monotonic() + DEADLINE * 2
        while not re.search(r"the server's filter sent log \d+, which does not match", b.screen()):
            s = b.screen()
            levels = re.findall(r"(?m)^[+* ] *\d+ \S+ \S+ (Level \d+|\S+) ", s)
            check(not levels or error_or_above(levels) or "level>=ERROR" not in s.split("\n")[0],
                  "only matching rows shown", s)
            check(time.monotonic() < end, "the liar caught", b.screen())
            time.sleep(POLL)
        b.wait(lambda s: "filter: level>=ERROR" in s.split("\n")[0], "the header says client")
        check(error_or_above(rows_levels(b)), "only matching rows shown", b.screen())
        text = open(caps_cache_file(cache, server)).read()
        check("level__gte liar" in text, "remembered as a liar: %r" % text)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def t_browser_reprobe(server, b):
    """--reprobe in the browser: what is remembered of the server's filters is not
    used; the filter's negotiation probes again (and saves what it finds). Without it
    the remembered verdicts stand."""
    cache = tempfile.mkdtemp(prefix="omslog-e2e-cache-")
    try:
        path = caps_cache_file(cache, server)
        os.makedirs(os.path.dirname(path), mode=0o700)
        with open(path, "w") as f:
            f.write("omslog-caps 1\nprobed_at %d\nlevel__gte ignored\nlevel__in ignored\n"
                    "level__lte ignored\n" % int(time.time()))
        os.chmod(path, 0o600)

        def probed(since):
            return [r["path"] for r in api_requests(server)[since:]
                    if "level__gte=1000000" in r["path"]]

        b.start(env={"XDG_CACHE_HOME": cache})
        b.ready()
        b.keys("4")
        b.wait(r"row 1 of [\d,]+ matching │", "remembered as ignored: the client scans "
               "(or merges the exact levels)", timeout=DEADLINE * 3)
        check(("server" not in b.header() or "level>=ERROR (3 streams)" in b.header()) and
              not probed(0), "no probe of level__gte", b.screen())
        b.close()
        before = len(api_requests(server))
        b.start(args=["--reprobe"], env={"XDG_CACHE_HOME": cache})
        b.ready()
        want = api_get(server, API + "?level__gte=40")["count"]
        b.keys("4")
        b.wait(r"%s matching +server: level>=ERROR" % "{:,}".format(want),
               "probed again: the server filters")
        check(probed(before), "level__gte probed again")
        check("level__gte honoured" in open(path).read(), "the new verdict saved")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def t_server_view_keeps_client_parts(server, b):
    """Where the server filters the level, an & pattern still runs on the client over
    its rows (the header says so): every row shown passes both."""
    b.ready()
    errs = api_get(server, API + "?level__gte=40")["results"]
    app = errs[0]["app_name"]
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "the server filters")
    b.keys("&")
    b.type("!" + app)
    b.keys("Enter")
    s = b.wait(r"server: level>=ERROR · client: &", "the pattern runs on the client")
    s = b.wait(lambda s: len(screen_rows(s)) >= 3 and "scanned" not in s.split("\n")[-1],
               "the server's rows scanned for the pattern", timeout=DEADLINE * 2)
    rows = screen_rows(s)
    check(all(not app.startswith(r[1].rstrip("…")) for r in rows),
          "no row of the hidden app %s: %r" % (app, rows), s)
    check(error_or_above([r[0] for r in rows]), "only matching levels", s)


def t_big_scan_asks_first_server_filter_off(server, b):
    """--server-filter off: nothing is asked of the server's filters (no guess, no
    probe), and the big scan asks first as without server help."""
    t_big_scan_asks_first(server, b)
    sent = [r["path"] for r in api_requests(server)]
    check(not any("level" in x or "page_size=1&" in x for x in sent),
          "no filtered page, no probe: %r" % [x for x in sent if "level" in x][:5])


def last_line(s):
    """The screen's last line with text: the status line."""
    return next((ln for ln in reversed(s.split("\n")) if ln.strip()), "")


def census_view(server, b, key, final, want_rows, status=None):
    """Press key on an exact-only server; wait for the header final (and the status
    line status); every row shown while the level filter is on passes want_rows (a set
    of level names)."""
    b.ready()
    b.keys(key)
    end = time.monotonic() + DEADLINE * 3
    while True:
        s = b.screen()
        bad = [r for r in screen_rows(s) if r[0] not in want_rows]
        check(not bad or "level>=" not in s.split("\n")[0], "no row failing the filter: %r"
              % bad, s)
        if re.search(final, s.split("\n")[0]) and (not status or re.search(
                status, last_line(s))):
            return s
        check(time.monotonic() < end, "header %r reached" % final, s)
        time.sleep(POLL)


def t_census_single_level(server, b):
    """A server that filters exact levels only (no level__gte, no level__in): the counts
    of every level (the custom 25 and 45 of this log found by the candidates' rounds) add
    up to the total and show CRITICAL the only level at or above it, so `5` is level=50
    on the server, with its exact count and the status line saying why."""
    want = api_get(server, API + "?level=50")["count"]
    s = census_view(server, b, "5", r"\b%s matching +server: level>=CRITICAL"
                    % "{:,}".format(want), {"CRITICAL"})
    check("exact levels only" in last_line(s), "the status line says why", s)
    qs = page_requests(server)
    check(any(q.get("level") == "25" for q in qs) and any(q.get("level") == "45" for q in qs),
          "the custom levels were looked for: %r" % qs)
    check(any(q.get("level") == "50" and q.get("page_size") != "1" for q in qs),
          "the view's pages are level=50: %r" % qs)


def gte_ids(level):
    """The count and ids (newest first) of level__gte=level on a full server of the same
    log."""
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        out, page = [], 1
        while True:
            d = api_get(full, API + "?level__gte=%d&page=%d" % (level, page))
            out += [e["id"] for e in d["results"]]
            if not d["next"]:
                return d["count"], out
            page += 1


def t_census_many_levels_merge(server, b):
    """`4` on an exact-only server: ERROR, 45 and CRITICAL are all there, so the view is
    the merge by id of level=40, level=45 and level=50: the exact count at once, the rows
    a full server's level__gte=40 in order; G (the oldest match, 26 pages of 10 below:
    merged on, the status line says how far), g and scrolling down too; no unfiltered
    page read."""
    want, ids = gte_ids(40)
    s = census_view(server, b, "4", r"\b%s matching +server: level>=ERROR \(3 streams\)"
                    % "{:,}".format(want), {"ERROR", "CRITICAL", "Level 45"})
    s = b.wait(lambda s: starts_like(shown_ids(s), ids) and len(shown_ids(s)) > 5,
               "the first screen is level__gte=40's first rows")
    b.keys("G")
    b.wait_detail(ids[-1], "G selects the oldest match, log %d" % ids[-1])
    s = b.wait(lambda s: shown_ids(s) and shown_ids(s)[-1] == ids[-1] and
               shown_ids(s) == ids[ids.index(shown_ids(s)[0]):][:len(shown_ids(s))],
               "the last rows are level__gte=40's last, in order")
    check("merged the 3 level streams down to row %s" % "{:,}".format(want) in last_line(s),
          "the status line says the merge went down to the last row", s)
    b.keys("g")  # back to the top: pages evicted meanwhile are merged again from there
    b.wait_detail(ids[0], "g selects the newest match, log %d" % ids[0])
    b.wait(lambda s: starts_like(shown_ids(s), ids) and len(shown_ids(s)) > 5,
           "the first rows again")
    scroll_checked(b, [{"id": i} for i in ids], 250)
    qs = [q for q in page_requests(server) if q.get("page_size") != "1"]
    first = next((i for i, q in enumerate(qs) if "level" in q), len(qs))
    # The scan's pages in flight when the merge began (4 at most) may arrive after it.
    plain = [q for q in qs[first:] if "level" not in q]
    check(first < len(qs) and len(plain) <= 4 and
          all(q.get("level") in ("40", "45", "50") for q in qs[first:] if "level" in q),
          "once merged, only the level streams' pages are read: %r" % qs[first:])


def t_census_merge_jump(server, b):
    """In the merged view (pages of 10), `:ID` of a match far down selects it on its row
    (located by ids, the merge built on to it), and `:ID` of an entry below the minimum
    says the filter hides it."""
    want, ids = gte_ids(40)
    census_view(server, b, "4", r"\b%s matching +server: level>=ERROR \(3 streams\)"
                % "{:,}".format(want), {"ERROR", "CRITICAL", "Level 45"})
    target = ids[len(ids) * 3 // 4]
    b.jump(target)
    b.wait_detail(target, ":%d selects it" % target)
    b.wait(r"row %s of %s matching" % ("{:,}".format(ids.index(target) + 1), "{:,}".format(want)),
           "on its row among the matches")
    from mock_oms import meta
    low = next(i for i in server.store.ids() if meta(1, i, False)[0] < 40 and i < target)
    b.jump(low)
    b.wait(r"log %d is hidden by the filters" % low,
           ":%d (below the minimum) says the filter hides it" % low)


def t_census_merge_follow(server, b):
    """Follow in the merged view: new entries at the top are counted again (the census)
    and the view is built again over the new counts once they add up (not while the log
    grows under the census): the header's count is the log's matches, the rows still
    the log's in order."""
    from mock_oms import meta
    want, ids = gte_ids(40)
    census_view(server, b, "4", r"\b%s matching +server: level>=ERROR \(3 streams\)"
                % "{:,}".format(want), {"ERROR", "CRITICAL", "Level 45"})
    b.keys("F")
    b.wait(r"following:", "follow mode on")
    server.set(grow=3)
    end = time.monotonic() + DEADLINE
    while sum(meta(1, i, False)[0] >= 40 for i in server.store.ids()) < want + 3:
        check(time.monotonic() < end, "the log grew by a few matches")
        time.sleep(POLL)
    server.set(grow=0)
    time.sleep(scaled(1.0))
    now = [i for i in server.store.ids() if meta(1, i, False)[0] >= 40]
    s = b.wait(r"\b%s matching +server: level>=ERROR" % "{:,}".format(len(now)),
               "the count is the log's matches", timeout=DEADLINE * 2)
    b.wait(lambda s: starts_like(shown_ids(s), now), "the rows are the newest matches")


def t_census_merge_keyset(server, b):
    """Where id__lt is honoured, the merged view reads each level's stream below its
    last row (id__lt) after its first page, not by deep page numbers; G still reaches the
    oldest match."""
    b.ready()
    keyset_probed(server)
    want, ids = gte_ids(40)
    before = len(api_requests(server))
    census_view(server, b, "4", r"\b%s matching +server: level>=ERROR \(3 streams\)"
                % "{:,}".format(want), {"ERROR", "CRITICAL", "Level 45"})
    b.keys("G")
    b.wait_detail(ids[-1], "G selects the oldest match, log %d" % ids[-1])
    qs = [q for q in page_requests(server, before) if q.get("page_size") != "1" and "level" in q]
    check(all("id__lt" in q or q.get("page", "1") == "1" for q in qs) and len(by_keyset(qs)) > 10,
          "the streams are read by id__lt: %r" % qs)


class StreamLiar(Hooks):
    """Honest counts, but the first full page of level=45 sends its last row as an
    ERROR (still at or above the minimum: only the stream's own check sees it)."""

    def respond(self, mock, req, answer):
        q = query(req["path"])
        reply = answer(req)
        if q.get("level") != "45" or q.get("page_size") == "1" or reply.status != 200:
            return reply
        body = json.loads(reply.body)
        if body["results"]:
            body["results"][-1]["level"] = 40
            StreamLiar.liar = body["results"][-1]["id"]
        return reply._replace(body=json.dumps(body).encode())


def t_census_merge_liar_scans(server, b):
    """A level=45 stream that sends an ERROR row: the merge is a liar, the view falls
    back to the client's scan (which counts what the log holds at or above ERROR) and
    the status line names the row."""
    want, _ = gte_ids(40)
    s = census_view(server, b, "4", r"\blogs +filter: level>=ERROR",
                    {"ERROR", "CRITICAL", "Level 45"})
    s = b.wait(r"of %s matching" % "{:,}".format(want), "the client's scan counts them all")
    b.wait(lambda s: "log %d of another level" % StreamLiar.liar in s, "the liar named")


def t_census_drop_liar_scans(server, b):
    """An exact-only server whose level=50 leaves rows out: the counts do not add up,
    so nothing is pushed and the client's scan finds every CRITICAL entry."""
    with MockServer(count=3000, token=TOKEN, lookups="full") as full:
        want = api_get(full, API + "?level__gte=50")["count"]
    census_view(server, b, "5", r"\blogs +filter: level>=CRITICAL", {"CRITICAL"},
                r"\bof %s matching" % "{:,}".format(want))


# ------------------------------------------------------------------ finds asked of the server

def find_gap(server, level):
    """The log's ids (newest first) and the positions i < j of the two entries at or
    above level with the most entries below level between them."""
    from mock_oms import meta
    ids = list(server.store.ids())
    hits = [p for p, i in enumerate(ids) if meta(1, i, False)[0] >= level]
    i, j = max(zip(hits, hits[1:]), key=lambda t: t[1] - t[0])
    return ids, i, j


def settled_requests(server):
    """The number of API requests once none has come for a moment."""
    n = len(api_requests(server))
    time.sleep(QUICK)
    while len(api_requests(server)) != n:
        n = len(api_requests(server))
        time.sleep(QUICK)
    return n


def pages_near(server, paths, pos, b, size):
    """Whether every full page among paths lies within a screen or two of position pos
    (pages of size rows): the rows shown around it and the two pages prefetched
    beyond them, not a scan towards it. A keyset page counts as the page it stands for."""
    pages = [view_page(server, query(x), size) for x in full_pages(paths)]
    margin = b.h + 8 + 2 * size
    return all((p - 1) * size <= pos + margin and p * size >= pos - margin for p in pages), pages


def find_and_count(b, key, verb, what, ident):
    """Press key; the status line names the entry found and its requests: how many."""
    b.keys(key)
    b.wait_detail(ident, "%s selects log %d" % (key, ident))
    s = b.wait(r"%s %s: log %d \((\d+) requests?\)" % (verb, what, ident), "the find said how")
    return int(re.search(r"%s %s: log %d \((\d+) requests?\)" % (verb, what, ident), s).group(1))


def t_find_error_asks_server(server, b):
    """e and E where level__gte (proven by a filter) and the id lookups work: the next
    ERROR 32 pages below is found with one request of level__gte + id__lt, its twin
    count of level__lte (and the jump's two), the pages between are not read; E goes
    back with the count above and the page holding the oldest of them (pages of 2
    rows: one-row pages are not honoured, so the row is found within the page)."""
    b.ready()
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "level__gte proven by a filter")
    b.keys("0")
    b.wait(r"showing all entries", "cleared")
    ids, i, j = find_gap(server, 40)
    b.jump(ids[i])
    b.wait_detail(ids[i], "the error above the gap")
    b.wait(r"row %s of 3,000" % "{:,}".format(i + 1), "its row")
    before = settled_requests(server)
    n = find_and_count(b, "e", "next", "ERROR", ids[j])
    b.wait(r"row %s of 3,000" % "{:,}".format(j + 1), "its row")
    sent = sent_since(server, before)
    check(n <= 4, "e took %d requests: %r" % (n, sent))
    asks = [x for x in sent if "level__gte=40" in x]
    check(len(asks) == 1 and ("id__lt=%d" % ids[i] in asks[0] or
                              "id__lte=%d" % (ids[i] - 1) in asks[0]),
          "one request of level__gte past the selection: %r" % sent)
    check(sum("level__lte=39" in x for x in sent) == 1, "and its twin count: %r" % sent)
    near, pages = pages_near(server, sent, j, b, 2)
    check(near, "no page between read: %r" % pages)
    before = settled_requests(server)
    n = find_and_count(b, "E", "previous", "ERROR", ids[i])
    b.wait(r"row %s of 3,000" % "{:,}".format(i + 1), "back on its row")
    sent = sent_since(server, before)
    check(n <= 5, "E took %d requests: %r" % (n, sent))
    check(sum("level__gte=40" in x and "id__gt=%d" % ids[j] in x for x in sent) == 2,
          "the count above and its page: %r" % sent)
    near, pages = pages_near(server, sent, i, b, 2)
    check(near, "no page between read: %r" % pages)


def t_find_error_scans_without_server(server, b):
    """A server that filters nothing: e and E scan as before and select the same
    entries (level__gte, probed, is ignored: no find is asked of the server)."""
    b.ready()
    ids, i, j = find_gap(server, 40)
    b.jump(ids[i])
    b.wait_detail(ids[i], "the error above the gap")
    before = settled_requests(server)
    b.keys("e")
    b.wait_detail(ids[j], "e selects the next ERROR")
    b.wait(r"row %s of 3,000" % "{:,}".format(j + 1), "its row")
    b.keys("E")
    b.wait_detail(ids[i], "E the previous one")
    sent = sent_since(server, before)
    check(not any("level__gte=40" in x for x in sent), "no find asked of the server: %r" % sent)


def t_find_error_first_session(server, b):
    """e in a first session, nothing known of the server: level__gte is probed
    first (remembered), then the next ERROR is asked for and selected as cheaply."""
    b.ready()
    ids, i, j = find_gap(server, 40)
    b.jump(ids[i])
    b.wait_detail(ids[i], "the error above the gap")
    before = settled_requests(server)
    n = find_and_count(b, "e", "next", "ERROR", ids[j])
    sent = sent_since(server, before)
    check(n <= 4, "e took %d requests: %r" % (n, sent))
    asks = [x for x in sent if "level__gte" in x]
    check(len(asks) == 2 and "level__gte=40" in asks[1], "the probe, then the find: %r" % sent)
    # the probe reads the unfiltered page 1 (its baseline) once
    later = [x for x in sent if query(x).get("page", "1") != "1"]
    near, pages = pages_near(server, later, j, b, 2)
    check(near, "no page between read: %r" % pages)


def t_find_level_drop_liar_never_wrong(server, b):
    """A server whose level__gte leaves some matches out (a "drop" liar), the next
    ERROR below among them: the twin count of level__lte does not add up, so the
    find scans and selects the real next ERROR, not the one the server offers."""
    from mock_oms import meta, liar_drops
    ids = list(server.store.ids())
    errs = [p for p, x in enumerate(ids) if meta(1, x, False)[0] >= 40]
    i, j = max(((x, y) for x, y in zip(errs, errs[1:]) if liar_drops(1, ids[y])),
               key=lambda t: t[1] - t[0])
    b.ready()
    b.jump(ids[i])
    b.wait_detail(ids[i], "an error above one the liar leaves out")
    before = settled_requests(server)
    b.keys("e")
    b.wait_detail(ids[j], "e selects the real next ERROR")
    b.wait(r"row %s of 3,000" % "{:,}".format(j + 1), "its row")
    sent = sent_since(server, before)
    check(any("level__gte=40" in x for x in sent) and any("level__lte=39" in x for x in sent),
          "the server was asked, with the twin count: %r" % sent[:12])


def no_scan_question_config():
    """An XDG_CONFIG_HOME whose config says big_scan_pages = 0 (a scan never asks)."""
    return small_scan_config(0)


def t_find_error_in_client_filtered_view(server, b):
    """A view the client filters (the server has no app_name) while its scan is
    still near the top (a slow server): e asks the server for errors past the
    selection, skips those of other apps (the view's filter is checked on every row
    sent), and selects the next ERROR of the app, as the scan would."""
    from mock_oms import meta
    ids = list(server.store.ids())
    lv = [meta(1, i, False) for i in ids]

    def gap(app):  # the app's newest entry and its next ERROR: how far apart
        first = next(p for p, m in enumerate(lv) if m[1] == app)
        nxt = next(p for p in range(first + 1, len(lv)) if lv[p][1] == app and lv[p][0] >= 40)
        return nxt - first, first, nxt
    _, first, nxt = max(gap(app) for app in {m[1] for m in lv[:8]})  # apps seen at once
    app = lv[first][1]
    b.ready()
    b.wait(lambda s: len(shown_ids(s)) >= 8, "the first rows")
    b.keys("a")
    b.type(app)
    b.keys("Enter")
    b.wait(r"filter: app=%s" % re.escape(app), "the app filter")
    b.wait_detail(ids[first], "the app's newest entry selected")
    before = len(api_requests(server))
    b.keys("e")
    b.wait_detail(ids[nxt], "e selects the next ERROR of the app")
    sent = sent_since(server, before)
    check(any("level__gte=40" in x for x in sent), "the server was asked: %r" % sent[:20])


def t_find_level_liar_never_wrong(server, b):
    """level__gte proven, then the server starts to ignore it: the row it sends for e
    is not an ERROR, so the find scans instead and selects the real next ERROR; the
    parameter is not asked again."""
    b.ready()
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "level__gte proven by a filter")
    b.keys("0")
    b.wait(r"showing all entries", "cleared")
    server.set(liars="level__gte:ignore")
    ids, i, j = find_gap(server, 40)
    b.jump(ids[i])
    b.wait_detail(ids[i], "the error above the gap")
    before = settled_requests(server)
    b.keys("e")
    b.wait_detail(ids[j], "e selects the real next ERROR")
    b.wait(r"row %s of 3,000" % "{:,}".format(j + 1), "its row")
    check(any("level__gte=40" in x for x in sent_since(server, before)), "the server was asked")
    before = settled_requests(server)
    b.keys("E")
    b.wait_detail(ids[i], "E the previous one")
    check(not any("level__gte" in x for x in sent_since(server, before)),
          "the liar is not asked again")


def trace_token(server, lo, hi):
    """An entry at a position in [lo, hi) and a word only its trace holds (no other
    field of any entry): its position, id and the word."""
    from mock_oms import content
    ids = list(server.store.ids())
    texts = [content(1, i, False) for i in ids]
    for p in range(lo, hi):
        trace = texts[p][4] or ""
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_-]{5,}", trace):
            w = word.lower()
            if (sum(w in (t[4] or "").lower() for t in texts) == 1 and
                    not any(w in (f or "").lower() for t in texts for f in t[1:4])):
                return p, ids[p], word
    raise Failure("no word only one trace holds")


def search_session(server, b, env_cache):
    """`list --search` remembers which fields the server searches (the cache the
    browser then starts with)."""
    env = dict(os.environ, OMSLOG_TOKEN=TOKEN, XDG_CACHE_HOME=env_cache,
               XDG_CONFIG_HOME="/nonexistent")
    p = subprocess.run([BIN, "--url", server.url, "list", "--search", "zzqq", "--limit", "1"],
                       env=env, capture_output=True, timeout=scaled(30))
    check(p.returncode == 0, "list --search probed: %r" % p.stderr)
    b.start(env={"XDG_CACHE_HOME": env_cache})
    b.ready()


def t_find_search_pushed(server, b):
    """/WORD and n, N where the server searches every field ours does (trace too, as
    `list --search` proved and remembered): search=WORD past the selection finds the
    one entry whose trace holds it, far below, in three requests; n then says there
    is none below at once; from the last row N finds it above."""
    cache = tempfile.mkdtemp(prefix="omslog-e2e-cache-")
    search_session(server, b, cache)
    p, ident, word = trace_token(server, 1500, 2500)
    before = settled_requests(server)
    b.keys("/")
    b.type(word)
    b.keys("Enter")
    b.wait_detail(ident, "the search selects the entry")
    s = b.wait(r"next match: log %d \((\d+) requests?\)" % ident, "found by the server")
    n = int(re.search(r"\((\d+) requests?\)", s.split("next match:")[1]).group(1))
    b.wait(r"row %s of 3,000" % "{:,}".format(p + 1), "its row")
    sent = sent_since(server, before)
    check(n <= 3 and sum("search=" in x for x in sent) == 1, "%d requests: %r" % (n, sent))
    check(len(full_pages(sent)) <= 6, "no scan: %r" % sent)
    b.keys("n")
    b.wait(r"no match below \(1 request\)", "none below, at once")
    b.keys("G")
    b.wait(r"row 3,000 of 3,000", "the last row")
    n = find_and_count(b, "N", "previous", "match", ident)
    check(n <= 3, "N took %d requests" % n)
    shutil.rmtree(cache, ignore_errors=True)


def t_find_search_first_session(server, b):
    """/WORD in a first session on a server that searches every field: search is
    probed, then the fields it looks in (a few sample pages and one request per
    field, remembered), then the entry far below is asked for: the pages between are
    not read; the next search asks the server at once."""
    b.ready()
    p, ident, word = trace_token(server, 1500, 2500)
    before = settled_requests(server)
    b.keys("/")
    b.type(word)
    b.keys("Enter")
    b.wait_detail(ident, "the search selects the entry")
    s = b.wait(r"next match: log %d \((\d+) requests?\)" % ident, "found by the server")
    b.wait(r"row %s of 3,000" % "{:,}".format(p + 1), "its row")
    sent = sent_since(server, before)
    check(sum(query(x).get("search") == word for x in sent) == 1, "one find: %r" % sent)
    later = [x for x in sent if int(query(x).get("page", "1")) > 4]  # the probe's sample
    near, pages = pages_near(server, later, p, b, 100)
    check(near, "no page between read: %r" % pages)
    b.keys("g")
    b.wait(r"row 1 of 3,000", "back to the top")
    before = settled_requests(server)
    b.keys("n")
    b.wait(r"next match: log %d \((\d+) requests?\)" % ident, "the next search at once")
    sent = sent_since(server, before)
    check(len([x for x in sent if "search=" in x]) == 1, "no probe again: %r" % sent)


def t_find_search_not_pushed(server, b):
    """The same where the server's search does not look at trace (its default
    search_fields): the search is not sent; the scan finds the same entry."""
    cache = tempfile.mkdtemp(prefix="omslog-e2e-cache-")
    search_session(server, b, cache)
    p, ident, word = trace_token(server, 300, 600)
    before = settled_requests(server)
    b.keys("/")
    b.type(word)
    b.keys("Enter")
    b.wait_detail(ident, "the scan finds the entry")
    b.wait(r"row %s of 3,000" % "{:,}".format(p + 1), "its row")
    sent = sent_since(server, before)
    check(not any("search=" in x for x in sent), "no search sent: %r" % sent)
    shutil.rmtree(cache, ignore_errors=True)


class SlowFinds(Hooks):
    """Answers a find's request (level__gte past an id, one row) late; held counts
    those that arrived (the request log records them only once answered)."""
    held = 0

    def respond(self, mock, req, answer):
        q = query(req["path"])
        if q.get("page_size") == "1" and "level__gte" in q and ("id__lte" in q or "id__lt" in q):
            SlowFinds.held += 1
            mock.stopping.wait(scaled(1.5))
        return answer(req)


def t_find_esc_cancels_server_find(server, b):
    """Esc while the server is asked where the next ERROR is: cancelled, like a find
    that scans, and the late answer moves nothing."""
    b.ready()
    b.keys("4")
    b.wait(r"matching +server: level>=ERROR", "level__gte proven by a filter")
    b.keys("0")
    b.wait(r"showing all entries", "cleared")
    ids, i, j = find_gap(server, 40)
    b.jump(ids[i])
    b.wait_detail(ids[i], "the error above the gap")
    settled_requests(server)
    SlowFinds.held = 0
    b.keys("e")
    end = time.monotonic() + DEADLINE
    while not SlowFinds.held:
        check(time.monotonic() < end, "the find asked the server", b.screen())
        time.sleep(POLL)
    b.keys("Escape")
    b.wait(r"cancelled", "Esc cancels the find")
    time.sleep(scaled(2.0))
    check(b.detail_id() == ids[i] and "cancelled" in b.status(),
          "the late answer moved nothing", b.screen())


TESTS = [
    (t_first_page, {}, {}),
    (t_scroll_pages, {}, {}),
    (t_error_jumps, {}, {}),
    (t_digit_filter, {}, {}),
    (t_last_entry, {}, {}),
    (t_jump_existing_and_far, {}, {}),
    (t_jump_missing, {}, {}),
    (t_level_and_app_prompts, {}, {}),
    (t_search, {}, {}),
    (t_detail_trace, {}, {}),
    (t_follow, {}, {"args": ["--follow-interval", "1"]}),
    (t_slow_server, {"delay": 2.0}, {}),
    (t_help, {}, {}),
    (t_auth_error, {}, {"token": "wrong-token"}),
    (t_escapes, {"escapes": True}, {}),
    (t_resize, {}, {}),
    (t_no_color, {}, {"env": {"NO_COLOR": "1"}}),
    (t_summary, {}, {}),
    (t_yank_and_save, {}, {"cwd": None}),
    (t_failed_pages_retry, {}, {}),
    (t_mouse, {}, {}),
    (t_hidden_by_filter, {}, {}),
    (t_growing_log, {}, {}),
    (t_view_toggles, {}, {"cwd": None, "pager": True}),
    (t_unchanged_screen_not_redrawn, {}, {"cwd": None, "draws": True,
                                          "args": ["--follow-interval", "1"]}),
    (t_clipboard_tmux_buffer, {}, {"cwd": None}),
    (t_clipboard_file_fallback, {}, {"cwd": None}),
    (t_marks, {}, {"cwd": None}),
    (t_layout_change_loads_rows, {}, {"args": ["--page-size", "10"]}),
    (t_detail_message_first, {}, {"env": {"TZ": "Europe/Istanbul"}}),
    (t_wide_columns_fit, {}, {}),
    (t_search_highlights_every_match, {}, {}),
    (t_jump_missing_selects_nearest, {}, {}),
    (t_time_jump, {}, {"env": {"TZ": "Europe/Istanbul"}}),
    (t_time_jump_server_filter, {"lookups": "full"}, {"env": {"XDG_CACHE_HOME": TIME_CACHE}}),
    (t_pattern_filter, {}, {}),
    (t_app_exclusions, {}, {}),
    (t_follow_tail, {}, {"args": ["--follow-interval", "1"]}),
    (t_link_entry, {}, {"deferred": True}),
    (t_link_list, {}, {"deferred": True}),
    (t_production_header, {}, {"deferred": True}),
    (t_plain_profile_header, {}, {"deferred": True}),
    (t_open_export, {}, {"cwd": None, "export": OPEN_COUNT, "args": ["open", OPEN_FILE]}),
    (t_open_summary_counts_between_keys, {}, {"cwd": None, "export": OPEN_BIG,
                                              "args": ["open", OPEN_FILE]}),
    (t_open_time_jump_and_marks, {}, {"cwd": None, "export": 10000, "args": ["open", OPEN_FILE]}),
    (t_big_scan_asks_first, {"count": 20000}, {}),
    (t_long_find_asks_before_reading_on, {}, {"env": {"XDG_CONFIG_HOME": small_scan_config()}}),
    (t_server_filter_exact_count, {"lookups": "full"}, {}),
    (t_server_filter_none_equals_scan, {}, {}),
    (t_server_filter_liar_caught, {"lookups": "full", "hooks": LateLiar()}, {}),
    (t_server_filter_drop_liar_caught, {"lookups": "full", "liars": "level__gte:drop"}, {}),
    (t_server_probes_never_delay_first_screen, {"lookups": "full", "hooks": SlowProbes()}, {}),
    (t_server_jump_by_count, {"lookups": "full"}, {}),
    (t_server_filter_partial_push, {"lookups": "level__gte,level__lte"}, {}),
    (t_server_follow_polls_new_only, {"lookups": "full"}, {"args": ["--follow-interval", "1"]}),
    (t_server_summary_exact, {"lookups": "full"}, {}),
    (t_summary_says_what_it_covers, {}, {}),
    (t_server_filter_keeps_place, {"lookups": "full"}, {}),
    (t_time_jump_in_server_view, {"lookups": "full"}, {}),
    (t_server_filter_require_refused, {}, {"args": ["--server-filter", "require"]}),
    (t_server_filter_require_met, {"lookups": "full"}, {"args": ["--server-filter", "require"]}),
    (t_server_filter_remembered_then_drops, {"lookups": "full"}, {}),
    (t_server_filter_remembered_at_once, {"lookups": "full"}, {}),
    (t_server_jump_two_requests, {"lookups": "full"}, {}),
    (t_server_jump_ignored_falls_back, {}, {}),
    (t_server_jump_liar_verified, {"lookups": "full", "liars": "id__lte:drop"}, {}),
    (t_time_jump_first_session, {"lookups": "full"}, {}),
    (t_time_jump_ignored_lte_bisects, {}, {}),
    (t_keyset_scroll_deep, {"lookups": "full"}, {}),
    (t_keyset_client_scan, {"lookups": "exact,id__lt", "liars": "level:drop",
                            "hooks": InFlight()}, {}),
    (t_census_merge_keyset, {"lookups": "exact,id__lt"}, {"args": ["--page-size", "10"]}),
    (t_keyset_liar_ignores, {"lookups": "full", "hooks": KeysetLiar()}, {}),
    (t_keyset_liar_miscounts, {"lookups": "full", "hooks": KeysetLiar()}, {}),
    (t_first_filter_at_once, {"lookups": "full", "hooks": SlowProbes()}, {}),
    (t_first_filter_guess_ignored, {"lookups": "exact"}, {"deferred": True}),
    (t_first_filter_liar_caught, {"lookups": "full", "hooks": LateLiar()}, {"deferred": True}),
    (t_browser_reprobe, {"lookups": "full"}, {"deferred": True}),
    (t_server_view_keeps_client_parts, {"lookups": "full"}, {}),
    (t_census_single_level, {"lookups": "exact"}, {}),
    (t_census_many_levels_merge, {"lookups": "exact"}, {"args": ["--page-size", "10"]}),
    (t_census_merge_jump, {"lookups": "exact"}, {"args": ["--page-size", "10"]}),
    (t_census_merge_follow, {"lookups": "exact"}, {"args": ["--follow-interval", "1"]}),
    (t_census_merge_liar_scans, {"lookups": "exact", "hooks": StreamLiar()}, {}),
    (t_census_drop_liar_scans, {"lookups": "exact", "liars": "level:drop"}, {}),
    (t_big_scan_asks_first_server_filter_off, {"count": 20000, "lookups": "full"},
     {"args": ["--server-filter", "off"]}),
    (t_find_error_asks_server, {"lookups": "full", "page_size": 2}, {}),
    (t_find_error_scans_without_server, {"page_size": 2}, {}),
    (t_find_error_first_session, {"lookups": "full", "page_size": 2}, {}),
    (t_find_error_in_client_filtered_view,
     {"lookups": "level__gte,level__lte,id__lt,id__lte,id__gt", "page_size": 2,
      "delay": 0.1},
     {"env": {"XDG_CONFIG_HOME": no_scan_question_config()}}),
    (t_find_level_drop_liar_never_wrong,
     {"lookups": "full", "page_size": 2, "liars": "level__gte:drop"}, {}),
    (t_find_level_liar_never_wrong, {"lookups": "full", "page_size": 2}, {}),
    (t_find_search_pushed, {"lookups": "full", "page_size_param": "page_size",
                            "search_fields": "message,logger_name,app_name,trace"},
     {"deferred": True}),
    (t_find_search_first_session, {"lookups": "full", "page_size_param": "page_size",
                                   "search_fields": "message,logger_name,app_name,trace"}, {}),
    (t_find_search_not_pushed, {"lookups": "full", "page_size_param": "page_size"},
     {"deferred": True}),
    (t_find_esc_cancels_server_find, {"lookups": "full", "page_size": 2, "hooks": SlowFinds()},
     {}),
]


def run_case(fn, server_opts, browser_opts, size):
    """fn(server, browser) with a fresh mock and omslog in tmux at size."""
    server = MockServer(token=TOKEN, **dict({"count": 3000}, **server_opts)).start()
    b = None
    opts = dict(browser_opts)
    if "cwd" in opts:
        opts["cwd"] = tempfile.mkdtemp(prefix="omslog-e2e-")
    if opts.pop("pager", False):
        pager = os.path.join(opts["cwd"], "pager.sh")
        with open(pager, "w") as f:
            f.write("#!/bin/sh\ncp \"$1\" %s/paged.txt\n" % opts["cwd"])
        os.chmod(pager, 0o755)
        opts["env"] = {"PAGER": pager}
    if opts.pop("draws", False):
        opts["env"] = {"OMSLOG_DEBUG_DRAWS": os.path.join(opts["cwd"], "draws")}
    export = opts.pop("export", 0)
    export_bytes = write_export(os.path.join(opts["cwd"], OPEN_FILE), export) if export else 0
    try:
        b = Browser(server, size, **opts)
        b.export_bytes = export_bytes
        fn(server, b)
    finally:
        if b:
            b.close()
        if opts.get("cwd"):
            shutil.rmtree(opts["cwd"], ignore_errors=True)
        tmux("kill-server", check_rc=False)
        server.stop()


def main():
    suite = Suite()
    for fn, server_opts, browser_opts in TESTS:
        suite.add(fn.__name__, lambda size, f=fn, so=server_opts, bo=browser_opts:
                  run_case(f, so, bo, size), variants=[("%dx%d" % s, s) for s in SIZES])
    try:
        return suite.main(sys.argv[1:], executable=BIN)
    finally:
        shutil.rmtree(TIME_CACHE, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
