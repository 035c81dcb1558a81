/* test_walk.c — the page walk without a network: a fake server (an array of
 * ids, newest first) that changes between answers as each scenario of the
 * table says, answering the walk's requests in or out of order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"
#include "omslog/walk.h"

#define QUEUE_MAX 64
#define STEPS_MAX 20000
#define EVERY_SURVIVOR (-1) /* every entry present from start to end, at least */
#define SOME (-2)           /* the walk ends early: in order, once, is all there is */

/* ---- geometry ---- */

static void test_pages_for(void **state)
{
    (void)state;
    static const struct {
        int64_t count;
        long size;
        long pages;
    } t[] = {
        {0, 10, 0},
        {1, 10, 1},
        {10, 10, 1},
        {11, 10, 2},
        {95, 10, 10},
        {5, 0, 0},
        {INT64_MAX, 1, INT64_MAX},
        {INT64_MAX, 10, 922337203685477581},
        {INT64_MAX, 100, 92233720368547759},
        {INT64_MAX - 1, 2, 4611686018427387903},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++)
        assert_int_equal(walk_pages_for(t[i].count, t[i].size), t[i].pages);
}

static void test_rows_of_pages(void **state)
{
    (void)state;
    assert_int_equal(walk_first_row(1, 10), 0);
    assert_int_equal(walk_first_row(3, 10), 20);
    assert_int_equal(walk_first_row(922337203685477581, 10), 9223372036854775800);
    assert_int_equal(walk_first_row(INT64_MAX, 10), INT64_MAX); /* beyond any log */
    assert_int_equal(walk_page_of_row(0, 10), 1);
    assert_int_equal(walk_page_of_row(19, 10), 2);
    assert_int_equal(walk_page_of_row(INT64_MAX - 1, 10), 922337203685477581);
}

static struct log_page page_of(int64_t count, int64_t first_id, size_t n, bool next)
{
    struct log_page p = {.count = count, .n = n};
    p.entries = xcalloc(n ? n : 1, sizeof *p.entries);
    for (size_t i = 0; i < n; i++)
        p.entries[i].id = first_id - (int64_t)i;
    p.next = next ? xstrdup("http://x/?page=next") : NULL;
    return p;
}

static void test_place(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        long size;
        bool told;
        long page;
        int64_t count;
        size_t n;
        bool next;
        /* expected */
        int64_t top;
        size_t skip, kept;
        long size_after;
        bool resized;
    } t[] = {
        {"page 1 tells the size", 0, false, 1, 100, 10, true, 99, 0, 10, 10, false},
        {"asked 50, server sends 10", 50, false, 1, 100, 10, true, 99, 0, 10, 10, true},
        {"page 3 by its own count", 10, true, 3, 105, 10, true, 84, 0, 10, 10, false},
        {"repeated last entry", 10, true, 2, 100, 11, true, 89, 1, 10, 10, false},
        {"page 1 is never cut", 10, true, 1, 100, 11, true, 99, 0, 11, 11, true},
        {"last page: no size told", 10, true, 10, 95, 5, false, 4, 0, 5, 10, false},
        {"past the bottom", 10, true, 11, 95, 5, false, -6, 0, 5, 10, false},
        {"unknown size, last page", 0, false, 1, 7, 7, false, 6, 0, 7, 7, false},
        {"count near INT64_MAX", 10, true, 922337203685477581, INT64_MAX, 7, false, 6, 0, 7, 10,
         false},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        struct walk_pager pg = {t[i].size, t[i].told};
        struct log_page p = page_of(t[i].count, 1000, t[i].n, t[i].next);
        struct walk_span sp = walk_place(&pg, t[i].page, &p);
        if (sp.top != t[i].top || sp.skip != t[i].skip || sp.n != t[i].kept ||
            pg.size != t[i].size_after || sp.resized != t[i].resized)
            fail_msg("%s: top %lld skip %zu n %zu size %ld resized %d", t[i].what,
                     (long long)sp.top, sp.skip, sp.n, pg.size, sp.resized);
        log_page_free(&p);
    }
}

static void test_page_gone(void **state)
{
    (void)state;
    struct omslog_error nf = {.status = OMSLOG_ERR_NOT_FOUND};
    struct omslog_error srv = {.status = OMSLOG_ERR_SERVER};
    assert_true(walk_page_gone(2, &nf));
    assert_false(walk_page_gone(1, &nf)); /* page 1 always exists */
    assert_false(walk_page_gone(2, &srv));
    assert_false(walk_page_gone(2, NULL));
}

