/* test_http.c — the HTTP client against tests/fixtures/http_peer.py.
 *
 * Three peers run for the whole group: the "main" one is the configured
 * origin; "other port" (127.0.0.1, another port) and "other addr" (127.0.0.2)
 * stand for foreign origins and record the headers they receive, so the tests
 * can prove the token never reaches them. Peers exit when their stdin pipe
 * closes, and are also killed by the group teardown and an atexit handler.
 *
 * Every upper bound on wall-clock time goes through scaled_ms/scaled_s, so
 * OMSLOG_TEST_TIME_SCALE (a number > 0, default 1) stretches them on slow or
 * sanitized builds; a test whose bound tells two behaviours apart scales the
 * durations it compares too. Lower bounds ("slept at least") never scale. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "omslog/http.h"
#include "omslog/util.h"

extern char **environ;

#define PEER_SCRIPT "tests/fixtures/http_peer.py"
#define PEER_START_TIMEOUT_MS 10000
#define URL_MAX 512
#define TOKEN "t0ps3cret-token"
#define TEST_CONNECT_TIMEOUT_MS 3000
#define TEST_TIMEOUT_MS 8000
#define TEST_BACKOFF_BASE_MS 10
#define TEST_BACKOFF_MAX_MS 50
#define LOOP_WAIT_MS 200
#define LOOP_LIMIT_MS 10000
#define LONG_WAIT_MS 5000 /* an http_wait that only an event should end early */

enum { PEER_MAIN, PEER_OTHER_PORT, PEER_OTHER_ADDR, PEER_COUNT };

struct peer {
    pid_t pid;
    int stdin_fd; /* closing it makes the peer exit */
    int port;
    char base[64];
};

static struct peer peers[PEER_COUNT];
static double time_scale = 1.0;
static const char *const peer_addr[PEER_COUNT] = {"127.0.0.1", "127.0.0.1", "127.0.0.2"};

/* ---- time bounds ------------------------------------------------------ */

/* OMSLOG_TEST_TIME_SCALE, read as tests/fixtures/time_scale.py does: unset or
 * empty is 1; anything but a finite number > 0 is refused (-1). */
static int read_time_scale(void)
{
    const char *raw = getenv("OMSLOG_TEST_TIME_SCALE");
    if (!raw || !*raw)
        return 0;
    char *end;
    errno = 0;
    double v = strtod(raw, &end);
    if (errno || end == raw || *end || !isfinite(v) || v <= 0) {
        fprintf(stderr, "test_http: OMSLOG_TEST_TIME_SCALE=\"%s\" is not a finite number > 0\n",
                raw);
        return -1;
    }
    time_scale = v;
    return 0;
}

static int64_t scaled_ms(int64_t ms)
{
    return (int64_t)((double)ms * time_scale);
}

static double scaled_s(double s)
{
    return s * time_scale;
}

/* ---- peers ------------------------------------------------------------ */

static void peers_stop(void)
{
    for (int i = 0; i < PEER_COUNT; i++) {
        struct peer *p = &peers[i];
        if (p->stdin_fd > 0)
            close(p->stdin_fd);
        p->stdin_fd = -1;
        if (p->pid > 0) {
            kill(p->pid, SIGTERM);
            waitpid(p->pid, NULL, 0);
        }
        p->pid = 0;
    }
}

static int cloexec_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

