/* format.h — writing entries for the command-line modes.
 *
 * Contract: table and text are for people and always sanitised (see
 * sanitize.h); json, jsonl and csv are for programs and keep the data exact:
 * json/jsonl print each entry's JSON text (log_entry_json: the server's
 * fields), csv follows RFC 4180 (CRLF line ends, every field quoted when it
 * holds a comma, quote, CR or LF; quotes doubled) with a header row. A writer
 * streams: begin, any number of entries, end. Write errors are reported by
 * format_end (and by ferror on the stream). csv writes decode's C0 80
 * stand-in for U+0000 as a NUL byte (the field is then quoted). */
#ifndef OMSLOG_FORMAT_H
#define OMSLOG_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "omslog/buf.h"
#include "omslog/entry.h"

enum format_kind { FORMAT_TABLE, FORMAT_JSON, FORMAT_JSONL, FORMAT_CSV, FORMAT_TEXT };

struct format_writer {
    enum format_kind kind;
    FILE *out;
    int width;    /* table: terminal columns (>= 40 used; 0 → 120) */
    bool utc;     /* table/text: UTC instead of local time */
    size_t count; /* entries written so far */
};

/* "table", "json", "jsonl", "csv", "text" → kind; -1 when unknown. */
int format_parse(const char *name, enum format_kind *out);
void format_begin(struct format_writer *w, enum format_kind kind, FILE *out, int width, bool utc);
void format_entry(struct format_writer *w, const struct log_entry *e);
/* Finishes (closing bracket for json) and flushes. Returns 0, or -1 on a write error. */
int format_end(struct format_writer *w);

/* A ticket (Markdown) for entries[0..n), n >= 1, appended to out: per entry
 * a one-line summary ("ERROR order_service 2023-12-02 10:00:06Z #5558"),
 * then its fields, message and trace each in a fenced code block whose fence
 * (at least three backticks) is longer than any run of backticks inside, then
 * the entry's API URL built from endpoint (the list URL; NULL: no URL line).
 * Several entries come oldest first (by time, then id), separated by a blank
 * line, "---" and a blank line. Server text is sanitised as the text copies
 * are (newlines and tabs kept, every other control made visible), so a
 * pasted ticket carries no escape sequence. */
void format_ticket(struct buf *out, const struct log_entry *const *entries, size_t n,
                   const char *endpoint, bool utc);

/* Diagnostics for people (error messages, --verbose lines), which may quote
 * text a server sent: s is appended to out sanitised with the sanitize.h
 * flags, after every run of at least FORMAT_REDACT_MIN_RUN bytes that also
 * occurs in secret (the whole secret, when it is shorter) has been replaced by
 * FORMAT_REDACTED. So a server echoing the API token back, even cut short or
 * inside other text, cannot make omslog print it. A NULL secret, or one
 * shorter than FORMAT_REDACT_MIN_SECRET bytes (too short to look for without
 * mangling ordinary words), redacts nothing. */
#define FORMAT_REDACTED "***"
#define FORMAT_REDACT_MIN_RUN 8
#define FORMAT_REDACT_MIN_SECRET 4
void format_redacted(struct buf *out, const char *s, size_t len, const char *secret,
                     unsigned flags);

#endif