/* ---- the walk against a changing log ---- */

struct scenario {
    const char *name;
    size_t count;      /* entries at the start */
    long size;         /* the server's page size */
    long asked;        /* page size asked for (0: the server's) */
    long room;         /* requests the transport runs at once */
    bool lifo;         /* answer the latest request first */
    int grow;          /* new entries at the top before every answer */
    int delete_middle; /* entries deleted in the middle before every answer */
    long purge_at;     /* before this answer (1-based) ... */
    size_t purge;      /* ... this many of the oldest entries go */
    bool repeat_last;  /* page k+1 starts with page k's last entry */
    int64_t claim;     /* the count the server claims (0: the real one) */
    long fail_at;      /* this answer is a server error (0: none) */
    long refuse_at;    /* this request cannot be made (0: none) */
    long first_page;
    bool one_page;
    long limit;
    bool id_lt_ignored;  /* keyset runs: the server ignores id__lt */
    bool id_lt_drops;    /* keyset runs: under id__lt, ids divisible by 7 left out (count too) */
    bool keyset_whole;   /* keyset runs: status OK, every survivor, maybe all proven (growth
                          * and deletions above the anchor move no page of a window) */
    long keyset_emitted; /* keyset runs: entries expected when not emitted (0: the same) */
    /* expected */
    int status;
    long emitted; /* EVERY_SURVIVOR, SOME or how many */
    long unproven_min, unproven_max;
    long requests_max; /* 0: no bound */
};

struct fake {
    const struct scenario *sc;
    int64_t *ids; /* newest first */
    size_t n, cap;
    int64_t next_id;
    int64_t *start_ids;
    size_t n_start;
    struct {
        int ticket;
        long page;
        int64_t before; /* id__lt, INT64_MAX: none */
    } q[QUEUE_MAX];
    bool keyset;         /* run the walk in keyset mode */
    long max_page;       /* the deepest page number asked for */
    long below_requests; /* requests with id__lt */
    bool keyset_failed;  /* the walk went back to page numbers */
    size_t nq;
    int next_ticket;
    long requests, answers;
    int64_t *out;
    size_t n_out, cap_out;
    long last_pages; /* the last progress report's page count */
};

static void fake_init(struct fake *f, const struct scenario *sc)
{
    memset(f, 0, sizeof *f);
    f->sc = sc;
    ARRAY_GROW(f->ids, f->cap, sc->count + 1);
    f->n = sc->count;
    for (size_t i = 0; i < f->n; i++)
        f->ids[i] = (int64_t)(f->n - i);
    f->next_id = (int64_t)f->n + 1;
    f->start_ids = xcalloc(f->n + 1, sizeof *f->start_ids);
    memcpy(f->start_ids, f->ids, f->n * sizeof *f->ids);
    f->n_start = f->n;
}

static void fake_free(struct fake *f)
{
    free(f->ids);
    free(f->start_ids);
    free(f->out);
}

static void fake_change(struct fake *f)
{
    const struct scenario *sc = f->sc;
    if (sc->grow) {
        ARRAY_GROW(f->ids, f->cap, f->n + (size_t)sc->grow);
        memmove(f->ids + sc->grow, f->ids, f->n * sizeof *f->ids);
        for (int i = sc->grow - 1; i >= 0; i--)
            f->ids[i] = f->next_id++;
        f->n += (size_t)sc->grow;
    }
    for (int k = 0; k < sc->delete_middle && f->n > 0; k++) {
        size_t mid = f->n / 2;
        memmove(f->ids + mid, f->ids + mid + 1, (f->n - mid - 1) * sizeof *f->ids);
        f->n--;
    }
    if (f->answers == sc->purge_at)
        f->n = f->n > sc->purge ? f->n - sc->purge : 0;
}

