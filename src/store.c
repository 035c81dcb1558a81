/* store.c — see include/omslog/store.h
 *
 * Positions (walk.h): an entry's "position" b is its distance from the oldest
 * end of the log (count - 1 - row); walk_place says where each page goes. */
#include "omslog/store.h"

#include <stdlib.h>
#include <string.h>

#include "omslog/level.h"
#include "omslog/trace.h"
#include "omslog/utf8.h"
#include "omslog/util.h"
#include "omslog/walk.h"

#define STORE_EXC_TYPE_MAX 128
/* Intervals and pages the scan cursor examines per store_wanted_pages call,
 * so that one call stays cheap on a huge log. */
#define STORE_SCAN_STEPS 4096
/* Locate: interpolate for the first probes, then halve, so a log with very
 * uneven ids still takes only logarithmically many requests. */
#define STORE_LOCATE_INTERP_STEPS 3
/* Stale pages dropped per reload. A server whose pages contradict each other
 * every time (the same id on two pages) would otherwise make the store drop
 * and fetch the same two pages forever; past the budget the contradiction is
 * tolerated and reported (store_inconsistent). */
#define STORE_CONFLICT_BUDGET 64

struct chunk {
    struct log_entry *e;
    size_t n;
    int64_t b_top; /* position of e[0]; e[i] is at b_top - i */
    int64_t min_id, max_id;
    uint64_t seq;      /* arrival order: the newest wins where chunks overlap */
    uint64_t last_use; /* for LRU eviction */
    size_t bytes;      /* of the entries, all their strings included */
    long page;         /* the page it arrived as */
    bool used;         /* a row of it was read since it arrived */
    bool pinned;       /* holds a row on screen (set by cache_pin) */
};

/* Positions lo..hi (inclusive). */
struct span {
    int64_t lo, hi;
};

struct match {
    int64_t id;
    int64_t b;
};

/* A page requested and not yet arrived, with the caller's ticket for it.
 * A keyset request (below.page > 0) is found by its ticket only: its answer
 * is not the view's page by number, so an answer to page `page` by number
 * must never be taken for it. */
struct store_req {
    long page;
    int ticket;
    struct store_keyset below;
};

struct store {
    long cache_cap;
    size_t byte_cap;
    size_t bytes; /* of all chunks */
    struct walk_pager pager;
    long find_ahead; /* pages a find reads ahead of where it is */
    int64_t count;
    int64_t delta;
    uint64_t gen, tick, seq;

    struct chunk *chunks;
    size_t n_chunks, cap_chunks;
    /* Pages evicted before any row of them was read: not prefetched again
     * until the window or the find moves (the cache cannot hold them now). */
    long *dropped;
    size_t n_dropped, cap_dropped;

    struct store_req *inflight;
    size_t n_inflight, cap_inflight;
    long *failed;
    size_t n_failed, cap_failed;

    int64_t win_top, win_rows;
    int win_dir;
    bool refresh_top;
    int64_t max_id;

    struct filter filter;
    bool filtered;
    /* Server-filtered: the pages are the server's answer to a filtered
     * query; every row must pass pushed, else liar_id names the first that
     * did not (and its page is not kept). */
    bool server;
    struct filter pushed;
    int64_t liar_id;
    struct match *matches;
    size_t n_matches, cap_matches;
    struct span *spans; /* scanned positions, sorted by lo */
    size_t n_spans, cap_spans;
    int64_t n_scanned;     /* scanned positions below count */
    int64_t scan_from_row; /* every row above this one is scanned */

    bool find_active;
    int64_t find_row;
    int find_dir;

    bool loc_active;
    int64_t loc_id;
    long loc_page;
    long loc_hint; /* a page to look at first (store_locate_hint), 0: none */
    int loc_steps;
    /* store_locate_hint_count: the position the server's count names and the
     * id it says is there (-1: none); loc_requests: pages asked for it. */
    int64_t loc_count_pos, loc_count_id;
    long loc_requests;

    char **apps;
    size_t n_apps, cap_apps;
    size_t apps_bytes; /* of the names, NULs included */

    int conflicts;
};

/* ---- small sets of page numbers ---- */

static bool pageset_has(const long *set, size_t n, long page)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == page)
            return true;
    return false;
}

static void pageset_add(long **set, size_t *n, size_t *cap, long page)
{
    if (pageset_has(*set, *n, page))
        return;
    ARRAY_GROW(*set, *cap, *n + 1);
    (*set)[(*n)++] = page;
}

static void pageset_del(long *set, size_t *n, long page)
{
    for (size_t i = 0; i < *n; i++)
        if (set[i] == page) {
            set[i] = set[--*n];
            return;
        }
}

static bool inflight_has(const struct store *s, long page)
{
    for (size_t i = 0; i < s->n_inflight; i++)
        if (s->inflight[i].page == page)
            return true;
    return false;
}

static void inflight_del(struct store *s, long page)
{
    for (size_t i = 0; i < s->n_inflight; i++)
        if (s->inflight[i].page == page && s->inflight[i].below.page == 0) {
            s->inflight[i] = s->inflight[--s->n_inflight];
            return;
        }
}

/* ---- life cycle ---- */

struct store *store_new(long cache_pages, long page_size, long find_ahead)
{
    struct store *s = xcalloc(1, sizeof *s);
    s->cache_cap = cache_pages < STORE_MIN_CACHE_PAGES ? STORE_MIN_CACHE_PAGES : cache_pages;
    s->pager.size = page_size > 0 ? page_size : 0;
    s->find_ahead = find_ahead > 0 ? find_ahead : 1;
    s->count = -1;
    s->byte_cap = STORE_DEFAULT_CACHE_BYTES;
    filter_init(&s->filter);
    filter_init(&s->pushed);
    return s;
}

static void chunk_free(struct chunk *c)
{
    for (size_t i = 0; i < c->n; i++)
        log_entry_free(&c->e[i]);
    free(c->e);
    memset(c, 0, sizeof *c);
}

static void chunks_clear(struct store *s)
{
    for (size_t i = 0; i < s->n_chunks; i++)
        chunk_free(&s->chunks[i]);
    s->n_chunks = 0;
    s->bytes = 0;
    s->n_dropped = 0;
}

void store_set_cache_bytes(struct store *s, size_t bytes)
{
    s->byte_cap = bytes > 0 ? bytes : STORE_DEFAULT_CACHE_BYTES;
}

size_t store_cached_bytes(const struct store *s)
{
    return s->bytes;
}

