/* fuzz_entry_check.h — decode.h's contract for one decoded entry (and for a
 * refused body), checked the same way by every decode target
 * (fuzz_decode_entry.c, fuzz_decode_page.c). Needs jansson, src/entry.c and
 * src/datetime.c linked in. */
#ifndef OMSLOG_FUZZ_ENTRY_CHECK_H
#define OMSLOG_FUZZ_ENTRY_CHECK_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "omslog/datetime.h"
#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#include "fuzz_util.h"

/* Non-NULL, valid UTF-8 with C0 80 as the only stand-in. */
static inline void fuzz_check_string(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, what);
    FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s), true), what);
}

/* A complete entry: every string valid, created parsed from created_at,
 * raw_json a JSON object carrying the same id, and log_entry_copy a deep
 * copy that frees cleanly. */
static inline void fuzz_check_entry(const struct log_entry *e)
{
    fuzz_check_string(e->logger_name, "logger_name is a valid string");
    fuzz_check_string(e->message, "message is a valid string");
    fuzz_check_string(e->app_name, "app_name is a valid string");
    fuzz_check_string(e->trace, "trace is a valid string (\"\" for null)");
    fuzz_check_string(e->created_at, "created_at is a valid string");
    fuzz_check_string(e->raw_json, "raw_json is a valid string");

    struct log_time t;
    FUZZ_CHECK(datetime_parse(e->created_at, &t) == 0, "created_at parses");
    FUZZ_CHECK(t.sec == e->created.sec && t.usec == e->created.usec,
               "created is created_at parsed");

    json_error_t jerr;
    json_t *raw = json_loads(e->raw_json, JSON_ALLOW_NUL, &jerr);
    FUZZ_CHECK(raw != NULL, "raw_json is JSON");
    FUZZ_CHECK(json_is_object(raw), "raw_json is a JSON object");
    json_t *id = json_object_get(raw, "id");
    FUZZ_CHECK(json_is_integer(id) && (int64_t)json_integer_value(id) == e->id,
               "raw_json carries the entry's id");
    json_decref(raw);

    struct log_entry copy;
    log_entry_copy(&copy, e);
    FUZZ_CHECK(copy.id == e->id && strcmp(copy.message, e->message) == 0 &&
                   strcmp(copy.raw_json, e->raw_json) == 0 && copy.message != e->message,
               "log_entry_copy is a deep copy");
    log_entry_free(&copy);
}

/* A body decode refused: the server's fault (never DECODE_INTERNAL), a
 * protocol error saying why in one line that is safe to print. */
static inline void fuzz_check_decode_failure(enum decode_failure why,
                                             const struct omslog_error *err)
{
    FUZZ_CHECK(why == DECODE_NOT_JSON || why == DECODE_BAD_SHAPE || why == DECODE_BAD_FIELD,
               "a bad body is the server's fault, of a known kind");
    FUZZ_CHECK(err->status == OMSLOG_ERR_PROTOCOL, "a bad body is a protocol error");
    FUZZ_CHECK(err->msg[0] != '\0', "the error says something");
    FUZZ_CHECK(fuzz_printable_ascii(err->msg), "the error is one line of printable ASCII");
}

#endif