static int peer_start(struct peer *p, const char *addr)
{
    int in[2], out[2];
    if (cloexec_pipe(in) != 0)
        return -1;
    if (cloexec_pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    char prog[] = "python3", script[] = PEER_SCRIPT, bind[] = "--bind", a[32];
    snprintf(a, sizeof a, "%s", addr);
    char *argv[] = {prog, script, bind, a, NULL};
    int rc = posix_spawnp(&p->pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    p->stdin_fd = in[1];
    if (rc != 0) {
        p->pid = 0;
        close(out[0]);
        return -1;
    }
    char line[32] = "";
    size_t len = 0;
    int64_t deadline = now_ms() + scaled_ms(PEER_START_TIMEOUT_MS);
    while (len < sizeof line - 1 && !memchr(line, '\n', len)) {
        struct pollfd pf = {.fd = out[0], .events = POLLIN};
        int left = (int)(deadline - now_ms());
        if (left <= 0 || poll(&pf, 1, left) <= 0)
            break;
        ssize_t n = read(out[0], line + len, sizeof line - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        line[len] = '\0';
    }
    close(out[0]);
    p->port = atoi(line);
    snprintf(p->base, sizeof p->base, "http://%s:%d", addr, p->port);
    return p->port > 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    /* libcurl honours these; a proxy would see (and break) every test. */
    static const char *const proxies[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                          "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < ARRAY_LEN(proxies); i++)
        unsetenv(proxies[i]);
    signal(SIGPIPE, SIG_IGN);
    atexit(peers_stop);
    for (int i = 0; i < PEER_COUNT; i++) {
        if (peer_start(&peers[i], peer_addr[i]) != 0) {
            fprintf(stderr, "test_http: cannot start %s on %s\n", PEER_SCRIPT, peer_addr[i]);
            peers_stop();
            return -1;
        }
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    peers_stop();
    http_global_cleanup();
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static void peer_url(char *out, int peer, const char *path)
{
    int n = snprintf(out, URL_MAX, "%s%s", peers[peer].base, path);
    assert_true(n > 0 && n < URL_MAX);
}

static struct http_options test_options(const char *origin)
{
    struct http_options o = {
        .origin_url = origin,
        .token = TOKEN,
        .connect_timeout_ms = (long)scaled_ms(TEST_CONNECT_TIMEOUT_MS),
        .timeout_ms = (long)scaled_ms(TEST_TIMEOUT_MS),
        .retries = 3,
        .backoff_base_ms = TEST_BACKOFF_BASE_MS,
        .backoff_max_ms = TEST_BACKOFF_MAX_MS,
    };
    return o;
}

static struct http_client *client_with(const struct http_options *o)
{
    struct omslog_error err = {0};
    struct http_client *c = http_client_new(o, &err);
    if (!c)
        fail_msg("http_client_new: %s", err.msg);
    return c;
}

static struct http_client *main_client(void)
{
    struct http_options o = test_options(peers[PEER_MAIN].base);
    return client_with(&o);
}

/* Drive the client until n results arrived (or LOOP_LIMIT_MS passed). */
static size_t collect(struct http_client *c, struct http_result **out, size_t n)
{
    size_t got = 0;
    int64_t deadline = now_ms() + scaled_ms(LOOP_LIMIT_MS);
    while (got < n && now_ms() < deadline) {
        http_perform(c);
        struct http_result *r;
        while (got < n && (r = http_next_result(c)))
            out[got++] = r;
        if (got < n)
            assert_int_equal(http_wait(c, NULL, 0, LOOP_WAIT_MS, NULL), 0);
    }
    return got;
}

/* One GET, driven to its end; nothing else may be in flight. */
static struct http_result *get(struct http_client *c, const char *url)
{
    struct omslog_error err = {0};
    int id = http_submit(c, url, NULL, &err);
    if (id < 0)
        fail_msg("http_submit %s: %s", url, err.msg);
    struct http_result *r = NULL;
    if (collect(c, &r, 1) != 1)
        fail_msg("no result for %s", url);
    assert_int_equal(r->id, id);
    return r;
}

static struct http_result *get_path(struct http_client *c, const char *path)
{
    char u[URL_MAX];
    peer_url(u, PEER_MAIN, path);
    return get(c, u);
}

/* What a peer recorded (request lines and headers), read with a client of
 * that peer's own origin and without a token; clear forgets it afterwards. */
static char *peer_log(int peer, bool clear)
{
    struct http_options o = test_options(peers[peer].base);
    o.token = NULL;
    struct http_client *c = client_with(&o);
    char u[URL_MAX];
    peer_url(u, peer, clear ? "/_log?clear=1" : "/_log");
    struct http_result *r = get(c, u);
    assert_int_equal(r->status, 200);
    char *log = buf_steal(&r->body);
    http_result_free(r);
    http_client_free(c);
    return log;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- responses -------------------------------------------------------- */

static void test_ok_status_body_headers(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/json");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->content_type, "application/json");
    assert_non_null(strstr(buf_str(&r->body), "\"message\": \"çalışıyor\""));
    assert_int_equal(r->attempts, 1);
    assert_int_equal(r->retry_after_s, -1);
    assert_null(r->location);
    assert_null(r->www_authenticate);
    assert_non_null(strstr(r->url, "/json"));
    assert_true(r->seconds >= 0.0);
    assert_int_equal(http_pending(c), 0);
    http_result_free(r);

    /* Only the final response's headers count, not a 103's. */
    r = get_path(c, "/early");
    assert_int_equal(r->status, 200);
    assert_null(r->location);
    assert_int_equal(r->retry_after_s, -1);
    assert_string_equal(r->content_type, "application/json");
    http_result_free(r);

    r = get_path(c, "/status/401");
    assert_int_equal(r->status, 401);
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_string_equal(r->www_authenticate, "Token");
    http_result_free(r);
    http_client_free(c);
}

static void test_sends_accept_user_agent_and_token(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/headers");
    const char *h = buf_str(&r->body);
    assert_non_null(strstr(h, "accept: application/json\n"));
    assert_non_null(strstr(h, "user-agent: omslog/" OMSLOG_VERSION "\n"));
    assert_non_null(strstr(h, "authorization: Token " TOKEN "\n"));
    assert_non_null(strstr(h, "accept-encoding: "));
    http_result_free(r);
    http_client_free(c);

    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.token = NULL;
    c = client_with(&o);
    r = get_path(c, "/headers");
    assert_null(strstr(buf_str(&r->body), "authorization"));
    http_result_free(r);
    http_client_free(c);
}

static void test_gzip_decoded(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    /* The peer answers 406 unless gzip is offered, and gzips the body. */
    struct http_result *r = get_path(c, "/gzip");
    assert_int_equal(r->status, 200);
    assert_true(r->body.len > 2000);
    assert_memory_equal(r->body.data, "{\"gzip\": \"zzzz", 14);
    http_result_free(r);
    http_client_free(c);
}

static void test_keep_alive_reuses_connection(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    for (int i = 0; i < 3; i++)
        http_result_free(get_path(c, "/ok"));
    assert_int_equal(http_connections_opened(c), 1);
    http_client_free(c);
}

/* ---- origins ---------------------------------------------------------- */

static struct http_origin origin_of(const char *url)
{
    struct http_origin o;
    if (http_origin_parse(url, &o) != 0)
        fail_msg("http_origin_parse(\"%s\") failed", url);
    return o;
}

static void test_origin_parse(void **state)
{
    (void)state;
    struct http_origin o = origin_of("HTTP://Example.COM");
    assert_string_equal(o.scheme, "http");
    assert_string_equal(o.host, "example.com");
    assert_int_equal(o.port, 80);
    o = origin_of("https://example.com/a@b?x=@#y");
    assert_string_equal(o.scheme, "https");
    assert_string_equal(o.host, "example.com");
    assert_int_equal(o.port, 443);
    o = origin_of("https://h:1/");
    assert_int_equal(o.port, 1);
    o = origin_of("https://h:65535?x");
    assert_int_equal(o.port, 65535);
    assert_string_equal(o.host, "h");
    o = origin_of("http://[::1]:8080/x");
    assert_string_equal(o.host, "[::1]");
    assert_int_equal(o.port, 8080);
    o = origin_of("http://[::FFFF:127.0.0.1]");
    assert_string_equal(o.host, "[::ffff:127.0.0.1]");
    o = origin_of("http://[fe80::1%25eth0]/");
    assert_string_equal(o.host, "[fe80::1%25eth0]");
    o = origin_of("http://h#frag");
    assert_string_equal(o.host, "h");
    /* curl writes every IPv4 form as the dotted quad it connects to. */
    o = origin_of("http://0x7f.1:8000/");
    assert_string_equal(o.host, "127.0.0.1");
    o = origin_of("http://2130706433/");
    assert_string_equal(o.host, "127.0.0.1");

    struct http_origin untouched = {.scheme = "keep", .host = "keep", .port = 7};
    static const char *const bad[] = {
        "ftp://h/",
        "not a url",
        "",
        "http://",
        "https://h:0/",
        "https://h:65536/",
        "http://u:p@ss@h/",
        "//h/x",
        "http:\\\\h/",
        "https://[not-ipv6]/",
        /* curl would take these hosts percent-decoded: not plain names. */
        "http://ho%25st/",
        "http://h%c3%a7.com/",
        "http://[fe80::1%25eth%2B0]/",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (http_origin_parse(bad[i], &untouched) == 0)
            fail_msg("http_origin_parse(\"%s\") accepted", bad[i]);
        assert_string_equal(untouched.host, "keep");
    }
    assert_int_equal(http_origin_parse(NULL, &untouched), -1);
    char host[HTTP_HOST_MAX + 20] = "http://";
    memset(host + 7, 'a', HTTP_HOST_MAX);
    host[7 + HTTP_HOST_MAX] = '\0';
    assert_int_equal(http_origin_parse(host, &untouched), -1);
    assert_string_equal(untouched.host, "keep");
}

/* Where a hand-written parser and curl's could disagree, the answer is
 * curl's: the origin curl would connect to. */
static void test_same_origin(void **state)
{
    (void)state;
    static const struct {
        const char *base, *url;
        bool same;
    } cases[] = {
        {"http://h/api/", "http://h:80/other?page=2", true},
        {"http://h/", "HTTP://H/", true},
        {"http://example.com/", "http://EXAMPLE.com/x", true},
        {"http://h/", "https://h/", false},
        {"https://h/", "https://h:443/x", true},
        {"https://h", "https://h:0443/", true},
        {"http://h:443/", "https://h/", false},
        {"http://h/", "http://h:8080/", false},
        {"http://127.0.0.1:9000/", "http://127.0.0.2:9000/", false},
        {"http://127.0.0.1:9000/", "http://localhost:9000/", false},
        {"http://h/", "http://h.evil.example/", false},
        /* A trailing dot is another name (as browsers treat it). */
        {"http://example.com/", "http://example.com./", false},
        /* Backslashes: curl reads "user:pass\@host", not a path. */
        {"http://127.0.0.1:8000/", "http://127.0.0.1:8000\\@evil/", false},
        {"http://evil/", "http://127.0.0.1:80\\@evil/", true},
        {"http://127.0.0.1:8000/", "http://evil:1\\@127.0.0.1:8000/x", true},
        {"http://h/", "http://h\\x/", false},
        /* %2e: decoded in the host (a trailing dot), kept in the path. */
        {"http://h/", "http://h%2e/", false},
        {"http://127.0.0.1/", "http://127.0.0.1%2e/", false},
        {"http://127.0.0.1/", "http://%31%32%37.0.0.1/", true},
        {"http://h/", "http://h/%2e%2e/x", true},
        /* Userinfo: an '@' in the password is refused unless encoded. */
        {"http://h/", "http://u:p@ss@h/", false},
        {"http://ss/", "http://u:p@ss@h/", false},
        {"http://127.0.0.1:8000", "http://u:p%40ss@127.0.0.1:8000/", true},
        {"http://127.0.0.1:8000", "http://127.0.0.1:8000@127.0.0.2:8000/", false},
        /* IPv6 literals: another host than 127.0.0.1, one form for each address. */
        {"http://127.0.0.1/", "http://[::1]/", false},
        {"http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", false},
        {"http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]:8080/", true},
        {"http://[::1]:8080/", "http://[::1]:8081/", false},
        {"http://[fe80::1%25eth0]/", "http://[fe80::1%25eth0]:80/x", true},
        {"http://[fe80::1%25eth0]/", "http://[fe80::1%25eth1]/", false},
        {"http://[fe80::1%25eth0]/", "http://[fe80::1]/", false},
        /* Numeric IPv4 forms are the address they spell. */
        {"http://127.0.0.1:8000/", "http://2130706433:8000/", true},
        {"http://127.0.0.1:8000/", "http://0x7f.1:8000/", true},
        /* Nothing is the same origin as what does not parse. */
        {"http://h/", "ftp://h/", false},
        {"ftp://h/", "ftp://h/", false},
        {"http://h/", "", false},
        {"", "", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (http_same_origin(cases[i].base, cases[i].url) != cases[i].same)
            fail_msg("http_same_origin(\"%s\", \"%s\") should be %s", cases[i].base, cases[i].url,
                     cases[i].same ? "true" : "false");
    assert_false(http_same_origin(NULL, "http://h/"));
    assert_false(http_same_origin("http://h/", NULL));
}

static void test_origin_text(void **state)
{
    (void)state;
    char out[HTTP_ORIGIN_TEXT_MAX];
    struct http_origin o = origin_of("HTTPS://Evil.Example:8443/x?y");
    http_origin_text(&o, out, sizeof out);
    assert_string_equal(out, "https://evil.example:8443");
    o = origin_of("http://h:80/");
    http_origin_text(&o, out, sizeof out);
    assert_string_equal(out, "http://h");
    o = origin_of("https://h:443/");
    http_origin_text(&o, out, sizeof out);
    assert_string_equal(out, "https://h");
    o = origin_of("http://h:443/");
    http_origin_text(&o, out, sizeof out);
    assert_string_equal(out, "http://h:443");
    o = origin_of("http://[::1]:81/");
    http_origin_text(&o, out, sizeof out);
    assert_string_equal(out, "http://[::1]:81");
    char small[8];
    http_origin_text(&o, small, sizeof small);
    assert_string_equal(small, "http://");
}

static void test_loopback(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "http://127.0.0.1/",         "http://127.255.3.4:8000", "http://[::1]:80",
        "http://localhost",          "http://LOCALHOST:8000",   "http://api.localhost/",
        "http://[0:0:0:0:0:0:0:1]/", "http://127.1/",
    };
    static const char *const no[] = {
        "http://128.0.0.1/",         "http://10.0.0.1/",
        "http://example.com/",       "http://localhost.example.com/",
        "http://127.0.0.1.nip.io/",  "http://[::2]/",
        "http://mylocalhost/",       "http://1270.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
    };
    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        struct http_origin o = origin_of(yes[i]);
        if (!http_origin_is_loopback(&o))
            fail_msg("%s should be loopback", yes[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(no); i++) {
        struct http_origin o = origin_of(no[i]);
        if (http_origin_is_loopback(&o))
            fail_msg("%s should not be loopback", no[i]);
    }
}

static void expect_submit_refused(struct http_client *c, const char *url,
                                  enum omslog_status status)
{
    struct omslog_error err = {0};
    assert_int_equal(http_submit(c, url, NULL, &err), -1);
    assert_int_equal(err.status, status);
    assert_true(err.msg[0] != '\0');
}

static void test_submit_foreign_url_refused(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    char u[URL_MAX];
    peer_url(u, PEER_OTHER_PORT, "/headers");
    expect_submit_refused(c, u, OMSLOG_ERR_ORIGIN);
    peer_url(u, PEER_OTHER_ADDR, "/headers");
    expect_submit_refused(c, u, OMSLOG_ERR_ORIGIN);
    snprintf(u, sizeof u, "https://127.0.0.1:%d/headers", peers[PEER_MAIN].port);
    expect_submit_refused(c, u, OMSLOG_ERR_ORIGIN);
    snprintf(u, sizeof u, "http://localhost:%d/headers", peers[PEER_MAIN].port);
    expect_submit_refused(c, u, OMSLOG_ERR_ORIGIN);
    snprintf(u, sizeof u, "http://127.0.0.1:%d@127.0.0.2:%d/headers", peers[PEER_MAIN].port,
             peers[PEER_OTHER_ADDR].port);
    expect_submit_refused(c, u, OMSLOG_ERR_ORIGIN);
    snprintf(u, sizeof u, "ftp://127.0.0.1:%d/x", peers[PEER_MAIN].port);
    expect_submit_refused(c, u, OMSLOG_ERR_USAGE);
    expect_submit_refused(c, "not a url", OMSLOG_ERR_USAGE);
    expect_submit_refused(c, "", OMSLOG_ERR_USAGE);
    assert_int_equal(http_pending(c), 0);

    /* Scheme and host compare case-insensitively. */
    snprintf(u, sizeof u, "HTTP://127.0.0.1:%d/ok", peers[PEER_MAIN].port);
    struct http_result *r = get(c, u);
    assert_int_equal(r->status, 200);
    http_result_free(r);
    http_client_free(c);

    /* An explicit default port is the same origin as none. */
    struct http_options o = test_options("http://Example.COM:80/api/");
    c = client_with(&o);
    struct omslog_error err = {0};
    int id = http_submit(c, "http://example.com/api/v1/", NULL, &err);
    assert_true(id > 0);
    http_cancel(c, id);
    expect_submit_refused(c, "http://example.com:8080/api/v1/", OMSLOG_ERR_ORIGIN);
    expect_submit_refused(c, "https://example.com/api/v1/", OMSLOG_ERR_ORIGIN);
    assert_int_equal(http_pending(c), 0);
    http_client_free(c);

    char *log = peer_log(PEER_OTHER_PORT, false);
    assert_null(strstr(log, "/headers"));
    free(log);
}

static void test_client_new_rejects_bad_options(void **state)
{
    (void)state;
    static const char *const bad_origins[] = {"ftp://example.com", "example.com", "http://", "::"};
    for (size_t i = 0; i < ARRAY_LEN(bad_origins); i++) {
        struct http_options o = test_options(bad_origins[i]);
        struct omslog_error err = {0};
        assert_null(http_client_new(&o, &err));
        assert_int_equal(err.status, OMSLOG_ERR_CONFIG);
    }
    static const char *const bad_tokens[] = {"abc\r\nX-Evil: 1", "", "tab\there"};
    for (size_t i = 0; i < ARRAY_LEN(bad_tokens); i++) {
        struct http_options o = test_options(peers[PEER_MAIN].base);
        o.token = bad_tokens[i];
        struct omslog_error err = {0};
        assert_null(http_client_new(&o, &err));
        assert_int_equal(err.status, OMSLOG_ERR_CONFIG);
        assert_null(strstr(err.msg, "X-Evil"));
    }
}

static void test_same_origin_redirect_followed(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    static const char *const paths[] = {
        "/redirect?to=/headers",                                 /* relative */
        "/redirect?to=headers&code=301",                         /* relative to the directory */
        "/redirect?to=%2Fredirect%3Fto%3D%252Fheaders&code=303", /* two hops */
        "/redirect?to=/headers&code=307",
        "/redirect?to=/headers&code=308",
    };
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        struct http_result *r = get_path(c, paths[i]);
        assert_int_equal(r->failure, HTTP_FAIL_NONE);
        assert_int_equal(r->status, 200);
        assert_int_equal(r->attempts, 1);
        assert_null(r->location); /* the final response's headers only */
        char want[URL_MAX];
        peer_url(want, PEER_MAIN, "/headers");
        assert_string_equal(r->url, want);
        assert_non_null(strstr(buf_str(&r->body), "authorization: Token " TOKEN));
        http_result_free(r);
    }
    /* Absolute same-origin target. */
    char u[URL_MAX], path[URL_MAX];
    snprintf(path, sizeof path, "/redirect?to=%s/ok", peers[PEER_MAIN].base);
    peer_url(u, PEER_MAIN, path);
    struct http_result *r = get(c, u);
    assert_int_equal(r->status, 200);
    http_result_free(r);

    r = get_path(c, "/loop");
    assert_int_equal(r->failure, HTTP_FAIL_OTHER);
    assert_int_equal(r->status, 302);
    assert_non_null(strstr(r->errmsg, "too many redirects"));
    http_result_free(r);
    http_client_free(c);
}

static void expect_cross_origin_refused(struct http_client *c, const char *target,
                                        const char *origin_words)
{
    char path[URL_MAX];
    snprintf(path, sizeof path, "/redirect?to=%s&code=302", target);
    struct http_result *r = get_path(c, path);
    assert_int_equal(r->failure, HTTP_FAIL_ORIGIN);
    assert_int_equal(r->status, 302);
    assert_string_equal(r->location, target);
    assert_non_null(strstr(r->errmsg, "redirect to another origin refused: "));
    assert_non_null(strstr(r->errmsg, origin_words));
    assert_int_equal(r->attempts, 1);
    http_result_free(r);
}

static void test_cross_origin_redirect_refused(void **state)
{
    (void)state;
    free(peer_log(PEER_OTHER_PORT, true));
    free(peer_log(PEER_OTHER_ADDR, true));
    free(peer_log(PEER_MAIN, true));
    struct http_client *c = main_client();
    char target[URL_MAX];
    peer_url(target, PEER_OTHER_PORT, "/headers");
    expect_cross_origin_refused(c, target, peers[PEER_OTHER_PORT].base);
    peer_url(target, PEER_OTHER_ADDR, "/headers");
    expect_cross_origin_refused(c, target, peers[PEER_OTHER_ADDR].base);
    snprintf(target, sizeof target, "https://127.0.0.1:%d/headers", peers[PEER_MAIN].port);
    expect_cross_origin_refused(c, target, "https://127.0.0.1:");
    http_client_free(c);

    /* Neither foreign listener saw a request, let alone the token; the main
     * peer saw only the three redirects (nothing over https). */
    for (int p = PEER_OTHER_PORT; p <= PEER_OTHER_ADDR; p++) {
        char *log = peer_log(p, false);
        assert_null(strstr(log, "authorization"));
        assert_null(strstr(log, "GET "));
        free(log);
    }
    char *log = peer_log(PEER_MAIN, false);
    assert_int_equal(count_of(log, "GET "), 3);
    assert_int_equal(count_of(log, "GET /redirect"), 3);
    free(log);

    /* Control: the foreign listener does record what reaches it, so the
     * assertions above would catch a leaked token. */
    struct http_options o = test_options(peers[PEER_OTHER_ADDR].base);
    o.token = "control-token";
    c = client_with(&o);
    char u[URL_MAX];
    peer_url(u, PEER_OTHER_ADDR, "/ok");
    http_result_free(get(c, u));
    http_client_free(c);
    log = peer_log(PEER_OTHER_ADDR, true);
    assert_non_null(strstr(log, "authorization: Token control-token"));
    free(log);
}

/* "%XX" for every byte but unreserved ones, so the peer's query parser
 * hands the Location back byte for byte. */
static void query_escape(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 0xf];
        }
    }
    assert_true(*s == '\0');
    out[o] = '\0';
}

/* GET /redirect on the main peer with Location: target. */
static struct http_result *redirected_to(struct http_client *c, const char *target)
{
    char esc[URL_MAX * 3], path[URL_MAX * 3 + 32];
    query_escape(esc, sizeof esc, target);
    snprintf(path, sizeof path, "/redirect?code=302&to=%s", esc);
    return get_path(c, path);
}

/* Redirect targets that parsers read differently (backslashes, %2e, '@' in
 * userinfo, IPv6 and numeric IPv4 literals, default and zero-padded ports,
 * case, a trailing dot). Each is followed exactly when curl would connect to
 * the main peer, with the token sent once; every other one reaches no peer
 * (not even the main one through another name for it). "%M"/"%O" stand for
 * the main and the other-address peer's ports. */
static void test_redirects_where_parsers_disagree(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        bool followed;
        const char *refused_words; /* in errmsg; NULL: an unusable Location */
    } cases[] = {
        {"http://%31%32%37.0.0.1:%M/headers", true, NULL},
        {"http://2130706433:%M/headers", true, NULL},
        {"http://0x7f.1:%M/headers", true, NULL},
        {"HTTP://127.0.0.1:%M/headers", true, NULL},
        {"http://127.0.0.1:0%M/headers", true, NULL},
        {"http://evil.example:1\\@127.0.0.1:%M/headers", true, NULL},
        {"http://127.0.0.2:%O\\@127.0.0.1:%M/headers", true, NULL},
        {"http://u:p%40ss@127.0.0.1:%M/headers", true, NULL},
        {"http://127.0.0.1:%M/%2e%2e/headers", true, NULL},
        {"http://127.0.0.1:%M\\@127.0.0.2:%O/headers", false, "http://127.0.0.2:"},
        {"http://127.0.0.1:%M@127.0.0.2:%O/headers", false, "http://127.0.0.2:"},
        {"http://127.0.0.1:%M\\@localhost:%M/headers", false, "http://localhost:"},
        {"http://u:p@ss@127.0.0.2:%O/headers", false, NULL},
        {"http://127.0.0.1:%M:p@ss@127.0.0.1:%M/headers", false, NULL},
        {"http://127.0.0.1%2e:%M/headers", false, "http://127.0.0.1.:"},
        {"http://127.0.0.1.:%M/headers", false, "http://127.0.0.1.:"},
        {"http://[::ffff:127.0.0.1]:%M/headers", false, "http://[::ffff:127.0.0.1]:"},
        {"http://[::1]:%M/headers", false, "http://[::1]:"},
        {"http://LOCALHOST:%M/headers", false, "http://localhost:"},
        {"http://127.0.0.1:%M:80/headers", false, NULL},
    };
    free(peer_log(PEER_OTHER_PORT, true));
    free(peer_log(PEER_OTHER_ADDR, true));
    free(peer_log(PEER_MAIN, true));
    struct http_client *c = main_client();
    size_t followed = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char target[URL_MAX], main_port[16], other_port[16];
        snprintf(main_port, sizeof main_port, "%d", peers[PEER_MAIN].port);
        snprintf(other_port, sizeof other_port, "%d", peers[PEER_OTHER_ADDR].port);
        size_t o = 0;
        for (const char *p = cases[i].target; *p && o + 8 < sizeof target; p++) {
            const char *port = p[0] == '%' && p[1] == 'M'   ? main_port
                               : p[0] == '%' && p[1] == 'O' ? other_port
                                                            : NULL;
            if (port) {
                o += (size_t)snprintf(target + o, sizeof target - o, "%s", port);
                p++;
            } else {
                target[o++] = *p;
            }
        }
        target[o] = '\0';
        struct http_result *r = redirected_to(c, target);
        if (cases[i].followed) {
            if (r->failure != HTTP_FAIL_NONE)
                fail_msg("%s: not followed: %s", target, r->errmsg);
            assert_int_equal(r->attempts, 1);
            assert_true(http_same_origin(peers[PEER_MAIN].base, r->url));
            if (strstr(target, "/headers") && !strstr(target, "%2e")) {
                assert_int_equal(r->status, 200);
                assert_int_equal(count_of(buf_str(&r->body), "authorization: "), 1);
                assert_non_null(strstr(buf_str(&r->body), "authorization: Token " TOKEN "\n"));
            }
            followed++;
        } else {
            if (r->failure == HTTP_FAIL_NONE)
                fail_msg("%s: followed to %s", target, r->url);
            assert_int_equal(r->status, 302);
            assert_int_equal(r->failure,
                             cases[i].refused_words ? HTTP_FAIL_ORIGIN : HTTP_FAIL_OTHER);
            if (cases[i].refused_words && !strstr(r->errmsg, cases[i].refused_words))
                fail_msg("%s: \"%s\" lacks \"%s\"", target, r->errmsg, cases[i].refused_words);
        }
        http_result_free(r);
    }
    http_client_free(c);

    /* The main peer saw each redirect and one request per followed one; the
     * others saw nothing at all. */
    char *log = peer_log(PEER_MAIN, false);
    assert_int_equal(count_of(log, "GET /redirect"), ARRAY_LEN(cases));
    assert_int_equal(count_of(log, "GET "), ARRAY_LEN(cases) + followed);
    assert_int_equal(count_of(log, "authorization: Token " TOKEN "\n"),
                     ARRAY_LEN(cases) + followed);
    free(log);
    for (int p = PEER_OTHER_PORT; p <= PEER_OTHER_ADDR; p++) {
        log = peer_log(p, false);
        assert_null(strstr(log, "GET "));
        free(log);
    }
}

/* ---- retries ---------------------------------------------------------- */

static void test_503_retried_then_ok(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/status/503?key=r503&times=1");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    http_result_free(r);
    r = get_path(c, "/status/502?key=r502&times=2");
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 3);
    http_result_free(r);
    r = get_path(c, "/status/504?key=r504&times=1");
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    http_result_free(r);
    /* Not retried: other errors come back at once. */
    r = get_path(c, "/status/500?key=r500&times=1");
    assert_int_equal(r->status, 500);
    assert_int_equal(r->attempts, 1);
    http_result_free(r);
    http_client_free(c);
}

static void test_retries_exhausted_give_final_status(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.retries = 2;
    o.backoff_base_ms = 100;
    o.backoff_max_ms = 1000;
    struct http_client *c = client_with(&o);
    struct http_result *r = get_path(c, "/status/503");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 503);
    assert_int_equal(r->attempts, 3);
    assert_true(r->seconds >= 0.29); /* backoff 100 ms then 200 ms */
    http_result_free(r);
    http_client_free(c);

    o.retries = 0;
    c = client_with(&o);
    r = get_path(c, "/status/503");
    assert_int_equal(r->status, 503);
    assert_int_equal(r->attempts, 1);
    http_result_free(r);
    http_client_free(c);
}

static void test_backoff_capped(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.retries = 4;
    o.backoff_base_ms = (long)scaled_ms(100);
    o.backoff_max_ms = o.backoff_base_ms; /* uncapped it would be 100+200+400+800 ms */
    struct http_client *c = client_with(&o);
    struct http_result *r = get_path(c, "/status/503");
    assert_int_equal(r->attempts, 5);
    assert_true(r->seconds >= 4 * o.backoff_base_ms / 1000.0 - 0.01);
    assert_true(r->seconds < 12 * o.backoff_base_ms / 1000.0);
    http_result_free(r);
    http_client_free(c);
}

static void test_429_honours_retry_after(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/429?retry_after=1&key=ra1&times=1");
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    assert_true(r->seconds >= 0.95);
    http_result_free(r);

    /* Not a number: the ordinary backoff (10 ms here) instead. */
    r = get_path(c, "/429?retry_after=soon&key=ra2&times=1");
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    assert_true(r->seconds < scaled_s(0.9));
    http_result_free(r);
    http_client_free(c);
}

static void test_429_huge_retry_after_fails_fast(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/429?retry_after=999");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 429);
    assert_int_equal(r->attempts, 1);
    assert_int_equal(r->retry_after_s, 999);
    assert_true(r->seconds < scaled_s(0.9));
    http_result_free(r);
    http_client_free(c);
}

static void test_reset_retried(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/reset?key=rst1&times=1");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    http_result_free(r);
    r = get_path(c, "/reset");
    assert_int_equal(r->failure, HTTP_FAIL_CONNECT);
    assert_int_equal(r->status, 0);
    assert_int_equal(r->attempts, 4);
    assert_non_null(strstr(r->errmsg, "connection reset"));
    http_result_free(r);
    http_client_free(c);
}

/* http_wait sleeps until the retry is due, neither spinning nor oversleeping
 * the caller's long timeout. */
static void test_wait_sleeps_until_retry_due(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.backoff_base_ms = 300;
    o.backoff_max_ms = 300;
    struct http_client *c = client_with(&o);
    char u[URL_MAX];
    peer_url(u, PEER_MAIN, "/status/503?key=wait1&times=1");
    assert_true(http_submit(c, u, NULL, NULL) > 0);
    int loops = 0;
    struct http_result *r = NULL;
    int64_t start = now_ms();
    while (!(r = http_next_result(c)) && now_ms() - start < scaled_ms(LOOP_LIMIT_MS)) {
        assert_int_equal(http_wait(c, NULL, 0, (int)scaled_ms(LONG_WAIT_MS), NULL), 0);
        http_perform(c);
        loops++;
    }
    assert_non_null(r);
    int64_t took = now_ms() - start;
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 2);
    assert_true(took >= 290);
    assert_true(took < scaled_ms(2000));
    assert_true(loops < 30);
    http_result_free(r);
    http_client_free(c);
}

