#!/usr/bin/env python3
"""Integration tests: the real omslog binary (OMSLOG_BIN) against the mock DRF
server (tests/mock_oms.py) on loopback. Each test runs a command the way a
script or a person would and asserts on its output and exit status. Redirects
are tested in integration_security.py. Arguments and output: see
tests/harness.py."""
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from harness import EXIT, free_port, Suite, omslog_env, scaled  # noqa: E402
from mock_oms import Hooks, MockServer, error_reply  # noqa: E402

BIN = os.environ.get("OMSLOG_BIN", os.path.abspath("build/omslog"))
TOKEN = "it-token-0123456789abcdef"
COUNT = 137  # not a multiple of the page size: the last page is partial
ESC = "\x1b"

TMP = tempfile.mkdtemp(prefix="omslog-it-")


def run(args, env_extra=None, timeout=60, token=TOKEN, stdin=None):
    env = omslog_env(TMP, token, dict({"COLUMNS": "100"}, **(env_extra or {})))
    p = subprocess.run([BIN] + args, capture_output=True, timeout=scaled(timeout), env=env,
                       stdin=subprocess.DEVNULL if stdin is None else stdin)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), \
        p.stderr.decode("utf-8", "surrogateescape")


def jsonl(out):
    # split on "\n" only: U+2028 and friends are legal inside JSON strings
    return [json.loads(line) for line in out.split("\n") if line.strip()]


class Ctx:
    server = None

    @classmethod
    def url(cls):
        return cls.server.url


def expect(rc, want, out, err):
    assert rc == EXIT[want], "exit %d, wanted %d (%s)\nstdout: %s\nstderr: %s" % (
        rc, EXIT[want], want, out[:500], err[:500])


def all_entries():
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--format", "jsonl"])
    expect(rc, "ok", out, err)
    return jsonl(out)


# ---------------------------------------------------------------- list

def test_list_default_is_twenty_newest_as_jsonl_when_piped():
    rc, out, err = run(["--url", Ctx.url(), "list"])
    expect(rc, "ok", out, err)
    rows = jsonl(out)
    assert len(rows) == 20, len(rows)
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 20


def test_list_all_walks_every_page_exactly_once():
    rows = all_entries()
    ids = [r["id"] for r in rows]
    assert len(rows) == COUNT, len(rows)
    assert len(set(ids)) == COUNT
    assert ids == sorted(ids, reverse=True)
    for r in rows:  # the server's fields, exactly
        assert set(r) >= {"id", "level", "logger_name", "message", "app_name", "trace",
                          "created_at"}, r.keys()


def test_list_jsonl_keeps_server_fields_exact():
    rows = all_entries()
    first = rows[0]
    with __import__("urllib.request").request.urlopen(__import__("urllib.request").request.Request(
            Ctx.url() + "/api/v1/oms/logs/action_log/%d/" % first["id"],
            headers={"Authorization": "Token " + TOKEN})) as resp:
        direct = json.loads(resp.read())
    assert direct == first


def test_list_level_filter_is_applied_client_side():
    rows = all_entries()
    want = [r["id"] for r in rows if r["level"] >= 40]
    assert want, "fixture has no errors"
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--level", "ERROR"])
    expect(rc, "ok", out, err)
    got = [r["id"] for r in jsonl(out)]
    assert got == want, (len(got), len(want))
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--level", "30"])
    assert [r["id"] for r in jsonl(out)] == [r["id"] for r in rows if r["level"] >= 30]


def test_list_app_and_search_filters():
    rows = all_entries()
    apps = sorted({r["app_name"] for r in rows})
    assert len(apps) >= 2
    a, b = apps[0], apps[1]
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--app", a, "--app", b])
    expect(rc, "ok", out, err)
    assert [r["id"] for r in jsonl(out)] == [r["id"] for r in rows if r["app_name"] in (a, b)]
    word = rows[3]["message"].split()[0]
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--search", word.upper()])
    expect(rc, "ok", out, err)
    got = jsonl(out)
    assert rows[3]["id"] in [r["id"] for r in got]
    lw = word.lower()
    for r in got:
        hay = " ".join([r["message"], r["logger_name"], r["app_name"], r["trace"] or ""]).lower()
        assert lw in hay, (lw, r["id"])


def test_list_limit_counts_matching_entries():
    rc, out, err = run(["--url", Ctx.url(), "list", "--limit", "15", "--level", "warning"])
    expect(rc, "ok", out, err)
    got = jsonl(out)
    assert len(got) == 15 and all(r["level"] >= 30 for r in got)


def test_list_page_alone_is_that_page():
    rows = all_entries()
    rc, out, err = run(["--url", Ctx.url(), "list", "--page", "3"])
    expect(rc, "ok", out, err)
    assert [r["id"] for r in jsonl(out)] == [r["id"] for r in rows[20:30]]


def test_list_page_past_the_end():
    rc, out, err = run(["--url", Ctx.url(), "list", "--page", "999"])
    expect(rc, "not_found", out, err)
    assert "page 999 is past the end" in err, err