size_t store_cached_pages(const struct store *s)
{
    return s->n_chunks;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    chunks_clear(s);
    free(s->chunks);
    free(s->dropped);
    free(s->inflight);
    free(s->failed);
    filter_free(&s->filter);
    filter_free(&s->pushed);
    free(s->matches);
    free(s->spans);
    for (size_t i = 0; i < s->n_apps; i++)
        free(s->apps[i]);
    free(s->apps);
    free(s);
}

/* ---- accessors ---- */

int64_t store_count(const struct store *s)
{
    return s->count;
}
int64_t store_count_delta(const struct store *s)
{
    return s->delta;
}
uint64_t store_generation(const struct store *s)
{
    return s->gen;
}
size_t store_in_flight(const struct store *s)
{
    return s->n_inflight;
}
size_t store_failed_pages(const struct store *s)
{
    return s->n_failed;
}
int64_t store_max_id(const struct store *s)
{
    return s->max_id;
}
bool store_is_filtered(const struct store *s)
{
    return s->filtered;
}

/* The number of the last page, 0 while unknown. */
static long last_page(const struct store *s)
{
    if (s->count < 0 || s->pager.size <= 0)
        return 0;
    if (s->count == 0)
        return 1;
    return walk_pages_for(s->count, s->pager.size);
}

int64_t store_rows(const struct store *s)
{
    if (s->filtered)
        return (int64_t)s->n_matches;
    return s->count < 0 ? 0 : s->count;
}

static long page_of_row(const struct store *s, int64_t row)
{
    return walk_page_of_row(row, s->pager.size);
}

static int64_t pos_of_row(const struct store *s, int64_t row)
{
    return s->count - 1 - row;
}

static long page_of_pos(const struct store *s, int64_t b)
{
    return page_of_row(s, pos_of_row(s, b));
}

/* ---- chunk lookup ---- */

static struct chunk *chunk_at_pos(struct store *s, int64_t b, size_t *idx)
{
    struct chunk *best = NULL;
    for (size_t i = 0; i < s->n_chunks; i++) {
        struct chunk *c = &s->chunks[i];
        if (b <= c->b_top && b > c->b_top - (int64_t)c->n && (!best || c->seq > best->seq)) {
            best = c;
            *idx = (size_t)(c->b_top - b);
        }
    }
    return best;
}

/* The cached chunk holding id (its index there in *k), or NULL. */
static struct chunk *chunk_of_id(struct store *s, int64_t id, size_t *k)
{
    for (size_t i = 0; i < s->n_chunks; i++) {
        struct chunk *c = &s->chunks[i];
        if (id < c->min_id || id > c->max_id)
            continue;
        for (*k = 0; *k < c->n; (*k)++)
            if (c->e[*k].id == id)
                return c;
    }
    return NULL;
}

static struct log_entry *entry_by_id(struct store *s, int64_t id, int64_t *b)
{
    size_t k;
    struct chunk *c = chunk_of_id(s, id, &k);
    if (!c)
        return NULL;
    c->last_use = ++s->tick;
    c->used = true;
    if (b)
        *b = c->b_top - (int64_t)k;
    return &c->e[k];
}

static bool pos_covered(struct store *s, int64_t b)
{
    size_t idx;
    return chunk_at_pos(s, b, &idx) != NULL;
}

/* Is every row of the page (under the current count) cached? */
static bool page_covered(struct store *s, long page)
{
    int64_t first = walk_first_row(page, s->pager.size);
    int64_t end = s->count - first > s->pager.size ? first + s->pager.size : s->count;
    for (int64_t r = first; r < end; r++)
        if (!pos_covered(s, pos_of_row(s, r)))
            return false;
    return true;
}

/* ---- matches (filtered view), sorted by id descending ---- */

