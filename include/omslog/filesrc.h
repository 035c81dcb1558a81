/* filesrc.h — a file written by `omslog list --format jsonl` (or json), maybe
 * gzip-compressed, as a source of the same pages the API gives: `omslog open`.
 *
 * Contract:
 * - filesrc_open reads the file once, in blocks, and keeps an index of its
 *   entries only (offset, length, id and line: 24 bytes each),
 *   never the entries: memory grows with the number of entries, not with
 *   their size. A gzip file (by its magic bytes, whatever its name) is
 *   decompressed (zlib) into an unlinked temporary file, which is indexed;
 *   one cut short keeps the entries before the cut (reported as a bad line).
 * - JSON Lines: one entry a line; blank lines are ignored. json: one array
 *   of entries, split into its elements by a streaming scan.
 * - The scan checks each item's shape only (a JSON object whose top-level
 *   id and level are integers and whose logger_name, message, app_name and
 *   created_at are strings): the first screen does not wait for every entry
 *   to be decoded. Items that fail are skipped and counted; the first
 *   FILESRC_BAD_SHOWN of their line numbers are kept (filesrc_bad). So is a
 *   second entry with an id already seen (the first one stays).
 * - Rows are newest first, as the API's pages: the index is sorted by id,
 *   descending, when the file is in another order (list --reverse writes
 *   the oldest first; filesrc_reordered says so).
 * - Pages and entries are decoded on request with decode_entry (decode.h,
 *   the one decoder) into the caller's struct log_page / log_entry, which the
 *   caller owns. An entry whose text passed the scan but not the decoder (a
 *   bad escape, an unparsable created_at) keeps its row as a stand-in entry
 *   whose message names its line and what was wrong, so no row moves.
 * - Errors: the file cannot be opened or read (a directory, missing,
 *   unreadable, a broken gzip stream): OMSLOG_ERR_IO. It holds no entry (empty,
 *   binary, not an export): OMSLOG_ERR_PROTOCOL. */
#ifndef OMSLOG_FILESRC_H
#define OMSLOG_FILESRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/entry.h"
#include "omslog/error.h"

/* Line numbers of skipped items kept for the report. */
#define FILESRC_BAD_SHOWN 5
/* The longest item (line or array element) indexed; a longer one is skipped. */
#define FILESRC_ITEM_MAX ((size_t)64 * 1024 * 1024)

struct filesrc;

struct filesrc_bad {
    int64_t count;                    /* items skipped */
    int64_t lines[FILESRC_BAD_SHOWN]; /* the first ones' line numbers (1-based) */
    size_t n_lines;
    char first[OMSLOG_ERROR_MSG_MAX]; /* what was wrong with the first one */
};

struct filesrc *filesrc_open(const char *path, struct omslog_error *err);
void filesrc_free(struct filesrc *f);

/* The path as given (raw: sanitise before showing it). */
const char *filesrc_path(const struct filesrc *f);
int64_t filesrc_count(const struct filesrc *f);
bool filesrc_compressed(const struct filesrc *f);
/* The file was not newest first (e.g. list --reverse): its rows were sorted. */
bool filesrc_reordered(const struct filesrc *f);
const struct filesrc_bad *filesrc_bad(const struct filesrc *f);
/* "3 bad lines skipped (lines 4, 9, 12): line 4: not JSON" into out (""
 * when none was). */
void filesrc_bad_describe(const struct filesrc *f, char *out, size_t n);

/* Page `page` (1-based) of `size` rows, newest first, as the API would
 * send it (count: the entries in the file; next/previous NULL). A page past
 * the end is OMSLOG_ERR_NOT_FOUND; a file that cannot be read back,
 * OMSLOG_ERR_IO. */
int filesrc_page(struct filesrc *f, long page, long size, struct log_page *out,
                 struct omslog_error *err);
/* The entry with this id: OMSLOG_OK, or OMSLOG_ERR_NOT_FOUND. */
int filesrc_entry(struct filesrc *f, int64_t id, struct log_entry *out, struct omslog_error *err);
/* Each entry, newest first, decoded and given to fn (borrowed for the call).
 * Stops at the first read error (returned). */
int filesrc_each(struct filesrc *f, void (*fn)(const struct log_entry *e, void *ctx), void *ctx,
                 struct omslog_error *err);
/* The same for rows [from, from + n) only (0 is the newest; the part past
 * the end, or before 0, is none): a caller that must not stand still for a
 * whole file (the browser's summary) resumes at from + n on its next turn. */
int filesrc_each_range(struct filesrc *f, int64_t from, int64_t n,
                       void (*fn)(const struct log_entry *e, void *ctx), void *ctx,
                       struct omslog_error *err);

#endif
