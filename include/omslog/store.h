/* store.h — the browser's model: a virtual list over the server's `count`
 * entries, a bounded LRU cache of fetched pages, the filtered view, and the
 * searches that walk the whole log. Plain C, no curses, no network: the store
 * says which pages it wants (store_wanted_pages) and the caller feeds it what
 * arrives (store_page_loaded / store_page_failed), so tests drive it directly.
 *
 * Contract:
 * - Rows are numbered from 0 (the newest entry). The unfiltered view has
 *   `count` rows; row r lives on page r / page_size + 1.
 * - The log grows while it is browsed. Entries are placed by their distance
 *   from the oldest end (walk_place, walk.h), which does not move when
 *   entries arrive at the top, so a page fetched under another `count` still
 *   lands on the right rows. Cached pages whose ids contradict a newer page
 *   (same row, different id; or ids out of descending order) are dropped and
 *   fetched again: an id is never shown twice and none is skipped.
 * - The store knows which pages are requested, each with the caller's ticket
 *   (its request id), so the caller keeps no table: store_take_requests
 *   hands back the tickets to cancel. How many requests run at once is the
 *   transport's limit (api_room), not the store's.
 * - The cache is bounded twice: cache_pages pages (at least
 *   STORE_MIN_CACHE_PAGES) and cache_bytes bytes (store_set_cache_bytes;
 *   an entry's bytes are log_entry_bytes: its struct and every byte it owns).
 *   A page holding a row on screen (or the row a find or a locate waits on)
 *   is pinned: never evicted while it is. After each page arrives, unpinned
 *   pages are evicted, least recently used first, until both bounds hold or
 *   only pinned pages are left; so the entries held never exceed
 *   max(cache_bytes, the bytes of the pinned pages) <= cache_bytes + the
 *   pages of the rows on screen. A page evicted before any of its rows was
 *   read is not prefetched again until the window or the find moves, so the
 *   requests stay bounded whatever the server's page size.
 * - The filtered view keeps only (id, position) pairs of the matches, not the
 *   entries, and the positions scanned as sorted intervals: memory grows with
 *   what was fetched, never with the count the server claims.
 * - App names seen are kept for completion (STORE_APPS_MAX names, each cut
 *   to STORE_APP_NAME_MAX bytes, STORE_APPS_BYTES_MAX in all).
 * - With a filter, every page that arrives is scanned for matches, and the
 *   store asks for the pages it has not scanned yet until the whole log is:
 *   the view is correct whether or not the server filtered.
 * - Pointers returned by store_row stay valid until the next store_page_loaded,
 *   store_set_filter, store_reload or store_free. The store owns all entries. */
#ifndef OMSLOG_STORE_H
#define OMSLOG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/filter.h"

#define STORE_MIN_CACHE_PAGES 16
/* The byte bound until store_set_cache_bytes says otherwise. */
#define STORE_DEFAULT_CACHE_BYTES ((size_t)64 * 1024 * 1024)
/* Pages remembered as dropped unread (store.c keeps the newest). */
#define STORE_DROPPED_MAX 64
#define STORE_APPS_MAX 1024
#define STORE_APP_NAME_MAX 256
#define STORE_APPS_BYTES_MAX ((size_t)64 * 1024)
/* Pages fetched ahead of the window in the scroll direction. */
#define STORE_PREFETCH_PAGES 2
/* Requests a locate may make before it gives up and says the id is absent. */
#define STORE_LOCATE_MAX_STEPS 40

struct store;

enum store_row_state {
    STORE_ROW_LOADED,
    STORE_ROW_LOADING, /* not cached; requested or about to be */
    STORE_ROW_FAILED,  /* its page failed; store_retry_failed asks again */
    STORE_ROW_NONE,    /* outside the view */
};

enum store_find_result {
    STORE_FIND_FOUND,   /* *row is the match */
    STORE_FIND_END,     /* no match up to the end of the view in that direction */
    STORE_FIND_PENDING, /* *row is the first row not loaded yet; call again later */
};

enum store_locate_result {
    STORE_LOCATE_FOUND,   /* *row is the entry's row in the current view */
    STORE_LOCATE_ABSENT,  /* not in the log: its neighbours are adjacent without it;
                             *row is its nearest older neighbour's row (else the newer
                             one's) in the current view, -1 when none shows */
    STORE_LOCATE_HIDDEN,  /* in the log, but the filter hides it; *row is its unfiltered row */
    STORE_LOCATE_PENDING, /* pages are wanted; call again after they arrive */
    STORE_LOCATE_FAILED,  /* a page it needed failed to load, or too many steps */
    STORE_LOCATE_IDLE,    /* no locate in progress */
};

typedef bool (*store_pred)(const struct log_entry *e, void *ctx);

