/* walk.c — see include/omslog/walk.h */
#include "omslog/walk.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"

/* ---- geometry ---- */

long walk_pages_for(int64_t count, long size)
{
    if (count <= 0 || size <= 0)
        return 0;
    return (long)(count / size + (count % size != 0));
}

int64_t walk_first_row(long page, long size)
{
    if (page <= 1 || size <= 0)
        return 0;
    if (page - 1 > INT64_MAX / size)
        return INT64_MAX;
    return (int64_t)(page - 1) * size;
}

long walk_page_of_row(int64_t row, long size)
{
    return (long)(row / size + 1);
}

struct walk_span walk_place(struct walk_pager *pg, long page, const struct log_page *p)
{
    struct walk_span sp = {0};
    size_t n = p->n;
    if (pg->told && page > 1 && n > (size_t)pg->size)
        sp.skip = n - (size_t)pg->size;
    n -= sp.skip;
    if (p->next && n > 0 && (!pg->told || (long)n != pg->size)) {
        sp.resized = pg->size > 0 && (long)n != pg->size;
        pg->size = (long)n;
        pg->told = true;
    } else if (pg->size <= 0) {
        pg->size = n > 0 ? (long)n : 1;
    }
    sp.n = n;
    sp.top = p->count - 1 - walk_first_row(page, pg->size);
    return sp;
}

#define WALK_S_PER_MIN 60.0
#define WALK_S_PER_H 3600.0
/* Below this many seconds (minutes) a time is said in seconds (minutes). */
#define WALK_SAY_S_BELOW 90.0
#define WALK_SAY_MIN_BELOW 90.0

void walk_cost_text(struct buf *out, long pages, double pages_per_s)
{
    buf_printf(out, "%ld page%s, ", pages, pages == 1 ? "" : "s");
    if (!(pages_per_s > 0)) {
        buf_appends(out, "time not known yet");
        return;
    }
    double s = (double)pages / pages_per_s;
    if (s < WALK_SAY_S_BELOW)
        buf_printf(out, "about %.0f s", s < 1 ? 1 : s);
    else if (s / WALK_S_PER_MIN < WALK_SAY_MIN_BELOW)
        buf_printf(out, "about %.0f min", s / WALK_S_PER_MIN);
    else
        buf_printf(out, "about %.1f h", s / WALK_S_PER_H);
    buf_printf(out, " at %.1f pages/s", pages_per_s);
}

bool walk_page_gone(long page, const struct omslog_error *err)
{
    return err && err->status == OMSLOG_ERR_NOT_FOUND && page > 1;
}

/* ---- the walk ----
 *
 * Pages [head, next) have been requested; page head is the next to hand out.
 * Each lives in ring[page % cap] until handed out. Pages that arrived and
 * wait for an earlier one ("held") are out of the transport, so one slow page
 * does not idle every request slot behind it; the ring's size bounds them,
 * and so the memory. `reread` is one earlier page asked for again because the
 * log moved; it goes before the head. */

struct walk_slot {
    int ticket; /* 0: not requested */
    bool done;
    long seq; /* the order it arrived in: the later, the newer the log it saw */
    struct log_page page;
    struct omslog_error err; /* status OMSLOG_OK: page is valid */
};

/* Where the output stands: the last id handed out and, by position, the
 * entry that should come next. The row, counted from the top, is kept too:
 * a purge of old entries at the bottom changes every position but no row. */
struct walk_mark {
    bool have;
    int64_t last_id;
    int64_t need;       /* position of the next entry */
    int64_t need_count; /* the count of the page that told */
    int64_t row;        /* 0-based row of the last entry handed out, by need_count */
    long seq;           /* of the page that told */
};

/* Keyset mode (walk.h): the window being read is pages head..next-1 of
 * the entries below anchor, in the same ring as the page walk's pages. */
struct walk_keyset {
    bool on, failed;
    bool anchored;   /* false: the first page, asked without id__lt */
    int64_t anchor;  /* id__lt of the window */
    long window;     /* pages a window may span */
    int64_t count;   /* the window's count, as foreseen or told; -1: unknown */
    bool again;      /* the window is asked again after a count that did not fit */
    int64_t seen;    /* entries of the window's pages handed out so far */
    long pages_done; /* pages handed out in all (progress) */
    int64_t total;   /* the log's count by the first page (progress) */
};

