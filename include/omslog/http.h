/* http.h — HTTP GETs over libcurl's multi interface. The only libcurl user.
 *
 * Contract:
 * - One client owns one curl multi handle: its connection cache gives
 *   keep-alive reuse across requests; many transfers may be in flight.
 * - The one origin decision of omslog lives here: an origin is (scheme, host,
 *   port) as libcurl's own URL parser (curl_url) reads it — the parser that
 *   decides where a transfer connects — with scheme and host lowercased and
 *   the scheme's default port filled in. Only http and https have one.
 * - The token (Authorization: Token ...) is attached only to URLs whose origin
 *   equals options.origin_url's; http_submit refuses any other URL. Redirects
 *   are never followed by libcurl: a same-origin 301/302/303/307/308 is
 *   followed here (at most HTTP_MAX_REDIRECTS), one to another origin ends the
 *   request with HTTP_FAIL_ORIGIN, status = the 3xx, the target's origin in
 *   errmsg and the Location in location.
 * - Retries happen inside the client without blocking: 429 (and a 503 that
 *   carries one) after Retry-After (seconds or an HTTP-date; values above
 *   max_retry_after_s fail at once), other 502/503/504
 *   and connection resets after capped exponential backoff, up to
 *   1 + retries attempts, and only while the request's retry budget lasts
 *   (retry_budget_ms from its first attempt): a wait longer than what is left
 *   ends the request at once with the answer in hand. The caller sees only the
 *   final outcome. A response that breaks HTTP framing (bad chunked encoding,
 *   a bad Content-Length or Content-Encoding, headers too large) is not a
 *   network fault: HTTP_FAIL_BAD_RESPONSE, never retried.
 * - A Retry-After that is honoured holds every request of the client (one
 *   origin): none starts before it, retries included.
 * - max_parallel is a ceiling; the number of transfers allowed to run adapts
 *   (struct http_aimd below): a 429 or 503, or reply times that climb well
 *   above their baseline, halve it; each window of good replies adds one back.
 *   http_in_flight_limit says where it stands (api_room builds on it).
 * - A body is decoded (gzip, br, ...) as it arrives and refused as soon as the
 *   decoded bytes pass max_body: HTTP_FAIL_TOO_LARGE, errmsg "response larger
 *   than 32 MiB".
 * - Nothing here blocks except http_wait (up to its timeout).
 * - Results are handed out by http_next_result and owned by the caller
 *   (http_result_free). verbose lines go to options.verbose (never the token).
 * - A TLS handshake that fails without a certificate verdict on an https
 *   origin is followed by one probe: a plain-http HEAD to the same host:port
 *   without the Authorization header, so "plain HTTP on an HTTPS URL" is told
 *   apart from other handshake failures without reading libcurl's wording.
 * - HTTP/2: https transfers wait for a connection that may multiplex
 *   (CURLOPT_PIPEWAIT), so a burst shares one connection with an h2 server.
 * - The client copies the option strings; the caller keeps ownership of its
 *   struct http_options. A NULL origin_url allows any http/https URL and never
 *   sends the token.
 * - The first http_client_new calls curl_global_init, which is not
 *   thread-safe: create the first client before starting any thread.
 *   http_global_cleanup undoes it once no client is left (end of main, tests). */
#ifndef OMSLOG_HTTP_H
#define OMSLOG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "omslog/buf.h"
#include "omslog/error.h"

#define HTTP_MAX_REDIRECTS 5
#define HTTP_DEFAULT_MAX_BODY (32u * 1024u * 1024u)
#define HTTP_DEFAULT_RETRY_BUDGET_MS 60000L
#define HTTP_HOST_MAX 256
#define HTTP_ORIGIN_TEXT_MAX (HTTP_HOST_MAX + 32)

struct http_origin {
    char scheme[8];           /* "http" or "https" */
    char host[HTTP_HOST_MAX]; /* lowercased as curl holds it: IPv4 as a dotted quad,
                               * IPv6 in brackets ("[::1]"); a zone (interface name,
                               * case kept) as in the URL: "[fe80::1%25eth0]" */
    long port;                /* 1..65535, the scheme's default when none is written */
};

