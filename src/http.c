/* http.c — see include/omslog/http.h. The only file that includes <curl/curl.h>.
 *
 * Every request lives in the client's `active` list (submission order) until it
 * finishes; then its result moves to the `done` FIFO until http_next_result
 * hands it out. An active request is either WAITING (queued for a free slot, or
 * for its retry time `not_before_ms`) or RUNNING (its easy handle is in the
 * multi handle). All timing uses the monotonic clock of now_ms(). */
#include "omslog/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/util.h"

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define HTTP_DEFAULT_TIMEOUT_MS 60000L
#define HTTP_DEFAULT_BACKOFF_BASE_MS 250L
#define HTTP_DEFAULT_BACKOFF_MAX_MS 8000L
#define HTTP_DEFAULT_MAX_RETRY_AFTER_S 120L
#define HTTP_MS_PER_S 1000L
/* Idle easy handles kept for reuse; more would only hold memory. */
#define HTTP_IDLE_EASY_MAX 8
/* http_perform repeats start/perform/collect while that makes progress, so a
 * redirect hop or a freed slot starts at once; bounded so it never spins. */
#define HTTP_PERFORM_ROUNDS 4
/* A timeout that fires within this margin of the overall limit is "overall". */
#define HTTP_TIMEOUT_SLACK_MS 50
/* Longest wait before a retry, so huge configured limits cannot overflow. */
#define HTTP_MAX_DELAY_MS (INT_MAX / 2)
#define HTTP_STATUS_TOO_MANY_REQUESTS 429
#define HTTP_STATUS_MULTIPLE_CHOICES 300
#define HTTP_STATUS_BAD_REQUEST 400
#define HTTP_STATUS_UNAUTHORIZED 401
#define HTTP_STATUS_PROXY_AUTH 407
#define HTTP_STATUS_INTERNAL_ERROR 500
#define HTTP_STATUS_BAD_GATEWAY 502
#define HTTP_STATUS_UNAVAILABLE 503
#define HTTP_STATUS_GATEWAY_TIMEOUT 504
#define HTTP_PORT_HTTP 80
#define HTTP_PORT_HTTPS 443
#define HTTP_IPV4_LOOPBACK_OCTET 127
#define HTTP_LOCALHOST "localhost"
#define HTTP_LOCALHOST_SUFFIX ".localhost"

enum req_state { REQ_WAITING, REQ_RUNNING };

struct http_req {
    struct http_req *next;
    struct http_client *client;
    struct http_result *res;
    enum req_state state;
    CURL *easy;
    struct curl_slist *headers;
    int64_t submitted_ms;
    int64_t attempt_ms;
    int64_t not_before_ms;
    int64_t first_attempt_ms; /* the retry budget counts from here */
    long retries_used;
    int redirects;
    bool redirect_hop; /* the next start follows a redirect: not an attempt */
    bool too_large;    /* the write callback refused the body */
    char *probe_url;   /* the plain-http probe after a failed handshake (http_tls_failure) */
    bool headers_seen; /* a status line arrived in this attempt */
    long level;        /* transfers running when this attempt started, itself included */
    char errbuf[CURL_ERROR_SIZE];
};

struct http_client {
    CURLM *multi;
    struct http_options opt; /* defaults applied; strings point to ours below */
    char *origin_url;
    char *tls_files[4]; /* our copies of ca_file, ca_path, cert_file, key_file */
    char *auth_header;  /* "Authorization: Token ..."; NULL without token */
    bool has_origin;
    struct http_origin origin;
    struct http_req *active;
    struct http_req *done_head, *done_tail;
    size_t n_active, n_done;
    long running;
    long connections;
    struct http_aimd aimd; /* the adaptive limit on running (max_parallel > 0) */
    int64_t hold_until_ms; /* a Retry-After: nothing starts before it */
    int next_id;
    CURL *idle[HTTP_IDLE_EASY_MAX];
    size_t n_idle;
    /* http_wait's descriptor arrays, grown to the largest n_extra seen, so a
     * steady event loop allocates nothing per wake. */
    struct curl_waitfd *wait_fds;
    struct pollfd *poll_fds;
    size_t cap_fds;
};

static bool curl_initialised;

/* ---- origins ---------------------------------------------------------- */

static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Copy a part curl handed out into dst, lowercased; false when it does not fit. */
static bool origin_part(char *dst, size_t n, const char *part)
{
    if (!part || strlen(part) >= n)
        return false;
    memcpy(dst, part, strlen(part) + 1);
    ascii_lower(dst);
    return true;
}

/* A host name or an IPv6 zone (interface name) of letters, digits and
 * "-._~" only. curl also takes percent-decoded bytes and UTF-8 in a host; such
 * a host is refused rather than compared (or shown) in some escaped form. */
static bool is_plain_name(const char *z)
{
    for (const char *p = z; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '_' || *p == '~'))
            return false;
    return *z != '\0';
}

/* The origin of the URL u holds: an IPv6 zone is part of the host, since curl
 * connects through that interface; it is kept (case and all) as the URL
 * writes it ("[fe80::1%25eth0]"), so that the origin's text is a URL again. */
static int origin_from_curlu(CURLU *u, struct http_origin *out)
{
    int ret = -1;
    char *scheme = NULL, *host = NULL, *zone = NULL, *port = NULL;
    struct http_origin o;
    int64_t p;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    if (!origin_part(o.scheme, sizeof o.scheme, scheme) ||
        !origin_part(o.host, sizeof o.host, host) || (o.host[0] != '[' && !is_plain_name(o.host)))
        goto out;
    if (strcmp(o.scheme, "http") != 0 && strcmp(o.scheme, "https") != 0)
        goto out;
    if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK && zone) {
        size_t len = strlen(o.host);
        if (len < 2 || o.host[len - 1] != ']' || !is_plain_name(zone) ||
            snprintf(o.host + len - 1, sizeof o.host - len + 1, "%%25%s]", zone) >=
                (int)(sizeof o.host - len + 1))
            goto out;
    }
    if (parse_int64(port, &p) != 0 || p <= 0 || p > UINT16_MAX)
        goto out;
    o.port = (long)p;
    *out = o;
    ret = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(zone);
    curl_free(port);
    return ret;
}

/* Parse url with curl's own parser; fill *o and, when norm is not NULL, the
 * URL as curl will request it (malloc'd). 0, or -1 (nothing filled). */
static int origin_parse(const char *url, struct http_origin *o, char **norm)
{
    char *full = NULL;
    CURLU *u = url ? curl_url() : NULL;
    int ret = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        (!norm || curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) &&
        origin_from_curlu(u, o) == 0) {
        if (norm)
            *norm = xstrdup(full);
        ret = 0;
    }
    curl_free(full);
    curl_url_cleanup(u);
    return ret;
}

int http_origin_parse(const char *url, struct http_origin *out)
{
    return origin_parse(url, out, NULL);
}

static bool origin_equal(const struct http_origin *a, const struct http_origin *b)
{
    return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
           a->port == b->port;
}

