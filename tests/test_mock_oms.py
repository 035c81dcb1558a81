#!/usr/bin/env python3
"""Self-test of the harness: the mock server (tests/mock_oms.py, its handler,
hooks and worker processes) and the runner (tests/harness.py).

    python3 tests/test_mock_oms.py [NAME...]

Each test starts its own MockServer on 127.0.0.1 with a random port. Output and
arguments as every suite's: see tests/harness.py.
"""
import contextlib
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.request
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Skip, Suite, scaled  # noqa: E402
import mock_oms as srv_mock  # noqa: E402
from mock_oms import API_PATH, Hooks, MockServer, Reply, json_reply  # noqa: E402

TOKEN = "demo-token"
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
suite = Suite()
test = suite.test


def request(srv, path=API_PATH, token=TOKEN, method="GET", headers=None, body=None,
            timeout=10):
    """(status, headers with lower-case names, body bytes) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=scaled(timeout))
    hdrs = {"Authorization": "Token " + token} if token else {}
    hdrs.update(headers or {})
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def get_json(srv, path=API_PATH, **kw):
    status, hdrs, body = request(srv, path, **kw)
    return status, json.loads(body)


def page(srv, query="", **kw):
    status, data = get_json(srv, API_PATH + query, **kw)
    assert status == 200, (status, data)
    return data


def eq(a, b):
    assert a == b, "%r != %r" % (a, b)


# ------------------------------------------------------------------ pagination

@test
def first_page_and_links():
    with MockServer(count=95) as srv:
        status, hdrs, body = request(srv)
        eq(status, 200)
        eq(hdrs["content-type"], "application/json")
        data = json.loads(body)
        eq(list(data), ["count", "next", "previous", "results"])
        eq(data["count"], 95)
        eq(len(data["results"]), 10)
        eq(data["next"], "%s%s?page=2" % (srv.url, API_PATH))
        eq(data["previous"], None)
        ids = [e["id"] for e in data["results"]]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 10, ids
        times = [e["created_at"] for e in data["results"]]
        assert all(ISO_RE.match(t) for t in times), times
        assert times == sorted(times, reverse=True), times
        eq(list(data["results"][0]), ["id", "level", "logger_name", "message", "app_name",
                                      "trace", "created_at"])


@test
def previous_of_page_two_has_no_page_param():
    with MockServer(count=95) as srv:
        base = srv.url + API_PATH
        d2 = page(srv, "?zeta=1&page=2&alpha=x%20y")
        eq(d2["previous"], base + "?alpha=x+y&zeta=1")  # DRF sorts and re-encodes
        eq(d2["next"], base + "?alpha=x+y&page=3&zeta=1")
        eq(page(srv, "?page=3")["previous"], base + "?page=2")
        # The Host header decides the origin of the links, as build_absolute_uri does.
        _, d = get_json(srv, headers={"Host": "oms.example.com:8443"})
        eq(d["next"], "http://oms.example.com:8443%s?page=2" % API_PATH)


@test
def last_page():
    with MockServer(count=95) as srv:
        last = page(srv, "?page=last")
        eq(len(last["results"]), 5)
        eq(last["next"], None)
        eq(last["previous"], srv.url + API_PATH + "?page=9")
        eq(page(srv, "?page=10")["results"], last["results"])
        eq(page(srv, "?page=%2010")["results"], last["results"])  # Python int() strips


@test
def invalid_pages():
    with MockServer(count=95) as srv:
        for p in ["0", "-1", "abc", "11", "", "1.0", "last2"]:
            eq(get_json(srv, API_PATH + "?page=" + p), (404, {"detail": "Invalid page."}))
    with MockServer(count=0) as srv:
        eq(page(srv), {"count": 0, "next": None, "previous": None, "results": []})
        eq(page(srv, "?page=last")["results"], [])
        eq(get_json(srv, API_PATH + "?page=2"), (404, {"detail": "Invalid page."}))


@test
def page_size_parameters():
    with MockServer(count=95) as srv:
        eq(len(page(srv, "?page_size=50")["results"]), 10)  # ignored without the switch
    with MockServer(count=1500, page_size_param="page_size", max_page_size=1000) as srv:
        d = page(srv, "?page_size=50")
        eq(len(d["results"]), 50)
        assert "page_size=50" in d["next"], d["next"]
        eq(len(page(srv, "?page_size=5000")["results"]), 1000)  # clamped like DRF
        for bad in ["0", "-3", "abc", ""]:
            eq(len(page(srv, "?page_size=" + bad)["results"]), 10)
    with MockServer(count=95, limit_param=True, page_size=20) as srv:
        eq(len(page(srv)["results"]), 20)
        d = page(srv, "?limit=7")
        eq(len(d["results"]), 7)
        eq(d["next"], srv.url + API_PATH + "?limit=7&page=2")


# ------------------------------------------------------------------ auth and routing

@test
def authentication_errors():
    with MockServer(count=20) as srv:
        cases = [(None, "Authentication credentials were not provided."),
                 ("Bearer " + TOKEN, "Authentication credentials were not provided."),
                 ("Token wrong", "Invalid token."),
                 ("Token", "Invalid token header. No credentials provided."),
                 ("Token a b", "Invalid token header. Token string should not contain spaces.")]
        for value, detail in cases:
            hdrs = {"Authorization": value} if value else {}
            status, h, body = request(srv, token=None, headers=hdrs)
            eq((status, json.loads(body)), (401, {"detail": detail}))
            eq(h.get("www-authenticate"), "Token")
        eq(request(srv, token=None, headers={"Authorization": "token " + TOKEN})[0], 200)
    with MockServer(count=20, auth_403=True, forbidden_token="viewer") as srv:
        status, h, body = request(srv, token="wrong")
        eq((status, json.loads(body)["detail"]), (403, "Invalid token."))
        assert "www-authenticate" not in h
        eq(get_json(srv, token="viewer"),
           (403, {"detail": "You do not have permission to perform this action."}))
        eq(request(srv)[0], 200)
    with MockServer(count=20, no_auth=True) as srv:
        eq(request(srv, token=None)[0], 200)


@test
def detail_and_routing():
    with MockServer(count=95) as srv:
        entries = page(srv, "?page=2")["results"]
        for e in entries[:3]:
            eq(get_json(srv, "%s%d/" % (API_PATH, e["id"])), (200, e))
        ids = {e["id"] for p in range(1, 11) for e in page(srv, "?page=%d" % p)["results"]}
        gap = next(i for i in range(min(ids), max(ids)) if i not in ids)
        for path in ["%d/" % gap, "abc/", "999999999999999999999/", "-5/"]:
            eq(get_json(srv, API_PATH + path), (404, {"detail": "Not found."}))
        eq(request(srv, API_PATH + "abc/", token=None)[0], 401)  # auth before lookup
        status, h, _ = request(srv, "%s%d?x=1" % (API_PATH, entries[0]["id"]))
        eq((status, h["location"]), (301, "%s%d/?x=1" % (API_PATH, entries[0]["id"])))
        status, h, _ = request(srv, API_PATH[:-1] + "?page=2", token=None)
        eq((status, h["location"]), (301, API_PATH + "?page=2"))
        eq(get_json(srv, "/api/v1/other/"), (404, {"detail": "Not found."}))
        eq(get_json(srv, API_PATH + "1/2/"), (404, {"detail": "Not found."}))
        status, h, body = request(srv, method="POST", body=b"{}")
        eq((status, json.loads(body)), (405, {"detail": 'Method "POST" not allowed.'}))
        eq(h["allow"], "GET, HEAD, OPTIONS")
        eq(request(srv, method="DELETE", token=None)[0], 401)  # DRF authenticates first
        eq(request(srv, method="OPTIONS")[0], 200)
        status, h, body = request(srv, method="HEAD")
        eq((status, body), (200, b""))
        assert int(h["content-length"]) > 100, h


@test
def keep_alive():
    with MockServer(count=95) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=scaled(5))
        bodies = []
        for path in (API_PATH, API_PATH + "?page=2", API_PATH + "nope/"):
            conn.request("GET", path, headers={"Authorization": "Token " + TOKEN})
            if path == API_PATH:
                first_sock = conn.sock
            r = conn.getresponse()
            bodies.append(json.loads(r.read()))
            assert not r.will_close, path
        assert conn.sock is first_sock
        conn.close()
        eq(srv.connections, 1)
        eq(bodies[1]["previous"], srv.url + API_PATH)
        eq(bodies[2], {"detail": "Not found."})


@test
def deterministic_data():
    def dump(**kw):  # the links name the port, so compare the entries
        with MockServer(count=500, **kw) as srv:
            return [page(srv, q)["results"] for q in ("", "?page=7", "?page=last")]
    a, b, c = dump(seed=1), dump(seed=1), dump(seed=2)
    eq(a, b)
    assert a[1] != c[1]


@test
def data_variety():
    with MockServer(count=3000, page_size_param="page_size") as srv:
        raw = b"".join(request(srv, API_PATH + "?page_size=1000&page=%d" % p)[2]
                       for p in (1, 2, 3))
        es = [e for p in (1, 2, 3) for e in page(srv, "?page_size=1000&page=%d" % p)["results"]]
    eq(len(es), 3000)
    assert "ş".encode() in raw and b"\\u015f" not in raw  # UTF-8, not ASCII escapes
    ids = [e["id"] for e in es]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3000
    assert max(ids) - min(ids) + 1 > 3000 and max(a - b for a, b in zip(ids, ids[1:])) > 5
    levels = {e["level"] for e in es}
    assert {0, 10, 20, 25, 30, 40, 45, 50} <= levels, levels
    errors = sum(e["level"] == 40 for e in es) / 3000.0
    assert 0.05 < errors < 0.11, errors
    assert 0.003 < sum(e["level"] == 50 for e in es) / 3000.0 < 0.02
    assert len({e["app_name"] for e in es}) >= 5 and len({e["logger_name"] for e in es}) >= 15
    msgs = [e["message"] for e in es]
    for pattern in ["[şğıİöüç]", "[\u3040-\u9fff\uac00-\ud7af]", "[\U0001F300-\U0001FAFF]",
                    "\n"]:
        assert sum(bool(re.search(pattern, m)) for m in msgs) > 20, pattern
    assert sum(len(m) > 500 for m in msgs) > 20
    traces = [e["trace"] for e in es]
    assert None in traces and "" in traces
    assert all(e["trace"] for e in es if e["level"] >= 40)
    assert any(e["trace"] for e in es if e["level"] == 30)
    joined = "\n".join(t for t in traces if t)
    for needle in ["Traceback (most recent call last):", "/usr/lib/python3.11/",
                   "site-packages", "During handling of the above exception",
                   "The above exception was the direct cause",
                   "oms.exceptions.NoWarehouseAvailable: "]:
        assert needle in joined, needle
    assert max(t.count('  File "') for t in traces if t) > 250
    assert any(ISO_RE.match(e["created_at"]) and "." not in e["created_at"] for e in es)


# ------------------------------------------------------------------ faults

@test
def delay_fail_and_flaky():
    with MockServer(count=20, delay=0.3) as srv:
        t = time.time()
        eq(request(srv)[0], 200)
        assert time.time() - t >= 0.3  # a lower bound: not scaled
    with MockServer(count=20, fail_5xx=2) as srv:
        status, _, body = request(srv)
        eq((status, json.loads(body)["detail"]),
           (503, "Service temporarily unavailable, try again later."))
        eq([request(srv)[0] for _ in range(2)], [503, 200])
        srv.set(fail_5xx=1, fail_status=500)
        status, h, body = request(srv)
        assert status == 500 and h["content-type"].startswith("text/html") and b"500" in body

    def flaky():
        with MockServer(count=20, flaky_5xx=0.5) as srv:
            return [request(srv)[0] for _ in range(40)]
    a = flaky()
    assert 8 < sum(s != 200 for s in a) < 32 and set(a) <= {200, 502, 503}, a
    eq(a, flaky())


@test
def rate_limit():
    with MockServer(count=20, rate_limit=2) as srv:
        eq(request(srv, token=None)[0], 401)  # authentication comes before throttling
        status, h, body = request(srv)
        eq((status, h["retry-after"], json.loads(body)),
           (429, "1", {"detail": "Request was throttled. Expected available in 1 second."}))
        eq([request(srv)[0] for _ in range(2)], [429, 200])


@test
def malformed_html_truncate():
    with MockServer(count=20, malformed=True) as srv:
        status, h, body = request(srv)
        eq((status, h["content-type"]), (200, "application/json"))
        try:
            json.loads(body)
            raise AssertionError("body parsed")
        except ValueError:
            pass
        srv.set(malformed=False, html_error=True)
        status, h, body = request(srv)
        assert status == 502 and h["content-type"] == "text/html" and b"nginx" in body
        srv.set(html_error=False, truncate=True)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=scaled(5))
        conn.request("GET", API_PATH, headers={"Authorization": "Token " + TOKEN})
        r = conn.getresponse()
        try:
            r.read()
            raise AssertionError("truncated body read completely")
        except http.client.IncompleteRead as e:
            assert 0 < len(e.partial) < e.expected + len(e.partial)
        conn.close()


@test
def stall():
    srv = MockServer(count=20, stall=True).start()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=scaled(1))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\n\r\n"
              % (API_PATH.encode(), TOKEN.encode()))
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("connection closed")
            got += chunk
    except socket.timeout:
        pass
    head, _, body = got.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert 0 < len(body) < length, (len(body), length)
    t = time.time()
    srv.stop()
    assert time.time() - t < scaled(3)
    s.close()


@test
def next_host_and_redirect():
    with MockServer(count=95, next_host="http://127.0.0.2:9") as srv:
        d = page(srv, "?page=2")
        eq(d["next"], "http://127.0.0.2:9%s?page=3" % API_PATH)
        eq(d["previous"], "http://127.0.0.2:9%s" % API_PATH)
        srv.set(next_host="", redirect_to="http://127.0.0.2:9/")
        status, h, _ = request(srv, API_PATH + "?page=2")
        eq((status, h["location"]), (302, "http://127.0.0.2:9%s?page=2" % API_PATH))


@test
def escapes():
    with MockServer(count=200, escapes=True, page_size_param="page_size") as srv:
        raw = request(srv, API_PATH + "?page_size=200")[2]
        es = page(srv, "?page_size=200")["results"]
    for needle in [b"\\u001b[2J", b"\\u001b]0;pwned\\u0007", b"\\ud800", b"\\u0000",
                   b"\\u2028", b"\xc2\x9b", b"\xe2\x80\xae", b"\\r", b"\\b"]:
        assert needle in raw, needle
    assert "\x1b]0;pwned\x07" in es[0]["message"] and "\ud800" in es[0]["message"]
    hit = lambda field: sum("\x1b" in (e[field] or "") for e in es[1:])  # noqa: E731
    assert hit("message") > 10 and hit("logger_name") > 3 and hit("app_name") > 3
    assert hit("trace") > 1


@test
def huge_trace():
    with MockServer(count=30, huge_trace=1.5) as srv:
        first = page(srv)["results"]
        assert len(first[0]["trace"]) >= 1_500_000 and first[0]["trace"].count("\n") > 10000
        assert all(len(e["trace"] or "") < 200_000 for e in first[1:])
        _, d = get_json(srv, "%s%d/" % (API_PATH, first[0]["id"]))
        eq(d["trace"], first[0]["trace"])


@test
def grow_and_shrink():
    with MockServer(count=95, grow=3) as srv:
        d1, d2 = page(srv), page(srv, "?page=2")
        eq((d1["count"], d2["count"]), (98, 101))
        # Three more entries arrived between the two pages: page 2 starts with page 1's 8th.
        eq(d2["results"][0]["id"], d1["results"][7]["id"])
        eq(d2["results"][0]["created_at"], d1["results"][7]["created_at"])
        new_id = page(srv)["results"][0]["id"]
        assert new_id > d1["results"][0]["id"]
        eq(get_json(srv, "%s%d/" % (API_PATH, new_id))[1]["id"], new_id)
    with MockServer(count=95) as srv:
        before = [e["id"] for p in range(1, 11) for e in page(srv, "?page=%d" % p)["results"]]
        srv.set(shrink=2)
        d = page(srv)
        eq(d["count"], 93)
        srv.set(shrink=0)
        after = [e["id"] for p in range(1, 11) for e in page(srv, "?page=%d" % p)["results"]]
        gone = sorted(set(before) - set(after))
        eq((len(after), len(gone)), (93, 2))
        assert before.index(gone[0]) in (46, 47, 48), before.index(gone[0])
        eq(get_json(srv, "%s%d/" % (API_PATH, gone[0])), (404, {"detail": "Not found."}))
        srv.set(reset_data=True)
        eq(page(srv)["count"], 95)


@test
def body_shape_faults():
    with MockServer(count=95) as srv:
        for value, expect in [("-5", -5), ('"abc"', "abc"), ("abc", "abc"),
                              ("10000000", 10000000), ("null", None), (-7, -7)]:
            srv.set(count_override=value)
            eq(page(srv)["count"], expect)
        srv.set(count_override="", results_not_list=True)
        d = page(srv)
        assert isinstance(d["results"], dict) and len(d["results"]) == 10
        eq(d["count"], 95)
        srv.set(results_not_list=False, duplicate_ids=True)
        p1, p2 = page(srv)["results"], page(srv, "?page=2")["results"]
        eq(p2[0]["id"], p1[-1]["id"])
        eq(len(p2), 11)


@test
def server_filters():
    with MockServer(count=300) as srv:
        eq(page(srv, "?level__gte=40&app_name=shipment")["count"], 300)  # ignored by default
        srv.set(page_size_param="page_size")
        every = page(srv, "?page_size=300")["results"]
        srv.set(server_filters=True)
        d = page(srv, "?level__gte=40&page_size=300")
        eq([e["id"] for e in d["results"]], [e["id"] for e in every if e["level"] >= 40])
        eq(d["count"], len(d["results"]))
        d = page(srv, "?level=20&app_name=shipment&page_size=300")
        eq([e["id"] for e in d["results"]],
           [e["id"] for e in every if e["level"] == 20 and e["app_name"] == "shipment"])
        eq(page(srv, "?level__gte=&app_name=")["count"], 300)  # blank = no filter
        eq(page(srv, "?level__gte=30.0")["count"],
           sum(e["level"] >= 30 for e in every))
        # django-filter's NumberFilter is a DecimalField (as the reference DRF server says)
        eq(get_json(srv, API_PATH + "?level__gte=abc"),
           (400, {"level__gte": ["Enter a number."]}))


@test
def gzip_encoding():
    with MockServer(count=50, gzip=True) as srv:
        status, h, body = request(srv, headers={"Accept-Encoding": "gzip, deflate"})
        eq((status, h["content-encoding"]), (200, "gzip"))
        eq(json.loads(gzip.decompress(body))["count"], 50)
        status, h, body = request(srv)
        assert "content-encoding" not in h and json.loads(body)["count"] == 50


# ------------------------------------------------------------------ control, logs, CLI

@test
def control_endpoint():
    with MockServer(count=50) as srv:
        url = srv.url + "/__control__"
        state = json.loads(urllib.request.urlopen(url, timeout=scaled(5)).read())
        eq((state["options"]["fail_5xx"], state["state"]["count"]), (0, 50))
        req = urllib.request.Request(url, data=json.dumps({"fail-5xx": 1, "delay": 0.1}).encode(),
                                     method="POST")
        state = json.loads(urllib.request.urlopen(req, timeout=scaled(5)).read())
        eq((state["options"]["fail_5xx"], state["options"]["delay"]), (1, 0.1))
        eq([request(srv)[0] for _ in range(2)], [503, 200])
        for bad in [{"nope": 1}, {"port": 1}, {"delay": "slow"}, [1]]:
            status, _, body = request(srv, "/__control__", method="POST",
                                      body=json.dumps(bad).encode(), token=None)
            eq(status, 400)
        srv.set(count=10, grow=5)
        eq(page(srv)["count"], 15)
        request(srv, "/__control__", method="POST", body=b'{"reset": true}', token=None)
        eq(page(srv)["count"], 50)


@test
def request_log_file():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "requests.jsonl")
        with MockServer(count=20, log_file=path) as srv:
            request(srv, API_PATH + "?page=2", headers={"X-Probe": "42"})
            request(srv, "/__control__")  # not logged
            recs = [json.loads(line) for line in open(path)]
        eq(len(recs), 1)
        eq((recs[0]["method"], recs[0]["path"]), ("GET", API_PATH + "?page=2"))
        eq((recs[0]["headers"]["Authorization"], recs[0]["headers"]["X-Probe"]),
           ("Token " + TOKEN, "42"))
        eq(srv.requests[0], recs[0])


@contextlib.contextmanager
def mock_command(*args):
    """tests/mock_oms.py run as a command: yields (process, port) once it has printed
    "PORT n"; then SIGTERM must stop it cleanly (status 0, nothing on stderr)."""
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_oms.py"), "--port", "0"]
                            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode()
        m = re.match(r"^PORT (\d+)\n$", line)
        assert m, line
        yield proc, int(m.group(1))
        proc.send_signal(signal.SIGTERM)
        eq(proc.wait(timeout=scaled(10)), 0)
        eq(proc.stderr.read(), b"")  # quiet without --log-requests
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@test
def command_line():
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        with mock_command("--count", "40", "--token", "k1", "--port-file", port_file,
                          "--fail-5xx", "1") as (_, port):
            eq(open(port_file).read().strip(), str(port))
            srv = types.SimpleNamespace(port=port)
            eq(request(srv, token="k1")[0], 503)
            eq(get_json(srv, token="k1")[1]["count"], 40)


@test
def million_entries():
    t = time.time()
    with MockServer(count=1_000_000) as srv:
        d = page(srv, "?page=last")
        eq((d["count"], len(d["results"])), (1_000_000, 10))
        eq(d["results"][-1]["id"], 1)
        mid = page(srv, "?page=50000")["results"][3]
        eq(get_json(srv, "%s%d/" % (API_PATH, mid["id"])), (200, mid))
        assert page(srv)["results"][0]["id"] > 1_000_000
    assert time.time() - t < scaled(5), time.time() - t


@test
def hostile_payloads():
    from mock_oms import HOSTILE, INVALID_UTF8
    with MockServer(count=95, hostile=True) as srv:
        results = page(srv)["results"] + page(srv, "?page=2")["results"] + \
            page(srv, "?page=3")["results"]
        for k, (name, raw) in enumerate(HOSTILE):  # each payload decodes, in every text field
            text = json.loads(b'"' + raw + b'"')
            e = results[k]
            eq(e["message"], "%s: %s :end" % (name, text))
            eq((e["logger_name"], e["app_name"]), ("lg." + text, "ap" + text))
            assert e["trace"].endswith("\nValueError: " + text), e["trace"]
            eq(get_json(srv, "%s%d/" % (API_PATH, e["id"])), (200, e))
        assert "@@RAW" not in json.dumps(results[len(HOSTILE)])  # the rest is ordinary
        byname = dict(HOSTILE)
        assert b"\\u001b]0;" in byname["title-osc0"] and b"\xc2\x9b" in byname["csi-8bit"]
        srv.set(hostile=False, invalid_utf8=True)
        status, _, body = request(srv)
        eq(status, 200)
        assert INVALID_UTF8 in body, body[:300]
        try:
            body.decode("utf-8")
            raise AssertionError("the body should not be UTF-8")
        except UnicodeDecodeError:
            pass


@test
def lean_truncated_reflect():
    with MockServer(count=200_000, page_size=100_000, max_page_size=0, lean=True) as srv:
        t = time.time()
        d = page(srv)
        eq(len(d["results"]), 100_000)
        e = d["results"][5]
        eq((e["message"], e["trace"]), ("lean entry %d" % e["id"], ""))
        assert time.time() - t < scaled(15), time.time() - t
    with MockServer(count=95, truncated_json=True, reflect_auth=True) as srv:
        status, hdrs, body = request(srv)
        eq((status, int(hdrs["content-length"])), (200, len(body)))  # well framed...
        try:
            json.loads(body)
            raise AssertionError("...but the JSON is cut")
        except ValueError:
            pass
        eq(get_json(srv, token="wrong-one"),
           (401, {"detail": "Invalid token. (Authorization: Token wrong-one)"}))


# ------------------------------------------------------------------ handler, hooks, workers

def raw_get(srv, path, timeout=2):
    """Everything a GET of path receives until the server closes or goes quiet."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=scaled(timeout))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        got += b"<RST>"
    s.close()
    return got