static size_t match_search(const struct store *s, int64_t id, bool *found)
{
    size_t lo = 0, hi = s->n_matches;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->matches[mid].id == id) {
            *found = true;
            return mid;
        }
        if (s->matches[mid].id > id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static void match_put(struct store *s, int64_t id, int64_t b)
{
    bool found;
    size_t at = match_search(s, id, &found);
    if (found) {
        s->matches[at].b = b;
        return;
    }
    ARRAY_GROW(s->matches, s->cap_matches, s->n_matches + 1);
    memmove(&s->matches[at + 1], &s->matches[at], (s->n_matches - at) * sizeof *s->matches);
    s->matches[at] = (struct match){id, b};
    s->n_matches++;
}

/* ---- scanned positions ----
 *
 * Sorted, disjoint, non-adjacent intervals of positions: memory grows with
 * the pages scanned (adjacent pages merge into one interval), never with the
 * count a server claims. */

/* Index of the first interval whose hi >= b (n_spans when none). */
static size_t span_search(const struct store *s, int64_t b)
{
    size_t lo = 0, hi = s->n_spans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->spans[mid].hi < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The interval holding position b, or NULL. */
static const struct span *scanned_span(const struct store *s, int64_t b)
{
    size_t i = span_search(s, b);
    return i < s->n_spans && s->spans[i].lo <= b ? &s->spans[i] : NULL;
}

/* Positions of [lo, hi] that count rows hold. */
static int64_t span_rows(const struct store *s, int64_t lo, int64_t hi)
{
    if (lo < 0)
        lo = 0;
    if (s->count < 0 || hi > s->count - 1)
        hi = s->count - 1;
    return hi < lo ? 0 : hi - lo + 1;
}

static void scanned_recount(struct store *s)
{
    s->n_scanned = 0;
    for (size_t i = 0; i < s->n_spans; i++)
        s->n_scanned += span_rows(s, s->spans[i].lo, s->spans[i].hi);
}

/* Mark positions [lo, hi] as scanned, merging with the intervals they touch. */
static void scanned_add(struct store *s, int64_t lo, int64_t hi)
{
    if (lo < 0)
        lo = 0;
    if (hi < lo)
        return;
    /* First interval that touches or follows [lo, hi]: hi + 1 >= lo. */
    size_t i = span_search(s, lo > 0 ? lo - 1 : 0);
    size_t j = i;
    int64_t nlo = lo, nhi = hi;
    while (j < s->n_spans && (hi == INT64_MAX || s->spans[j].lo <= hi + 1)) {
        if (s->spans[j].lo < nlo)
            nlo = s->spans[j].lo;
        if (s->spans[j].hi > nhi)
            nhi = s->spans[j].hi;
        j++;
    }
    if (j == i) {
        ARRAY_GROW(s->spans, s->cap_spans, s->n_spans + 1);
        memmove(&s->spans[i + 1], &s->spans[i], (s->n_spans - i) * sizeof *s->spans);
        s->n_spans++;
    } else if (j > i + 1) {
        memmove(&s->spans[i + 1], &s->spans[j], (s->n_spans - j) * sizeof *s->spans);
        s->n_spans -= j - i - 1;
    }
    s->spans[i] = (struct span){nlo, nhi};
    scanned_recount(s);
}

/* Only a filtered view scans: store_set_filter rescans the cache from
 * scratch, and the scanned intervals are memory nothing unfiltered needs. */
static void scan_chunk(struct store *s, const struct chunk *c)
{
    if (!s->filtered)
        return;
    for (size_t i = 0; i < c->n; i++) {
        int64_t b = c->b_top - (int64_t)i;
        if (b >= 0 && filter_match(&s->filter, &c->e[i]))
            match_put(s, c->e[i].id, b);
    }
    scanned_add(s, c->b_top - (int64_t)(c->n - 1), c->b_top);
}

/* ---- apps seen ---- */

/* Remembered for completion across evictions, so bounded on its own: at
 * most STORE_APPS_MAX names of at most STORE_APP_NAME_MAX bytes each (a
 * longer name is cut between characters) and STORE_APPS_BYTES_MAX in all. */
static void apps_note(struct store *s, const char *name)
{
    size_t len = utf8_prefix(name, strlen(name), STORE_APP_NAME_MAX);
    char app[STORE_APP_NAME_MAX + 1];
    memcpy(app, name, len);
    app[len] = '\0';
    size_t lo = 0, hi = s->n_apps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->apps[mid], app);
        if (c == 0)
            return;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (s->n_apps >= STORE_APPS_MAX || s->apps_bytes + len + 1 > STORE_APPS_BYTES_MAX)
        return;
    ARRAY_GROW(s->apps, s->cap_apps, s->n_apps + 1);
    memmove(&s->apps[lo + 1], &s->apps[lo], (s->n_apps - lo) * sizeof *s->apps);
    s->apps[lo] = xstrdup(app);
    s->n_apps++;
    s->apps_bytes += len + 1;
}

size_t store_apps_seen(const struct store *s, const char *const **apps)
{
    *apps = (const char *const *)s->apps;
    return s->n_apps;
}

/* ---- rows ---- */

const struct log_entry *store_row(struct store *s, int64_t row)
{
    if (row < 0 || row >= store_rows(s))
        return NULL;
    if (s->filtered)
        return entry_by_id(s, s->matches[row].id, NULL);
    size_t idx;
    struct chunk *c = chunk_at_pos(s, pos_of_row(s, row), &idx);
    if (!c)
        return NULL;
    c->last_use = ++s->tick;
    c->used = true;
    return &c->e[idx];
}

static long row_page(struct store *s, int64_t row)
{
    if (s->filtered)
        return page_of_pos(s, s->matches[row].b);
    return page_of_row(s, row);
}

enum store_row_state store_row_state(struct store *s, int64_t row)
{
    if (row < 0 || row >= store_rows(s))
        return STORE_ROW_NONE;
    if (store_row(s, row))
        return STORE_ROW_LOADED;
    if (pageset_has(s->failed, s->n_failed, row_page(s, row)))
        return STORE_ROW_FAILED;
    return STORE_ROW_LOADING;
}

int64_t store_row_of_id(struct store *s, int64_t id)
{
    if (s->filtered) {
        bool found;
        size_t at = match_search(s, id, &found);
        return found ? (int64_t)at : -1;
    }
    int64_t b;
    if (!entry_by_id(s, id, &b))
        return -1;
    int64_t row = pos_of_row(s, b);
    return row >= 0 && row < s->count ? row : -1;
}

int64_t store_row_nearest_id(struct store *s, int64_t id)
{
    if (!s->filtered)
        return store_row_of_id(s, id);
    bool found;
    size_t at = match_search(s, id, &found); /* matches descend by id */
    if (found || at < s->n_matches)
        return (int64_t)at;               /* the match itself, else the nearest older */
    return at > 0 ? (int64_t)at - 1 : -1; /* the nearest newer */
}

void store_set_window(struct store *s, int64_t top, int64_t rows, int direction)
{
    top = top < 0 ? 0 : top;
    rows = rows < 1 ? 1 : rows;
    if (top != s->win_top || rows != s->win_rows)
        s->n_dropped = 0; /* the pages around it are of use again */
    s->win_top = top;
    s->win_rows = rows;
    if (direction)
        s->win_dir = direction > 0 ? 1 : -1;
}

/* ---- wanted pages ---- */

struct wanted {
    long *out;
    size_t n, max;
};

static bool want(struct store *s, struct wanted *w, long page)
{
    if (w->n >= w->max)
        return false;
    long last = last_page(s);
    if (page < 1 || (last && page > last))
        return true;
    if (inflight_has(s, page) || pageset_has(s->failed, s->n_failed, page) ||
        pageset_has(w->out, w->n, page))
        return true;
    w->out[w->n++] = page;
    return w->n < w->max;
}

/* Pages of the rows [first, first+rows) of the current view that are not cached. */
static void want_rows(struct store *s, struct wanted *w, int64_t first, int64_t rows)
{
    int64_t total = store_rows(s);
    long last_page = 0;
    for (int64_t r = first; r - first < rows && r < total && w->n < w->max; r++) {
        if (r < 0)
            continue;
        long page = row_page(s, r);
        if (page == last_page)
            continue;
        if (!store_row(s, r)) {
            want(s, w, page);
            if (!s->filtered)
                last_page = page;
        }
    }
}

/* The pages from..from+dir*(pages-1) that are not cached: a fixed range, so
 * that store_page_wanted agrees with it and nothing is asked for and then
 * cancelled in a loop. Pages the cache just dropped unread are left out (but
 * for `from` when need_from): asking for them again would only evict them
 * again. */
static void want_unfiltered_pages(struct store *s, struct wanted *w, long from, int dir, int pages,
                                  bool need_from)
{
    long last = last_page(s);
    for (long p = from; pages > 0 && p >= 1 && p <= last; p += dir, pages--)
        if (!page_covered(s, p) &&
            ((need_from && p == from) || !pageset_has(s->dropped, s->n_dropped, p)))
            want(s, w, p);
}

/* The pages not scanned yet, from the top: scanned intervals are stepped
 * over whole, so a call costs what it asks for, whatever the count. */
static void want_scan(struct store *s, struct wanted *w)
{
    if (!s->filtered || s->n_scanned >= s->count)
        return;
    int64_t r = s->scan_from_row;
    bool all_before = true;
    for (int steps = 0; r < s->count && steps < STORE_SCAN_STEPS && w->n < w->max; steps++) {
        const struct span *sp = scanned_span(s, pos_of_row(s, r));
        if (sp) {
            /* The interval ends at position sp->lo, i.e. row count-1-lo. */
            r = s->count - sp->lo;
            if (all_before)
                s->scan_from_row = r;
            continue;
        }
        all_before = false;
        long page = page_of_row(s, r);
        want(s, w, page);
        r = walk_first_row(page + 1, s->pager.size);
    }
}

size_t store_wanted_pages(struct store *s, long *out, size_t max)
{
    struct wanted w = {out, 0, max};
    if (max == 0)
        return 0;
    if (s->count < 0 || s->pager.size <= 0) {
        want(s, &w, 1);
        return w.n;
    }
    if (s->refresh_top && !inflight_has(s, 1))
        out[w.n++] = 1;
    if (s->loc_active && s->loc_page > 0)
        want(s, &w, s->loc_page);
    want_rows(s, &w, s->win_top, s->win_rows);
    if (s->find_active) {
        if (s->filtered) {
            want_rows(s, &w, s->find_row, s->find_dir > 0 ? s->pager.size : 1);
        } else if (s->find_row >= 0 && s->find_row < s->count) {
            want_unfiltered_pages(s, &w, page_of_row(s, s->find_row), s->find_dir,
                                  (int)s->find_ahead, true);
        }
    }
    if (!s->filtered) {
        int dir = s->win_dir ? s->win_dir : 1;
        int64_t edge = dir < 0                               ? s->win_top - 1
                       : s->count - s->win_top > s->win_rows ? s->win_top + s->win_rows
                                                             : s->count;
        if (edge >= 0 && edge < s->count)
            want_unfiltered_pages(s, &w, page_of_row(s, edge), dir, STORE_PREFETCH_PAGES, false);
    }
    want_scan(s, &w);
    return w.n;
}

/* Is a page in flight still of use? */
static bool page_wanted(struct store *s, long page)
{
    /* A filtered view scans every page it asked for, and before the first
     * page only page 1 is ever asked for. */
    if (s->count < 0 || s->pager.size <= 0 || s->filtered)
        return true;
    if ((page == 1 && s->refresh_top) || (s->loc_active && page == s->loc_page))
        return true;
    if (s->find_active && s->find_row >= 0 &&
        labs(page_of_row(s, s->find_row) - page) < s->find_ahead)
        return true;
    long ps = s->pager.size;
    int64_t first = walk_first_row(page, ps);
    /* The window's pages plus the prefetch on either side, with one page of
     * slack so that a one-row scroll does not cancel what was just asked.
     * (Differences only: rows near INT64_MAX must not overflow.) */
    int64_t margin = (int64_t)(STORE_PREFETCH_PAGES + 2) * ps;
    return s->win_top - first < ps + margin && first - s->win_top < s->win_rows + margin;
}

void store_page_requested(struct store *s, long page, int ticket)
{
    inflight_del(s, page);
    ARRAY_GROW(s->inflight, s->cap_inflight, s->n_inflight + 1);
    s->inflight[s->n_inflight++] = (struct store_req){page, ticket, {0}};
    if (s->loc_active && page == s->loc_page)
        s->loc_requests++;
}

size_t store_take_requests(struct store *s, bool all, int *tickets, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_inflight && n < max;) {
        if (all || !page_wanted(s, s->inflight[i].page)) {
            tickets[n++] = s->inflight[i].ticket;
            s->inflight[i] = s->inflight[--s->n_inflight];
        } else {
            i++;
        }
    }
    return n;
}

