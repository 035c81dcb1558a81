"""mock_workers.py: tests/mock_oms.py's --stats and --workers N, for the benchmarks.

    python3 tests/mock_oms.py --workers 4 --cache [MOCK_OPTIONS...]   # prints "PORT n"

Both are about measuring the client rather than the mock:

- --workers N: N worker processes serve the port, as gunicorn's workers do, so
  that concurrent requests do not queue behind one interpreter lock. The main
  process accepts every connection and hands it (SCM_RIGHTS) to the worker with
  the fewest open connections, so N keep-alive connections get one worker each,
  where SO_REUSEPORT's hash would often put two on one.
- Counters in shared memory, over all the workers (--stats alone: one process).
  GET /__control__ shows, under state (besides the mock's own fields):
    connections  TCP connections accepted (cumulative)
    requests     API requests received (cumulative)
    workers      the number of worker processes
    open_per_worker  connections each worker has open now (-1: it died)
    cpu_s        CPU time the workers' connection threads spent reading, answering
                 and writing requests (thread CPU time, cumulative)
    turnaround   the client's turn on kept-alive connections: from a reply written
                 to the next request on that connection read (sum_s, n; cumulative):
                 the client taking the reply in and sending the next request, plus
                 loopback and the worker thread waking
    inflight     the API requests in hand at once, from having read a request to
                 having its reply ready (a span inside the client's own request
                 time, so never more than the client has in flight):
      area_s     the integral of that count over time, in seconds (cumulative)
      busy_s     the time with at least one request in hand (cumulative)
      served     API requests answered (cumulative)
      max        the most at once since the previous GET /__control__
  Between two reads, area / busy is the mean number of requests in flight while
  the server was busy, area / served its mean time per request and cpu / served
  its CPU per request.
- A POST /__control__ reaches every worker: the worker that takes it applies it
  and appends it to a change log (a temporary file, its length in shared
  memory); every other worker applies the changes it has not seen, in order,
  before it answers its next request. The --log-file lines of all workers go to
  one file under one lock. Counted faults (fail_5xx, rate_limit), grow, shrink
  and purge_page stay per worker: use them with 1 worker.

All of it is a mock_oms.Hooks (SharedCounters): the mock itself is not patched.
"""
import ctypes
import json
import multiprocessing
import multiprocessing.sharedctypes
import os
import selectors
import signal
import socket
import sys
import tempfile
import threading
import time

import mock_oms

# Bytes of one hand-over message: one byte names it, the descriptor rides along.
HANDOVER_MSG = b"c"
HANDOVER_BUF = 64
MAX_FDS_PER_MSG = 8
ACCEPT_POLL_S = 0.2       # how often the accept loop looks at the stop flag
WORKER_EXIT_WAIT_S = 5.0  # then SIGKILL
DEAD_WORKER = 1 << 30     # the open-connection count of a worker that has died


class Counters(ctypes.Structure):
    _fields_ = [("connections", ctypes.c_longlong), ("requests", ctypes.c_longlong),
                ("now", ctypes.c_longlong), ("most", ctypes.c_longlong),
                ("served", ctypes.c_longlong), ("area", ctypes.c_double),
                ("busy", ctypes.c_double), ("since", ctypes.c_double),
                ("cpu", ctypes.c_double), ("turn", ctypes.c_double),
                ("turns", ctypes.c_longlong), ("version", ctypes.c_longlong)]


class Shared:
    """Counters, locks and the change log of all workers; made before they fork."""

    def __init__(self, workers):
        ctx = multiprocessing.get_context("fork")
        self.lock = ctx.Lock()          # the counters
        self.log_lock = ctx.Lock()      # the --log-file
        self.control_lock = ctx.Lock()  # the change log
        self.c = multiprocessing.sharedctypes.RawValue(Counters)
        self.c.since = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process
        self.open = multiprocessing.sharedctypes.RawArray(ctypes.c_int, workers)
        self.workers = workers
        fd, self.changes = tempfile.mkstemp(prefix="omslog-mock-changes-")
        os.close(fd)

    def _advance(self):
        t = time.monotonic()
        c = self.c
        c.area += c.now * (t - c.since)
        if c.now:
            c.busy += t - c.since
        c.since = t

    def enter(self):
        with self.lock:
            self._advance()
            self.c.now += 1
            self.c.requests += 1
            self.c.most = max(self.c.most, self.c.now)

    def leave(self):
        with self.lock:
            self._advance()
            self.c.now -= 1
            self.c.served += 1

    def add_cpu(self, seconds):
        with self.lock:
            self.c.cpu += seconds

    def add_turnaround(self, seconds):
        with self.lock:
            self.c.turn += seconds
            self.c.turns += 1

    def opened(self):
        with self.lock:
            self.c.connections += 1

    def read(self):
        with self.lock:
            self._advance()
            c = self.c
            out = {"connections": c.connections, "requests": c.requests, "cpu_s": c.cpu,
                   "workers": self.workers,
                   "open_per_worker": [n if n < DEAD_WORKER else -1 for n in self.open],
                   "turnaround": {"sum_s": c.turn, "n": c.turns},
                   "inflight": {"area_s": c.area, "busy_s": c.busy, "served": c.served,
                                "max": c.most}}
            c.most = c.now
            return out