/* The answer to page, as a DRF server gives it. */
static bool fake_page(struct fake *f, long page, int64_t before, struct log_page *p,
                      struct omslog_error *err)
{
    const struct scenario *sc = f->sc;
    f->answers++;
    fake_change(f);
    memset(p, 0, sizeof *p);
    if (f->answers == sc->fail_at) {
        error_set(err, OMSLOG_ERR_SERVER, "server error 500");
        return false;
    }
    /* id__lt: the entries below before, paged as the whole log is. */
    size_t below = 0;
    while (!sc->id_lt_ignored && below < f->n && f->ids[below] >= before)
        below++;
    int64_t *ids = f->ids + below;
    size_t n = f->n - below;
    int64_t *kept = NULL;
    if (sc->id_lt_drops && before != INT64_MAX) {
        kept = xcalloc(n + 1, sizeof *kept);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (ids[i] % 7 != 0)
                kept[k++] = ids[i];
        ids = kept;
        n = k;
    }
    size_t first = (size_t)(page - 1) * (size_t)sc->size;
    if (page > 1 && first >= n) {
        error_set(err, OMSLOG_ERR_NOT_FOUND, "page %ld is past the end (404: Invalid page.)",
                  page);
        free(kept);
        return false;
    }
    size_t end = first + (size_t)sc->size > n ? n : first + (size_t)sc->size;
    if (sc->repeat_last && page > 1)
        first--;
    p->count = sc->claim ? sc->claim : (int64_t)n;
    p->next = end < n || sc->claim ? xstrdup("http://x/?page=next") : NULL;
    p->n = end - first;
    p->entries = xcalloc(p->n ? p->n : 1, sizeof *p->entries);
    for (size_t i = 0; i < p->n; i++)
        p->entries[i].id = ids[first + i];
    free(kept);
    return true;
}

static int fake_request_below(void *ctx, int64_t before, long page, struct omslog_error *err)
{
    struct fake *f = ctx;
    if ((long)f->nq >= f->sc->room)
        return 0;
    if (++f->requests == f->sc->refuse_at) {
        error_set(err, OMSLOG_ERR_ORIGIN, "refused");
        return -1;
    }
    assert_true(page >= 1);
    if (page > f->max_page)
        f->max_page = page;
    f->below_requests += before != INT64_MAX;
    f->q[f->nq].ticket = ++f->next_ticket;
    f->q[f->nq].page = page;
    f->q[f->nq].before = before;
    f->nq++;
    return f->next_ticket;
}

static int fake_request(void *ctx, long page, struct omslog_error *err)
{
    return fake_request_below(ctx, INT64_MAX, page, err);
}

static void fake_cancel(void *ctx, int ticket)
{
    struct fake *f = ctx;
    for (size_t i = 0; i < f->nq; i++)
        if (f->q[i].ticket == ticket) {
            memmove(&f->q[i], &f->q[i + 1], (f->nq - i - 1) * sizeof f->q[0]);
            f->nq--;
            return;
        }
    fail_msg("%s: cancelled ticket %d is not in flight", f->sc->name, ticket);
}

static bool fake_entry(void *ctx, const struct log_entry *e)
{
    struct fake *f = ctx;
    ARRAY_GROW(f->out, f->cap_out, f->n_out + 1);
    f->out[f->n_out++] = e->id;
    return f->sc->limit <= 0 || (long)f->n_out < f->sc->limit;
}