bool http_same_origin(const char *base, const char *url)
{
    struct http_origin a, b;
    return http_origin_parse(base, &a) == 0 && http_origin_parse(url, &b) == 0 &&
           origin_equal(&a, &b);
}

void http_origin_text(const struct http_origin *o, char *out, size_t n)
{
    bool dflt = (strcmp(o->scheme, "http") == 0 && o->port == HTTP_PORT_HTTP) ||
                (strcmp(o->scheme, "https") == 0 && o->port == HTTP_PORT_HTTPS);
    if (dflt)
        snprintf(out, n, "%s://%s", o->scheme, o->host);
    else
        snprintf(out, n, "%s://%s:%ld", o->scheme, o->host, o->port);
}

bool http_origin_is_loopback(const struct http_origin *o)
{
    const char *h = o->host;
    size_t len = strlen(h), suffix = strlen(HTTP_LOCALHOST_SUFFIX);
    if (strcmp(h, HTTP_LOCALHOST) == 0)
        return true;
    /* RFC 6761: *.localhost names resolve to loopback. */
    if (len > suffix && strcmp(h + len - suffix, HTTP_LOCALHOST_SUFFIX) == 0)
        return true;
    /* curl has written every IPv4 form (127.1, 0x7f.0.0.1) as a dotted quad. */
    struct in_addr v4;
    if (inet_pton(AF_INET, h, &v4) == 1)
        return ((const unsigned char *)&v4.s_addr)[0] == HTTP_IPV4_LOOPBACK_OCTET;
    char v6text[INET6_ADDRSTRLEN];
    struct in6_addr v6;
    if (h[0] != '[' || len - 2 >= sizeof v6text)
        return false;
    memcpy(v6text, h + 1, len - 2);
    v6text[len - 2] = '\0';
    return inet_pton(AF_INET6, v6text, &v6) == 1 && memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

/* Whether a URL of origin o may be requested by this client. */
static bool client_allows(const struct http_client *c, const struct http_origin *o)
{
    return !c->has_origin || origin_equal(o, &c->origin);
}

/* The token goes only to the configured origin, never to "any" origin. */
static bool url_gets_token(const struct http_client *c, const char *url)
{
    struct http_origin o;
    return c->has_origin && c->auth_header && http_origin_parse(url, &o) == 0 &&
           client_allows(c, &o);
}

/* Resolve a Location (absolute or relative) against base. Returns a malloc'd
 * absolute URL, or NULL when it does not parse. */
static char *resolve_location(const char *base, const char *location)
{
    char *full = NULL, *ret = NULL;
    CURLU *u = curl_url();
    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
        ret = xstrdup(full);
    curl_free(full);
    curl_url_cleanup(u);
    return ret;
}

/* ---- the adaptive limit and Retry-After (pure) ------------------------- */

void http_aimd_init(struct http_aimd *a, long ceiling)
{
    memset(a, 0, sizeof *a);
    a->ceiling = a->limit = a->cap = ceiling > 0 ? ceiling : 1;
    a->decreased_ms = INT64_MIN;
}

static double aimd_median(const struct http_aimd *a)
{
    double v[HTTP_AIMD_SAMPLES];
    size_t n = a->n_recent;
    memcpy(v, a->recent, n * sizeof *v);
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of values */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Halve the limit (not below 1, not above cap), unless the reply's request
 * was already running when it last went down: a burst of refusals answers
 * one load, and counts once. */
static void aimd_decrease(struct http_aimd *a, int64_t started_ms, int64_t now)
{
    if (started_ms < a->decreased_ms) {
        if (a->limit > a->cap)
            a->limit = a->cap;
        return;
    }
    long half = a->limit / 2 > 0 ? a->limit / 2 : 1;
    a->limit = half < a->cap ? half : a->cap;
    a->decreased_ms = now;
    a->good = 0;
    a->n_recent = a->next = 0;
}

/* A good reply's time: whether the recent median has climbed well above the
 * baseline (a sustained climb, not one slow reply). */
static bool aimd_slow(struct http_aimd *a, double seconds)
{
    a->recent[a->next] = seconds;
    a->next = (a->next + 1) % HTTP_AIMD_SAMPLES;
    if (a->n_recent < HTTP_AIMD_SAMPLES)
        a->n_recent++;
    if (a->n_recent < HTTP_AIMD_SAMPLES)
        return false;
    double m = aimd_median(a);
    if (a->baseline <= 0 || m < a->baseline)
        a->baseline = m;
    bool slow = m > HTTP_AIMD_SLOW_FACTOR * a->baseline && m - a->baseline > HTTP_AIMD_SLOW_MIN_S;
    if (slow && a->limit <= 1) {
        a->baseline = m; /* slow on its own: one request at a time cannot be gentler */
        return false;
    }
    return slow;
}

long http_aimd_reply(struct http_aimd *a, long status, double seconds, int64_t started_ms,
                     long level, int64_t now)
{
    if (status == HTTP_STATUS_TOO_MANY_REQUESTS || status == HTTP_STATUS_UNAVAILABLE) {
        if (level > 0 && level - 1 < a->cap)
            a->cap = level - 1 > 0 ? level - 1 : 1;
        a->held = 0;
        aimd_decrease(a, started_ms, now);
        return a->limit;
    }
    if (status <= 0 || status >= HTTP_STATUS_INTERNAL_ERROR)
        return a->limit;
    if (aimd_slow(a, seconds)) {
        aimd_decrease(a, started_ms, now);
        return a->limit;
    }
    if (a->cap < a->ceiling && ++a->held >= HTTP_AIMD_CAP_REPLIES)
        a->cap = a->ceiling; /* long enough: the server may take more again */
    if (++a->good < a->limit)
        return a->limit;
    a->good = 0;
    if (a->limit < a->cap)
        a->limit++;
    return a->limit;
}

long http_retry_after_parse(const char *value, int64_t now_s)
{
    int64_t v;
    if (!value)
        return -1;
    if (parse_int64(value, &v) == 0)
        return v >= 0 && v <= LONG_MAX ? (long)v : -1;
    /* Every HTTP-date form starts with the day's name ("Wed, 21 Oct 2015
     * 07:28:00 GMT"); curl_getdate reads all three. */
    if (!((*value >= 'A' && *value <= 'Z') || (*value >= 'a' && *value <= 'z')))
        return -1;
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t - now_s;
    return d <= 0 ? 0 : d > LONG_MAX ? LONG_MAX : (long)d;
}

/* ---- results and request bookkeeping ---------------------------------- */

static void result_clear_headers(struct http_result *r)
{
    free(r->content_type);
    free(r->www_authenticate);
    free(r->location);
    r->content_type = r->www_authenticate = r->location = NULL;
    r->retry_after_s = -1;
}

void http_result_free(struct http_result *r)
{
    if (!r)
        return;
    free(r->url);
    buf_free(&r->body);
    result_clear_headers(r);
    free(r);
}

static void easy_release(struct http_client *c, CURL *easy)
{
    if (!easy)
        return;
    if (c->n_idle < HTTP_IDLE_EASY_MAX) {
        curl_easy_reset(easy);
        c->idle[c->n_idle++] = easy;
    } else {
        curl_easy_cleanup(easy);
    }
}

/* Take a running request's easy handle out of the multi handle. */
static void req_detach(struct http_client *c, struct http_req *q)
{
    if (q->state == REQ_RUNNING) {
        curl_multi_remove_handle(c->multi, q->easy);
        c->running--;
    }
    easy_release(c, q->easy);
    q->easy = NULL;
    curl_slist_free_all(q->headers);
    q->headers = NULL;
    q->state = REQ_WAITING;
}

static void active_unlink(struct http_client *c, struct http_req *q)
{
    for (struct http_req **pp = &c->active; *pp; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            q->next = NULL;
            c->n_active--;
            return;
        }
    }
}

/* End a request: its result moves to the done queue. */
static void req_finish(struct http_client *c, struct http_req *q)
{
    req_detach(c, q);
    active_unlink(c, q);
    q->res->seconds = (double)(now_ms() - q->submitted_ms) / HTTP_MS_PER_S;
    if (c->done_tail)
        c->done_tail->next = q;
    else
        c->done_head = q;
    c->done_tail = q;
    c->n_done++;
}

/* A result dropped without being handed out: its user data goes back to the
 * submitter (options.free_user). */
static void result_drop(const struct http_client *c, struct http_result *r)
{
    if (r && c->opt.free_user)
        c->opt.free_user(r->user);
    http_result_free(r);
}

static void req_free(const struct http_client *c, struct http_req *q)
{
    free(q->probe_url);
    result_drop(c, q->res);
    free(q);
}

static void req_fail(struct http_client *c, struct http_req *q, enum http_failure f,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void req_fail(struct http_client *c, struct http_req *q, enum http_failure f,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    q->res->failure = f;
    vsnprintf(q->res->errmsg, sizeof q->res->errmsg, fmt, ap);
    va_end(ap);
    req_finish(c, q);
}

/* ---- libcurl callbacks ------------------------------------------------ */

/* "32 MiB", "64 KiB" for whole numbers of them (as max_response's
 * suffixes set), else "N bytes". */
static void size_text(size_t bytes, char *out, size_t n)
{
    const size_t kib = 1024, mib = kib * kib;
    if (bytes >= mib && bytes % mib == 0)
        snprintf(out, n, "%zu MiB", bytes / mib);
    else if (bytes >= kib && bytes % kib == 0)
        snprintf(out, n, "%zu KiB", bytes / kib);
    else
        snprintf(out, n, "%zu bytes", bytes);
}

/* Called with decoded bytes (libcurl inflates gzip, br, zstd as they come):
 * the cap holds for what is kept, however small the compressed body, and the
 * transfer stops with the first chunk that would pass it. */
static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct http_req *q = userdata;
    size_t len = size * n;
    struct buf *b = &q->res->body;
    if (len > q->client->opt.max_body - b->len) {
        q->too_large = true;
        return 0; /* anything but len makes curl abort with CURLE_WRITE_ERROR */
    }
    buf_append(b, p, len);
    return len;
}

static char *trimmed_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return xstrndup(s, n);
}

