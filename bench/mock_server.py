#!/usr/bin/env python3
"""mock_server.py: tests/mock_oms.py for the benchmarks, in its own process.

    python3 bench/mock_server.py [--raw] MOCK_OPTIONS...   # prints "PORT n" like the mock

Two differences from running tests/mock_oms.py directly, both about measuring
the client rather than the mock:

- Responses go out with TCP_NODELAY. The mock's handler writes the headers and
  the body in two send() calls; without TCP_NODELAY, Nagle's algorithm holds the
  body back until the client ACKs the headers, and on a reused (keep-alive)
  connection the client delays that ACK by up to 40 ms. Every keep-alive
  response would then cost ~40 ms more than the configured --delay, penalising
  exactly the clients that reuse connections. Production servers sit behind a
  proxy such as nginx, whose keep-alive connections set TCP_NODELAY. --raw keeps
  the mock as it is, to show the effect.
- It runs in a process of its own, so a Python client under test (the
  `requests` baseline) does not share the mock's interpreter lock.
"""
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import mock_oms  # noqa: E402  (the path is set just above)


def patch_nodelay():
    setup = mock_oms.Handler.setup

    def setup_nodelay(self):
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not a TCP socket: nothing to tune
        setup(self)

    mock_oms.Handler.setup = setup_nodelay


def main(argv):
    if argv and argv[0] == "--raw":
        argv = argv[1:]
    else:
        patch_nodelay()
    return mock_oms.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
