/* url.c — see include/omslog/url.h
 *
 * url_endpoint checks the configured base against the one strict shape
 * omslog accepts (http[s]://host[:port][/path], host names of unreserved
 * characters or a bracketed IPv6 address) so that a mistyped --url gets a
 * precise message, and writes it out normalised. That check only refuses:
 * where the token may go is decided by http.c with libcurl's URL parser,
 * which also reads the endpoint this module builds. */
#include "omslog/url.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/datetime.h"
#include "omslog/filter.h"
#include "omslog/level.h"
#include "omslog/util.h"

#define URL_HTTP_PORT 80
#define URL_HTTPS_PORT 443
#define URL_PORT_MAX 65535
#define URL_QUOTE_MAX 80 /* bytes of a bad input echoed in a message */
#define URL_QUOTE_BUF (URL_QUOTE_MAX * 4 + 8)
#define URL_SCHEME_SEP "://"
#define URL_REDACTED "***"
#define URL_HOST_MAX 256

/* The parts of a base URL that are normalised: (scheme, lowercased host,
 * port with the scheme's default filled in). */
struct url_authority {
    char scheme[8];          /* "http" or "https" */
    char host[URL_HOST_MAX]; /* lowercased; IPv6 without brackets */
    int port;
};

static const struct {
    const char *name;
    int port;
} url_schemes[] = {{"http", URL_HTTP_PORT}, {"https", URL_HTTPS_PORT}};

/* Bad input is echoed in messages so the user sees what was wrong, but it may
 * be pasted from anywhere: printable ASCII only, bounded. */
static void url_quote(const char *s, size_t len, char *out, size_t n)
{
    ascii_quote(s, len, URL_QUOTE_MAX, out, n);
}

/* Where the authority that starts at p ends within [p, end): the first '/',
 * '?' or '#'. */
static const char *url_segment_end(const char *p, const char *end)
{
    while (p < end && *p != '/' && *p != '?' && *p != '#')
        p++;
    return p;
}

/* Query parameters omslog itself sends (url_page): their values are page
 * numbers and sizes, worth seeing in a diagnostic. */
static bool url_param_shown(const char *key, size_t len)
{
    static const char *const shown[] = {"page", "page_size", "limit"};
    for (size_t i = 0; i < ARRAY_LEN(shown); i++)
        if (strlen(shown[i]) == len && memcmp(shown[i], key, len) == 0)
            return true;
    return false;
}

/* Append [q, end) (a query, after its '?') with each value but url_param_shown's
 * replaced by URL_REDACTED; a fragment ends it and is kept. */
static void url_redact_query(struct buf *b, const char *q, const char *end)
{
    const char *qend = memchr(q, '#', (size_t)(end - q));
    if (!qend)
        qend = end;
    while (q < qend) {
        const char *pend = q;
        while (pend < qend && *pend != '&' && *pend != ';')
            pend++;
        const char *eq = memchr(q, '=', (size_t)(pend - q));
        if (eq && eq + 1 < pend && !url_param_shown(q, (size_t)(eq - q))) {
            buf_append(b, q, (size_t)(eq + 1 - q));
            buf_appends(b, URL_REDACTED);
        } else {
            buf_append(b, q, (size_t)(pend - q));
        }
        if (pend < qend)
            buf_putc(b, *pend++);
        q = pend;
    }
    buf_append(b, qend, (size_t)(end - qend));
}

/* The one redaction of URLs: a message may be shown, logged or pasted into a
 * ticket, and parsing can fail (a space, a bad scheme) before the userinfo is
 * looked at. Appends url with every user:password@ part and every query value
 * (but url_param_shown's) replaced by URL_REDACTED. Redacted userinfo is the
 * text before the last '@' of the leading authority (for a URL without
 * "scheme://", or one too broken to parse: "u:pw@host://x") and of the
 * authority after every "://" (also one repeated in the path). */