void store_page_failed(struct store *s, long page, const struct omslog_error *err)
{
    inflight_del(s, page);
    pageset_add(&s->failed, &s->n_failed, &s->cap_failed, page);
    if (page == 1)
        s->refresh_top = false;
    else if (walk_page_gone(page, err))
        s->refresh_top = true; /* the log shrank: page 1 tells by how much */
    s->gen++;
}

void store_retry_failed(struct store *s)
{
    s->n_failed = 0;
    s->gen++;
}

/* ---- arrival and reconciliation ---- */

static void chunk_remove(struct store *s, size_t i)
{
    s->bytes -= s->chunks[i].bytes;
    chunk_free(&s->chunks[i]);
    s->chunks[i] = s->chunks[--s->n_chunks];
}

/* Does an older chunk contradict the new one? Same position with another id,
 * or ids out of descending order between them: the older one is stale. */
static bool chunk_conflicts(const struct chunk *old, const struct chunk *nw)
{
    int64_t old_lo = old->b_top - (int64_t)old->n + 1, nw_lo = nw->b_top - (int64_t)nw->n + 1;
    if (old->b_top < nw_lo)
        return old->max_id >= nw->min_id;
    if (old_lo > nw->b_top)
        return old->min_id <= nw->max_id;
    for (size_t i = 0; i < old->n; i++) {
        int64_t b = old->b_top - (int64_t)i;
        if (b <= nw->b_top && b >= nw_lo) {
            if (old->e[i].id != nw->e[nw->b_top - b].id)
                return true;
        } else if (b > nw->b_top) {
            if (old->e[i].id <= nw->max_id)
                return true;
        } else if (old->e[i].id >= nw->min_id) {
            return true;
        }
    }
    return false;
}

static void pin_positions(struct store *s, int64_t lo, int64_t hi)
{
    for (size_t i = 0; i < s->n_chunks; i++) {
        struct chunk *c = &s->chunks[i];
        if (c->b_top >= lo && c->b_top - (int64_t)c->n < hi)
            c->pinned = true;
    }
}

/* Pin the chunks of the unfiltered rows [first, first + rows). */
static void pin_rows(struct store *s, int64_t first, int64_t rows)
{
    if (first < 0 || first >= s->count || rows < 1)
        return;
    int64_t last = rows > s->count - first ? s->count - 1 : first + rows - 1;
    pin_positions(s, pos_of_row(s, last), pos_of_row(s, first));
}

/* Pin the chunk holding a filtered view's row. */
static void pin_match(struct store *s, int64_t row)
{
    if (row < 0 || row >= (int64_t)s->n_matches)
        return;
    size_t k;
    struct chunk *c = chunk_of_id(s, s->matches[row].id, &k);
    if (c)
        c->pinned = true;
}

/* Mark what must stay: the rows on screen, and the row a find or a locate
 * waits on (evicting it would ask for it again at once). */
static void cache_pin(struct store *s)
{
    for (size_t i = 0; i < s->n_chunks; i++)
        s->chunks[i].pinned = false;
    if (s->pager.size <= 0)
        return;
    if (s->filtered) {
        for (int64_t r = s->win_top; r - s->win_top < s->win_rows && r < (int64_t)s->n_matches;
             r++)
            pin_match(s, r);
        if (s->find_active)
            pin_match(s, s->find_row);
    } else {
        pin_rows(s, s->win_top, s->win_rows);
        if (s->find_active)
            pin_rows(s, s->find_row, 1);
    }
    if (s->loc_active && s->loc_page > 0)
        pin_rows(s, walk_first_row(s->loc_page, s->pager.size), s->pager.size);
}