def test_list_table_format_aligned_and_fits():
    rc, out, err = run(["--url", Ctx.url(), "list", "--format", "table", "--limit", "30"])
    expect(rc, "ok", out, err)
    lines = out.splitlines()
    assert lines[0].split()[:6] == ["ID", "TIME", "LEVEL", "APP", "LOGGER", "MESSAGE"], lines[0]
    assert len(lines) == 31
    import unicodedata

    def width(s):
        return sum(0 if unicodedata.combining(c) or unicodedata.category(c) == "Cf" else
                   2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
    for line in lines:
        assert width(line) <= 100, (width(line), line)
    # the LEVEL column starts at the same place on every row
    col = lines[0].index("LEVEL")
    for line in lines[1:]:
        assert line[col:col + 1] != " ", line


def test_list_csv_is_rfc4180():
    rows = all_entries()[:20]
    rc, out, err = run(["--url", Ctx.url(), "list", "--format", "csv"])
    expect(rc, "ok", out, err)
    assert "\r\n" in out
    parsed = list(csv.reader(io.StringIO(out, newline="")))
    assert parsed[0][:3] == ["id", "level", "level_name"], parsed[0]
    assert [int(p[0]) for p in parsed[1:]] == [r["id"] for r in rows]
    msg_col = parsed[0].index("message")
    assert [p[msg_col] for p in parsed[1:]] == [r["message"] for r in rows]


def test_list_json_is_one_array():
    rc, out, err = run(["--url", Ctx.url(), "list", "--format", "json", "--limit", "5"])
    expect(rc, "ok", out, err)
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 5


def test_list_bad_arguments():
    for args, text in [(["list", "--level", "loud"], "unknown level"),
                       (["list", "--format", "xml"], "unknown --format"),
                       (["list", "--limit", "0"], "--limit"),
                       (["list", "--page", "-1"], "--page"),
                       (["list", "--limit", "3", "--all"], "either"),
                       (["list", "--search", "(", "--regex"], "search"),
                       (["frobnicate"], "unknown command"),
                       (["--bogus"], "unknown option")]:
        rc, out, err = run(["--url", Ctx.url()] + args)
        expect(rc, "usage", out, err)
        assert text in err, (args, err)
        assert err.count("\n") == 1, err


# ---------------------------------------------------------------- get

def test_get_text_shows_every_field_and_trace():
    rows = all_entries()
    e = next(r for r in rows if r["trace"])
    rc, out, err = run(["--url", Ctx.url(), "get", str(e["id"])])
    expect(rc, "ok", out, err)
    assert "id: %d" % e["id"] in out
    for field in ["level:", "created_at:", "app_name:", "logger_name:", "message:", "trace:"]:
        assert field in out, field
    last_trace_line = e["trace"].strip().splitlines()[-1]
    if ESC not in last_trace_line:
        assert last_trace_line.strip()[:40] in out


def test_get_json_is_the_server_object():
    rows = all_entries()
    rc, out, err = run(["--url", Ctx.url(), "get", str(rows[5]["id"]), "--format", "json"])
    expect(rc, "ok", out, err)
    assert json.loads(out) == rows[5]


def test_get_missing_id():
    rc, out, err = run(["--url", Ctx.url(), "get", "99999999"])
    expect(rc, "not_found", out, err)
    assert "log 99999999 not found" in err


def test_get_bad_id():
    rc, out, err = run(["--url", Ctx.url(), "get", "12abc"])
    expect(rc, "usage", out, err)
    rc, out, err = run(["--url", Ctx.url(), "get"])
    expect(rc, "usage", out, err)


# ---------------------------------------------------------------- auth & config

def test_wrong_token():
    rc, out, err = run(["--url", Ctx.url(), "list"], token="nope")
    expect(rc, "auth", out, err)
    assert "Invalid token" in err and "OMSLOG_TOKEN" in err, err
    assert "nope" not in err


def test_missing_token():
    rc, out, err = run(["--url", Ctx.url(), "list"], token=None)
    expect(rc, "auth", out, err)
    assert "credentials were not provided" in err, err


def test_forbidden_is_an_auth_error():
    with MockServer(count=20, token=TOKEN, auth_403=True) as s:
        rc, out, err = run(["--url", s.url, "list"], token="bad")
        expect(rc, "auth", out, err)
        assert "403" in err


def test_no_url_configured():
    rc, out, err = run(["list"])
    expect(rc, "config", out, err)
    assert "--url" in err and "OMSLOG_URL" in err


def test_config_file_precedence_and_permissions():
    d = tempfile.mkdtemp(dir=TMP)
    cfg = os.path.join(d, "config")
    with open(cfg, "w") as f:
        f.write("# omslog\nurl = http://127.0.0.1:1\ntoken = %s\n" % TOKEN)
    os.chmod(cfg, 0o644)
    rc, out, err = run(["--config", cfg, "list"], token=None)
    expect(rc, "config", out, err)
    assert "chmod 600" in err and cfg in err, err
    os.chmod(cfg, 0o600)
    # file alone: url from the file points nowhere → connect error
    rc, out, err = run(["--config", cfg, "list"], token=None)
    expect(rc, "connect", out, err)
    # environment beats file
    rc, out, err = run(["--config", cfg, "list"], token=None, env_extra={"OMSLOG_URL": Ctx.url()})
    expect(rc, "ok", out, err)
    # flag beats environment
    rc, out, err = run(["--config", cfg, "--url", Ctx.url(), "list"], token=None,
                       env_extra={"OMSLOG_URL": "http://127.0.0.1:1"})
    expect(rc, "ok", out, err)
    # XDG default location
    xdg = os.path.join(d, "xdg")
    os.makedirs(os.path.join(xdg, "omslog"))
    with open(os.path.join(xdg, "omslog", "config"), "w") as f:
        f.write("url = %s\n" % Ctx.url())
    os.chmod(os.path.join(xdg, "omslog", "config"), 0o600)
    rc, out, err = run(["list", "--limit", "1"], env_extra={"XDG_CONFIG_HOME": xdg})
    expect(rc, "ok", out, err)


def test_token_file():
    d = tempfile.mkdtemp(dir=TMP)
    tf = os.path.join(d, "token")
    with open(tf, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(tf, 0o640)
    rc, out, err = run(["--url", Ctx.url(), "--token-file", tf, "list"], token=None)
    expect(rc, "config", out, err)
    assert "chmod 600" in err
    os.chmod(tf, 0o600)
    rc, out, err = run(["--url", Ctx.url(), "--token-file", tf, "list", "--limit", "1"], token=None)
    expect(rc, "ok", out, err)


def test_token_on_command_line_hint_and_never_printed():
    rc, out, err = run(["-v", "--url", Ctx.url(), "--token", TOKEN, "list", "--limit", "2"],
                       token=None)
    expect(rc, "ok", out, err)
    assert "hint" in err and "OMSLOG_TOKEN" in err
    assert TOKEN not in err and TOKEN not in out
    assert "GET " in err and "200" in err  # verbose shows requests


def test_token_given_twice_the_last_wins():
    """--token twice: the second replaces the first (which used to be freed
    while still referenced: a use-after-free the ASan run catches)."""
    rc, out, err = run(["--url", Ctx.url(), "--token", "wrong-token-1", "--token", TOKEN,
                        "list", "--limit", "1", "--format", "jsonl"], token=None)
    expect(rc, "ok", out, err)
    assert len(jsonl(out)) == 1 and "wrong-token-1" not in err + out
    rc, out, err = run(["--url", Ctx.url(), "--token", TOKEN, "--token", "wrong-token-2",
                        "list", "--limit", "1"], token=None)
    expect(rc, "auth", out, err)


def test_help_and_version():
    rc, out, err = run(["--help"])
    assert rc == 0 and "usage: omslog" in out and "--token-file" in out
    rc, out, err = run(["--version"])
    assert rc == 0 and out.startswith("omslog ")


def test_url_forms_all_work():
    base = Ctx.url()
    for u in [base, base + "/", base + "/api/v1/oms/logs/action_log",
              base + "/api/v1/oms/logs/action_log/"]:
        rc, out, err = run(["--url", u, "list", "--limit", "1"])
        expect(rc, "ok", out, err)
    rc, out, err = run(["--url", "ftp://x", "list"])
    expect(rc, "config", out, err)
    rc, out, err = run(["--url", "http://user:pw@127.0.0.1:1", "list"])
    expect(rc, "config", out, err)


# ---------------------------------------------------------------- faults

def test_server_errors_retry_then_fail():
    with MockServer(count=20, token=TOKEN, fail_5xx=100) as s:
        rc, out, err = run(["--url", s.url, "--retries", "1", "list"])
        expect(rc, "server", out, err)
        assert "503" in err and "2 attempts" in err, err


def test_intermittent_503_recovers():
    with MockServer(count=20, token=TOKEN, fail_5xx=1) as s:
        rc, out, err = run(["--url", s.url, "list", "--all"])
        expect(rc, "ok", out, err)
        assert len(jsonl(out)) == 20


def test_rate_limit_honours_retry_after():
    with MockServer(count=20, token=TOKEN, rate_limit=1) as s:
        t = time.time()
        rc, out, err = run(["--url", s.url, "list", "--limit", "3"])
        expect(rc, "ok", out, err)
        assert time.time() - t >= 0.9  # a lower bound: not scaled
        assert len(jsonl(out)) == 3


def test_malformed_json():
    with MockServer(count=20, token=TOKEN, malformed=True) as s:
        rc, out, err = run(["--url", s.url, "list"])
        expect(rc, "protocol", out, err)
        # A body that is not JSON at all is described by what came instead.
        assert "not JSON" in err and "(HTTP 200)" in err and "body starts: " in err, err


def test_html_error_page_from_proxy():
    with MockServer(count=20, token=TOKEN, html_error=True) as s:
        rc, out, err = run(["--url", s.url, "--retries", "0", "list"])
        expect(rc, "server", out, err)
        assert "502" in err and "<" in err and err.count("\n") == 1, err


def test_truncated_body():
    with MockServer(count=20, token=TOKEN, truncate=True) as s:
        rc, out, err = run(["--url", s.url, "--retries", "0", "list"])
        expect(rc, "protocol", out, err)
        assert "cut short" in err or "truncated" in err, err


def test_stalled_body_times_out():
    with MockServer(count=20, token=TOKEN, stall=True) as s:
        t = time.time()
        rc, out, err = run(["--url", s.url, "--timeout", "2", "--retries", "0", "list"])
        expect(rc, "timeout", out, err)
        assert time.time() - t < scaled(15)


def test_connection_refused():
    rc, out, err = run(["--url", "http://127.0.0.1:%d" % free_port(), "list"])
    expect(rc, "connect", out, err)
    assert "cannot connect" in err


def test_dns_failure_and_plain_http_warning():
    rc, out, err = run(["--url", "http://nonexistent.invalid", "list"])
    expect(rc, "dns", out, err)
    assert "resolve" in err
    assert "plain http" in err


def test_tls_failure():
    rc, out, err = run(["--url", "https://127.0.0.1:%d" % Ctx.server.port, "--retries", "0",
                        "list"])
    expect(rc, "tls", out, err)


def test_invalid_count_and_results():
    for opts, text in [(dict(count_override=-5), "count"), (dict(count_override="abc"), "count"),
                       (dict(results_not_list=True), "results")]:
        with MockServer(count=20, token=TOKEN, **opts) as s:
            rc, out, err = run(["--url", s.url, "list"])
            expect(rc, "protocol", out, err)
            assert text in err, err


def test_growing_log_no_duplicates_no_gaps():
    with MockServer(count=60, token=TOKEN) as s:
        rc, out, err = run(["--url", s.url, "list", "--all"])
        before = [r["id"] for r in jsonl(out)]
        s.set(grow=3)
        rc, out, err = run(["--url", s.url, "list", "--all"])
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert len(ids) == len(set(ids)), "duplicate ids"
        assert ids == sorted(ids, reverse=True)
        missing = set(before) - set(ids)
        assert not missing, sorted(missing)[:10]
        assert "warning" not in err, err  # every page proven


def test_log_changing_too_fast_is_reported():
    """A deletion above us on every request: no two pages ever agree on the
    count, so no page after the first can be proven to follow, and the
    re-reads run out. The export still ends, and says it is unproven."""
    with MockServer(count=150, token=TOKEN) as s:
        before = set(s.store.ids())
        s.set(shrink=1)
        rc, out, err = run(["--url", s.url, "--parallel", "1", "list", "--all"])
        s.set(shrink=0)
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert len(ids) == len(set(ids)) and ids == sorted(ids, reverse=True)
        missing = (before & set(s.store.ids())) - set(ids)
        assert "written without proof that no entry was skipped" in err, (len(missing), err)


def test_shrinking_log_no_duplicates_no_gaps():
    with MockServer(count=80, token=TOKEN) as s:
        s.set(shrink=2)
        rc, out, err = run(["--url", s.url, "list", "--all"])
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert len(ids) == len(set(ids)), "duplicate ids"
        s.set(shrink=0)
        rc, out2, err = run(["--url", s.url, "list", "--all"])
        survivors = {r["id"] for r in jsonl(out2)}
        assert survivors <= set(ids), sorted(survivors - set(ids))[:10]


def test_escape_sequences_never_reach_the_terminal_format():
    with MockServer(count=40, token=TOKEN, escapes=True) as s:
        rc, out, err = run(["--url", s.url, "list", "--all", "--format", "table"])
        expect(rc, "ok", out, err)
        assert ESC not in out and "\x9b" not in out and "\u202e" not in out and "\r" not in out
        assert "\\e" in out
        rc, out, err = run(["--url", s.url, "list", "--all", "--format", "jsonl"])
        expect(rc, "ok", out, err)
        assert any(ESC in (r["message"] + r["logger_name"] + r["app_name"] + (r["trace"] or ""))
                   for r in jsonl(out))
        ids = [r["id"] for r in jsonl(out)]
        for i in ids[:10]:
            rc, o, e = run(["--url", s.url, "get", str(i)])
            expect(rc, "ok", o, e)
            assert ESC not in o and "\x07" not in o and "\x9b" not in o


def test_next_link_to_another_host_never_gets_the_token():
    """omslog pages by number: next links to another origin are not followed,
    so the list completes and the other host sees nothing at all."""
    log = os.path.join(TMP, "spy3.jsonl")
    with MockServer(count=5, no_auth=True, host="127.0.0.2", log_file=log) as spy:
        with MockServer(count=40, token=TOKEN, next_host=spy.url) as s:
            rc, out, err = run(["--url", s.url, "list"])
            expect(rc, "ok", out, err)
            assert jsonl(out), out
            rc, out, err = run(["--url", s.url, "list", "--all"])
            expect(rc, "ok", out, err)
            assert len(jsonl(out)) == 40, len(jsonl(out))
        seen = open(log).read() if os.path.exists(log) else ""
        assert seen == "", seen


def test_bad_request_400():
    with MockServer(count=20, token=TOKEN, fail_5xx=100, fail_status=400) as s:
        rc, out, err = run(["--url", s.url, "list"])
        expect(rc, "bad_request", out, err)
        assert "400" in err


def test_rate_limit_exhausted():
    with MockServer(count=20, token=TOKEN, rate_limit=100) as s:
        rc, out, err = run(["--url", s.url, "--retries", "1", "list"])
        expect(rc, "rate", out, err)
        assert "429" in err and "rate limited" in err


def test_huge_trace_and_huge_count():
    with MockServer(count=30, token=TOKEN, huge_trace=10) as s:
        rows = jsonl(run(["--url", s.url, "list", "--limit", "1"])[1])
        rc, out, err = run(["--url", s.url, "get", str(rows[0]["id"])])
        expect(rc, "ok", out, err)
        assert len(out) > 10 * 1000 * 1000
    with MockServer(count=30, token=TOKEN, count_override=10000000) as s:
        rc, out, err = run(["--url", s.url, "list", "--limit", "5"])
        expect(rc, "ok", out, err)
        assert len(jsonl(out)) == 5
    # The largest count a decoder accepts: the page arithmetic must not
    # overflow (UBSan fails this under check-asan), and --all ends at the
    # last page the server really has.
    with MockServer(count=30, token=TOKEN, count_override=str(2**63 - 1)) as s:
        for args in (["list", "--limit", "5"], ["list", "--all"]):
            rc, out, err = run(["--url", s.url] + args)
            assert rc in (EXIT["ok"], EXIT["not_found"]), (args, rc, err)
            assert "runtime error" not in err, err
            assert 1 <= len(jsonl(out)) <= 30, (args, len(jsonl(out)))


def test_log_growing_faster_than_it_can_be_read_stops():
    """Five new entries per request on pages of five: each page holds only
    entries already written, so the walk can never get further down; it must
    stop with a clear error instead of running forever."""
    with MockServer(count=137, token=TOKEN, page_size=5) as s:
        s.set(grow=5)
        t0 = time.monotonic()
        rc, out, err = run(["--url", s.url, "--page-size", "0", "--parallel", "1",
                            "list", "--all"])
        s.set(grow=0)
        expect(rc, "timeout", out, err)
        assert "the log grows faster than it can be read" in err, err
        assert time.monotonic() - t0 < scaled(60)
        ids = [r["id"] for r in jsonl(out)]
        assert ids and len(ids) == len(set(ids)) and ids == sorted(ids, reverse=True)


def test_duplicate_ids_across_pages_printed_once():
    with MockServer(count=50, token=TOKEN, duplicate_ids=True) as s:
        rc, out, err = run(["--url", s.url, "list", "--all"])
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert len(ids) == len(set(ids)) and len(ids) == 50, len(ids)


def test_page_size_honoured_or_ignored():
    for param in ["page_size", ""]:
        with MockServer(count=95, token=TOKEN, page_size_param=param) as s:
            rc, out, err = run(["--url", s.url, "--page-size", "40", "list", "--all"])
            expect(rc, "ok", out, err)
            ids = [r["id"] for r in jsonl(out)]
            assert len(ids) == 95 and len(set(ids)) == 95
            api = [r for r in s.requests if "action_log" in r["path"]]
            assert len(api) == (3 if param else 10), (param, len(api))


def test_parallel_pages_reuse_connections():
    with MockServer(count=200, token=TOKEN, delay=0.2) as s:
        t = time.time()
        rc, out, err = run(["--url", s.url, "--parallel", "4", "list", "--all"])
        elapsed = time.time() - t
        expect(rc, "ok", out, err)
        assert len(jsonl(out)) == 200
        # 20 pages at 200 ms each: one at a time would take >= 4 s, which caps
        # the allowance however much the time scale stretches it
        assert elapsed < min(scaled(3.0), 3.9), elapsed
        assert s.connections <= 6, s.connections


# ---------------------------------------------------------------- pipeline and page size

API_PATH = "/api/v1/oms/logs/action_log/"


def page_of(raw_path):
    q = parse_qs(urlsplit(raw_path).query)
    return int(q["page"][-1]) if "page" in q else None


class InFlight(Hooks):
    """Counts the API requests the mock is working on at once (from reading the
    request to having its reply ready, a span inside the client's own request
    time), logs when each started and ended, and can hold chosen pages longer."""

    def __init__(self, server, extra_delay=None):
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.log = []  # (event, page, monotonic time)
        self.extra_delay = extra_delay or {}
        server.hooks = self

    def respond(self, mock, req, answer):
        if API_PATH not in req["path"]:
            return answer(req)
        page = page_of(req["path"])
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.log.append(("start", page, time.monotonic()))
        try:
            if page in self.extra_delay:
                time.sleep(self.extra_delay[page])
            return answer(req)
        finally:
            with self.lock:
                self.now -= 1
                self.log.append(("end", page, time.monotonic()))

    def span(self, page):
        start = next(t for ev, p, t in self.log if ev == "start" and p == page)
        end = next(t for ev, p, t in self.log if ev == "end" and p == page)
        return start, end


def test_slow_page_does_not_hold_back_the_others():
    """Pages that finish before an earlier, slower one wait for their turn
    without taking its slot: `parallel` requests stay in flight, and at most
    4 x parallel finished pages are held (bounded memory)."""
    parallel, stall = 4, 1.5
    with MockServer(count=400, token=TOKEN, delay=0.05) as s:
        inflight = InFlight(s, {2: stall})
        rc, out, err = run(["--url", s.url, "--parallel", str(parallel), "list", "--all"])
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert ids == list(s.store.ids()), "output differs from the log"
        t0, t1 = inflight.span(2)
        during = sorted({p for ev, p, t in inflight.log if ev == "start" and t0 < t < t1})
        # Blocked at the head, only pages 3..5 could start; the pipeline holds
        # page 2 plus at most parallel x (1 + 4) - 1 others.
        assert len(during) >= 3 * parallel, during
        assert max(during) <= 2 + parallel * 5 - 1, during
        assert inflight.most == parallel, inflight.most


def test_connections_equal_parallel_slots():
    """One connection per slot, also when a stalled page lets the transfers
    drain to one (libcurl's default cache then shrinks and closes idle ones)."""
    for parallel in (8, 4):
        with MockServer(count=800, token=TOKEN, delay=0.01) as s:
            inflight = InFlight(s, {2: 0.8})
            rc, out, err = run(["--url", s.url, "--parallel", str(parallel), "list", "--all"])
            expect(rc, "ok", out, err)
            assert len(jsonl(out)) == 800
            assert inflight.most == parallel, (parallel, inflight.most)
            assert s.connections == parallel, (parallel, s.connections)
    with MockServer(count=200, token=TOKEN, delay=0.01) as s:  # the default: 4
        rc, out, err = run(["--url", s.url, "list", "--all"])
        expect(rc, "ok", out, err)
        assert s.connections == 4, s.connections


def test_default_page_size_ask_ignored_honoured_or_clamped():
    """omslog asks for 100 a page; whatever the server does with that, the
    output is the whole log once, in order. Requests tell what was used."""
    count = 237
    cases = [("ignored (DRF default)", {}, 10),
             ("honoured", dict(page_size_param="page_size"), 100),
             ("clamped to 50", dict(page_size_param="page_size", max_page_size=50), 50),
             ("honoured as limit", dict(limit_param=True), 100)]
    for name, opts, size in cases:
        with MockServer(count=count, token=TOKEN, **opts) as s:
            want = list(s.store.ids())
            rc, out, err = run(["-v", "--url", s.url, "list", "--all"])
            expect(rc, "ok", out, err)
            ids = [r["id"] for r in jsonl(out)]
            assert ids == want, (name, len(ids), len(set(ids)))
            api = [r["path"] for r in s.requests if API_PATH in r["path"]]
            # Both names: the server honours the one its paginator reads.
            assert all("page_size=100&limit=100" in p for p in api), (name, api[:3])
            assert len(api) == -(-count // size), (name, len(api))
            told = "the server sends %d entries a page (asked for 100)" % size
            assert (told in err) == (size != 100), (name, err[-300:])
    with MockServer(count=count, token=TOKEN, page_size_param="page_size") as s:
        rc, out, err = run(["--url", s.url, "--page-size", "0", "list", "--all"])
        expect(rc, "ok", out, err)
        assert [r["id"] for r in jsonl(out)] == list(s.store.ids())
        api = [r["path"] for r in s.requests if API_PATH in r["path"]]
        assert not any("page_size" in p or "limit=" in p for p in api), api[:3]
        assert len(api) == -(-count // 10), api[:3]


def test_log_changing_under_parallel_pages_no_gaps():
    """Growth at the top and deletions in the middle on every request, at each
    parallelism: every entry that was there throughout is written, once, in
    order."""
    for grow, shrink in ((3, 2), (0, 2), (3, 0)):
        for parallel in (1, 4, 8):
            with MockServer(count=150, token=TOKEN) as s:
                before = set(s.store.ids())
                s.set(grow=grow, shrink=shrink)
                rc, out, err = run(["--url", s.url, "--parallel", str(parallel),
                                    "list", "--all"])
                s.set(grow=0, shrink=0)
                expect(rc, "ok", out, err)
                ids = [r["id"] for r in jsonl(out)]
                assert len(ids) == len(set(ids)), (grow, shrink, parallel, "duplicates")
                assert ids == sorted(ids, reverse=True), (grow, shrink, parallel)
                missing = (before & set(s.store.ids())) - set(ids)
                assert not missing, (grow, shrink, parallel, sorted(missing)[:10])


# Retention purges the oldest PURGED of PURGE_COUNT entries when page
# PURGE_PAGE is first asked for: the count drops and no entry changes row.
PURGE_COUNT, PURGED, PURGE_PAGE = 1000, 600, 31
PURGE_PAGES_LEFT = (PURGE_COUNT - PURGED) // 10  # the mock's 10 a page


def api_pages(s):
    """The page of every list request the server answered, in order."""
    return [page_of(r["path"]) or 1 for r in s.requests if API_PATH in r["path"]]


def test_purge_at_the_bottom_resumes_at_the_last_entry_written():
    """The export must be the entries that stay, in order, once; and the search
    for where it stood must start at the row of the last entry written (page
    PURGE_PAGE - 1), not at page 1 walking down a page a request (30 re-reads
    here; a big enough log runs out of the re-read budget)."""
    with MockServer(count=PURGE_COUNT, token=TOKEN, purge_page=PURGE_PAGE,
                    purge_oldest=PURGED) as s:
        want = list(s.store.ids())[:PURGE_COUNT - PURGED]
        rc, out, err = run(["--url", s.url, "--parallel", "1", "list", "--all"])
        expect(rc, "ok", out, err)
        assert len(s.store) == PURGE_COUNT - PURGED, "the purge did not happen"
        ids = [r["id"] for r in jsonl(out)]
        assert ids == want, (len(ids), len(set(ids)))
        pages = api_pages(s)
        after = pages[pages.index(PURGE_PAGE):]
        back = [p for p in after if p < PURGE_PAGE]
        assert len(back) <= 3, back
        assert len(after) <= PURGE_PAGES_LEFT - PURGE_PAGE + 1 + 3, after


def test_purge_while_later_pages_are_held_reads_each_once_more():
    """Page PURGE_PAGE is slow and answered after the purge, while the pages
    after it were answered before, with the old count, and wait held. They
    cannot be proven to follow the purged log, so each is read again: once,
    not by re-reading the page of the last entry written, which only finds
    it where it is, until the re-read budget runs out."""
    hold = 1.5  # long enough for the held pages to be answered meanwhile
    with MockServer(count=PURGE_COUNT, token=TOKEN, purge_page=PURGE_PAGE,
                    purge_oldest=PURGED) as s:
        want = list(s.store.ids())[:PURGE_COUNT - PURGED]
        lock, answered, before_purge = threading.Lock(), [], []

        class HoldPurgePage(Hooks):
            def respond(self, mock, req, answer):
                raw_path = req["path"]
                page = (page_of(raw_path) or 1) if API_PATH in raw_path else None
                if page == PURGE_PAGE and not before_purge:
                    time.sleep(hold)
                    with lock:
                        before_purge.append(list(answered))
                r = answer(req)
                with lock:
                    answered.append(page)
                return r
        s.hooks = HoldPurgePage()
        rc, out, err = run(["--url", s.url, "--parallel", "2", "list", "--all"])
        expect(rc, "ok", out, err)
        assert len(s.store) == PURGE_COUNT - PURGED, "the purge did not happen"
        ids = [r["id"] for r in jsonl(out)]
        assert ids == want, (len(ids), len(set(ids)))
        held = [p for p in before_purge[0] if p > PURGE_PAGE]
        assert held, "no page was answered before the purge: nothing tested"
        pages = api_pages(s)
        assert all(pages.count(p) <= 2 for p in held), sorted(pages)
        assert len(pages) <= PURGE_PAGES_LEFT + len(held) + 3, (len(held), pages)


def test_api_path_typo_is_a_config_error():
    """A base URL with a typo in the API path: said so before any request,
    and the API path is not appended to it a second time."""
    before = len(Ctx.server.requests)
    typo = Ctx.url() + "/api/v1/oms/log/action_log/"
    rc, out, err = run(["--url", typo, "list"])
    expect(rc, "config", out, err)
    assert "is not the API path \"/api/v1/oms/logs/action_log/\"" in err, err
    assert "action_log/api/" not in err, err
    assert len(Ctx.server.requests) == before, "a request was sent"


# ---------------------------------------------------------------- runner

def shared_server():
    """The server most tests share (Ctx.url())."""
    Ctx.server = MockServer(count=COUNT, token=TOKEN)
    return Ctx.server



# ---------------------------------------------------------------- server-side filtering

PUSH_COUNT = 2500  # 25 pages of 100: a full scan is many requests, a filtered walk few


def push_run(s, args, cache=None):
    """list --all as JSONL against s with its own probe cache; (rc, ids, err, requests)."""
    cache = cache or tempfile.mkdtemp(prefix="caps-", dir=TMP)
    before = len(s.requests)
    rc, out, err = run(["--url", s.url, "list", "--all", "--format", "jsonl"] + args,
                       env_extra={"XDG_CACHE_HOME": cache})
    reqs = [r["path"] for r in list(s.requests)[before:]]
    return rc, [e["id"] for e in jsonl(out)] if rc == 0 else out, err, reqs


def push_filters():
    return [["--level", "error"], ["--app", "shipment"], ["--level", "warning", "--app", "shipment"],
            ["--app", "shipment", "--app", "payment"]]


def test_pushdown_equals_full_scan_where_honoured():
    for lookups in ("full", "exact", "none"):
        with MockServer(count=PUSH_COUNT, token=TOKEN, lookups=lookups) as s:
            for f in push_filters():
                rc, want, err, scan = push_run(s, f + ["--server-filter", "off"])
                assert rc == 0 and want, (lookups, f, err)
                assert not any("level__" in p or "app_name" in p for p in scan), scan
                rc, got, err, reqs = push_run(s, f + ["-v"])
                assert rc == 0, (lookups, f, err)
                assert got == want, (lookups, f, len(got), len(want))
                pushed = "omslog: using " in err
                merged = "omslog: merging " in err
                # full honours everything asked; exact only single values (a minimum level
                # or several apps: one stream each, merged); none nothing
                expect_push = lookups == "full" or (lookups == "exact" and f.count("--app") == 1)
                assert pushed == expect_push, (lookups, f, err[:3000])
                assert merged == (lookups == "exact" and f != ["--app", "shipment"]), \
                    (lookups, f, err[-3000:])
                if pushed or merged:
                    assert len(reqs) < len(scan) / 2, (lookups, f, len(reqs), len(scan))
                else:
                    assert "filtering on the client only" in err, err


def test_pushdown_min_level_by_level_in():
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="level__in,app_name") as s:
        rc, want, err, scan = push_run(s, ["--level", "error", "--server-filter", "off"])
        assert rc == 0 and want
        rc, got, err, reqs = push_run(s, ["--level", "error", "-v"])
        assert rc == 0 and got == want, err
        assert "using level__in=40,41," in err, err
        assert len(reqs) < len(scan) / 2, (len(reqs), len(scan))


def test_pushdown_liars_caught():
    for liar in ("level__gte:ignore", "level__gte:drop", "app_name:drop", "app_name:ignore"):
        with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full", liars=liar) as s:
            f = ["--level", "warning", "--app", "shipment"]
            rc, want, err, _ = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want
            rc, got, err, _ = push_run(s, f)
            assert rc == 0, err
            assert got == want, (liar, len(got), len(want))
            if liar.endswith(":drop"):
                assert "cannot be trusted" in err, (liar, err)


class DemotingLiar(Hooks):
    """Answers as asked, but the first row of each reply whose query passes lies(q)
    comes back as a DEBUG entry (a filter that lets a wrong row through)."""

    def __init__(self, lies):
        super().__init__()
        self.lies = lies

    def respond(self, mock, req, answer):
        reply = answer(req)
        if reply.status != 200 or not self.lies(parse_qs(urlsplit(req["path"]).query)):
            return reply
        body = json.loads(reply.body)
        if body["results"]:
            body["results"][0]["level"] = 10
        return reply._replace(body=json.dumps(body).encode())


def test_pushdown_liar_row_caught_while_walking():
    """A server whose filter passes the probe and the first page, then sends a row that
    does not match: the walk stops, says so, and scans without writing any id twice."""
    LateLiar = lambda: DemotingLiar(  # noqa: E731
        lambda q: "level__gte" in q and q.get("page") != ["1"])

    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full") as s:
        rc, want, err, _ = push_run(s, ["--level", "error", "--server-filter", "off"])
        s.hooks = LateLiar()
        rc, got, err, _ = push_run(s, ["--level", "error"])
        assert rc == 0, err
        assert "does not match" in err, err
        assert sorted(got, reverse=True) == want and len(set(got)) == len(got), err


def test_pushdown_require_fails_clearly():
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="none") as s:
        rc, out, err, reqs = push_run(s, ["--level", "error", "--server-filter", "require"])
        expect(rc, "usage", out, err)
        assert "cannot filter by level" in err, err
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full") as s:
        rc, got, err, _ = push_run(s, ["--level", "error", "--server-filter", "require"])
        assert rc == 0 and got, err


def test_pushdown_probes_remembered_per_origin():
    def probes(reqs):
        return [p for p in reqs if "1000000" in p or "omslog-probe" in p]

    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full") as s:
        cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
        f = ["--level", "error", "--app", "shipment"]
        rc, first, err, reqs = push_run(s, f, cache)
        assert rc == 0 and first and probes(reqs), err
        d = os.path.join(cache, "omslog")
        files = os.listdir(d)
        assert len(files) == 1, files
        path = os.path.join(d, files[0])
        assert os.stat(d).st_mode & 0o777 == 0o700
        assert os.stat(path).st_mode & 0o777 == 0o600
        text = open(path).read()
        assert "level__gte honoured" in text and TOKEN not in text, text
        rc, again, err, reqs = push_run(s, f + ["-v"], cache)
        assert rc == 0 and again == first, err
        assert probes(reqs) == [], reqs
        assert "as remembered" in err, err
        rc, _, err, reqs = push_run(s, f + ["--reprobe"], cache)
        assert rc == 0 and probes(reqs), err
        # expired (older than a day): probed again
        lines = open(path).read().split("\n")
        lines[1] = "probed_at %d" % (time.time() - 25 * 3600)
        with open(path, "w") as fh:
            fh.write("\n".join(lines))
        rc, _, err, reqs = push_run(s, f, cache)
        assert rc == 0 and probes(reqs), err


def test_pushdown_under_a_configured_parameter_name():
    """A server that calls level__gte min_level (and ignores level__gte):
    `param.level__gte = min_level` in the config makes omslog probe and use
    that name; the output equals the full scan's."""
    class MinLevel(Hooks):
        sent = []  # the paths as omslog sent them (the mock records them rewritten)

        def respond(self, mock, req, answer):
            self.sent.append(req["path"])
            path = req["path"].replace("level__gte=", "unknown_x=")
            return answer(dict(req, path=path.replace("min_level=", "level__gte=")))

    cfg = os.path.join(tempfile.mkdtemp(prefix="params-", dir=TMP), "config")
    with open(cfg, "w") as f:
        f.write("param.level__gte = min_level\n")
    os.chmod(cfg, 0o600)
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full", hooks=MinLevel()) as s:
        rc, want, err, scan = push_run(s, ["--level", "error", "--server-filter", "off"])
        assert rc == 0 and want, err
        rc, got, err, reqs = push_run(s, ["--level", "error", "-v"])
        assert rc == 0 and got == want, err
        assert "using min_level=" not in err and "using level__in=" in err, err
        del MinLevel.sent[:]
        rc, got, err, reqs = push_run(s, ["--config", cfg, "--level", "error", "-v"])
        assert rc == 0 and got == want, err
        assert "using min_level=40" in err, err
        assert not any("level__gte=" in p for p in MinLevel.sent), MinLevel.sent
        assert len(reqs) < len(scan) / 2, (len(reqs), len(scan))



def test_keyset_paging_where_id_lt_is_honoured():
    """list --all on a long log: where id__lt is honoured, pages are asked in
    windows below the last id written (no page number beyond 2 x parallel);
    where it is not, or where it leaves rows out, by page numbers. The
    output is the same every time."""
    def deep(reqs):
        return [p for p in reqs if "page=" in p and int(p.split("page=")[1].split("&")[0]) > 8]

    want = None
    for lookups, liars, keyset in (("none", "", False), ("id__lt", "", True),
                                   ("full", "", True), ("full", "id__lt:drop", False)):
        with MockServer(count=3000, token=TOKEN, lookups=lookups, liars=liars) as s:
            if want is None:
                want = list(s.store.ids())
            rc, got, err, reqs = push_run(s, ["-v"])
            assert rc == 0 and got == want, (lookups, liars, err[-1500:])
            below = [p for p in reqs if "id__lt=" in p and "id__lt=0" not in p]
            if keyset:
                assert "pages are read below the last id written" in err, err[-1500:]
                assert not deep(reqs), (lookups, deep(reqs)[:5])
                assert len(below) > 250, len(below)
            else:
                assert len(deep(reqs)) > 250, (lookups, liars, len(deep(reqs)))
            if liars:
                assert "reading by page numbers instead" in err, err[-1500:]



def test_big_scan_states_its_cost_on_a_terminal_only():
    """list --all over a long log without server filtering: on a terminal,
    stderr says what reading every page costs (pages, time at the measured
    rate) and shows progress; piped, neither (no noise in a log file)."""
    import pty
    with MockServer(count=12000, token=TOKEN) as s:
        want = list(s.store.ids())
        env = omslog_env(TMP, TOKEN, {"COLUMNS": "100", "XDG_CACHE_HOME":
                                      tempfile.mkdtemp(prefix="caps-", dir=TMP)})
        master, slave = pty.openpty()
        chunks = []

        def drain():
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        p = subprocess.run([BIN, "--url", s.url, "list", "--all", "--format", "jsonl"],
                           stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                           env=env, timeout=scaled(120))
        os.close(slave)
        reader.join(scaled(10))
        os.close(master)
        tty = b"".join(chunks).decode("utf-8", "replace")
        assert p.returncode == 0, tty[-2000:]
        assert [r["id"] for r in jsonl(p.stdout.decode())] == want
        assert "reading every page (no server filtering): 11" in tty, tty[:2000]
        assert "pages/s to go" in tty and "page 1200 of 1200" in tty, tty[-2000:]
        rc, out, err = run(["--url", s.url, "list", "--all", "--format", "jsonl"])
        expect(rc, "ok", out, err)
        assert [r["id"] for r in jsonl(out)] == want
        assert "reading every page" not in err and "\r" not in err and "page 1" not in err, \
            err[:2000]


def main():
    suite = Suite().collect(globals(), "test_", by_name=True)
    return suite.main(sys.argv[1:], around=shared_server, executable=BIN)


# ---------------------------------------------------------------- profiles

def _auth_headers(srv):
    """Every Authorization value srv received, and whether a raw request held text."""
    return [v for r in srv.requests for k, v in r["headers"].items()
            if k.lower() == "authorization"]


def test_profiles_pick_server_and_token():
    a_token, b_token, env_token = "prof-a-0123456789", "prof-b-0123456789", "env-x-0123456789"
    with MockServer(count=5, token=a_token) as a, MockServer(count=7, token=b_token) as b:
        d = tempfile.mkdtemp(dir=TMP)
        tok = os.path.join(d, "b.token")
        with open(tok, "w") as f:
            f.write(b_token + "\n")
        os.chmod(tok, 0o600)
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write("default_profile = a\n[profile a]\nurl = %s\ntoken = %s\n"
                    "[profile b]\nurl = %s\ntoken_file = b.token\nproduction = true\n"
                    % (a.url, a_token, b.url))
        os.chmod(cfg, 0o600)
        # the listing: names and urls, never a token
        rc, out, err = run(["--config", cfg, "profiles"], token=env_token)
        expect(rc, "ok", out, err)
        lines = out.splitlines()
        assert lines[0].split() == ["*", "a", a.url], out
        assert lines[1].split() == ["b", b.url, "(production)"], out
        assert a_token not in out + err and b_token not in out + err, out
        rc, out, err = run(["--config", cfg, "-p", "b", "profiles"], token=None)
        assert out.splitlines()[1].startswith("* b"), out
        # -p reaches b with b's token; default_profile reaches a with a's
        for args, env, srv, count in [(["-p", "b"], {}, b, 7), (["--profile=b"], {}, b, 7),
                                      ([], {"OMSLOG_PROFILE": "b"}, b, 7), ([], {}, a, 5),
                                      (["-pa"], {"OMSLOG_PROFILE": "b"}, a, 5)]:
            rc, out, err = run(["--config", cfg] + args + ["list", "--all"], token=None,
                               env_extra=env)
            expect(rc, "ok", out, err)
            assert len(jsonl(out)) == count, (args, env, out)
            assert _auth_headers(srv)[-1] == "Token " + (b_token if srv is b else a_token)
        # an unknown profile names the known ones
        rc, out, err = run(["--config", cfg, "-p", "c", "list"], token=None)
        expect(rc, "config", out, err)
        assert 'unknown profile "c"; known profiles: a, b' in err, err
        # an OMSLOG_TOKEN meant for another server never reaches b's host
        before = len(b.requests)
        rc, out, err = run(["--config", cfg, "-p", "b", "list"], token=env_token)
        expect(rc, "config", out, err)
        assert "OMSLOG_TOKEN is not sent to " + b.url in err, err
        assert env_token not in err, err
        assert len(b.requests) == before, b.requests[before:]
        # with the url given beside it, the env token goes where the user said
        rc, out, err = run(["--config", cfg, "-p", "b", "--url", a.url, "list", "--limit", "1"],
                           token=a_token)
        expect(rc, "ok", out, err)
        for srv in (a, b):
            assert not any(env_token in v for v in _auth_headers(srv)), _auth_headers(srv)
            assert not any(env_token in str(r["raw"]) for r in srv.requests)
        assert not any(a_token in v for v in _auth_headers(b)), _auth_headers(b)


def test_get_link_uses_the_configuration_of_its_origin():
    a_token, b_token = "link-a-0123456789", "link-b-0123456789"
    with MockServer(count=9, token=a_token) as a, MockServer(count=9, token=b_token) as b:
        d = tempfile.mkdtemp(dir=TMP)
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write("url = %s\ntoken = %s\ndefault_profile = b\n"
                    "[profile b]\nurl = %s\ntoken = %s\n" % (a.url, a_token, b.url, b_token))
        os.chmod(cfg, 0o600)
        api = "/api/v1/oms/logs/action_log/"
        # b's link goes to b with b's token; a's (the top level) to a with a's
        for srv, tok in [(b, b_token), (a, a_token)]:
            rc, out, err = run(["--config", cfg, "get", srv.url + api + "4/"], token=None)
            expect(rc, "ok", out, err)
            assert out.startswith("id: 4\n"), out
            assert _auth_headers(srv)[-1] == "Token " + tok
        # a link to a server nobody configured: refused, nothing sent anywhere
        port = free_port()
        before = len(a.requests) + len(b.requests)
        for link in ["http://localhost:%d%s4/" % (port, api), "http://127.0.0.1:%d%s4/" % (port, api)]:
            rc, out, err = run(["--config", cfg, "get", link], token="env-0123456789")
            expect(rc, "config", out, err)
            assert "no configuration for http" in err and "[profile NAME]" in err, err
        # -p naming another server than the link's: refused too
        rc, out, err = run(["--config", cfg, "-p", "b", "get", a.url + api + "4/"], token=None)
        expect(rc, "config", out, err)
        assert "the link's server is not " + b.url in err, err
        assert len(a.requests) + len(b.requests) == before
        # the list URL and other URLs are usage errors
        for link in [b.url + api, b.url + api + "?page=2", b.url + "/admin/"]:
            rc, out, err = run(["--config", cfg, "get", link], token=None)
            expect(rc, "usage", out, err)
        # omslog URL (the browser) takes the link's configuration as get does
        rc, out, err = run(["--config", cfg, b.url + api + "4/"], token=None)
        expect(rc, "usage", out, err)
        assert "the browser needs a terminal" in err, err
        assert len(a.requests) + len(b.requests) == before


def test_help_per_command():
    """`omslog help list`, `omslog list --help` and `omslog help get` show that
    command's usage and options (get's without list's own); every default is
    shown in parentheses."""
    for args in (["help", "list"], ["list", "--help"]):
        rc, out, err = run(args)
        expect(rc, "ok", out, err)
        assert out.startswith("usage: omslog [OPTIONS] list "), out[:200]
        assert "--limit N" in out and "(20)" in out and "--all" in out, out
        assert "get ID" not in out, out
    rc, out, err = run(["help", "get"])
    expect(rc, "ok", out, err)
    assert out.startswith("usage: omslog [OPTIONS] get ID|URL"), out[:200]
    assert "--format" in out and "--limit" not in out and "--all" not in out, out
    rc, out, err = run(["--help"])
    expect(rc, "ok", out, err)
    for default in ("(60)", "(10)", "(4)", "(64)", "(32M)", "(5)"):
        assert default in out, (default, out)
    assert "exit status" in out


def test_get_without_id_is_a_usage_error_before_the_configuration():
    """No server configured at all: `omslog get` still says what is missing
    from the command (exit 2), not that the configuration is (exit 3)."""
    rc, out, err = run(["get"], token=None)
    expect(rc, "usage", out, err)
    assert "get needs a log id" in err, err


def test_browser_names_the_stream_that_is_not_a_terminal():
    """`omslog | tee log` (stdout piped, stdin a terminal) says which stream
    is not a terminal."""
    import pty
    master, slave = pty.openpty()
    try:
        rc, out, err = run(["--url", Ctx.url()], stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    expect(rc, "usage", out, err)
    assert "standard output is not one" in err, err
    rc, out, err = run(["--url", Ctx.url()])
    expect(rc, "usage", out, err)
    assert "neither standard input nor standard output is one" in err, err


# ---------------------------------------------------------------- time windows, --around

TIME_MODES = ("full", "none")  # created_at__*/id__* honoured, or nothing (the seek bisects)


def iso_utc(created):
    """The mock's created_at as `--utc` TIME text: "2026-11-25 23:50:01.123456"."""
    return created.replace("T", " ").rstrip("Z")


def in_window(rows, since, until):
    return [r["id"] for r in rows if since <= r["created_at"] <= until]


def window_run(s, args, env_extra=None):
    """list as JSONL against s with a fresh probe cache: (ids, err, request paths)."""
    cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
    before = len(s.requests)
    rc, out, err = run(["--url", s.url, "-v", "list", "--format", "jsonl"] + args,
                       env_extra=dict({"XDG_CACHE_HOME": cache}, **(env_extra or {})))
    assert rc == 0, (args, err[-2000:])
    return [e["id"] for e in jsonl(out)], err, [r["path"] for r in list(s.requests)[before:]]


def test_time_window_same_with_and_without_server_filters():
    """--since/--until inclusive to the microsecond, across midnight UTC, in UTC and in
    local time: the same rows with created_at filters and by bisection, few requests."""
    results = {}
    for mode in TIME_MODES:
        with MockServer(count=PUSH_COUNT, token=TOKEN, lookups=mode) as s:
            rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                              "--server-filter", "off"])[1])
            pages = -(-len(rows) // 10)
            # edges exactly on entries (inclusive, fractional seconds), not at page borders
            since, until = rows[1803]["created_at"], rows[1702]["created_at"]
            want = in_window(rows, since, until)
            assert len(want) == 102 and want[0] == rows[1702]["id"], len(want)
            got, err, reqs = window_run(s, ["--utc", "--since", iso_utc(since),
                                            "--until", iso_utc(until)])
            assert got == want, (mode, len(got), len(want), err[-1500:])
            seek_bound = math.log2(pages) + 3
            window_pages = len(want) // 10 + 2
            if mode == "full":
                assert "created_at__gte=" in "".join(reqs) and "created_at__lte" in reqs[-1]
                # page 1 and two probes, the window's pages, and the two counts that
                # check the window's filters (the rows before and after it)
                assert len(reqs) <= 3 + 2 + window_pages, (len(reqs), reqs)
                assert "checked by counts" in err, err
            else:
                # both spellings probed (created_date__* is asked after created_at__*)
                assert "created_at__gte=" in "".join(reqs), reqs
                assert "created_date__gte: ignored" in err, err
                # probes (5: both spellings of both ends, and page 1), the seek, the
                # window's pages and what is in flight when its end is seen: every
                # page that arrives, in any order, tells the walk whether it starts
                # past --since, and none past such a page is asked after it, so at
                # most --parallel (4) pages go past the end (not the 4 x (1 + 4) the
                # walk may hold ahead)
                assert len(reqs) <= 5 + seek_bound + window_pages + 4, (len(reqs), reqs)
            got_rev, _, _ = window_run(s, ["--utc", "--since", iso_utc(since), "--until",
                                           iso_utc(until), "--reverse"])
            assert got_rev == want[::-1], mode
            # across midnight UTC; the same instants typed in Istanbul's local time (UTC+3)
            want = in_window(rows, "2026-11-25T23:50:00Z", "2026-11-26T00:10:00.000000Z")
            assert want and any(rows[i]["created_at"] < "2026-11-26" for i in range(len(rows)))
            got, _, _ = window_run(s, ["--utc", "--since", "2026-11-25 23:50", "--until",
                                       "2026-11-26T00:10:00Z"])
            assert got == want, (mode, got, want)
            got, _, _ = window_run(s, ["--since", "2026-11-26 02:50", "--until",
                                       "2026-11-26 03:10:00.000"], {"TZ": "Europe/Istanbul"})
            assert got == want, (mode, got, want)
            # a second without its fraction: the entry at .xxxxxx of that second is after it
            sec = since[:19]
            got, _, _ = window_run(s, ["--utc", "--since", sec.replace("T", " "), "--until",
                                       sec + "Z"])
            assert got == [], got
            got, _, _ = window_run(s, ["--utc", "--since", sec + "Z", "--until",
                                       sec + ".999999Z", "--level", "notset"])
            assert got == [r["id"] for r in rows if r["created_at"][:19] == sec], got
            # with a level: the filtered scan's rows in the window
            got, _, _ = window_run(s, ["--utc", "--since", iso_utc(rows[2400]["created_at"]),
                                       "--level", "error"])
            want = [r["id"] for r in rows[:2401] if r["level"] >= 40]
            assert got == want, (mode, len(got), len(want))
            # nothing at or before --until: no rows, no error
            got, _, _ = window_run(s, ["--until", "2020-01-01T00:00:00Z"])
            assert got == []
            results[mode] = got


def test_time_window_liar_caught():
    """created_at filters that pass the probe, then send a row outside the window: the
    liar is caught by the row check and the pages are read instead, same output."""
    class LateLiar(Hooks):
        def respond(self, mock, req, answer):
            reply = answer(req)
            q = parse_qs(urlsplit(req["path"]).query)
            if reply.status != 200 or "created_at__lte" not in q or q.get("page_size") == ["1"]:
                return reply
            body = json.loads(reply.body)
            if body["results"]:
                body["results"][-1]["created_at"] = "2030-01-01T00:00:00Z"
            return reply._replace(body=json.dumps(body).encode())

    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full") as s:
        rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                          "--server-filter", "off"])[1])
        since, until = rows[1203]["created_at"], rows[1102]["created_at"]
        s.hooks = LateLiar()
        got, err, _ = window_run(s, ["--utc", "--since", iso_utc(since), "--until",
                                     iso_utc(until)])
        assert got == in_window(rows, since, until), (len(got), err[-1500:])
        assert "does not match: reading every page instead" in err, err