static void url_redact_one(struct buf *out, const char *url, size_t len)
{
    const char *end = url + len, *copied = url;
    struct buf b = {0};
    for (const char *auth = url; auth && auth < end;) {
        const char *auth_end = url_segment_end(auth, end);
        const char *at = NULL;
        for (const char *p = auth; p < auth_end; p++)
            if (*p == '@')
                at = p;
        if (at) {
            buf_append(&b, copied, (size_t)(auth - copied));
            buf_appends(&b, URL_REDACTED);
            copied = at;
        }
        /* The next authority: after the next "://" that ends within len. */
        const char *sep = strstr(auth, URL_SCHEME_SEP);
        if (!sep || (size_t)(sep - url) + strlen(URL_SCHEME_SEP) > len)
            break;
        auth = sep + strlen(URL_SCHEME_SEP);
        if (auth < copied)
            auth = copied; /* inside what was redacted already */
    }
    buf_append(&b, copied, (size_t)(end - copied));
    const char *q = memchr(b.data ? b.data : "", '?', b.len);
    if (q) {
        buf_append(out, b.data, (size_t)(q + 1 - b.data));
        url_redact_query(out, q + 1, b.data + b.len);
    } else {
        buf_append(out, b.data, b.len);
    }
    buf_free(&b);
}

/* A URL quoted for a message: redacted, then printable ASCII only, bounded. */
static void url_quote_redacted(const char *url, size_t len, char *out, size_t n)
{
    struct buf b = {0};
    url_redact_one(&b, url, len);
    url_quote(buf_str(&b), b.len, out, n);
    buf_free(&b);
}

/* Where a word of free text ends: URLs hold no spaces or quotes. */
static bool url_word_byte(unsigned char c)
{
    return c > ' ' && c != '"' && c != '\'' && c != '<' && c != '>' && c != 0x7f;
}

void url_redact(struct buf *out, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *w = p;
        while (p < end && url_word_byte((unsigned char)*p))
            p++;
        /* Only a word that is (or holds) a URL: "user@example" stays as it is. */
        bool is_url = false;
        for (const char *s = w; s + strlen(URL_SCHEME_SEP) <= p && !is_url; s++)
            is_url = memcmp(s, URL_SCHEME_SEP, strlen(URL_SCHEME_SEP)) == 0;
        /* Punctuation after a URL ("url http://h/?k=v, token") is the text's. */
        const char *wend = p;
        while (is_url && wend > w && strchr(",.;)", wend[-1]))
            wend--;
        if (is_url)
            url_redact_one(out, w, (size_t)(wend - w));
        else
            buf_append(out, w, (size_t)(wend - w));
        buf_append(out, wend, (size_t)(p - wend));
        const char *d = p;
        while (p < end && !url_word_byte((unsigned char)*p))
            p++;
        buf_append(out, d, (size_t)(p - d));
    }
}

static int url_fail(struct omslog_error *err, const char *url, const char *problem)
{
    char q[URL_QUOTE_BUF];
    url_quote_redacted(url, strlen(url), q, sizeof q);
    error_set(err, OMSLOG_ERR_CONFIG, "URL \"%s\": %s", q, problem);
    return -1;
}

static bool url_is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static char url_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Where the authority ends: the first '/', '?' or '#' after it, or the end. */
static const char *url_authority_end(const char *p)
{
    return p + strcspn(p, "/?#");
}

static int url_parse_port(const char *url, const char *p, size_t len, int *port,
                          struct omslog_error *err)
{
    if (len == 0)
        return url_fail(err, url, "empty port after ':'");
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return url_fail(err, url, "the port must be a number between 1 and 65535");
        v = v * 10 + (p[i] - '0');
        if (v > URL_PORT_MAX)
            break;
    }
    if (v < 1 || v > URL_PORT_MAX)
        return url_fail(err, url, "the port must be a number between 1 and 65535");
    *port = (int)v;
    return 0;
}

/* host is [start, start+len): a bracketed IPv6 literal was already unwrapped
 * by the caller (ipv6 true). */
static int url_store_host(const char *url, const char *start, size_t len, bool ipv6,
                          struct url_authority *out, struct omslog_error *err)
{
    if (len == 0)
        return url_fail(err, url, "no host name");
    if (len >= sizeof out->host)
        return url_fail(err, url, "host name too long");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)start[i];
        bool ok = ipv6 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                          (c >= 'A' && c <= 'F') || c == ':' || c == '.')
                       : url_is_unreserved(c);
        if (!ok)
            return url_fail(err, url,
                            ipv6 ? "bad IPv6 address in brackets" : "bad character in host name");
        out->host[i] = url_lower(start[i]);
    }
    out->host[len] = '\0';
    if (ipv6) {
        struct in6_addr addr;
        if (inet_pton(AF_INET6, out->host, &addr) != 1)
            return url_fail(err, url, "bad IPv6 address in brackets");
    }
    return 0;
}

