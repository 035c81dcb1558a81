#!/usr/bin/env python3
"""Integration tests over real TLS: the omslog binary (OMSLOG_BIN) against the mock DRF
server (tests/mock_oms.py) behind a real nginx terminating TLS (HTTP/1.1 and HTTP/2),
with a throwaway CA made at test time, and through a real forward proxy (tinyproxy).
The fixtures are tests/fixtures/tls.py's; nginx, openssl and tinyproxy must be
installed (.ci/deps auto): a missing one fails the run with the install line.
Arguments and output: see tests/harness.py."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from harness import EXIT, Suite, omslog_env  # noqa: E402
from mock_oms import API_PATH, MockServer  # noqa: E402
import tls  # noqa: E402

import subprocess  # noqa: E402  (after the path set-up, with the other imports)

BIN = os.environ.get("OMSLOG_BIN", os.path.abspath("build/omslog"))
TOKEN = "tls-token-0123456789abcdef"
COUNT = 137
PAGE = 10  # --page-size: 14 pages, so a walk has parallel requests to share
PROXY_USER, PROXY_PASSWORD = "proxyuser", "proxy-secret-4711"
# Variables that would choose CAs or a proxy behind a test's back (curl reads them).
AMBIENT = ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "https_proxy", "HTTPS_PROXY",
           "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")

TMP = tempfile.mkdtemp(prefix="omslog-tls-")


class Ctx:
    mock = pki = nginx = None


def run(args, env_extra=None, timeout=60):
    env = {k: v for k, v in omslog_env(TMP, TOKEN).items() if k not in AMBIENT}
    env.update(env_extra or {})
    p = subprocess.run([BIN] + args, capture_output=True, timeout=tls.SCALE * timeout, env=env,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expect(rc, want, out, err):
    assert rc == EXIT[want], "exit %d, wanted %d (%s)\nstdout: %s\nstderr: %s" % (
        rc, EXIT[want], want, out[:500], err[:800])


def ca():
    return Ctx.pki.path("ca.pem")


def list_all(url, *extra, env=None):
    """omslog list --all against url; returns the ids listed."""
    rc, out, err = run(["--url", url, "--page-size", str(PAGE), "list", "--all",
                        "--format", "jsonl"] + list(extra), env)
    expect(rc, "ok", out, err)
    ids = [json.loads(line)["id"] for line in out.split("\n") if line.strip()]
    assert len(ids) == COUNT and len(set(ids)) == COUNT, (len(ids), err[-500:])
    return ids, err


def tokens_seen():
    """How many requests reached the mock with the token."""
    return sum(1 for r in list(Ctx.mock.requests)
               if r["headers"].get("Authorization") == "Token " + TOKEN)


# ---------------------------------------------------------------- trusting a private CA

def test_cacert_lists_everything_behind_a_tls_proxy_with_http_links():
    # nginx passes plain HTTP to the mock, which builds http:// next links as Django
    # does there: a hint that more pages exist, not a reason to stop.
    rc, out, err = run(["--url", Ctx.nginx.url("h1"), "--cacert", ca(), "list", "--limit", "1",
                        "--format", "json"], {})
    expect(rc, "ok", out, err)
    before = tokens_seen()
    list_all(Ctx.nginx.url("h1"), "--cacert", ca())
    assert tokens_seen() >= before + COUNT // PAGE, "the pages did not travel with the token"
    log = Ctx.nginx.access_log("h1")
    assert "page=2" in log and "HTTP/1.1" in log, log[-500:]


def test_ca_file_in_the_config_file():
    conf = os.path.join(TMP, "config")
    with open(conf, "w") as f:
        f.write("url = %s\nca_file = %s\n" % (Ctx.nginx.url("h1"), ca()))
    os.chmod(conf, 0o600)
    rc, out, err = run(["--config", conf, "list", "--limit", "3", "--format", "jsonl"])
    expect(rc, "ok", out, err)
    assert len(out.strip().split("\n")) == 3, out
    # A relative ca_file is relative to the config file, like token_file.
    os.symlink(ca(), os.path.join(TMP, "relative-ca.pem"))
    with open(conf, "w") as f:
        f.write("url = %s\nca_file = relative-ca.pem\n" % Ctx.nginx.url("h1"))
    rc, out, err = run(["--config", conf, "list", "--limit", "1"])
    expect(rc, "ok", out, err)
    # A ca_file that cannot be read is a config error naming the key, not a TLS failure.
    rc, out, err = run(["--url", Ctx.nginx.url("h1"), "--cacert", ca() + ".missing", "list"])
    expect(rc, "config", out, err)
    assert "ca_file" in err and ".missing" in err, err


def test_ssl_cert_file_curl_ca_bundle_and_their_order():
    url = Ctx.nginx.url("h1")
    rc, out, err = run(["--url", url, "list", "--limit", "1"], {"SSL_CERT_FILE": ca()})
    expect(rc, "ok", out, err)
    rc, out, err = run(["--url", url, "-v", "list", "--limit", "1"], {"CURL_CA_BUNDLE": ca()})
    expect(rc, "ok", out, err)
    assert "trusting the CA certificates in %s\n" % ca() in err, err
    # As in curl: CURL_CA_BUNDLE wins over SSL_CERT_FILE, --cacert over both.
    bogus = Ctx.pki.path("self_signed.pem")
    rc, out, err = run(["--url", url, "list", "--limit", "1"],
                       {"CURL_CA_BUNDLE": bogus, "SSL_CERT_FILE": ca()})
    expect(rc, "tls", out, err)
    rc, out, err = run(["--url", url, "--cacert", ca(), "list", "--limit", "1"],
                       {"CURL_CA_BUNDLE": bogus, "SSL_CERT_FILE": bogus})
    expect(rc, "ok", out, err)
    # SSL_CERT_DIR: a directory of hashed certificates (c_rehash's layout).
    certs = os.path.join(TMP, "certs")
    os.makedirs(certs, exist_ok=True)
    h = subprocess.run([tls.tool("openssl"), "x509", "-hash", "-noout", "-in", ca()],
                       capture_output=True, text=True, check=True).stdout.strip()
    link = os.path.join(certs, h + ".0")
    if not os.path.exists(link):
        os.symlink(ca(), link)
    rc, out, err = run(["--url", url, "list", "--limit", "1"], {"SSL_CERT_DIR": certs})
    expect(rc, "ok", out, err)


# ---------------------------------------------------------------- failures in words

def advice_order(err):
    """--cacert is named, and before --insecure."""
    assert "--cacert" in err and "ca_file" in err, err
    assert "--insecure" not in err or err.index("--cacert") < err.index("--insecure"), err


def tls_failure(url, *extra, env=None):
    before = tokens_seen()
    rc, out, err = run(["--url", url] + list(extra) + ["list", "--limit", "1"], env)
    expect(rc, "tls", out, err)
    assert out == "", out
    assert tokens_seen() == before, "a request reached the server with the token"
    assert len(err.strip().split("\n")) == 1, err
    return err


def test_unknown_issuer():
    err = tls_failure(Ctx.nginx.url("h1"))
    assert "authority (CA) this machine does not trust" in err, err
    advice_order(err)


def test_certificate_for_another_name():
    err = tls_failure(Ctx.nginx.url("wrong_name"), "--cacert", ca())
    assert "certificate is for another name" in err and "--url" in err, err


def test_expired_certificate():
    err = tls_failure(Ctx.nginx.url("expired"), "--cacert", ca())
    assert "certificate has expired" in err and "renew" in err, err


def test_self_signed_certificate():
    err = tls_failure(Ctx.nginx.url("self_signed"), "--cacert", ca())
    assert "certificate is self-signed" in err, err
    advice_order(err)
    # Trusting that very certificate is the way out the message names.
    rc, out, err = run(["--url", Ctx.nginx.url("self_signed"), "--cacert",
                        Ctx.pki.path("self_signed.pem"), "list", "--limit", "1"])
    expect(rc, "ok", out, err)


def test_plain_http_on_an_https_url_found_by_a_token_free_probe():
    start = len(Ctx.mock.requests)
    err = tls_failure("https://127.0.0.1:%d" % Ctx.mock.port)
    assert "speaks plain HTTP, not TLS" in err and "http://" in err, err
    probes = list(Ctx.mock.requests)[start:]
    assert [(r["method"], r["path"]) for r in probes] == [("HEAD", "/")], probes
    assert "Authorization" not in probes[0]["headers"], probes[0]
    # A TLS port whose handshake fails answers the probe too, with 400 ("plain HTTP
    # sent to HTTPS port"): not taken for plain HTTP.
    err = tls_failure(Ctx.nginx.url("no_cipher"), "--cacert", ca())
    assert "TLS handshake failed" in err and "plain HTTP" not in err, err
    # A port that speaks neither: cannot connect.
    dead = tls.free_port()
    rc, out, err = run(["--url", "https://127.0.0.1:%d" % dead, "list"])
    expect(rc, "connect", out, err)


def test_bad_ca_file_from_the_environment():
    junk = os.path.join(TMP, "junk.pem")
    with open(junk, "w") as f:
        f.write("not a certificate\n")
    err = tls_failure(Ctx.nginx.url("h1"), env={"SSL_CERT_FILE": junk})
    assert "cannot load the CA certificates" in err, err


def test_cross_origin_redirect_still_refused_over_tls():
    Ctx.mock.set(redirect_to="https://127.0.0.2:9")
    try:
        before = tokens_seen()
        rc, out, err = run(["--url", Ctx.nginx.url("h1"), "--cacert", ca(), "list"])
        expect(rc, "origin", out, err)
        assert "refusing to send the API token" in err, err
        assert tokens_seen() == before + 1, "only the first request may carry the token"
    finally:
        Ctx.mock.set(redirect_to="")


# ---------------------------------------------------------------- client certificates

def test_client_certificate_and_its_key_permissions():
    url, cert, key = Ctx.nginx.url("mtls"), Ctx.pki.path("client.pem"), Ctx.pki.path("client.key")
    rc, out, err = run(["--url", url, "--cacert", ca(), "list", "--limit", "1"])
    assert rc != EXIT["ok"], "nginx let a client without a certificate in"
    rc, out, err = run(["--url", url, "--cacert", ca(), "--cert", cert, "--key", key, "list",
                        "--limit", "1"])
    expect(rc, "ok", out, err)
    conf = os.path.join(TMP, "mtls-config")
    with open(conf, "w") as f:
        f.write("url = %s\nca_file = %s\ncert_file = %s\nkey_file = %s\n" % (url, ca(), cert, key))
    os.chmod(conf, 0o600)
    rc, out, err = run(["--config", conf, "list", "--limit", "1"])
    expect(rc, "ok", out, err)
    os.chmod(key, 0o644)
    try:
        rc, out, err = run(["--config", conf, "list", "--limit", "1"])
        expect(rc, "config", out, err)
        assert "key file" in err and "chmod 600" in err, err
    finally:
        os.chmod(key, 0o600)


# ---------------------------------------------------------------- HTTP/2

def connections_for_walk(name):
    Ctx.nginx.clear_log(name)
    list_all(Ctx.nginx.url(name), "--cacert", ca(), "--parallel", "4")
    conns = Ctx.nginx.connections(name)
    assert sum(conns.values()) >= COUNT // PAGE + 1, (conns, Ctx.nginx.access_log(name))
    return conns


def test_http2_walk_shares_one_connection():
    conns = connections_for_walk("h2")
    assert "HTTP/2.0" in Ctx.nginx.access_log("h2"), Ctx.nginx.access_log("h2")[:300]
    assert len(conns) == 1, "HTTP/2: %d connections for one walk: %s" % (len(conns), conns)
    # The same walk over HTTP/1.1 needs one connection per request in flight:
    # proof that the count above can tell the two apart.
    conns = connections_for_walk("h1")
    assert len(conns) > 1, "HTTP/1.1 with --parallel 4 used one connection: %s" % conns


# ---------------------------------------------------------------- corporate proxies

def test_https_proxy_carries_the_token_only_inside_the_tunnel():
    with tls.Tinyproxy(TMP, PROXY_USER, PROXY_PASSWORD) as px:
        for var in ("https_proxy", "HTTPS_PROXY"):
            start = len(px.log())
            _, err = list_all(Ctx.nginx.url("h1"), "--cacert", ca(), "-vv", env={var: px.url})
            seen = px.log()[start:]
            assert "CONNECT 127.0.0.1:%d" % Ctx.nginx.ports["h1"] in seen, (var, seen)
            for secret in (TOKEN, "Authorization", API_PATH, "page="):
                assert secret not in seen, "the proxy saw %r:\n%s" % (secret, seen)
            assert PROXY_PASSWORD not in err, "-vv showed the proxy password"
        # NO_PROXY: straight to the server, the proxy sees nothing.
        start = len(px.log())
        list_all(Ctx.nginx.url("h1"), "--cacert", ca(),
                 env={"https_proxy": px.url, "NO_PROXY": "127.0.0.1"})
        assert "CONNECT" not in px.log()[start:], px.log()[start:]
        # Wrong proxy credentials: an error that does not repeat them.
        bad = px.url.replace(PROXY_PASSWORD, "wrong-" + PROXY_PASSWORD)
        rc, out, err = run(["--url", Ctx.nginx.url("h1"), "--cacert", ca(), "-vv", "list"],
                           {"https_proxy": bad})
        expect(rc, "connect", out, err)
        assert "the proxy refused to open a tunnel" in err and "https_proxy" in err, err
        assert err.count("CONNECT tunnel failed") == 1, "retried a refused tunnel: " + err
        assert PROXY_PASSWORD not in err and "wrong-" not in err, err


# ---------------------------------------------------------------- the browser

def test_browser_over_tls():
    import e2e_browser
    server = type("NginxFront", (), {"url": Ctx.nginx.url("h2")})()
    Ctx.nginx.clear_log("h2")
    b = e2e_browser.Browser(server, (100, 30), args=["--cacert", ca(), "--page-size", str(PAGE)],
                            token=TOKEN)
    try:
        b.ready()
        e2e_browser.check("%d logs" % COUNT in b.header(), "header shows the count", b.screen())
        b.keys("G")
        b.wait(r"row %d of %d" % (COUNT, COUNT), "the last entry, over TLS")
    finally:
        b.close()
    conns = Ctx.nginx.connections("h2")
    assert len(conns) == 1 and sum(conns.values()) >= 2, conns


def around():
    class Env:
        def __enter__(self):
            Ctx.pki = tls.Pki(TMP)
            Ctx.mock = MockServer(count=COUNT, token=TOKEN).start()
            Ctx.nginx = tls.Nginx(TMP, Ctx.pki, Ctx.mock.port).start()

        def __exit__(self, *exc):
            if Ctx.nginx:
                Ctx.nginx.stop()
            if Ctx.mock:
                Ctx.mock.stop()
            shutil.rmtree(TMP, ignore_errors=True)  # the CA's keys too
    return Env()


if __name__ == "__main__":
    try:
        tls.require_tools()
    except tls.Missing as e:
        print("FAIL setup: %s\n0 passed, 1 failed" % e)
        sys.exit(1)
    suite = Suite().collect(globals(), "test_")
    sys.exit(suite.main(sys.argv[1:], around=around, executable=BIN))