@test
def handler_replies_and_recording():
    """A handler answers what it knows (any bytes, in every way a reply can go out)
    and leaves the rest to the API; every request is recorded either way."""
    body = b'{"raw": "\x9b\xc0"}' + b"x" * 100
    replies = {"/bytes": Reply(200, [("Content-Type", "application/json")], body),
               "/cut": Reply(200, (), body, mode="truncate", cut=3),
               "/stall": Reply(200, (), body, mode="stall", cut=1),
               "/reset": Reply(200, (), body, mode="reset"),
               "/chunked": Reply(200, (), b"z" * 70000, mode="chunked"),
               "/early": Reply(200, (), b"{}", informational=[(103, [("Link", "</a>")])]),
               "/json": json_reply(418, {"detail": "teapot"})}
    with MockServer(count=20, handler=lambda req: replies.get(req["path"])) as srv:
        eq(request(srv, "/bytes")[2], body)
        eq(request(srv, "/json")[:3:2], (418, b'{"detail":"teapot"}'))
        eq(request(srv)[0], 200)  # None: the API answers
        got = raw_get(srv, "/cut")
        assert got.endswith(b"\r\n\r\n" + body[:3]) and b"Content-Length: %d" % len(body) \
            in got, got
        assert raw_get(srv, "/stall", timeout=0.5).endswith(b"\r\n\r\n{"), "stall"
        eq(raw_get(srv, "/reset"), b"<RST>")
        got = raw_get(srv, "/chunked")
        assert b"Transfer-Encoding: chunked" in got and got.endswith(b"\r\n0\r\n\r\n"), got[-50:]
        got = raw_get(srv, "/early")
        assert got.startswith(b"HTTP/1.1 103") and b"Link: </a>" in got, got
        eq(srv.count(), 8)
        dump = srv.dump()
        assert "GET /json\n" in dump and "Authorization: Token %s\n" % TOKEN in dump, dump
        eq([r["path"] for r in srv.requests][:2], ["/bytes", "/json"])