/* ---- transport failures ----------------------------------------------- */

static void test_truncated_body(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/truncate");
    assert_int_equal(r->failure, HTTP_FAIL_TRUNCATED);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->attempts, 1);
    assert_true(r->errmsg[0] != '\0');
    http_result_free(r);
    http_client_free(c);
}

static void test_stall_hits_low_speed_limit(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.low_speed_time_s = 1;
    struct http_client *c = client_with(&o);
    struct http_result *r = get_path(c, "/stall");
    assert_int_equal(r->failure, HTTP_FAIL_TIMEOUT);
    assert_string_equal(r->errmsg, "low-speed timeout: no data for 1 s");
    assert_true(r->seconds < scaled_s(4.0));
    http_result_free(r);
    http_client_free(c);
}

static void test_overall_timeout(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.timeout_ms = 300;
    struct http_client *c = client_with(&o);
    char path[64];
    snprintf(path, sizeof path, "/slow?delay=%.3f", scaled_s(2.0));
    struct http_result *r = get_path(c, path);
    assert_int_equal(r->failure, HTTP_FAIL_TIMEOUT);
    assert_string_equal(r->errmsg, "timed out after 0.3 s");
    assert_true(r->seconds < scaled_s(1.5));
    http_result_free(r);
    http_client_free(c);
}