static void fake_progress(void *ctx, long page, long pages, const struct walk_pager *pg)
{
    struct fake *f = ctx;
    (void)page;
    (void)pg;
    f->last_pages = pages;
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Run one scenario to its end; returns the walk's status. */
static int run_walk(struct fake *f, long *unproven)
{
    const struct scenario *sc = f->sc;
    struct walk_opts o = {.first_page = sc->first_page ? sc->first_page : 1,
                          .one_page = sc->one_page,
                          .page_size = sc->asked,
                          .max_pages = sc->room * 5,
                          .keyset = f->keyset,
                          .window = sc->room * 2};
    struct walk_sink sink = {f,          fake_request,  fake_cancel,
                             fake_entry, fake_progress, fake_request_below};
    struct walk *w = walk_new(&o, &sink);
    struct omslog_error err = {0};
    int rc = walk_start(w, &err);
    for (int step = 0; !walk_done(w); step++) {
        if (f->nq == 0 || step > STEPS_MAX)
            fail_msg("%s: the walk is stuck", sc->name);
        size_t at = sc->lifo ? f->nq - 1 : 0;
        int ticket = f->q[at].ticket;
        long page = f->q[at].page;
        int64_t before = f->q[at].before;
        memmove(&f->q[at], &f->q[at + 1], (f->nq - at - 1) * sizeof f->q[0]);
        f->nq--;
        struct log_page p;
        struct omslog_error perr = {0};
        fake_page(f, page, before, &p, &perr);
        rc = walk_feed(w, ticket, &p, &perr, &err);
        log_page_free(&p);
    }
    assert_int_equal(f->nq, 0); /* nothing left in flight */
    *unproven = walk_unproven(w);
    f->keyset_failed = walk_keyset_failed(w);
    walk_free(w);
    return rc;
}

static void check_scenario(const struct scenario *sc, bool keyset)
{
    struct fake f;
    fake_init(&f, sc);
    f.keyset = keyset;
    long unproven = 0;
    int rc = run_walk(&f, &unproven);
    int want = keyset && sc->keyset_whole ? OMSLOG_OK : sc->status;
    long emitted = keyset && sc->keyset_whole ? EVERY_SURVIVOR : sc->emitted;
    if (keyset && sc->keyset_emitted)
        emitted = sc->keyset_emitted;
    if (rc != want)
        fail_msg("%s%s: status %d, expected %d", sc->name, keyset ? " (keyset)" : "", rc, want);
    for (size_t i = 1; i < f.n_out; i++)
        if (f.out[i] >= f.out[i - 1])
            fail_msg("%s: id %lld after %lld (a duplicate or out of order)", sc->name,
                     (long long)f.out[i], (long long)f.out[i - 1]);
    if (emitted >= 0 && (long)f.n_out != emitted)
        fail_msg("%s%s: %zu entries, expected %ld", sc->name, keyset ? " (keyset)" : "", f.n_out,
                 emitted);
    if (emitted == EVERY_SURVIVOR)
        for (size_t i = 0; i < f.n_start; i++)
            if (has_id(f.ids, f.n, f.start_ids[i]) && !has_id(f.out, f.n_out, f.start_ids[i]))
                fail_msg("%s: id %lld skipped", sc->name, (long long)f.start_ids[i]);
    long unproven_min = keyset && sc->keyset_whole ? 0 : sc->unproven_min;
    if (unproven < unproven_min || unproven > sc->unproven_max)
        fail_msg("%s: %ld pages unproven", sc->name, unproven);
    /* Keyset may spend a few requests more finding out that counts moved
     * (the window asked again, then the way back to page numbers). */
    long requests_max = sc->requests_max + (keyset && sc->requests_max ? 3 : 0);
    if (sc->requests_max && f.requests > requests_max)
        fail_msg("%s%s: %ld requests", sc->name, keyset ? " (keyset)" : "", f.requests);
    /* Keyset: no page number beyond the window, however long the log (a
     * server ignoring id__lt sends the walk back to page numbers). */
    if (keyset && (sc->id_lt_ignored || sc->id_lt_drops) != f.keyset_failed && !sc->purge &&
        !sc->delete_middle && !sc->claim)
        fail_msg("%s (keyset): keyset failed %d", sc->name, f.keyset_failed);
    if (keyset && !f.keyset_failed && sc->first_page <= 1 && !sc->one_page &&
        f.max_page > sc->room * 2)
        fail_msg("%s (keyset): page %ld asked", sc->name, f.max_page);
    if (keyset && !sc->id_lt_ignored && sc->first_page <= 1 && !sc->one_page &&
        f.n_out > (size_t)sc->size * 3 && f.below_requests == 0)
        fail_msg("%s (keyset): no request with id__lt", sc->name);
    fake_free(&f);
}

static const struct scenario scenarios[] = {
    {.name = "unchanged log, one at a time",
     .count = 95,
     .size = 10,
     .room = 1,
     .status = OMSLOG_OK,
     .emitted = 95,
     .requests_max = 10},
    {.name = "unchanged log, answers out of order",
     .count = 95,
     .size = 10,
     .room = 4,
     .lifo = true,
     .status = OMSLOG_OK,
     .emitted = 95,
     .requests_max = 10},
    {.name = "growth between requests",
     .count = 60,
     .size = 10,
     .room = 1,
     .grow = 3,
     .status = OMSLOG_OK,
     .emitted = EVERY_SURVIVOR},
    {.name = "growth, pages out of order",
     .count = 200,
     .size = 10,
     .room = 4,
     .lifo = true,
     .grow = 2,
     .status = OMSLOG_OK,
     .emitted = EVERY_SURVIVOR},
    {.name = "growth of a page or more: stops",
     .count = 137,
     .size = 5,
     .room = 1,
     .grow = 5,
     .status = OMSLOG_ERR_TIMEOUT,
     .emitted = SOME,
     .unproven_max = 1000,
     .keyset_whole = true},
    {.name = "purge at the bottom",
     .count = 300,
     .size = 10,
     .room = 1,
     .purge_at = 12,
     .purge = 50,
     .status = OMSLOG_OK,
     .emitted = 250,
     .requests_max = 25 + 3},
    {.name = "purge while later pages are held",
     .count = 300,
     .size = 10,
     .room = 3,
     .lifo = true,
     .purge_at = 12,
     .purge = 50,
     .status = OMSLOG_OK,
     .emitted = EVERY_SURVIVOR},
    {.name = "repeated last entry",
     .count = 50,
     .size = 10,
     .room = 2,
     .repeat_last = true,
     .status = OMSLOG_OK,
     .emitted = 50},
    {.name = "page gone: the log shrank below it",
     .count = 100,
     .size = 10,
     .room = 4,
     .purge_at = 2,
     .purge = 35,
     .status = OMSLOG_OK,
     .emitted = 65},
    {.name = "deletions on every request: unproven",
     .count = 150,
     .size = 10,
     .room = 1,
     .delete_middle = 1,
     .status = OMSLOG_OK,
     .emitted = SOME,
     .unproven_min = 1,
     .unproven_max = 1000}, /* keyset: counts that never fit send it back to pages */
    {.name = "count near INT64_MAX",
     .count = 30,
     .size = 10,
     .room = 4,
     .claim = INT64_MAX,
     .status = OMSLOG_OK,
     .emitted = 30,
     .unproven_max = 1000},
    {.name = "limit",
     .count = 95,
     .size = 10,
     .room = 4,
     .limit = 25,
     .status = OMSLOG_OK,
     .emitted = 25},
    {.name = "one page",
     .count = 95,
     .size = 10,
     .room = 4,
     .first_page = 3,
     .one_page = true,
     .status = OMSLOG_OK,
     .emitted = 10,
     .requests_max = 1},
    {.name = "from a later page on",
     .count = 95,
     .size = 10,
     .room = 2,
     .first_page = 8,
     .status = OMSLOG_OK,
     .emitted = 25},
    {.name = "server asked 40, sends 10",
     .count = 95,
     .size = 10,
     .asked = 40,
     .room = 4,
     .status = OMSLOG_OK,
     .emitted = 95,
     .requests_max = 10},
    {.name = "empty log", .count = 0, .size = 10, .room = 4, .status = OMSLOG_OK, .emitted = 0},
    {.name = "a page fails",
     .count = 95,
     .size = 10,
     .room = 1,
     .fail_at = 3,
     .status = OMSLOG_ERR_SERVER,
     .emitted = 20},
    {.name = "a request cannot be made",
     .count = 95,
     .size = 10,
     .room = 1,
     .refuse_at = 4,
     .status = OMSLOG_ERR_ORIGIN,
     .emitted = 20,         /* asked for page 4 before page 3's turn */
     .keyset_emitted = 30}, /* one page at a time: 3 handed out before the 4th request */
    {.name = "a long log, growing",
     .count = 2000,
     .size = 10,
     .room = 4,
     .lifo = true,
     .grow = 1,
     .status = OMSLOG_OK,
     .emitted = EVERY_SURVIVOR},
    {.name = "id__lt leaves rows out: caught by the counts",
     .count = 300,
     .size = 10,
     .room = 3,
     .id_lt_drops = true,
     .status = OMSLOG_OK,
     .emitted = 300},
    {.name = "id__lt ignored: by page numbers after all",
     .count = 300,
     .size = 10,
     .room = 3,
     .id_lt_ignored = true,
     .status = OMSLOG_OK,
     .emitted = 300},
};

static void test_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++)
        check_scenario(&scenarios[i], false);
}

