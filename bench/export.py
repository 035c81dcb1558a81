#!/usr/bin/env python3
"""export.py: benchmark 1, bulk export, omslog against what a user would write instead.

    python3 bench/export.py path/to/omslog [--runs N] [--count N] [--delay S]

One mock server (20,000 entries, 20 ms per request to model a network, page_size
honoured when asked for), then rounds of:

  omslog            omslog list --all --format jsonl   (defaults: --parallel 4, server page size)
  omslog ps=100     the same with --page-size 100
  omslog gzip       the same with the server gzipping bodies (switched on at run time)
  omslog par=8      the same with --parallel 8
  (a) requests      bench/requests_export.py: requests.Session following `next`
  (b) curl loop     bench/curl_export.sh: one curl process per ?page=i

Each run's TCP connections (the mock's accepted count) and API requests (the
mock's request log) are counted. Outputs are checked: the same ids in the same
order everywhere, and omslog's objects equal to (a)'s. Medians of the rounds and
ratios to omslog's median are printed. Exit status 1 when an output differs.
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
BIG_PAGE = 100
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
    def __init__(self, name, argv, reader, env=None, before=None, after=None):
        self.name, self.argv, self.reader, self.env = name, argv, reader, env
        self.before, self.after = before, after
        self.times, self.conns, self.reqs = [], [], []
        self.skipped, self.output = None, None


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def run_once(m, mock, out_path, log_path):
    if m.before:
        m.before()
    c0, r0 = mock.connections(), count_lines(log_path)
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.run(m.argv, stdout=out, stderr=subprocess.PIPE, env=m.env)
        elapsed = time.monotonic() - t0
    c1, r1 = mock.connections(), count_lines(log_path)
    if m.after:
        m.after()
    if p.returncode == EXIT_SKIP and m.name.startswith("(a)"):
        m.skipped = "python3-requests not installed (apt-get install python3-requests)"
        return
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (m.name, p.returncode,
                                                   p.stderr.decode(errors="replace")[-500:]))
    m.times.append(elapsed)
    # Each /__control__ query is a connection of its own: c0's is counted by c1.
    m.conns.append(c1 - c0 - 1)
    m.reqs.append(r1 - r0)
    m.output = out_path


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
    ap.add_argument("--raw-mock", action="store_true",
                    help="the mock without TCP_NODELAY (see mock_server.py)")
    args = ap.parse_args()
    omslog = os.path.abspath(args.omslog)

    tmp = tempfile.mkdtemp(prefix="omslog-bench-export-")
    log_path = os.path.join(tmp, "requests.log")
    mock = benchlib.Mock(raw=args.raw_mock, count=args.count, delay=args.delay,
                         page_size_param="page_size", log_file=log_path)
    try:
        return bench(args, omslog, tmp, log_path, mock)
    finally:
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

    here = os.path.dirname(os.path.abspath(__file__))
    omslog_default = Method("omslog", base + listing, read_jsonl, env)
    big = Method("omslog --page-size %d" % BIG_PAGE,
                 base + ["--page-size", str(BIG_PAGE)] + listing, read_jsonl, env)
    gz = Method("omslog, gzip bodies", base + listing, read_jsonl, env, gzip_on, gzip_off)
    wide = Method("omslog --parallel %d" % WIDE_PARALLEL,
                  base + ["--parallel", str(WIDE_PARALLEL)] + listing, read_jsonl, env)
    a = Method("(a) python requests", [sys.executable, os.path.join(here, "requests_export.py"),
                                       mock.api, mock.token], read_jsonl)
    b = Method("(b) curl shell loop", ["sh", os.path.join(here, "curl_export.sh"), mock.api,
                                       mock.token], read_pages)
    methods = [omslog_default, big, gz, wide, a, b]
    if not shutil.which("curl"):
        b.skipped = "curl not installed"

    print("benchmark 1: export of %d entries, server delay %.0f ms per request, %d rounds"
          % (args.count, args.delay * 1000, args.runs))
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
            rows.append([m.name, "skipped: " + m.skipped, "", "", "", ""])
            continue
        t = benchlib.median(m.times)
        rows.append([m.name, "%.2f s" % t, "%.0f" % (args.count / t), "%.2fx" % (t / t0),
                     "%d" % benchlib.median(m.reqs), "/".join(str(c) for c in m.conns)])
    print()
    benchlib.table(["method", "median", "entries/s", "time vs omslog", "requests",
                    "connections per run"], rows)
    print()
    if a.skipped:
        print("skipped: (a) python requests: " + a.skipped)
    else:
        ratio = benchlib.median(a.times) / t0
        print("omslog is %.1fx faster than (a) python requests at the server's default page "
              "size (target >= %.0fx: %s)"
              % (ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "MISSED"))
        print("  with --parallel %d: %.1fx; with --page-size %d: %.1fx"
              % (WIDE_PARALLEL, benchlib.median(a.times) / benchlib.median(wide.times),
                 BIG_PAGE, benchlib.median(a.times) / benchlib.median(big.times)))
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
    print("connection reuse: omslog (parallel 4) opened %s connections for %d requests; "
          "(b) opened one per request"
          % ("/".join(str(c) for c in omslog_default.conns), benchlib.median(omslog_default.reqs)))
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