static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s); /* never listened: connecting is refused */
    return ntohs(a.sin_port);
}

static void test_connection_refused_not_retried(void **state)
{
    (void)state;
    char origin[64], u[URL_MAX];
    snprintf(origin, sizeof origin, "http://127.0.0.1:%d", closed_port());
    struct http_options o = test_options(origin);
    struct http_client *c = client_with(&o);
    snprintf(u, sizeof u, "%s/ok", origin);
    struct http_result *r = get(c, u);
    assert_int_equal(r->failure, HTTP_FAIL_CONNECT);
    assert_int_equal(r->status, 0);
    assert_int_equal(r->attempts, 1);
    assert_non_null(strstr(r->errmsg, "cannot connect"));
    http_result_free(r);
    http_client_free(c);
}

static void test_dns_failure(void **state)
{
    (void)state;
    struct http_options o = test_options("http://nonexistent.invalid");
    struct http_client *c = client_with(&o);
    struct http_result *r = get(c, "http://nonexistent.invalid/api/");
    assert_int_equal(r->failure, HTTP_FAIL_DNS);
    assert_int_equal(r->attempts, 1);
    assert_non_null(strstr(r->errmsg, "nonexistent.invalid"));
    http_result_free(r);
    http_client_free(c);
}

static void test_tls_failure(void **state)
{
    (void)state;
    /* TLS to a plain-HTTP listener: the handshake fails. */
    char origin[64], u[URL_MAX];
    snprintf(origin, sizeof origin, "https://127.0.0.1:%d", peers[PEER_MAIN].port);
    struct http_options o = test_options(origin);
    struct http_client *c = client_with(&o);
    snprintf(u, sizeof u, "%s/ok", origin);
    struct http_result *r = get(c, u);
    assert_int_equal(r->failure, HTTP_FAIL_TLS);
    assert_non_null(strstr(r->errmsg, "TLS"));
    /* told apart by a plain-http probe (http_tls_failure), not libcurl's words */
    assert_non_null(strstr(r->errmsg, "speaks plain HTTP"));
    assert_int_equal(r->attempts, 1);
    http_result_free(r);
    http_client_free(c);
}

