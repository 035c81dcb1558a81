"""Benchmark: connections and requests per connection over HTTPS, HTTP/1.1 against
HTTP/2, through a real nginx terminating TLS in front of the mock (the fixture of
tests/integration_tls.py: a throwaway CA, nginx-light).

    python3 bench/tls_connections.py path/to/omslog

For --parallel 1, 4 and 8 it runs `omslog list --all` over the same log through each
protocol and prints, from nginx's access log ($connection, $connection_requests):
connections opened, requests, requests per connection, and the wall time, with the
HTTP/2 / HTTP/1.1 time ratio. BENCH_QUICK=1 uses a smaller log. Exit status 1 when a
run failed or its output differs between the protocols."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from harness import omslog_env  # noqa: E402
from mock_oms import MockServer  # noqa: E402
import tls  # noqa: E402

TOKEN = "bench-tls-token"
QUICK = bool(os.environ.get("BENCH_QUICK"))
COUNT = 500 if QUICK else 5000
PAGE = 50  # entries a page asked for: COUNT / PAGE requests a walk
RUNS = 1 if QUICK else 3
PARALLEL = (1, 4, 8)


def walk(binary, env, url, ca, parallel):
    """One `list --all`; returns (seconds, stdout)."""
    t0 = time.monotonic()
    p = subprocess.run([binary, "--url", url, "--cacert", ca, "--page-size", str(PAGE),
                        "--parallel", str(parallel), "list", "--all", "--format", "jsonl"],
                       capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    took = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError("omslog exit %d: %s" % (p.returncode, p.stderr.decode()[-300:]))
    return took, p.stdout


def measure(binary, env, nginx, ca, name, parallel):
    """Median time and the connection figures of the last run."""
    times, out = [], None
    for _ in range(RUNS):
        nginx.clear_log(name)
        took, out = walk(binary, env, nginx.url(name), ca, parallel)
        times.append(took)
    conns = nginx.connections(name)
    return statistics.median(times), conns, out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    try:
        tls.require_tools()
    except tls.Missing as e:
        print("benchmark tls: skipped: %s" % e)
        return 0
    tmp = tempfile.mkdtemp(prefix="omslog-bench-tls-")
    env = omslog_env(tmp, TOKEN)
    for var in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(var, None)
    rc = 0
    mock = MockServer(count=COUNT, token=TOKEN, page_size_param="page_size").start()
    try:
        pki = tls.Pki(tmp)
        with tls.Nginx(tmp, pki, mock.port) as nginx:
            ca = pki.path("ca.pem")
            print("benchmark tls: list --all of %d entries, %d a page (%d requests a walk), "
                  "median of %d, nginx terminating TLS" % (COUNT, PAGE, -(-COUNT // PAGE), RUNS))
            print("  %-9s %-9s %6s %9s %9s %9s" % ("parallel", "protocol", "conns", "requests",
                                                   "req/conn", "time"))
            for parallel in PARALLEL:
                row = {}
                for name, label in (("h1", "HTTP/1.1"), ("h2", "HTTP/2")):
                    took, conns, out = measure(binary, env, nginx, ca, name, parallel)
                    reqs = sum(conns.values())
                    row[name] = (took, out)
                    print("  %-9d %-9s %6d %9d %9.1f %8.3fs" % (
                        parallel, label, len(conns), reqs, reqs / max(1, len(conns)), took))
                if row["h1"][1] != row["h2"][1]:
                    print("  FAILED: the output differs between HTTP/1.1 and HTTP/2")
                    rc = 1
                print("  %-9s HTTP/2 time / HTTP/1.1 time: %.2fx" % (
                    "", row["h2"][0] / row["h1"][0]))
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print("benchmark tls: FAILED: %s" % e)
        rc = 1
    finally:
        mock.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
