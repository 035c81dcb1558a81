#!/usr/bin/env python3
"""drf_bench.py: omslog against the real DRF + PostgreSQL reference server (bench/drf).

    /usr/bin/python3 bench/drf_bench.py path/to/omslog        (or: make bench-drf)

Run as root (PostgreSQL runs as postgres via runuser); OMSLOG_BIN overrides the binary.
The server (bench/drf/server.sh) is started and stopped here for each filter mode, with
OMS_REQUEST_LOG on: every request's start, end and database time (oms_drf/reqlog.py).
Databases: oms_1000000 (built once, ~30 s) and oms_20000 for the output checks.

  1 filtered view   the browser in tmux (160x50): `a wms` Enter `5` (level >= CRITICAL)
                    typed in one go, timed from the first key: first screen (the first
                    matches, in order) vs
                    one curl of the filtered first page; the exact match count on screen;
                    `G` to the oldest match vs one curl of `ordering=id`
  2 export          `list --level critical --app wms --all --format jsonl` vs (a) a
                    requests loop with the same parameters following `next` and (b) 8
                    parallel curls over the same filtered pages; ids and objects compared;
                    on oms_20000 with filter backends full, exact and none, omslog's
                    output vs the server's filtered answer and vs `--server-filter off`
  3 jumps           `:ID` and `@TIME` in the browser, `list --around ID` and `list
                    --since T --until T2` (where the build has them), under the filter
                    backends of BENCH_DRF_MODES (default full,exact,none); the export
                    under exact too (no level__gte: its ids vs the full server's)
  4 server cost     requests, database ms, server ms and most requests in flight at the
                    server per user action, from the request log

What a build cannot do is reported ("not reached within N s", "not supported by this
build"), never waited for. BENCH_QUICK=1: one run of each, shorter timeouts (~2 min).
BENCH_DRF_PARTS=browser,cli,export,small runs only those; BENCH_DRF_DEBUG=1 prints each
action's requests and the screen of a goal not reached; BENCH_COMMIT names the commit of
a binary built elsewhere. A build's big-scan question is turned off (big_scan_pages = 0).
Whatever happens (an error, Ctrl-C, SIGTERM), the server and tmux are stopped on exit.
Exit status 1 when outputs differ, 2 when the run could not start.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
import browser  # noqa: E402  (its Tmux driver and screen parsers)

SERVER = os.path.join(HERE, "drf", "server.sh")
API = "/api/v1/oms/logs/action_log/"
TOKEN = "demo-token"
BIG, SMALL = 1000000, 20000
FILTER_Q = "level__gte=50&app_name=wms"
PAGE = 100  # what omslog asks for a page; the reference requests ask the same
JUMP_NEAR = 300000  # the id jumped to: the newest existing id at or below this
TIME_AT = "2026-11-10T12:00:00Z"  # the time jumped to (explicit Z: no zone question)
TIME_UNTIL = "2026-11-10T12:10:00Z"  # list --since TIME_AT --until this
QUICK = benchlib.quick()
RUNS = 1 if QUICK else 3
EXPORT_RUNS = 1 if QUICK else 3
CURL_RUNS = 3
GOAL_S = 6.0 if QUICK else 15.0  # count, G and jumps: "not reached" after this
START_S = 20.0
CLI_S = 20.0 if QUICK else 60.0
QUIET_S = 0.3  # an action's window closes when no request started for this long
QUIET_MAX_S = 3.0
PROMPT_S = 3.0
CURLS = 8
MS = 1000.0
TARGET_FIRST, TARGET_G = 1.5, 3.0
TARGET_EXPORT_FASTEST, TARGET_EXPORT_LOOP = 1.25, 3.0
# Filter backends the 10^6-row parts run under (full first: the references and the
# expectations come from it). exact: django-filter exact lookups only (no __gte, __in).
MODES = [m for m in os.environ.get("BENCH_DRF_MODES", "full,exact,none").split(",") if m]


# ---- the server ----

class Server:
    """bench/drf/server.sh with a request log; stop() is safe to call at any time."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.url = None
        self.log = None
        self.mode = None

    def start(self, mode, db):
        self.stop()
        self.log = os.path.join(self.tmp, "requests-%s-%s.log" % (mode, db))
        open(self.log, "w").close()
        env = dict(os.environ, OMS_FILTERS=mode, OMS_REQUEST_LOG=self.log)
        out = subprocess.run(["sh", SERVER, "start", db], env=env, stdout=subprocess.PIPE,
                             text=True, check=True).stdout
        self.url = re.search(r"^URL (\S+)", out, re.M).group(1)
        self.mode = mode
        get(self.url + API + "?page_size=1")  # every worker's first request is slow:
        for _ in range(8):                     # warm them (and the caches) alike
            get(self.url + API + "?" + FILTER_Q + "&page_size=%d" % PAGE)
        time.sleep(0.2)
        return self

    def stop(self):
        subprocess.run(["sh", SERVER, "stop"], stdout=subprocess.DEVNULL)
        self.url = None

    def mark(self):
        return time.time()

    def quiet(self):
        """Wait until no request has started for QUIET_S (at most QUIET_MAX_S)."""
        t0 = time.monotonic()
        size, changed = -1, time.monotonic()
        while time.monotonic() - t0 < QUIET_MAX_S:
            s = os.path.getsize(self.log)
            if s != size:
                size, changed = s, time.monotonic()
            elif time.monotonic() - changed >= QUIET_S:
                break
            time.sleep(0.02)
        return time.time()

    def cost(self, t0, t1=None, what=None):
        """The cost of the requests started from t0 until the server is quiet (or t1)."""
        t1 = t1 or self.quiet()
        reqs = self.requests(t0, t1)
        if what and os.environ.get("BENCH_DRF_DEBUG"):
            print("  %s: the server's requests (start, duration, db ms from the key press):"
                  % what)
            for r in reqs:
                print("    +%5.0f ms %5.0f ms db %5.0f  %s"
                      % ((r[0] - t0) * MS, (r[1] - r[0]) * MS, r[3], r[4]))
        return cost(reqs, t1 - t0)

    def requests(self, t0, t1):
        out = []
        with open(self.log) as f:
            for line in f:
                p = line.split(" ", 6)
                if len(p) == 7 and t0 <= float(p[0]) <= t1:
                    out.append((float(p[0]), float(p[1]), int(p[4]), float(p[5]), p[6].strip()))
        return out


