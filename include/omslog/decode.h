/* decode.h — JSON bodies to the data model. The only module that knows jansson
 * (decode_fast.c, its one-pass fast path, knows no library).
 *
 * Contract: input is untrusted bytes (need not be NUL-terminated, may contain
 * anything). On success the out struct is filled and owned by the caller (free
 * with log_page_free / log_entry_free); on failure it is left zeroed and err
 * says what was wrong in one line, naming the field and the entry id when an
 * entry is at fault ("entry 1234: field \"level\" is a string, expected an
 * integer"). Never crashes, whatever the bytes.
 *
 * Accepted: unknown extra fields (ignored, but kept in raw_json); trace null or
 * missing (→ ""); lone UTF-16 surrogate escapes such as "\ud800", which Python
 * emits but jansson rejects (→ U+FFFD); "\u0000" inside strings (in the C
 * strings it becomes the two bytes C0 80, which the sanitizer shows as \0).
 * Required: id (integer), level (integer), logger_name, message, app_name,
 * created_at (strings; created_at must parse, see datetime.h). For a page:
 * count (non-negative integer), next/previous (string or null; missing is taken
 * as null), results (array). Errors have status OMSLOG_ERR_PROTOCOL; server
 * text quoted in a message is limited to printable ASCII (other bytes \xNN).
 * An entry without a usable id is named by its 1-based position
 * ("entry #7 of the page: field \"id\" is missing"). */
#ifndef OMSLOG_DECODE_H
#define OMSLOG_DECODE_H

#include <stddef.h>

#include "omslog/entry.h"
#include "omslog/error.h"

int decode_page(const char *body, size_t len, struct log_page *out, struct omslog_error *err);
int decode_entry(const char *body, size_t len, struct log_entry *out, struct omslog_error *err);

/* The same without the fast path (decode_fast.h), which decode_page and
 * decode_entry try first: the reference the fast path is tested against. */
int decode_page_full(const char *body, size_t len, struct log_page *out, struct omslog_error *err);
int decode_entry_full(const char *body, size_t len, struct log_entry *out,
                      struct omslog_error *err);

/* DRF error bodies: {"detail": "..."}. Copies the detail string (truncated to
 * n-1 bytes, NUL-terminated, raw — the caller sanitises before showing it) and
 * returns 0; returns -1 when the body is not such an object. Also accepts
 * DRF's validation-error shapes ({"field": ["msg", ...]} or ["msg"]) by
 * joining "field: msg" pairs with "; ". */
int decode_error_detail(const char *body, size_t len, char *out, size_t n);

#endif