static void test_too_large(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.max_body = 1000;
    struct http_client *c = client_with(&o);
    struct http_result *r = get_path(c, "/big?bytes=5000");
    assert_int_equal(r->failure, HTTP_FAIL_TOO_LARGE);
    assert_non_null(strstr(r->errmsg, "1000 bytes"));
    http_result_free(r);
    /* Without Content-Length the write callback has to catch it. */
    r = get_path(c, "/big?bytes=200000&chunked=1");
    assert_int_equal(r->failure, HTTP_FAIL_TOO_LARGE);
    assert_true(r->body.len <= 1000);
    http_result_free(r);
    r = get_path(c, "/big?bytes=1000&chunked=1");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->body.len, 1000);
    http_result_free(r);
    http_client_free(c);
}

/* A small gzip body that decodes far past the cap: refused by the default
 * cap as the decoded bytes pass it, with only about the cap held. */
static void test_gzip_bomb_stopped_at_the_cap(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    struct http_result *r = get_path(c, "/bomb?mib=64");
    assert_int_equal(r->failure, HTTP_FAIL_TOO_LARGE);
    assert_int_equal(r->attempts, 1);
    assert_string_equal(r->errmsg, "response larger than 32 MiB");
    assert_true(r->body.len <= HTTP_DEFAULT_MAX_BODY);
    assert_true(r->body.cap <= 2 * (size_t)HTTP_DEFAULT_MAX_BODY + 1);
    http_result_free(r);
    http_client_free(c);

    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.max_body = 1u << 20;
    c = client_with(&o);
    r = get_path(c, "/bomb?mib=64");
    assert_int_equal(r->failure, HTTP_FAIL_TOO_LARGE);
    assert_string_equal(r->errmsg, "response larger than 1 MiB");
    assert_true(r->body.len <= o.max_body);
    assert_true(r->body.cap <= 2 * o.max_body + 1);
    http_result_free(r);
    /* Below the cap the same encoding decodes as before. */
    o.max_body = 2u << 20;
    http_client_free(c);
    c = client_with(&o);
    r = get_path(c, "/bomb?mib=1");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->body.len, 1u << 20);
    http_result_free(r);
    http_client_free(c);
}