static bool cache_over(const struct store *s)
{
    return s->n_chunks > (size_t)s->cache_cap || s->bytes > s->byte_cap;
}

static void dropped_add(struct store *s, long page)
{
    if (pageset_has(s->dropped, s->n_dropped, page))
        return;
    if (s->n_dropped >= STORE_DROPPED_MAX) /* forget the oldest */
        memmove(s->dropped, s->dropped + 1, --s->n_dropped * sizeof *s->dropped);
    pageset_add(&s->dropped, &s->n_dropped, &s->cap_dropped, page);
}

/* The rule store.h states: least recently used first, pinned chunks never. */
static void cache_evict(struct store *s)
{
    if (!cache_over(s))
        return;
    cache_pin(s);
    while (cache_over(s)) {
        size_t victim = s->n_chunks;
        for (size_t i = 0; i < s->n_chunks; i++)
            if (!s->chunks[i].pinned &&
                (victim == s->n_chunks || s->chunks[i].last_use < s->chunks[victim].last_use))
                victim = i;
        if (victim == s->n_chunks)
            break; /* only rows on screen are left */
        if (!s->chunks[victim].used)
            dropped_add(s, s->chunks[victim].page);
        chunk_remove(s, victim);
    }
}

/* Does every row of a server-filtered page pass what the server was asked
 * to filter? The first that does not is remembered. */
static bool server_rows_ok(struct store *s, const struct log_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (!filter_match(&s->pushed, &p->entries[i])) {
            if (!s->liar_id)
                s->liar_id = p->entries[i].id;
            return false;
        }
    return true;
}

/* The entries of p that walk_place puts at positions (sp), moved out of p
 * into *c; false when none is kept (the page lies wholly beyond its count). */
static bool chunk_make(long page, const struct walk_span *sp, struct log_page *p, struct chunk *c)
{
    memset(c, 0, sizeof *c);
    c->b_top = sp->top;
    size_t keep = sp->n;
    if (c->b_top < 0)
        keep = 0;
    else if ((int64_t)keep > c->b_top + 1)
        keep = (size_t)(c->b_top + 1); /* entries beyond the count the page itself states */
    if (keep == 0)
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (i < sp->skip || i >= sp->skip + keep)
            log_entry_free(&p->entries[i]);
    memmove(p->entries, p->entries + sp->skip, keep * sizeof *p->entries);
    c->e = p->entries;
    c->n = keep;
    p->entries = NULL;
    p->n = 0;
    c->min_id = c->max_id = c->e[0].id;
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].id < c->min_id)
            c->min_id = c->e[i].id;
        if (c->e[i].id > c->max_id)
            c->max_id = c->e[i].id;
        c->bytes += log_entry_bytes(&c->e[i]);
    }
    c->page = page;
    return true;
}

/* Cache c: the cached chunks it contradicts are stale and go (within the
 * budget), then it is scanned for the filter and the cache evicted. */
static void chunk_add(struct store *s, struct chunk *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].app_name)
            apps_note(s, c->e[i].app_name);
    if (c->max_id > s->max_id)
        s->max_id = c->max_id;
    c->seq = ++s->seq;
    c->last_use = ++s->tick;
    for (size_t i = 0; i < s->n_chunks;) {
        if (s->conflicts < STORE_CONFLICT_BUDGET && chunk_conflicts(&s->chunks[i], c)) {
            s->conflicts++;
            chunk_remove(s, i);
        } else {
            i++;
        }
    }
    ARRAY_GROW(s->chunks, s->cap_chunks, s->n_chunks + 1);
    s->chunks[s->n_chunks++] = *c;
    s->bytes += c->bytes;
    scan_chunk(s, &s->chunks[s->n_chunks - 1]);
    cache_evict(s);
}

void store_page_loaded(struct store *s, long page, struct log_page *p)
{
    inflight_del(s, page);
    pageset_del(s->failed, &s->n_failed, page);
    if (page == 1)
        s->refresh_top = false;
    s->gen++;
    int64_t old_count = s->count;
    s->count = p->count;
    s->delta = old_count >= 0 ? s->count - old_count : 0;
    if (s->delta != 0) {
        s->scan_from_row = 0;
        scanned_recount(s);
    }
    if (page < 1)
        return;
    if (s->server && !server_rows_ok(s, p))
        return; /* a liar's page: the caller falls back to a scan */
    struct walk_span sp = walk_place(&s->pager, page, p);
    if (sp.resized)
        chunks_clear(s); /* placed under the wrong page size */
    struct chunk c;
    if (chunk_make(page, &sp, p, &c))
        chunk_add(s, &c);
}

/* ---- keyset pages ---- */

bool store_keyset_for(struct store *s, long page, struct store_keyset *ks)
{
    long size = s->pager.size;
    if (page <= 1 || size <= 0 || !s->pager.told || s->count <= 0)
        return false;
    /* The nearest cached page above it: its last row's entry is the anchor. */
    for (long j = page - 1; j >= 1 && page - j <= s->find_ahead; j--) {
        int64_t row = walk_first_row(j + 1, size);
        if (row == INT64_MAX || row > s->count)
            continue;
        size_t idx;
        int64_t b = pos_of_row(s, row - 1);
        struct chunk *c = chunk_at_pos(s, b, &idx);
        if (!c)
            continue;
        *ks = (struct store_keyset){c->e[idx].id, page - j, b};
        return true;
    }
    return false;
}

void store_page_requested_below(struct store *s, long page, int ticket,
                                const struct store_keyset *ks)
{
    ARRAY_GROW(s->inflight, s->cap_inflight, s->n_inflight + 1);
    s->inflight[s->n_inflight++] = (struct store_req){page, ticket, *ks};
}

/* The keyset request of a ticket, taken out of the requests in flight when
 * take; false (nothing taken) when the ticket is not one. */
static bool keyset_req(struct store *s, int ticket, bool take, struct store_req *out)
{
    for (size_t i = 0; i < s->n_inflight; i++)
        if (s->inflight[i].ticket == ticket && s->inflight[i].below.page > 0) {
            *out = s->inflight[i];
            if (take)
                s->inflight[i] = s->inflight[--s->n_inflight];
            return true;
        }
    return false;
}

long store_keyset_page(struct store *s, int ticket)
{
    struct store_req q;
    return keyset_req(s, ticket, false, &q) ? q.page : 0;
}

/* The checks an answer below ks must pass before it is placed: a page's
 * worth of ids (never none: the store asks only for pages that hold some),
 * each below the anchor and descending, and as many entries older than the
 * anchor as its position says. *ignored: an id at or above the anchor, the
 * proof that the server did not apply id__lt. */
