/* url.h — the API's URLs: normalising the base, building page and entry URLs,
 * reading a query parameter. Whether a URL has the base's origin (and may get
 * the token) is not decided here but by http.h (http_same_origin).
 *
 * Contract: only http and https. Strings returned are malloc'd and owned by
 * the caller. Userinfo ("user:pass@host") in a base URL is refused:
 * credentials go in the token, never in URLs. */
#ifndef OMSLOG_URL_H
#define OMSLOG_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/error.h"

#define URL_API_PATH "/api/v1/oms/logs/action_log/"
/* "https://oms.example.com" → "https://oms.example.com/api/v1/oms/logs/action_log/".
 * A base that already ends with the API path (with or without the trailing
 * slash) is kept; a path prefix (reverse proxy) is kept; query and fragment
 * are refused. Scheme and host come out lowercased and a default port
 * (:80 for http, :443 for https) is dropped; the path is kept as given.
 * Returns NULL with err on failure. */
char *url_endpoint(const char *base, struct omslog_error *err);

struct url_param {
    const char *key;
    const char *value; /* percent-encoded by url_page */
};

/* endpoint + "?page=N" (page 1 included) + "&page_size=N&limit=N" when
 * page_size > 0 (DRF's PageNumberPagination honours at most one size
 * parameter, whichever name the view chose; other Akinon endpoints use
 * "limit") + the extra params, keys and values percent-encoded (all but A-Z a-z 0-9
 * - . _ ~); a NULL value is sent empty. */
char *url_page(const char *endpoint, long page, long page_size, const struct url_param *extra,
               size_t n_extra);
/* endpoint + "<id>/" */
char *url_entry(const char *endpoint, int64_t id);
/* The value of query parameter key in url (percent-decoded, '+' as space),
 * malloc'd, or NULL. "?flag" gives "". Malformed escapes and %00 are kept
 * literally; the first occurrence wins. */
char *url_query_get(const char *url, const char *key);

/* The query of url one parameter at a time: *pos NULL to start; each call
 * gives the next key and value (percent-decoded as url_query_get, both
 * malloc'd: free them) and returns true; false after the last one. */
bool url_query_next(const char *url, const char **pos, char **key, char **value);

struct filter;
/* The list URL's query parameters as the browser's filters, added to f:
 * level (exactly), level__gte, level__gt, level__in (one level, or every
 * standard level from one up: a minimum), app_name, app_name__in, search (a
 * literal & pattern, as DRF's search is a case-insensitive substring) and
 * created_at__gte/gt/lte/lt; page, page_size, limit, offset, format and the
 * default ordering (-id, -created_at) are ignored. Anything else, or a
 * value that does not parse, is OMSLOG_ERR_USAGE with err naming it. */
int url_list_filter(const char *url, struct filter *f, struct omslog_error *err);

struct buf;
/* Append text with every URL in it redacted: userinfo ("user:pw@") and query
 * values (but those of page, page_size and limit, which omslog sends itself)
 * become "***". A URL is a word of text (no spaces or quotes) holding "://":
 * "u:pw@" becomes "***@" and "?api_key=K" "?api_key=***"; other words are
 * kept. Every diagnostic goes through it (main's stderr streams); messages
 * about a URL quote it through the same code. */
void url_redact(struct buf *out, const char *text, size_t len);

#endif
