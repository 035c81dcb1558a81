/* entry.h — the data model: one action-log entry and one page of them.
 *
 * Contract: an entry owns all its strings; string fields are never NULL after
 * decoding (a null or missing trace is ""). raw_json is the entry object as the
 * server sent it (all fields, original order; re-serialised compactly), used by
 * the json/jsonl output so scripts get the server's fields exactly.
 * log_entry_free / log_page_free release everything and zero the struct; both
 * accept a zeroed struct.
 *
 * Text fields are C strings, so a U+0000 the server sent (JSON "\u0000") is
 * held as the two bytes C0 80 ("modified UTF-8", never valid UTF-8 otherwise):
 * ENTRY_NUL_STANDIN is the one definition every reader and writer uses. */
#ifndef OMSLOG_ENTRY_H
#define OMSLOG_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "omslog/datetime.h"

#define ENTRY_NUL_STANDIN "\xc0\x80"
#define ENTRY_NUL_STANDIN_LEN 2

struct log_entry {
    int64_t id;
    int level;
    char *logger_name;
    char *message;
    char *app_name;
    char *trace;      /* "" when null or missing */
    char *created_at; /* exactly as the server sent it */
    struct log_time created;
    char *raw_json;
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
/* Deep copy (dst is overwritten, not freed first). */
void log_entry_copy(struct log_entry *dst, const struct log_entry *src);

#endif
