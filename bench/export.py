#!/usr/bin/env python3
"""export.py: benchmark 1, bulk export, omslog against what a user would write instead.

    python3 bench/export.py path/to/omslog [--runs N] [--count N] [--delay S] [--compare OLD]
                                           [--workers N]

One mock server (20,000 entries, 20 ms per request to model a network). Like
DRF's default PageNumberPagination it ignores a page_size parameter (10 a page,
"the server's default page size" of the target); one variant switches page_size
on at run time. Rounds of:

  omslog            omslog list --all --format jsonl (defaults: --parallel 4, asks for
                    page_size=100, which this server ignores: pages of 10)
  omslog ps honoured  the same, the server honouring page_size (pages of 100)
  omslog gzip       the same as the first, the server gzipping bodies
  omslog par=8      the same as the first with --parallel 8
  omslog OLD        --compare: another omslog binary, as the first (before/after)
  (a) requests      bench/requests_export.py: requests.Session following `next`
  (b) curl loop     bench/curl_export.sh: one curl process per ?page=i

--workers N (a diagnostic of what limits the ratio, not the benchmark): N mock
processes share the port (SO_REUSEPORT), so concurrent requests do not queue
behind one Python interpreter lock; only omslog (and --compare) and (a) run,
and the per-process counters (connections, in flight) are not shown.

Each run's TCP connections (the mock's accepted count), API requests (the
mock's request log) and requests in flight at the server (bench/mock_server.py)
are counted. Outputs are checked: the same ids in the same order everywhere, and
omslog's objects equal to (a)'s. Medians of the rounds and ratios to omslog's
median are printed. Exit status 1 when an output differs.
"""
import argparse
import json
import os
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
TARGET_RATIO = 4.0
EXIT_SKIP = 3  # requests_export.py: requests not installed


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
        self.skipped, self.output = None, None

    def slot_ms(self):
        """Median time per request per slot: what one slot spends on a request."""
        return benchlib.median([t * self.slots / r * 1000
                                for t, r in zip(self.times, self.reqs) if r])


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def run_once(m, mock, out_path, log_path, counters=True):
    """counters: read the mock's connection and in-flight counters (one process)."""
    if m.before:
        m.before()
    s0, r0 = mock.state() if counters else None, count_lines(log_path)
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.run(m.argv, stdout=out, stderr=subprocess.PIPE, env=m.env)
        elapsed = time.monotonic() - t0
    s1, r1 = mock.state() if counters else None, count_lines(log_path)
    if m.after:
        m.after()
    if p.returncode == EXIT_SKIP and m.name.startswith("(a)"):
        m.skipped = "python3-requests not installed (apt-get install python3-requests)"
        return
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (m.name, p.returncode,
                                                   p.stderr.decode(errors="replace")[-500:]))
    m.times.append(elapsed)
    m.reqs.append(r1 - r0)
    m.output = out_path
    if not counters:
        return
    # Each /__control__ query is a connection of its own: s0's is counted by s1.
    m.conns.append(s1["connections"] - s0["connections"] - 1)
    f0, f1 = s0["inflight"], s1["inflight"]
    area, busy = f1["area_s"] - f0["area_s"], f1["busy_s"] - f0["busy_s"]
    served = f1["served"] - f0["served"]
    m.mean_inflight.append(area / busy if busy > 0 else 0.0)
    m.max_inflight.append(f1["max"])
    m.server_ms.append(area / served * 1000 if served else 0.0)


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
    ap.add_argument("--workers", type=int, default=1,
                    help="diagnostic: N mock processes on one port (see above)")
    args = ap.parse_args()
    omslog = os.path.abspath(args.omslog)

    tmp = tempfile.mkdtemp(prefix="omslog-bench-export-")
    log_path = os.path.join(tmp, "requests.log")
    options = dict(count=args.count, delay=args.delay, log_file=log_path)
    if args.workers > 1:
        options["reuse_port"] = True
    mocks = [benchlib.Mock(**options)]
    try:
        for _ in range(args.workers - 1):
            mocks.append(benchlib.Mock(port=mocks[0].port, **options))
        return bench(args, omslog, tmp, log_path, mocks[0])
    finally:
        for m in mocks:
            m.stop()
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
    counters = args.workers <= 1
    # Several workers: the switches of one process would not reach the others.
    variants = [big, gz, wide] if counters else []
    methods = [omslog_default] + variants
    old = None
    if args.compare:
        old = Method("omslog --compare binary", [os.path.abspath(args.compare), "--url", mock.url]
                     + listing, read_jsonl, env, slots=DEFAULT_PARALLEL)
        methods.append(old)
    methods += [a, b] if counters else [a]
    if not shutil.which("curl"):
        b.skipped = "curl not installed"

    print("benchmark 1: export of %d entries, server delay %.0f ms per request, %d rounds%s"
          % (args.count, args.delay * 1000, args.runs,
             "" if counters else "; DIAGNOSTIC: %d mock processes" % args.workers))
    print("machine: " + benchlib.machine())
    sys.stdout.flush()
    for r in range(args.runs):
        # Round-robin, so that a noisy minute hits every method alike.
        for i, m in enumerate(methods):
            if not m.skipped:
                run_once(m, mock, os.path.join(tmp, "out%d.txt" % i), log_path, counters)
        print("  round %d: %s" % (r + 1, ", ".join("%s %.2fs" % (m.name, m.times[-1])
                                                   for m in methods if not m.skipped)))
        sys.stdout.flush()

    ok = check_outputs(args, methods)
    t0 = benchlib.median(omslog_default.times)
    rows = []
    for m in methods:
        if m.skipped:
            rows.append([m.name, "skipped: " + m.skipped] + [""] * 7)
            continue
        t = benchlib.median(m.times)
        row = [m.name, "%.2f s" % t, "%.0f" % (args.count / t), "%.2fx" % (t / t0),
               "%d" % benchlib.median(m.reqs), "-", "-", "-", "%.1f" % m.slot_ms()]
        if counters:
            row[5:8] = ["/".join(str(c) for c in m.conns),
                        "%.2f (%d)" % (benchlib.median(m.mean_inflight), max(m.max_inflight)),
                        "%.1f" % benchlib.median(m.server_ms)]
        rows.append(row)
    print()
    benchlib.table(["method", "median", "entries/s", "time vs omslog", "requests",
                    "connections per run", "in flight (max)", "server ms/req",
                    "slot ms/req"], rows)
    print("  in flight: mean requests the server had in hand while busy (most at once);")
    print("  server ms/req: its time per request; slot ms/req: run time x slots / requests")
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
        if counters:
            print("  server honouring page_size (omslog asks %d a page): %.1fx; --parallel %d: "
                  "%.1fx" % (ASKED_PAGE, ta / benchlib.median(big.times), WIDE_PARALLEL,
                             ta / benchlib.median(wide.times)))
        if old:
            print("  --compare binary: %.2fx (this build is %.2fx as fast)"
                  % (ta / benchlib.median(old.times), benchlib.median(old.times) / t0))
    if not counters:
        return 0 if ok else 1
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
    print("  (b) opened one per request")
    return 0 if ok else 1


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
