/* fuzz_url.c — the base URL check (url_endpoint), the origin decision
 * (http_origin_parse, http_same_origin) and url_query_get on arbitrary text.
 *
 * fuzz-sources: src/url.c src/http.c src/buf.c src/util.c src/error.c src/utf8.c
 * fuzz-pkgs: libcurl
 *
 * Input: "URL", or "URL\nKEY", or "URL\nKEY\nVALUE" (VALUE may hold further
 * newlines), so a seed file is just a URL; KEY is also read as a second URL.
 * Checks the contracts of url.h and of http.h's origins:
 *   - http_origin_parse: on success an http(s) scheme, a non-empty lowercase
 *     host, a port in 1..65535, and http_origin_text parses back to the same
 *     origin; on failure *out untouched. http_same_origin is reflexive on
 *     what parses, false on what does not, and symmetric.
 *   - url_endpoint: refused with a message of printable ASCII that never
 *     quotes credentials ("user:pass@"), or accepted only without query or
 *     fragment and with an origin curl reads; the endpoint ends in the API
 *     path, curl reads it as the base's origin (rebuilding the base never
 *     moves the token elsewhere), and it is its own endpoint (idempotent).
 *   - url_query_get on the raw URL with KEY; and a parameter KEY=VALUE added
 *     by url_page is read back unchanged by url_query_get. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "omslog/error.h"
#include "omslog/http.h"
#include "omslog/url.h"

#include "fuzz_util.h"

#define URL_SCHEME_SEP "://"
#define REDACTED "***"
#define FIXED_ENDPOINT "https://oms.example.com" URL_API_PATH
#define PORT_MAX 65535

/* The userinfo of url ("user:pass" of "http://user:pass@host/"), or NULL. */
static const char *userinfo(const char *url, size_t *len)
{
    const char *sep = strstr(url, URL_SCHEME_SEP);
    if (!sep)
        return NULL;
    const char *auth = sep + strlen(URL_SCHEME_SEP);
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    if (!at)
        return NULL;
    *len = (size_t)(at - auth);
    return auth;
}

/* An error message quoting url must not reveal its credentials: neither the
 * "user:pass@" text nor, when the URL has any, an '@' followed by the host. */
static void check_message(const struct omslog_error *err, const char *url)
{
    FUZZ_CHECK(err->status == OMSLOG_ERR_CONFIG, "URL errors are configuration errors");
    FUZZ_CHECK(err->msg[0] != '\0', "the error says something");
    FUZZ_CHECK(fuzz_printable_ascii(err->msg), "the error is one line of printable ASCII");
    size_t ulen;
    const char *ui = userinfo(url, &ulen);
    /* "***" is what url.c puts in place of credentials: indistinguishable. */
    bool is_mark = ui && ulen == strlen(REDACTED) && memcmp(ui, REDACTED, ulen) == 0;
    if (ui && ulen > 0 && !is_mark) {
        /* "://user:pass@" as the quoting would render it (printable ASCII
         * kept). With the "://": the same text may recur in the path
         * ("https://a@h/a@b"), which is no secret and may be shown. */
        size_t sep = strlen(URL_SCHEME_SEP);
        FUZZ_CHECK(!fuzz_contains(err->msg, strlen(err->msg), ui - sep, sep + ulen + 1),
                   "the error never quotes a URL's credentials");
    }
}

static void check_origin(const char *url, const struct http_origin *o)
{
    FUZZ_CHECK(strcmp(o->scheme, "http") == 0 || strcmp(o->scheme, "https") == 0,
               "scheme is http or https");
    FUZZ_CHECK(memchr(o->host, '\0', sizeof o->host) != NULL, "host is terminated");
    FUZZ_CHECK(o->host[0] != '\0', "host is not empty");
    for (const char *h = o->host; *h && *h != '%'; h++) /* an IPv6 zone keeps its case */
        FUZZ_CHECK(!(*h >= 'A' && *h <= 'Z'), "host is lowercased");
    FUZZ_CHECK(o->port >= 1 && o->port <= PORT_MAX, "port in 1..65535");
    (void)http_origin_is_loopback(o);

    char text[HTTP_ORIGIN_TEXT_MAX];
    http_origin_text(o, text, sizeof text);
    struct http_origin back;
    FUZZ_CHECK(http_origin_parse(text, &back) == 0, "origin text parses");
    FUZZ_CHECK(strcmp(back.scheme, o->scheme) == 0 && strcmp(back.host, o->host) == 0 &&
                   back.port == o->port,
               "origin text round trip");
    FUZZ_CHECK(http_same_origin(url, text), "a URL has the origin of its origin text");
}

static void check_endpoint(const char *url, int origin_rc)
{
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    char *ep = url_endpoint(url, &err);
    if (!ep) {
        check_message(&err, url);
        return;
    }
    FUZZ_CHECK(strcspn(url, "?#") == strlen(url), "an endpoint has no query or fragment");
    FUZZ_CHECK(origin_rc == 0, "an accepted base has an origin curl reads");
    size_t len = strlen(ep), api = strlen(URL_API_PATH);
    FUZZ_CHECK(len > api && strcmp(ep + len - api, URL_API_PATH) == 0,
               "an endpoint ends in the API path");
    FUZZ_CHECK(http_same_origin(url, ep), "curl reads the endpoint as the base's origin");
    char *again = url_endpoint(ep, &err);
    FUZZ_CHECK(again != NULL && strcmp(again, ep) == 0, "url_endpoint is idempotent");
    free(again);

    /* Entry URLs hang off the endpoint. */
    char *entry = url_entry(ep, (int64_t)len - 1);
    FUZZ_CHECK(strncmp(entry, ep, len) == 0, "an entry URL extends the endpoint");
    free(entry);
    free(ep);
}

/* A parameter added by url_page comes back through url_query_get. */
static void check_param_round_trip(const char *key, const char *value)
{
    if (strcmp(key, "page") == 0)
        return; /* url_page's own page=N comes first and wins */
    struct url_param p = {key, value};
    char *page_url = url_page(FIXED_ENDPOINT, 2, 0, &p, 1);
    char *got = url_query_get(page_url, key);
    FUZZ_CHECK(got != NULL && strcmp(got, value) == 0, "url_page/url_query_get round trip");
    free(got);
    got = url_query_get(page_url, "page");
    FUZZ_CHECK(got != NULL && strcmp(got, "2") == 0, "the page number is read back");
    free(got);
    free(page_url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy: a read past the terminator is an ASan report. */
    char *input = fuzz_strndup(data, size);
    char *url = input, *key = NULL, *value = NULL;
    char *nl = strchr(input, '\n');
    if (nl) {
        *nl = '\0';
        key = nl + 1;
        nl = strchr(key, '\n');
        if (nl) {
            *nl = '\0';
            value = nl + 1;
        }
    }

    struct http_origin o, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    o = sentinel;
    int rc = http_origin_parse(url, &o);
    if (rc == 0)
        check_origin(url, &o);
    else
        FUZZ_CHECK(memcmp(&o, &sentinel, sizeof o) == 0, "failure leaves *out untouched");
    FUZZ_CHECK(http_same_origin(url, url) == (rc == 0), "same origin exactly when it parses");
    if (key)
        FUZZ_CHECK(http_same_origin(url, key) == http_same_origin(key, url),
                   "same origin is symmetric");
    check_endpoint(url, rc);

    char *got = url_query_get(url, key ? key : "page");
    if (got)
        FUZZ_CHECK(strchr(url, '?') != NULL, "a value needs a query");
    free(got);
    check_param_round_trip(key ? key : "q", value ? value : url);
    free(input);
    return 0;
}