/* Keep only the headers of the last response (a new status line resets them). */
static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    struct http_req *q = userdata;
    struct http_result *r = q->res;
    size_t len = size * n;
    static const char status_prefix[] = "HTTP/";
    if (len >= sizeof status_prefix - 1 &&
        strncmp(p, status_prefix, sizeof status_prefix - 1) == 0) {
        result_clear_headers(r);
        q->headers_seen = true;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    char *name = xstrndup(p, (size_t)(colon - p));
    char *value = trimmed_dup(colon + 1, len - (size_t)(colon - p) - 1);
    char **slot = NULL;
    if (ascii_casecmp(name, "Content-Type") == 0) {
        slot = &r->content_type;
    } else if (ascii_casecmp(name, "WWW-Authenticate") == 0) {
        slot = &r->www_authenticate;
    } else if (ascii_casecmp(name, "Location") == 0) {
        slot = &r->location;
    } else if (ascii_casecmp(name, "Retry-After") == 0) {
        r->retry_after_s = http_retry_after_parse(value, (int64_t)time(NULL));
    }
    if (slot) {
        free(*slot);
        *slot = value;
        value = NULL;
    }
    free(name);
    free(value);
    return len;
}

/* ---- TLS: trust, identity, and failures in words ------------------------ */

/* X509_V_ERR_* values that CURLINFO_SSL_VERIFYRESULT reports with OpenSSL:
 * stable numbers of OpenSSL's ABI (x509_vfy.h), named here so that this
 * file needs no OpenSSL header. Other TLS backends report 0 or their own. */
#define TLS_X509_OK 0
/* Not an OpenSSL verdict: the value libcurl (7.x, OpenSSL backend) leaves in
 * place when its own host name check fails, which runs before it reads
 * OpenSSL's verdict. */
#define TLS_CURL_NOT_VERIFIED 1
#define TLS_X509_UNABLE_TO_GET_ISSUER_CERT 2
#define TLS_X509_CERT_NOT_YET_VALID 9
#define TLS_X509_CERT_HAS_EXPIRED 10
#define TLS_X509_DEPTH_ZERO_SELF_SIGNED_CERT 18
#define TLS_X509_SELF_SIGNED_CERT_IN_CHAIN 19
#define TLS_X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY 20
#define TLS_X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE 21
#define TLS_X509_HOSTNAME_MISMATCH 62
#define TLS_X509_IP_ADDRESS_MISMATCH 64
enum { TLS_CA_FILE, TLS_CA_PATH, TLS_CERT_FILE, TLS_KEY_FILE };
#define TLS_INSECURE_HINT "(--insecure turns every check off: for testing only)"
#define TLS_CACERT_HINT "give omslog that certificate with --cacert FILE or ca_file"

/* The client keeps its own copies of the TLS file names (options are borrowed). */
static void tls_copy_options(struct http_client *c)
{
    const char *given[] = {[TLS_CA_FILE] = c->opt.ca_file,
                           [TLS_CA_PATH] = c->opt.ca_path,
                           [TLS_CERT_FILE] = c->opt.cert_file,
                           [TLS_KEY_FILE] = c->opt.key_file};
    for (size_t i = 0; i < ARRAY_LEN(c->tls_files); i++)
        c->tls_files[i] = given[i] && *given[i] ? xstrdup(given[i]) : NULL;
    c->opt.ca_file = c->tls_files[TLS_CA_FILE];
    c->opt.ca_path = c->tls_files[TLS_CA_PATH];
    c->opt.cert_file = c->tls_files[TLS_CERT_FILE];
    c->opt.key_file = c->tls_files[TLS_KEY_FILE];
}