@test
def hooks_wrap_and_observe():
    class Count(Hooks):
        def __init__(self):
            self.answered, self.opened, self.cpu = [], 0, 0.0

        def respond(self, mock, req, answer):
            r = answer(req)
            self.answered.append((req["path"], r.status))
            return r

        def describe(self, mock, description):
            description["state"]["answered"] = len(self.answered)

        def connection(self, mock, conn, opened):
            self.opened += opened

        def request_done(self, handler, cpu_s):
            self.cpu += cpu_s

    hooks = Count()
    with MockServer(count=20, hooks=hooks) as srv:
        eq(request(srv, API_PATH + "?page=9")[0], 404)
        eq(request(srv)[0], 200)
        eq(get_json(srv, "/__control__")[1]["state"]["answered"], 2)  # not itself counted
    eq(hooks.answered, [(API_PATH + "?page=9", 404), (API_PATH, 200)])
    eq(hooks.opened, 3)
    assert hooks.cpu > 0


@test
def worker_processes_share_control_and_counters():
    """--workers 2: two keep-alive connections get a worker each; a change POSTed
    through one reaches the other; the counters add up over both."""
    with mock_command("--count", "40", "--workers", "2", "--cache") as (_, port):
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=scaled(10))
                 for _ in range(2)]

        def count(c):
            c.request("GET", API_PATH, headers={"Authorization": "Token " + TOKEN})
            return json.loads(c.getresponse().read())["count"]
        eq([count(c) for c in conns], [40, 40])
        conns[0].request("POST", "/__control__", body=b'{"count_override": "7"}')
        state = json.loads(conns[0].getresponse().read())["state"]
        eq((state["workers"], sorted(state["open_per_worker"])), (2, [1, 1]))
        eq([count(c) for c in conns], [7, 7])
        conns[1].request("GET", "/__control__")
        state = json.loads(conns[1].getresponse().read())["state"]
        eq((state["requests"], state["inflight"]["served"]), (4, 4))
        assert state["cpu_s"] > 0 and state["turnaround"]["n"] >= 2, state
        for c in conns:
            c.close()