/* page_size: the size asked of the server, 0 when the server's default is
 * used (learnt from the first page). find_ahead: pages a find asks for ahead
 * of where it is (as many as can be in flight at once). */
struct store *store_new(long cache_pages, long page_size, long find_ahead);
void store_free(struct store *s);
/* The byte bound of the cache (0: STORE_DEFAULT_CACHE_BYTES). */
void store_set_cache_bytes(struct store *s, size_t bytes);
/* What the cache holds now: bytes of its entries, and pages. */
size_t store_cached_bytes(const struct store *s);
size_t store_cached_pages(const struct store *s);

/* The server's count (-1 before the first page). */
int64_t store_count(const struct store *s);
/* Rows of the current view: count, or matches found so far when filtered. */
int64_t store_rows(const struct store *s);
/* Change of `count` caused by the last store_page_loaded (new entries at the top). */
int64_t store_count_delta(const struct store *s);
/* Bumped whenever the view's contents may have changed (for redraws). */
uint64_t store_generation(const struct store *s);

/* The entry on a row of the current view, or NULL when not loaded. Marks its
 * page as recently used. */
const struct log_entry *store_row(struct store *s, int64_t row);
enum store_row_state store_row_state(struct store *s, int64_t row);
/* Row of an id in the current view when the entry is loaded (or, filtered,
 * known as a match); -1 otherwise. */
int64_t store_row_of_id(struct store *s, int64_t id);
/* The row of id if it is in the view, else (filtered) of the nearest older
 * match known so far, else of the nearest newer one; -1 when none is known. */
int64_t store_row_nearest_id(struct store *s, int64_t id);

/* The rows on screen and the scroll direction (+1 down, -1 up, 0 none):
 * decides which pages are wanted first and which to prefetch. */
void store_set_window(struct store *s, int64_t top, int64_t rows, int direction);

/* Fill out with up to max page numbers to request now, most urgent first;
 * pages already in flight, cached or failed are left out. Returns how many. */
size_t store_wanted_pages(struct store *s, long *out, size_t max);
/* A page was requested; ticket is the caller's id for the request. */
void store_page_requested(struct store *s, long page, int ticket);
/* Forget up to max requests in flight, all of them or those no longer of use
 * (the window moved away), and put their tickets in tickets for the caller
 * to cancel. Returns how many; call again while it returns max. */
size_t store_take_requests(struct store *s, bool all, int *tickets, size_t max);
/* Takes the entries out of p (p->entries becomes NULL, p->n 0); the caller
 * still frees p. */
void store_page_loaded(struct store *s, long page, struct log_page *p);
/* A page that is gone (walk_page_gone: the log shrank) also asks for page 1
 * again, which tells the new count. */
void store_page_failed(struct store *s, long page, const struct omslog_error *err);
size_t store_in_flight(const struct store *s);
/* Keyset requests, for a server that honours id__lt (the caller knows):
 * a wanted page within find_ahead pages below a cached one is better asked
 * as page ks.page of the entries older than the cached page's last entry
 * (id__lt=ks.below_id) than by its number, which costs the server an OFFSET
 * scan of every row above it. The answer places itself: its count is the
 * number of entries older than the anchor, so walk_place puts it just below
 * the anchor's position, whatever arrived at the top meanwhile; it never
 * changes the view's count. It is kept only when it fits: a page's worth of
 * ids, all below the anchor and descending, a count equal to the anchor's
 * position (ks.below_pos) and no cached position contradicted. Otherwise
 * store_page_loaded_below returns false, the caller stops using id__lt, and
 * the page is wanted again, to be asked by number. *ignored then says
 * whether the answer proves id__lt not applied (an id at or above the
 * anchor); a count or position that does not fit may also be old entries
 * purged meanwhile, which proves nothing about the server. */
struct store_keyset {
    int64_t below_id;  /* id__lt */
    long page;         /* of the entries older than below_id (1-based) */
    int64_t below_pos; /* below_id's position: the answer's count */
};
/* Can page be asked by keyset? true with *ks filled. */
bool store_keyset_for(struct store *s, long page, struct store_keyset *ks);
/* Page was requested as *ks (store_keyset_for's answer) under ticket. */
void store_page_requested_below(struct store *s, long page, int ticket,
                                const struct store_keyset *ks);
/* The view's page a keyset request stands for, 0 when ticket is not one
 * (its result goes to store_page_loaded / store_page_failed by number). */
long store_keyset_page(struct store *s, int ticket);
/* Its answer (entries taken as store_page_loaded takes them); false when it
 * does not fit (above). */
bool store_page_loaded_below(struct store *s, int ticket, struct log_page *p, bool *ignored);
void store_page_failed_below(struct store *s, int ticket, const struct omslog_error *err);

