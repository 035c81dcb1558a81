#!/usr/bin/env python3
"""make_pages.py: the response bodies benchmark 2 decodes, exactly as the mock serves them.

    python3 bench/make_pages.py OUTDIR

Writes page10.json, page100.json, page1000.json (page 2 of a 20,000-entry log at
page_size 10, 100 and 1000: Turkish, CJK and emoji text, tracebacks on ~10% of
entries) and trace10mb.json (page 1 at the default size, whose newest entry has a
10 MB traceback).
"""
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from mock_oms import API_PATH, MockServer  # noqa: E402

COUNT = 20000
HUGE_TRACE_MB = 10
PAGES = [("page10.json", "?page=2&page_size=10"),
         ("page100.json", "?page=2&page_size=100"),
         ("page1000.json", "?page=2&page_size=1000"),
         ("trace10mb.json", "?page=1")]


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    srv = MockServer(count=COUNT, page_size_param="page_size", huge_trace=HUGE_TRACE_MB,
                     no_auth=True).start()
    try:
        for name, query in PAGES:
            with urllib.request.urlopen(srv.url + API_PATH + query, timeout=60) as r:
                body = r.read()
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(body)
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
