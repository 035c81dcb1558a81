#!/usr/bin/env python3
"""integration_security.py - the command-line side of issue 4 ("hardening"):
the real omslog binary (OMSLOG_BIN) against hostile servers on loopback.

1. Terminal safety: a corpus of real-world attack payloads in every text field
   goes through every output path for people (`list --format table`, `get` text,
   error messages quoting server text, --verbose); nothing a terminal acts on
   gets out, each control is shown as its documented visible escape, and table
   columns stay aligned. json/jsonl/csv keep the data exact (parsed and compared
   field by field with what the server sent).
2. The API key stays home: recorders (the mock, tests/mock_oms.py, as a bare
   recorder) on another port of 127.0.0.1 and on 127.0.0.2 log every request;
   redirects, next/previous links and URLs with userinfo must never bring the
   key to them, and a redirect loop on our own origin ends. The key never shows in --verbose
   output, in error messages (even when the server echoes it back) or in
   /proc/<pid>/cmdline, and omslog runs with core dumps off.

Environment: OMSLOG_BIN (the binary), OMSLOG_TEST_TIME_SCALE (multiply every
deadline, e.g. 20 under valgrind), OMSLOG_UNDER_VALGRIND=1 (skips the checks
of /proc/<pid>/cmdline and of the process's dumpable flag, which under
valgrind describe valgrind's own process, not omslog's; see tests/valgrind.sh).
Arguments and output: see tests/harness.py."""
import contextlib
import csv
import io
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import EXIT, Skip, Suite, omslog_env, sanitized_binary, scaled  # noqa: E402
from mock_oms import (HTML_TYPE, RAW_REPLIES, MockServer, Reply, gzip_bomb,  # noqa: E402
                      json_reply)

BIN = os.environ.get("OMSLOG_BIN", os.path.abspath("build/omslog"))
UNDER_VALGRIND = os.environ.get("OMSLOG_UNDER_VALGRIND") == "1"
# DRF's authtoken keys are 40 hex digits.
TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
API = "/api/v1/oms/logs/action_log/"
COLUMNS = 200  # wide enough that every payload's escape fits in MESSAGE
REDACT_RUN = 8  # format.h FORMAT_REDACT_MIN_RUN: no run this long of the key may show
TMP = tempfile.mkdtemp(prefix="omslog-sec-")


def Recorder(host="127.0.0.1", handler=None):  # noqa: N802 - reads as the class it was
    """The mock as a bare recorder: only handler answers, every other request gets a
    404; every request is recorded (dump(), count(), connections)."""
    return MockServer(host=host, handler=handler, spy=True)


# ---------------------------------------------------------------- running omslog

def clean_env(token=TOKEN, extra=None):
    return omslog_env(TMP, token, dict({"COLUMNS": str(COLUMNS), "TZ": "UTC"}, **(extra or {})))


def run(args, token=TOKEN, env=None, timeout=60):
    p = subprocess.run([BIN] + args, capture_output=True, env=clean_env(token, env),
                       stdin=subprocess.DEVNULL, timeout=scaled(timeout))
    return p.returncode, p.stdout, p.stderr


def expect_rc(rc, want, out, err):
    assert rc == EXIT[want], "exit %d, wanted %d (%s)\nstdout: %r\nstderr: %r" % (
        rc, EXIT[want], want, out[:600], err[:600])


def one_line(err):
    assert err.count(b"\n") == 1 and err.endswith(b"\n"), "not one line: %r" % err[:600]


def wait_until(cond, seconds, what):
    end = time.time() + scaled(seconds)
    while time.time() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


# ---------------------------------------------------------------- what a terminal acts on

BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
LINE_SEPS = {0x2028, 0x2029}


def assert_terminal_safe(data, where, allow_tab=False):
    """data (bytes) is valid UTF-8 holding nothing a terminal acts on."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError("%s: invalid UTF-8 reached the terminal (%s): %r" % (
            where, e, data[max(0, e.start - 40):e.end + 40]))
    for i, c in enumerate(text):
        o = ord(c)
        bad = None
        if o < 0x20 and c != "\n" and not (allow_tab and c == "\t"):
            bad = "C0 control"
        elif o == 0x7F:
            bad = "DEL"
        elif 0x80 <= o <= 0x9F:
            bad = "C1 control"
        elif o in BIDI:
            bad = "bidi control"
        elif o in LINE_SEPS:
            bad = "line separator"
        elif 0xD800 <= o <= 0xDFFF:
            bad = "surrogate"
        if bad:
            raise AssertionError("%s: %s U+%04X at %d: %r" % (where, bad, o, i,
                                                              text[max(0, i - 40):i + 40]))
    return text


def visible(s, one_line=False, keep_newline=False, keep_tab=False):
    """The escapes sanitize.h promises, written out independently."""
    out = []
    for c in s:
        o = ord(c)
        if c == "\n":
            out.append(" " if one_line else "\n" if keep_newline else "\\n")
        elif c == "\t":
            out.append(" " if one_line else "\t" if keep_tab else "\\t")
        elif c == "\r":
            out.append("\\r")  # visible everywhere, also in one-line cells
        elif c == "\b":
            out.append("\\b")
        elif c == "\x1b":
            out.append("\\e")
        elif c == "\x00":
            out.append("\\0")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        elif 0x80 <= o <= 0x9F or o in BIDI or o in LINE_SEPS:
            out.append("\\u{%02x}" % o)
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")  # decode.h: a lone surrogate becomes U+FFFD
        elif c == "\u200d":
            pass  # ZWJ is dropped (sanitize.h): terminals disagree on joined widths
        else:
            out.append(c)
    return "".join(out)


def cwidth(c):
    """Terminal columns of one character, as glibc's wcwidth sees these ones."""
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def width(s):
    return sum(cwidth(c) for c in s)


def at_column(line, col):
    """The rest of line from display column col (None if no character starts there)."""
    w = 0
    for i, c in enumerate(line):
        if w == col and cwidth(c) > 0:
            return line[i:]
        w += cwidth(c)
        if w > col:
            return None
    return None