class SharedCounters(mock_oms.Hooks):
    """This process's part: the hooks that count into shared memory, its index (for
    the open-connection counts) and how far it has read the change log."""

    def __init__(self, shared, index, handed_over):
        self.shared, self.index, self.handed_over = shared, index, handed_over
        self.seen = 0
        self.lock = threading.Lock()

    def sync(self, mock):
        """Apply the changes other workers took, in order, before answering."""
        if self.shared.c.version == self.seen:  # one aligned word: read without the lock
            return
        with self.lock, self.shared.control_lock:
            self._sync_locked(mock)

    def _sync_locked(self, mock):
        version = self.shared.c.version
        if version == self.seen:
            return
        with open(self.shared.changes, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for line in lines[self.seen:version]:
            mock.set(**json.loads(line))
        self.seen = version

    def respond(self, mock, req, answer):
        self.sync(mock)
        if not req["path"].startswith(mock_oms.API_PATH):
            return answer(req)
        self.shared.enter()
        try:
            return answer(req)
        finally:
            self.shared.leave()

    def control(self, mock, method, body, apply):
        with self.lock, self.shared.control_lock:
            self._sync_locked(mock)
            r = apply(method, body)
            if method == "POST" and r.status == 200 and self.shared.workers > 1:
                with open(self.shared.changes, "a", encoding="utf-8") as f:
                    f.write(json.dumps(json.loads(body.decode("utf-8") or "{}")) + "\n")
                self.shared.c.version += 1
                self.seen = self.shared.c.version
            return r

    def describe(self, mock, description):
        description["state"].update(self.shared.read())

    def connection(self, mock, conn, opened):
        if opened:
            self.shared.opened()
        elif self.handed_over:
            with self.shared.lock:
                self.shared.open[self.index] -= 1

    def request_line(self, handler):
        replied = getattr(handler, "replied_at", None)
        if replied is not None:
            self.shared.add_turnaround(time.monotonic() - replied)

    def request_done(self, handler, cpu_s):
        self.shared.add_cpu(cpu_s)
        handler.replied_at = time.monotonic()


def listen(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(mock_oms.Server.request_queue_size)
    return sock


def serve_handed_over(mock, worker, chan, address):
    """A worker's loop: take each connection the acceptor hands over and serve it
    on a thread, as ThreadingHTTPServer would have after accept()."""
    cls = mock_oms.Server6 if ":" in address[0] else mock_oms.Server
    httpd = cls(address, mock_oms.Handler, bind_and_activate=False)
    httpd.socket.close()  # never bound: the acceptor owns the listening socket
    httpd.mock = mock
    mock.httpd, mock.port = httpd, address[1]
    mock.url = "http://%s:%d" % ("[%s]" % address[0] if ":" in address[0] else address[0],
                                 address[1])
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(chan, HANDOVER_BUF, MAX_FDS_PER_MSG)
        except OSError:
            break
        if not msg:
            break  # the acceptor closed its end: shut down
        for fd in fds:
            conn = socket.socket(fileno=fd)
            try:
                peer = conn.getpeername()
            except OSError:  # the client hung up already
                conn.close()
                worker.connection(mock, conn, False)
                continue
            httpd.process_request(conn, peer)
    mock.stopping.set()  # wakes delayed and stalled handlers
    mock.close_open_connections()


def fork_workers(mock, shared, listener, count):
    address = listener.getsockname()[:2]
    chans, pids = [], []
    for i in range(count):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            # The acceptor stops the workers by closing their channel; a Ctrl-C in
            # the terminal reaches the whole group, so leave it to the acceptor.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            listener.close()
            ours.close()
            for c in chans:
                c.close()
            code = 0
            try:
                worker = SharedCounters(shared, i, True)
                mock.hooks = worker
                mock.log_lock = shared.log_lock
                serve_handed_over(mock, worker, theirs, address)
            except BaseException:  # noqa: B902 - report, then leave without atexit
                import traceback
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        theirs.close()
        chans.append(ours)
        pids.append(pid)
    return chans, pids


def accept_loop(listener, chans, shared, stop):
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    while not stop.is_set():
        if not sel.select(ACCEPT_POLL_S):
            continue
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            continue  # e.g. the client reset it in the backlog
        while True:
            with shared.lock:  # counted at hand-over, so a burst of connections spreads
                i = min(range(len(chans)), key=lambda k: shared.open[k])
                if shared.open[i] >= DEAD_WORKER:
                    break  # none left: the client sees the connection closed
                shared.open[i] += 1
            try:
                socket.send_fds(chans[i], [HANDOVER_MSG], [conn.fileno()])
                break
            except OSError:
                sys.stderr.write("mock_oms: worker %d is gone\n" % i)
                with shared.lock:
                    shared.open[i] = DEAD_WORKER  # never chosen again
        conn.close()
    sel.close()


def stop_workers(chans, pids):
    for c in chans:
        c.close()
    deadline = time.monotonic() + WORKER_EXIT_WAIT_S
    for pid in pids:
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def main(args):
    """Serve as args (mock_oms's parsed options) say, until SIGTERM or SIGINT."""
    shared = Shared(args.workers)
    try:
        return run(args, shared)
    finally:
        os.unlink(shared.changes)


def run(args, shared):
    mock = mock_oms.MockServer(**vars(args))  # with --cache, the entries are made now
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if args.workers == 1:
        mock.hooks = SharedCounters(shared, 0, False)
        mock.log_lock = shared.log_lock
        try:
            mock.start()
        except OSError as e:
            sys.stderr.write("mock_oms: cannot listen on %s:%d: %s\n"
                             % (args.host, args.port, e))
            return 1
        mock_oms.announce(mock.port, args.port_file)
        while not stop.wait(ACCEPT_POLL_S):
            pass
        mock.stop()
        return 0
    try:
        listener = listen(args.host, args.port)
    except OSError as e:
        sys.stderr.write("mock_oms: cannot listen on %s:%d: %s\n" % (args.host, args.port, e))
        return 1
    chans, pids = fork_workers(mock, shared, listener, args.workers)
    mock_oms.announce(listener.getsockname()[1], args.port_file)
    try:
        accept_loop(listener, chans, shared, stop)
    finally:
        listener.close()
        stop_workers(chans, pids)
    return 0
