#!/usr/bin/env python3
"""mock_rows.py N [SEED]: the mock's log (tests/mock_oms.py, default options) as CSV for
PostgreSQL's COPY ... WITH (FORMAT csv): the same entries the mock serves, so that
compare.py can ask both servers the same questions. A null trace is an unquoted empty
field (NULL), an empty one is "" (the empty string)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from mock_oms import MockServer  # noqa: E402

FIELDS = ("id", "level", "logger_name", "message", "app_name", "trace", "created_at")


def field(v):
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    return '"%s"' % v.replace('"', '""')


def main(argv):
    n, seed = int(argv[0]), int(argv[1]) if len(argv) > 1 else 1
    mock = MockServer(count=n, seed=seed)
    for p in range(n):
        e = mock.entry(*mock.store.at(p), mock.opts)
        sys.stdout.write(",".join(field(e[f]) for f in FIELDS) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