/* The same table walked by keyset (id__lt windows): the same entries. */
static void test_scenarios_keyset(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++)
        check_scenario(&scenarios[i], true);
}

/* `list --all` against a server claiming count = INT64_MAX reported its
 * progress as (count + per_page - 1) / per_page: a signed overflow. */
static void test_progress_page_count_near_int64_max(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, &scenarios[10]);
    assert_int_equal(f.sc->claim, INT64_MAX);
    long unproven;
    assert_int_equal(run_walk(&f, &unproven), OMSLOG_OK);
    assert_int_equal(f.last_pages, 922337203685477581);
    fake_free(&f);
}

/* A result for a request the walk no longer has is dropped, and the page
 * the walk was fed is left for the caller to free. */
static void test_unknown_ticket_is_ignored(void **state)
{
    (void)state;
    struct scenario sc = {.name = "unknown", .count = 20, .size = 10, .room = 1};
    struct fake f;
    fake_init(&f, &sc);
    struct walk_opts o = {.first_page = 1, .max_pages = 5};
    struct walk_sink sink = {&f, fake_request, fake_cancel, fake_entry, NULL, NULL};
    struct walk *w = walk_new(&o, &sink);
    assert_int_equal(walk_start(w, NULL), OMSLOG_OK);
    assert_int_equal(f.nq, 1);
    struct log_page p = page_of(20, 20, 10, true);
    assert_int_equal(walk_feed(w, 999, &p, NULL, NULL), OMSLOG_OK);
    assert_int_equal(p.n, 10); /* not taken */
    assert_int_equal(f.n_out, 0);
    log_page_free(&p);
    walk_free(w); /* cancels page 1 */
    assert_int_equal(f.nq, 0);
    fake_free(&f);
}