static bool keyset_answer_ok(const struct store *s, const struct store_keyset *ks,
                             const struct log_page *p, bool *ignored)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->entries[i].id >= ks->below_id) {
            *ignored = true;
            return false;
        }
    if (p->count != ks->below_pos || p->n == 0 || p->n > (size_t)s->pager.size ||
        (p->next && p->n != (size_t)s->pager.size))
        return false;
    for (size_t i = 1; i < p->n; i++)
        if (p->entries[i].id >= p->entries[i - 1].id)
            return false;
    return true;
}

/* Does any cached chunk contradict c? A keyset page must fit what is known. */
static bool keyset_conflicts(const struct store *s, const struct chunk *c)
{
    for (size_t i = 0; i < s->n_chunks; i++)
        if (chunk_conflicts(&s->chunks[i], c))
            return true;
    return false;
}

bool store_page_loaded_below(struct store *s, int ticket, struct log_page *p, bool *ignored)
{
    struct store_req q;
    *ignored = false;
    if (!keyset_req(s, ticket, true, &q))
        return true; /* forgotten meanwhile: nothing to place it by */
    pageset_del(s->failed, &s->n_failed, q.page);
    s->gen++;
    if (s->server && !server_rows_ok(s, p))
        return true; /* the pushed filter's liar: store_server_liar says so */
    if (!s->pager.told || !keyset_answer_ok(s, &q.below, p, ignored))
        return false;
    /* Page below.page of the entries older than the anchor: walk_place puts
     * its first entry at count - 1 - (page - 1) * size of that query, i.e.
     * just below the anchor's position, whatever arrived at the top. */
    struct walk_span sp = walk_place(&s->pager, q.below.page, p);
    struct chunk c;
    if (!chunk_make(q.page, &sp, p, &c))
        return true;
    if (keyset_conflicts(s, &c)) {
        chunk_free(&c);
        return false;
    }
    chunk_add(s, &c);
    return true;
}

void store_page_failed_below(struct store *s, int ticket, const struct omslog_error *err)
{
    struct store_req q;
    if (keyset_req(s, ticket, true, &q))
        store_page_failed(s, q.page, err);
}

static void scan_reset(struct store *s)
{
    s->n_matches = 0;
    s->n_spans = 0;
    s->n_scanned = 0;
    s->scan_from_row = 0;
}

bool store_inconsistent(const struct store *s)
{
    return s->conflicts >= STORE_CONFLICT_BUDGET;
}

void store_reload(struct store *s)
{
    chunks_clear(s);
    s->conflicts = 0;
    scan_reset(s);
    s->n_failed = 0;
    s->refresh_top = true;
    s->gen++;
}

void store_refresh_top(struct store *s)
{
    s->refresh_top = true;
}

/* ---- filter ---- */

static int chunk_seq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct chunk *)a)->seq, y = ((const struct chunk *)b)->seq;
    return (x > y) - (x < y);
}

void store_set_filter(struct store *s, const struct filter *f)
{
    filter_free(&s->filter);
    if (f)
        filter_copy_view(&s->filter, f);
    s->filtered = filter_is_active(&s->filter);
    scan_reset(s);
    s->find_active = false;
    s->n_dropped = 0;
    s->gen++;
    /* Older chunks first, so that where chunks overlap the newest one's
     * positions are the ones kept (sorted: seq counts every page ever
     * loaded, so stepping through its values would grow with the session). */
    if (s->n_chunks > 1)
        qsort(s->chunks, s->n_chunks, sizeof *s->chunks, chunk_seq_cmp);
    for (size_t i = 0; i < s->n_chunks; i++)
        scan_chunk(s, &s->chunks[i]);
}

void store_set_server_filter(struct store *s, const struct filter *pushed)
{
    filter_free(&s->pushed);
    if (pushed)
        filter_copy(&s->pushed, pushed);
    else
        filter_init(&s->pushed);
    s->server = pushed != NULL;
    s->liar_id = 0;
    chunks_clear(s);
    s->n_inflight = 0;
    s->n_failed = 0;
    s->count = -1;
    s->delta = 0;
    s->max_id = 0;
    s->refresh_top = false;
    s->conflicts = 0;
    s->find_active = false;
    store_locate_cancel(s);
    scan_reset(s);
    s->gen++;
}

bool store_server_filtered(const struct store *s)
{
    return s->server;
}

int64_t store_server_liar(const struct store *s)
{
    return s->liar_id;
}

void store_scan_progress(const struct store *s, int64_t *scanned, int64_t *total)
{
    *scanned = s->n_scanned;
    *total = s->count < 0 ? 0 : s->count;
}

bool store_scan_done(const struct store *s)
{
    return s->count >= 0 && s->n_scanned >= s->count;
}

/* ---- find ---- */

/* The find waits for row r: the pages ahead of it are of use again. */
static void find_wait(struct store *s, int64_t r, int dir)
{
    if (!s->find_active || s->find_row != r)
        s->n_dropped = 0;
    s->find_active = true;
    s->find_row = r;
    s->find_dir = dir;
}

enum store_find_result store_find(struct store *s, int64_t from, int dir, store_pred pred,
                                  void *ctx, int64_t *row)
{
    dir = dir < 0 ? -1 : 1;
    int64_t rows = store_rows(s);
    int64_t r = from + dir;
    if (r < 0 && dir > 0)
        r = 0;
    for (; r >= 0 && r < rows; r += dir) {
        const struct log_entry *e = store_row(s, r);
        if (!e) {
            if (pageset_has(s->failed, s->n_failed, row_page(s, r)))
                break; /* cannot go on past a failed page */
            find_wait(s, r, dir);
            *row = r;
            return STORE_FIND_PENDING;
        }
        if (pred(e, ctx)) {
            s->find_active = false;
            *row = r;
            return STORE_FIND_FOUND;
        }
    }
    if (s->filtered && !store_scan_done(s) && s->n_failed == 0) {
        /* More matches may still come from pages not scanned yet. */
        find_wait(s, r, dir);
        *row = r;
        return STORE_FIND_PENDING;
    }
    s->find_active = false;
    *row = r < 0 ? 0 : (r >= rows ? rows - 1 : r);
    return STORE_FIND_END;
}

void store_find_cancel(struct store *s)
{
    s->find_active = false;
}

/* ---- locate ---- */

void store_locate_start(struct store *s, int64_t id)
{
    s->loc_active = true;
    s->loc_id = id;
    s->loc_page = 0;
    s->loc_steps = 0;
    s->loc_count_pos = -1;
    s->loc_requests = 0;
}