def test_around_same_with_and_without_id_filters():
    for mode in TIME_MODES:
        with MockServer(count=PUSH_COUNT, token=TOKEN, lookups=mode) as s:
            rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                              "--server-filter", "off"])[1])
            ids = [r["id"] for r in rows]
            i = 1234
            got, err, reqs = window_run(s, ["--around", str(ids[i]), "--context", "5"])
            assert got == ids[i - 5:i + 6], (mode, got, ids[i - 5:i + 6], err[-1000:])
            if mode == "full":
                assert any("id__lte=" in p for p in reqs), reqs
            assert len(reqs) <= 3 + math.log2(len(rows) / 10) + 3 + 4 + 4, (mode, len(reqs))
            got, _, _ = window_run(s, ["--around", str(ids[i]), "--context", "2", "--reverse"])
            assert got == ids[i - 2:i + 3][::-1], got
            # a missing id: centred on the nearest older entry, with a note
            gap = next(k for k in range(100, len(ids)) if ids[k - 1] - ids[k] > 1)
            missing = ids[gap] + 1
            got, err, _ = window_run(s, ["--around", str(missing), "--context", "3"])
            assert got == ids[gap - 3:gap + 4], (got, ids[gap - 3:gap + 4])
            assert "no entry %d: centred on the nearest older one, %d" % (missing, ids[gap]) \
                in err, err
            # default context 10; with a filter, the matches either side (not the centre
            # when it does not match)
            got, _, _ = window_run(s, ["--around", str(ids[i])])
            assert got == ids[i - 10:i + 11], len(got)
            errs = [r["id"] for r in rows if r["level"] == 40]
            centre = next(r["id"] for r in rows[i:] if r["level"] != 40)
            k = next(j for j, v in enumerate(errs) if v < centre)
            got, err, _ = window_run(s, ["--around", str(centre), "--context", "4",
                                         "--level", "=error"])
            assert got == errs[k - 4:k + 5], (mode, got, errs[k - 4:k + 5])
            assert "no entry %d matches: centred on the nearest older one, %d" % (
                centre, errs[k]) in err, err