static void test_cost_text(void **state)
{
    (void)state;
    static const struct {
        long pages;
        double rate;
        const char *text;
    } t[] = {
        {3000, 12.5, "3000 pages, about 4 min at 12.5 pages/s"},
        {1, 40, "1 page, about 1 s at 40.0 pages/s"},
        {600, 10, "600 pages, about 60 s at 10.0 pages/s"},
        {100000, 10, "100000 pages, about 2.8 h at 10.0 pages/s"},
        {500, 0, "500 pages, time not known yet"},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        struct buf b = {0};
        walk_cost_text(&b, t[i].pages, t[i].rate);
        assert_string_equal(buf_str(&b), t[i].text);
        buf_free(&b);
    }
}

/* ---- the end of a time window (walk_opts.stop_before / stop_pos) ---- */

#define WIN_COUNT 100
#define WIN_SIZE 10
#define WIN_END_ID 56 /* entries below this id are older than the window */

/* A log of WIN_COUNT entries, ids WIN_COUNT..1, each created at its id in
 * seconds; requests are queued and answered in the order the test says. */
struct win {
    long asked[64]; /* by ticket - 1 */
    bool cancelled[64];
    int n_asked;
    long max_page;
    int64_t out[WIN_COUNT];
    size_t n_out;
};

static int win_request(void *ctx, long page, struct omslog_error *err)
{
    (void)err;
    struct win *v = ctx;
    assert_true(v->n_asked < 64);
    v->asked[v->n_asked++] = page;
    if (page > v->max_page)
        v->max_page = page;
    return v->n_asked;
}

static void win_cancel(void *ctx, int ticket)
{
    struct win *v = ctx;
    v->cancelled[ticket - 1] = true;
}

static bool win_entry(void *ctx, const struct log_entry *e)
{
    struct win *v = ctx;
    if (e->id < WIN_END_ID)
        return false; /* older than the window: the sink's end */
    v->out[v->n_out++] = e->id;
    return true;
}

/* Answer the request for page (the latest one for it), grown entries newer
 * than the WIN_COUNT at the top. */
static void win_answer_grown(struct walk *w, struct win *v, long page, int64_t grown)
{
    int ticket = 0;
    for (int i = 0; i < v->n_asked; i++)
        if (v->asked[i] == page && !v->cancelled[i])
            ticket = i + 1;
    assert_true(ticket > 0);
    int64_t count = WIN_COUNT + grown;
    int64_t first = count - (int64_t)(page - 1) * WIN_SIZE;
    struct log_page p = page_of(count, first, WIN_SIZE, page * WIN_SIZE < count);
    for (size_t i = 0; i < p.n; i++)
        p.entries[i].created.sec = p.entries[i].id;
    assert_int_equal(walk_feed(w, ticket, &p, NULL, NULL), OMSLOG_OK);
    log_page_free(&p);
}

