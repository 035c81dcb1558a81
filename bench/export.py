#!/usr/bin/env python3
"""export.py: benchmark 1, bulk export, omslog against what a user would write instead.

    python3 bench/export.py path/to/omslog [--runs N] [--count N] [--delay S] [--compare OLD]
                                           [--workers N] [--no-cache]

The reference server is the mock DRF API (tests/mock_oms.py, with its
--workers and --stats): 20,000 entries, 20 ms added to every request to model the
network between a user and the API. It models a production deployment in which
the server is not the bottleneck: a real DRF deployment runs several worker
processes (gunicorn -w N) on machines of its own, and network latency occupies
no server CPU. So by default it runs as SERVER_WORKERS (4) worker processes,
each connection handed to the worker with the fewest, and with every entry's
content generated once before the rounds start (--cache: the pages are still
built, rendered, gzipped and sent per request; content is a pure function of
the seed and the id, so every client gets the same bytes as without it; it
spares the server work that a real one would not do on the client's machine,
and it is the same for every client). This machine has 2 cores, which the
server's processes share with the client under test: the table shows the
server's CPU per request beside the client's. --workers 1 --no-cache is the one
Python process of earlier figures, where 4 concurrent requests queue behind one
interpreter lock (3.6x).

Like DRF's default PageNumberPagination the server ignores a page_size
parameter (10 a page, "the server's default page size" of the target); one
variant switches page_size on at run time (a POST /__control__ reaches every
worker). Rounds of:

  omslog            omslog list --all --format jsonl (defaults: --parallel 4, asks for
                    page_size=100, which this server ignores: pages of 10)
  omslog ps honoured  the same, the server honouring page_size (pages of 100)
  omslog gzip       the same as the first, the server gzipping bodies
  omslog par=8      the same as the first with --parallel 8
  omslog OLD        --compare: another omslog binary, as the first (before/after)
  (a) requests      bench/requests_export.py: requests.Session following `next`
  (b) curl loop     bench/curl_export.sh: one curl process per ?page=i

Each run's TCP connections (accepted, over all workers), API requests (the
server's request log), requests in flight at the server, the server's CPU
(its connection threads' CPU time) and the client's CPU (the run's process tree,
from getrusage) are counted. Outputs are checked: the same ids in the same order
everywhere, and omslog's objects equal to (a)'s. Medians of the rounds and
ratios to omslog's median are printed. Exit status 1 when an output differs.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

DEFAULT_COUNT = 20000
QUICK_COUNT = 1000
DEFAULT_DELAY_S = 0.02
DEFAULT_RUNS = 3
ASKED_PAGE = 100  # omslog's default page_size ask (CONFIG_DEFAULT_PAGE_SIZE)
DEFAULT_PARALLEL = 4
WIDE_PARALLEL = 8
# Worker processes of the reference server (see the docstring): as many as
# omslog's default parallelism, so that each of its connections has one.
SERVER_WORKERS = 4
TARGET_RATIO = 4.0
EXIT_SKIP = 3  # requests_export.py: requests not installed
MS = 1000.0


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_pages(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                entries.extend(json.loads(line)["results"])
    return entries


class Method:
    def __init__(self, name, argv, reader, env=None, before=None, after=None, slots=1):
        self.name, self.argv, self.reader, self.env = name, argv, reader, env
        self.before, self.after, self.slots = before, after, slots
        self.times, self.conns, self.reqs = [], [], []
        self.mean_inflight, self.max_inflight, self.server_ms = [], [], []
        self.server_cpu_ms, self.client_cpu_ms, self.turn_ms = [], [], []
        self.skipped, self.output = None, None

    def slot_ms(self):
        """Median time per request per slot: what one slot spends on a request."""
        return benchlib.median([t * self.slots / r * MS
                                for t, r in zip(self.times, self.reqs) if r])


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def children_cpu_s():
    """CPU time of every child process waited for so far: the method's process and
    its own children (the curl loop's curls). The server, a child too, is only
    waited for at the end."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(m, mock, out_path, log_path):
    if m.before:
        m.before()
    s0, r0 = mock.state(), count_lines(log_path)
    with open(out_path, "wb") as out:
        c0, t0 = children_cpu_s(), time.monotonic()
        p = subprocess.run(m.argv, stdout=out, stderr=subprocess.PIPE, env=m.env)
        elapsed, cpu = time.monotonic() - t0, children_cpu_s() - c0
    s1, r1 = mock.state(), count_lines(log_path)
    if m.after:
        m.after()
    if p.returncode == EXIT_SKIP and m.name.startswith("(a)"):
        m.skipped = "python3-requests not installed (apt-get install python3-requests)"
        return
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (m.name, p.returncode,
                                                   p.stderr.decode(errors="replace")[-500:]))
    reqs = r1 - r0
    m.times.append(elapsed)
    m.reqs.append(reqs)
    m.output = out_path
    # Each /__control__ query is a connection of its own: s0's is counted by s1.
    m.conns.append(s1["connections"] - s0["connections"] - 1)
    f0, f1 = s0["inflight"], s1["inflight"]
    area, busy = f1["area_s"] - f0["area_s"], f1["busy_s"] - f0["busy_s"]
    served = f1["served"] - f0["served"]
    m.mean_inflight.append(area / busy if busy > 0 else 0.0)
    m.max_inflight.append(f1["max"])
    m.server_ms.append(area / served * MS if served else 0.0)
    # s0's own /__control__ request is in s1's CPU figure: a fraction of one request.
    m.server_cpu_ms.append((s1["cpu_s"] - s0["cpu_s"]) / served * MS if served else 0.0)
    m.client_cpu_ms.append(cpu / reqs * MS if reqs else 0.0)
    t0, t1 = s0["turnaround"], s1["turnaround"]
    turns = t1["n"] - t0["n"]
    m.turn_ms.append((t1["sum_s"] - t0["sum_s"]) / turns * MS if turns else float("nan"))


