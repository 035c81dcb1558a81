#!/usr/bin/env python3
"""mock_server.py: tests/mock_oms.py for the benchmarks, in its own process.

    python3 bench/mock_server.py [--reuse-port] MOCK_OPTIONS...   # prints "PORT n"

Two additions to running tests/mock_oms.py directly, both about measuring the
client rather than the mock:

- It runs in a process of its own, so a Python client under test (the
  `requests` baseline) does not share the mock's interpreter lock.
- It counts the API requests it is working on at once, from having read a
  request to having its reply ready (a span inside the client's own request
  time, so never more than the client has in flight). GET /__control__ shows,
  under state.inflight:
    area_s   the integral of that count over time, in seconds (cumulative)
    busy_s   the time with at least one request in hand (cumulative)
    served   API requests answered (cumulative)
    max      the most at once since the previous GET /__control__
  Between two reads, area / busy is the mean number of requests in flight while
  the server was busy, and area / served its mean time per request.

--reuse-port binds with SO_REUSEPORT, so that several of these processes can
listen on one port (start the first with --port 0, the others with its port)
and the kernel spreads connections over them: a server whose workers do not
share one interpreter lock, as gunicorn's do not. Each process keeps its own
options and counters, so /__control__ then answers for whichever one the
connection reached: bench/export.py --workers uses it without them.

(It used to set TCP_NODELAY on the mock's sockets; the mock does that itself
now, so there is no "--raw" mode any more.)
"""
import os
import socket
import socketserver
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import mock_oms  # noqa: E402  (the path is set just above)


class InFlight:
    def __init__(self):
        self.lock = threading.Lock()
        self.now = self.most = self.served = 0
        self.area = self.busy = 0.0
        self.since = time.monotonic()

    def _advance(self):
        t = time.monotonic()
        self.area += self.now * (t - self.since)
        if self.now:
            self.busy += t - self.since
        self.since = t

    def enter(self):
        with self.lock:
            self._advance()
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self):
        with self.lock:
            self._advance()
            self.now -= 1
            self.served += 1

    def read(self):
        with self.lock:
            self._advance()
            out = {"area_s": self.area, "busy_s": self.busy, "served": self.served,
                   "max": self.most}
            self.most = self.now
            return out


def instrument(inflight):
    respond, describe = mock_oms.MockServer.respond, mock_oms.MockServer.describe

    def counted_respond(self, method, raw_path, headers, body=b""):
        if not raw_path.startswith(mock_oms.API_PATH):
            return respond(self, method, raw_path, headers, body)
        inflight.enter()
        try:
            return respond(self, method, raw_path, headers, body)
        finally:
            inflight.leave()

    def counted_describe(self):
        d = describe(self)
        d["state"]["inflight"] = inflight.read()
        return d

    mock_oms.MockServer.respond = counted_respond
    mock_oms.MockServer.describe = counted_describe


def reuse_port():
    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # As mock_oms.Server.server_bind: no getfqdn(), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    mock_oms.Server.server_bind = server_bind


def main(argv):
    if "--reuse-port" in argv:
        argv = [a for a in argv if a != "--reuse-port"]
        reuse_port()
    instrument(InFlight())
    return mock_oms.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