/* The scheme, the first scheme_len bytes of url: stored lowercased; returns
 * its default port, or 0 with err when it is not http or https. */
static int url_store_scheme(const char *url, size_t scheme_len, struct url_authority *o,
                            struct omslog_error *err)
{
    for (size_t i = 0; i < ARRAY_LEN(url_schemes); i++) {
        const char *name = url_schemes[i].name;
        if (strlen(name) != scheme_len)
            continue;
        size_t j = 0;
        while (j < scheme_len && url_lower(url[j]) == name[j])
            j++;
        if (j == scheme_len) {
            snprintf(o->scheme, sizeof o->scheme, "%s", name);
            return url_schemes[i].port;
        }
    }
    char q[URL_QUOTE_BUF], s[URL_QUOTE_BUF];
    url_quote_redacted(url, strlen(url), q, sizeof q);
    url_quote_redacted(url, scheme_len, s, sizeof s);
    error_set(err, OMSLOG_ERR_CONFIG, "URL \"%s\": unsupported scheme \"%s\": use http or https",
              q, s);
    return 0;
}

/* Parse scheme://host[:port] of the base URL. -1 with err (OMSLOG_ERR_CONFIG)
 * on failure: not http(s), no host, bad port, userinfo present, spaces,
 * control or non-ASCII bytes anywhere. Messages quote the URL sanitised but
 * never its credentials. *out is untouched on failure. */
static int url_parse_authority(const char *url, struct url_authority *out,
                               struct omslog_error *err)
{
    if (!url || !*url) {
        error_set(err, OMSLOG_ERR_CONFIG, "empty URL: expected http://HOST or https://HOST");
        return -1;
    }
    for (const char *p = url; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7f)
            return url_fail(err, url, "contains a space or control character");
        if (c >= 0x80)
            return url_fail(err, url,
                            "contains a non-ASCII character; percent-encode it "
                            "(or use the punycode form of the host)");
    }
    const char *sep = strstr(url, URL_SCHEME_SEP);
    size_t scheme_len = sep ? (size_t)(sep - url) : 0;
    if (!sep || scheme_len == 0 || strcspn(url, "/?#") < scheme_len)
        return url_fail(err, url, "not an absolute URL: expected http://HOST or https://HOST");

    struct url_authority o;
    memset(&o, 0, sizeof o);
    int default_port = url_store_scheme(url, scheme_len, &o, err);
    if (!default_port)
        return -1;

    const char *auth = sep + strlen(URL_SCHEME_SEP);
    const char *auth_end = url_authority_end(auth);
    if (memchr(auth, '@', (size_t)(auth_end - auth))) {
        /* Never echo the URL here: it holds a password. */
        error_set(err, OMSLOG_ERR_CONFIG,
                  "credentials in the URL are not allowed; use --token or OMSLOG_TOKEN");
        return -1;
    }

    const char *host = auth, *host_end, *port_start = NULL;
    bool ipv6 = false;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(auth_end - auth));
        if (!close)
            return url_fail(err, url, "IPv6 address without closing ']'");
        host = auth + 1;
        host_end = close;
        ipv6 = true;
        if (close + 1 < auth_end) {
            if (close[1] != ':')
                return url_fail(err, url, "unexpected text after the IPv6 address");
            port_start = close + 2;
        }
    } else {
        const char *colon = memchr(auth, ':', (size_t)(auth_end - auth));
        host_end = colon ? colon : auth_end;
        if (colon)
            port_start = colon + 1;
    }
    if (url_store_host(url, host, (size_t)(host_end - host), ipv6, &o, err) != 0)
        return -1;
    o.port = default_port;
    if (port_start &&
        url_parse_port(url, port_start, (size_t)(auth_end - port_start), &o.port, err) != 0)
        return -1;
    *out = o;
    return 0;
}

static int url_default_port(const char *scheme)
{
    for (size_t i = 0; i < ARRAY_LEN(url_schemes); i++)
        if (strcmp(url_schemes[i].name, scheme) == 0)
            return url_schemes[i].port;
    return 0;
}

