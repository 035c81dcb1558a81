/* walk.h — where a page sits in a log that changes while it is read, and the
 * walk over pages that `list` runs: pure functions, no network, no terminal.
 * The store (store.h) places every page it caches with walk_place; the
 * command line drives a struct walk, moving pages between it and the API.
 *
 * Positions: an entry's position is its distance from the oldest end of the
 * log (count - 1 - row). New entries arrive at the top and leave every older
 * position alone, so pages fetched under different counts fit together.
 * All arithmetic here is safe for any count a server may claim (>= 0, up to
 * INT64_MAX) and any page number.
 *
 * The walk is a producer with a sink (as ncdu's dir_output): the walk says
 * which page to request (sink.request) or to drop (sink.cancel); the caller
 * feeds it every page that arrives (walk_feed, in any order, several in
 * flight) and the walk hands the entries to sink.entry newest first, each id
 * once. A page that cannot be proven to continue what was handed out (the
 * log grew, shrank or was purged between requests) is held while the page of
 * the last entry handed out is read again; past a budget of such re-reads it
 * is handed out unproven and counted (walk_unproven). The walk owns the pages
 * fed to it; the sink never sees one it must free. */
#ifndef OMSLOG_WALK_H
#define OMSLOG_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/buf.h"
#include "omslog/datetime.h"
#include "omslog/entry.h"
#include "omslog/error.h"

/* Re-reads allowed beyond one per page handed out: a server whose counts make
 * no sense must not keep the walk re-reading forever. */
#define WALK_MAX_REREADS 100
/* Pages in a row that bring no entry not already handed out before the walk
 * gives up (OMSLOG_ERR_TIMEOUT): the log grows by a page or more between
 * requests, so the walk would never get further down. */
#define WALK_MAX_STALLED_PAGES 100

/* ---- geometry ---- */

/* Pages of size entries that count entries fill (0 for an empty log). */
long walk_pages_for(int64_t count, long size);
/* Row of the first entry of a page (1-based), INT64_MAX when beyond any log. */
int64_t walk_first_row(long page, long size);
/* Page (1-based) of a row (0-based). */
long walk_page_of_row(int64_t row, long size);

/* What is known of the server's paging: the size asked for until a full page
 * (one with a next link) tells the real one; a server that ignores or clamps
 * the size asked for is followed as it is. */
struct walk_pager {
    long size; /* entries a page, 0 while unknown */
    bool told; /* a full page told it */
};

/* Where a page's entries go: entries [skip, skip + n) of the page at
 * positions top, top - 1, ... Entries before skip repeat the previous page's
 * last ones (a page never holds more than a page's worth: the log grew
 * between two requests without the count saying so, or the server repeats the
 * boundary entry). top - n + 1 < 0 means the page reaches past the bottom by
 * its own count. */
struct walk_span {
    int64_t top;
    size_t skip, n;
    bool resized; /* the page changed pager->size from a known size */
};

/* Place page number page of p; learns the page size into *pg first. */
struct walk_span walk_place(struct walk_pager *pg, long page, const struct log_page *p);

/* Did the request for page fail because the page is gone (404 "Invalid
 * page": the log shrank below it since its number was chosen)? */
bool walk_page_gone(long page, const struct omslog_error *err);

/* What reading pages costs, for a person deciding whether to: "3000 pages,
 * about 4 min at 12.5 pages/s" (pages_per_s <= 0: "3000 pages, time not
 * known yet"). */
void walk_cost_text(struct buf *out, long pages, double pages_per_s);

/* ---- the walk ---- */

struct walk_sink {
    void *ctx;
    /* Ask for a page: a ticket > 0, 0 when no request may start now (the
     * transport's limit on requests in flight; asked again on the next
     * walk_feed), or -1 with err set (the walk ends with that status). */
    int (*request)(void *ctx, long page, struct omslog_error *err);
    /* A request whose page is no longer needed: nothing is fed for it. */
    void (*cancel)(void *ctx, int ticket);
    /* The next entry, in order; return false to end the walk (a limit). */
    bool (*entry)(void *ctx, const struct log_entry *e);
    /* A page was handed out: its number, the pages the log has by the latest
     * count (0 while the page size is unknown), the page size. May be NULL. */
    void (*progress)(void *ctx, long page, long pages, const struct walk_pager *pg);
    /* Keyset mode only: ask for page `page` of the entries older than
     * before_id (id__lt=before_id), as request does. */
    int (*request_below)(void *ctx, int64_t before_id, long page, struct omslog_error *err);
};

/* Keyset mode (keyset, with sink.request_below; first_page 1): where the
 * server honours id__lt, pages are not asked by their number in the whole log
 * but in windows: page 1 as usual, then pages 1..window of the entries older
 * than the last id of the window before (id__lt), so no page number passes
 * window however long the log, and entries arriving at the top move nothing.
 * Within a window the count must stay as its first page told (else the window
 * is asked again below the last id handed out); an entry not below the
 * anchor means the server does not honour id__lt after all: the walk goes on
 * by page numbers (walk_keyset_failed). */
struct walk_opts {
    long first_page; /* 1-based */
    bool one_page;   /* that page only */
    long page_size;  /* asked of the server, 0: its default */
    long max_pages;  /* pages requested or held at once (memory bound), >= 1 */
    bool keyset;     /* see above */
    long window;     /* keyset: pages a window spans (0 or above max_pages: max_pages) */
    /* The end of a time window (page numbers only, not keyset): the sink
     * stops at the first entry older than stop_before, so no page below the
     * one holding it is needed. stop_pos > 0: the position (by the counts)
     * of such an entry known beforehand (a seek's page). Either way a page
     * arriving, in any order, whose first entry is older sets the bound, and
     * no page past the one holding the newest such entry is asked. Positions
     * keep the bound right while entries arrive at the top; a bound the walk
     * reaches without the sink stopping (the log shrank) is lifted. */
    bool has_stop_before;
    struct log_time stop_before;
    int64_t stop_pos;
};

struct walk;

struct walk *walk_new(const struct walk_opts *o, const struct walk_sink *sink);
/* Cancels what is still requested and frees what is held. */
void walk_free(struct walk *w);
/* Request the first pages; called again, request what the sink refused (0)
 * since, as walk_feed does (a driver of several walks whose sinks wait for room).
 * Returns OMSLOG_OK or the status the walk ended with. */
int walk_start(struct walk *w, struct omslog_error *err);
/* A request finished: p its page when the status of perr is OMSLOG_OK (perr
 * may be NULL then), else perr says why. The walk takes the entries (p is
 * left empty; the caller still frees it). A ticket the walk does not know
 * (cancelled meanwhile) is ignored. Returns OMSLOG_OK while the walk goes on
 * or ended well, else the status it ended with (err filled). */
int walk_feed(struct walk *w, int ticket, struct log_page *p, const struct omslog_error *perr,
              struct omslog_error *err);
bool walk_done(const struct walk *w);
/* Pages handed out without proof that no entry was skipped or repeated. */
long walk_unproven(const struct walk *w);
/* Keyset mode met an entry at or above its anchor and went on by pages. */
bool walk_keyset_failed(const struct walk *w);

#endif