struct walk {
    struct walk_sink sink;
    struct walk_keyset ks;
    int64_t handed_entries;
    struct walk_pager pager;
    bool one_page;
    struct walk_slot *ring;
    long cap;
    long head, next;
    long last_page; /* by the latest count; 0: not known, only the head may go */
    struct walk_slot reread;
    long reread_page;     /* 0: none */
    int64_t latest_count; /* of the page that arrived last: the best guess of now */
    long seq;             /* pages arrived */
    struct walk_mark mark;
    long rereads, handed_pages, unproven, stalled;
    long next_reread;  /* where to look next when a re-read was all seen */
    long gone_page;    /* the head page that last answered "gone"... */
    int64_t gone_last; /* ...and the last id handed out then */
    bool ended;
    struct omslog_error end; /* what the walk ended with */
    bool has_stop_before;    /* walk.h: the end of a time window */
    struct log_time stop_before;
    int64_t stop_pos; /* of an entry older than stop_before, -1: not known */
};

static struct walk_slot *walk_slot(struct walk *w, long page)
{
    return &w->ring[page % w->cap];
}

static void slot_drop(struct walk *w, struct walk_slot *s)
{
    if (s->done)
        log_page_free(&s->page);
    else if (s->ticket > 0)
        w->sink.cancel(w->sink.ctx, s->ticket);
    *s = (struct walk_slot){0};
}

static void reread_drop(struct walk *w)
{
    slot_drop(w, &w->reread);
    w->reread_page = 0;
}

static void drop_all(struct walk *w)
{
    for (long pg = w->head; pg < w->next; pg++)
        slot_drop(w, walk_slot(w, pg));
    w->next = w->head;
    reread_drop(w);
}

static void walk_end(struct walk *w, const struct omslog_error *e)
{
    if (w->ended)
        return;
    w->ended = true;
    if (e)
        w->end = *e;
    drop_all(w);
}

/* Request one page into s: true when it was (or could not be and the walk
 * ended), false when the transport has no room now. */
static bool submit(struct walk *w, long page, struct walk_slot *s)
{
    struct omslog_error e = {0};
    int t = w->ks.on && w->ks.anchored ? w->sink.request_below(w->sink.ctx, w->ks.anchor, page, &e)
                                       : w->sink.request(w->sink.ctx, page, &e);
    if (t < 0) {
        if (e.status == OMSLOG_OK)
            error_set(&e, OMSLOG_ERR_INTERNAL, "cannot request page %ld", page);
        walk_end(w, &e);
        return true;
    }
    if (t == 0)
        return false;
    *s = (struct walk_slot){.ticket = t};
    return true;
}

/* The page holding the entry at stop_pos by the latest count: pages past it
 * are not asked (walk.h); LONG_MAX when no bound is known. */
static long stop_page(const struct walk *w)
{
    if (w->stop_pos < 0 || w->ks.on || w->pager.size <= 0 || w->latest_count <= 0)
        return LONG_MAX;
    int64_t row = w->latest_count - 1 - w->stop_pos;
    return walk_page_of_row(row > 0 ? row : 0, w->pager.size);
}

/* Page (not a re-read) arrived as p: when its first entry is older than the
 * window, nothing past it is needed; pages past it in flight or held go. */
static void learn_stop(struct walk *w, long page, const struct log_page *p)
{
    long size = w->pager.told ? w->pager.size : (p->next ? (long)p->n : 0);
    if (!w->has_stop_before || p->n == 0 || size <= 0 ||
        datetime_cmp(p->entries[0].created, w->stop_before) >= 0)
        return;
    int64_t first = walk_first_row(page, size);
    if (first >= p->count)
        return;
    int64_t pos = p->count - 1 - first;
    if (pos <= w->stop_pos)
        return;
    w->stop_pos = pos;
    long last = stop_page(w);
    if (last < w->head || last >= w->next)
        return;
    for (long pg = last + 1; pg < w->next; pg++)
        slot_drop(w, walk_slot(w, pg));
    w->next = last + 1;
}

/* Request pages while the transport and the ring have room: the head page
 * first if it was dropped to be read again, then the re-read, then onwards
 * (not past the window's end, stop_page). */