def test_level_exact_and_time_usage_errors():
    rows = all_entries()
    rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--level", "=error",
                        "--format", "jsonl"])
    expect(rc, "ok", out, err)
    assert [r["id"] for r in jsonl(out)] == [r["id"] for r in rows if r["level"] == 40]
    for args, words in ((["--level", "=bogus"], "unknown level"),
                        (["--since", "banana"], "--since: \"banana\" is not a time"),
                        (["--until", "2023-02-30"], "not a valid date"),
                        (["--since", "10:00", "--until", "09:00"], "--since is after --until"),
                        (["--context", "3"], "--context goes with --around"),
                        (["--around", "x"], "--around needs a log id"),
                        (["--around", "5", "--all"], "--around goes without"),
                        (["--since", "-1h", "--page", "2"], "--page goes without")):
        rc, out, err = run(["--url", Ctx.url(), "list"] + args)
        expect(rc, "usage", out, err)
        assert words in err, (args, err)
    rc, out, err = run(["--url", Ctx.url(), "--since", "-1h"])
    expect(rc, "usage", out, err)
    assert "belong to the list command" in err, err
def test_profiles_never_read_a_token_file():
    """`omslog profiles` needs no token: a default profile whose token file
    fails its checks (world-readable) or is missing does not fail the listing."""
    d = tempfile.mkdtemp(dir=TMP)
    tok = os.path.join(d, "a.token")
    with open(tok, "w") as f:
        f.write("prof-a-0123456789\n")
    os.chmod(tok, 0o644)
    cfg = os.path.join(d, "config")
    with open(cfg, "w") as f:
        f.write("default_profile = a\n[profile a]\nurl = https://a.example\n"
                "token_file = a.token\n[profile b]\nurl = https://b.example\n"
                "token_file = missing.token\n")
    os.chmod(cfg, 0o600)
    rc, out, err = run(["--config", cfg, "profiles"], token=None)
    expect(rc, "ok", out, err)
    assert [l.split() for l in out.splitlines()] == [["*", "a", "https://a.example"],
                                                     ["b", "https://b.example"]], out
    assert "prof-a" not in out + err
    for args in (["-p", "b", "profiles"], ["--token-file", tok, "profiles"]):
        rc, out, err = run(["--config", cfg] + args, token=None)
        expect(rc, "ok", out, err)
    # The same file does fail where a token is needed: the check still holds.
    rc, out, err = run(["--config", cfg, "list"], token=None)
    expect(rc, "config", out, err)
    assert "a.token" in err, err