# ------------------------------------------------------------------ the runner

SUITES = ["test_mock_oms.py", "integration_cli.py", "integration_security.py",
          "e2e_browser.py", "e2e_hardening.py"]


@test
def runner_unknown_test_name_fails_every_suite():
    """A name no test has fails the run before anything runs (it used to pass as
    "0 passed, 0 failed"), in every suite; /bin/true stands in for omslog."""
    env = dict(os.environ, OMSLOG_BIN="/bin/true")
    for script in SUITES:
        p = subprocess.run([sys.executable, os.path.join(HERE, script), "t_typo"],
                           capture_output=True, text=True, env=env, timeout=scaled(60))
        lines = p.stdout.strip().split("\n")
        eq((script, p.returncode, lines[-1]), (script, 1, "0 passed, 1 failed"))
        assert "no test matches t_typo" in p.stdout, (script, p.stdout, p.stderr[-500:])


@test
def runner_reports_and_selects():
    import io
    from harness import SCALE
    ran = []
    s = Suite()

    def t_fine():
        ran.append("fine")

    def t_fine_too():
        ran.append("fine_too")

    def test_broken():
        ran.append("broken")
        assert False, "broken on purpose"

    def test_not_here():
        raise Skip("not here")
    for fn in (t_fine, t_fine_too, test_broken, test_not_here):
        s.add(fn.__name__, fn)
    s.add("t_sized", lambda size: ran.append(size), variants=[("80x24", 80), ("160x50", 160)])

    def run(*args):
        del ran[:]
        out = io.StringIO()
        rc = s.main(list(args), out=out)
        return rc, out.getvalue().strip().split("\n")
    rc, lines = run()
    eq((rc, lines[-2:]), (1, ["1 skipped (see the skip lines above)", "4 passed, 1 failed"]))
    assert "FAIL test_broken: broken on purpose" in lines and \
        "skip test_not_here: not here" in lines, lines
    assert any(ln.startswith("ok   sized 160x50 (") for ln in lines), lines
    eq(run("fine"), (0, run("t_fine")[1]))  # the exact name, with or without prefix
    eq(ran, ["fine"])
    eq(run("ine")[0], 0)  # no exact name: every name containing it
    eq(ran, ["fine", "fine_too"])
    eq(run("sized", "nope", "fine")[1], ["FAIL setup: no test matches nope",
                                         "0 passed, 1 failed"])
    eq(ran, [])
    eq(scaled(2), 2 * SCALE)