static void fill(struct walk *w)
{
    struct walk_slot *head = walk_slot(w, w->head);
    if (w->head < w->next && head->ticket == 0 && !head->done && !submit(w, w->head, head))
        return;
    if (w->ended)
        return;
    if (w->reread_page && w->reread.ticket == 0 && !submit(w, w->reread_page, &w->reread))
        return;
    while (!w->ended && w->next - w->head < w->cap &&
           (w->next == w->head || (!w->one_page && w->last_page && w->next <= w->last_page &&
                                   w->next <= stop_page(w)))) {
        if (!submit(w, w->next, walk_slot(w, w->next)))
            return;
        w->next++;
    }
}

struct walk *walk_new(const struct walk_opts *o, const struct walk_sink *sink)
{
    struct walk *w = xcalloc(1, sizeof *w);
    w->sink = *sink;
    w->one_page = o->one_page;
    w->pager.size = o->page_size > 0 ? o->page_size : 0;
    w->cap = o->max_pages > 0 ? o->max_pages : 1;
    w->ring = xcalloc((size_t)w->cap, sizeof *w->ring);
    w->head = w->next = o->first_page > 0 ? o->first_page : 1;
    w->ks.on = o->keyset && sink->request_below && w->head == 1 && !o->one_page;
    w->ks.window = o->window > 0 && o->window < w->cap ? o->window : w->cap;
    w->ks.count = -1;
    w->has_stop_before = o->has_stop_before;
    w->stop_before = o->stop_before;
    w->stop_pos = o->stop_pos > 0 ? o->stop_pos : -1;
    return w;
}

void walk_free(struct walk *w)
{
    if (!w)
        return;
    drop_all(w);
    free(w->ring);
    free(w);
}

bool walk_done(const struct walk *w)
{
    return w->ended;
}

long walk_unproven(const struct walk *w)
{
    return w->unproven;
}

bool walk_keyset_failed(const struct walk *w)
{
    return w->ks.failed;
}

/* Whether a page whose first entry is at position top by its own count
 * continues the output without a gap. Proof by ids: an entry already handed
 * out followed by one that is not means the latter is the true successor (ids
 * only go down, and new entries only arrive at the top). Without such
 * overlap, only an unchanged log proves it: the same count as the page
 * before, and the page starting exactly where that one ended. */
static bool continues(const struct walk_mark *m, const struct log_page *p, struct walk_span sp)
{
    if (!m->have || sp.n == 0)
        return true;
    if (p->entries[sp.skip].id >= m->last_id)
        return true;
    return sp.top == m->need && p->count == m->need_count;
}

static bool may_reread(const struct walk *w)
{
    return w->rereads < WALK_MAX_REREADS + w->handed_pages;
}

/* A failed page: the end, unless the page is gone because the log shrank
 * since its number was chosen, which pulled unseen entries onto the page
 * before: read that one again. */
static void on_failure(struct walk *w, bool is_reread, long page, const struct omslog_error *e)
{
    bool shrank = walk_page_gone(page, e) && w->mark.have;
    /* The same head page gone again with nothing handed out since: the page
     * before was re-read and all seen, so this is the end. */
    bool gone_again = !is_reread && page == w->gone_page && w->mark.last_id == w->gone_last;
    if (!is_reread) {
        w->gone_page = page;
        w->gone_last = w->mark.last_id;
    }
    if (shrank && may_reread(w) && !gone_again) {
        if (is_reread) {
            reread_drop(w);
        } else {
            drop_all(w); /* the later pages are gone too */
            w->head = w->next = page;
        }
        w->reread_page = page - 1;
        w->rereads++;
        return;
    }
    walk_end(w, shrank ? NULL : e); /* out of re-reads: take it as the end */
}

/* The page to read again when page (is_reread: itself a re-read) cannot be
 * proven to continue the output. */
