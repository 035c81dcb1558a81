/* entry.h — the data model: one action-log entry and one page of them.
 *
 * Contract: an entry owns all its strings; string fields are never NULL after
 * decoding (a null or missing trace is ""). The entry's JSON text is the entry
 * object as the server sent it (all fields, original order; re-serialised
 * compactly), used by the json/jsonl output so scripts get the server's fields
 * exactly: read it with log_entry_json, never through raw_json directly.
 *
 * Ownership, one of two forms:
 *   - built in code (tests, hand-made entries): text is NULL and each string
 *     field, raw_json included, is its own malloc'd C string (or NULL).
 *   - decoded: text holds everything in one allocation and raw_json is NULL.
 *     Every string field points into text->bytes; a field whose JSON string had
 *     no escape sequence is the JSON text's own bytes (its closing quote stored
 *     as '\0'), and one whose escapes are those log_entry_escape writes (the
 *     usual DRF output: \n, \" ...) is left out of the stored JSON text and
 *     written back by log_entry_json, so text is held once. Never assign a
 *     field of a decoded entry; copy it (log_entry_copy) or free it.
 * log_entry_free / log_page_free release everything and zero the struct; both
 * accept a zeroed struct. log_entry_bytes counts what an entry holds.
 *
 * Text fields are C strings, so a U+0000 the server sent (JSON "\u0000") is
 * held as the two bytes C0 80 ("modified UTF-8", never valid UTF-8 otherwise):
 * ENTRY_NUL_STANDIN is the one definition every reader and writer uses. */
#ifndef OMSLOG_ENTRY_H
#define OMSLOG_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/buf.h"
#include "omslog/datetime.h"

#define ENTRY_NUL_STANDIN "\xc0\x80"
#define ENTRY_NUL_STANDIN_LEN 2

/* The string fields of an entry that can share the JSON text's bytes, in the
 * order of struct log_entry. */
enum entry_text_field { ENTRY_LOGGER, ENTRY_MESSAGE, ENTRY_APP, ENTRY_TRACE, ENTRY_CREATED };
#define ENTRY_TEXT_FIELDS 5

/* Where the stored JSON text differs from the server's, in a decoded entry:
 * at offset `at`, either a '"' was replaced by the '\0' that ends a field
 * pointing there (field < 0), or a field's string contents were left out
 * because escaping the field gives them back exactly (field: which one). */
struct log_entry_splice {
    size_t at;
    int field;
};

/* A decoded entry's text, one allocation: json_len bytes of JSON text (with
 * the splices), a '\0', then each string field that is not the JSON text's
 * own bytes (it had escapes), NUL-terminated. */
struct log_entry_text {
    size_t size; /* bytes of bytes[] */
    size_t json_len;
    struct log_entry_splice splice[ENTRY_TEXT_FIELDS]; /* ascending at */
    size_t nsplices;
    char bytes[];
};

struct log_entry {
    int64_t id;
    int level;
    char *logger_name;
    char *message;
    char *app_name;
    char *trace;      /* "" when null or missing */
    char *created_at; /* exactly as the server sent it */
    struct log_time created;
    char *raw_json;              /* built in code only: see above */
    struct log_entry_text *text; /* decoded only: see above */
};

struct log_page {
    int64_t count;  /* the server's total, >= 0 */
    char *next;     /* NULL when null */
    char *previous; /* NULL when null */
    struct log_entry *entries;
    size_t n;
};

void log_entry_free(struct log_entry *e);
void log_page_free(struct log_page *p);
/* Does the page hold the entry with this id? */
bool log_page_has(const struct log_page *p, int64_t id);
/* Deep copy (dst is overwritten, not freed first), in the same form. */
void log_entry_copy(struct log_entry *dst, const struct log_entry *src);
/* Append the entry's JSON text to out and return true; false (nothing
 * appended) when the entry holds none (built in code without raw_json). */
bool log_entry_json(const struct log_entry *e, struct buf *out);
/* Append s[0..len) as the contents of a JSON string the way DRF's renderer
 * writes them: '"' '\\' \b \f \n \r \t escaped as such, other C0 controls,
 * NUL (or its stand-in C0 80), U+2028 and U+2029 as \u00xx / \u2028 /
 * \u2029, everything else as is. */
void log_entry_escape(struct buf *out, const char *s, size_t len);
/* Whether log_entry_escape(s, len) would write exactly json[0..json_len):
 * decode keeps a field's JSON text only when it would not. */
bool log_entry_escapes_as(const char *s, size_t len, const char *json, size_t json_len);
/* Bytes the entry holds: the struct itself plus every byte it owns
 * (allocator overhead aside). What the store's byte budget counts. */
size_t log_entry_bytes(const struct log_entry *e);

#endif