def test_list_app_exclusions():
    """--app '!APP' lists every app but APP; with names, the names minus it.
    Exclusions never reach the server."""
    with MockServer(count=60, token=TOKEN, server_filters="full") as srv:
        def listed(args):
            env = {"OMSLOG_URL": srv.url}
            rc, out, err = run(["list", "--all", "--format", "jsonl"] + args, env_extra=env)
            expect(rc, "ok", out, err)
            return jsonl(out)
        every = listed([])
        apps = sorted(set(e["app_name"] for e in every))
        assert len(apps) >= 3, apps
        x = apps[0]
        got = listed(["--app", "!" + x])
        assert [e["id"] for e in got] == [e["id"] for e in every if e["app_name"] != x]
        got = listed(["--app", apps[1], "--app", x, "--app", "!" + x])
        assert got and all(e["app_name"] == apps[1] for e in got), got
        assert len(got) == sum(e["app_name"] == apps[1] for e in every)
        for r in srv.requests:
            assert "!" not in r.get("path", "") and "%21" not in r.get("path", ""), r["path"]


def test_browse_link_rules():
    """`omslog URL`: an entry's or the list's link opens the browser with the
    configuration of the link's origin; a link to a server nobody configured
    is refused (exit 3); a list parameter with no browser filter is a usage
    error that names it, before any configuration is read. Nothing is sent."""
    a_token = "link-a-0123456789"
    api = "/api/v1/oms/logs/action_log/"
    with MockServer(count=9, token=a_token) as a:
        d = tempfile.mkdtemp(dir=TMP)
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write("[profile a]\nurl = %s\ntoken = %s\n" % (a.url, a_token))
        os.chmod(cfg, 0o600)
        port = free_port()
        other = "http://localhost:%d%s" % (port, api)
        for link in [other + "4/", other + "?level__gte=40"]:
            rc, out, err = run(["--config", cfg, link], token="env-0123456789")
            expect(rc, "config", out, err)
            assert "no configuration for http://localhost:%d" % port in err, err
        # the configured origin: accepted (the browser then wants a terminal)
        for link in [a.url + api + "4/", a.url + api + "?level__gte=40&app_name__in=oms,wms"
                     "&search=time+out&created_at__gte=2026-01-01T00:00:00Z&page=2"]:
            rc, out, err = run(["--config", cfg, link], token=None)
            expect(rc, "usage", out, err)
            assert "the browser needs a terminal" in err, err
        for link, words in [(a.url + api + "?logger_name=x", 'parameter "logger_name" has no'),
                            (a.url + api + "?level=loud", "the link's level=loud: not a level"),
                            (a.url + "/admin/", "not a link omslog opens")]:
            rc, out, err = run(["--config", "/nonexistent/config", link], token=None)
            expect(rc, "usage", out, err)
            assert words in err, err
        rc, out, err = run(["--config", cfg, a.url + api + "4/", "list"], token=None)
        expect(rc, "usage", out, err)
        assert not a.requests, a.requests
