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
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
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

char *url_query_get(const char *url, const char *key)
{
    if (!url || !key)
        return NULL;
    const char *q = strchr(url, '?');
    if (!q)
        return NULL;
    q++;
    const char *end = q + strcspn(q, "#");
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pair_end - q));
        const char *key_end = eq ? eq : pair_end;
        struct buf k = {0};
        url_decode(&k, q, (size_t)(key_end - q));
        bool match = strcmp(buf_str(&k), key) == 0;
        buf_free(&k);
        if (match) {
            struct buf v = {0};
            if (eq)
                url_decode(&v, eq + 1, (size_t)(pair_end - eq - 1));
            return buf_steal(&v);
        }
        q = amp ? amp + 1 : end;
    }
    return NULL;
}