void store_locate_cancel(struct store *s)
{
    s->loc_active = false;
    s->loc_page = 0;
    s->loc_hint = 0;
    s->loc_count_pos = -1;
}

long store_locate_requests(const struct store *s)
{
    return s->loc_requests;
}

void store_locate_hint(struct store *s, int64_t row)
{
    if (!s->loc_active || s->count <= 0 || s->pager.size <= 0)
        return;
    row = row < 0 ? 0 : (row >= s->count ? s->count - 1 : row);
    s->loc_hint = page_of_row(s, row);
    s->loc_page = s->loc_hint;
}

/* Positions count from the oldest entry, so the c entries at or below the
 * id are positions 0 .. c - 1 however much the log grew at the top. */
void store_locate_hint_count(struct store *s, int64_t c, int64_t first_id)
{
    if (!s->loc_active || s->count <= 0 || s->pager.size <= 0)
        return;
    int64_t b = c > 0 ? c - 1 : 0;
    store_locate_hint(s, pos_of_row(s, b < s->count ? b : s->count - 1));
    s->loc_count_pos = c > 0 && b < s->count && !s->filtered ? b : -1;
    s->loc_count_id = first_id;
}

/* The count's answer, older than the id sought, is where the count puts it
 * and the entry above it (when loaded) is newer than the id: the pages
 * agree with the server that nothing lies between. *row: the answer's. */
static bool locate_count_agrees(struct store *s, int64_t *row)
{
    int64_t b = s->loc_count_pos;
    s->loc_count_pos = -1; /* looked at once, when its page is in */
    size_t i, j;
    const struct chunk *c = chunk_at_pos(s, b, &i);
    if (!c || c->e[i].id != s->loc_count_id || c->e[i].id >= s->loc_id)
        return false;
    const struct chunk *up = b + 1 < s->count ? chunk_at_pos(s, b + 1, &j) : NULL;
    if (up && up->e[j].id <= s->loc_id)
        return false;
    *row = pos_of_row(s, b);
    return true;
}

/* Closest known positions around the wanted id: lo (id below it) and hi
 * (id above it). Ids ascend with the position. */
struct bracket {
    bool has_lo, has_hi;
    int64_t lo_b, lo_id, hi_b, hi_id;
    int64_t min_b, max_b, min_id, max_id; /* everything known, for the density */
};

static void locate_bracket(const struct store *s, int64_t id, struct bracket *k)
{
    memset(k, 0, sizeof *k);
    bool any = false;
    for (size_t i = 0; i < s->n_chunks; i++) {
        const struct chunk *c = &s->chunks[i];
        for (size_t j = 0; j < c->n; j++) {
            int64_t b = c->b_top - (int64_t)j, eid = c->e[j].id;
            if (b < 0 || b >= s->count)
                continue;
            if (!any || b < k->min_b)
                k->min_b = b, k->min_id = eid;
            if (!any || b > k->max_b)
                k->max_b = b, k->max_id = eid;
            any = true;
            if (eid < id && (!k->has_lo || b > k->lo_b))
                k->has_lo = true, k->lo_b = b, k->lo_id = eid;
            if (eid > id && (!k->has_hi || b < k->hi_b))
                k->has_hi = true, k->hi_b = b, k->hi_id = eid;
        }
    }
}

/* x rounded down into [lo, hi]; NaN gives lo. */
static int64_t clamp_double(double x, int64_t lo, int64_t hi)
{
    if (!(x > (double)lo))
        return lo;
    if (!(x < (double)hi))
        return hi;
    int64_t v = (int64_t)x; /* |x| < 2^63 here: the cast is defined */
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Ids are anything a server sends (INT64_MIN..INT64_MAX), so their
 * differences are taken in double, where they cannot overflow, and the
 * estimate is clamped into [lo, hi] before it becomes a position again.
 * Positions are in [0, count), so their differences fit an int64_t. */
static int64_t locate_estimate(const struct store *s, const struct bracket *k, int64_t id)
{
    /* Positions per id, from everything loaded; 1 when nothing tells. */
    double density = 1.0;
    double id_span = (double)k->max_id - (double)k->min_id;
    if (id_span > 0 && k->max_b > k->min_b)
        density = (double)(k->max_b - k->min_b) / id_span;
    int64_t lo = k->has_lo ? k->lo_b + 1 : 0;
    int64_t hi = k->has_hi ? k->hi_b - 1 : s->count - 1;
    if (lo >= hi)
        return lo;
    double between = (double)k->hi_id - (double)k->lo_id;
    double est;
    if (k->has_lo && k->has_hi && (s->loc_steps >= STORE_LOCATE_INTERP_STEPS || !(between > 0)))
        return lo + (hi - lo) / 2;
    if (k->has_lo && k->has_hi)
        est = (double)k->lo_b +
              ((double)id - (double)k->lo_id) * (double)(k->hi_b - k->lo_b) / between;
    else if (k->has_hi)
        est = (double)k->hi_b - ((double)k->hi_id - (double)id) * density;
    else
        est = (double)k->lo_b + ((double)id - (double)k->lo_id) * density;
    return clamp_double(est, lo, hi);
}

/* The row of an absent id's nearest older neighbour, else its nearest newer
 * one, in the current view; -1 when there is none or the filter hides it. */
static int64_t locate_neighbour(struct store *s, const struct bracket *k)
{
    if (!k->has_lo && !k->has_hi)
        return -1;
    int64_t b;
    const struct log_entry *e = entry_by_id(s, k->has_lo ? k->lo_id : k->hi_id, &b);
    if (!e)
        return -1;
    if (!s->filtered)
        return pos_of_row(s, b);
    if (!filter_match(&s->filter, e))
        return -1;
    match_put(s, e->id, b);
    return store_row_of_id(s, e->id);
}

enum store_locate_result store_locate_step(struct store *s, int64_t *row)
{
    if (!s->loc_active)
        return STORE_LOCATE_IDLE;
    if (s->count < 0 || s->pager.size <= 0)
        return pageset_has(s->failed, s->n_failed, 1) ? STORE_LOCATE_FAILED : STORE_LOCATE_PENDING;
    int64_t b;
    const struct log_entry *e = entry_by_id(s, s->loc_id, &b);
    if (e) {
        store_locate_cancel(s);
        int64_t urow = pos_of_row(s, b);
        if (!s->filtered) {
            *row = urow;
            return STORE_LOCATE_FOUND;
        }
        if (!filter_match(&s->filter, e)) {
            *row = urow;
            return STORE_LOCATE_HIDDEN;
        }
        match_put(s, e->id, b);
        *row = store_row_of_id(s, e->id);
        return STORE_LOCATE_FOUND;
    }
    if (s->loc_page > 0 && inflight_has(s, s->loc_page))
        return STORE_LOCATE_PENDING;
    if (s->loc_hint > 0) { /* the hinted page first, once it has arrived or failed */
        bool over =
            page_covered(s, s->loc_hint) || pageset_has(s->failed, s->n_failed, s->loc_hint);
        s->loc_page = s->loc_hint;
        if (!over)
            return STORE_LOCATE_PENDING;
        s->loc_hint = 0;
    }
    if (s->loc_count_pos >= 0 && locate_count_agrees(s, row)) {
        store_locate_cancel(s);
        return STORE_LOCATE_ABSENT;
    }
    struct bracket k;
    locate_bracket(s, s->loc_id, &k);
    int64_t lo = k.has_lo ? k.lo_b + 1 : 0;
    int64_t hi = k.has_hi ? k.hi_b - 1 : s->count - 1;
    if (lo > hi || s->count == 0) {
        store_locate_cancel(s);
        *row = locate_neighbour(s, &k);
        return STORE_LOCATE_ABSENT; /* its neighbours are adjacent: not in the log */
    }
    if ((s->loc_page > 0 && pageset_has(s->failed, s->n_failed, s->loc_page)) ||
        ++s->loc_steps > STORE_LOCATE_MAX_STEPS) {
        store_locate_cancel(s);
        return STORE_LOCATE_FAILED;
    }
    s->loc_page = page_of_pos(s, locate_estimate(s, &k, s->loc_id));
    return STORE_LOCATE_PENDING;
}

/* ---- summary ---- */

static int entry_ptr_cmp(const void *a, const void *b)
{
    int64_t x = (*(const struct log_entry *const *)a)->id;
    int64_t y = (*(const struct log_entry *const *)b)->id;
    return (x < y) - (x > y);
}

/* Items of one summary list and a hash index over them (open addressing,
 * slots hold index + 1), so that counting costs O(1) per entry however many
 * distinct keys there are. */
struct counter {
    struct store_count_item *items;
    size_t n, cap;
    size_t *slots;
    size_t n_slots; /* a power of two, at least twice n */
};

/* FNV-1a over the key and the level. */
static size_t count_hash(const char *key, int level)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    h = (h ^ (uint64_t)(unsigned)level) * 1099511628211u;
    return (size_t)h;
}