/* ---- replies that break HTTP framing ---------------------------------- */

/* Each is the server's fault, not the network's: HTTP_FAIL_BAD_RESPONSE on
 * the first attempt, in words that say what was wrong. */
static void test_bad_framing_is_a_bad_response(void **state)
{
    (void)state;
    static const struct {
        const char *name, *words;
    } cases[] = {
        {"chunk", "broken chunked encoding"},       /* libcurl's text, is_bad_framing */
        {"neglen", "malformed HTTP reply"},         /* CURLE_WEIRD_SERVER_REPLY */
        {"unkenc", "Content-Encoding is unknown"},  /* CURLE_BAD_CONTENT_ENCODING */
        {"liegzip", "Content-Encoding is unknown"}, /* the same, a body that does not inflate */
        {"bighdr", "response headers too large"},   /* CURLE_OUT_OF_MEMORY mid-reply */
        {"http09", "malformed HTTP reply"},         /* CURLE_UNSUPPORTED_PROTOCOL */
    };
    struct http_client *c = main_client();
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char path[64];
        snprintf(path, sizeof path, "/raw?case=%s", cases[i].name);
        struct http_result *r = get_path(c, path);
        if (r->failure != HTTP_FAIL_BAD_RESPONSE || !strstr(r->errmsg, cases[i].words))
            fail_msg("%s: failure %d, \"%s\"", cases[i].name, (int)r->failure, r->errmsg);
        assert_int_equal(r->attempts, 1); /* not retried as a network fault */
        http_result_free(r);
    }
    http_client_free(c);
}

/* ---- the retry budget ------------------------------------------------- */

/* A Retry-After longer than the budget left ends the request at once with
 * the 429 in hand, instead of a silent wait. */
static void test_retry_after_beyond_budget_fails_at_once(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.retries = 4;
    o.retry_budget_ms = 2000;
    struct http_client *c = client_with(&o);
    int64_t t0 = now_ms();
    struct http_result *r = get_path(c, "/429?retry_after=119");
    assert_int_equal(r->failure, HTTP_FAIL_NONE);
    assert_int_equal(r->status, 429);
    assert_int_equal(r->retry_after_s, 119);
    assert_int_equal(r->attempts, 1);
    assert_true(now_ms() - t0 < scaled_ms(1000));
    http_result_free(r);
    /* Backoffs stop once their sum would pass the budget. */
    o.retries = 20;
    o.backoff_base_ms = 200;
    o.backoff_max_ms = 200;
    o.retry_budget_ms = 700;
    http_client_free(c);
    c = client_with(&o);
    r = get_path(c, "/status/503");
    assert_int_equal(r->status, 503);
    assert_int_equal(r->attempts, 4); /* waits at 200, 400, 600 ms; 800 > 700 */
    http_result_free(r);
    http_client_free(c);
}

/* A wait of a second or more is said on options.notice (a terminal). */
static void test_waiting_is_announced(void **state)
{
    (void)state;
    struct http_options o = test_options(peers[PEER_MAIN].base);
    char *text = NULL;
    size_t len = 0;
    FILE *notice = open_memstream(&text, &len);
    assert_non_null(notice);
    o.notice = notice;
    struct http_client *c = client_with(&o);
    struct http_result *r = get_path(c, "/429?retry_after=1&key=announce&times=1");
    assert_int_equal(r->status, 200);
    http_result_free(r);
    r = get_path(c, "/status/503?key=announce-quick&times=1"); /* 10 ms: not worth a line */
    assert_int_equal(r->status, 200);
    http_result_free(r);
    http_client_free(c);
    fclose(notice);
    char want[URL_MAX];
    snprintf(want, sizeof want,
             "omslog: rate limited by %s (429): waiting 1 s before retry 1 of 3\n",
             peers[PEER_MAIN].base);
    assert_string_equal(text, want);
    free(text);
}

/* ---- the asynchronous interface --------------------------------------- */

static void test_cancel_delivers_nothing(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    char slow[URL_MAX], ok[URL_MAX];
    peer_url(slow, PEER_MAIN, "/slow?delay=0.3");
    peer_url(ok, PEER_MAIN, "/ok");
    int id_slow = http_submit(c, slow, NULL, NULL);
    int id_ok = http_submit(c, ok, (void *)ok, NULL);
    assert_true(id_slow > 0 && id_ok > 0 && id_slow != id_ok);
    assert_int_equal(http_pending(c), 2);
    http_cancel(c, id_slow);
    http_cancel(c, 12345); /* unknown: ignored */
    assert_int_equal(http_pending(c), 1);
    struct http_result *r[2] = {NULL, NULL};
    assert_int_equal(collect(c, r, 1), 1);
    assert_int_equal(r[0]->id, id_ok);
    assert_ptr_equal(r[0]->user, ok);
    /* Well past the slow one's time: still nothing. */
    int64_t until = now_ms() + 500;
    while (now_ms() < until) {
        http_wait(c, NULL, 0, 100, NULL);
        http_perform(c);
        assert_null(http_next_result(c));
    }
    assert_int_equal(http_pending(c), 0);
    http_result_free(r[0]);

    /* Finished but not yet handed out: cancelling drops the result too. */
    int id = http_submit(c, ok, NULL, NULL);
    until = now_ms() + 300;
    while (now_ms() < until) {
        http_wait(c, NULL, 0, 50, NULL);
        http_perform(c);
    }
    assert_int_equal(http_pending(c), 1);
    http_cancel(c, id);
    assert_int_equal(http_pending(c), 0);
    assert_null(http_next_result(c));
    http_client_free(c);
}

static long stats_field(const char *json, const char *name)
{
    const char *p = strstr(json, name);
    assert_non_null(p);
    return strtol(p + strlen(name) + 3, NULL, 10); /* skip `": ` */
}