def cost(reqs, window):
    """(requests, database ms, server ms, most in flight at once, window s)."""
    events = sorted([(r[0], 1) for r in reqs] + [(r[1], -1) for r in reqs],
                    key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, d in events:
        now += d
        most = max(most, now)
    return (len(reqs), sum(r[3] for r in reqs), sum((r[1] - r[0]) * MS for r in reqs), most,
            window)


def get(url):
    req = urllib.request.Request(url, headers={"Authorization": "Token " + TOKEN})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def curl_ms(url, runs=CURL_RUNS, all_times=False):
    """Median wall time of one curl process fetching url (process start included)."""
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(["curl", "-sSf", "-o", "/dev/null", "-H", "Authorization: Token " + TOKEN,
                        url], check=True)
        times.append((time.monotonic() - t0) * MS)
    return times if all_times else benchlib.median(times)


def references(base, ref):
    """One curl process per reference request, CURL_RUNS of each, into ref's lists."""
    api = base + API
    for name, query in (("filtered page 1", "%s&page_size=%d" % (FILTER_Q, PAGE)),
                        ("ordering=id", "%s&ordering=id&page_size=%d" % (FILTER_Q, PAGE)),
                        ("page=last", "%s&page=last&page_size=%d" % (FILTER_Q, PAGE)),
                        ("page 1", "page_size=%d" % PAGE)):
        ref.setdefault(name, []).extend(curl_ms(api + "?" + query, CURL_RUNS, True))


# ---- what the answers must be (asked of the full-filter server) ----

def expectations(base):
    api = base + API
    e = {}
    e["first"] = [r["id"] for r in get(api + "?page_size=%d" % PAGE)["results"]]
    e["wms"] = [r["id"] for r in get(api + "?app_name=wms&page_size=%d" % PAGE)["results"]]
    page = get(api + "?%s&page_size=%d" % (FILTER_Q, PAGE))
    e["matches"] = [r["id"] for r in page["results"]]
    e["count"] = page["count"]
    e["oldest"] = get(api + "?%s&ordering=id&page_size=1" % FILTER_Q)["results"][0]["id"]
    e["jump"] = get(api + "?id__lte=%d&page_size=1" % JUMP_NEAR)["results"][0]["id"]
    e["time"] = get(api + "?created_at__lte=%s&page_size=1" % TIME_AT)["results"][0]["id"]
    e["window"] = get(api + "?created_at__gte=%s&created_at__lte=%s&page_size=1"
                      % (TIME_AT, TIME_UNTIL))["count"]
    return e


# ---- 1 and 3: the browser ----

def count_shown(lines, n):
    """The exact count, as 14,483 or 14483, in the header or the status lines."""
    pat = re.compile(r"(?<![\d,.])(%s|%d)(?![\d,])" % (format(n, ","), n))
    return any(pat.search(line) for line in lines[:1] + lines[-2:])


class Browser:
    def __init__(self, omslog, tmp):
        self.omslog, self.tmp = omslog, tmp
        self.tmux = browser.Tmux(tmp)
        self.launches = 0
        self.scan_questions = 0
        self.want_level = None
        # A build that asks before a big client-side scan waits for the user there, which
        # is not what is measured: its question is turned off (0: never ask).
        with open(omslog, "rb") as f:
            self.config = b"big_scan_pages = 0\n" if b"big_scan_pages" in f.read() else b""

    def env(self, reuse=False):
        """A fresh home (no probe cache), or with reuse the last one: what that
        session remembered of the server (its verdicts, 24 h)."""
        if not reuse:
            self.launches += 1
        home = os.path.join(self.tmp, "home%d" % self.launches)
        os.makedirs(os.path.join(home, "omslog"), exist_ok=True)
        if self.config:
            path = os.path.join(home, "omslog", "config")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(self.config)
        return {"HOME": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home,
                "XDG_STATE_HOME": home, "OMSLOG_TOKEN": TOKEN, "TERM": "screen",
                "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

    def watch(self, preds, timeout):
        """Poll the screen until every predicate held once; {name: seconds or None}."""
        t0 = time.monotonic()
        got = {}
        while len(got) < len(preds) and time.monotonic() - t0 < timeout:
            lines = self.tmux.screen()
            now = time.monotonic() - t0
            for name, pred in preds.items():
                if name not in got and pred(lines):
                    got[name] = now
            if self.tmux.pane_dead():
                break
            self.answer_scan_question(lines)
        return {name: got.get(name) for name in preds}

    def filter_keys(self):
        """`a wms` Enter, then `5` as soon as the header shows the app filter (a few ms
        through tmux), so that no page loaded for the app filter alone is there to answer
        the level filter from memory. A build that asks before a big scan asks when the
        filter is applied: that question is answered y first."""
        t = self.tmux
        t.keys("a")
        t.literal("wms")
        t.keys("Enter")
        t0 = time.monotonic()
        while time.monotonic() - t0 < PROMPT_S:
            lines = t.screen()
            if "app=wms" in lines[0]:
                if "(y/n)" in lines[-1]:
                    self.scan_questions += 1
                    t.keys("y")
                break
        t.keys("5")

    def answer_scan_question(self, lines):
        """A build that asks before a big client-side scan ("scan N pages ...? (y/n)") is
        answered y at once, as the user who asked for the filter would; a level key that
        the question took as its answer is pressed again."""
        if not lines:
            return
        if "(y/n)" in lines[-1]:
            self.scan_questions += 1
            self.tmux.keys("y")
        elif not ("not scanned" in lines[-1] and self.want_level):
            return
        # The level key typed ahead may have been the answer (a no) to the app filter's
        # question: press it again (a few times at most).
        if self.want_level and "level>=" not in lines[0] and self.level_again < 3:
            self.level_again += 1
            self.tmux.keys(self.want_level)

    def has_key(self, key):
        """Whether the help screen (generated from the key table) lists key."""
        self.tmux.keys("?")
        got = self.watch({"help": lambda s: any(browser.HELP_MARK in line for line in s)},
                         PROMPT_S)
        lines = self.tmux.screen()
        self.tmux.keys("q")
        self.watch({"closed": lambda s: not any(browser.HELP_MARK in line for line in s)},
                   PROMPT_S)
        pat = re.compile(r"^\s+(\S+, )*%s(,|\s)" % re.escape(key))
        return got["help"] is not None and any(pat.match(line) for line in lines)

    def stage(self, what, preds):
        """An untimed step on the way: a note (and the screen with BENCH_DRF_DEBUG) when
        it does not arrive, the benchmark goes on."""
        got = self.watch(preds, GOAL_S)
        if None in got.values():
            print("  note: %s not on screen within %.0f s" % (what, GOAL_S))
            if os.environ.get("BENCH_DRF_DEBUG"):
                print("\n".join(self.tmux.screen()))

    def quit(self):
        for key in ("Escape", "q"):
            if not self.tmux.pane_dead():
                self.tmux.keys(key)
        try:
            self.tmux.wait_dead(2)
        except browser.Timeout:
            self.tmux.keys("C-c")
            try:
                self.tmux.wait_dead(3)
            except browser.Timeout:
                self.tmux.launch(["true"])  # respawn-pane -k ends it

    def run(self, srv, exp, skip):
        """One session: start, :id, @time, g, `a wms`, `5`, G. Returns {action: (s, cost)};
        s is None when not reached in time; actions in skip (not reached before) are
        not tried again."""
        out = {}
        t = self.tmux

        def act(name, press, preds, timeout=GOAL_S, main=None):
            t0 = srv.mark()
            press()
            got = self.watch(preds, timeout)
            if os.environ.get("BENCH_DRF_DEBUG"):
                print("  %s: %s" % (name, got))
            if None in got.values() and os.environ.get("BENCH_DRF_DEBUG"):
                print("  %s: not reached; the screen:\n%s" % (name, "\n".join(t.screen())))
            c = srv.cost(t0, what=name)
            for k, v in got.items():
                out[k] = (v, c if k == (main or name) else None)
            return got

        t0 = srv.mark()
        t.launch([self.omslog, "--url", srv.url], self.env(), os.path.join(self.tmp, "stderr"))
        first = exp["first"]
        rows = lambda s: browser.row_ids(s)  # noqa: E731
        got = self.watch({"first screen": lambda s: len(rows(s)) >= 10
                          and rows(s) == first[:len(rows(s))]}, START_S)
        out["first screen"] = (got["first screen"], srv.cost(t0, what="first screen"))
        if got["first screen"] is None:
            self.quit()
            return out
        visible = len(rows(t.screen()))

        def on(ids):
            return lambda s: rows(s)[:visible] == ids[:visible]

        if ":id jump" not in skip:
            act(":id jump", lambda: (t.keys(":"), t.literal(str(exp["jump"])), t.keys("Enter")),
                {":id jump": lambda s: browser.detail_id(s) == exp["jump"]})
        if "@ time jump" not in skip:
            if self.has_key("@"):
                act("@ time jump", lambda: (t.keys("@"), t.literal(TIME_AT), t.keys("Enter")),
                    {"@ time jump": lambda s: browser.detail_id(s) == exp["time"]})
            else:
                out["@ time jump"] = ("unsupported", None)
        t.keys("Escape")
        t.keys("g")
        self.stage("newest entries", {"top": on(first)})
        srv.quiet()
        n = exp["count"]
        preds = {"filter: first screen": on(exp["matches"])}
        if "filter: exact count" not in skip:
            preds["filter: exact count"] = lambda s: count_shown(s, n)
        # Typed in one go (a few ms through tmux), so that no page loaded for the app
        # filter alone is there to answer the level filter from memory.
        self.want_level, self.level_again = "5", 0
        act("filter: first screen", self.filter_keys, preds)
        self.want_level = None
        if "G oldest match" not in skip and out["filter: first screen"][0] is not None:
            act("G oldest match", lambda: t.keys("G"),
                {"G oldest match": lambda s: browser.detail_id(s) == exp["oldest"]})
        self.quit()
        self.run_remembered(srv, exp, skip, act, on, rows, out)
        return out

    def run_remembered(self, srv, exp, skip, act, on, rows, out):
        """The same filter in a second session of the same user: the verdicts the
        first one proved are remembered, so the server filters at once."""
        name = "filter (remembered): first screen"
        if name in skip:
            return
        t = self.tmux
        t.launch([self.omslog, "--url", srv.url], self.env(reuse=True),
                 os.path.join(self.tmp, "stderr"))
        self.stage("the second session's first screen",
                   {"top": lambda s: len(rows(s)) >= 10 and rows(s) == exp["first"][:len(rows(s))]})
        srv.quiet()
        preds = {name: on(exp["matches"]),
                 "filter (remembered): exact count": lambda s: count_shown(s, exp["count"])}
        self.want_level, self.level_again = "5", 0
        act(name, self.filter_keys, preds)
        self.want_level = None
        self.quit()

    def close(self):
        self.tmux.close()


# ---- 2 and 3: the command line ----

def omslog_env(tmp, tag):
    home = os.path.join(tmp, "cli-" + tag)
    os.makedirs(home, exist_ok=True)
    return dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home,
                XDG_STATE_HOME=home, OMSLOG_TOKEN=TOKEN)


def timed(argv, out_path, env=None, timeout=None):
    """Run argv with stdout to out_path; (seconds, rc), seconds None on timeout."""
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env,
                             start_new_session=True)
        try:
            _, err = p.communicate(timeout=timeout)
        except BaseException as e:  # the timeout, or Ctrl-C: its own session got no SIGINT
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            if not isinstance(e, subprocess.TimeoutExpired):
                raise
            return None, -1, b""
        return time.monotonic() - t0, p.returncode, err


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def curl_pages(base, query, count, tmp, tag):
    """Fetch the filtered pages 1..N with CURLS curl processes at once (each reusing its
    connection over its share of the pages); returns their entries."""
    pages = max(1, (count + PAGE - 1) // PAGE)
    d = os.path.join(tmp, "curl-" + tag)
    os.makedirs(d, exist_ok=True)
    procs = []
    for k in range(CURLS):
        argv = ["curl", "-sSf", "-H", "Authorization: Token " + TOKEN]
        for p in range(1 + k, pages + 1, CURLS):
            argv += ["-o", os.path.join(d, "p%d" % p),
                     "%s%s?%s&page_size=%d&page=%d" % (base, API, query, PAGE, p)]
        if len(argv) > 4:
            procs.append(subprocess.Popen(argv))
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("curl failed")
    entries = []
    for p in range(1, pages + 1):
        with open(os.path.join(d, "p%d" % p), encoding="utf-8") as f:
            entries += json.load(f)["results"]
    return entries


def cli_supports(omslog, flag):
    p = subprocess.run([omslog, "help", "list"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return flag in p.stdout


def list_argv(omslog, url, *args):
    return [omslog, "--url", url, "list"] + list(args) + ["--format", "jsonl"]


EXPORT_ARGS = ["--level", "critical", "--app", "wms", "--all"]


def export_bench(omslog, srv, exp, tmp, fig):
    """2 on oms_1000000: omslog, (a) requests, (b) 8 curls; medians, outputs compared."""
    first_url = "%s%s?%s&page_size=%d" % (srv.url, API, FILTER_Q, PAGE)
    times = {"omslog": [], "requests": [], "curl": []}
    ok = True
    for r in range(EXPORT_RUNS):
        out = os.path.join(tmp, "export-omslog.jsonl")
        t0 = srv.mark()
        s, rc, err = timed(list_argv(omslog, srv.url, *EXPORT_ARGS), out,
                           omslog_env(tmp, "export%d" % r), CLI_S * 3)
        fig.setdefault("cost export", []).append(srv.cost(t0))
        if s is None or rc != 0:
            print("  omslog list: %s" % ("timed out" if s is None else
                                         "exit %d: %s" % (rc, err.decode()[-300:])))
            return False
        times["omslog"].append(s)
        mine = jsonl(out)
        ref = os.path.join(tmp, "export-requests.jsonl")
        s, rc, err = timed(["/usr/bin/python3", os.path.join(HERE, "requests_export.py"),
                            first_url, TOKEN], ref, None, CLI_S * 5)
        if s is not None and rc == 0:
            times["requests"].append(s)
            theirs = jsonl(ref)
        else:
            theirs = None
            print("  (a) requests: %s" % ("timed out" if s is None else "exit %d" % rc))
        t0 = time.monotonic()
        curled = curl_pages(srv.url, FILTER_Q, exp["count"], tmp, "export")
        times["curl"].append(time.monotonic() - t0)
        key = lambda e: e["id"]  # noqa: E731
        ids = sorted(e["id"] for e in mine)
        same = [ids == sorted(e["id"] for e in curled)]
        if theirs is not None:
            same.append(ids == sorted(e["id"] for e in theirs)
                        and sorted(mine, key=key) == sorted(theirs, key=key))
        if not all(same) or len(ids) != exp["count"]:
            print("  MISMATCH: omslog %d entries, (a) %s, (b) %d; ids/objects equal: %s"
                  % (len(ids), len(theirs) if theirs is not None else "-", len(curled), same))
            ok = False
    fig["export"] = {k: benchlib.median(v) for k, v in times.items() if v}
    fig["export ids"] = ids if ok else None
    fig["export entries"] = exp["count"]
    fig["export identical"] = ok
    return ok


def export_exact(omslog, srv, exp, tmp, fig, want):
    """2 with exact-only filters (no level__gte): omslog's export timed, its ids equal to
    the full server's answer (want: the full mode's export ids)."""
    times, ok = [], True
    for r in range(EXPORT_RUNS):
        out = os.path.join(tmp, "export-exact.jsonl")
        t0 = srv.mark()
        s, rc, err = timed(list_argv(omslog, srv.url, *EXPORT_ARGS), out,
                           omslog_env(tmp, "export-exact%d" % r), CLI_S * 3)
        fig.setdefault("cost export", []).append(srv.cost(t0))
        if s is None or rc != 0:
            print("  omslog list (exact): %s" % ("timed out" if s is None else
                                                 "exit %d: %s" % (rc, err.decode()[-300:])))
            return False
        times.append(s)
        ids = sorted(e["id"] for e in jsonl(out))
        if want is not None and ids != want:
            print("  MISMATCH (exact): omslog %d entries, full server %d" % (len(ids), len(want)))
            ok = False
    fig["export"] = {"omslog": benchlib.median(times)}
    fig["export entries"] = exp["count"]
    fig["export identical"] = ok and want is not None
    return ok


def small_check(omslog, srv, mode, tmp, truth):
    """2 on oms_20000: omslog's filtered export, and with --server-filter off in none,
    equal to the full server's filtered answer (truth, filled from the full mode)."""
    res = {}
    for name, extra in (("auto", []), ("off", ["--server-filter", "off"])):
        if name == "off" and mode != "none":
            continue
        out = os.path.join(tmp, "small-%s-%s.jsonl" % (mode, name))
        s, rc, err = timed(list_argv(omslog, srv.url, *(EXPORT_ARGS + extra)), out,
                           omslog_env(tmp, "small-%s-%s" % (mode, name)), CLI_S * 3)
        if s is None or rc != 0:
            res[name] = (s, None)
            continue
        res[name] = (s, sorted(jsonl(out), key=lambda e: e["id"]))
    if mode == "full":
        url = "%s%s?%s&page_size=%d" % (srv.url, API, FILTER_Q, PAGE)
        out = os.path.join(tmp, "small-truth.jsonl")
        s, rc, _ = timed(["/usr/bin/python3", os.path.join(HERE, "requests_export.py"),
                          url, TOKEN], out, None, CLI_S * 3)
        truth.extend(sorted(jsonl(out), key=lambda e: e["id"]))
    return res


def cli_jumps(omslog, srv, exp, tmp, fig, support):
    """3 on the command line: list --around ID, list --since T --until T2."""
    tries = (("list --around", "--around", ["--around", str(exp["jump"])],
              lambda es: exp["jump"] in [e["id"] for e in es]),
             ("list --since/--until", "--since", ["--since", TIME_AT, "--until", TIME_UNTIL],
              lambda es: len(es) == exp["window"]))
    for name, flag, args, check in tries:
        if not support[flag]:
            fig[name] = ["unsupported"]
            continue
        runs = []
        for r in range(RUNS):
            out = os.path.join(tmp, "jump.jsonl")
            t0 = srv.mark()
            s, rc, err = timed(list_argv(omslog, srv.url, *args), out,
                               omslog_env(tmp, "jump-%s-%d" % (flag, r)), CLI_S)
            c = srv.cost(t0)
            if s is None:
                runs.append(("timeout", c))
                break
            good = rc == 0 and check(jsonl(out))
            runs.append((s if good else "wrong (exit %d)" % rc, c))
            if not good:
                print("  %s: exit %d, output %s: %s" % (name, rc, "checked" if rc == 0 else "-",
                                                        err.decode()[-200:].strip()))
                break
        fig[name] = runs


# ---- reporting ----

def fmt_s(v):
    if v == "unsupported":
        return "not supported by this build"
    if isinstance(v, str):
        return v
    return "%.0f ms" % (v * MS)


def summarize(runs, name):
    """Median time of the runs that reached the goal, or why none did; median cost."""
    vals = [r[name] for r in runs if name in r]
    if not vals:
        return "-", None
    times = [v[0] for v in vals]
    costs = [v[1] for v in vals if v[1] is not None]
    if "unsupported" in times:
        return "unsupported", None
    good = [x for x in times if isinstance(x, float)]
    c = tuple(benchlib.median([c[i] for c in costs]) for i in range(5)) if costs else None
    if len(good) < len(times):
        return "not reached within %.0f s" % GOAL_S, c
    return benchlib.median(good), c


def cost_text(c):
    if c is None:
        return "-"
    return "%d req, db %.0f ms, server %.0f ms, %d in flight (%.1f s)" % c


def git_commit(path):
    d = os.path.dirname(os.path.realpath(path))
    p = subprocess.run(["git", "-C", d, "describe", "--always", "--dirty", "--abbrev=7"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip() or "unknown"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    omslog = os.environ.get("OMSLOG_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not omslog or not os.access(omslog, os.X_OK):
        print("usage: bench/drf_bench.py path/to/omslog (or OMSLOG_BIN)", file=sys.stderr)
        return 2
    omslog = os.path.abspath(omslog)
    if os.geteuid() != 0:
        print("drf_bench: run as root (PostgreSQL runs as postgres via runuser)",
              file=sys.stderr)
        return 2
    status = subprocess.run(["sh", SERVER, "status"], stdout=subprocess.PIPE, text=True).stdout
    if "web: http" in status:
        print("drf_bench: the reference server is already running (another run?); "
              "stop it first: sh bench/drf/server.sh stop", file=sys.stderr)
        return 2

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    tmp = tempfile.mkdtemp(prefix="omslog-drf-bench.")
    srv = Server(tmp)
    br = None
    try:
        br = Browser(omslog, tmp)
        return bench(omslog, srv, br, tmp)
    finally:
        if br:
            br.close()
        srv.stop()
        subprocess.run(["rm", "-rf", tmp])


def bench(omslog, srv, br, tmp):
    started = time.monotonic()
    version = subprocess.run([omslog, "--version"], stdout=subprocess.PIPE,
                             text=True).stdout.strip()
    print("omslog against the reference DRF server, %s%s"
          % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
             " (BENCH_QUICK: smoke run)" if QUICK else ""))
    print("binary: %s (%s, commit %s)" % (omslog, version, os.environ.get("BENCH_COMMIT")
                                          or git_commit(omslog)))
    print("machine: %s; load average at start %s" % (benchlib.machine(), loadavg()))
    for n in (BIG, SMALL):
        subprocess.run(["sh", SERVER, "build", str(n)], check=True, stdout=subprocess.DEVNULL)
    support = {f: cli_supports(omslog, f) for f in ("--around", "--since")}
    fig = {m: {} for m in MODES}
    ok = True
    ref = {}
    exp = None
    for mode in MODES:
        srv.start(mode, "oms_%d" % BIG)
        f = fig[mode]
        if mode == "full":
            exp = expectations(srv.url)
            print("%d entries; %d match %s; oldest match %d; jump to id %d; %s -> id %d"
                  % (BIG, exp["count"], FILTER_Q, exp["oldest"], exp["jump"], TIME_AT,
                     exp["time"]))
        runs, skip = [], set()
        asked = br.scan_questions
        for r in range(RUNS if part("browser") else 0):
            got = br.run(srv, exp, skip)
            runs.append(got)
            if mode == "full":  # the references between the runs: the same load on both
                references(srv.url, ref)
            # Not reached once: not waited for again (the build cannot do it).
            skip |= {k for k, v in got.items() if v[0] is None or v[0] == "unsupported"}
        f["browser"] = runs
        f["scan questions"] = br.scan_questions - asked
        if part("cli"):
            cli_jumps(omslog, srv, exp, tmp, f, support)
        if mode == "full" and part("export"):
            ok &= export_bench(omslog, srv, exp, tmp, f)
        elif mode == "exact" and part("export"):
            ok &= export_exact(omslog, srv, exp, tmp, f, fig["full"].get("export ids"))
        print("  %s: done (%.0f s so far)" % (mode, time.monotonic() - started))
    if not ref.get("page 1"):
        srv.start("full", "oms_%d" % BIG)
        references(srv.url, ref)
    ref = {k: benchlib.median(v) for k, v in ref.items()}
    small, truth = {}, []
    for mode in ("full", "exact", "none") if part("small") else ():
        srv.start(mode, "oms_%d" % SMALL)
        small[mode] = small_check(omslog, srv, mode, tmp, truth)
    srv.stop()
    ok &= report(fig, ref, exp, small, truth, br.config)
    print("load average at the end %s; %.0f s in all" % (loadavg(), time.monotonic() - started))
    return 0 if ok else 1


def part(name):
    """BENCH_DRF_PARTS=browser,cli,export,small runs only those (for working on one)."""
    parts = os.environ.get("BENCH_DRF_PARTS")
    return not parts or name in parts.split(",")


def report(fig, ref, exp, small, truth, br_config):
    print()
    costs = report_views(fig, ref, br_config)
    print()
    report_export(fig)
    ok = report_small(small, truth)
    print()
    report_costs(fig, costs)
    return ok


def report_views(fig, ref, br_config):
    """1 and 3: the browser's and the command line's times; returns their cost rows."""
    print("reference requests (one curl process each, %d after each browser run, medians; "
          "%d a page): filtered page 1 %.0f ms, ordering=id %.0f ms, page=last %.0f ms, "
          "unfiltered page 1 %.0f ms"
          % (CURL_RUNS, PAGE, ref["filtered page 1"], ref["ordering=id"], ref["page=last"],
             ref["page 1"]))
    actions = ["first screen", ":id jump", "@ time jump", "filter: first screen",
               "filter: exact count", "G oldest match", "filter (remembered): first screen",
               "filter (remembered): exact count"]
    rows = []
    costs = []
    for name in actions:
        row = [name]
        for mode in MODES:
            v, c = summarize(fig[mode]["browser"], name)
            text = fmt_s(v)
            if mode == "full" and isinstance(v, float):
                base = {"filter: first screen": ref["filtered page 1"],
                        "filter: exact count": ref["filtered page 1"],
                        "filter (remembered): first screen": ref["filtered page 1"],
                        "filter (remembered): exact count": ref["filtered page 1"],
                        "G oldest match": ref["ordering=id"],
                        "first screen": ref["page 1"]}.get(name)
                if base:
                    text += " (%.2fx)" % (v * MS / base)
            row.append(text)
            if c is not None:
                costs.append([name + " (browser)", mode, cost_text(c)])
        rows.append(row)
    for name in ("list --around", "list --since/--until"):
        row = [name]
        for mode in MODES:
            runs = fig[mode].get(name, [])
            if runs == ["unsupported"]:
                row.append(fmt_s("unsupported"))
                continue
            good = [s for s, _ in runs if isinstance(s, float)]
            bad = [s for s, _ in runs if not isinstance(s, float)]
            row.append(fmt_s(benchlib.median(good)) if good and not bad
                       else ("not reached within %.0f s" % CLI_S if "timeout" in bad
                             else (bad[0] if bad else "-")))
            cs = [c for _, c in runs]
            if cs:
                costs.append([name, mode, cost_text(tuple(
                    benchlib.median([c[i] for c in cs]) for i in range(5)))])
        rows.append(row)
    print("1, 3. browser (160x50, tmux) and command line: median of %d runs; (x) = ratio to "
          "the matching curl" % RUNS)
    benchlib.table(["action"] + ["filters: %s" % m for m in MODES], rows)
    asked = [(m, fig[m].get("scan questions", 0)) for m in MODES]
    if br_config:
        print("(this build asks before a big client-side scan: turned off for the browser, "
              "big_scan_pages = 0)")
    if any(n for _, n in asked):
        print("the browser asked before a big client-side scan (answered y at once): %s"
              % ", ".join("%d times with filters %s" % (n, m) for m, n in asked))
    r = ratio(fig, "filter: first screen", ref["filtered page 1"])
    rr = ratio(fig, "filter (remembered): first screen", ref["filtered page 1"])
    g = ratio(fig, "G oldest match", ref["ordering=id"])
    print("targets: filtered first screen <= %.1fx one curl: first session %s, verdicts "
          "remembered %s; G <= %.1fx one request: %s; exact count on screen: %s"
          % (TARGET_FIRST, verdict(r, TARGET_FIRST), verdict(rr, TARGET_FIRST), TARGET_G,
             verdict(g, TARGET_G),
             "yes" if isinstance(summarize(fig["full"]["browser"], "filter: exact count")[0],
                                 float) else "no"))
    return costs


def report_export(fig):
    e = fig["full"].get("export")
    if e:
        print("2. export `list --level critical --app wms --all --format jsonl`, %d entries, "
              "filters full, median of %d" % (fig["full"]["export entries"], EXPORT_RUNS))
        rows = [["omslog", "%.2f s" % e["omslog"], "1.00x"]]
        if "requests" in e:
            rows.append(["(a) requests loop, same parameters, following next",
                         "%.2f s" % e["requests"], "%.2fx" % (e["requests"] / e["omslog"])])
        rows.append(["(b) %d parallel curls over the same pages" % CURLS,
                     "%.2f s" % e["curl"], "%.2fx" % (e["curl"] / e["omslog"])])
        benchlib.table(["method", "median", "time vs omslog"], rows)
        fast = e["omslog"] / e["curl"]
        print("targets: within %.2fx of (b): %.2fx %s; never slower than (a): %s; >= %.0fx "
              "faster than (a): %s; outputs %s"
              % (TARGET_EXPORT_FASTEST, fast, verdict(fast, TARGET_EXPORT_FASTEST),
                 verdict(e["omslog"] / e["requests"], 1.0) if "requests" in e else "-",
                 TARGET_EXPORT_LOOP,
                 verdict(e["omslog"] / e["requests"], 1 / TARGET_EXPORT_LOOP)
                 if "requests" in e else "-",
                 "identical (ids and objects)" if fig["full"]["export identical"]
                 else "DIFFER"))
        ex = fig.get("exact", {}).get("export")
        if ex:
            print("   filters exact (level__gte ignored): omslog %.2f s (%.2fx the full server's "
                  "export), output %s" % (ex["omslog"], ex["omslog"] / e["omslog"],
                                          "identical to the full server's"
                                          if fig["exact"]["export identical"] else "DIFFERS"))


def report_small(small, truth):
    """2 on the small database: every output equal to the full server's answer."""
    ok = True
    want = [t["id"] for t in truth]
    parts = []
    for mode in ("full", "exact", "none") if small else ():
        for name, (s, got) in sorted(small[mode].items()):
            if got is None:
                parts.append("%s/%s: FAILED" % (mode, name))
                ok = False
                continue
            same = [g["id"] for g in got] == want and got == truth
            ok &= same
            parts.append("%s%s %s (%.1f s)" % (mode, "" if name == "auto" else " --server-filter "
                                               + name, "identical" if same else "DIFFER", s))
    if small:
        print("   %d entries (oms_%d) vs the full server's filtered answer (%d matches): %s"
              % (SMALL, SMALL, len(want), "; ".join(parts)))
    return ok


def report_costs(fig, costs):
    print("4. server cost per user action, medians: requests started from the key press "
          "(or the command's start) until the goal, or the time-out, and %.1f s without a new "
          "request; their database time, server time, the most in the server's hands at "
          "once, and (the window's length)" % QUIET_S)
    for mode in ("full", "exact"):
        ex = fig.get(mode, {}).get("cost export")
        if ex:
            costs.append(["export (list --all)", mode, cost_text(
                tuple(benchlib.median([c[i] for c in ex]) for i in range(5)))])
    benchlib.table(["action", "filters", "cost"], costs)


def ratio(fig, name, base_ms):
    v, _ = summarize(fig["full"]["browser"], name)
    return v * MS / base_ms if isinstance(v, float) else None


def verdict(r, target):
    if r is None:
        return "not reached"
    return "met" if r <= target else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