static void win_answer(struct walk *w, struct win *v, long page)
{
    win_answer_grown(w, v, page, 0);
}

static void win_check_out(const struct win *v)
{
    assert_int_equal(v->n_out, WIN_COUNT - WIN_END_ID + 1);
    for (size_t i = 0; i < v->n_out; i++)
        assert_int_equal(v->out[i], WIN_COUNT - (int64_t)i);
}

/* Pages past the window's end that answer first stop the walk from asking
 * further; the held and requested pages below them are dropped. */
static void test_stop_before_out_of_order(void **state)
{
    (void)state;
    struct win v = {0};
    struct walk_opts o = {.first_page = 1,
                          .page_size = WIN_SIZE,
                          .max_pages = 20,
                          .has_stop_before = true,
                          .stop_before = {.sec = WIN_END_ID}};
    struct walk_sink sink = {&v, win_request, win_cancel, win_entry, NULL, NULL};
    struct walk *w = walk_new(&o, &sink);
    assert_int_equal(walk_start(w, NULL), OMSLOG_OK);
    win_answer(w, &v, 1);
    assert_int_equal(v.max_page, 10); /* the whole log is 10 pages */
    win_answer(w, &v, 7);             /* starts with id 40: nothing below page 7 is needed */
    for (int i = 0; i < v.n_asked; i++)
        assert_true(v.asked[i] <= 7 || v.cancelled[i]);
    int asked = v.n_asked;
    win_answer(w, &v, 6); /* id 50: page 7, answered and held, goes too */
    for (long pg = 2; pg <= 5 && !walk_done(w); pg++)
        win_answer(w, &v, pg);
    assert_true(walk_done(w));
    win_check_out(&v);
    assert_int_equal(v.n_asked, asked); /* nothing asked again */
    walk_free(w);
}

/* A position known beforehand bounds the pages asked from the start; a
 * bound the walk reaches without its sink stopping (wrong: the log shrank)
 * is lifted. */
static void test_stop_pos(void **state)
{
    (void)state;
    static const struct {
        int64_t pos;
        long max_page;
    } t[] = {
        {WIN_END_ID - 2, 5}, /* id 55, the first entry past the window, on page 5 */
        {79, 10},            /* too tight (page 3): lifted once reached */
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        struct win v = {0};
        struct walk_opts o = {.first_page = 1,
                              .page_size = WIN_SIZE,
                              .max_pages = 20,
                              .has_stop_before = true,
                              .stop_before = {.sec = WIN_END_ID},
                              .stop_pos = t[k].pos};
        struct walk_sink sink = {&v, win_request, win_cancel, win_entry, NULL, NULL};
        struct walk *w = walk_new(&o, &sink);
        assert_int_equal(walk_start(w, NULL), OMSLOG_OK);
        for (long pg = 1; !walk_done(w); pg++)
            win_answer(w, &v, pg);
        win_check_out(&v);
        assert_int_equal(v.max_page, t[k].max_page);
        walk_free(w);
    }
    /* Entries arriving at the top move the entry at the position down a
     * page: so does the bound (by the latest count). */
    struct win v = {0};
    struct walk_opts o = {
        .first_page = 1, .page_size = WIN_SIZE, .max_pages = 20, .stop_pos = WIN_END_ID - 2};
    struct walk_sink sink = {&v, win_request, win_cancel, win_entry, NULL, NULL};
    struct walk *w = walk_new(&o, &sink);
    assert_int_equal(walk_start(w, NULL), OMSLOG_OK);
    win_answer(w, &v, 1);
    assert_int_equal(v.max_page, 5);
    for (long pg = 2; !walk_done(w); pg++)
        win_answer_grown(w, &v, pg, WIN_SIZE);
    win_check_out(&v);
    assert_int_equal(v.max_page, 6);
    walk_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_for),
        cmocka_unit_test(test_rows_of_pages),
        cmocka_unit_test(test_place),
        cmocka_unit_test(test_page_gone),
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_scenarios_keyset),
        cmocka_unit_test(test_cost_text),
        cmocka_unit_test(test_progress_page_count_near_int64_max),
        cmocka_unit_test(test_unknown_ticket_is_ignored),
        cmocka_unit_test(test_stop_before_out_of_order),
        cmocka_unit_test(test_stop_pos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