static void test_parallel_limit_and_reuse(void **state)
{
    (void)state;
    enum { N = 20, PARALLEL = 4, SLACK = 2 };
    struct http_options so = test_options(peers[PEER_MAIN].base);
    struct http_client *sc = client_with(&so);
    char u[URL_MAX];
    peer_url(u, PEER_MAIN, "/_stats?clear=1");
    http_result_free(get(sc, u));

    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.max_parallel = PARALLEL;
    struct http_client *c = client_with(&o);
    int ids[N];
    for (int i = 0; i < N; i++) {
        char path[64];
        snprintf(path, sizeof path, "/slow?delay=0.05&group=par&n=%d", i);
        peer_url(u, PEER_MAIN, path);
        ids[i] = http_submit(c, u, NULL, NULL);
        assert_true(ids[i] > 0);
    }
    assert_int_equal(http_pending(c), N);
    struct http_result *r[N];
    assert_int_equal(collect(c, r, N), N);
    bool seen[N] = {false};
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i]->status, 200);
        for (int j = 0; j < N; j++)
            if (ids[j] == r[i]->id) {
                assert_false(seen[j]);
                seen[j] = true;
            }
        http_result_free(r[i]);
    }
    for (int j = 0; j < N; j++)
        assert_true(seen[j]);
    assert_int_equal(http_pending(c), 0);
    long conns = http_connections_opened(c);
    assert_true(conns >= 1);
    assert_true(conns <= PARALLEL + SLACK);
    http_client_free(c);

    peer_url(u, PEER_MAIN, "/_stats?group=par");
    struct http_result *s = get(sc, u);
    long max_inflight = stats_field(buf_str(&s->body), "max_inflight");
    assert_int_equal(stats_field(buf_str(&s->body), "requests"), N);
    assert_true(max_inflight >= 2); /* they did run in parallel */
    assert_true(max_inflight <= PARALLEL);
    http_result_free(s);
    http_client_free(sc);
}

/* Submit n /slow requests, request i sleeping base_ms + i * step_ms, and
 * collect them all. */
static void slow_wave(struct http_client *c, int n, int base_ms, int step_ms)
{
    enum { WAVE_MAX = 16 };
    assert_true(n <= WAVE_MAX);
    for (int i = 0; i < n; i++) {
        char u[URL_MAX], path[64];
        snprintf(path, sizeof path, "/slow?delay=%.3f&group=wave",
                 (double)(base_ms + i * step_ms) / 1000.0);
        peer_url(u, PEER_MAIN, path);
        assert_true(http_submit(c, u, NULL, NULL) > 0);
    }
    struct http_result *r[WAVE_MAX];
    assert_int_equal(collect(c, r, (size_t)n), (size_t)n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(r[i]->status, 200);
        http_result_free(r[i]);
    }
}

/* One connection per parallel slot, however unevenly the slots are used:
 * libcurl's default cache (4 x the transfers running) shrinks below the
 * parallelism when only one or two transfers run, and closes idle connections
 * that the next burst must reopen. */
static void test_connections_stay_at_parallel(void **state)
{
    (void)state;
    enum { PARALLEL = 8, BASE_MS = 60, STEP_MS = 40, ROUNDS = 3 };
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.max_parallel = PARALLEL;
    struct http_client *c = client_with(&o);
    slow_wave(c, PARALLEL, BASE_MS, 0); /* opens PARALLEL connections */
    long opened = http_connections_opened(c);
    assert_int_equal(opened, PARALLEL);
    for (int round = 0; round < ROUNDS; round++) {
        /* Staggered: the last ones finish while one or two transfers run. */
        slow_wave(c, PARALLEL, BASE_MS, STEP_MS);
        slow_wave(c, PARALLEL, BASE_MS, 0);
    }
    assert_int_equal(http_connections_opened(c), PARALLEL);
    /* Twice the parallelism submitted at once: the extra ones wait for a
     * slot and reuse its connection. */
    slow_wave(c, 2 * PARALLEL, BASE_MS, 0);
    assert_int_equal(http_connections_opened(c), PARALLEL);
    http_client_free(c);
}

static void test_wait_on_extra_fd(void **state)
{
    (void)state;
    struct http_client *c = main_client();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    bool ready = true;
    int64_t start = now_ms();
    assert_int_equal(http_wait(c, &fds[0], 1, 200, &ready), 0);
    assert_false(ready);
    assert_true(now_ms() - start >= 180); /* slept, did not spin */

    assert_int_equal(write(fds[1], "x", 1), 1);
    start = now_ms();
    assert_int_equal(http_wait(c, &fds[0], 1, (int)scaled_ms(LONG_WAIT_MS), &ready), 0);
    assert_true(ready);
    assert_true(now_ms() - start < scaled_ms(1000));

    /* Network and the extra fd at once: a result wakes the wait too. */
    char buf[1];
    assert_int_equal(read(fds[0], buf, 1), 1);
    char u[URL_MAX];
    peer_url(u, PEER_MAIN, "/ok");
    assert_true(http_submit(c, u, NULL, NULL) > 0);
    struct http_result *r = NULL;
    start = now_ms();
    while (!r && now_ms() - start < scaled_ms(LOOP_LIMIT_MS)) {
        assert_int_equal(http_wait(c, &fds[0], 1, (int)scaled_ms(LONG_WAIT_MS), &ready), 0);
        assert_false(ready);
        http_perform(c);
        r = http_next_result(c);
    }
    assert_non_null(r);
    assert_true(now_ms() - start < scaled_ms(2000));
    http_result_free(r);

    /* Nothing pending, no fds: sleeps for the timeout. */
    start = now_ms();
    assert_int_equal(http_wait(c, NULL, 0, 100, NULL), 0);
    assert_true(now_ms() - start >= 90);
    close(fds[0]);
    close(fds[1]);
    http_client_free(c);
}

/* The wait arrays are kept between calls: a longer list grows them, and a
 * shorter one later must not see the fds of the longer one. */
static void test_wait_on_several_extra_fds(void **state)
{
    (void)state;
    enum { NFDS = 3 };
    struct http_client *c = main_client();
    int p[NFDS][2], rd[NFDS];
    for (int i = 0; i < NFDS; i++) {
        assert_int_equal(pipe(p[i]), 0);
        rd[i] = p[i][0];
    }
    bool ready = true;
    assert_int_equal(http_wait(c, rd, 1, 50, &ready), 0);
    assert_false(ready);
    assert_int_equal(write(p[NFDS - 1][1], "x", 1), 1);
    int64_t start = now_ms();
    assert_int_equal(http_wait(c, rd, NFDS, (int)scaled_ms(LONG_WAIT_MS), &ready), 0);
    assert_true(ready);
    assert_true(now_ms() - start < scaled_ms(1000));
    /* The last pipe is still readable, but no longer asked about. */
    start = now_ms();
    assert_int_equal(http_wait(c, rd, 1, 150, &ready), 0);
    assert_false(ready);
    assert_true(now_ms() - start >= 130);
    /* A hang-up counts as ready too (the caller must read to see EOF). */
    close(p[0][1]);
    p[0][1] = -1;
    assert_int_equal(http_wait(c, rd, 1, (int)scaled_ms(LONG_WAIT_MS), &ready), 0);
    assert_true(ready);
    for (int i = 0; i < NFDS; i++) {
        close(p[i][0]);
        if (p[i][1] >= 0)
            close(p[i][1]);
    }
    http_client_free(c);
}