def accept_encoding_of_last_request(log_path):
    last = None
    with open(log_path, encoding="utf-8") as f:
        for line in f:
            last = line
    if not last:
        return ""
    return json.loads(last)["headers"].get("Accept-Encoding", "")


def page_bytes(url, token, compressed):
    """Bytes on the wire for one page, with and without Accept-Encoding: gzip."""
    req = urllib.request.Request(url, headers={"Authorization": "Token " + token})
    if compressed:
        req.add_header("Accept-Encoding", "gzip")
    with urllib.request.urlopen(req, timeout=30) as r:
        return len(r.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("omslog")
    ap.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    ap.add_argument("--count", type=int,
                    default=QUICK_COUNT if benchlib.quick() else DEFAULT_COUNT)
    ap.add_argument("--delay", type=float, default=DEFAULT_DELAY_S)
    ap.add_argument("--compare", metavar="OLD",
                    help="another omslog binary to run beside (e.g. the previous build)")
    ap.add_argument("--workers", type=int, default=SERVER_WORKERS,
                    help="server worker processes (default %(default)s; 1: one process)")
    ap.add_argument("--no-cache", action="store_true",
                    help="the server generates every entry anew for each request")
    args = ap.parse_args()
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    omslog = os.path.abspath(args.omslog)

    tmp = tempfile.mkdtemp(prefix="omslog-bench-export-")
    log_path = os.path.join(tmp, "requests.log")
    mock = None
    try:
        mock = benchlib.Mock(count=args.count, delay=args.delay, log_file=log_path,
                             workers=args.workers, cache=not args.no_cache)
        return bench(args, omslog, tmp, log_path, mock)
    finally:
        if mock:
            mock.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def bench(args, omslog, tmp, log_path, mock):
    # A HOME of our own: no user configuration changes what is measured.
    env = dict(os.environ, OMSLOG_TOKEN=mock.token, NO_COLOR="1", HOME=tmp,
               XDG_CONFIG_HOME=tmp)
    for name in ("OMSLOG_CONFIG", "OMSLOG_URL", "OMSLOG_TOKEN_FILE"):
        env.pop(name, None)
    base = [omslog, "--url", mock.url]
    listing = ["list", "--all", "--format", "jsonl"]
    gzip_state = {}

    def gzip_on():
        mock.control(gzip=True)

    def gzip_off():
        gzip_state["accept"] = accept_encoding_of_last_request(log_path)
        mock.control(gzip=False)

    def honour_on():
        mock.control(page_size_param="page_size")

    def honour_off():
        mock.control(page_size_param="")

    here = os.path.dirname(os.path.abspath(__file__))
    omslog_default = Method("omslog", base + listing, read_jsonl, env, slots=DEFAULT_PARALLEL)
    big = Method("omslog, server honours page_size", base + listing, read_jsonl, env,
                 honour_on, honour_off, slots=DEFAULT_PARALLEL)
    gz = Method("omslog, gzip bodies", base + listing, read_jsonl, env, gzip_on, gzip_off,
                slots=DEFAULT_PARALLEL)
    wide = Method("omslog --parallel %d" % WIDE_PARALLEL,
                  base + ["--parallel", str(WIDE_PARALLEL)] + listing, read_jsonl, env,
                  slots=WIDE_PARALLEL)
    a = Method("(a) python requests", [sys.executable, os.path.join(here, "requests_export.py"),
                                       mock.api, mock.token], read_jsonl)
    b = Method("(b) curl shell loop", ["sh", os.path.join(here, "curl_export.sh"), mock.api,
                                       mock.token], read_pages)
    methods = [omslog_default, big, gz, wide]
    old = None
    if args.compare:
        old = Method("omslog --compare binary", [os.path.abspath(args.compare), "--url", mock.url]
                     + listing, read_jsonl, env, slots=DEFAULT_PARALLEL)
        methods.append(old)
    methods += [a, b]
    if not shutil.which("curl"):
        b.skipped = "curl not installed"

    print("benchmark 1: export of %d entries, server delay %.0f ms per request, %d rounds"
          % (args.count, args.delay * MS, args.runs))
    print("server: %s, %s" % (
        "%d worker processes" % args.workers if args.workers > 1 else
        "ONE process (concurrent requests share its interpreter lock)",
        "entries generated once" if not args.no_cache else "entries generated per request"))
    print("machine: " + benchlib.machine())
    sys.stdout.flush()
    for r in range(args.runs):
        # Round-robin, so that a noisy minute hits every method alike.
        for i, m in enumerate(methods):
            if not m.skipped:
                run_once(m, mock, os.path.join(tmp, "out%d.txt" % i), log_path)
        print("  round %d: %s" % (r + 1, ", ".join("%s %.2fs" % (m.name, m.times[-1])
                                                   for m in methods if not m.skipped)))
        sys.stdout.flush()

    ok = check_outputs(args, methods)
    t0 = benchlib.median(omslog_default.times)
    rows = []
    for m in methods:
        if m.skipped:
            rows.append([m.name, "skipped: " + m.skipped] + [""] * 10)
            continue
        t = benchlib.median(m.times)
        rows.append([m.name, "%.2f s" % t, "%.0f" % (args.count / t), "%.2fx" % (t / t0),
                     "%d" % benchlib.median(m.reqs), "/".join(str(c) for c in m.conns),
                     "%.2f (%d)" % (benchlib.median(m.mean_inflight), max(m.max_inflight)),
                     "%.1f" % benchlib.median(m.server_ms),
                     "%.2f" % benchlib.median(m.server_cpu_ms),
                     "%.2f" % benchlib.median(m.client_cpu_ms), turn_text(m),
                     "%.1f" % m.slot_ms()])
    print()
    benchlib.table(["method", "median", "entries/s", "time vs omslog", "requests",
                    "connections per run", "in flight (max)", "server ms/req",
                    "server CPU ms/req", "client CPU ms/req", "client turn ms",
                    "slot ms/req"], rows)
    print("  in flight: mean requests the server had in hand while busy (most at once);")
    print("  server ms/req: its time per request, from reading it to having the reply ready;")
    print("  server CPU: its threads' CPU per request (parse, answer, send); client CPU: the")
    print("  method's processes' CPU per request; client turn: on a kept-alive connection,")
    print("  from the server writing a reply to reading the next request (the client's")
    print("  turn, loopback included); slot ms/req: run time x slots / requests")
    print()
    if not a.skipped:
        print("where a slot's time per request goes (medians, ms): in the server's handler "
              "(the %.0f ms delay and the answer) + the client's turn + the rest (the server "
              "reading the request and writing the reply)" % (args.delay * MS))
        for m in (omslog_default, a):
            server, turn = benchlib.median(m.server_ms), benchlib.median(m.turn_ms)
            print("  %-22s %.2f = %.2f + %.2f + %.2f; CPU per request: client %.2f, server %.2f"
                  % (m.name, m.slot_ms(), server, turn, m.slot_ms() - server - turn,
                     benchlib.median(m.client_cpu_ms), benchlib.median(m.server_cpu_ms)))
        print()
    if a.skipped:
        print("skipped: (a) python requests: " + a.skipped)
    else:
        ta = benchlib.median(a.times)
        ratio = ta / t0
        print("omslog is %.2fx faster than (a) python requests at the server's default page "
              "size (target >= %.0fx: %s)"
              % (ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "MISSED"))
        print("  bound at --parallel %d: %d x (a)'s %.1f ms per request / omslog's %.1f ms per "
              "slot and request = %.2fx"
              % (DEFAULT_PARALLEL, DEFAULT_PARALLEL, a.slot_ms(), omslog_default.slot_ms(),
                 DEFAULT_PARALLEL * a.slot_ms() / omslog_default.slot_ms()))
        print("  server honouring page_size (omslog asks %d a page): %.1fx; gzip: %.1fx; "
              "--parallel %d: %.1fx" % (ASKED_PAGE, ta / benchlib.median(big.times),
                                        ta / benchlib.median(gz.times), WIDE_PARALLEL,
                                        ta / benchlib.median(wide.times)))
        if old:
            print("  --compare binary: %.2fx (this build is %.2fx as fast)"
                  % (ta / benchlib.median(old.times), benchlib.median(old.times) / t0))
    if not b.skipped:
        print("omslog is %.1fx faster than (b) curl in a shell loop"
              % (benchlib.median(b.times) / t0))
    first = mock.api + "?page=2"
    plain = page_bytes(first, mock.token, False)
    mock.control(gzip=True)
    try:
        packed = page_bytes(first, mock.token, True)
    finally:
        mock.control(gzip=False)
    print("gzip: omslog sent Accept-Encoding: %s; a page is %d bytes plain, %d gzipped "
          "(%.1fx less); on loopback gzip %s"
          % (gzip_state.get("accept") or "(none)", plain, packed, plain / packed,
             "saves time" if benchlib.median(gz.times) < t0 else "costs the server CPU time"))
    for m in (omslog_default, big, gz, wide):
        reuse = all(c == m.slots for c in m.conns)
        print("connections: %s opened %s for %d requests with %d slots (%s)"
              % (m.name, "/".join(str(c) for c in m.conns), benchlib.median(m.reqs), m.slots,
                 "one per slot" if reuse else "NOT one per slot"))
    if not b.skipped:
        print("  (b) opened %s: one per request" % "/".join(str(c) for c in b.conns))
    return 0 if ok else 1


def turn_text(m):
    turns = [t for t in m.turn_ms if t == t]  # NaN: no kept-alive connection
    return "%.2f" % benchlib.median(turns) if turns else "-"


def check_outputs(args, methods):
    """The same ids in the same order everywhere; the same objects where jsonl."""
    ok = True
    ref = methods[0].reader(methods[0].output)
    ref_ids = [e["id"] for e in ref]
    if len(ref_ids) != args.count or len(set(ref_ids)) != len(ref_ids):
        print("MISMATCH: omslog wrote %d entries (%d distinct), expected %d"
              % (len(ref_ids), len(set(ref_ids)), args.count))
        ok = False
    for m in methods[1:]:
        if m.skipped:
            continue
        got = m.reader(m.output)
        same_ids = [e["id"] for e in got] == ref_ids
        same_objects = got == ref
        if not same_ids or not same_objects:
            print("MISMATCH: %s differs from omslog (ids %s, objects %s)"
                  % (m.name, "same" if same_ids else "differ",
                     "same" if same_objects else "differ"))
            ok = False
    if ok:
        print("outputs: identical (%d entries; same ids in the same order and equal objects "
              "for every method)" % len(ref_ids))
    return ok


if __name__ == "__main__":
    sys.exit(main())
