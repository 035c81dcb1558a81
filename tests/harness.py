"""harness.py: the one runner of the Python suites (standard library only).

    suite = Suite()

    @suite.test
    def test_something():
        ...                                  # pass by returning; raise Skip("why") to skip

    suite.add("t_thing", fn, variants=[("80x24", (80, 24)), ...])  # fn(variant), one
                                             # result per variant: "thing 80x24"
    suite.collect(globals(), "test_")        # or: every test_* function of the module
    if __name__ == "__main__":
        sys.exit(suite.main(sys.argv[1:]))

Arguments select tests: an argument that is a test's name (with or without its t_ or
test_ prefix) selects that test; any other selects every test whose name contains it.
An argument that selects nothing fails the run before any test runs: a mistyped or
renamed test must not drop out of a run silently.

Prints "ok NAME (Ts)", "skip NAME: why" or "FAIL NAME: why" (then the traceback) per
test, "N skipped" when any were, and "N passed, N failed" last (CI reads that line).
The exit status is 1 when a test or the setup failed, else 0.

Running omslog: EXIT (its exit statuses by name) and omslog_env() are shared by the
suites that run the command line.

Time: every upper bound on how long something may take goes through scaled(seconds),
which multiplies it by OMSLOG_TEST_TIME_SCALE (read once, by fixtures/time_scale.py).
Lower bounds (a Retry-After honoured) are never scaled: a slow machine only makes
them truer.
"""
import contextlib
import os
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from time_scale import read_time_scale  # noqa: E402

SCALE, SCALE_ERROR = read_time_scale()
PREFIXES = ("test_", "t_")


# omslog's exit statuses: include/omslog/error.h (README.md and doc/omslog.1 list them).
EXIT = dict(ok=0, usage=2, config=3, auth=4, not_found=5, bad_request=6, rate=7,
            server=8, connect=9, dns=10, tls=11, timeout=12, protocol=13, origin=14)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def omslog_env(home, token=None, extra=None):
    """The environment the suites run omslog in: none of the caller's OMSLOG_ settings
    nor config (HOME is home), a UTF-8 locale, token (if any) in OMSLOG_TOKEN, then
    extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMSLOG_")}
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_CACHE_HOME", None)  # the probe cache: under home too
    env.update(HOME=home, LC_ALL="C.UTF-8")
    if token is not None:
        env["OMSLOG_TOKEN"] = token
    env.update(extra or {})
    return env


def sanitized_binary(path):
    """An ASan build's memory is the sanitizer's (shadow, quarantine): memory bounds
    are asserted in the plain pass only."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def scaled(seconds):
    """An upper time bound (how long something may take) on this machine."""
    return seconds * SCALE


class Skip(Exception):
    """Raised by a test that cannot run here; reported as a skip, not a pass."""


def short_name(name):
    for p in PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


class Suite:
    def __init__(self):
        self.tests = []  # (name, function, variants or None)

    def test(self, fn):
        """Decorator: fn() is a test named after the function."""
        self.add(fn.__name__, fn)
        return fn

    def collect(self, namespace, prefix, by_name=False):
        """Every function in namespace (a module's globals()) whose name starts with
        prefix is a test, in the order they are defined (by_name: sorted by name)."""
        items = [(n, f) for n, f in namespace.items() if n.startswith(prefix) and callable(f)]
        for name, fn in sorted(items) if by_name else items:
            self.add(name, fn)
        return self

    def add(self, name, fn, variants=None):
        """fn() is a test; with variants, a list of (label, value), fn(value) is one test
        per variant, reported as "NAME LABEL" (the name without its prefix)."""
        if any(n == name for n, _, _ in self.tests):
            raise ValueError("two tests named " + name)
        self.tests.append((name, fn, variants))

    def select(self, args):
        """(the tests args select, the args that select none)."""
        if not args:
            return list(self.tests), []
        chosen, unmatched = set(), []
        for arg in args:
            exact = {n for n, _, _ in self.tests if arg in (n, short_name(n))}
            hits = exact or {n for n, _, _ in self.tests if arg in n}
            if not hits:
                unmatched.append(arg)
            chosen |= hits
        return [t for t in self.tests if t[0] in chosen], unmatched

    def main(self, argv, around=None, executable=None, out=None):
        """Run the tests argv selects. around: a context manager factory wrapped around
        the whole run (a server every test shares); executable: a path that must be an
        executable file (the omslog binary under test). Returns the exit status."""
        out = out or sys.stdout
        tests, unmatched = self.select(argv)
        error = SCALE_ERROR
        if unmatched:
            error = "no test matches %s" % ", ".join(unmatched)
        elif not error and executable is not None and not os.access(executable, os.X_OK):
            error = "%s is not an executable (set OMSLOG_BIN)" % executable
        if error:
            print("FAIL setup: " + error, file=out)
            print("0 passed, 1 failed", file=out)
            return 1
        counts = {"ok": 0, "skip": 0, "FAIL": 0}
        with (around or contextlib.nullcontext)():
            for name, fn, variants in tests:
                if variants is None:
                    counts[run_one(name, fn, (), out)] += 1
                    continue
                for label, value in variants:
                    counts[run_one("%s %s" % (short_name(name), label), fn, (value,),
                                   out)] += 1
        if counts["skip"]:
            print("%d skipped (see the skip lines above)" % counts["skip"], file=out)
        print("%d passed, %d failed" % (counts["ok"], counts["FAIL"]), file=out)
        return 1 if counts["FAIL"] else 0


def run_one(name, fn, args, out):
    """Run one test; print and return its result: "ok", "skip" or "FAIL"."""
    t0 = time.monotonic()
    try:
        fn(*args)
    except Skip as e:
        print("skip %s: %s" % (name, e), file=out, flush=True)
        return "skip"
    except Exception as e:  # noqa: BLE001 - a test failure of any kind
        first = (str(e).split("\n")[0] or type(e).__name__)[:300]
        print("FAIL %s: %s" % (name, first), file=out, flush=True)
        traceback.print_exc(file=out)
        out.flush()
        return "FAIL"
    print("ok   %s (%.1fs)" % (name, time.monotonic() - t0), file=out, flush=True)
    return "ok"
