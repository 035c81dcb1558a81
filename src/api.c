/* api.c — see include/omslog/api.h. Turns HTTP outcomes into the data model or
 * into one line of plain words; knows neither libcurl nor jansson. */
#include "omslog/api.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/decode.h"
#include "omslog/http.h"
#include "omslog/sanitize.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

#define API_EXCERPT_BYTES 120 /* of a non-JSON body quoted in an error */
#define API_DETAIL_BYTES 200  /* of a DRF "detail" quoted in an error */
#define API_MS_PER_S 1000L
#define API_WAIT_SLICE_MS 1000

/* What a request is for: attached to the http request as its user data
 * (http owns the table of requests in flight), freed when its result is
 * handed out or by http when the request is dropped. */
struct api_request {
    enum api_kind kind;
    long page_no;
    long page_size; /* API_PAGE: as asked, 0: the server's */
    int64_t entry_id;
    struct api_split *split; /* a part of a split page, or NULL */
    char extra[];            /* API_PAGE: the query after page and size ("&k=v..."), encoded */
};

/* A page of page_size S that came back larger than max_response, fetched
 * again as the pages of a smaller size (a divisor of S, so they cover the same
 * rows) one at a time, and handed out merged as page N of size S under the
 * caller's id: the walk and the store place it like the page they asked for.
 * A server that ignores the size (a part with more entries than asked), a
 * count that moves between parts, or a part of one entry that is still too
 * large end it with the first error. */
struct api_split {
    struct api_split *next;
    int id;               /* the caller's request: the merged page's id */
    int part_id;          /* the part in flight */
    long page_no, size;   /* as the caller asked */
    long part_size;       /* divides size */
    int64_t row, end_row; /* next row to fetch (0-based), end of the page */
    struct log_page acc;  /* the parts so far */
    size_t cap;           /* of acc.entries */
    bool have_count;
    char *extra;             /* the caller's query parameters, as api_request.extra */
    struct omslog_error err; /* the first error: what the caller gets on giving up */
};

struct api {
    char *endpoint;
    struct http_origin origin;
    char origin_text[HTTP_ORIGIN_TEXT_MAX];
    char *token_source;
    bool have_token;
    long max_parallel;
    FILE *verbose;
    struct api_split *splits;
    struct http_client *http;
};

struct api *api_new(const struct config *cfg, FILE *verbose, struct omslog_error *err)
{
    if (!cfg->url || !*cfg->url) {
        error_set(err, OMSLOG_ERR_CONFIG,
                  "no server configured: use --url, OMSLOG_URL or 'url =' in the config file");
        return NULL;
    }
    char *endpoint = url_endpoint(cfg->url, err);
    if (!endpoint)
        return NULL;
    struct api *a = xcalloc(1, sizeof *a);
    a->endpoint = endpoint;
    if (http_origin_parse(endpoint, &a->origin) != 0) {
        error_set(err, OMSLOG_ERR_CONFIG, "invalid URL \"%s\"", endpoint);
        api_free(a);
        return NULL;
    }
    http_origin_text(&a->origin, a->origin_text, sizeof a->origin_text);
    a->have_token = cfg->token && *cfg->token;
    a->token_source = xstrdup(cfg->token_source ? cfg->token_source : "the token");

    struct http_options o = {
        .origin_url = endpoint,
        .token = a->have_token ? cfg->token : NULL,
        .connect_timeout_ms = cfg->connect_timeout_s * API_MS_PER_S,
        .timeout_ms = cfg->timeout_s * API_MS_PER_S,
        .low_speed_time_s = cfg->low_speed_time_s,
        .retries = cfg->retries,
        .retry_budget_ms = cfg->retry_budget_s * API_MS_PER_S,
        .max_body = cfg->max_response > 0 ? (size_t)cfg->max_response : 0,
        .max_parallel = cfg->parallel,
        .insecure = cfg->insecure,
        .ca_file = cfg->ca_file,
        .ca_path = cfg->ca_path,
        .cert_file = cfg->cert_file,
        .key_file = cfg->key_file,
        .verbose = verbose,
        .free_user = free,
    };
    a->max_parallel = cfg->parallel;
    a->verbose = verbose;
    a->http = http_client_new(&o, err);
    if (!a->http) {
        api_free(a);
        return NULL;
    }
    return a;
}

void api_free(struct api *a)
{
    if (!a)
        return;
    if (a->http)
        http_client_free(a->http);
    while (a->splits) {
        struct api_split *s = a->splits;
        a->splits = s->next;
        log_page_free(&s->acc);
        free(s->extra);
        free(s);
    }
    free(a->endpoint);
    free(a->token_source);
    free(a);
}