/* scheme://host[:port], the port only when it is not the scheme's default. */
static void url_append_authority(struct buf *b, const struct url_authority *o)
{
    bool ipv6 = strchr(o->host, ':') != NULL;
    buf_printf(b, "%s://%s%s%s", o->scheme, ipv6 ? "[" : "", o->host, ipv6 ? "]" : "");
    if (o->port != url_default_port(o->scheme))
        buf_printf(b, ":%d", o->port);
}

/* Whether a path segment names the action log in some spelling:
 * "action_log", "action-log", "ActionLogs"… (case, '_' and '-' and a plural
 * 's' aside). */
static bool url_segment_is_action_log(const char *seg, size_t len)
{
    static const char want[] = "actionlog";
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = seg[i];
        if (c == '_' || c == '-')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (k < sizeof want - 1 && c == want[k])
            k++;
        else if (k == sizeof want - 1 && c == 's' && i == len - 1)
            ;
        else
            return false;
    }
    return k == sizeof want - 1;
}

/* A base whose path ends in the action log but not in URL_API_PATH is a
 * mistyped API path ("…/oms/log/action_log/"), not a proxy prefix: appending
 * the API path to it would only give a 404 for a URL nobody wrote. */
static int url_check_api_typo(const char *base, const char *path, size_t path_len,
                              struct omslog_error *err)
{
    size_t seg = path_len;
    while (seg > 0 && path[seg - 1] != '/')
        seg--;
    if (!url_segment_is_action_log(path + seg, path_len - seg))
        return 0;
    char shown[URL_QUOTE_BUF], last[URL_QUOTE_BUF];
    url_quote_redacted(base, strlen(base), shown, sizeof shown);
    url_quote(path + seg, path_len - seg, last, sizeof last);
    return error_set(err, OMSLOG_ERR_CONFIG,
                     "URL \"%s\": the path ends in \"%s\" but is not the API path \"%s\"; "
                     "give the server's address (with any proxy prefix) or the full API path",
                     shown, last, URL_API_PATH);
}

char *url_endpoint(const char *base, struct omslog_error *err)
{
    struct url_authority o;
    if (url_parse_authority(base, &o, err) != 0)
        return NULL;
    size_t q = strcspn(base, "?#");
    if (base[q]) {
        /* Echo only what precedes the query: it may hold secrets. */
        char shown[URL_QUOTE_BUF];
        url_quote_redacted(base, q, shown, sizeof shown);
        error_set(err, OMSLOG_ERR_CONFIG,
                  "URL \"%s%c...\": the base URL must not contain '?' or '#'", shown, base[q]);
        return NULL;
    }
    const char *auth = strstr(base, URL_SCHEME_SEP) + strlen(URL_SCHEME_SEP);
    const char *path = url_authority_end(auth);
    size_t path_len = strlen(path);
    while (path_len > 0 && path[path_len - 1] == '/')
        path_len--;

    /* URL_API_PATH without its trailing slash, to match "…/action_log" too. */
    size_t api_len = strlen(URL_API_PATH) - 1;
    struct buf b = {0};
    url_append_authority(&b, &o);
    buf_append(&b, path, path_len);
    if (path_len >= api_len && memcmp(path + path_len - api_len, URL_API_PATH, api_len) == 0) {
        buf_putc(&b, '/');
    } else if (url_check_api_typo(base, path, path_len, err) != 0) {
        buf_free(&b);
        return NULL;
    } else {
        buf_appends(&b, URL_API_PATH);
    }
    return buf_steal(&b);
}

static void url_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (url_is_unreserved(c)) {
            buf_putc(b, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};
            buf_append(b, esc, sizeof esc);
        }
    }
}

char *url_page(const char *endpoint, long page, long page_size, const struct url_param *extra,
               size_t n_extra)
{
    struct buf b = {0};
    buf_appends(&b, endpoint);
    buf_putc(&b, strchr(endpoint, '?') ? '&' : '?');
    buf_printf(&b, "page=%ld", page);
    /* Both names: a server honours the one its paginator reads and ignores
     * the other, as DRF ignores every unknown parameter. */
    if (page_size > 0)
        buf_printf(&b, "&page_size=%ld&limit=%ld", page_size, page_size);
    for (size_t i = 0; i < n_extra; i++) {
        buf_putc(&b, '&');
        url_encode(&b, extra[i].key);
        buf_putc(&b, '=');
        url_encode(&b, extra[i].value ? extra[i].value : "");
    }
    return buf_steal(&b);
}