static void test_verbose_lines_without_token(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    struct http_options o = test_options(peers[PEER_MAIN].base);
    o.verbose = f;
    o.retries = 2;
    struct http_client *c = client_with(&o);
    http_result_free(get_path(c, "/ok"));
    http_result_free(get_path(c, "/ok"));
    http_result_free(get_path(c, "/status/503?key=verb&times=1"));
    http_client_free(c);
    fclose(f);
    char u[URL_MAX], want[URL_MAX + 64];
    peer_url(u, PEER_MAIN, "/ok");
    snprintf(want, sizeof want, "omslog: GET %s -> 200 (", u);
    assert_int_equal(count_of(text, want), 2);
    assert_non_null(strstr(text, " bytes, conn new)\n"));
    assert_non_null(strstr(text, " bytes, conn reused)\n"));
    peer_url(u, PEER_MAIN, "/status/503?key=verb&times=1");
    snprintf(want, sizeof want, "omslog: 503 from %s, retry 1/2 in 10 ms\n", u);
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, TOKEN));
    assert_null(strstr(text, "Authorization"));
    free(text);
}

/* ---- the adaptive limit and Retry-After (pure) ---- */

static void test_aimd_halves_on_refusal_once_per_burst(void **state)
{
    (void)state;
    struct http_aimd a;
    http_aimd_init(&a, 8);
    assert_int_equal(a.limit, 8);
    /* Eight started at t=0 (levels 1..8); the server refuses above 3. */
    assert_int_equal(http_aimd_reply(&a, 429, 0.01, 0, 4, 10), 3);
    /* The rest of the same burst: no further halving, the cap stays 3. */
    for (long level = 5; level <= 8; level++)
        assert_int_equal(http_aimd_reply(&a, 503, 0.01, 0, level, 11), 3);
    /* A refusal of a request started after the decrease halves again. */
    assert_int_equal(http_aimd_reply(&a, 429, 0.01, 20, 3, 30), 1);
    assert_int_equal(http_aimd_reply(&a, 429, 0.01, 40, 1, 50), 1); /* min 1 */
}

static void test_aimd_recovers_one_per_window_up_to_the_cap(void **state)
{
    (void)state;
    struct http_aimd a;
    http_aimd_init(&a, 8);
    http_aimd_reply(&a, 429, 0.01, 0, 4, 1); /* limit 3, cap 3 */
    http_aimd_reply(&a, 429, 0.01, 2, 3, 3); /* limit 1, cap 2 */
    assert_int_equal(a.limit, 1);
    int64_t t = 10;
    assert_int_equal(http_aimd_reply(&a, 200, 0.01, t, 1, t), 2); /* a window of 1 */
    assert_int_equal(http_aimd_reply(&a, 200, 0.01, t, 1, t), 2);
    assert_int_equal(http_aimd_reply(&a, 200, 0.01, t, 1, t), 2); /* at the cap */
    /* Errors other than refusals neither count nor decrease. */
    assert_int_equal(http_aimd_reply(&a, 500, 0.01, t, 1, t), 2);
    assert_int_equal(http_aimd_reply(&a, 0, 0.01, t, 1, t), 2);
    /* The cap holds for HTTP_AIMD_CAP_REPLIES good replies (however small
     * the windows), then lifts and growth resumes, up to the ceiling. */
    for (int i = 0; i < HTTP_AIMD_CAP_REPLIES - 10; i++)
        assert_int_equal(http_aimd_reply(&a, 200, 0.01, t, 1, t), 2);
    for (int i = 0; i < 100; i++)
        http_aimd_reply(&a, 200, 0.01, t, 1, t);
    assert_int_equal(a.limit, 8);
}

static void test_aimd_sustained_slowness_halves_one_slow_reply_does_not(void **state)
{
    (void)state;
    struct http_aimd a;
    http_aimd_init(&a, 8);
    int64_t t = 0;
    for (int i = 0; i < 2 * HTTP_AIMD_SAMPLES; i++)
        http_aimd_reply(&a, 200, 0.1, t, 1, t);
    assert_int_equal(a.limit, 8);
    assert_int_equal(http_aimd_reply(&a, 200, 5.0, t, 1, t), 8); /* one stalled page */
    long limit = 8;
    int slow = 0;
    while (limit == 8 && slow < HTTP_AIMD_SAMPLES) {
        t += 10;
        limit = http_aimd_reply(&a, 200, 0.5, t, 1, t);
        slow++;
    }
    assert_int_equal(limit, 4);
    assert_true(slow > HTTP_AIMD_SAMPLES / 2 - 1); /* once the median climbed */
    /* A climb too small to matter (under HTTP_AIMD_SLOW_MIN_S) does nothing. */
    struct http_aimd b;
    http_aimd_init(&b, 4);
    for (int i = 0; i < 4 * HTTP_AIMD_SAMPLES; i++)
        http_aimd_reply(&b, 200, i < HTTP_AIMD_SAMPLES ? 0.002 : 0.02, 0, 1, 0);
    assert_int_equal(b.limit, 4);
}

static void test_retry_after_parse(void **state)
{
    (void)state;
    const int64_t now = 1445412480; /* Wed, 21 Oct 2015 07:28:00 GMT */
    assert_int_equal(http_retry_after_parse("0", now), 0);
    assert_int_equal(http_retry_after_parse("120", now), 120);
    assert_int_equal(http_retry_after_parse("-1", now), -1);
    assert_int_equal(http_retry_after_parse("soon", now), -1);
    assert_int_equal(http_retry_after_parse("", now), -1);
    assert_int_equal(http_retry_after_parse("1.5", now), -1);
    assert_int_equal(http_retry_after_parse(NULL, now), -1);
    assert_int_equal(http_retry_after_parse("Wed, 21 Oct 2015 07:28:30 GMT", now), 30);
    /* RFC 850 and asctime forms too; a date in the past is "now". */
    assert_int_equal(http_retry_after_parse("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60);
    assert_int_equal(http_retry_after_parse("Wed Oct 21 07:28:05 2015", now), 5);
    assert_int_equal(http_retry_after_parse("Tue, 20 Oct 2015 07:28:00 GMT", now), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_status_body_headers),
        cmocka_unit_test(test_sends_accept_user_agent_and_token),
        cmocka_unit_test(test_gzip_decoded),
        cmocka_unit_test(test_keep_alive_reuses_connection),
        cmocka_unit_test(test_origin_parse),
        cmocka_unit_test(test_same_origin),
        cmocka_unit_test(test_origin_text),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_submit_foreign_url_refused),
        cmocka_unit_test(test_client_new_rejects_bad_options),
        cmocka_unit_test(test_same_origin_redirect_followed),
        cmocka_unit_test(test_cross_origin_redirect_refused),
        cmocka_unit_test(test_redirects_where_parsers_disagree),
        cmocka_unit_test(test_503_retried_then_ok),
        cmocka_unit_test(test_retries_exhausted_give_final_status),
        cmocka_unit_test(test_backoff_capped),
        cmocka_unit_test(test_429_honours_retry_after),
        cmocka_unit_test(test_429_huge_retry_after_fails_fast),
        cmocka_unit_test(test_reset_retried),
        cmocka_unit_test(test_wait_sleeps_until_retry_due),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_stall_hits_low_speed_limit),
        cmocka_unit_test(test_overall_timeout),
        cmocka_unit_test(test_connection_refused_not_retried),
        cmocka_unit_test(test_dns_failure),
        cmocka_unit_test(test_tls_failure),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_gzip_bomb_stopped_at_the_cap),
        cmocka_unit_test(test_bad_framing_is_a_bad_response),
        cmocka_unit_test(test_retry_after_beyond_budget_fails_at_once),
        cmocka_unit_test(test_waiting_is_announced),
        cmocka_unit_test(test_cancel_delivers_nothing),
        cmocka_unit_test(test_parallel_limit_and_reuse),
        cmocka_unit_test(test_connections_stay_at_parallel),
        cmocka_unit_test(test_wait_on_extra_fd),
        cmocka_unit_test(test_wait_on_several_extra_fds),
        cmocka_unit_test(test_verbose_lines_without_token),
        cmocka_unit_test(test_aimd_halves_on_refusal_once_per_burst),
        cmocka_unit_test(test_aimd_recovers_one_per_window_up_to_the_cap),
        cmocka_unit_test(test_aimd_sustained_slowness_halves_one_slow_reply_does_not),
        cmocka_unit_test(test_retry_after_parse),
    };
    if (read_time_scale() != 0)
        return 1;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