size_t store_failed_pages(const struct store *s);
/* Forget failures so the pages are asked for again. */
void store_retry_failed(struct store *s);
/* The server's pages kept contradicting each other (e.g. the same id on two
 * pages) until the store stopped refetching them; store_reload resets. */
bool store_inconsistent(const struct store *s);
/* Drop every cached page (keeping count and filter) so everything is fetched again. */
void store_reload(struct store *s);
/* Ask for page 1 again even if it is cached (follow mode). */
void store_refresh_top(struct store *s);
/* Id of the newest entry seen, 0 before the first page. */
int64_t store_max_id(const struct store *s);

/* Replace the filter (copied; search is ignored: the view filters by level,
 * app, & pattern and time). The filtered view starts again from the pages in
 * the cache. */
void store_set_filter(struct store *s, const struct filter *f);
bool store_is_filtered(const struct store *s);
/* Server-filtered mode: the pages the caller fetches from now on are the
 * server's answer to a filtered query (the caller sends its params), rows
 * placed by the same walk geometry over that query's `count`. pushed is the
 * part of the filter the server applies: every row that arrives must pass
 * it, else the page is not kept and store_server_liar names the row (the
 * caller then falls back to the client's scan). The view filter
 * (store_set_filter) still applies on top, for the parts the server did
 * not do. NULL: back to the plain log. Either way the cache is emptied (it
 * holds another query's pages), the count is unknown until the next page,
 * and the requests in flight are forgotten: cancel them first
 * (store_take_requests). */
void store_set_server_filter(struct store *s, const struct filter *pushed);
bool store_server_filtered(const struct store *s);
/* The id of the first row that failed the pushed filter, 0 when none. */
int64_t store_server_liar(const struct store *s);
/* Entries scanned for the filter so far, out of count. */
void store_scan_progress(const struct store *s, int64_t *scanned, int64_t *total);
bool store_scan_done(const struct store *s);

/* Next row after from (dir +1) or before it (dir -1) whose entry matches pred.
 * On PENDING the page of *row is wanted (plus a few beyond it): call again
 * from *row - dir once it has arrived. */
enum store_find_result store_find(struct store *s, int64_t from, int dir, store_pred pred,
                                  void *ctx, int64_t *row);
/* The find in progress no longer needs pages. */
void store_find_cancel(struct store *s);

/* Find the page that holds an id: ids descend with the row, so the store
 * estimates the position from the ids it has seen and verifies it with a few
 * requests. */
void store_locate_start(struct store *s, int64_t id);
enum store_locate_result store_locate_step(struct store *s, int64_t *row);
void store_locate_cancel(struct store *s);
/* Where the locate in progress should look first: the row the server's
 * count says the id is on (e.g. count of id__lte=ID). */
void store_locate_hint(struct store *s, int64_t row);
/* The server's answer to id__lte=ID over the view's own query: c entries at
 * or below the id, first_id the newest of them. The locate looks first at
 * the page of the c-th oldest row; the id found anywhere is FOUND; an older
 * first_id shown at that row, with a newer entry (or none loaded) above it,
 * ends it ABSENT there at once. A count the pages contradict (a log that
 * changed, a server that drops rows) is only a hint: the locate goes on by
 * the ids it sees. Unfiltered views only (the count is of the server's rows). */
void store_locate_hint_count(struct store *s, int64_t c, int64_t first_id);
/* Pages requested for the last locate started (still valid after it ended). */
long store_locate_requests(const struct store *s);

/* Counts of the loaded entries that pass the current filter. */
struct store_count_item {
    char *key; /* level name, app name, or exception type */
    int level; /* the level for level items, else -1 */
    long n;
    bool other; /* the rest of a total the named items do not cover */
};
struct store_summary {
    struct store_count_item *levels, *apps, *exceptions;
    size_t n_levels, n_apps, n_exceptions;
    long total;
    /* What the counts cover (when total > 0): the ids and times of the
     * oldest and the newest entry counted. */
    int64_t min_id, max_id;
    struct log_time oldest, newest;
};
/* Most frequent first. Release with store_summary_free. */
void store_summary(struct store *s, struct store_summary *out);
void store_summary_free(struct store_summary *sum);
/* The same counts, entry by entry, for entries the store does not hold (a
 * file's summary counts the whole file): new, add each, finish (which fills
 * out and frees the tally). */
struct store_tally;
struct store_tally *store_tally_new(void);
void store_tally_add(struct store_tally *t, const struct log_entry *e);
void store_tally_finish(struct store_tally *t, struct store_summary *out);

/* Distinct app names seen in loaded pages, sorted (for completion). The array
 * and strings are owned by the store, valid until the next store_page_loaded. */
size_t store_apps_seen(const struct store *s, const char *const **apps);

#endif