const char *api_endpoint(const struct api *a)
{
    return a->endpoint;
}

const struct http_origin *api_origin(const struct api *a)
{
    return &a->origin;
}

/* extra: the query parameters past page and size, already encoded, or NULL. */
static int api_submit(struct api *a, char *url, const struct api_request *r, const char *extra,
                      struct omslog_error *err)
{
    size_t n = extra ? strlen(extra) : 0;
    struct api_request *q = xmalloc(sizeof *q + n + 1);
    *q = *r;
    memcpy(q->extra, extra ? extra : "", n + 1);
    int id = http_submit(a->http, url, q, err);
    free(url);
    if (id < 0)
        free(q);
    return id;
}

/* The URL of a page with extra (encoded, as api_request.extra) after it. */
static char *api_page_url(const struct api *a, long page, long page_size, const char *extra)
{
    char *base = url_page(a->endpoint, page, page_size, NULL, 0);
    if (!extra || !*extra)
        return base;
    struct buf b = {0};
    buf_appends(&b, base);
    buf_appends(&b, extra);
    free(base);
    return buf_steal(&b);
}

int api_request_page(struct api *a, long page, long page_size, const struct url_param *params,
                     size_t n_params, struct omslog_error *err)
{
    struct api_request r = {.kind = API_PAGE, .page_no = page, .page_size = page_size};
    char *url = url_page(a->endpoint, page, page_size, params, n_params);
    /* url_page puts the params after page and size: what follows the URL
     * without them is the encoded extra a split asks every part with. */
    char *base = url_page(a->endpoint, page, page_size, NULL, 0);
    int id = api_submit(a, url, &r, url + strlen(base), err);
    free(base);
    return id;
}

int api_request_entry(struct api *a, int64_t id, struct omslog_error *err)
{
    struct api_request r = {.kind = API_ENTRY, .entry_id = id};
    return api_submit(a, url_entry(a->endpoint, id), &r, NULL, err);
}

