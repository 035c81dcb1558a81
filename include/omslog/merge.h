/* merge.h — one newest-first stream out of several, where the server filters
 * only exact values: one stream per level at or above a minimum (no
 * level__gte or level__in), one per app named (no app_name__in). Pure: no
 * network, no terminal. `list` (cli.c) drives one walk (walk.h) per stream
 * and pushes what each hands out here; it also counts, and these functions
 * say whether the counts prove the streams complete.
 *
 * Merging: merge_push takes stream i's entries newest first, as its walk
 * hands them out (an id not below the last one of its stream is refused).
 * merge_next gives the newest entry of all once every stream still open
 * holds one, each id once (an id two streams both sent comes out once). The
 * merge owns what was pushed and not yet taken; the driver asks a stream for
 * pages only while it holds less than a page (merge_held), so the memory is
 * about a page per stream plus what the walks hold.
 *
 * Completeness:
 * - Levels are open-ended (Python's custom levels, 25 or 55, are logged like
 *   any other): a minimum level is the union of the exact levels at or above
 *   it only when every level the log holds is known. The known ones are the
 *   six standard levels and any other a sample of the log showed; the proof
 *   is that the count of each known level (all of them, below the minimum
 *   too, under the same other filters) adds up to the total count, counted
 *   after them, the log not having shrunk since a total counted before them
 *   (rows only arrive at the top). Where they fall short, another level
 *   exists: merge_level_candidates says which to count next (0..
 *   MERGE_LEVEL_MAX), else the caller scans. A server that leaves rows out of
 *   an exact level breaks the sum too, and is scanned.
 * - Apps need no count: the filter names its apps and app_name is an exact
 *   value, so the streams of the named apps hold exactly the rows the filter
 *   wants; apps not named, however many, are not wanted. Nor can a count tell
 *   omissions there (without app_name__in nothing counts the named apps
 *   together): every row is still checked against the client filter, and a
 *   server that consistently leaves out rows of an app is caught only by a
 *   scan, as elsewhere (architecture.md). */
#ifndef OMSLOG_MERGE_H
#define OMSLOG_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/entry.h"

/* Streams one merge takes at most (levels x apps). */
#define MERGE_MAX_STREAMS 64
/* The highest level counted in the search for the levels a log holds. */
#define MERGE_LEVEL_MAX 100

struct merge;

struct merge *merge_new(size_t streams);
void merge_free(struct merge *m);
/* A copy of e as stream i's next entry: false (nothing taken) when i is out
 * of range, ended, or e's id is not below the last one pushed on it. */
bool merge_push(struct merge *m, size_t i, const struct log_entry *e);
/* Stream i has no more entries. */
void merge_end(struct merge *m, size_t i);
bool merge_ended(const struct merge *m, size_t i);
/* Entries stream i holds, pushed and not yet merged. */
size_t merge_held(const struct merge *m, size_t i);
/* The newest entry not yet taken, valid until the next merge_next or
 * merge_free; NULL while an open stream holds nothing (it may still bring a
 * newer one) or when everything was taken. */
const struct log_entry *merge_next(struct merge *m);
/* Every stream ended and everything was taken. */
bool merge_done(const struct merge *m);

/* The known levels: the standard ones and those of the entries of sample
 * (NULL: none), ascending, each once; at most cap in out. Returns how many. */
size_t merge_known_levels(const struct log_page *sample, int *out, size_t cap);
/* The levels of 0..MERGE_LEVEL_MAX not in known, in the order to count
 * them: the ones halfway between standard levels first (5, 15, ..., 95:
 * where custom levels usually sit), then the rest ascending. */
size_t merge_level_candidates(const int *known, size_t n_known, int *out, size_t cap);
/* Whether counts[0..n) (the known levels' counts, -1 for a count that
 * failed) prove no other level exists: they add up to total_after, and
 * total_before <= total_after. */
bool merge_counts_complete(int64_t total_before, int64_t total_after, const int64_t *counts,
                           size_t n);
/* The sum of counts[0..n), -1 when one failed or it overflows. */
int64_t merge_counts_sum(const int64_t *counts, size_t n);

#endif