/* The origin of url; 0, or -1 (out untouched) when it does not parse, is not
 * http(s), or its host is not plain ASCII (letters, digits, "-._~"; an IPv6
 * literal) or does not fit. */
int http_origin_parse(const char *url, struct http_origin *out);
/* Whether url has base's origin: false when either does not parse. */
bool http_same_origin(const char *base, const char *url);
/* "https://oms.example.com", with ":port" only when it is not the default. */
void http_origin_text(const struct http_origin *o, char *out, size_t n);
/* 127.0.0.0/8, [::1], localhost or *.localhost: for the plain-http warning. */
bool http_origin_is_loopback(const struct http_origin *o);

struct http_options {
    const char *origin_url; /* the configured base: the only origin that gets the token */
    const char *token;      /* NULL: no Authorization header */
    long connect_timeout_ms;
    long timeout_ms;        /* whole transfer, per attempt */
    long low_speed_time_s;  /* abort if below 1 byte/s for this long (0: off) */
    long retries;           /* extra attempts */
    long backoff_base_ms;   /* first retry delay (default 250) */
    long backoff_max_ms;    /* cap (default 8000) */
    long max_retry_after_s; /* longest Retry-After honoured (default 120) */
    long retry_budget_ms;   /* time one request may spend retrying (0: default) */
    size_t max_body;        /* abort a decoded body larger than this (0: default) */
    long max_parallel;      /* transfers running at once (0: unlimited); more wait.
                             * Also the connections kept open: one per slot */
    bool insecure;          /* disable TLS verification */
    /* TLS trust and identity (NULL: libcurl's defaults, the system CA store).
     * TLS 1.2 is the minimum; a TLS failure's errmsg says in words what went
     * wrong and what to do (http_tls_failure in http.c). */
    const char *ca_file;   /* PEM CA certificates to trust (CURLOPT_CAINFO) */
    const char *ca_path;   /* directory of hashed CA certificates (CURLOPT_CAPATH) */
    const char *cert_file; /* client certificate (PEM), or NULL */
    const char *key_file;  /* its private key (PEM); NULL: in cert_file */
    FILE *verbose;         /* diagnostics, or NULL */
    FILE *notice;          /* "waiting N s before retry" lines for a person at a
                            * terminal (waits of a second or more), or NULL */
    /* Called with the user pointer of a request dropped without its result
     * handed out (http_cancel, http_client_free), so a submitter can attach
     * its own data to a request instead of keeping a table. NULL: none. */
    void (*free_user)(void *user);
};

enum http_failure {
    HTTP_FAIL_NONE = 0, /* a response arrived (any status) */
    HTTP_FAIL_CONNECT,  /* refused, reset, unreachable; a proxy refused CONNECT */
    HTTP_FAIL_DNS,
    HTTP_FAIL_TLS,
    HTTP_FAIL_TIMEOUT,
    HTTP_FAIL_TRUNCATED,    /* body ended early */
    HTTP_FAIL_ORIGIN,       /* redirect to another origin, or URL not of our origin */
    HTTP_FAIL_TOO_LARGE,    /* decoded body above max_body */
    HTTP_FAIL_BAD_RESPONSE, /* a reply that breaks HTTP framing or its encoding */
    HTTP_FAIL_CANCELLED,
    HTTP_FAIL_OTHER,
};

struct http_result {
    int id;
    void *user;
    char *url; /* the URL finally requested */
    enum http_failure failure;
    long status; /* HTTP status, 0 when no response */
    struct buf body;
    char *content_type;     /* NULL when absent */
    char *www_authenticate; /* NULL when absent */
    char *location;         /* redirect target as sent (sanitise before display) */
    long retry_after_s;     /* -1 when absent */
    int attempts;           /* 1 + retries made; redirect hops are not counted */
    double seconds;         /* total, all attempts */
    char errmsg[256];       /* transport error in words when failure != NONE */
};