static void api_split_drop(struct api *a, struct api_split *s)
{
    for (struct api_split **pp = &a->splits; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    log_page_free(&s->acc);
    free(s->extra);
    free(s);
}

void api_cancel(struct api *a, int id)
{
    for (struct api_split *s = a->splits; s; s = s->next) {
        if (s->id == id) {
            http_cancel(a->http, s->part_id); /* frees its api_request */
            api_split_drop(a, s);
            return;
        }
    }
    http_cancel(a->http, id); /* frees the api_request (free_user) */
}

long api_room(const struct api *a)
{
    long limit = http_in_flight_limit(a->http);
    return (limit > 0 ? limit : a->max_parallel) - (long)http_pending(a->http);
}

void api_set_notice(struct api *a, FILE *notice)
{
    http_set_notice(a->http, notice);
}

int api_wait(struct api *a, const int *extra_fds, int n_extra, int timeout_ms, bool *extra_ready)
{
    return http_wait(a->http, extra_fds, n_extra, timeout_ms, extra_ready);
}

/* Server text quoted in a message: one line, sanitised, bounded. */
static void api_quote(struct buf *out, const char *s, size_t len, size_t max)
{
    size_t keep = utf8_prefix(s, len, max);
    bool cut = keep < len;
    struct buf tmp = {0};
    sanitize_append(&tmp, s, keep, SANITIZE_ONE_LINE);
    /* Collapse runs of spaces so an HTML page reads as a short excerpt. */
    bool space = false;
    for (size_t i = 0; i < tmp.len; i++) {
        char c = tmp.data[i];
        if (c == ' ' && space)
            continue;
        space = c == ' ';
        buf_putc(out, c);
    }
    buf_free(&tmp);
    if (cut)
        buf_appends(out, "...");
}

/* The DRF "detail" of an error body, or an excerpt of the body. */
static void api_describe_body(struct buf *out, const struct http_result *r)
{
    char detail[API_DETAIL_BYTES + 1];
    if (decode_error_detail(r->body.data ? r->body.data : "", r->body.len, detail,
                            sizeof detail) == 0) {
        api_quote(out, detail, strlen(detail), API_DETAIL_BYTES);
        return;
    }
    const char *b = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    while (len && (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')) {
        b++;
        len--;
    }
    if (!len) {
        buf_appends(out, "empty body");
        return;
    }
    buf_appends(out, "body starts: \"");
    api_quote(out, b, len, API_EXCERPT_BYTES);
    buf_putc(out, '"');
}

static void api_transport_error(struct api *a, const struct api_request *q,
                                const struct http_result *r, struct omslog_error *err)
{
    struct buf why = {0};
    api_quote(&why, r->errmsg, strlen(r->errmsg), sizeof r->errmsg);
    const char *host = a->origin_text;
    switch (r->failure) {
    case HTTP_FAIL_CONNECT:
        error_set(err, OMSLOG_ERR_CONNECT,
                  "cannot connect to %s (%s): is the server up, and is --url right?", host,
                  buf_str(&why));
        break;
    case HTTP_FAIL_DNS:
        error_set(err, OMSLOG_ERR_DNS,
                  "cannot resolve the host of %s (%s): check the host name in --url", host,
                  buf_str(&why));
        break;
    case HTTP_FAIL_TLS:
        error_set(err, OMSLOG_ERR_TLS, "TLS failure talking to %s: %s", host, buf_str(&why));
        break;
    case HTTP_FAIL_TIMEOUT:
        error_set(err, OMSLOG_ERR_TIMEOUT,
                  "request to %s timed out (%s): the server is slow or unreachable; "
                  "see --timeout",
                  host, buf_str(&why));
        break;
    case HTTP_FAIL_TRUNCATED:
        error_set(err, OMSLOG_ERR_PROTOCOL,
                  "the response from %s was cut short (%s): the connection dropped; try again",
                  host, buf_str(&why));
        break;
    case HTTP_FAIL_ORIGIN: {
        struct buf loc = {0}, shown = {0};
        if (r->location) {
            /* A Location may carry credentials or a signed query (an SSO hop). */
            url_redact(&shown, r->location, strlen(r->location));
            api_quote(&loc, buf_str(&shown), shown.len, API_EXCERPT_BYTES);
        }
        buf_free(&shown);
        error_set(err, OMSLOG_ERR_ORIGIN,
                  "%s redirected to another origin (%s); refusing to send the API token "
                  "there: point --url at the final address",
                  host, loc.len ? buf_str(&loc) : buf_str(&why));
        buf_free(&loc);
        break;
    }
    case HTTP_FAIL_TOO_LARGE:
        /* A page holds page_size entries: fewer make it smaller. */
        error_set(err, OMSLOG_ERR_PROTOCOL,
                  "%s from %s: stopped reading it; if entries are that large, %sraise "
                  "--max-response",
                  buf_str(&why), host,
                  q->kind == API_PAGE ? "ask for fewer a page (--page-size) or " : "");
        break;
    case HTTP_FAIL_BAD_RESPONSE:
        error_set(err, OMSLOG_ERR_PROTOCOL,
                  "bad response from %s (%s): the server or a proxy in between sent a broken "
                  "HTTP reply",
                  host, buf_str(&why));
        break;
    case HTTP_FAIL_CANCELLED:
        error_set(err, OMSLOG_ERR_INTERNAL, "request cancelled");
        break;
    default:
        if (r->status >= 300 && r->status < 400) {
            /* An unusable Location or a redirect loop: the server's answer is
             * wrong, the connection is fine. */
            error_set(err, OMSLOG_ERR_PROTOCOL,
                      "%s answered with a redirect omslog cannot follow (%s): check --url", host,
                      buf_str(&why));
            break;
        }
        error_set(err, OMSLOG_ERR_CONNECT, "request to %s failed (%s)", host, buf_str(&why));
        break;
    }
    buf_free(&why);
}

static void api_status_error(struct api *a, const struct api_request *q,
                             const struct http_result *r, struct omslog_error *err)
{
    struct buf body = {0};
    api_describe_body(&body, r);
    const char *d = buf_str(&body);
    const char *host = a->origin_text;
    long st = r->status;
    if (st == 401) {
        if (!a->have_token)
            error_set(err, OMSLOG_ERR_AUTH,
                      "authentication required (401: %s): set OMSLOG_TOKEN, --token-file "
                      "or 'token =' in the config file",
                      d);
        else
            error_set(err, OMSLOG_ERR_AUTH,
                      "authentication failed (401: %s): check the API token from %s", d,
                      a->token_source);
    } else if (st == 403) {
        error_set(err, OMSLOG_ERR_AUTH,
                  "access denied (403: %s): check that the API token from %s is valid and "
                  "may read action logs",
                  d, a->token_source);
    } else if (st == 404 && q->kind == API_ENTRY) {
        error_set(err, OMSLOG_ERR_NOT_FOUND, "log %" PRId64 " not found", q->entry_id);
    } else if (st == 404 && strstr(d, "Invalid page")) {
        error_set(err, OMSLOG_ERR_NOT_FOUND, "page %ld is past the end of the log (404: %s)",
                  q->page_no, d);
    } else if (st == 404) {
        error_set(err, OMSLOG_ERR_NOT_FOUND,
                  "%s has no action-log API at %s (404: %s): check --url", host, a->endpoint, d);
    } else if (st == 400) {
        error_set(err, OMSLOG_ERR_BAD_REQUEST, "the server rejected the request (400: %s)", d);
    } else if (st == 429) {
        char wait[64] = "";
        if (r->retry_after_s >= 0)
            snprintf(wait, sizeof wait, " (it asked to wait %ld s)", r->retry_after_s);
        error_set(err, OMSLOG_ERR_RATE_LIMIT,
                  "rate limited by %s (429: %s) after %d attempt%s%s: wait and try again", host, d,
                  r->attempts, r->attempts == 1 ? "" : "s", wait);
    } else if (st >= 500) {
        error_set(err, OMSLOG_ERR_SERVER,
                  "server error %ld from %s after %d attempt%s (%s): the server is failing; "
                  "try again later",
                  st, host, r->attempts, r->attempts == 1 ? "" : "s", d);
    } else {
        error_set(err, OMSLOG_ERR_SERVER, "unexpected HTTP status %ld from %s (%s)", st, host, d);
    }
    buf_free(&body);
}

static void api_finish(struct api *a, const struct api_request *q, struct http_result *r,
                       struct api_result *out)
{
    memset(out, 0, sizeof *out);
    out->id = r->id;
    out->kind = q->kind;
    out->page_no = q->page_no;
    out->entry_id = q->entry_id;
    struct omslog_error *err = &out->err;
    error_clear(err);

    if (r->failure != HTTP_FAIL_NONE) {
        api_transport_error(a, q, r, err);
        return;
    }
    if (r->status != 200) {
        api_status_error(a, q, r, err);
        return;
    }
    struct omslog_error derr = {0};
    const char *body = r->body.data ? r->body.data : "";
    enum decode_failure why = q->kind == API_PAGE
                                  ? decode_page(body, r->body.len, &out->page, &derr)
                                  : decode_entry(body, r->body.len, &out->entry, &derr);
    if (why != DECODE_OK) {
        struct buf ex = {0};
        if (why == DECODE_NOT_JSON) {
            api_describe_body(&ex, r);
            error_set(err, OMSLOG_ERR_PROTOCOL, "invalid response from %s (HTTP 200): %s; %s",
                      a->origin_text, derr.msg, buf_str(&ex));
        } else {
            error_set(err, OMSLOG_ERR_PROTOCOL, "invalid response from %s: %s", a->origin_text,
                      derr.msg);
        }
        buf_free(&ex);
        return;
    }
    if (q->kind == API_ENTRY && out->entry.id != q->entry_id) {
        error_set(err, OMSLOG_ERR_PROTOCOL,
                  "invalid response from %s: asked for log %" PRId64 ", got log %" PRId64,
                  a->origin_text, q->entry_id, out->entry.id);
        log_entry_free(&out->entry);
    }
}

/* The largest divisor of size below it (1 for a prime): parts of that size
 * cover a page of size exactly. */
static long api_part_size(long size)
{
    for (long d = size / 2; d > 1; d--)
        if (size % d == 0)
            return d;
    return 1;
}

/* Request the part that starts at s->row. */
static bool api_split_submit(struct api *a, struct api_split *s)
{
    struct api_request r = {.kind = API_PAGE,
                            .page_no = (long)(s->row / s->part_size) + 1,
                            .page_size = s->part_size,
                            .split = s};
    struct omslog_error err = {0};
    if (a->verbose)
        fprintf(a->verbose, "omslog: page %ld asked as pages of %ld: page %ld\n", s->page_no,
                s->part_size, r.page_no);
    s->part_id =
        api_submit(a, api_page_url(a, r.page_no, r.page_size, s->extra), &r, s->extra, &err);
    return s->part_id > 0;
}

/* Hand out what the split ends with: the merged page, or out's error, or
 * (give_up) the first error. */
static void api_split_end(struct api *a, struct api_split *s, struct api_result *out, bool merged,
                          bool give_up)
{
    out->id = s->id;
    out->page_no = s->page_no;
    if (merged) {
        log_page_free(&out->page);
        out->page = s->acc;
        memset(&s->acc, 0, sizeof s->acc);
    } else if (give_up) {
        log_page_free(&out->page);
        out->err = s->err;
    }
    api_split_drop(a, s);
}

/* A part arrived (out: its result, decoded). Returns true when out is now
 * the caller's: the merged page or the error the split ends with. */
static bool api_split_part(struct api *a, struct api_split *s, const struct http_result *r,
                           struct api_result *out)
{
    struct log_page *p = &out->page;
    if (r->failure == HTTP_FAIL_TOO_LARGE && s->part_size > 1) {
        s->part_size = api_part_size(s->part_size);
        if (api_split_submit(a, s))
            return false;
    }
    if (out->err.status != OMSLOG_OK) {
        api_split_end(a, s, out, false, r->failure == HTTP_FAIL_TOO_LARGE);
        return true;
    }
    bool ignored = p->n > (size_t)s->part_size || (p->next && p->n < (size_t)s->part_size);
    if (ignored || (s->have_count && p->count != s->acc.count)) {
        api_split_end(a, s, out, false, true);
        return true;
    }
    if (!s->have_count) {
        s->acc.previous = p->previous;
        p->previous = NULL;
    }
    s->have_count = true;
    s->acc.count = p->count;
    if (p->n) {
        ARRAY_GROW(s->acc.entries, s->cap, s->acc.n + p->n);
        memcpy(s->acc.entries + s->acc.n, p->entries, p->n * sizeof *p->entries);
        s->acc.n += p->n;
    }
    s->row += (int64_t)p->n;
    free(p->entries);
    p->entries = NULL;
    bool last = !p->next || s->row >= s->end_row;
    if (last) {
        free(s->acc.next);
        s->acc.next = p->next;
        p->next = NULL;
    }
    if (last || !api_split_submit(a, s)) {
        p->n = 0;
        api_split_end(a, s, out, last, !last);
        return true;
    }
    p->n = 0;
    log_page_free(p);
    return false;
}

/* A page too large for max_response, asked with a size that can shrink:
 * start a split. Returns true when that could not start (out stays). */
static bool api_split_start(struct api *a, const struct api_request *q, struct api_result *out)
{
    struct api_split *s = xcalloc(1, sizeof *s);
    s->id = out->id;
    s->page_no = q->page_no;
    s->size = q->page_size;
    s->part_size = api_part_size(q->page_size);
    s->row = (int64_t)(q->page_no - 1) * q->page_size;
    s->end_row = s->row + q->page_size;
    s->err = out->err;
    s->extra = xstrdup(q->extra);
    s->next = a->splits;
    a->splits = s;
    if (api_split_submit(a, s))
        return false;
    api_split_drop(a, s);
    return true;
}

bool api_poll(struct api *a, struct api_result *out)
{
    http_perform(a->http);
    struct http_result *r;
    while ((r = http_next_result(a->http)) != NULL) {
        struct api_request *q = r->user;
        if (!q) {
            http_result_free(r); /* not submitted by us */
            continue;
        }
        api_finish(a, q, r, out);
        bool ready = true;
        if (q->split)
            ready = api_split_part(a, q->split, r, out);
        else if (q->kind == API_PAGE && r->failure == HTTP_FAIL_TOO_LARGE && q->page_size > 1 &&
                 q->page_no > 0)
            ready = api_split_start(a, q, out);
        free(q);
        http_result_free(r);
        if (ready)
            return true;
    }
    return false;
}

void api_result_free(struct api_result *r)
{
    log_page_free(&r->page);
    log_entry_free(&r->entry);
}

/* Wait for one request; other results arriving meanwhile are dropped, so the
 * blocking calls are for callers with nothing else in flight. */
static int api_wait_for(struct api *a, int id, struct api_result *res)
{
    for (;;) {
        while (api_poll(a, res)) {
            if (res->id == id)
                return 0;
            api_result_free(res);
        }
        api_wait(a, NULL, 0, API_WAIT_SLICE_MS, NULL);
    }
}

int api_get_entry(struct api *a, int64_t id, struct log_entry *out, struct omslog_error *err)
{
    memset(out, 0, sizeof *out);
    int rid = api_request_entry(a, id, err);
    if (rid < 0)
        return err ? (int)err->status : OMSLOG_ERR_INTERNAL;
    struct api_result res;
    api_wait_for(a, rid, &res);
    if (res.err.status != OMSLOG_OK) {
        if (err)
            *err = res.err;
        api_result_free(&res);
        return res.err.status;
    }
    *out = res.entry;
    memset(&res.entry, 0, sizeof res.entry);
    api_result_free(&res);
    return OMSLOG_OK;
}