char *url_entry(const char *endpoint, int64_t id)
{
    struct buf b = {0};
    buf_appends(&b, endpoint);
    if (b.len == 0 || b.data[b.len - 1] != '/')
        buf_putc(&b, '/');
    buf_printf(&b, "%" PRId64 "/", id);
    return buf_steal(&b);
}

/* Form decoding of [s, s+len): '+' is a space, %XX a byte. A malformed
 * escape, or %00 (which would cut the C string), is kept literally. */
static void url_decode(struct buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = i + 2 < len ? hex_digit_value(s[i + 1]) : -1;
        int lo = i + 2 < len ? hex_digit_value(s[i + 2]) : -1;
        if (s[i] == '+') {
            buf_putc(b, ' ');
        } else if (s[i] == '%' && hi >= 0 && lo >= 0 && (hi | lo) != 0) {
            buf_putc(b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            buf_putc(b, s[i]);
        }
    }
}

bool url_query_next(const char *url, const char **pos, char **key, char **value)
{
    const char *q = *pos;
    if (!q) {
        q = url ? strchr(url, '?') : NULL;
        if (!q)
            return false;
        q++;
    }
    const char *end = q + strcspn(q, "#");
    while (q < end && *q == '&')
        q++; /* "a=1&&b=2": an empty pair is no parameter */
    if (q >= end)
        return false;
    const char *amp = memchr(q, '&', (size_t)(end - q));
    const char *pair_end = amp ? amp : end;
    const char *eq = memchr(q, '=', (size_t)(pair_end - q));
    const char *key_end = eq ? eq : pair_end;
    struct buf k = {0}, v = {0};
    url_decode(&k, q, (size_t)(key_end - q));
    if (eq)
        url_decode(&v, eq + 1, (size_t)(pair_end - eq - 1));
    *key = buf_steal(&k);
    *value = buf_steal(&v);
    *pos = amp ? amp + 1 : end;
    return true;
}

char *url_query_get(const char *url, const char *key)
{
    if (!url || !key)
        return NULL;
    const char *pos = NULL;
    char *k, *v;
    while (url_query_next(url, &pos, &k, &v)) {
        bool match = strcmp(k, key) == 0;
        free(k);
        if (match)
            return v;
        free(v);
    }
    return NULL;
}

/* ---- a list URL's query as the browser's filters ---- */

#define URL_USEC_PER_S 1000000

/* key is one of the names known (plain ASCII); the value is quoted. */
static int url_param_error(const char *key, const char *value, const char *why,
                           struct omslog_error *err)
{
    char q[URL_QUOTE_BUF];
    url_quote(value, strlen(value), q, sizeof q);
    return error_set(err, OMSLOG_ERR_USAGE, "the link's %s=%s: %s", key, q, why);
}

/* level__in as a filter: one level exactly, or a minimum when the list holds
 * every standard level from its lowest one up (as a level__in that stands
 * for a minimum does: "40,50" or "40,41,...,100"). */
static int url_level_in(struct filter *f, const char *value, struct omslog_error *err)
{
    static const int std[] = {LEVEL_NOTSET,  LEVEL_DEBUG, LEVEL_INFO,
                              LEVEL_WARNING, LEVEL_ERROR, LEVEL_CRITICAL};
    bool seen[ARRAY_LEN(std)] = {0};
    int lo = INT_MAX, n = 0;
    char *list = xstrdup(value), *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int l;
        if (level_parse(t, &l) != 0) {
            free(list);
            return url_param_error("level__in", value, "not a list of levels", err);
        }
        lo = l < lo ? l : lo;
        n++;
        for (size_t i = 0; i < ARRAY_LEN(std); i++)
            seen[i] = seen[i] || std[i] == l;
    }
    free(list);
    if (n == 0)
        return url_param_error("level__in", value, "not a list of levels", err);
    bool all_above = true;
    for (size_t i = 0; i < ARRAY_LEN(std); i++)
        all_above = all_above && (std[i] < lo || seen[i]);
    if (n > 1 && !all_above)
        return url_param_error("level__in", value,
                               "the browser filters one level or a level and above", err);
    if (n == 1)
        f->exact_level = lo;
    else
        f->min_level = lo;
    return OMSLOG_OK;
}