# ------------------------------------------------------------------ django-filter lookups
# The semantics below were checked against the reference DRF server (bench/drf/compare.py):
# Debian bookworm's Django 3.2, DRF 3.14, django-filter 23.1.

def lookup_mock(count=400, **opts):
    opts.setdefault("lookups", "all")
    return MockServer(count=count, page_size_param="page_size", **opts)


def everything(srv):
    d = page(srv, "?page_size=1000")
    assert d["count"] == len(d["results"]), d["count"]
    return d["results"]


def ids_of(srv, query):
    """(count, ids of every page) of a query."""
    d = page(srv, "?page_size=1000&" + query)
    out = [e["id"] for e in d["results"]]
    while d["next"]:
        d = page(srv, "?" + d["next"].split("?", 1)[1])
        out += [e["id"] for e in d["results"]]
    eq(d["count"], len(out))
    return d["count"], out


def expect(srv, query, rows, pred):
    want = [e["id"] for e in rows if pred(e)]
    assert 0 < len(want) < len(rows), (query, len(want))  # a filter that can be seen to work
    eq(ids_of(srv, query), (len(want), want))


@test
def lookups_on_numbers():
    with lookup_mock() as srv:
        rows = everything(srv)
        mid = rows[len(rows) // 2]["id"]
        for op, pred in (("", lambda a, b: a == b), ("__gte", lambda a, b: a >= b),
                         ("__lte", lambda a, b: a <= b), ("__gt", lambda a, b: a > b),
                         ("__lt", lambda a, b: a < b)):
            expect(srv, "level%s=30" % op, rows, lambda e: pred(e["level"], 30))
            expect(srv, "id%s=%d" % (op, mid), rows, lambda e: pred(e["id"], mid))
        expect(srv, "level__in=25,40,50", rows, lambda e: e["level"] in (25, 40, 50))
        expect(srv, "id__in=%d,%d,999999" % (rows[0]["id"], mid), rows,
               lambda e: e["id"] in (rows[0]["id"], mid))
        # a DecimalField, then int(): 20.5 is 20, and Decimal's spellings are numbers
        for same in ("20.5", "20.7", "20.0", " 20 ", "+20", "2e1", "2_0", "\uff12\uff10"):
            eq(ids_of(srv, urlencode({"level": same})), ids_of(srv, "level=20"))
        eq(ids_of(srv, "level__lt=30.9"), ids_of(srv, "level__lt=30"))  # truncated
        eq(ids_of(srv, "level=-1"), (0, []))  # an impossible value: nothing
        eq(ids_of(srv, "level=10&level=20"), ids_of(srv, "level=20"))  # the last one counts
        eq(ids_of(srv, "id__gt=99999999999999999999")[0], 0)
        eq(page(srv, "?level__gte=30&page_size=7&page=2")["next"].split("?")[1],
           "level__gte=30&page=3&page_size=7")  # DRF's links keep the filters


@test
def lookups_on_text_and_times():
    with lookup_mock() as srv:
        rows = everything(srv)
        expect(srv, "app_name=shipment", rows, lambda e: e["app_name"] == "shipment")
        expect(srv, "app_name=%20shipment%20", rows, lambda e: e["app_name"] == "shipment")
        eq(ids_of(srv, "app_name=SHIPMENT")[0], 0)  # exact is case-sensitive
        expect(srv, "app_name__in=shipment,,payment", rows,
               lambda e: e["app_name"] in ("shipment", "payment"))
        logger = rows[3]["logger_name"]
        expect(srv, "logger_name=" + logger, rows, lambda e: e["logger_name"] == logger)
        expect(srv, "logger_name__in=%s,django.request" % logger, rows,
               lambda e: e["logger_name"] in (logger, "django.request"))
        whole = next(e for e in rows[1:-1] if not re.search(r"\.\d+Z$", e["created_at"]))
        t = whole["created_at"]  # "...:35Z": the boundary itself, to the microsecond
        expect(srv, "created_at__gte=" + t, rows, lambda e: e["created_at"] >= t)
        expect(srv, "created_at__gt=" + t, rows, lambda e: e["created_at"] > t)
        expect(srv, "created_at__lte=" + t, rows, lambda e: e["created_at"] <= t)
        expect(srv, "created_at__lt=" + t, rows, lambda e: e["created_at"] < t)
        naive, hhmm = t[:-1], t[:16]  # naive times are UTC (TIME_ZONE = "UTC")
        eq(ids_of(srv, "created_at__gte=" + naive), ids_of(srv, "created_at__gte=" + t))
        eq(ids_of(srv, "created_at__gte=" + naive.replace("T", "%20")),
           ids_of(srv, "created_at__gte=" + t))
        plus3 = "%02d" % ((int(t[11:13]) + 3) % 24)  # the same instant at +03:00
        if int(t[11:13]) < 21:
            for offset in ("%2B03:00", "%2B0300", "%2B03"):
                eq(ids_of(srv, "created_at__gte=%s%s%s%s" % (t[:11], plus3, t[13:-1], offset)),
                   ids_of(srv, "created_at__gte=" + t))
        eq(ids_of(srv, "created_at__gte=%s.0000009Z" % t[:-1]),  # digits past 6 dropped
           ids_of(srv, "created_at__gte=" + t))
        expect(srv, "created_at__gte=%s:00Z" % hhmm, rows,
               lambda e: e["created_at"] >= hhmm + ":00")


@test
def lookups_blank_and_invalid_values():
    with lookup_mock(count=200) as srv:
        total = len(everything(srv))

        def bad(query, body):
            eq(get_json(srv, API_PATH + "?" + query), (400, body))

        number, when = ["Enter a number."], ["Enter a valid date/time."]
        for q in ("level=abc", "level=%20", "level=inf", "level=NaN", "level=1.2.3"):
            bad(q, {"level": number})
        bad("level=1e400", {"level": ["Ensure this value is less than or equal to 1e+50."]})
        bad("level__in=10,abc", {"level__in": number})
        bad("level__in=%20", {"level__in": number})
        for q in ("2026-11-20", "bad", "%20", "2026-13-20T00:00Z", "2026-11-20T24:00",
                  "2026-11-20T00:00%2B24:00", "2026-11-20T00"):
            bad("created_at__gte=" + q, {"created_at__gte": when})
        bad("app_name=a%00b", {"app_name": ["Null characters are not allowed."]})
        bad("id__lt=abc&id__gt=x&level=y&page=999",  # every field; before the page
            {"level": number, "id__lt": number, "id__gt": number})
        for blank in ("level=", "level__in=", "app_name=", "app_name=%20", "search=",
                      "search=%20,%20", "ordering=", "created_at__gte=", "id__lt="):
            eq(ids_of(srv, blank)[0], total)  # blank: no filter
        eq(ids_of(srv, "level__in=,"), (0, []))  # blank items match nothing
        eq(ids_of(srv, "app_name__in=,"), (0, []))
        for unknown in ("foo=bar", "level__foo=1", "level__contains=2", "appname=x"):
            eq(ids_of(srv, unknown)[0], total)  # DRF ignores what it does not know
        srv.set(lookups="level")
        eq(ids_of(srv, "level__gte=abc")[0], total)  # not honoured: not even validated
        eq(get_json(srv, API_PATH + "?level=abc")[0], 400)


@test
def search_terms_and_fields():
    with lookup_mock() as srv:
        rows = everything(srv)

        def up(t):
            return "".join(c.upper() if len(c.upper()) == 1 else c for c in t)

        def has(e, *terms):
            return all(any(up(t) in up(e[f]) for f in ("message", "logger_name", "app_name"))
                       for t in terms)
        expect(srv, "search=order", rows, lambda e: has(e, "order"))
        eq(ids_of(srv, "search=ORDER"), ids_of(srv, "search=order"))
        expect(srv, "search=order%20shipment", rows, lambda e: has(e, "order", "shipment"))
        eq(ids_of(srv, "search=order,shipment"), ids_of(srv, "search=order%20shipment"))
        eq(ids_of(srv, "search=%20order%00%20,,shipment%20"),  # NULs go, commas are spaces
           ids_of(srv, "search=order%20shipment"))
        expect(srv, "search=payment", rows, lambda e: has(e, "payment"))  # app, logger
        assert any("payment" not in e["message"].lower() for e in rows if has(e, "payment"))
        expect(srv, "search=%C4%B0stanbul", rows, lambda e: has(e, "\u0130stanbul"))
        eq(ids_of(srv, "search=istanbul")[0], 0)  # upper("i") is "I", not "İ"
        expect(srv, "search=%C3%B6deme", rows, lambda e: has(e, "\u00f6deme"))
        eq(ids_of(srv, "search=%22order%20OS%22")[0], 0)  # quotes are part of the terms
        eq(ids_of(srv, "search=Traceback")[0], 0)  # traces are not searched
        assert any(e["trace"] and "Traceback" in e["trace"] for e in rows)
        eq([srv_mock.pg_upper(t) for t in ("stra\u00dfe", "\u0131i", "\ufb01")],
           ["STRA\u00dfE", "II", "\ufb01"])  # one character for one, as PostgreSQL


@test
def ordering_and_sort():
    with lookup_mock(count=150) as srv:
        rows = everything(srv)
        newest = [e["id"] for e in rows]
        eq(ids_of(srv, "ordering=id")[1], newest[::-1])
        eq(ids_of(srv, "ordering=-id")[1], newest)
        eq(ids_of(srv, "ordering=created_at")[1],
           [e["id"] for e in sorted(rows, key=lambda e: e["created_at"])])
        eq(ids_of(srv, "ordering=-created_at,id")[1], newest)
        for ignored in ("ordering=level", "ordering=--id", "ordering=foo", "sort=id"):
            eq(ids_of(srv, ignored)[1], newest)  # invalid fields dropped: the default
        eq(ids_of(srv, "ordering=foo,%20id")[1], newest[::-1])
        first = page(srv, "?ordering=id&page=last&page_size=100")
        eq([e["id"] for e in first["results"]], newest[::-1][100:])
        low = [e["id"] for e in rows if e["level"] >= 30]
        eq(ids_of(srv, "level__gte=30&ordering=id")[1], low[::-1])
        srv.set(lookups="full-sort")  # Akinon's name: sort, and ordering is unknown
        eq(ids_of(srv, "sort=id")[1], newest[::-1])
        eq(ids_of(srv, "ordering=id")[1], newest)
        srv.set(lookups="level,sort,ordering")  # both, as two OrderingFilters would
        eq(ids_of(srv, "sort=id")[1], ids_of(srv, "ordering=id")[1])


@test
def lookup_presets_and_switches():
    with lookup_mock(count=200, lookups="none") as srv:
        total = len(everything(srv))
        for q in ("level=20", "search=order", "ordering=id"):
            eq(ids_of(srv, q)[0], total)
        srv.set(lookups="exact")  # the reference server's `exact` backends
        assert ids_of(srv, "level=20")[0] < total
        assert ids_of(srv, "logger_name=django.request")[0] < total
        for q in ("level__gte=30", "level__in=10,20", "search=order", "ordering=id",
                  "id__lt=100"):
            eq(ids_of(srv, q)[0], total)
        srv.set(lookups="full")
        assert ids_of(srv, "level__gte=30")[0] < total
        eq(ids_of(srv, "level__gt=30")[0], total)  # not in the reference FilterSet
        srv.set(lookups="app_name__in, id__lt")  # names; spaces are fine
        assert ids_of(srv, "id__lt=100")[0] < total
        eq(ids_of(srv, "app_name=shipment")[0], total)
        for bad in ({"lookups": "level__like"}, {"liars": "level"},
                    {"liars": "level:sometimes"}, {"liars": "nope:ignore"}):
            status, body = get_json(srv, "/__control__", method="POST",
                                    body=json.dumps(bad).encode())
            eq(status, 400)
            assert "lookup" in body["detail"] or "liar" in body["detail"], body
        eq(get_json(srv, "/__control__")[1]["options"]["lookups"], "app_name__in, id__lt")
        try:
            MockServer(lookups="levels")
            raise AssertionError("an unknown lookup was accepted")
        except ValueError as e:
            assert "unknown lookup: levels" in str(e), e
    with MockServer(count=100, server_filters=True) as srv:  # the older switch: three
        assert page(srv, "?level=20")["count"] < 100
        eq(page(srv, "?level__lte=20")["count"], 100)


@test
def liars_ignore_or_drop():
    with lookup_mock(liars="level__gte:ignore,app_name:drop,search:drop,ordering:ignore",
                     lookups="id__lt") as srv:
        rows = everything(srv)
        eq(ids_of(srv, "level__gte=40")[1], [e["id"] for e in rows])  # accepted, no effect
        eq(get_json(srv, API_PATH + "?level__gte=abc")[0], 400)  # yet validated
        honest = [e["id"] for e in rows if e["app_name"] == "shipment"]
        count, got = ids_of(srv, "app_name=shipment")
        assert set(got) < set(honest) and len(got) >= len(honest) // 2, (got, honest)
        assert all(next(e for e in rows if e["id"] == i)["app_name"] == "shipment"
                   for i in got)  # what it answers matches; some matches are missing
        eq(ids_of(srv, "app_name=shipment"), (count, got))  # the same lie each time
        found = ids_of(srv, "search=order")[1]
        want = [e["id"] for e in rows if "ORDER" in (e["message"] + e["logger_name"]
                                                      + e["app_name"]).upper()]
        assert set(found) < set(want), (len(found), len(want))
        eq(ids_of(srv, "ordering=id")[1], [e["id"] for e in rows])  # order ignored
        assert ids_of(srv, "id__lt=100")[0] < len(rows)  # the honest ones still work
        srv.set(liars="id__lt:drop,level:drop")
        honest = [e["id"] for e in rows if e["id"] < 300 and e["level"] == 20]
        got = ids_of(srv, "id__lt=300&level=20")[1]
        assert set(got) < set(honest), (got, honest)
        srv.set(liars="ordering:drop")
        got = ids_of(srv, "ordering=id")[1]
        assert got == sorted(got) and len(got) < len(rows), got


@test
def search_fields_switchable():
    with lookup_mock() as srv:
        rows = everything(srv)
        traced = [e["id"] for e in rows if e["trace"] and "Traceback" in e["trace"]]
        assert traced
        eq(ids_of(srv, "search=Traceback")[0], 0)  # the default: no trace
        srv.set(search_fields="message,logger_name,app_name,trace")
        eq(ids_of(srv, "search=Traceback")[1], traced)
        srv.set(search_fields="app_name")  # the logger names hold "payment" too
        eq(ids_of(srv, "search=payment")[1], [e["id"] for e in rows if e["app_name"] == "payment"])
        try:
            srv.set(search_fields="message,nosuch")
            raise AssertionError("an unknown field was taken")
        except ValueError:
            pass
        eq(srv.describe()["options"]["search_fields"], "app_name")


if __name__ == "__main__":
    sys.exit(suite.main(sys.argv[1:]))
