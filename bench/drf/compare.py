#!/usr/bin/env python3
"""compare.py: the same queries to the mock (tests/mock_oms.py) and to the reference DRF
server (server.sh) holding the same entries; prints every difference in status, count,
ids, error bodies, entries and next links. Not part of make check: it needs PostgreSQL
and the Debian DRF packages (see server.sh), and runs as root.

    /usr/bin/python3 bench/drf/compare.py [--count 2000] [--modes none,exact,full,full-sort]

Exit status 1 when the servers disagree on anything."""
import argparse
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
from mock_oms import API_PATH, MockServer  # noqa: E402

TOKEN = "demo-token"
QUERIES = [
    # NumberFilter (a DecimalField, then int()): level and id
    "level=20", "level=abc", "level=20.5", "level=1e1", "level=%20", "level=", "level=inf",
    "level=NaN", "level=1e400", "level=-0", "level=%2B10", "level=1_0", "level=10&level=20",
    "level=-1", "level=%EF%BC%92%EF%BC%90", "level__in=10,20", "level__in=", "level__in=,",
    "level__in=10,abc", "level__in=10,%2020", "level__in=25,45", "level__in=10,", "level__gte=50",
    "level__gte=29.5", "level__lte=20", "level__gt=30", "level__lt=20", "level__gte=abc",
    "id__lt=1000", "id__lte=1000", "id__gt=1000", "id__gte=1000", "id__gt=2.5", "id__lt=abc",
    "id__gt=99999999999999999999", "id=5", "id__lt=abc&id__gt=x&level=y",
    # CharFilter (strips; exact is case-sensitive)
    "app_name=shipment", "app_name=%20shipment%20", "app_name=%20", "app_name=a%00b",
    "app_name=SHIPMENT", "app_name__in=shipment,payment", "app_name__in=shipment,,payment",
    "app_name__in=,", "app_name__in=shipment,%20payment", "logger_name=oms.payment.gateway",
    "logger_name__in=oms.payment.gateway,django.request", "logger_name=django",
    # IsoDateTimeFilter (Django 3.2's parse_datetime; naive is UTC)
    "created_at__gte=2026-11-25T20:00:00Z", "created_at__lte=2026-11-25%2020:00",
    "created_at__gt=2026-11-25T23:00:00.5%2B03:00", "created_at__lt=2026-11-25T20:00%2B0300",
    "created_at__lt=2026-11-25T20:00-01", "created_at__gte=2026-11-25",
    "created_at__gte=bad", "created_at__gte=%20", "created_at__lt=2026-11-25T20:00:00.1234567Z",
    "created_at__gte=2026-11-25T24:00", "created_at__gte=2026-11-25T20:00%2B24:00",
    "created_at__gte=2026-13-25T20:00", "created_at__gte=%202026-11-25T20:00Z%20",
    # SearchFilter over message, logger_name, app_name
    "search=order", "search=ORDER", "search=order%20istanbul", "search=order,ist",
    "search=%C4%B0stanbul", "search=istanbul", "search=%C3%B6deme", "search=%C3%96DEME",
    "search=%22order%20os%22", "search=%00", "search=shipment", "search=oms.payment",
    "search=%25", "search=_", "search=50%25", "search=Traceback", "search=%20,%20",
    "search=%C4%B1", "search=I", "search=%E6%B3%A8%E6%96%87", "search=%F0%9F%9A%9A",
    # OrderingFilter
    "ordering=id", "ordering=-id", "ordering=created_at", "ordering=-created_at",
    "ordering=level", "ordering=created_at,id", "ordering=foo,id", "ordering=%20id",
    "ordering=--id", "sort=id", "sort=-created_at", "sort=level",
    # together, and with pages
    "level__gte=40&app_name=shipment&ordering=id", "search=order&level=20&sort=id",
    "level__gte=40&page=last&page_size=7", "level=20&page=2&page_size=3", "level=20&page=999",
    "app_name=payment&search=capture&ordering=created_at",
]


def fetch(base, query):
    req = urllib.request.Request(base + API_PATH + "?" + query,
                                 headers={"Authorization": "Token " + TOKEN})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def walk(base, query):
    """(status, body of the first page, every id over all pages) of one query."""
    paged = "page=" in query or "page_size=" in query
    q = query if paged else query + "&page_size=1000"
    status, first = fetch(base, q)
    if status != 200 or paged:
        return status, first, [e["id"] for e in first.get("results", [])]
    ids, body = [], first
    while True:
        ids += [e["id"] for e in body["results"]]
        if not body["next"]:
            return status, first, ids
        status, body = fetch(base, body["next"].split("?", 1)[1])


def compare(mock_url, drf_url, queries):
    diffs = 0
    for q in queries:
        a, b = walk(mock_url, q), walk(drf_url, q)
        what = []
        if a[0] != b[0]:
            what.append("status %s vs %s" % (a[0], b[0]))
        elif a[0] != 200:
            if a[1] != b[1]:
                what.append("body %s vs %s" % (json.dumps(a[1]), json.dumps(b[1])))
        else:
            if a[1]["count"] != b[1]["count"]:
                what.append("count %d vs %d" % (a[1]["count"], b[1]["count"]))
            if a[2] != b[2]:
                only_a, only_b = set(a[2]) - set(b[2]), set(b[2]) - set(a[2])
                what.append("ids differ (mock only %s, drf only %s%s)" % (
                    sorted(only_a)[:8], sorted(only_b)[:8],
                    ", order" if not only_a and not only_b else ""))
            if a[1]["results"] != b[1]["results"] and a[2] == b[2]:
                x, y = next((x, y) for x, y in zip(a[1]["results"], b[1]["results"]) if x != y)
                what.append("entry %s differs: %s" % (x["id"], ", ".join(
                    "%s %r vs %r" % (k, x[k], y.get(k)) for k in x if x[k] != y.get(k))))
            links = [re.sub(r"^http://[^/]+", "", u or "") for u in
                     (a[1]["next"], b[1]["next"], a[1]["previous"], b[1]["previous"])]
            if links[0] != links[1] or links[2] != links[3]:
                what.append("links %s vs %s" % (links[0::2], links[1::2]))
        diffs += bool(what)
        print("%-4s %s%s" % ("ok" if not what else "DIFF", q,
                             "" if not what else ": " + "; ".join(what)), flush=True)
    return diffs


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--modes", default="none,exact,full,full-sort")
    args = ap.parse_args(argv)
    server = ["sh", os.path.join(HERE, "server.sh")]
    subprocess.run(server + ["build-mock", str(args.count)], check=True)
    # OMS_SEARCH_FIELDS reaches server.sh through the environment; the mock is told the same.
    fields = os.environ.get("OMS_SEARCH_FIELDS", "message,logger_name,app_name")
    mock = MockServer(count=args.count, page_size_param="page_size",
                      search_fields=fields).start()
    total = 0
    try:
        for mode in args.modes.split(","):
            mock.set(lookups=mode)
            env = dict(os.environ, OMS_FILTERS=mode, OMS_WORKERS="2")
            out = subprocess.run(server + ["start", "oms_mock_%d" % args.count], env=env,
                                 check=True, capture_output=True, text=True).stdout
            drf_url = re.search(r"^URL (\S+)", out, re.M).group(1)
            print("== OMS_FILTERS=%s (mock: lookups=%s)" % (mode, mode), flush=True)
            try:
                total += compare(mock.url, drf_url, ["", "page=last"] + QUERIES)
            finally:
                subprocess.run(server + ["stop"], check=True)
    finally:
        mock.stop()
    print("%d difference(s)" % total)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