static void counter_rehash(struct counter *c)
{
    size_t n_slots = c->n_slots ? c->n_slots * 2 : 64;
    free(c->slots);
    c->slots = xcalloc(n_slots, sizeof *c->slots);
    c->n_slots = n_slots;
    for (size_t i = 0; i < c->n; i++) {
        size_t h = count_hash(c->items[i].key, c->items[i].level) & (n_slots - 1);
        while (c->slots[h])
            h = (h + 1) & (n_slots - 1);
        c->slots[h] = i + 1;
    }
}

static void count_key(struct counter *c, const char *key, int level)
{
    if ((c->n + 1) * 2 > c->n_slots)
        counter_rehash(c);
    size_t h = count_hash(key, level) & (c->n_slots - 1);
    for (; c->slots[h]; h = (h + 1) & (c->n_slots - 1)) {
        struct store_count_item *it = &c->items[c->slots[h] - 1];
        if (it->level == level && strcmp(it->key, key) == 0) {
            it->n++;
            return;
        }
    }
    ARRAY_GROW(c->items, c->cap, c->n + 1);
    c->items[c->n] = (struct store_count_item){xstrdup(key), level, 1, false};
    c->slots[h] = ++c->n;
}

static int count_item_cmp(const void *a, const void *b)
{
    const struct store_count_item *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    if (x->level != y->level)
        return x->level < y->level ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Most frequent first; qsort is not given the NULL of an empty list. */
static void counter_finish(struct counter *c, struct store_count_item **items, size_t *n)
{
    free(c->slots);
    if (c->n > 1)
        qsort(c->items, c->n, sizeof *c->items, count_item_cmp);
    *items = c->items;
    *n = c->n;
}

void store_summary(struct store *s, struct store_summary *out)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < s->n_chunks; i++)
        n += s->chunks[i].n;
    const struct log_entry **all = xcalloc(n ? n : 1, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < s->n_chunks; i++)
        for (size_t j = 0; j < s->chunks[i].n; j++)
            all[k++] = &s->chunks[i].e[j];
    if (k > 1)
        qsort(all, k, sizeof *all, entry_ptr_cmp);
    struct store_tally *t = store_tally_new();
    for (size_t i = 0; i < k; i++) {
        const struct log_entry *e = all[i];
        if (i > 0 && all[i - 1]->id == e->id)
            continue; /* the same entry in two overlapping pages */
        if (s->filtered && !filter_match(&s->filter, e))
            continue;
        store_tally_add(t, e);
    }
    free(all);
    store_tally_finish(t, out);
}

struct store_tally {
    struct counter levels, apps, exceptions;
    long total;
    int64_t min_id, max_id; /* the ids and times covered (summary.c says so) */
    struct log_time oldest, newest;
};

struct store_tally *store_tally_new(void)
{
    return xcalloc(1, sizeof(struct store_tally));
}

void store_tally_add(struct store_tally *t, const struct log_entry *e)
{
    if (t->total == 0 || e->id < t->min_id)
        t->min_id = e->id, t->oldest = e->created;
    if (t->total == 0 || e->id > t->max_id)
        t->max_id = e->id, t->newest = e->created;
    t->total++;
    char name[LEVEL_NAME_MAX];
    count_key(&t->levels, level_format(e->level, name), e->level);
    count_key(&t->apps, e->app_name ? e->app_name : "", -1);
    char exc[STORE_EXC_TYPE_MAX];
    if (e->trace && trace_exception_type(e->trace, strlen(e->trace), exc, sizeof exc) == 0)
        count_key(&t->exceptions, exc, -1);
}

void store_tally_finish(struct store_tally *t, struct store_summary *out)
{
    memset(out, 0, sizeof *out);
    out->total = t->total;
    out->min_id = t->min_id;
    out->max_id = t->max_id;
    out->oldest = t->oldest;
    out->newest = t->newest;
    counter_finish(&t->levels, &out->levels, &out->n_levels);
    counter_finish(&t->apps, &out->apps, &out->n_apps);
    counter_finish(&t->exceptions, &out->exceptions, &out->n_exceptions);
    free(t);
}

static void count_items_free(struct store_count_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].key);
    free(items);
}

void store_summary_free(struct store_summary *sum)
{
    count_items_free(sum->levels, sum->n_levels);
    count_items_free(sum->apps, sum->n_apps);
    count_items_free(sum->exceptions, sum->n_exceptions);
    memset(sum, 0, sizeof *sum);
}