static long reread_target(struct walk *w, bool is_reread, long page)
{
    long size = w->pager.size;
    if (is_reread)
        return page - 1; /* it starts below us: look higher */
    if (w->next_reread)
        return w->next_reread;
    if (w->latest_count < w->mark.need_count) {
        /* The log shrank: most likely retention purged old entries at the
         * bottom. By position the last entry handed out would seem to have
         * moved up by the whole purge (to page 1 if the purge was big), and
         * the walk down from there costs a request a page, out of the
         * re-read budget. Its row did not move, so its page is the place to
         * look; for deletions above it or growth, the walk below corrects. */
        long last_page = walk_pages_for(w->latest_count, size);
        long want = walk_page_of_row(w->mark.row, size);
        if (want > last_page)
            want = last_page; /* it was purged itself: the end is near */
        return want < 1 ? 1 : want;
    }
    /* The page that holds the last entry handed out, by the latest count. */
    int64_t pos = w->latest_count - 1 - (w->mark.need + 1);
    return walk_page_of_row(pos > 0 ? pos : 0, size);
}

/* Page (of slot s) cannot be proven to continue the output: hold it and look
 * for the last entry handed out. Returns false when it is to be handed out
 * unproven instead. */
static bool hold_unproven(struct walk *w, struct walk_slot *s, bool is_reread, long page)
{
    const struct walk_mark *m = &w->mark;
    /* A re-read of page 1 has nothing above it to look at: it is the
     * continuation (ids already handed out are skipped). */
    if (w->pager.size <= 0 || !may_reread(w) || (is_reread && page == 1))
        return false;
    if (!is_reread && s->seq < m->seq && s->page.count != m->need_count &&
        w->latest_count == m->need_count && m->row < INT64_MAX &&
        page == walk_page_of_row(m->row + 1, w->pager.size)) {
        /* The page that told where we are arrived after this one and saw
         * another count, so this one is from an older state of the log (in
         * flight or held when it changed); by the newer state it is the page
         * that comes next (as after a purge at the bottom), and nothing newer
         * is known. Looking for the mark again would find it where it is and
         * never prove this page, until the re-reads ran out: read this page
         * again. (With newer entries known, a re-read finds some after the
         * mark and bridges to the held pages, which a fresh copy of this one
         * would leave older than it.) */
        slot_drop(w, s);
        w->rereads++;
        return true;
    }
    long want = reread_target(w, is_reread, page);
    if (is_reread)
        reread_drop(w);
    w->next_reread = 0;
    w->reread_page = want;
    w->rereads++;
    return true; /* a held head page stays held */
}

/* Hand out the entries of a page not handed out yet; false when the sink
 * wants no more. Moves the mark past them. */
static bool hand_out(struct walk *w, const struct log_page *p, struct walk_span sp)
{
    for (size_t i = sp.skip; i < sp.skip + sp.n; i++) {
        const struct log_entry *e = &p->entries[i];
        if (w->mark.have && e->id >= w->mark.last_id)
            continue; /* seen already: the log grew and shifted it here */
        w->mark.last_id = e->id;
        w->mark.have = true;
        w->handed_entries++;
        if (!w->sink.entry(w->sink.ctx, e))
            return false;
    }
    return true;
}

/* Note where the output stands after page (of slot s) was handed out. */
static void note_mark(struct walk *w, const struct walk_slot *s, bool is_reread, long page,
                      struct walk_span sp)
{
    const struct log_page *p = &s->page;
    if (sp.n > 0 && p->entries[sp.skip + sp.n - 1].id <= w->mark.last_id) {
        /* The page reaches the last entry handed out: it tells where we are. */
        int64_t first = walk_first_row(page, w->pager.size);
        w->mark.need = sp.top - (int64_t)sp.n;
        w->mark.need_count = p->count;
        w->mark.row = first > INT64_MAX - (int64_t)sp.n ? INT64_MAX : first + (int64_t)sp.n - 1;
        w->mark.seq = s->seq;
        w->next_reread = 0;
    } else if (is_reread && sp.n > 0) {
        w->next_reread = page + 1; /* all of it above us: look further down */
    }
}