/* The in-flight limit's controller (additive increase, multiplicative
 * decrease), pure so it is unit-tested without a network:
 * - a refusal (429, 503) halves the limit (min 1), at most once for the
 *   requests that were already running when it last went down; and the level
 *   the refused request started at (how many ran, itself included) minus one
 *   becomes a cap the limit does not grow past until HTTP_AIMD_CAP_REPLIES
 *   good replies came after the last refusal (counted in replies, not
 *   windows, so a limit pushed down to 1 by slowness does not lift it in a
 *   few replies): a server that refuses above N sees at most N after that;
 * - a sustained climb (the median of the last HTTP_AIMD_SAMPLES reply times
 *   above HTTP_AIMD_SLOW_FACTOR times the lowest such median seen, and by at
 *   least HTTP_AIMD_SLOW_MIN_S) halves it too; one slow reply does not;
 * - every `limit` good replies in a row (a window) add one, up to the ceiling.
 * Other replies (500, transport failures) change nothing. */
#define HTTP_AIMD_SAMPLES 8
/* Well above: deep pages of a real DRF server take ~3x a one-entry probe
 * (an OFFSET scan) without the server being in trouble. */
#define HTTP_AIMD_SLOW_FACTOR 4.0
#define HTTP_AIMD_SLOW_MIN_S 0.25
#define HTTP_AIMD_CAP_REPLIES 256

struct http_aimd {
    long ceiling, limit;
    long cap;             /* a refused level minus one; ceiling: none */
    long good;            /* good replies since the last window ended */
    long held;            /* good replies since the last refusal */
    int64_t decreased_ms; /* when the limit last went down */
    double recent[HTTP_AIMD_SAMPLES];
    size_t n_recent, next;
    double baseline; /* lowest median of a full window; 0: none yet */
};

void http_aimd_init(struct http_aimd *a, long ceiling);
/* One reply: its HTTP status, the attempt's duration, when it started and
 * the level it started at (0: unknown), at time now (ms, any monotonic
 * clock). Returns the limit afterwards. */
long http_aimd_reply(struct http_aimd *a, long status, double seconds, int64_t started_ms,
                     long level, int64_t now);

/* A Retry-After value in seconds from now_s (seconds since the epoch):
 * delay-seconds, or an HTTP-date (a date in the past: 0). -1 when it is
 * neither. */
long http_retry_after_parse(const char *value, int64_t now_s);

struct http_client;

struct http_client *http_client_new(const struct http_options *o, struct omslog_error *err);
void http_client_free(struct http_client *c);
/* Start a GET. Returns an id > 0, or -1 with err: OMSLOG_ERR_ORIGIN for a URL
 * of another origin, OMSLOG_ERR_USAGE for one that is not http(s) or does not
 * parse. */
int http_submit(struct http_client *c, const char *url, void *user, struct omslog_error *err);
/* Forget a request: no result will be delivered for it. */
void http_cancel(struct http_client *c, int id);
/* Wait until network activity, a retry timer, one of extra_fds being readable,
 * or timeout_ms. Sets *extra_ready when an extra fd is readable (or hung up).
 * Returns at once while finished results wait for http_next_result. A negative
 * timeout_ms sets no limit of its own (it returns at once when nothing at all
 * could end the wait). Returns 0, or -1 on a poll error other than EINTR. */
int http_wait(struct http_client *c, const int *extra_fds, int n_extra, int timeout_ms,
              bool *extra_ready);
/* Drive transfers and retry timers; never blocks. */
void http_perform(struct http_client *c);
/* Pop a finished request; returns NULL when none. */
struct http_result *http_next_result(struct http_client *c);
void http_result_free(struct http_result *r);
/* Requests submitted and not yet handed out (including waiting retries). */
size_t http_pending(const struct http_client *c);
/* Transfers allowed to run at once now (the adaptive limit, <= max_parallel);
 * 0: unlimited. */
long http_in_flight_limit(const struct http_client *c);
/* Number of TCP connections opened so far (for benchmarks and tests). */
long http_connections_opened(const struct http_client *c);
/* Where "waiting N s before retry" lines go from now on (options.notice). */
void http_set_notice(struct http_client *c, FILE *notice);
/* Release libcurl's global state (after the last http_client_free), so leak
 * checkers see a clean exit. Safe to call when nothing was initialised. */
void http_global_cleanup(void);

#endif