EXIT_IO = 15  # a local file that cannot be read (harness.EXIT has the server's)


def test_open_refuses_what_is_not_an_export_before_the_terminal():
    """`omslog open FILE` needs no server and no configuration. A file that
    cannot be read exits 15, one that holds no entry 13, each with a clear
    error, before the browser wants a terminal; an export (jsonl, json or
    gzip) gets as far as the terminal check, with its bad lines (numbered)
    on stderr."""
    import gzip
    d = tempfile.mkdtemp(prefix="open-", dir=TMP)
    rc, out, err = run(["open"], token=None)
    expect(rc, "usage", out, err)
    assert "open needs a file" in err, err
    rc, out, err = run(["help", "open"], token=None)
    expect(rc, "ok", out, err)
    assert out.startswith("usage: omslog [OPTIONS] open FILE"), out[:200]
    cases = [("missing.jsonl", None, EXIT_IO, "No such file or directory"),
             (".", None, EXIT_IO, "is a directory"),
             ("empty.jsonl", b"", EXIT["protocol"], "holds no log entries"),
             ("binary.jsonl", b"\x7fELF\x02\x01\x00\x00", EXIT["protocol"], "binary data"),
             ("notes.txt", b"hello\nworld\n", EXIT["protocol"], "not an omslog export")]
    for name, data, status, words in cases:
        path = os.path.join(d, name)
        if data is not None:
            with open(path, "wb") as fh:
                fh.write(data)
        rc, out, err = run(["open", path], token=None)
        assert rc == status and words in err, (name, rc, err)
    for fmt in ("jsonl", "json"):
        rc, out, err = run(["--url", Ctx.url(), "list", "--all", "--format", fmt])
        expect(rc, "ok", out, err)
        lines = out.split("\n")
        if fmt == "jsonl":  # two bad lines: 3 and 6
            lines[2:2] = ["garbage"]
            lines[5:5] = ['{"id": "six"}']
        path = os.path.join(d, "export." + fmt + ".gz")
        with gzip.open(path, "wt") as fh:
            fh.write("\n".join(lines))
        rc, out, err = run(["open", path], token=None)
        expect(rc, "usage", out, err)
        assert "the browser needs a terminal" in err, err
        if fmt == "jsonl":
            assert "2 bad lines skipped (lines 3, 6): line 3: not JSON" in err, err
        else:
            assert "bad line" not in err, err
# ---------------------------------------------------------------- a polite client