static bool url_is_https(const char *url)
{
    char scheme[sizeof "https://"] = {0};
    memcpy(scheme, url, strnlen(url, sizeof scheme - 1));
    return ascii_casecmp(scheme, "https://") == 0;
}

/* TLS 1.2 at least, the CAs to trust, a client certificate. HTTP/2 (offered
 * over TLS only): wait for a connection that may carry several transfers
 * rather than open one per transfer of a burst. Plain http:// never
 * multiplexes, and waiting there would only hold a transfer back. */
static bool tls_setopts(const struct http_client *c, CURL *e, const char *url)
{
    const struct http_options *o = &c->opt;
    if (curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK)
        return false;
    if (url_is_https(url) && curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L) != CURLE_OK)
        return false;
    if (o->ca_file && curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file) != CURLE_OK)
        return false;
    if (o->ca_path && curl_easy_setopt(e, CURLOPT_CAPATH, o->ca_path) != CURLE_OK)
        return false;
    if (o->cert_file && curl_easy_setopt(e, CURLOPT_SSLCERT, o->cert_file) != CURLE_OK)
        return false;
    if (o->key_file && curl_easy_setopt(e, CURLOPT_SSLKEY, o->key_file) != CURLE_OK)
        return false;
    return true;
}

/* ---- starting attempts ------------------------------------------------ */

#define SETOPT(easy, opt, val)                                                                    \
    do {                                                                                          \
        if (curl_easy_setopt((easy), (opt), (val)) != CURLE_OK)                                   \
            goto fail;                                                                            \
    } while (0)