static int url_level(struct filter *f, const char *key, const char *value,
                     struct omslog_error *err)
{
    int l;
    if (strcmp(key, "level__in") == 0)
        return url_level_in(f, value, err);
    if (level_parse(value, &l) != 0)
        return url_param_error(key, value, "not a level", err);
    if (strcmp(key, "level") == 0)
        f->exact_level = l;
    else if (strcmp(key, "level__gte") == 0)
        f->min_level = l;
    else if (l < INT_MAX) /* level__gt */
        f->min_level = l + 1;
    else
        return url_param_error(key, value, "matches nothing", err);
    return OMSLOG_OK;
}

static void url_apps(struct filter *f, const char *value, bool list)
{
    if (!list) {
        filter_add_app(f, value);
        return;
    }
    char *copy = xstrdup(value), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        filter_add_app(f, t);
    free(copy);
}

/* created_at__gte / __gt / __lte / __lt: inclusive bounds, a strict one a
 * microsecond inside (entries' times have microseconds at most). */
static int url_created(struct filter *f, const char *key, const char *value,
                       struct omslog_error *err)
{
    struct log_time t;
    if (datetime_parse(value, &t) != 0)
        return url_param_error(key, value, "not an ISO 8601 time", err);
    const char *op = key + strlen("created_at__");
    bool strict = strcmp(op, "gt") == 0 || strcmp(op, "lt") == 0;
    bool lower = op[0] == 'g';
    int32_t step = strict ? (lower ? 1 : -1) : 0;
    t.usec += step;
    if (t.usec < 0 || t.usec >= URL_USEC_PER_S) {
        t.sec += t.usec < 0 ? -1 : 1;
        t.usec = t.usec < 0 ? URL_USEC_PER_S - 1 : 0;
    }
    if (lower) {
        f->has_created_min = true;
        f->created_min = t;
    } else {
        f->has_created_max = true;
        f->created_max = t;
    }
    return OMSLOG_OK;
}

/* Parameters that choose pages or a representation, not rows. */
static bool url_param_ignored(const char *key, const char *value)
{
    static const char *const paging[] = {"page", "page_size", "limit", "offset", "format"};
    for (size_t i = 0; i < ARRAY_LEN(paging); i++)
        if (strcmp(key, paging[i]) == 0)
            return true;
    /* The browser's own order, newest first. */
    return strcmp(key, "ordering") == 0 &&
           (strcmp(value, "-id") == 0 || strcmp(value, "-created_at") == 0);
}

static int url_list_param(struct filter *f, const char *key, const char *value,
                          struct omslog_error *err)
{
    static const char *const created[] = {"created_at__gte", "created_at__gt", "created_at__lte",
                                          "created_at__lt"};
    if (url_param_ignored(key, value))
        return OMSLOG_OK;
    if (strcmp(key, "level") == 0 || strcmp(key, "level__gte") == 0 ||
        strcmp(key, "level__gt") == 0 || strcmp(key, "level__in") == 0)
        return url_level(f, key, value, err);
    if (strcmp(key, "app_name") == 0 || strcmp(key, "app_name__in") == 0) {
        if (!*value)
            return url_param_error(key, value, "empty", err);
        url_apps(f, value, strcmp(key, "app_name__in") == 0);
        return OMSLOG_OK;
    }
    if (strcmp(key, "search") == 0) /* DRF's SearchFilter: any case, any field */
        return *value ? filter_add_pattern(f, value, true, false, err) : OMSLOG_OK;
    for (size_t i = 0; i < ARRAY_LEN(created); i++)
        if (strcmp(key, created[i]) == 0)
            return url_created(f, key, value, err);
    char q[URL_QUOTE_BUF];
    url_quote(key, strlen(key), q, sizeof q);
    return error_set(err, OMSLOG_ERR_USAGE,
                     "the link's parameter \"%s\" has no browser filter (known: level, "
                     "level__gte, level__gt, level__in, app_name, app_name__in, search, "
                     "created_at__gte/gt/lte/lt; page, page_size, limit and ordering=-id "
                     "are ignored)",
                     q);
}

int url_list_filter(const char *url, struct filter *f, struct omslog_error *err)
{
    const char *pos = NULL;
    char *k, *v;
    while (url_query_next(url, &pos, &k, &v)) {
        int rc = url_list_param(f, k, v, err);
        free(k);
        free(v);
        if (rc != OMSLOG_OK)
            return rc;
    }
    return OMSLOG_OK;
}