def busy_run(status, retry_date):
    """`list --all --parallel 8` against a server that refuses (status, with a
    Retry-After) what arrives while more than 3 requests are being answered."""
    above = 3
    with MockServer(count=600, token=TOKEN, delay=0.03, busy_above=above, busy_status=status,
                    busy_retry_after=2 if retry_date else 1, busy_retry_date=retry_date) as s:
        rc, out, err = run(["--url", s.url, "--parallel", "8", "-v", "list", "--all"])
        expect(rc, "ok", out, err)
        ids = [r["id"] for r in jsonl(out)]
        assert ids == list(s.store.ids()), "output differs from the log"
        arrivals = list(s.arrivals)
    first = next(i for i, (_, _, refused) in enumerate(arrivals) if refused)
    assert max(n for _, n, _ in arrivals[:first + 1]) > above, arrivals[:first + 1]
    assert "at most" in err and "requests in flight" in err, err[-2000:]
    # The eight of the first burst have all arrived by then; after them the
    # client keeps to what the server takes.
    settled = arrivals[first + 8:]
    assert len(settled) > 40, len(settled)
    assert max(n for _, n, _ in settled) <= above, [n for _, n, _ in settled]
    assert not any(refused for _, _, refused in settled), settled
    # Retry-After held every request, not just the refused ones: nothing new
    # arrived in the second after the first refusal once the burst was in.
    t_refused = arrivals[first][0]
    held = [t - t_refused for t, _, _ in arrivals if 0.5 < t - t_refused < 0.95]
    assert not held, held


def test_parallel_backs_off_on_429_and_honours_retry_after():
    busy_run(429, False)


def test_parallel_backs_off_on_503_with_an_http_date():
    busy_run(503, True)


# ---------------------------------------------------------------- search pushdown

SEARCH_COUNT = 600  # 60 pages of 10
ALL_SEARCH_FIELDS = "message,logger_name,app_name,trace"


def searched(reqs, text=None):
    """The requests that carried search= (with that text, when given)."""
    got = [parse_qs(urlsplit(p).query).get("search") for p in reqs]
    return [v for v in got if v and (text is None or v == [text])]


def test_search_pushed_where_every_field_is_searched():
    with MockServer(count=SEARCH_COUNT, token=TOKEN, lookups="full",
                    search_fields=ALL_SEARCH_FIELDS) as s:
        for f in (["--search", "order"], ["--search", "Traceback"], ["--search", "PAYMENT"],
                  ["--search", "Retrying after"], ["--search", "order", "--level", "error"]):
            rc, want, err, scan = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, (f, err)
            assert not searched(scan), scan
            rc, got, err, reqs = push_run(s, f + ["-v"])
            assert rc == 0, (f, err)
            assert got == want, (f, len(got), len(want))
            assert "omslog: search \"%s\": on the server (search=) as a pre-filter" % f[1] in err, \
                (f, err[-3000:])
            assert searched(reqs, f[1]), reqs
            assert len(reqs) < len(scan) / 2, (f, len(reqs), len(scan))
        # The default limit too: the 20 newest matches, from fewer pages.
        rc, out, err = run(["--url", s.url, "list", "--format", "jsonl", "--search", "Traceback",
                            "--server-filter", "off"])
        rc2, out2, err2 = run(["--url", s.url, "list", "--format", "jsonl", "--search",
                               "Traceback"])
        assert rc == 0 and rc2 == 0 and out == out2 and len(jsonl(out)) == 20, (err, err2)


def test_search_not_pushed_where_trace_is_not_searched():
    with MockServer(count=SEARCH_COUNT, token=TOKEN, lookups="full") as s:
        rc, want, err, scan = push_run(s, ["--search", "order", "--server-filter", "off"])
        assert rc == 0 and want
        rc, got, err, reqs = push_run(s, ["--search", "order", "-v"])
        assert rc == 0 and got == want, err
        assert "search not pushed: the server does not search trace" in err, err[-3000:]
        assert not searched(reqs, "order"), reqs
        assert len(searched(reqs)) <= 2, searched(reqs)  # the impossible term, the trace's
        # Any field of ours left out keeps the search here (probed trace first, then app).
        for fields in ("trace", "message,logger_name,trace"):
            s.set(search_fields=fields)
            rc, got, err, reqs = push_run(s, ["--search", "order", "-v"])
            assert rc == 0 and got == want, err
            assert "search not pushed: the server does not search app_name" in err, err[-3000:]
            assert not searched(reqs, "order"), reqs


def test_search_not_pushed_for_regex_non_ascii_or_quotes():
    with MockServer(count=SEARCH_COUNT, token=TOKEN, lookups="full",
                    search_fields=ALL_SEARCH_FIELDS) as s:
        for f, why in ((["--search", "ord.r", "--regex"], "a regular expression runs on the "
                        "client only"),
                       (["--search", "\u0130stanbul"], "not all printable ASCII"),
                       (["--search", "\u00f6deme"], "not all printable ASCII"),
                       (["--search", '"number"'], "a quote or a backslash")):
            rc, want, err, _ = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, (f, err)
            rc, got, err, reqs = push_run(s, f + ["-v"])
            assert rc == 0 and got == want, (f, err)
            assert "search not pushed: " in err and why in err, (f, err[-2000:])
            assert not searched(reqs), (f, reqs)  # not even probed


def test_search_liars_caught():
    """A search that is ignored fails its probe; one that drops rows is caught where the
    first page misses a match of the unfiltered one ("oms": most rows, so some of the
    first page's are dropped; one that drops none of them is not caught without a scan)."""
    for liar in ("search:drop", "search:ignore"):
        with MockServer(count=SEARCH_COUNT, token=TOKEN, lookups="full",
                        search_fields=ALL_SEARCH_FIELDS, liars=liar) as s:
            rc, want, err, _ = push_run(s, ["--search", "oms", "--server-filter", "off"])
            assert rc == 0 and want
            cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
            rc, got, err, reqs = push_run(s, ["--search", "oms", "-v"], cache=cache)
            assert rc == 0 and got == want, (liar, err[-3000:])
            if liar.endswith("drop"):
                assert "the server's search cannot be trusted" in err, err[-3000:]
            else:
                assert "search not pushed: the server's search is ignored" in err, err[-3000:]
            # Remembered: the next run neither trusts nor probes it.
            rc, got, err, reqs = push_run(s, ["--search", "oms", "-v"], cache=cache)
            assert rc == 0 and got == want, err
            assert "search not pushed: the server's search is" in err, err[-3000:]
            assert not searched(reqs), reqs


def test_search_fields_remembered_per_origin():
    with MockServer(count=SEARCH_COUNT, token=TOKEN, lookups="full",
                    search_fields=ALL_SEARCH_FIELDS) as s:
        cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
        rc, first, err, reqs = push_run(s, ["--search", "order", "-v"], cache=cache)
        assert rc == 0 and "search fields probed in" in err, err[-3000:]
        tokens = [v for v in searched(reqs) if v != ["order"]]
        assert len(tokens) >= 1 + 4, tokens  # search itself, then a token per field
        rc, again, err, reqs = push_run(s, ["--search", "order", "-v"], cache=cache)
        assert rc == 0 and again == first, err
        assert "search fields as remembered" in err, err[-3000:]
        eq_all = searched(reqs)
        assert eq_all and all(v == ["order"] for v in eq_all), eq_all  # no probe at all
        rc, again, err, reqs = push_run(s, ["--search", "order", "-v", "--reprobe"], cache=cache)
        assert rc == 0 and again == first and "search fields probed in" in err, err[-3000:]
        # The server changes its mind within the day: --reprobe finds out.
        s.set(search_fields="message,logger_name,app_name")
        rc, got, err, reqs = push_run(s, ["--search", "order", "-v", "--reprobe"], cache=cache)
        assert rc == 0 and got == first, err
        assert "search not pushed: the server does not search trace" in err, err[-3000:]
        rc, got, err, reqs = push_run(s, ["--search", "order", "-v"], cache=cache)
        assert rc == 0 and got == first, err
        assert "search not pushed: the server does not search trace" in err, err[-3000:]
        assert not searched(reqs), reqs  # remembered: not even probed


def test_search_not_pushed_on_a_short_log():
    """Eight pages or fewer: the probes would cost what the scan does."""
    with MockServer(count=80, token=TOKEN, lookups="full", search_fields=ALL_SEARCH_FIELDS) as s:
        rc, want, err, scan = push_run(s, ["--search", "order", "--server-filter", "off"])
        assert rc == 0 and want
        rc, got, err, reqs = push_run(s, ["--search", "order", "-v"])
        assert rc == 0 and got == want, err
        assert "search not pushed: the log is a few pages long" in err, err[-2000:]
        assert not searched(reqs, "order"), reqs
        s.set(count=81)
        rc, got, err, reqs = push_run(s, ["--search", "order", "-v"])
        assert rc == 0 and searched(reqs, "order"), err[-2000:]


# ---------------------------------------------------------------- exact filters merged

def merge_pages(reqs):
    """The page requests of a run but the one-entry counts and probes."""
    return [p for p in reqs if "page_size=1&" not in p and not p.endswith("page_size=1")]


def merge_params(path):
    q = parse_qs(urlsplit(path).query)
    return q.get("level", []), q.get("app_name", [])


def test_exact_only_server_merges_one_stream_per_level_or_app():
    """A server that filters exact values only (django-filter filterset_fields): a
    minimum level is the merge by id of one stream per level present, the custom levels
    (the mock logs 25 and 45) included; several apps one stream per app. The output is
    the full scan's, and besides the unfiltered first page only pages of the streams are
    read."""
    cases = [(["--level", "error"], {"40", "45", "50"}, set()),
             (["--level", "25"], {"25", "30", "40", "45", "50"}, set()),
             (["--level", "warning", "--app", "shipment"], {"30", "40", "45", "50"}, set()),
             (["--app", "shipment", "--app", "payment"], set(), {"shipment", "payment"}),
             (["--level", "error", "--app", "shipment", "--app", "payment"], {"40", "45", "50"},
              {"shipment", "payment"})]
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact") as s:
        for f, levels, apps in cases:
            rc, want, err, scan = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, (f, err)
            rc, got, err, reqs = push_run(s, f + ["-v"])
            assert rc == 0 and got == want, (f, len(got), len(want), err[-2000:])
            assert "omslog: merging " in err, (f, err[-2000:])
            seen_levels, seen_apps = set(), set()
            for p in merge_pages(reqs)[1:]:
                lv, ap = merge_params(p)
                assert lv or ap, (f, p)
                seen_levels |= set(lv)
                seen_apps |= set(ap) - ({"shipment"} if f.count("--app") == 1 else set())
            assert seen_levels == levels and seen_apps == apps, (f, seen_levels, seen_apps)
            assert len(reqs) < len(scan) / 2, (f, len(reqs), len(scan))