def no_key_run(data, where):
    """No REDACT_RUN-byte run of the key in data."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    for i in range(len(TOKEN) - REDACT_RUN + 1):
        piece = TOKEN[i:i + REDACT_RUN].encode()
        assert piece not in data, "%s shows part of the key (%r): %r" % (
            where, piece, data[max(0, data.find(piece) - 80):data.find(piece) + 80])


# ---------------------------------------------------------------- the payload corpus

# (name, payload). Each goes into message, logger_name, app_name and trace of
# one entry; the server sends them as JSON strings, which can carry any code
# point (also U+0000 and a lone surrogate as escapes). Raw bytes that are not
# valid UTF-8 cannot be inside valid JSON: they are in ERROR_BODIES below.
PAYLOADS = [
    ("osc0_title", "\x1b]0;PWNED-TITLE\x07"),
    ("osc2_title_st", "\x1b]2;PWNED\x1b\\"),
    ("csi_clear_home", "\x1b[2J\x1b[3J\x1b[H"),
    ("cursor_moves", "\x1b[5A\x1b[10C\x1b7\x1b8\x1b[s\x1b[u\x1bM"),
    ("osc8_link", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"),
    ("osc52_clipboard", "\x1b]52;c;cm0gLXJmIH4K\x07"),
    ("dcs_xtgettcap", "\x1bP+q544e\x1b\\"),
    ("csi_8bit", "\u009b31m\u009b2J"),
    ("c1_others", "\u0084\u0085\u008d\u0090\u009c\u009d\u009e\u009f"),
    ("charset_switch", "\x1b(0lqk\x1b(B\x0e\x0f"),
    ("nul", "a\u0000b"),
    ("lone_surrogates", "x\ud800y\udfffz"),
    ("bidi_trojan", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    ("bidi_marks_and_seps", "\u200e\u200f\u061c\u2028\u2029"),
    ("cr_overwrite", "rm -rf /\rls -l"),
    ("bs_overwrite", "secret\b\b\b\b\b\bpublic"),
    ("bel_del_vt_ff", "\x07\x7f\x0b\x0c"),
    ("zero_width", "a\u200bb\u200dc\ufeffd\u2060e"),
    ("combining", "e\u0301\u0301\u0301 n\u0303 \u0915\u094d\u0937"),
    ("wide", "\u6ce8\u6587\U0001F4E6\uff21"),
    ("tabs_newlines", "a\tb\nc"),
]
LEVELS = [0, 10, 20, 30, 40, 50, 25, 45]
LEVEL_NAMES = {0: "NOTSET", 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR",
               50: "CRITICAL"}
BASE_ID = 9000


def corpus_entries():
    out = []
    for i, (name, p) in enumerate(PAYLOADS):
        out.append({
            "id": BASE_ID - i,
            "level": LEVELS[i % len(LEVELS)],
            "logger_name": "L%02d<%s>" % (i, p),
            "message": "M%02d<%s>" % (i, p),
            "app_name": "A%02d<%s>" % (i, p),
            # every other trace is null: the API allows it
            "trace": None if i % 5 == 4 else "T%02d<\n%s>\n" % (i, p),
            "created_at": "2026-01-01T00:%02d:%02d.%06dZ" % (i // 60, i % 60, i * 7),
            "extra": {"kept": [i, name]},  # unknown fields survive json/jsonl
        })
    return out


def encode_json(obj, ascii_only):
    """JSON bytes. ascii_only: every non-ASCII character as \\uXXXX (what
    Python and DRF with UNICODE_JSON off send); otherwise raw UTF-8 (DRF's
    default), with lone surrogates still as escapes (they have no UTF-8)."""
    text = json.dumps(obj, ensure_ascii=ascii_only, separators=(",", ":"))
    if not ascii_only:
        text = re.sub("[\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group()), text)
    return text.encode("utf-8")


def page_body(entries, ascii_only, nxt=None, prev=None):
    return encode_json({"count": len(entries), "next": nxt, "previous": prev,
                        "results": entries}, ascii_only)


def api_handler(entries, ascii_only):
    by_id = {e["id"]: e for e in entries}

    def handle(req):
        path = req["path"].split("?")[0]
        if path == API:
            if re.search(r"[?&]page=(?!1(&|$))", req["path"]):
                return json_reply(404, {"detail": "Invalid page."})
            return json_reply(200, page_body(entries, ascii_only))
        m = re.fullmatch(re.escape(API) + r"(\d+)/", path)
        if m and int(m.group(1)) in by_id:
            return json_reply(200, encode_json(by_id[int(m.group(1))], ascii_only))
        return None
    return handle


def server_view(e):
    """What a client can know of an entry: lone surrogates became U+FFFD
    (decode.h), so compare against that."""
    def fix(v):
        if isinstance(v, str):
            return re.sub("[\ud800-\udfff]", "\ufffd", v)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v
    return fix(e)


# ---------------------------------------------------------------- 1a: terminal safety

def check_table(out, entries):
    text = assert_terminal_safe(out, "table")
    lines = text.split("\n")
    assert lines[-1] == "", "table does not end with a newline"
    lines = lines[:-1]
    assert len(lines) == len(entries) + 1, "%d lines for %d entries" % (len(lines), len(entries))
    head = lines[0]
    assert head.split() == ["ID", "TIME", "LEVEL", "APP", "LOGGER", "MESSAGE"], head
    cols = {name: head.index(name) for name in ("TIME", "LEVEL", "APP", "LOGGER", "MESSAGE")}
    for line, e in zip(lines[1:], entries):
        i = BASE_ID - e["id"]
        where = "table row %d (%s)" % (i, PAYLOADS[i][0])
        assert width(line) <= COLUMNS, "%s is %d columns wide" % (where, width(line))
        assert line.split()[0] == str(e["id"]), where
        # Each cell starts exactly under its title: a zero-width or wide
        # character counted wrong would shift every cell after it.
        for title, want in (("TIME", "2026-01-01 00:"),
                            ("LEVEL", LEVEL_NAMES.get(e["level"], "Level")),
                            ("APP", "A%02d<" % i), ("LOGGER", "L%02d<" % i),
                            ("MESSAGE", "M%02d<" % i)):
            cell = at_column(line, cols[title])
            assert cell is not None and cell.startswith(want), \
                "%s: %s column does not start with %r at column %d: %r" % (
                    where, title, want, cols[title], line)
        # MESSAGE is wide enough for the whole escaped payload: it must be
        # exactly the documented visible form.
        msg = at_column(line, cols["MESSAGE"])
        assert msg == visible(e["message"], one_line=True).rstrip(" "), \
            "%s: message shown as %r, wanted %r" % (where, msg, visible(e["message"], True))


def test_table_corpus_raw_utf8():
    entries = corpus_entries()
    with Recorder(handler=api_handler(entries, ascii_only=False)) as s:
        rc, out, err = run(["--url", s.url, "list", "--format", "table", "--limit", "100"])
        expect_rc(rc, "ok", out, err)
        check_table(out, entries)
        assert_terminal_safe(err, "stderr")


def test_table_corpus_ascii_escaped_json():
    entries = corpus_entries()
    with Recorder(handler=api_handler(entries, ascii_only=True)) as s:
        rc, out, err = run(["--url", s.url, "list", "--format", "table", "--limit", "100"])
        expect_rc(rc, "ok", out, err)
        check_table(out, entries)
        assert_terminal_safe(err, "stderr")


def test_get_text_corpus():
    entries = corpus_entries()
    with Recorder(handler=api_handler(entries, ascii_only=False)) as s:
        for i, e in enumerate(entries):
            where = "get %d (%s)" % (e["id"], PAYLOADS[i][0])
            rc, out, err = run(["--url", s.url, "get", str(e["id"])])
            expect_rc(rc, "ok", out, err)
            text = assert_terminal_safe(out, where, allow_tab=True)
            assert_terminal_safe(err, where + " stderr")
            assert "app_name: %s\n" % visible(e["app_name"]) in text, (where, text)
            assert "logger_name: %s\n" % visible(e["logger_name"]) in text, (where, text)
            msg = visible(e["message"], keep_newline=True, keep_tab=True)
            block = "".join("  " + ln + "\n" if ln else "\n" for ln in msg.split("\n"))
            assert "message:\n" + block in text, (where, text)
            if e["trace"] is None:
                assert "trace:\n  (none)\n" in text, (where, text)
            else:
                tr = visible(e["trace"], keep_newline=True, keep_tab=True)
                lines = tr.split("\n")
                if lines[-1] == "":
                    lines = lines[:-1]
                block = "".join("  " + ln + "\n" if ln else "\n" for ln in lines)
                assert "trace:\n" + block in text, (where, text)


def test_jsonl_and_json_keep_the_data_exact():
    entries = corpus_entries()
    want = [server_view(e) for e in entries]
    for ascii_only in (False, True):
        with Recorder(handler=api_handler(entries, ascii_only)) as s:
            rc, out, err = run(["--url", s.url, "list", "--format", "jsonl", "--limit", "100"])
            expect_rc(rc, "ok", out, err)
            # split on "\n" only: U+2028 is legal inside a JSON string
            got = [json.loads(ln) for ln in out.decode("utf-8").split("\n") if ln]
            assert len(got) == len(want), (len(got), len(want))
            for g, w in zip(got, want):
                for k in w:
                    assert g.get(k, "missing") == w[k], "jsonl id %d field %s: %r != %r" % (
                        w["id"], k, g.get(k, "missing"), w[k])
                assert set(g) == set(w), (sorted(g), sorted(w))
            rc, out, err = run(["--url", s.url, "list", "--format", "json", "--limit", "100"])
            expect_rc(rc, "ok", out, err)
            assert json.loads(out.decode("utf-8")) == want
            for e in (want[0], want[10], want[11]):  # also NUL and the surrogates
                rc, out, err = run(["--url", s.url, "get", str(e["id"]), "--format", "json"])
                expect_rc(rc, "ok", out, err)
                assert json.loads(out.decode("utf-8")) == e, (out, e)


def test_csv_round_trips_exactly():
    entries = corpus_entries()
    with Recorder(handler=api_handler(entries, ascii_only=False)) as s:
        rc, out, err = run(["--url", s.url, "list", "--format", "csv", "--limit", "100"])
        expect_rc(rc, "ok", out, err)
    text = out.decode("utf-8")  # strict: the file must be UTF-8
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert rows[0] == ["id", "level", "level_name", "created_at", "app_name", "logger_name",
                       "message", "trace"], rows[0]
    assert len(rows) == len(entries) + 1, len(rows)
    for row, e in zip(rows[1:], entries):
        w = server_view(e)
        got = dict(zip(rows[0], row))
        exp = {"id": str(w["id"]), "level": str(w["level"]),
               "level_name": LEVEL_NAMES.get(w["level"], "Level %d" % w["level"]),
               "created_at": w["created_at"], "app_name": w["app_name"],
               "logger_name": w["logger_name"], "message": w["message"],
               "trace": w["trace"] or ""}
        assert got == exp, "csv id %d:\n got %r\nwant %r" % (w["id"], got, exp)
    # RFC 4180: CRLF after every record, including the last.
    assert out.endswith(b"\r\n") and out.count(b"\r\n") >= len(entries) + 1


# Error responses that quote server text. Bodies are bytes: raw ESC, raw C1
# bytes (0x9b alone is invalid UTF-8), overlong UTF-8 (C0 AF for "/") and
# bidi controls as raw UTF-8.
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\u009b31m\u202eevil\u2066\r\bok\x00"
HOSTILE_VISIBLE = ["\\e]0;PWNED\\x07", "\\e[2J", "\\u{9b}31m", "\\u{202e}evil", "\\u{2066}"]
RAW_HTML = (b"<html><head><title>\x1b]0;PWNED\x07502</title></head>\r\n<body>\x9b2J\xc0\xaf"
            b"\xe2\x80\xae\x1bP+q\x1b\\<h1>502 Bad Gateway</h1></body></html>")
RAW_HTML_VISIBLE = ["\\e]0;PWNED\\x07", "\\x9b2J", "\\xc0\\xaf", "\\u{202e}", "\\eP+q\\e\\"]


def detail(obj):
    return json.dumps({"detail": obj}).encode()


ERROR_CASES = [
    # name, command, status, headers, body, exit, visible texts
    ("400_detail", ["list"], 400, (), detail(HOSTILE), "bad_request", HOSTILE_VISIBLE),
    ("400_field_errors", ["list"], 400, (),
     json.dumps({"level": [HOSTILE], "app_name": ["\x1b[31mred"]}).encode(), "bad_request",
     HOSTILE_VISIBLE[:2] + ["\\e[31mred"]),
    ("401_detail", ["list"], 401, (("WWW-Authenticate", "Token"),), detail(HOSTILE), "auth",
     HOSTILE_VISIBLE),
    ("403_detail", ["list"], 403, (), detail(HOSTILE), "auth", HOSTILE_VISIBLE),
    ("404_detail", ["list"], 404, (), detail(HOSTILE), "not_found", HOSTILE_VISIBLE),
    ("429_detail", ["--retries", "0", "list"], 429, (("Retry-After", "1"),), detail(HOSTILE),
     "rate", HOSTILE_VISIBLE),
    ("500_detail", ["--retries", "0", "list"], 500, (), detail(HOSTILE), "server",
     HOSTILE_VISIBLE),
    ("500_detail_get", ["--retries", "0", "get", "7"], 500, (), detail(HOSTILE), "server",
     HOSTILE_VISIBLE),
    ("502_html_page", ["--retries", "0", "list"], 502, (HTML_TYPE,), RAW_HTML, "server",
     RAW_HTML_VISIBLE[:3]),
    ("503_html_page_get", ["--retries", "0", "get", "7"], 503, (HTML_TYPE,), RAW_HTML,
     "server", RAW_HTML_VISIBLE[:3]),
    ("200_not_json", ["list"], 200, (HTML_TYPE,), RAW_HTML, "protocol",
     RAW_HTML_VISIBLE[:3]),
    ("200_invalid_utf8_in_json", ["list"], 200, (),
     b'{"count":1,"next":null,"previous":null,"results":[{"id":1,"level":20,'
     b'"logger_name":"\x9b2J","message":"\xc0\xaf\x1b]0;x\x07","app_name":"a","trace":"",'
     b'"created_at":"2026-01-01T00:00:00Z"}]}', "protocol", []),
    ("200_raw_control_in_json", ["get", "7"], 200, (),
     b'{"id":7,"level":20,"logger_name":"\x1b[2J","message":"\x07","app_name":"a",'
     b'"trace":"","created_at":"2026-01-01T00:00:00Z"}', "protocol", []),
    ("200_wrong_type_hostile_value", ["get", "7"], 200, (),
     json.dumps({"id": 7, "level": HOSTILE, "logger_name": "l", "message": "m",
                 "app_name": "a", "trace": "", "created_at": "2026-01-01T00:00:00Z"}).encode(),
     "protocol", []),
    ("huge_detail", ["--retries", "0", "list"], 500, (),
     detail(("\x1b[2J\u015f\u202e" * 3000) + "END"), "server", ["\\e[2J\u015f\\u{202e}"]),
]


def error_case_test(case):
    name, cmd, status, headers, body, want, texts = case

    def handler(req):
        return Reply(status, (("Content-Type", "application/json"),) + tuple(headers)
                     if not any(h[0] == "Content-Type" for h in headers) else tuple(headers),
                     body)

    def test():
        with Recorder(handler=handler) as s:
            for verbose in ([], ["-v"]):
                rc, out, err = run(["--url", s.url] + verbose + cmd)
                where = "%s%s stderr" % (name, " -v" if verbose else "")
                expect_rc(rc, want, out, err)
                text = assert_terminal_safe(err, where)
                assert_terminal_safe(out, where.replace("stderr", "stdout"))
                if not verbose:
                    one_line(err)
                    assert len(err) < 1200, "%s: %d bytes, not a short line" % (where, len(err))
                for t in texts:
                    assert t in text, "%s: %r not shown in %r" % (where, t, text)
    test.__name__ = "test_error_message_" + name
    return test


for _case in ERROR_CASES:
    globals()["test_error_message_" + _case[0]] = error_case_test(_case)


def test_error_message_cut_inside_utf8_stays_valid():
    """error.h messages are cut at a byte count; when the cut falls inside a
    multi-byte character the line printed must still be valid UTF-8."""
    longest = 0
    with Recorder() as s:
        # Each U+202E (3 bytes) is shown as 8 ("\u{202e}"), so the message
        # outgrows OMSLOG_ERROR_MSG_MAX (512) with the cut in the text after.
        for n in range(44, 60):
            body = detail("\u202e" * n + "\u015f\u6ce8\U0001F4E6" * 40)
            s.handler = lambda req, b=body: json_reply(500, b)
            rc, out, err = run(["--url", s.url, "--retries", "0", "list"])
            expect_rc(rc, "server", out, err)
            assert_terminal_safe(err, "%d bidi controls" % n)
            one_line(err)
            longest = max(longest, len(err))
    assert longest >= 500, "no message was long enough to be cut (%d bytes)" % longest


def test_verbose_shows_server_text_safely():
    """--verbose quotes URLs a server chose (redirect Locations): curl
    percent-encodes them, and nothing raw may reach the terminal."""
    entries = corpus_entries()[:3]
    inner = api_handler(entries, ascii_only=False)

    def handler(req):
        if req["path"].startswith(API + "?"):
            loc = API + "x/\u009b\u202e\x1b[2J/?page=1"
            return Reply(302, (("Location", loc.encode("utf-8").decode("latin-1")),))
        if req["path"].startswith(API + "x/"):
            return json_reply(200, page_body(entries, False))
        return inner(req)
    with Recorder(handler=handler) as s:
        rc, out, err = run(["--url", s.url, "-vvv", "list", "--format", "table"])
        # curl refuses a Location with raw control bytes: either way, no escape gets out
        assert rc in (EXIT["ok"], EXIT["protocol"], EXIT["connect"]), (rc, err)
        assert_terminal_safe(err, "verbose stderr")
        assert_terminal_safe(out, "verbose stdout")
        assert b"GET " in err, err


# ---------------------------------------------------------------- 1b: the key stays home

def page_of(n=3, nxt=None, prev=None, start=100):
    entries = [{"id": start - i, "level": 20, "logger_name": "l", "message": "m%d" % i,
                "app_name": "a", "trace": "", "created_at": "2026-01-01T00:00:00Z"}
               for i in range(n)]
    return page_body(entries, True, nxt, prev)


def entry_of(id_):
    return encode_json({"id": id_, "level": 20, "logger_name": "l", "message": "m",
                        "app_name": "a", "trace": "", "created_at": "2026-01-01T00:00:00Z"},
                       True)


class Spies:
    """Recorders on another port of 127.0.0.1 and on 127.0.0.2."""

    def __enter__(self):
        self.port = Recorder("127.0.0.1").start()
        self.host = Recorder("127.0.0.2").start()
        return self

    def __exit__(self, *exc):
        self.port.stop()
        self.host.stop()

    def all(self):
        return (self.port, self.host)

    def assert_untouched(self, where):
        for spy in self.all():
            seen = spy.dump()
            assert TOKEN not in seen, "%s: the key reached %s:\n%s" % (where, spy.url, seen)
            assert spy.count() == 0 and spy.connections == 0, \
                "%s: %s was contacted (%d requests, %d connections):\n%s" % (
                    where, spy.url, spy.count(), spy.connections, seen)

    def assert_they_record(self):
        """The spies do see what reaches them, so the checks above can fail."""
        import urllib.request
        for spy in self.all():
            before = spy.count()
            req = urllib.request.Request(spy.url + API, headers={"Authorization": "Token probe"})
            try:
                urllib.request.urlopen(req, timeout=scaled(10)).read()
            except Exception:
                pass  # a 404 is fine: the request was recorded
            assert spy.count() == before + 1 and "Token probe" in spy.dump()


def test_redirects_to_another_origin_never_get_the_key():
    with Spies() as spies:
        main = Recorder().start()
        try:
            targets = [("other_port", spies.port.url), ("other_host", spies.host.url),
                       ("https_scheme", "https://127.0.0.1:%d" % spies.port.port),
                       ("same_port_other_name", "http://localhost:%d" % main.port)]
            for code in (301, 302, 303, 307, 308):
                for tname, target in targets:
                    for cmd in (["list"], ["get", "7"]):
                        where = "%d to %s (%s)" % (code, tname, cmd[0])
                        main.handler = lambda req, t=target, c=code: \
                            Reply(c, (("Location", t + req["path"]),)) \
                            if "hop" not in req["path"] else json_reply(200, page_of())
                        before = main.count()
                        rc, out, err = run(["--url", main.url] + cmd)
                        expect_rc(rc, "origin", out, err)
                        one_line(err)
                        assert b"refusing to send the API token" in err, (where, err)
                        assert b"--url" in err, (where, err)  # says what to do
                        # only the first request, never a second one with the key
                        assert main.count() == before + 1, (where, main.count() - before)
                        spies.assert_untouched(where)
            # The main server did get the key: the recorders do see it when sent.
            assert TOKEN in main.dump()
        finally:
            main.stop()
        spies.assert_they_record()


def test_same_origin_redirect_is_followed_with_the_key():
    """The control for the test above: Django's APPEND_SLASH-style relative
    redirect on our own origin is fine and gets the key."""
    with Recorder() as main:
        def handler(req):
            if "hop=1" in req["path"]:
                return json_reply(200, page_of())
            return Reply(301, (("Location", API + "?hop=1&page=1"),))
        main.handler = handler
        rc, out, err = run(["--url", main.url, "list", "--format", "jsonl"])
        expect_rc(rc, "ok", out, err)
        assert len(out.strip().split(b"\n")) == 3, out
        assert main.dump().count("Token " + TOKEN) == 2, main.dump()


def test_redirect_chain_leaving_the_origin_is_refused():
    with Spies() as spies, Recorder() as main:
        def handler(req):
            if "hop" in req["path"]:
                return Reply(307, (("Location", spies.host.url + API),))
            return Reply(302, (("Location", API + "hop/"),))
        main.handler = handler
        rc, out, err = run(["--url", main.url, "list"])
        expect_rc(rc, "origin", out, err)
        assert main.count() == 2, main.count()
        spies.assert_untouched("same-origin hop then 307 away")


def test_redirect_loop_is_a_protocol_error():
    """A same-origin redirect to itself, forever: bounded hops, then a clear
    'cannot follow' error with the protocol status (the connection is fine)."""
    with MockServer(count=5, token=TOKEN) as s:
        s.set(redirect_to=s.url)
        rc, out, err = run(["--url", s.url, "list"])
        expect_rc(rc, "protocol", out, err)
        assert b"redirect omslog cannot follow" in err and b"too many redirects" in err, err
        hops = [r for r in s.requests if r.get("path", "").startswith("/api/")]
        assert 2 <= len(hops) <= 20, len(hops)


def test_next_and_previous_links_to_another_origin_are_never_followed():
    """omslog pages by number: a link elsewhere is neither followed nor an
    error, and never printed (not even a hostile one)."""
    with Spies() as spies, Recorder() as main:
        links = [("next", spies.host.url + API + "?page=2"),
                 ("next", spies.port.url + API + "?page=2"),
                 ("next", "https://127.0.0.1:%d%s?page=2" % (main.port, API)),
                 ("next", "%s/\x1b]0;PWNED\x07\u202e?page=2" % spies.host.url),
                 ("previous", spies.host.url + API),
                 ("previous", "http://%s@127.0.0.2:%d%s" % (TOKEN[:4], spies.host.port, API))]
        for field, link in links:
            pages = 2 if field == "next" else 1  # page 2 links back with `previous`

            def handler(req, f=field, ln=link, count=3 * pages):
                page = 2 if re.search(r"[?&]page=2(&|$)", req["path"]) else 1
                entries = [{"id": 100 - i, "level": 20, "logger_name": "l", "message": "m",
                            "app_name": "a", "trace": "", "created_at": "2026-01-01T00:00:00Z"}
                           for i in range(3 * page - 3, 3 * page)]
                return json_reply(200, encode_json({
                    "count": count, "results": entries,
                    "next": ln if f == "next" and page == 1 else None,
                    "previous": ln if f == "previous" or page == 2 else None}, True))
            main.handler = handler
            for cmd in (["list"], ["list", "--all"]):
                before = main.count()
                rc, out, err = run(["--url", main.url] + cmd)
                where = "%s link %s (%s)" % (field, link, " ".join(cmd))
                expect_rc(rc, "ok", out, err)
                assert len(out.strip().split(b"\n")) == 3 * pages, (where, out)
                assert main.count() == before + pages, (where, main.count() - before)
                assert_terminal_safe(err, where)
                assert b"PWNED" not in out + err, (where, out, err)
                spies.assert_untouched(where)
        spies.assert_they_record()


def test_base_url_with_userinfo_is_refused():
    with Spies() as spies, Recorder() as main:
        password = "s3cr3t-pa55w0rd"
        urls = ["http://user:%s@127.0.0.1:%d" % (password, main.port),
                "http://%s@127.0.0.1:%d/" % (password, main.port),
                "http://:%s@127.0.0.1:%d/api/v1/oms/logs/action_log/" % (password, main.port),
                # parser confusion: which host is it? Refused, so neither.
                "http://127.0.0.1:%d@127.0.0.2:%d/" % (main.port, spies.host.port),
                "http://127.0.0.1:%d\\@127.0.0.2:%d/" % (main.port, spies.host.port)]
        for url in urls:
            for how in ("flag", "env", "file"):
                args, env = ["list"], {}
                if how == "flag":
                    args = ["--url", url] + args
                elif how == "env":
                    env["OMSLOG_URL"] = url
                else:
                    cfg = os.path.join(TMP, "userinfo.conf")
                    with open(cfg, "w") as f:
                        f.write("url = %s\n" % url)
                    os.chmod(cfg, 0o600)
                    args = ["--config", cfg] + args
                rc, out, err = run(args, env=env)
                where = "%s via %s" % (url, how)
                assert rc in (EXIT["config"], EXIT["usage"]), (where, rc, err)
                one_line(err)
                assert password.encode() not in err, (where, err)
                assert_terminal_safe(err, where)
        assert main.count() == 0 and main.connections == 0, main.dump()
        spies.assert_untouched("userinfo URLs")


def echo_key_handler(mode):
    """A server on our own origin that echoes the Authorization header back."""
    def handler(req):
        auth = req["headers"].get("Authorization", "")
        if mode == "401":
            return json_reply(401, {"detail": "Invalid token: %s" % auth},
                              (("WWW-Authenticate", "Token"),))
        if mode == "400_fields":
            return json_reply(400, {"token": [auth], "level": ["bad " + auth[-12:]]})
        if mode == "502_html":
            return Reply(502, (HTML_TYPE,), ("<pre>HTTP_AUTHORIZATION '%s'</pre>" % auth).encode())
        if mode == "200_not_json":
            return Reply(200, (HTML_TYPE,), ("debug: %s" % auth).encode())
        if mode == "location":
            if "k=" in req["path"]:
                return json_reply(200, page_of())
            return Reply(302, (("Location", API + "?page=1&k=" + auth.split()[-1]),))
        if mode == "next_link":  # a last page 2 ends the walk
            if "page=2" in req["path"]:
                return json_reply(200, page_of(start=97))
            return json_reply(200, page_of(nxt="http://127.0.0.2:9/?k=" + auth.split()[-1]))
        if mode == "retry_503":
            return json_reply(503, {"detail": "down, your key %s" % auth})
        if mode == "cut_short":  # only a prefix of the key survives the excerpt limit
            return Reply(502, (HTML_TYPE,), (" " * 100 + auth).encode())
        m = re.fullmatch(re.escape(API) + r"(\d+)/", req["path"])
        return json_reply(200, entry_of(int(m.group(1))) if m else page_of())
    return handler


def test_key_never_printed_even_when_the_server_echoes_it():
    modes = [("ok", "ok"), ("401", "auth"), ("400_fields", "bad_request"),
             ("502_html", "server"), ("200_not_json", "protocol"), ("location", "ok"),
             ("next_link", "ok"), ("retry_503", "server"), ("cut_short", "server")]
    with Recorder() as main:
        for mode, want in modes:
            main.handler = echo_key_handler(mode)
            for verbose in ([], ["-v"], ["-vvv"]):
                for cmd in (["list"], ["get", "100"]):
                    if mode in ("next_link", "location") and cmd[0] == "get":
                        continue
                    args = ["--url", main.url, "--retries", "1"] + verbose + cmd
                    rc, out, err = run(args)
                    where = "%s %s" % (mode, " ".join(verbose + cmd))
                    expect_rc(rc, want, out, err)
                    no_key_run(err, where + " stderr")
                    no_key_run(out, where + " stdout")
                    assert_terminal_safe(err, where)
                    if verbose:
                        assert b"GET " in err, (where, err)  # verbose did say things
            assert TOKEN in main.dump()  # the server had it: the echo was real


def test_key_not_in_verbose_with_token_flag_or_file():
    tf = os.path.join(TMP, "token")
    with open(tf, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(tf, 0o600)
    with Recorder(handler=echo_key_handler("ok")) as main:
        for args in (["--token", TOKEN], ["--token=" + TOKEN], ["--token-file", tf]):
            rc, out, err = run(["-vv", "--url", main.url] + args + ["list"], token=None)
            expect_rc(rc, "ok", out, err)
            no_key_run(err, "stderr with %s" % args[0])
            assert b"token 9944" in err, err  # the mask: 4 characters and the length
        assert main.dump().count("Token " + TOKEN) == 3


def hint_lines(err):
    return [ln for ln in err.decode("utf-8").split("\n") if "hint" in ln]


def test_token_on_command_line_prints_one_hint():
    with Recorder(handler=echo_key_handler("ok")) as main:
        for args in (["--token", TOKEN], ["--token=" + TOKEN]):
            rc, out, err = run(["--url", main.url] + args + ["list"], token=None)
            expect_rc(rc, "ok", out, err)
            hints = hint_lines(err)
            assert len(hints) == 1, err
            assert "OMSLOG_TOKEN" in hints[0] and "--token-file" in hints[0], hints
            assert err.count(b"\n") == 1, err  # the hint is the only line
            no_key_run(err, "hint")
        rc, out, err = run(["--url", main.url, "list"])  # from the environment: no hint
        expect_rc(rc, "ok", out, err)
        assert hint_lines(err) == [] and err == b"", err


def stalling_handler(req):
    return Reply(200, (("Content-Type", "application/json"),), page_of(), mode="stall",
                 cut=1)


def spawn_stalled(main, args, pre=(), binary=None):
    env = clean_env(None, {"XDG_CONFIG_HOME": "/nonexistent", "HOME": "/nonexistent"})
    p = subprocess.Popen(list(pre) + [binary or BIN, "--url", main.url, "--timeout", "300",
                                      "--retries", "0"] + args + ["list"],
                         env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        wait_until(lambda: main.count() > 0 or p.poll() is not None, 20, "the request")
    except AssertionError:
        p.kill()
        p.communicate()
        raise
    if p.poll() is not None:
        out, err = p.communicate()
        raise AssertionError("omslog exited %d before the stall: %r" % (p.returncode, err))
    return p


def stop(p):
    p.terminate()
    try:
        p.communicate(timeout=scaled(20))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()


def test_key_not_in_proc_cmdline_while_running():
    if UNDER_VALGRIND:
        raise Skip("under valgrind /proc/<pid>/cmdline is valgrind's own argv")
    for args in (["--token", TOKEN], ["--token=" + TOKEN]):
        with Recorder(handler=stalling_handler) as main:
            p = spawn_stalled(main, args)
            try:
                with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                    cmdline = f.read().split(b"\0")
            finally:
                stop(p)
            assert b"--url" in cmdline and main.url.encode() in cmdline, cmdline
            assert TOKEN.encode() not in b"\0".join(cmdline), cmdline
            no_key_run(b" ".join(cmdline), "cmdline")
            # the argument is still there, overwritten in place
            wiped = [a for a in cmdline if a.endswith(b"x" * len(TOKEN))]
            assert len(wiped) == 1, cmdline
            # and the key still worked: the request carried it
            assert "Token " + TOKEN in main.dump()


def proc_field(pid, name, key):
    with open("/proc/%d/%s" % (pid, name)) as f:
        for line in f:
            if line.startswith(key):
                return line
    return ""


def test_no_core_dumps_of_the_key():
    """RLIMIT_CORE is 0 and the process is not dumpable. Dumpability shows in
    who owns /proc/<pid>/environ: root instead of the process's user. As root
    every process's files are root's, so omslog then runs as nobody."""
    if UNDER_VALGRIND:
        raise Skip("under valgrind the limits and dumpable flag are valgrind's process's")
    pre = []
    binary = BIN
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise Skip("running as root without setpriv: cannot observe the dumpable flag")
        pre = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        # A copy nobody can reach: the checkout may sit under a 0700 home.
        where = tempfile.mkdtemp(prefix="omslog-nobody-")
        os.chmod(where, 0o755)
        binary = os.path.join(where, "omslog")
        shutil.copy2(BIN, binary)
        os.chmod(binary, 0o755)
        probe = subprocess.run(pre + [binary, "--version"], capture_output=True,
                               env=clean_env(None), timeout=scaled(30))
        assert probe.returncode == 0, "nobody cannot run %s: %r" % (binary, probe.stderr[:200])
    with Recorder(handler=stalling_handler) as main:
        p = spawn_stalled(main, [], pre, binary)
        try:
            limits = proc_field(p.pid, "limits", "Max core file size").split()
            uid = int(proc_field(p.pid, "status", "Uid:").split()[1])
            owner = os.stat("/proc/%d/environ" % p.pid).st_uid
        finally:
            stop(p)
            if binary != BIN:
                shutil.rmtree(os.path.dirname(binary), ignore_errors=True)
    assert limits[4:6] == ["0", "0"], limits  # soft and hard
    assert uid != 0, uid
    assert owner == 0, "/proc/<pid>/environ is owned by %d: the process is dumpable" % owner


# ---------------------------------------------------------------- bounded in bytes and time

MAX_RSS_KB = 100 * 1024  # a gzip bomb must not take omslog near this


def run_measured(args, env=None, timeout=60):
    """run(), plus omslog's peak RSS in KB (GNU time's %M)."""
    if not os.path.exists("/usr/bin/time"):
        raise Skip("no /usr/bin/time to measure peak memory")
    out_path = os.path.join(TMP, "rss")
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out_path, BIN] + args,
                       capture_output=True, env=clean_env(TOKEN, env),
                       stdin=subprocess.DEVNULL, timeout=scaled(timeout))
    with open(out_path) as f:
        rss_kb = int(f.read().split()[-1])
    return p.returncode, p.stdout, p.stderr, rss_kb


def bomb_handler(req):
    """Every request gets ~260 KB of gzip that decodes to 256 MiB of zeros."""
    return Reply(200, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                 gzip_bomb(256))


def test_gzip_bomb_stops_get_and_list_at_the_cap():
    """A small compressed body decoding past max_response ends the transfer as the
    decoded bytes pass the cap: exit 13 in words, one request, memory near the cap."""
    gzip_bomb(256)  # built before the clock of any run starts
    with Recorder(handler=bomb_handler) as s:
        for args, cap in ((["get", "1"], "32 MiB"), (["list"], "32 MiB"),
                          (["--max-response", "1M", "list"], "1 MiB")):
            before = s.count()
            rc, out, err, rss_kb = run_measured(["--url", s.url] + args)
            expect_rc(rc, "protocol", out, err)
            one_line(err)
            assert b"response larger than %s" % cap.encode() in err, err
            assert (b"--page-size" in err) == (args[-1] == "list"), err
            # get asks once; list asks again in smaller pages (50, 25, 5, 1 of 100)
            # before it gives up, each stopped at the cap
            asked = s.count() - before
            assert asked == (5 if args[-1] == "list" else 1), "%s: %d requests" % (args, asked)
            if not UNDER_VALGRIND and not sanitized_binary(BIN):
                assert rss_kb < MAX_RSS_KB, "%s: peak RSS %d KB" % (args, rss_kb)


def big_entries_handler(total, message_bytes, honour=True):
    """A DRF API of `total` entries with `message_bytes`-byte messages that honours
    page_size (or, honour=False, always sends 100 a page)."""
    entries = [{"id": total - i, "level": 20, "logger_name": "l",
                "message": "%d:" % (total - i) + "x" * message_bytes, "app_name": "a",
                "trace": "", "created_at": "2026-01-01T00:00:00Z"} for i in range(total)]

    def handle(req):
        q = dict(p.split("=", 1) for p in req["path"].split("?", 1)[1].split("&"))
        page, size = int(q.get("page", "1")), int(q.get("page_size", "100")) if honour else 100
        part = entries[(page - 1) * size:page * size]
        if not part:
            return json_reply(404, {"detail": "Invalid page."})
        nxt = "http://x/?page=%d" % (page + 1) if page * size < total else None
        return json_reply(200, encode_json({"count": total, "next": nxt, "previous": None,
                                            "results": part}, True))
    return handle


def test_page_over_the_cap_is_asked_again_in_smaller_pages():
    """A page larger than max_response from a server that honours page_size is asked
    again as pages of half (a divisor of) the size covering the same rows: `list`
    writes every entry once, in order. A server that ignores the size gets exit 13."""
    with Recorder(handler=big_entries_handler(120, 2000)) as s:
        rc, out, err = run(["--url", s.url, "--max-response", "64K", "list", "--all",
                            "--format", "jsonl"])
        expect_rc(rc, "ok", out, err)
        ids = [json.loads(line)["id"] for line in out.splitlines()]
        assert ids == list(range(120, 0, -1)), ids
        assert "page_size=25" in s.dump(), s.dump()[:2000]
    with Recorder(handler=big_entries_handler(300, 2000, honour=False)) as s:
        rc, out, err = run(["--url", s.url, "--max-response", "64K", "list", "--all",
                            "--format", "jsonl"])
        expect_rc(rc, "protocol", out, err)
        one_line(err)
        assert b"response larger than 64 KiB" in err, err
        # a server ignoring the size sends its big page for every part: 100, 50, 25, 5, 1
        assert s.count() == 5, s.count()


def raw_handler(case):
    return lambda req: Reply(200, body=RAW_REPLIES[case], mode="raw")


def test_bad_framing_is_a_bad_response_not_a_network_fault():
    """Broken chunked encoding, a negative Content-Length, an unknown or lying
    Content-Encoding, a 300 KB header line, no status line: exit 13, "bad response",
    asked once (a network fault would be retried and called "cannot connect")."""
    for case in sorted(RAW_REPLIES):
        with Recorder(handler=raw_handler(case)) as s:
            for args in (["list"], ["get", "1"]):
                rc, out, err = run(["--url", s.url] + args)
                expect_rc(rc, "protocol", out, err)
                one_line(err)
                assert b"bad response from " + s.url.encode() in err, (case, err)
                assert b"cannot connect" not in err and b"memory" not in err, (case, err)
            assert s.count() == 2, "%s: %d requests for 2 runs" % (case, s.count())


def test_retry_after_beyond_the_budget_fails_at_once():
    """Retry-After: 119 with 4 retries used to hold `list` silent for 8 minutes: past
    the retry budget (60 s) it fails at once with exit 7 and says what was asked."""
    def handler(req):
        return json_reply(429, {"detail": "Request was throttled."},
                          extra=[("Retry-After", "119")])
    with Recorder(handler=handler) as s:
        t0 = time.time()
        rc, out, err = run(["--url", s.url, "list"])
        expect_rc(rc, "rate", out, err)
        assert time.time() - t0 < scaled(10), time.time() - t0
        assert s.count() == 1, s.count()
        assert b"asked to wait 119 s" in err, err
        # The budget is configurable: 1 s of budget cannot cover a 2 s wait either.
        rc, out, err = run(["--url", s.url, "--retry-budget", "1", "list"])
        expect_rc(rc, "rate", out, err)


def test_waiting_is_said_on_a_terminal():
    """A wait of a second or more is announced when stderr is a terminal (and only
    then): who is waiting on whom, how long, and which retry."""
    seen = []

    def handler(req):
        seen.append(req["path"])
        if len(seen) % 2 == 1:
            return json_reply(429, {"detail": "Request was throttled."},
                              extra=[("Retry-After", "1")])
        return json_reply(200, page_of(3))
    with Recorder(handler=handler) as s:
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN, "--url", s.url, "list", "--format", "jsonl"],
                             stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                             env=clean_env())
        os.close(slave)
        tty = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            tty += chunk
        os.close(master)
        out = p.stdout.read()
        p.stdout.close()
        assert p.wait(timeout=scaled(30)) == 0, tty
        want = b"omslog: rate limited by %s (429): waiting 1 s before retry 1 of 4" % (
            s.url.encode())
        assert want in tty, tty
        assert out.count(b"\n") == 3, out
        rc, out, err = run(["--url", s.url, "list", "--format", "jsonl"])
        expect_rc(rc, "ok", out, err)
        assert b"waiting" not in err, err


def test_verbose_and_errors_never_show_url_credentials():
    """-v prints the configured URL and the proxy settings: userinfo and query
    values are redacted there and in every error line."""
    proxy = {"HTTPS_PROXY": "http://puser:proxypw99@127.0.0.1:9",
             "no_proxy": "127.0.0.1"}
    for url, secret in (("http://alice:hunter2pw@127.0.0.1:1/", b"hunter2pw"),
                        ("http://127.0.0.1:1/?api_key=SECRETKEY1", b"SECRETKEY1"),
                        ("http://127.0.0.1:1/", b"proxypw99")):
        rc, out, err = run(["-v", "--url", url, "list"], env=proxy)
        assert rc in (EXIT["config"], EXIT["connect"]), (rc, err)
        assert secret not in err, err
        assert b"url http://" in err, err
        assert b"proxy setting HTTPS_PROXY=http://***@127.0.0.1:9" in err, err
    # A Location quoted in an error (a refused redirect) is redacted the same way.
    hop = "http://sso:ssopw77@127.0.0.2:1/login?sig=SIGSECRET9&page=1"
    with Recorder(handler=lambda req: Reply(302, (("Location", hop),))) as s:
        for verbose in ([], ["-v"]):
            rc, out, err = run(verbose + ["--url", s.url, "list"])
            expect_rc(rc, "origin", out, err)
            assert b"ssopw77" not in err and b"SIGSECRET9" not in err, err
            assert b"127.0.0.2" in err, err


# ---------------------------------------------------------------- runner

@contextlib.contextmanager
def temporary_home():
    try:
        yield
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


def main():
    suite = Suite().collect(globals(), "test_")
    return suite.main(sys.argv[1:], around=temporary_home, executable=BIN)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