/* One arrived page in turn (the re-read, else the head). */
static void take_page(struct walk *w, struct walk_slot *s, bool is_reread, long page)
{
    if (s->err.status != OMSLOG_OK) {
        struct omslog_error e = s->err;
        on_failure(w, is_reread, page, &e);
        return;
    }
    struct log_page *p = &s->page;
    struct walk_span sp = walk_place(&w->pager, page, p);
    bool proven = continues(&w->mark, p, sp) || (is_reread && page == 1);
    if (!proven && hold_unproven(w, s, is_reread, page))
        return;
    if (!proven)
        w->unproven++; /* out of re-reads: handed out without proof */
    if (!p->next)
        w->last_page = page;
    else if (w->pager.told)
        w->last_page = walk_pages_for(p->count, w->pager.size);
    int64_t last_before = w->mark.have ? w->mark.last_id : INT64_MAX;
    bool more = hand_out(w, p, sp);
    if (is_reread || sp.n == 0 || !p->next || w->mark.last_id < last_before) {
        w->stalled = 0;
    } else if (++w->stalled >= WALK_MAX_STALLED_PAGES) {
        struct omslog_error e = {0};
        error_set(&e, OMSLOG_ERR_TIMEOUT,
                  "the log grows faster than it can be read: %d pages in a row brought no "
                  "entry not already written (a page or more of new entries per request); "
                  "stopped",
                  WALK_MAX_STALLED_PAGES);
        walk_end(w, &e);
        return;
    }
    note_mark(w, s, is_reread, page, sp);
    if (w->sink.progress)
        w->sink.progress(w->sink.ctx, page,
                         w->pager.told ? walk_pages_for(p->count, w->pager.size) : 0, &w->pager);
    bool last = !p->next || sp.n == 0;
    if (is_reread) {
        reread_drop(w);
    } else {
        if (more && page >= stop_page(w))
            w->stop_pos = -1; /* the bound was wrong (the log shrank): lifted */
        slot_drop(w, s);
        w->head++;
        w->handed_pages++;
    }
    if (!more || last || w->one_page)
        walk_end(w, NULL);
}

/* ---- keyset mode ---- */

/* Pages of the current window: the first page alone until the window's
 * count is known. */
static long ks_window_pages(const struct walk *w)
{
    if (!w->ks.anchored || w->ks.count < 0)
        return 1;
    long n = walk_pages_for(w->ks.count, w->pager.size > 0 ? w->pager.size : 1);
    if (n > w->ks.window)
        n = w->ks.window;
    return n < 1 ? 1 : n;
}

/* Read on below the last id handed out: count its entries (-1: unknown). */
static void ks_new_window(struct walk *w, int64_t anchor, int64_t count, bool again)
{
    drop_all(w);
    w->ks.anchored = true;
    w->ks.anchor = anchor;
    w->ks.count = count;
    w->ks.again = again;
    w->ks.seen = 0;
    w->head = w->next = 1;
}

/* The server sent an entry at or above the anchor, or counts that do not add
 * up even when asked again (rows left out, or the log purged meanwhile):
 * id__lt cannot be trusted. Go on by page numbers from the page that should hold the last
 * entry handed out; the page walk proves (or re-reads) its way from there. */
static void ks_fail(struct walk *w)
{
    drop_all(w);
    w->ks.on = false;
    w->ks.failed = true;
    long size = w->pager.size > 0 ? w->pager.size : 1;
    int64_t row = w->handed_entries > 0 ? w->handed_entries - 1 : 0;
    w->mark.row = row;
    w->mark.need_count = w->latest_count;
    w->mark.need = w->latest_count - 1 - w->handed_entries;
    w->head = w->next = walk_page_of_row(row, size);
}

static void ks_fill(struct walk *w)
{
    long pages = ks_window_pages(w);
    while (!w->ended && w->next <= pages && w->next - w->head < w->cap) {
        if (!submit(w, w->next, walk_slot(w, w->next)))
            return;
        w->next++;
    }
}