def test_merge_same_output_in_every_format_limit_and_reverse():
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact") as s:
        cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
        for extra in (["--format", "json", "--all"], ["--format", "table", "--all"],
                      ["--format", "jsonl", "--limit", "7"], ["--format", "csv"],
                      ["--format", "jsonl", "--all", "--reverse"],
                      ["--format", "table", "--limit", "30", "--reverse"]):
            outs = []
            for mode in ("off", "auto"):
                rc, out, err = run(["--url", s.url, "list", "--level", "error", "-v",
                                    "--server-filter", mode] + extra,
                                   env_extra={"XDG_CACHE_HOME": cache})
                assert rc == 0 and out, (extra, mode, err[-1500:])
                assert ("omslog: merging " in err) == (mode == "auto"), (extra, mode, err[-1500:])
                outs.append(out)
            assert outs[0] == outs[1], extra


def test_merge_reads_only_the_matching_pages():
    """On a log of 300 pages of 10 the critical entries (levels 50, and none above) are
    a handful of pages: the merge asks the counts and those pages, not the log."""
    with MockServer(count=3000, token=TOKEN, lookups="exact") as s:
        rc, want, err, scan = push_run(s, ["--level", "critical", "--server-filter", "off"])
        assert rc == 0 and want and len(scan) >= 300, (len(scan), err)
        rc, got, err, reqs = push_run(s, ["--level", "critical", "-v"])
        assert rc == 0 and got == want, err[-2000:]
        assert "merging 1 stream: level=50; counts add up to 3,000" in err, err[-2000:]
        pages = merge_pages(reqs)[1:]
        assert all(merge_params(p)[0] == ["50"] for p in pages), pages
        assert len(pages) == math.ceil(len(want) / 10), (len(pages), len(want))
        assert len(reqs) < len(scan) / 4, (len(reqs), len(scan))


def test_merge_unknown_level_found_or_the_scan():
    """With seed 0 the newest 500 entries hold no level 45, older ones do: a sample
    (page 1) does not show it. Looking for other levels (0..100, the halfway ones
    first) is allowed half the scan's pages: with pages of 100 (25 pages) the search
    finds 45 and the merge has its stream; with pages of 500 (5 pages) it may send 2
    requests, too few, so the counts do not add up and every page is read, as -v
    says. The output is the scan's either way."""
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact", seed=0,
                    page_size_param="page_size") as s:
        for size, merged in (("100", True), ("500", False)):
            f = ["--level", "error", "--page-size", size]
            rc, want, err, scan = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, err
            rc, got, err, reqs = push_run(s, f + ["-v"])
            assert rc == 0 and got == want, (size, err[-2000:])
            if merged:
                assert "merging 3 streams: level=40, level=50, level=45;" in err, err[-2000:]
            else:
                assert "a level no sample showed exists" in err and "merging" not in err, \
                    err[-2000:]
                assert "reading every page instead" in err, err[-2000:]


def test_merge_with_keyset_pages_and_with_what_the_plan_pushed():
    """Where id__lt is honoured too, each stream reads its pages below the last id it
    wrote (no deep page numbers); where app_name__in is honoured, the level streams
    carry it. The output is the scan's."""
    f = ["--level", "warning", "--app", "shipment", "--app", "payment"]
    for lookups, keyset in (("level,app_name,id__lt", True), ("level,app_name__in", False)):
        with MockServer(count=3000, token=TOKEN, lookups=lookups) as s:
            rc, want, err, scan = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, err
            rc, got, err, reqs = push_run(s, f + ["-v"])
            assert rc == 0 and got == want, (lookups, err[-2000:])
            assert "omslog: merging " in err, (lookups, err[-2000:])
            pages = merge_pages(reqs)[1:]
            below = [p for p in pages if "id__lt=" in p]
            deepest = max(int(parse_qs(urlsplit(p).query)["page"][0]) for p in pages)
            if keyset:
                assert below and deepest <= 8, (len(below), deepest)
            else:
                assert all("app_name__in=" in p for p in pages), pages[:3]
            assert len(reqs) < len(scan) / 2, (lookups, len(reqs), len(scan))


def test_merge_meets_server_filter_require():
    """--server-filter require on a server of exact filters: met by the merge where the
    counts prove it complete, refused (usage) where they cannot."""
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact", seed=0,
                    page_size_param="page_size") as s:
        for size, ok in (("100", True), ("500", False)):
            f = ["--level", "error", "--page-size", size]
            rc, want, err, _ = push_run(s, f + ["--server-filter", "off"])
            assert rc == 0 and want, err
            rc, got, err, _ = push_run(s, f + ["--server-filter", "require"])
            if ok:
                assert rc == 0 and got == want, (size, err[-2000:])
            else:
                expect(rc, "usage", got, err)
                assert "cannot filter by level" in err, err


def test_merge_liars_caught():
    """level=L that drops rows: the counts do not add up, the scan runs. level=L that
    sends a row of another level after its first page: the merge stops, says so, and
    the scan writes what is left without writing any id twice."""
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact", liars="level:drop") as s:
        rc, want, err, _ = push_run(s, ["--level", "error", "--server-filter", "off"])
        rc, got, err, _ = push_run(s, ["--level", "error", "-v"])
        assert rc == 0 and got == want, err[-2000:]
        assert "merging" not in err and "reading every page instead" in err, err[-2000:]

    LevelLiar = lambda: DemotingLiar(  # noqa: E731
        lambda q: q.get("level") == ["40"] and q.get("page") == ["3"])

    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="exact") as s:
        rc, want, err, _ = push_run(s, ["--level", "error", "--server-filter", "off"])
        s.hooks = LevelLiar()
        rc, got, err, _ = push_run(s, ["--level", "error", "-v"])
        assert rc == 0, err
        assert "merging" in err and "does not match" in err, err[-2000:]
        assert sorted(got, reverse=True) == want and len(set(got)) == len(got), err[-2000:]


def window_run_cached(s, args, cache):
    """window_run with the probe cache dir cache (kept between runs)."""
    before = len(s.requests)
    rc, out, err = run(["--url", s.url, "-v", "list", "--format", "jsonl", "--utc"] + args,
                       env_extra={"XDG_CACHE_HOME": cache})
    assert rc == 0, (args, err[-2000:])
    return [e["id"] for e in jsonl(out)], err, [r["path"] for r in list(s.requests)[before:]]


def test_time_window_drop_liar_caught_by_counts():
    """created_at__gte or __lte that pass the probe and leave rows out (a "drop" liar, which
    the row check cannot see): the window's count plus the rows before and after it do not
    add up to the log's, the parameters are remembered as liars, and the pages are read
    instead: the same rows as with --server-filter off."""
    for liar in ("created_at__gte:drop", "created_at__lte:drop"):
        with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full", liars=liar) as s:
            rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                              "--server-filter", "off"])[1])
            since, until = rows[1803]["created_at"], rows[1702]["created_at"]
            for args, want in (
                    (["--since", iso_utc(since), "--until", iso_utc(until)],
                     in_window(rows, since, until)),
                    (["--since", iso_utc(since)], in_window(rows, since, "9999")),
                    (["--until", iso_utc(until)], in_window(rows, "0000", until))):
                cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
                off, _, _ = window_run_cached(s, args + ["--server-filter", "off"], cache)
                assert off == want, (liar, args, len(off), len(want))
                got, err, reqs = window_run_cached(s, args, cache)
                assert got == want, (liar, args, len(got), len(want), err[-1500:])
                assert "created_at filters do not add up" in err, (liar, args, err)
                with open(os.path.join(cache, "omslog", os.listdir(
                        os.path.join(cache, "omslog"))[0])) as f:
                    remembered = f.read()
                assert "created_at__gte liar" in remembered, remembered
                assert "created_at__lte liar" in remembered, remembered
                # remembered: not sent again, the pages are read at once
                got, err, reqs = window_run_cached(s, args, cache)
                assert got == want and "do not add up" not in err, (liar, args, err)
                assert not any("created_at__gte=2" in r or "created_at__lte=2" in r
                               for r in reqs), reqs


def test_time_window_honest_counts_and_ignore_liar():
    """An honest server: the window's counts add up (-v says so) and it costs two tiny
    requests. An "ignore" liar is never used (its probe sees the whole log); one that
    starts ignoring after its verdict was remembered is caught by the row check: the
    same rows either way."""
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="full") as s:
        rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                          "--server-filter", "off"])[1])
        since, until = rows[1803]["created_at"], rows[1702]["created_at"]
        args = ["--since", iso_utc(since), "--until", iso_utc(until)]
        want = in_window(rows, since, until)
        cache = tempfile.mkdtemp(prefix="caps-", dir=TMP)
        got, err, reqs = window_run_cached(s, args, cache)
        assert got == want and "created_at filters checked by counts: 102 in the window" \
            in err, err
        tiny = [r for r in reqs if "page_size=1&" in r and "9999-12-31" not in r
                and "1970-01-01" not in r]
        assert len(tiny) == 2, tiny

        class TwinFails(Hooks):  # the count of the rows before the window refused
            def respond(self, mock, req, answer):
                q = parse_qs(urlsplit(req["path"]).query)
                if q.get("page_size") == ["1"] and "created_at__lte" in q and \
                        not q["created_at__lte"][0].startswith("1970"):
                    return error_reply(400)
                return answer(req)

        s.hooks = TwinFails()
        got, err, _ = window_run_cached(s, args, cache)  # remembered honoured
        assert got == want and "could not be checked (a count failed)" in err, err
        s.hooks = Hooks()
        got, err, _ = window_run_cached(s, args, cache)  # not a liar: used again
        assert got == want and "checked by counts" in err, err
        s.set(liars="created_at__gte:ignore")
        got, err, _ = window_run_cached(s, args, cache)  # remembered honoured
        assert got == want, (len(got), len(want), err[-1500:])
        assert "does not match" in err, err
        got, err, reqs = window_run(s, ["--utc"] + args)  # probed: ignored, not used
        assert got == want and "created_date__gte: ignored" in err, err
        assert not any("created_at__gte=2" in r for r in reqs), reqs


def test_time_window_walk_bound_out_of_order():
    """Without created_at filters the walk learns where the window ends from every page
    that arrives, in any order: a page whose first entry is older than --since stops the
    pages below it. With the two pages at the window's end answering late, no more than
    --parallel pages past the one holding the window's oldest entry are asked (before, the
    walk's 4 x (1 + 4) pages ahead could all go past it)."""
    with MockServer(count=PUSH_COUNT, token=TOKEN, lookups="none") as s:
        rows = jsonl(run(["--url", s.url, "list", "--all", "--format", "jsonl",
                          "--server-filter", "off"])[1])
        for lo, hi in ((1803, 1702), (1799, 1590), (2203, 2002)):
            since, until = rows[lo]["created_at"], rows[hi]["created_at"]
            end, top = lo // 10 + 1, hi // 10 + 1  # pages of 10
            InFlight(s, extra_delay={end - 1: scaled(0.3), end: scaled(0.3)})
            got, err, reqs = window_run(s, ["--utc", "--since", iso_utc(since), "--until",
                                            iso_utc(until), "--parallel", "4"])
            assert got == in_window(rows, since, until), (lo, hi, err[-1500:])
            walk = [page_of(r) for r in reqs]
            walk = walk[walk.index(top):]  # the seek's probes after it stay near top
            past = sorted(p for p in walk if p > end)
            assert len(past) <= 4, (lo, hi, past, walk)

if __name__ == "__main__":
    sys.exit(main())