static bool req_start(struct http_client *c, struct http_req *q)
{
    const struct http_options *o = &c->opt;
    CURL *e = c->n_idle ? c->idle[--c->n_idle] : curl_easy_init();
    if (!e) {
        req_fail(c, q, HTTP_FAIL_OTHER, "cannot create a transfer (out of memory?)");
        return false;
    }
    q->easy = e;
    buf_reset(&q->res->body);
    result_clear_headers(q->res);
    q->res->status = 0;
    q->too_large = false;
    q->headers_seen = false;
    q->errbuf[0] = '\0';

    struct curl_slist *h = NULL, *t;
    if (!(t = curl_slist_append(h, "Accept: application/json")))
        goto fail;
    h = t;
    const char *url = q->probe_url ? q->probe_url : q->res->url;
    if (!q->probe_url && url_gets_token(c, url)) {
        if (!(t = curl_slist_append(h, c->auth_header)))
            goto fail;
        h = t;
    }
    q->headers = h;

    SETOPT(e, CURLOPT_URL, url);
    SETOPT(e, CURLOPT_HTTPHEADER, q->headers);
    SETOPT(e, CURLOPT_USERAGENT, "omslog/" OMSLOG_VERSION);
    SETOPT(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl can decode */
    SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are checked and followed here */
    SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SETOPT(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (o->low_speed_time_s > 0) {
        SETOPT(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        SETOPT(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    }
    SETOPT(e, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts in our process */
    SETOPT(e, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    SETOPT(e, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (!tls_setopts(c, e, url))
        goto fail;
    if (q->probe_url) {
        SETOPT(e, CURLOPT_NOBODY, 1L);
        SETOPT(e, CURLOPT_TIMEOUT_MS, o->connect_timeout_ms);
    }
    curl_off_t max_file = o->max_body > INT64_MAX ? INT64_MAX : (curl_off_t)o->max_body;
    SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, max_file);
    SETOPT(e, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(e, CURLOPT_WRITEDATA, q);
    SETOPT(e, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(e, CURLOPT_HEADERDATA, q);
    SETOPT(e, CURLOPT_ERRORBUFFER, q->errbuf);
    SETOPT(e, CURLOPT_PRIVATE, q);
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
        goto fail;
    q->state = REQ_RUNNING;
    c->running++;
    q->level = c->running;
    q->attempt_ms = now_ms();
    if (q->res->attempts == 0)
        q->first_attempt_ms = q->attempt_ms;
    if (!q->redirect_hop && !q->probe_url)
        q->res->attempts++;
    q->redirect_hop = false;
    return true;
fail:
    if (!q->headers)
        curl_slist_free_all(h);
    req_fail(c, q, HTTP_FAIL_OTHER, "cannot set up the transfer for %s", q->res->url);
    return false;
}

static bool slot_free(const struct http_client *c)
{
    return c->opt.max_parallel <= 0 || c->running < c->aimd.limit;
}

/* Start every waiting request that is due, in submission order, while slots
 * last. Returns how many started or ended. */
static int start_due(struct http_client *c)
{
    int n = 0;
    int64_t now = now_ms();
    if (now < c->hold_until_ms)
        return 0;
    struct http_req *q = c->active;
    while (q && slot_free(c)) {
        struct http_req *next = q->next; /* q may move to the done queue */
        if (q->state == REQ_WAITING && q->not_before_ms <= now) {
            req_start(c, q);
            n++;
        }
        q = next;
    }
    return n;
}

/* ---- finishing attempts ----------------------------------------------- */

static void format_seconds(long ms, char *out, size_t n)
{
    snprintf(out, n, "%g s", (double)ms / HTTP_MS_PER_S);
}

/* "rate limited by http://host:port (429)": the request's origin, never its
 * URL (no path or query in a line meant for a person). */
static void origin_words(const struct http_req *q, const char *before, const char *after,
                         char *out, size_t n)
{
    char origin[HTTP_ORIGIN_TEXT_MAX] = "the server";
    struct http_origin o;
    if (http_origin_parse(q->res->url, &o) == 0)
        http_origin_text(&o, origin, sizeof origin);
    snprintf(out, n, "%s %s%s", before, origin, after);
}

static long backoff_ms(const struct http_client *c, long retry_index)
{
    long d = c->opt.backoff_base_ms;
    for (long i = 0; i < retry_index && d < c->opt.backoff_max_ms; i++)
        d = d > LONG_MAX / 2 ? LONG_MAX : d * 2;
    return d < c->opt.backoff_max_ms ? d : c->opt.backoff_max_ms;
}

static bool can_retry(const struct http_client *c, const struct http_req *q)
{
    return q->retries_used < c->opt.retries;
}

/* Schedule the next attempt after delay_ms (why: the status or event, for
 * verbose lines; words: the same for a person), if the request's retry budget
 * covers that wait: false (nothing scheduled) when it does not, so the
 * caller ends the request with what it has instead of waiting in silence. */
static bool schedule_retry(struct http_client *c, struct http_req *q, long delay_ms,
                           const char *why, const char *words)
{
    if (delay_ms > HTTP_MAX_DELAY_MS)
        delay_ms = HTTP_MAX_DELAY_MS;
    int64_t now = now_ms();
    int64_t left = c->opt.retry_budget_ms - (now - q->first_attempt_ms);
    if (delay_ms > left) {
        if (c->opt.verbose)
            fprintf(c->opt.verbose,
                    "omslog: %s from %s, not retried: waiting %ld ms exceeds the retry "
                    "budget (%" PRId64 " ms left)\n",
                    why, q->res->url, delay_ms, left > 0 ? left : 0);
        return false;
    }
    q->retries_used++;
    q->not_before_ms = now + delay_ms;
    if (c->opt.verbose)
        fprintf(c->opt.verbose, "omslog: %s from %s, retry %ld/%ld in %ld ms\n", why, q->res->url,
                q->retries_used, c->opt.retries, delay_ms);
    if (c->opt.notice && delay_ms >= HTTP_MS_PER_S) {
        char secs[32];
        format_seconds(delay_ms, secs, sizeof secs);
        fprintf(c->opt.notice, "omslog: %s: waiting %s before retry %ld of %ld\n", words, secs,
                q->retries_used, c->opt.retries);
        fflush(c->opt.notice);
    }
    return true;
}

/* Feed the reply to the in-flight limit's controller. */
static void http_adapt(struct http_client *c, const struct http_req *q)
{
    if (c->opt.max_parallel <= 0)
        return;
    long before = c->aimd.limit;
    int64_t now = now_ms();
    double secs = (double)(now - q->attempt_ms) / HTTP_MS_PER_S;
    long after = http_aimd_reply(&c->aimd, q->res->status, secs, q->attempt_ms, q->level, now);
    if (after != before && c->opt.verbose)
        fprintf(c->opt.verbose,
                "omslog: %ld in %.3f s from %s: at most %ld requests in flight "
                "(was %ld)\n",
                q->res->status, secs, q->res->url, after, before);
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void on_response(struct http_client *c, struct http_req *q)
{
    struct http_result *r = q->res;
    long st = r->status;
    if (is_redirect(st) && r->location) {
        char *target = resolve_location(r->url, r->location);
        struct http_origin o;
        if (!target || http_origin_parse(target, &o) != 0) {
            free(target);
            req_fail(c, q, HTTP_FAIL_OTHER, "redirect %ld with an unusable Location", st);
            return;
        }
        if (!client_allows(c, &o)) {
            char oname[sizeof r->errmsg / 2];
            http_origin_text(&o, oname, sizeof oname);
            free(target);
            req_fail(c, q, HTTP_FAIL_ORIGIN, "redirect to another origin refused: %s", oname);
            return;
        }
        if (q->redirects >= HTTP_MAX_REDIRECTS) {
            free(target);
            req_fail(c, q, HTTP_FAIL_OTHER, "too many redirects (more than %d)",
                     HTTP_MAX_REDIRECTS);
            return;
        }
        if (c->opt.verbose)
            fprintf(c->opt.verbose, "omslog: following redirect %ld to %s\n", st, target);
        q->redirects++;
        q->redirect_hop = true;
        free(r->url);
        r->url = target;
        q->not_before_ms = now_ms();
        return;
    }
    http_adapt(c, q);
    if (st == HTTP_STATUS_TOO_MANY_REQUESTS ||
        (st == HTTP_STATUS_UNAVAILABLE && r->retry_after_s >= 0)) {
        if (r->retry_after_s > c->opt.max_retry_after_s || !can_retry(c, q)) {
            req_finish(c, q);
            return;
        }
        /* A missing or unusable Retry-After gets the ordinary backoff. */
        long delay = backoff_ms(c, q->retries_used);
        if (r->retry_after_s >= 0)
            delay = r->retry_after_s > HTTP_MAX_DELAY_MS / HTTP_MS_PER_S
                        ? HTTP_MAX_DELAY_MS
                        : r->retry_after_s * HTTP_MS_PER_S;
        bool limited = st == HTTP_STATUS_TOO_MANY_REQUESTS;
        char words[HTTP_ORIGIN_TEXT_MAX + 64];
        origin_words(q, limited ? "rate limited by" : "server error from",
                     limited ? " (429)" : " (503)", words, sizeof words);
        if (!schedule_retry(c, q, delay, limited ? "429" : "503", words)) {
            req_finish(c, q);
            return;
        }
        /* The server asked everyone to wait, not just this request. */
        if (r->retry_after_s >= 0 && q->not_before_ms > c->hold_until_ms)
            c->hold_until_ms = q->not_before_ms;
        return;
    }
    if ((st == HTTP_STATUS_BAD_GATEWAY || st == HTTP_STATUS_UNAVAILABLE ||
         st == HTTP_STATUS_GATEWAY_TIMEOUT) &&
        can_retry(c, q)) {
        char why[16], words[HTTP_ORIGIN_TEXT_MAX + 64], status[32];
        snprintf(why, sizeof why, "%ld", st);
        snprintf(status, sizeof status, " (%ld)", st);
        origin_words(q, "server error from", status, words, sizeof words);
        if (!schedule_retry(c, q, backoff_ms(c, q->retries_used), why, words))
            req_finish(c, q);
        return;
    }
    req_finish(c, q);
}

static bool is_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return true;
    default:
        return false;
    }
}

static const char *curl_words(const struct http_req *q, CURLcode rc)
{
    return q->errbuf[0] ? q->errbuf : curl_easy_strerror(rc);
}

/* A handshake that failed without a verdict on the certificate may be TLS
 * spoken to a plain-HTTP port. Ask that port once in plain HTTP, a HEAD
 * without the token (the probe's origin is not ours; req_start also skips the
 * header for it): an HTTP answer settles it. libcurl's words are kept in
 * errmsg meanwhile. Returns false when no probe can be made. */
static bool tls_probe_start(struct http_client *c, struct http_req *q)
{
    struct http_origin o;
    if (http_origin_parse(q->res->url, &o) != 0 || strcmp(o.scheme, "https") != 0)
        return false;
    struct buf b = {0};
    buf_printf(&b, "http://%s:%ld/", o.host, o.port);
    snprintf(q->res->errmsg, sizeof q->res->errmsg, "%s", curl_words(q, CURLE_SSL_CONNECT_ERROR));
    req_detach(c, q);
    q->probe_url = buf_steal(&b);
    q->not_before_ms = 0;
    return true;
}

static void tls_probe_done(struct http_client *c, struct http_req *q, CURLcode rc)
{
    /* A TLS server asked in plain HTTP answers too, but with 400 (nginx,
     * Apache, Go: "plain HTTP request sent to HTTPS port"): that answer
     * proves nothing, and the handshake failed for another reason. */
    bool plain_http =
        rc == CURLE_OK && q->res->status > 0 && q->res->status != HTTP_STATUS_BAD_REQUEST;
    if (c->opt.verbose)
        fprintf(c->opt.verbose, "omslog: HEAD %s (probe, no token) -> %s\n", q->probe_url,
                plain_http ? "an HTTP answer" : curl_words(q, rc));
    char words[sizeof q->res->errmsg];
    snprintf(words, sizeof words, "%s", q->res->errmsg);
    free(q->probe_url);
    q->probe_url = NULL;
    q->res->status = 0;
    result_clear_headers(q->res);
    if (plain_http)
        req_fail(c, q, HTTP_FAIL_TLS,
                 "this port speaks plain HTTP, not TLS: use http:// in --url if that is "
                 "intended, else the port where the server speaks HTTPS");
    else
        req_fail(c, q, HTTP_FAIL_TLS, "TLS handshake failed: %s", words);
}

/* Every TLS failure ends here: what went wrong in plain words and what to do,
 * from libcurl's result code and the certificate verdict (never its text). */
static void http_tls_failure(struct http_client *c, struct http_req *q, CURLcode rc)
{
    long verdict = TLS_X509_OK;
    curl_easy_getinfo(q->easy, CURLINFO_SSL_VERIFYRESULT, &verdict);
    switch (rc == CURLE_PEER_FAILED_VERIFICATION ? verdict : -1) {
    case TLS_X509_UNABLE_TO_GET_ISSUER_CERT:
    case TLS_X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case TLS_X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate is signed by an authority (CA) this machine does "
                 "not trust, such as a private company CA: " TLS_CACERT_HINT
                 " " TLS_INSECURE_HINT);
        return;
    case TLS_X509_DEPTH_ZERO_SELF_SIGNED_CERT:
    case TLS_X509_SELF_SIGNED_CERT_IN_CHAIN:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate is self-signed: if you trust it, " TLS_CACERT_HINT
                 " " TLS_INSECURE_HINT);
        return;
    case TLS_X509_CERT_HAS_EXPIRED:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate has expired (or this machine's clock is wrong): "
                 "the server's administrator must renew it " TLS_INSECURE_HINT);
        return;
    case TLS_X509_CERT_NOT_YET_VALID:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate is not valid yet: check this machine's clock");
        return;
    case TLS_X509_OK:
    case TLS_CURL_NOT_VERIFIED:
    case TLS_X509_HOSTNAME_MISMATCH:
    case TLS_X509_IP_ADDRESS_MISMATCH:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate is for another name than the host in --url: use "
                 "a name the certificate lists " TLS_INSECURE_HINT);
        return;
    case -1:
        break;
    default:
        req_fail(c, q, HTTP_FAIL_TLS,
                 "the server's certificate was refused (OpenSSL verify error %ld): %s", verdict,
                 curl_words(q, rc));
        return;
    }
    if (rc == CURLE_SSL_CACERT_BADFILE)
        req_fail(c, q, HTTP_FAIL_TLS,
                 "cannot load the CA certificates (--cacert/ca_file, SSL_CERT_FILE, SSL_CERT_DIR "
                 "or CURL_CA_BUNDLE): check that it is a PEM file: %s",
                 curl_words(q, rc));
    else if (rc == CURLE_SSL_CERTPROBLEM)
        req_fail(c, q, HTTP_FAIL_TLS, "cannot use the client certificate (--cert/--key): %s",
                 curl_words(q, rc));
    else if (rc != CURLE_SSL_CONNECT_ERROR || !tls_probe_start(c, q))
        req_fail(c, q, HTTP_FAIL_TLS, "TLS handshake failed: %s", curl_words(q, rc));
}

/* The one reading of libcurl's error text: a broken chunked encoding and a
 * connection reset are both CURLE_RECV_ERROR, told apart only by the words
 * ("Illegal or missing hexadecimal sequence in chunked-encoding" in 7.x,
 * "chunk hex-length char not a hex digit" in 8.x; both name the chunk). */
static bool is_bad_framing(CURLcode rc, const char *errbuf)
{
    static const char word[] = "chunk";
    if (rc != CURLE_RECV_ERROR)
        return false;
    for (const char *p = errbuf; *p; p++) {
        size_t i = 0;
        while (i < sizeof word - 1 && p[i] && (p[i] | 0x20) == word[i])
            i++;
        if (i == sizeof word - 1)
            return true;
    }
    return false;
}

static void fail_too_large(struct http_client *c, struct http_req *q)
{
    char size[32];
    size_text(c->opt.max_body, size, sizeof size);
    req_fail(c, q, HTTP_FAIL_TOO_LARGE, "response larger than %s", size);
}

static void on_timeout(struct http_client *c, struct http_req *q, CURLcode rc, int64_t elapsed)
{
    const struct http_options *o = &c->opt;
    curl_off_t connect_us = 0;
    curl_easy_getinfo(q->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    char secs[32];
    /* curl says only "timed out"; which limit fired follows from the elapsed
     * time and whether a connection was made. */
    if (elapsed + HTTP_TIMEOUT_SLACK_MS >= o->timeout_ms) {
        format_seconds(o->timeout_ms, secs, sizeof secs);
        req_fail(c, q, HTTP_FAIL_TIMEOUT, "timed out after %s", secs);
    } else if (connect_us == 0) {
        format_seconds(o->connect_timeout_ms, secs, sizeof secs);
        req_fail(c, q, HTTP_FAIL_TIMEOUT, "connect timeout after %s", secs);
    } else if (o->low_speed_time_s > 0) {
        req_fail(c, q, HTTP_FAIL_TIMEOUT, "low-speed timeout: no data for %ld s",
                 o->low_speed_time_s);
    } else {
        req_fail(c, q, HTTP_FAIL_TIMEOUT, "timed out: %s", curl_words(q, rc));
    }
}

/* A forward proxy (https_proxy, HTTPS_PROXY: libcurl reads them, and
 * NO_PROXY) that answered CONNECT with an error: no retry helps, and the
 * words must not repeat the proxy's URL, which may hold its password.
 * Returns whether the request ended here. */
static bool http_proxy_failure(struct http_client *c, struct http_req *q)
{
    long code = 0;
    curl_easy_getinfo(q->easy, CURLINFO_HTTP_CONNECTCODE, &code);
    if (code < HTTP_STATUS_MULTIPLE_CHOICES)
        return false;
    bool auth = code == HTTP_STATUS_PROXY_AUTH || code == HTTP_STATUS_UNAUTHORIZED;
    req_fail(c, q, HTTP_FAIL_CONNECT,
             "the proxy refused to open a tunnel to the server (CONNECT answered %ld): %s", code,
             auth ? "check the user and password in https_proxy or HTTPS_PROXY"
                  : "check https_proxy, HTTPS_PROXY and NO_PROXY");
    return true;
}

static void on_transport_error(struct http_client *c, struct http_req *q, CURLcode rc,
                               int64_t elapsed)
{
    if (http_proxy_failure(c, q))
        return;
    switch (rc) {
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        /* The connection broke after it was made: worth another try. */
        if (is_bad_framing(rc, q->errbuf)) {
            req_fail(c, q, HTTP_FAIL_BAD_RESPONSE, "broken chunked encoding: %s",
                     curl_words(q, rc));
            return;
        }
        if (can_retry(c, q)) {
            req_detach(c, q);
            char words[HTTP_ORIGIN_TEXT_MAX + 64];
            origin_words(q, "connection reset by", "", words, sizeof words);
            if (schedule_retry(c, q, backoff_ms(c, q->retries_used), "connection reset", words))
                return;
        }
        req_fail(c, q, HTTP_FAIL_CONNECT, "connection reset: %s", curl_words(q, rc));
        return;
    case CURLE_COULDNT_CONNECT:
        /* Refused or unreachable: retrying only delays the message. */
        req_fail(c, q, HTTP_FAIL_CONNECT, "cannot connect: %s", curl_words(q, rc));
        return;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        req_fail(c, q, HTTP_FAIL_DNS, "host name did not resolve: %s", curl_words(q, rc));
        return;
    case CURLE_OPERATION_TIMEDOUT:
        on_timeout(c, q, rc, elapsed);
        return;
    case CURLE_PARTIAL_FILE:
        req_fail(c, q, HTTP_FAIL_TRUNCATED, "body ended early: %s", curl_words(q, rc));
        return;
    case CURLE_FILESIZE_EXCEEDED:
        fail_too_large(c, q);
        return;
    case CURLE_WRITE_ERROR:
        if (q->too_large) {
            fail_too_large(c, q);
            return;
        }
        break;
    case CURLE_BAD_CONTENT_ENCODING:
        req_fail(c, q, HTTP_FAIL_BAD_RESPONSE,
                 "the body's Content-Encoding is unknown or does not decode: %s",
                 curl_words(q, rc));
        return;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: /* an HTTP/0.9 reply: the URL's scheme was checked */
        req_fail(c, q, HTTP_FAIL_BAD_RESPONSE, "malformed HTTP reply: %s", curl_words(q, rc));
        return;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl refuses a header line or header block above its limit
         * (100 KB) with this code; a reply had started when the status is known. */
        if (q->res->status > 0 || q->headers_seen) {
            req_fail(c, q, HTTP_FAIL_BAD_RESPONSE, "response headers too large");
            return;
        }
        break;
    default:
        if (is_tls_error(rc)) {
            http_tls_failure(c, q, rc);
            return;
        }
        break;
    }
    if (q->errbuf[0])
        req_fail(c, q, HTTP_FAIL_OTHER, "%s: %s", curl_easy_strerror(rc), q->errbuf);
    else
        req_fail(c, q, HTTP_FAIL_OTHER, "%s", curl_easy_strerror(rc));
}

static void on_done(struct http_client *c, struct http_req *q, CURLcode rc)
{
    long status = 0, nconn = 0;
    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(q->easy, CURLINFO_NUM_CONNECTS, &nconn);
    c->connections += nconn;
    q->res->status = status;
    int64_t elapsed = now_ms() - q->attempt_ms;
    if (q->probe_url) {
        tls_probe_done(c, q, rc);
        return;
    }
    if (c->opt.verbose) {
        double ms = 0;
        curl_off_t us = 0;
        if (curl_easy_getinfo(q->easy, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
            ms = (double)us / HTTP_MS_PER_S;
        const char *conn = nconn > 0 ? "new" : "reused";
        if (rc == CURLE_OK)
            fprintf(c->opt.verbose, "omslog: GET %s -> %ld (%.1f ms, %zu bytes, conn %s)\n",
                    q->res->url, status, ms, q->res->body.len, conn);
        else
            fprintf(c->opt.verbose, "omslog: GET %s -> failed: %s (%.1f ms, conn %s)\n",
                    q->res->url, curl_words(q, rc), ms, conn);
    }
    if (rc != CURLE_OK) {
        on_transport_error(c, q, rc, elapsed);
        return;
    }
    req_detach(c, q);
    on_response(c, q);
}

/* Handle every transfer curl reports finished. Returns how many. */
static int collect_done(struct http_client *c)
{
    int n = 0, left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = m->data.result; /* m is invalid once the handle is removed */
        struct http_req *q = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
        if (q) {
            on_done(c, q, rc);
            n++;
        }
    }
    return n;
}

/* ---- public API ------------------------------------------------------- */

static long positive_or(long v, long dflt)
{
    return v > 0 ? v : dflt;
}

static bool has_control_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

struct http_client *http_client_new(const struct http_options *o, struct omslog_error *err)
{
    if (!curl_initialised) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            error_set(err, OMSLOG_ERR_INTERNAL, "cannot initialise libcurl");
            return NULL;
        }
        curl_initialised = true;
    }
    struct http_origin origin = {0};
    if (o->origin_url && http_origin_parse(o->origin_url, &origin) != 0) {
        error_set(err, OMSLOG_ERR_CONFIG,
                  "invalid URL \"%s\": expected http://host[:port] or https://host[:port]",
                  o->origin_url);
        return NULL;
    }
    if (o->token && (!*o->token || has_control_chars(o->token))) {
        error_set(err, OMSLOG_ERR_CONFIG, "the token is empty or contains control characters");
        return NULL;
    }
    CURLM *multi = curl_multi_init();
    /* libcurl keeps 4 idle connections per transfer *currently added* by
     * default: when only one or two run (the tail of a burst, a slow page),
     * it closes idle ones that the next burst then reopens. One connection
     * per parallel slot is what a bounded client needs, so keep exactly
     * that many. Unlimited parallelism keeps libcurl's own rule. */
    if (multi && o->max_parallel > 0 &&
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, o->max_parallel) != CURLM_OK) {
        curl_multi_cleanup(multi);
        multi = NULL;
    }
    if (!multi) {
        error_set(err, OMSLOG_ERR_INTERNAL, "cannot create a libcurl multi handle");
        return NULL;
    }
    struct http_client *c = xcalloc(1, sizeof *c);
    c->multi = multi;
    c->opt = *o;
    c->has_origin = o->origin_url != NULL;
    c->origin = origin;
    c->origin_url = o->origin_url ? xstrdup(o->origin_url) : NULL;
    c->opt.origin_url = c->origin_url;
    tls_copy_options(c);
    c->opt.token = NULL; /* only auth_header keeps it, and it is wiped on free */
    if (o->token) {
        struct buf b = {0};
        buf_printf(&b, "Authorization: Token %s", o->token);
        c->auth_header = buf_steal(&b);
    }
    c->opt.connect_timeout_ms =
        positive_or(o->connect_timeout_ms, HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
    c->opt.timeout_ms = positive_or(o->timeout_ms, HTTP_DEFAULT_TIMEOUT_MS);
    c->opt.low_speed_time_s = o->low_speed_time_s > 0 ? o->low_speed_time_s : 0;
    c->opt.retries = o->retries > 0 ? o->retries : 0;
    c->opt.backoff_base_ms = positive_or(o->backoff_base_ms, HTTP_DEFAULT_BACKOFF_BASE_MS);
    c->opt.backoff_max_ms = positive_or(o->backoff_max_ms, HTTP_DEFAULT_BACKOFF_MAX_MS);
    c->opt.max_retry_after_s = positive_or(o->max_retry_after_s, HTTP_DEFAULT_MAX_RETRY_AFTER_S);
    c->opt.max_body = o->max_body ? o->max_body : HTTP_DEFAULT_MAX_BODY;
    c->opt.retry_budget_ms = positive_or(o->retry_budget_ms, HTTP_DEFAULT_RETRY_BUDGET_MS);
    c->opt.max_parallel = o->max_parallel > 0 ? o->max_parallel : 0;
    http_aimd_init(&c->aimd, c->opt.max_parallel);
    c->next_id = 1;
    return c;
}

static void req_list_free(struct http_client *c, struct http_req *q)
{
    while (q) {
        struct http_req *next = q->next;
        req_detach(c, q);
        req_free(c, q);
        q = next;
    }
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    req_list_free(c, c->active);
    req_list_free(c, c->done_head);
    for (size_t i = 0; i < c->n_idle; i++)
        curl_easy_cleanup(c->idle[i]);
    curl_multi_cleanup(c->multi);
    free(c->wait_fds);
    free(c->poll_fds);
    if (c->auth_header) {
        explicit_bzero(c->auth_header, strlen(c->auth_header));
        free(c->auth_header);
    }
    free(c->origin_url);
    for (size_t i = 0; i < ARRAY_LEN(c->tls_files); i++)
        free(c->tls_files[i]);
    free(c);
}

int http_submit(struct http_client *c, const char *url, void *user, struct omslog_error *err)
{
    struct http_origin o;
    char *norm = NULL;
    if (origin_parse(url, &o, &norm) != 0) {
        error_set(err, OMSLOG_ERR_USAGE, "not an http or https URL: %s", url ? url : "(null)");
        return -1;
    }
    if (!client_allows(c, &o)) {
        char mine[OMSLOG_ERROR_MSG_MAX / 4];
        http_origin_text(&c->origin, mine, sizeof mine);
        error_set(err, OMSLOG_ERR_ORIGIN, "refusing %s: not on the configured origin %s", norm,
                  mine);
        free(norm);
        return -1;
    }
    struct http_req *q = xcalloc(1, sizeof *q);
    q->client = c;
    q->res = xcalloc(1, sizeof *q->res);
    q->res->id = c->next_id;
    c->next_id = c->next_id == INT_MAX ? 1 : c->next_id + 1;
    q->res->user = user;
    q->res->url = norm;
    q->res->retry_after_s = -1;
    q->state = REQ_WAITING;
    q->submitted_ms = q->not_before_ms = now_ms();
    struct http_req **pp = &c->active;
    while (*pp)
        pp = &(*pp)->next;
    *pp = q;
    c->n_active++;
    start_due(c);
    return q->res->id;
}

/* Take the finished request id out of the done queue, keeping the others. */
static struct http_result *take_done(struct http_client *c, int id)
{
    struct http_req *prev = NULL;
    for (struct http_req *q = c->done_head; q; prev = q, q = q->next) {
        if (q->res->id != id)
            continue;
        if (prev)
            prev->next = q->next;
        else
            c->done_head = q->next;
        if (c->done_tail == q)
            c->done_tail = prev;
        c->n_done--;
        struct http_result *r = q->res;
        free(q);
        return r;
    }
    return NULL;
}

void http_cancel(struct http_client *c, int id)
{
    for (struct http_req *q = c->active; q; q = q->next) {
        if (q->res->id == id) {
            req_detach(c, q);
            active_unlink(c, q);
            req_free(c, q);
            return;
        }
    }
    result_drop(c, take_done(c, id));
}

int http_wait(struct http_client *c, const int *extra_fds, int n_extra, int timeout_ms,
              bool *extra_ready)
{
    if (extra_ready)
        *extra_ready = false;
    if (n_extra < 0 || (n_extra > 0 && !extra_fds))
        n_extra = 0;
    long t = timeout_ms >= 0 ? timeout_ms : INT_MAX;
    if (c->n_done)
        t = 0; /* results are waiting to be picked up */
    long curl_t = -1;
    if (curl_multi_timeout(c->multi, &curl_t) == CURLM_OK && curl_t >= 0 && curl_t < t)
        t = curl_t;
    if (slot_free(c)) {
        int64_t now = now_ms();
        for (const struct http_req *q = c->active; q; q = q->next) {
            if (q->state != REQ_WAITING)
                continue;
            int64_t at = q->not_before_ms > c->hold_until_ms ? q->not_before_ms : c->hold_until_ms;
            int64_t due = at > now ? at - now : 0;
            if (due < t)
                t = (long)due;
        }
    }
    /* With nothing to wait for and no caller limit, waiting would never end. */
    if (t == INT_MAX && c->n_active == 0 && n_extra == 0)
        return 0;

    if ((size_t)n_extra > c->cap_fds) {
        c->wait_fds = xrealloc(c->wait_fds, (size_t)n_extra * sizeof *c->wait_fds);
        c->poll_fds = xrealloc(c->poll_fds, (size_t)n_extra * sizeof *c->poll_fds);
        c->cap_fds = (size_t)n_extra;
    }
    struct curl_waitfd *w = c->wait_fds;
    for (int i = 0; i < n_extra; i++)
        w[i] = (struct curl_waitfd){.fd = extra_fds[i], .events = CURL_WAIT_POLLIN};
    int numfds = 0;
    CURLMcode mc =
        curl_multi_poll(c->multi, n_extra ? w : NULL, (unsigned)n_extra, (int)t, &numfds);
    if (mc != CURLM_OK)
        return -1;
    if (n_extra && extra_ready) {
        /* Asked separately so a hang-up or error counts too (curl reports
         * only POLLIN): the caller must read to find out, or it would spin. */
        struct pollfd *p = c->poll_fds;
        for (int i = 0; i < n_extra; i++)
            p[i] = (struct pollfd){.fd = extra_fds[i], .events = POLLIN};
        if (poll(p, (nfds_t)n_extra, 0) > 0)
            for (int i = 0; i < n_extra; i++)
                if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
                    *extra_ready = true;
    }
    return 0;
}

void http_perform(struct http_client *c)
{
    for (int round = 0; round < HTTP_PERFORM_ROUNDS; round++) {
        int progress = start_due(c);
        int still = 0;
        curl_multi_perform(c->multi, &still);
        progress += collect_done(c);
        if (!progress)
            break;
    }
}

struct http_result *http_next_result(struct http_client *c)
{
    struct http_req *q = c->done_head;
    if (!q)
        return NULL;
    c->done_head = q->next;
    if (!c->done_head)
        c->done_tail = NULL;
    c->n_done--;
    struct http_result *r = q->res;
    free(q);
    return r;
}

size_t http_pending(const struct http_client *c)
{
    return c->n_active + c->n_done;
}

long http_in_flight_limit(const struct http_client *c)
{
    return c->opt.max_parallel > 0 ? c->aimd.limit : 0;
}

long http_connections_opened(const struct http_client *c)
{
    return c->connections;
}

void http_global_cleanup(void)
{
    if (curl_initialised) {
        curl_global_cleanup();
        curl_initialised = false;
    }
}

void http_set_notice(struct http_client *c, FILE *notice)
{
    c->opt.notice = notice;
}
