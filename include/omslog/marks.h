/* marks.h — the set of marked log entries and its file, one per server.
 *
 * Contract:
 * - A mark set holds at most MARKS_MAX ids, kept in ascending order (oldest
 *   entry first). Each mark may carry a small summary (time, level, app, the
 *   first line of the message, at most MARKS_MSG_MAX bytes) for display; the
 *   file holds ids only.
 * - marks_load reads the file: one decimal id a line, '#' lines are comments.
 *   A line that is not an id is reported (path and line number) and skipped;
 *   the other lines are kept. A missing file is an empty set.
 * - marks_save merges: under an exclusive flock on path + ".lock" it reads
 *   the file again, applies this set's adds and removes since the last load
 *   or save, and writes the result through fileio_write (temporary file and
 *   rename, mode 0600). Two processes saving the same file lose neither's
 *   changes; afterwards the set is the merged one.
 * - marks_file_path names the file for a server origin: under
 *   $XDG_STATE_HOME/omslog/ (an absolute XDG_STATE_HOME, else
 *   ~/.local/state/omslog/), "marks-" + the origin percent-encoded (only
 *   [A-Za-z0-9.-] stay), so a name never carries a '/' or starts with '.'.
 *   The directory is created (mode 0700) when a save first needs it.
 * - Nothing here draws or talks to the network. */
#ifndef OMSLOG_MARKS_H
#define OMSLOG_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/datetime.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#define MARKS_MAX 10000
#define MARKS_MSG_MAX 200
#define MARKS_DIR_MODE 0700

struct mark {
    int64_t id;
    bool known; /* the summary below is filled */
    bool gone;  /* the server said there is no such entry */
    int level;
    struct log_time created;
    char *app; /* NULL while unknown */
    char *msg; /* the message's first line, cut to MARKS_MSG_MAX bytes */
};

struct marks;

/* path NULL: kept in memory only (load and save do nothing). */
struct marks *marks_new(const char *path);
void marks_free(struct marks *m);
const char *marks_path(const struct marks *m);

/* OMSLOG_OK, or an error (err filled, the readable ids kept). */
int marks_load(struct marks *m, struct omslog_error *err);
int marks_save(struct marks *m, struct omslog_error *err);

size_t marks_count(const struct marks *m);
/* The i-th mark, ascending id; NULL past the end. */
const struct mark *marks_at(const struct marks *m, size_t i);
bool marks_has(const struct marks *m, int64_t id);
/* 0, or -1 when the set is full (MARKS_MAX); adding a marked id does nothing. */
int marks_add(struct marks *m, int64_t id);
/* Whether id was marked. */
bool marks_remove(struct marks *m, int64_t id);
/* Marks or unmarks: 1 marked, 0 unmarked, -1 full. */
int marks_toggle(struct marks *m, int64_t id);
/* Fill the summary of e's mark (nothing when e is not marked). */
void marks_set_summary(struct marks *m, const struct log_entry *e);
void marks_set_gone(struct marks *m, int64_t id);

/* The file for origin ("https://host:port"): malloc'd, or NULL with err when
 * neither XDG_STATE_HOME nor HOME gives a directory. */
char *marks_file_path(const char *origin, struct omslog_error *err);

#endif
