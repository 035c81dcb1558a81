/* decode.h — JSON bodies to the data model. The only module that knows jansson.
 *
 * Contract: input is untrusted bytes (need not be NUL-terminated, may contain
 * anything). On success the out struct is filled and owned by the caller (free
 * with log_page_free / log_entry_free) and DECODE_OK (0) is returned; on
 * failure it is left zeroed, the return value says what kind of fault it was
 * (callers branch on that, never on the text) and err says what was wrong in
 * one line, naming the field and the entry id when an entry is at fault
 * ("entry 1234: field \"level\" is a string, expected an integer"). Never
 * crashes, whatever the bytes.
 *
 * Accepted: unknown extra fields (ignored, but kept in the JSON text); trace
 * null or missing (→ ""); lone UTF-16 surrogate escapes such as "\ud800",
 * which Python emits but jansson rejects (→ U+FFFD, also in the JSON text);
 * "\u0000" inside strings (in the C strings it becomes ENTRY_NUL_STANDIN,
 * which the sanitizer shows as \0). The JSON text (log_entry_json) is the
 * entry's text cut from the body, byte for byte (numbers and escapes as sent),
 * less any whitespace outside strings; a decoded entry holds it and its fields
 * in one allocation (entry.h).
 * Required: id (integer), level (integer), logger_name, message, app_name,
 * created_at (strings; created_at must parse, see datetime.h). For a page:
 * count (non-negative integer), next/previous (string or null; missing is taken
 * as null), results (array). Errors have status OMSLOG_ERR_PROTOCOL (only
 * DECODE_INTERNAL has OMSLOG_ERR_INTERNAL); server text quoted in a message is
 * limited to printable ASCII (other bytes \xNN). An entry without a usable id
 * is named by its 1-based position ("entry #7 of the page: field \"id\" is
 * missing"). */
#ifndef OMSLOG_DECODE_H
#define OMSLOG_DECODE_H

#include <stddef.h>

#include "omslog/entry.h"
#include "omslog/error.h"

/* What was wrong with a body. */
enum decode_failure {
    DECODE_OK = 0,
    DECODE_NOT_JSON,  /* not JSON at all: empty, an HTML page, cut short, bad bytes */
    DECODE_BAD_SHAPE, /* JSON, but the body or an entry is not an object */
    DECODE_BAD_FIELD, /* a field (the message names it) missing, mistyped or out of range */
    DECODE_INTERNAL,  /* omslog's fault: a NULL body with a length, or out of memory */
};

enum decode_failure decode_page(const char *body, size_t len, struct log_page *out,
                                struct omslog_error *err);
enum decode_failure decode_entry(const char *body, size_t len, struct log_entry *out,
                                 struct omslog_error *err);

/* DRF error bodies: {"detail": "..."}. Copies the detail string (truncated to
 * n-1 bytes, NUL-terminated, raw — the caller sanitises before showing it) and
 * returns 0; returns -1 when the body is not such an object. Also accepts
 * DRF's validation-error shapes ({"field": ["msg", ...]} or ["msg"]) by
 * joining "field: msg" pairs with "; ". */
int decode_error_detail(const char *body, size_t len, char *out, size_t n);

#endif
