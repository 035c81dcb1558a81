#!/usr/bin/env python3
"""requests_export.py: baseline (a) of the export benchmark, the approach in the
OMS API documentation: a requests.Session following `next` page by page, one
JSON line per result.

    python3 bench/requests_export.py FIRST_PAGE_URL TOKEN > out.jsonl

Exit status 3 when requests is not installed (the benchmark then skips it).
"""
import json
import sys

try:
    import requests
except ImportError:
    sys.stderr.write("requests_export: python3-requests is not installed\n")
    sys.exit(3)


def main(url, token):
    session = requests.Session()
    session.headers["Authorization"] = "Token " + token
    out = sys.stdout
    while url:
        r = session.get(url, timeout=60)
        r.raise_for_status()
        page = r.json()
        for entry in page["results"]:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        url = page["next"]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
