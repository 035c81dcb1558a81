/* fuzz_entry_check.h — decode.h's contract for one decoded entry (and for a
 * refused body), checked the same way by every decode target
 * (fuzz_decode_entry.c, fuzz_decode_page.c). Needs jansson, src/entry.c,
 * src/buf.c and src/datetime.c linked in. */
#ifndef OMSLOG_FUZZ_ENTRY_CHECK_H
#define OMSLOG_FUZZ_ENTRY_CHECK_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "omslog/buf.h"
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

/* A field of the parsed JSON text read as the entry holds it (C0 80 for
 * U+0000; a null or missing trace as ""). */
static inline int fuzz_field_matches(const json_t *obj, const char *name, const char *field)
{
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return strcmp(field, "") == 0;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\0') {
            if (field[k++] != s[i])
                return 0;
        } else if (strncmp(field + k, ENTRY_NUL_STANDIN, ENTRY_NUL_STANDIN_LEN) == 0) {
            k += ENTRY_NUL_STANDIN_LEN;
        } else {
            return 0;
        }
    }
    return field[k] == '\0';
}

/* A complete entry: every string valid, created parsed from created_at, its
 * JSON text a JSON object (no NUL byte) carrying the same id and the same
 * text fields, all held in one allocation that log_entry_bytes counts, and
 * log_entry_copy a deep copy that frees cleanly. */
static inline void fuzz_check_entry(const struct log_entry *e)
{
    fuzz_check_string(e->logger_name, "logger_name is a valid string");
    fuzz_check_string(e->message, "message is a valid string");
    fuzz_check_string(e->app_name, "app_name is a valid string");
    fuzz_check_string(e->trace, "trace is a valid string (\"\" for null)");
    fuzz_check_string(e->created_at, "created_at is a valid string");
    FUZZ_CHECK(e->text != NULL && e->raw_json == NULL, "a decoded entry is one allocation");
    FUZZ_CHECK(log_entry_bytes(e) == sizeof *e + sizeof *e->text + e->text->size,
               "log_entry_bytes counts the entry's allocation");

    struct log_time t;
    FUZZ_CHECK(datetime_parse(e->created_at, &t) == 0, "created_at parses");
    FUZZ_CHECK(t.sec == e->created.sec && t.usec == e->created.usec,
               "created is created_at parsed");

    struct buf text = {0};
    FUZZ_CHECK(log_entry_json(e, &text), "a decoded entry has its JSON text");
    FUZZ_CHECK(memchr(text.data, '\0', text.len) == NULL, "the JSON text holds no NUL");
    json_error_t jerr;
    json_t *raw = json_loadb(text.data, text.len, JSON_ALLOW_NUL, &jerr);
    FUZZ_CHECK(raw != NULL, "the JSON text is JSON");
    FUZZ_CHECK(json_is_object(raw), "the JSON text is a JSON object");
    json_t *id = json_object_get(raw, "id");
    FUZZ_CHECK(json_is_integer(id) && (int64_t)json_integer_value(id) == e->id,
               "the JSON text carries the entry's id");
    FUZZ_CHECK(fuzz_field_matches(raw, "logger_name", e->logger_name) &&
                   fuzz_field_matches(raw, "message", e->message) &&
                   fuzz_field_matches(raw, "app_name", e->app_name) &&
                   fuzz_field_matches(raw, "trace", e->trace) &&
                   fuzz_field_matches(raw, "created_at", e->created_at),
               "the fields are the JSON text's fields");
    json_decref(raw);

    struct log_entry copy;
    log_entry_copy(&copy, e);
    struct buf copied = {0};
    log_entry_json(&copy, &copied);
    FUZZ_CHECK(copy.id == e->id && strcmp(copy.message, e->message) == 0 &&
                   strcmp(copy.trace, e->trace) == 0 && copied.len == text.len &&
                   memcmp(copied.data, text.data, text.len) == 0 && copy.message != e->message,
               "log_entry_copy is a deep copy");
    log_entry_free(&copy);
    buf_free(&copied);
    buf_free(&text);
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