/* The head page of the window arrived: hand it out, or ask again. */
static void ks_take(struct walk *w, struct walk_slot *s)
{
    long page = w->head;
    struct log_page *p = &s->page;
    if (s->err.status != OMSLOG_OK) {
        struct omslog_error e = s->err;
        /* Gone: the window shrank (deletions); ask again below the mark. */
        if (walk_page_gone(page, &e) && w->ks.anchored && w->mark.have && !w->ks.again &&
            may_reread(w)) {
            w->rereads++;
            ks_new_window(w, w->mark.last_id, w->ks.count - w->ks.seen, true);
        } else if (walk_page_gone(page, &e) && w->ks.anchored && w->mark.have) {
            ks_fail(w);
        } else {
            walk_end(w, &e);
        }
        return;
    }
    for (size_t i = 0; w->ks.anchored && i < p->n; i++)
        if (p->entries[i].id >= w->ks.anchor) {
            ks_fail(w);
            return;
        }
    if (w->ks.anchored && w->ks.count >= 0 && p->count != w->ks.count && w->mark.have) {
        /* Rows came or went below the anchor (pages moved), or the server
         * leaves some out: ask once more below the last id handed out,
         * expecting what this count foresaw. */
        if (w->ks.again || !may_reread(w)) {
            ks_fail(w);
            return;
        }
        w->rereads++;
        ks_new_window(w, w->mark.last_id, w->ks.count - w->ks.seen, true);
        return;
    }
    w->ks.again = false;
    if (w->ks.count < 0)
        w->ks.count = p->count;
    if (!w->ks.anchored && w->ks.total == 0)
        w->ks.total = p->count;
    w->latest_count = p->count;
    struct walk_span sp = walk_place(&w->pager, page, p);
    bool more = hand_out(w, p, sp);
    w->ks.seen += (int64_t)p->n;
    w->ks.pages_done++;
    w->handed_pages++;
    if (w->sink.progress)
        w->sink.progress(w->sink.ctx, w->ks.pages_done,
                         w->pager.told ? walk_pages_for(w->ks.total, w->pager.size) : 0,
                         &w->pager);
    bool last = !p->next || sp.n == 0;
    slot_drop(w, s);
    w->head++;
    if (!more || last || !w->mark.have) {
        walk_end(w, NULL);
        return;
    }
    if (w->head > ks_window_pages(w)) {
        /* The window is done: the next starts below its last entry, with
         * the entries left by this window's count (checked when it comes). */
        int64_t left = w->ks.count - w->ks.seen;
        ks_new_window(w, w->mark.last_id, left > 0 ? left : -1, false);
    }
}

static void ks_advance(struct walk *w)
{
    while (!w->ended && w->ks.on) {
        ks_fill(w);
        if (w->ended)
            return;
        struct walk_slot *s = walk_slot(w, w->head);
        if (w->head >= w->next || !s->done)
            return;
        ks_take(w, s);
    }
}

/* Take every page that is next in turn, requesting more as room allows. */
static void advance(struct walk *w)
{
    ks_advance(w);
    while (!w->ended) {
        fill(w);
        if (w->ended)
            return;
        bool is_reread = w->reread_page != 0;
        long page = is_reread ? w->reread_page : w->head;
        struct walk_slot *s = is_reread ? &w->reread : walk_slot(w, w->head);
        if (!s->done)
            return;
        take_page(w, s, is_reread, page);
    }
}

static int walk_status(const struct walk *w, struct omslog_error *err)
{
    if (!w->ended || w->end.status == OMSLOG_OK)
        return OMSLOG_OK;
    if (err)
        *err = w->end;
    return w->end.status;
}

int walk_start(struct walk *w, struct omslog_error *err)
{
    advance(w);
    return walk_status(w, err);
}

/* The slot of ticket and its page (0: the re-read), or NULL. */
static struct walk_slot *slot_of_ticket(struct walk *w, int ticket, long *page)
{
    *page = 0;
    if (ticket <= 0)
        return NULL;
    if (w->reread_page && w->reread.ticket == ticket && !w->reread.done)
        return &w->reread;
    for (long pg = w->head; pg < w->next; pg++) {
        struct walk_slot *c = walk_slot(w, pg);
        if (c->ticket == ticket && !c->done) {
            *page = pg;
            return c;
        }
    }
    return NULL;
}

int walk_feed(struct walk *w, int ticket, struct log_page *p, const struct omslog_error *perr,
              struct omslog_error *err)
{
    long page = 0;
    struct walk_slot *s = w->ended ? NULL : slot_of_ticket(w, ticket, &page);
    if (!s)
        return walk_status(w, err); /* not ours (cancelled meanwhile) */
    s->err = perr ? *perr : (struct omslog_error){0};
    if (s->err.status == OMSLOG_OK) {
        s->page = *p;
        memset(p, 0, sizeof *p);
        w->latest_count = s->page.count;
    }
    s->done = true;
    s->seq = ++w->seq;
    if (page > 0 && s->err.status == OMSLOG_OK && !w->ks.on)
        learn_stop(w, page, &s->page);
    advance(w);
    return walk_status(w, err);
}
