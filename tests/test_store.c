/* test_store.c — the browser's store without a network: a fake server (an
 * array of ids, newest first) answers the pages the store asks for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__ /* defined by the headers above */
#include <malloc.h>
#endif

#include "omslog/filter.h"
#include "omslog/level.h"
#include "omslog/store.h"
#include "omslog/util.h"
#include "omslog/walk.h"

#define PS 10
#define MAX_IDS 20000
#define WANT_MAX 64

/* The fake server's table: ids[0] is the newest. */
struct fake {
    int64_t ids[MAX_IDS];
    size_t n;
    long requests;
};

static int level_for(int64_t id)
{
    if (id % 97 == 0)
        return LEVEL_CRITICAL;
    if (id % 13 == 0)
        return LEVEL_ERROR;
    if (id % 7 == 0)
        return LEVEL_WARNING;
    return id % 2 ? LEVEL_INFO : LEVEL_DEBUG;
}

static const char *app_for(int64_t id)
{
    return id % 3 == 0 ? "web" : (id % 3 == 1 ? "erp" : "wms");
}

/* ids n..1, i.e. contiguous; step > 1 leaves gaps. */
static void fake_init(struct fake *f, size_t n, int64_t step)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    for (size_t i = 0; i < n; i++)
        f->ids[i] = (int64_t)(n - i) * step;
}

/* New entries at the top (the log grows while browsed). */
static void fake_grow(struct fake *f, size_t k)
{
    memmove(&f->ids[k], &f->ids[0], f->n * sizeof f->ids[0]);
    for (size_t i = 0; i < k; i++)
        f->ids[i] = f->ids[k] + (int64_t)(k - i);
    f->n += k;
}

static void make_entry(struct log_entry *e, int64_t id)
{
    char msg[64];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->level = level_for(id);
    snprintf(msg, sizeof msg, "message %lld", (long long)id);
    e->message = xstrdup(msg);
    e->logger_name = xstrdup("oms.test");
    e->app_name = xstrdup(app_for(id));
    e->trace = xstrdup(id % 13 == 0 ? "Traceback (most recent call last):\n"
                                      "  File \"/app/x.py\", line 1, in f\n"
                                      "oms.errors.NoWarehouseAvailable: none\n"
                                    : "");
    e->created_at = xstrdup("2026-01-01T00:00:00Z");
    e->raw_json = xstrdup("{}");
}

static void fake_page(struct fake *f, long page, struct log_page *p)
{
    memset(p, 0, sizeof *p);
    f->requests++;
    p->count = (int64_t)f->n;
    size_t first = (size_t)(page - 1) * PS;
    size_t end = first + PS > f->n ? f->n : first + PS;
    if (end < f->n)
        p->next = xstrdup("http://x/?page=next");
    if (first >= f->n)
        return;
    p->n = end - first;
    p->entries = xcalloc(p->n, sizeof *p->entries);
    for (size_t i = 0; i < p->n; i++)
        make_entry(&p->entries[i], f->ids[first + i]);
}

static void deliver(struct store *s, struct fake *f, long page)
{
    struct log_page p;
    store_page_requested(s, page, (int)page);
    fake_page(f, page, &p);
    store_page_loaded(s, page, &p);
    log_page_free(&p);
}

/* The first page the store wants for a one-row window on row: tells the page
 * size it uses and the last page it knows of. */
static long first_wanted(struct store *s, int64_t row)
{
    long want[WANT_MAX];
    store_set_window(s, row, 1, 0);
    return store_wanted_pages(s, want, WANT_MAX) > 0 ? want[0] : 0;
}

/* Answer whatever the store wants until it wants nothing (or rounds run out). */
static int pump(struct store *s, struct fake *f, int rounds)
{
    long want[WANT_MAX];
    int served = 0;
    for (int r = 0; r < rounds; r++) {
        size_t n = store_wanted_pages(s, want, WANT_MAX);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            deliver(s, f, want[i]);
            served++;
        }
    }
    return served;
}

static struct fake *fake_new(size_t n, int64_t step)
{
    struct fake *f = xmalloc(sizeof *f);
    fake_init(f, n, step);
    return f;
}

/* ---- virtual rows ---- */

static void test_first_page_then_virtual_rows(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(64, 0, 4);
    long want[WANT_MAX];
    assert_int_equal(store_count(s), -1);
    assert_int_equal(store_rows(s), 0);
    /* Before anything is known only page 1 is asked for. */
    assert_int_equal(store_wanted_pages(s, want, WANT_MAX), 1);
    assert_int_equal(want[0], 1);
    deliver(s, f, 1);
    assert_int_equal(store_count(s), 1000);
    assert_int_equal(first_wanted(s, 999), 100);
    assert_int_equal(first_wanted(s, 20), 3);
    assert_int_equal(store_rows(s), 1000);
    assert_int_equal(store_row(s, 0)->id, 1000);
    assert_int_equal(store_row(s, 9)->id, 991);
    assert_null(store_row(s, 10));
    assert_int_equal(store_row_state(s, 10), STORE_ROW_LOADING);
    assert_int_equal(store_row_state(s, 1000), STORE_ROW_NONE);

    /* Jump to the end: the last page is asked for directly. */
    store_set_window(s, 990, 10, 1);
    size_t n = store_wanted_pages(s, want, WANT_MAX);
    assert_true(n >= 1);
    assert_int_equal(want[0], 100);
    for (size_t i = 0; i < n; i++)
        assert_true(want[i] >= 98); /* never a walk from the start */
    deliver(s, f, 100);
    assert_int_equal(store_row(s, 999)->id, 1);
    assert_int_equal(store_row_of_id(s, 1), 999);
    assert_int_equal(store_row_of_id(s, 500), -1);
    store_free(s);
    free(f);
}

static void test_server_ignores_page_size(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    /* Asked for 50 a page; the fake server always sends 10. */
    struct store *s = store_new(64, 50, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    assert_int_equal(first_wanted(s, 999), 100);
    assert_int_equal(first_wanted(s, 20), 3);
    assert_int_equal(store_row(s, 9)->id, 991);
    assert_null(store_row(s, 10));
    store_set_window(s, 10, 5, 1);
    assert_true(store_wanted_pages(s, want, WANT_MAX) >= 1);
    assert_int_equal(want[0], 2);
    deliver(s, f, 2);
    assert_int_equal(store_row(s, 10)->id, 990);
    store_free(s);
    free(f);
}

static void test_window_and_prefetch_direction(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(64, PS, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    store_set_window(s, 500, 20, 1);
    size_t n = store_wanted_pages(s, want, WANT_MAX);
    /* The window's pages first (51, 52), then prefetch below (53, 54). */
    assert_int_equal(n, 4);
    assert_int_equal(want[0], 51);
    assert_int_equal(want[1], 52);
    assert_int_equal(want[2], 53);
    assert_int_equal(want[3], 54);
    /* In flight pages are not asked for twice. */
    store_page_requested(s, 51, 51);
    n = store_wanted_pages(s, want, WANT_MAX);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(want[i], 51);
    assert_int_equal(store_in_flight(s), 1);
    /* Scrolling up prefetches above. */
    store_set_window(s, 500, 20, -1);
    n = store_wanted_pages(s, want, WANT_MAX);
    assert_int_equal(want[n - 1], 49);
    /* Far away from the window: a request is no longer wanted, and its
     * ticket comes back to be cancelled; one near the window stays. */
    store_page_requested(s, 2, 2);
    store_set_window(s, 0, 20, 1);
    int tickets[WANT_MAX];
    assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 1);
    assert_int_equal(tickets[0], 51);
    assert_int_equal(store_in_flight(s), 1);
    assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 0);
    /* A reload takes them all. */
    assert_int_equal(store_take_requests(s, true, tickets, WANT_MAX), 1);
    assert_int_equal(tickets[0], 2);
    assert_int_equal(store_in_flight(s), 0);
    store_free(s);
    free(f);
}

/* Whatever the store asks for, it must still want once asked: otherwise the
 * caller would request and cancel the same page forever. */
static void test_wanted_pages_stay_wanted(void **state)
{
    (void)state;
    struct fake *f = fake_new(3000, 1);
    struct store *s = store_new(64, 0, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    int64_t tops[] = {0, 7, 500, 2988};
    for (size_t t = 0; t < ARRAY_LEN(tops); t++) {
        for (int dir = -1; dir <= 1; dir++) {
            store_set_window(s, tops[t], 12, dir);
            for (int round = 0; round < 6; round++) {
                size_t n = store_wanted_pages(s, want, 2);
                int tickets[WANT_MAX];
                for (size_t i = 0; i < n; i++)
                    store_page_requested(s, want[i], (int)want[i]);
                assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 0);
                for (size_t i = 0; i < n; i++) {
                    struct log_page p;
                    fake_page(f, want[i], &p);
                    store_page_loaded(s, want[i], &p);
                    log_page_free(&p);
                }
            }
        }
    }
    /* Prefetch is bounded: with the window at the top, page 7 is not wanted (cancellable). */
    store_free(s);
    s = store_new(64, 0, 4);
    deliver(s, f, 1);
    store_set_window(s, 0, 12, 0);
    assert_true(pump(s, f, 50) <= 4);
    int tickets[WANT_MAX];
    store_page_requested(s, 7, 7);
    assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 1);
    assert_int_equal(tickets[0], 7);
    store_free(s);
    free(f);
}

static void test_failed_page_and_retry(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(16, PS, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    store_set_window(s, 10, 5, 0);
    store_page_requested(s, 2, 2);
    struct omslog_error err = {OMSLOG_ERR_SERVER, "500"};
    store_page_failed(s, 2, &err);
    assert_int_equal(store_row_state(s, 12), STORE_ROW_FAILED);
    assert_int_equal(store_failed_pages(s), 1);
    size_t n = store_wanted_pages(s, want, WANT_MAX);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(want[i], 2); /* no hammering a failing server */
    store_retry_failed(s);
    assert_int_equal(store_row_state(s, 12), STORE_ROW_LOADING);
    n = store_wanted_pages(s, want, WANT_MAX);
    assert_true(n >= 1);
    assert_int_equal(want[0], 2);
    store_free(s);
    free(f);
}

/* ---- cache eviction ---- */

static void test_cache_is_bounded_lru(void **state)
{
    (void)state;
    struct fake *f = fake_new(5000, 1);
    struct store *s = store_new(STORE_MIN_CACHE_PAGES, PS, 4);
    for (long p = 1; p <= 200; p++)
        deliver(s, f, p);
    /* Only the last STORE_MIN_CACHE_PAGES pages stay. */
    int loaded = 0;
    for (int64_t r = 0; r < 2000; r++)
        if (store_row(s, r))
            loaded++;
    assert_int_equal(loaded, STORE_MIN_CACHE_PAGES * PS);
    assert_null(store_row(s, 0));
    assert_non_null(store_row(s, 1999));
    /* Touching a page keeps it: page 185 used, then 16 more arrive except it. */
    assert_non_null(store_row(s, 1845));
    for (long p = 201; p <= 215; p++)
        deliver(s, f, p);
    assert_non_null(store_row(s, 1845));
    assert_null(store_row(s, 1995));
    store_free(s);
    free(f);
}

static void test_small_cache_setting_is_raised(void **state)
{
    (void)state;
    struct fake *f = fake_new(500, 1);
    struct store *s = store_new(1, PS, 4);
    for (long p = 1; p <= 5; p++)
        deliver(s, f, p);
    for (int64_t r = 0; r < 50; r++)
        assert_non_null(store_row(s, r));
    store_free(s);
    free(f);
}

/* ---- de-duplication with a growing log ---- */

static void assert_rows_consistent(struct store *s, int64_t first, int64_t end)
{
    int64_t prev = INT64_MAX;
    for (int64_t r = first; r < end; r++) {
        const struct log_entry *e = store_row(s, r);
        assert_non_null(e);
        assert_true(e->id < prev); /* strictly descending: no duplicate */
        if (prev != INT64_MAX)
            assert_int_equal(e->id, prev - 1); /* contiguous ids: none skipped */
        prev = e->id;
    }
}

static void test_growth_between_pages_no_dup_no_skip(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1); /* ids 100..91 */
    fake_grow(f, 5);  /* 105..101 arrive */
    deliver(s, f, 2); /* ids 95..86: 95..91 are already shown */
    assert_int_equal(store_count(s), 105);
    assert_int_equal(store_count_delta(s), 5);
    /* Rows 0..4 are the new entries, not loaded yet; then 100..86 exactly once. */
    assert_null(store_row(s, 0));
    assert_int_equal(store_row(s, 5)->id, 100);
    assert_rows_consistent(s, 5, 20);
    assert_int_equal(store_row_of_id(s, 100), 5);
    /* Loading page 1 again fills the top. */
    deliver(s, f, 1);
    assert_int_equal(store_count_delta(s), 0);
    assert_rows_consistent(s, 0, 20);
    assert_int_equal(store_row(s, 0)->id, 105);
    store_free(s);
    free(f);
}

/* A server that repeats the previous page's last entry at the top of the
 * next page (11 entries on a page of 10, as the mock's duplicate_ids does):
 * the surplus is dropped, each id shows once, and the page size stays 10
 * (it used to be taken for a new page size, clearing the cache in a loop). */
static void test_page_with_leading_surplus(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, 0, 4);
    deliver(s, f, 1); /* 100..91 */
    struct log_page p;
    store_page_requested(s, 2, 2);
    fake_page(f, 2, &p); /* 90..81 */
    struct log_entry *grown = xcalloc(p.n + 1, sizeof *grown);
    make_entry(&grown[0], 91); /* the repeated boundary entry */
    memcpy(grown + 1, p.entries, p.n * sizeof *grown);
    free(p.entries);
    p.entries = grown;
    p.n++;
    store_page_loaded(s, 2, &p);
    log_page_free(&p);
    assert_int_equal(first_wanted(s, 20), 3); /* still 10 a page */
    assert_false(store_inconsistent(s));
    assert_rows_consistent(s, 0, 20);
    assert_int_equal(store_row(s, 10)->id, 90);
    assert_int_equal(store_row_of_id(s, 91), 9);
    store_free(s);
    free(f);
}

static void test_growth_more_than_a_page_then_walk(void **state)
{
    (void)state;
    struct fake *f = fake_new(300, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    deliver(s, f, 2);
    fake_grow(f, 23);
    deliver(s, f, 3);
    fake_grow(f, 7);
    deliver(s, f, 4);
    store_set_window(s, 0, 80, 1);
    pump(s, f, 20);
    assert_int_equal(store_count(s), 330);
    assert_rows_consistent(s, 0, 80);
    store_free(s);
    free(f);
}

static void test_stale_pages_dropped_when_log_shrinks(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    deliver(s, f, 2);
    deliver(s, f, 3);
    /* The 5 oldest entries are purged: every position moves down by 5, so
     * the cached pages now sit on the wrong rows. */
    f->n -= 5;
    deliver(s, f, 2);
    assert_int_equal(store_count(s), 95);
    store_set_window(s, 0, 30, 1);
    pump(s, f, 10);
    assert_rows_consistent(s, 0, 30);
    assert_int_equal(store_row(s, 0)->id, 100);
    assert_int_equal(store_row(s, 29)->id, 71);
    store_free(s);
    free(f);
}

/* A server that puts the last id of page k first on page k+1 again and again:
 * the store must not drop and refetch the two pages forever. */
static void test_inconsistent_server_is_bounded(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(64, PS, 4);
    store_set_window(s, 0, 30, 1);
    long served = 0;
    for (int round = 0; round < 500; round++) {
        long want[WANT_MAX];
        size_t n = store_wanted_pages(s, want, WANT_MAX);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            struct log_page p;
            store_page_requested(s, want[i], (int)want[i]);
            fake_page(f, want[i], &p);
            if (want[i] > 1 && p.n > 0) {
                /* Replace the first entry with the previous page's last one. */
                log_entry_free(&p.entries[0]);
                make_entry(&p.entries[0], f->ids[(size_t)(want[i] - 1) * PS - 1]);
            }
            store_page_loaded(s, want[i], &p);
            log_page_free(&p);
            served++;
        }
    }
    assert_true(served < 200);
    assert_true(store_inconsistent(s));
    for (int64_t r = 0; r < 30; r++)
        assert_non_null(store_row(s, r));
    store_reload(s);
    assert_false(store_inconsistent(s));
    store_free(s);
    free(f);
}

/* ---- filtered view ---- */

static bool is_error(const struct log_entry *e, void *ctx)
{
    (void)ctx;
    return e->level >= LEVEL_ERROR;
}

static void test_nearest_match_to_an_id(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(16, PS, 4);
    deliver(s, f, 1);
    assert_int_equal(store_row_nearest_id(s, 995), store_row_of_id(s, 995));
    struct filter flt;
    filter_init(&flt);
    flt.min_level = LEVEL_ERROR;
    store_set_filter(s, &flt);
    store_set_window(s, 0, 20, 1);
    pump(s, f, 200);
    assert_true(store_scan_done(s));
    /* An id that is no match: the view lands on the nearest older match. */
    int64_t miss = 0, older = 0, newer = 0;
    for (int64_t id = 999; id > 1 && !miss; id--)
        if (level_for(id) < LEVEL_ERROR)
            miss = id;
    assert_true(miss > 0);
    for (int64_t id = miss - 1; id >= 1 && !older; id--)
        if (level_for(id) >= LEVEL_ERROR)
            older = id;
    for (int64_t id = miss + 1; id <= 1000 && !newer; id++)
        if (level_for(id) >= LEVEL_ERROR)
            newer = id;
    int64_t r = store_row_nearest_id(s, miss);
    assert_true(r >= 0);
    const struct log_entry *e = store_row(s, r);
    assert_non_null(e);
    assert_int_equal(e->id, older ? older : newer);
    assert_int_equal(store_row_of_id(s, miss), -1); /* not in the view itself */
    /* Older than every known match: the nearest newer (the last known). */
    r = store_row_nearest_id(s, 1);
    assert_int_equal(r, store_rows(s) - 1);
    filter_free(&flt);
    store_free(s);
    free(f);
}

static void test_filtered_view_scans_whole_log(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(16, PS, 4);
    deliver(s, f, 1);
    struct filter flt;
    filter_init(&flt);
    flt.min_level = LEVEL_ERROR;
    store_set_filter(s, &flt);
    assert_true(store_is_filtered(s));
    assert_false(store_scan_done(s));
    int64_t scanned, total;
    store_scan_progress(s, &scanned, &total);
    assert_int_equal(scanned, 10);
    assert_int_equal(total, 1000);
    store_set_window(s, 0, 20, 1);
    pump(s, f, 200);
    assert_true(store_scan_done(s));
    /* Expected: every id that is ERROR or above, newest first. */
    int64_t expect = 0;
    for (int64_t id = 1000; id >= 1; id--)
        if (level_for(id) >= LEVEL_ERROR)
            expect++;
    assert_int_equal(store_rows(s), expect);
    int64_t prev = INT64_MAX;
    for (int64_t r = 0; r < store_rows(s); r++) {
        enum store_row_state st = store_row_state(s, r);
        assert_true(st == STORE_ROW_LOADED || st == STORE_ROW_LOADING);
        const struct log_entry *e = store_row(s, r);
        if (e) {
            assert_true(e->level >= LEVEL_ERROR);
            assert_true(e->id < prev);
            prev = e->id;
        }
    }
    /* Cache stayed bounded during the scan; rows scrolled to load on demand. */
    store_set_window(s, store_rows(s) - 5, 5, 1);
    pump(s, f, 10);
    for (int64_t r = store_rows(s) - 5; r < store_rows(s); r++)
        assert_non_null(store_row(s, r));
    /* Clearing the filter brings the full view back. */
    filter_free(&flt);
    filter_init(&flt);
    store_set_filter(s, &flt);
    assert_false(store_is_filtered(s));
    assert_int_equal(store_rows(s), 1000);
    filter_free(&flt);
    store_free(s);
    free(f);
}

static void test_filtered_by_app_with_growth(void **state)
{
    (void)state;
    struct fake *f = fake_new(200, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    struct filter flt;
    filter_init(&flt);
    filter_add_app(&flt, "web");
    store_set_filter(s, &flt);
    filter_free(&flt);
    deliver(s, f, 2);
    fake_grow(f, 6);
    pump(s, f, 100);
    assert_true(store_scan_done(s));
    int64_t expect = 0;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(app_for(f->ids[i]), "web") == 0)
            expect++;
    assert_int_equal(store_rows(s), expect); /* the new ones counted, none twice */
    const struct log_entry *e = store_row(s, 0);
    if (e)
        assert_int_equal(e->id, 204);
    assert_int_equal(store_row_of_id(s, 204), 0);
    store_free(s);
    free(f);
}

/* ---- find ---- */

static void test_find_next_error_loads_pages(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row, from = 0;
    /* First ERROR-or-above below row 0 (id 1000): id 988 (13*76) → row 12. */
    enum store_find_result r;
    int guard = 0;
    while ((r = store_find(s, from, 1, is_error, NULL, &row)) == STORE_FIND_PENDING) {
        from = row - 1;
        pump(s, f, 1);
        assert_true(++guard < 50);
    }
    assert_int_equal(r, STORE_FIND_FOUND);
    assert_int_equal(store_row(s, row)->id, 988);
    /* Backwards from there finds nothing above row 12 that is an error... */
    r = store_find(s, row, -1, is_error, NULL, &row);
    assert_int_equal(r, STORE_FIND_END);
    /* ...and forward from the last row finds nothing either. */
    store_set_window(s, 990, 10, 1);
    pump(s, f, 5);
    r = store_find(s, 999, 1, is_error, NULL, &row);
    assert_int_equal(r, STORE_FIND_END);
    store_free(s);
    free(f);
}

/* ---- locate ---- */

static int locate(struct store *s, struct fake *f, int64_t id, int64_t *row, long *requests)
{
    long before = f->requests;
    store_locate_start(s, id);
    enum store_locate_result r;
    int guard = 0;
    while ((r = store_locate_step(s, row)) == STORE_LOCATE_PENDING) {
        long want[WANT_MAX];
        size_t n = store_wanted_pages(s, want, 1); /* the locate's page comes first */
        assert_int_equal(n, 1);
        deliver(s, f, want[0]);
        assert_true(++guard < 60);
    }
    *requests = f->requests - before;
    return (int)r;
}

static void test_locate_uniform_ids_few_requests(void **state)
{
    (void)state;
    struct fake *f = fake_new(15000, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    long req;
    assert_int_equal(locate(s, f, 7321, &row, &req), STORE_LOCATE_FOUND);
    assert_int_equal(store_row(s, row)->id, 7321);
    assert_int_equal(row, 15000 - 7321);
    assert_true(req <= 3);
    store_free(s);
    free(f);
}

static void test_locate_with_gaps_and_missing(void **state)
{
    (void)state;
    struct fake *f = fake_new(15000, 3); /* ids 45000, 44997, ... 3 */
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    long req;
    assert_int_equal(locate(s, f, 3 * 1234, &row, &req), STORE_LOCATE_FOUND);
    assert_int_equal(store_row(s, row)->id, 3 * 1234);
    assert_true(req <= 4);
    /* 3*1234+1 is not a multiple of 3: its neighbours end up adjacent. */
    assert_int_equal(locate(s, f, 3 * 1234 + 1, &row, &req), STORE_LOCATE_ABSENT);
    assert_true(req <= 4);
    /* Newer than anything and older than anything. */
    assert_int_equal(locate(s, f, 99999, &row, &req), STORE_LOCATE_ABSENT);
    assert_int_equal(locate(s, f, 1, &row, &req), STORE_LOCATE_ABSENT);
    store_free(s);
    free(f);
}

static void test_locate_uneven_ids_still_bounded(void **state)
{
    (void)state;
    struct fake *f = fake_new(10000, 1);
    /* The newest half has huge gaps, the older half is dense. */
    for (size_t i = 0; i < 5000; i++)
        f->ids[i] = 1000000 - (int64_t)i * 100;
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    long req;
    assert_int_equal(locate(s, f, 4321, &row, &req), STORE_LOCATE_FOUND);
    assert_int_equal(store_row(s, row)->id, 4321);
    assert_true(req <= STORE_LOCATE_MAX_STEPS);
    store_free(s);
    free(f);
}

static void test_locate_hidden_by_filter(void **state)
{
    (void)state;
    struct fake *f = fake_new(2000, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    struct filter flt;
    filter_init(&flt);
    flt.min_level = LEVEL_ERROR;
    store_set_filter(s, &flt);
    filter_free(&flt);
    int64_t row;
    long req;
    /* 1003 is INFO: present but hidden. */
    assert_int_equal(locate(s, f, 1003, &row, &req), STORE_LOCATE_HIDDEN);
    assert_int_equal(row, 2000 - 1003);
    /* 1300 = 13*100 is ERROR: found, at its filtered row. */
    assert_int_equal(locate(s, f, 1300, &row, &req), STORE_LOCATE_FOUND);
    assert_int_equal(store_row(s, row)->id, 1300);
    store_free(s);
    free(f);
}

static void test_locate_failed_page(void **state)
{
    (void)state;
    struct fake *f = fake_new(2000, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    store_locate_start(s, 500);
    assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_PENDING);
    long want[WANT_MAX];
    assert_int_equal(store_wanted_pages(s, want, 1), 1);
    store_page_requested(s, want[0], (int)want[0]);
    assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_PENDING);
    store_page_failed(s, want[0], NULL);
    assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_FAILED);
    assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_IDLE);
    store_free(s);
    free(f);
}

/* ---- summary, apps, reload, empty log ---- */

static void test_summary_counts_dedup(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    fake_grow(f, 3);
    deliver(s, f, 2); /* overlaps page 1 by 3 entries */
    struct store_summary sum;
    store_summary(s, &sum);
    assert_int_equal(sum.total, 17); /* ids 100..84, each once */
    assert_int_equal(sum.min_id, 84);
    assert_int_equal(sum.max_id, 100);
    long total = 0;
    for (size_t i = 0; i < sum.n_levels; i++) {
        total += sum.levels[i].n;
        if (i > 0)
            assert_true(sum.levels[i - 1].n >= sum.levels[i].n);
    }
    assert_int_equal(total, 17);
    assert_int_equal(sum.n_apps, 3);
    /* 91 = 13*7 carries the traceback. */
    assert_int_equal(sum.n_exceptions, 1);
    assert_string_equal(sum.exceptions[0].key, "NoWarehouseAvailable");
    assert_int_equal(sum.exceptions[0].n, 1);
    store_summary_free(&sum);
    const char *const *apps;
    assert_int_equal(store_apps_seen(s, &apps), 3);
    assert_string_equal(apps[0], "erp");
    assert_string_equal(apps[2], "wms");
    store_free(s);
    free(f);
}

static void test_reload_and_refresh_top(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, PS, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    store_set_window(s, 0, 10, 0);
    assert_int_equal(store_wanted_pages(s, want, 1), 1);
    assert_int_equal(want[0], 2); /* prefetch only: page 1 is cached */
    store_refresh_top(s);
    assert_int_equal(store_wanted_pages(s, want, 1), 1);
    assert_int_equal(want[0], 1);
    fake_grow(f, 2);
    deliver(s, f, 1);
    assert_int_equal(store_count_delta(s), 2);
    assert_int_equal(store_max_id(s), 102);
    store_reload(s);
    assert_null(store_row(s, 0));
    assert_int_equal(store_count(s), 102);
    store_free(s);
    free(f);
}

static void test_empty_log(void **state)
{
    (void)state;
    struct fake *f = fake_new(0, 1);
    struct store *s = store_new(64, 0, 4);
    deliver(s, f, 1);
    assert_int_equal(store_count(s), 0);
    assert_int_equal(store_rows(s), 0);
    assert_null(store_row(s, 0));
    long want[WANT_MAX];
    store_set_window(s, 0, 20, 1);
    assert_int_equal(store_wanted_pages(s, want, WANT_MAX), 0);
    int64_t row;
    assert_int_equal(store_find(s, -1, 1, is_error, NULL, &row), STORE_FIND_END);
    store_locate_start(s, 5);
    assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_ABSENT);
    store_free(s);
    free(f);
}

/* ---- pages placed by hand: counts the fake cannot give ---- */

static void deliver_made(struct store *s, long page, int64_t count, int64_t first_id, size_t n,
                         bool next)
{
    struct log_page p = {.count = count, .n = n};
    p.entries = xcalloc(n, sizeof *p.entries);
    for (size_t i = 0; i < n; i++)
        make_entry(&p.entries[i], first_id - (int64_t)i);
    p.next = next ? xstrdup("http://x/?page=next") : NULL;
    store_page_requested(s, page, 1);
    store_page_loaded(s, page, &p);
    log_page_free(&p);
}

/* A server claiming count = INT64_MAX: rows, pages and the window's
 * arithmetic at the bottom of such a log must not overflow (UBSan). */
static void test_count_near_int64_max(void **state)
{
    (void)state;
    const long last = 922337203685477581; /* INT64_MAX / 10 rounded up */
    struct store *s = store_new(64, PS, 4);
    deliver_made(s, 1, INT64_MAX, 1000, PS, true);
    assert_int_equal(store_rows(s), INT64_MAX);
    store_set_window(s, INT64_MAX - 5, 20, 1);
    long want[WANT_MAX];
    size_t n = store_wanted_pages(s, want, WANT_MAX);
    assert_true(n >= 1);
    assert_int_equal(want[0], last);
    for (size_t i = 0; i < n; i++)
        assert_true(want[i] <= last);
    deliver_made(s, last, INT64_MAX, 7, 7, false); /* INT64_MAX % 10 == 7 rows */
    assert_int_equal(store_row(s, INT64_MAX - 1)->id, 1);
    assert_int_equal(store_row(s, INT64_MAX - 7)->id, 7);
    assert_int_equal(store_row_of_id(s, 1), INT64_MAX - 1);
    int tickets[WANT_MAX];
    store_page_requested(s, last - 1, 5);
    assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 0); /* near: wanted */
    store_set_window(s, 0, 20, -1);
    assert_int_equal(store_take_requests(s, false, tickets, WANT_MAX), 1);
    assert_int_equal(tickets[0], 5);
    store_free(s);
}

/* A page gone (404 "Invalid page": the log shrank below it) asks for page 1
 * again, which tells the new count; another failure does not. */
static void test_gone_page_refreshes_the_count(void **state)
{
    (void)state;
    struct fake *f = fake_new(100, 1);
    struct store *s = store_new(64, PS, 4);
    long want[WANT_MAX];
    deliver(s, f, 1);
    store_set_window(s, 0, 10, 0);
    struct omslog_error server = {OMSLOG_ERR_SERVER, "500"};
    store_page_requested(s, 9, 9);
    store_page_failed(s, 9, &server);
    assert_int_equal(store_wanted_pages(s, want, 1), 1);
    assert_int_equal(want[0], 2); /* prefetch only: page 1 is cached */
    struct omslog_error gone = {OMSLOG_ERR_NOT_FOUND, "page 10 is past the end"};
    store_page_requested(s, 10, 10);
    store_page_failed(s, 10, &gone);
    assert_int_equal(store_wanted_pages(s, want, 1), 1);
    assert_int_equal(want[0], 1);
    f->n = 85;
    deliver(s, f, 1);
    assert_int_equal(store_count(s), 85);
    store_retry_failed(s);
    assert_int_equal(first_wanted(s, 84), 9); /* the last page by the new count */
    store_free(s);
    free(f);
}

/* ---- resource bounds: nothing a server sends sizes an allocation ---- */

/* Heap bytes in use (glibc), for memory assertions in the plain build; the
 * sanitised build has its own allocator, so they are skipped there. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_MEASURED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_MEASURED 0
#endif
#endif
#if !defined(HEAP_MEASURED) && !defined(__GLIBC__)
#define HEAP_MEASURED 0 /* mallinfo2 is glibc's */
#endif
#ifndef HEAP_MEASURED
#define HEAP_MEASURED 1
#endif

static size_t heap_in_use(void)
{
#if HEAP_MEASURED
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/* A reproduction that would allocate by the server's count must fail here,
 * not take the machine's memory: cap the address space (plain build only,
 * a sanitiser reserves terabytes of it) and turn a hang into a failure. */
static struct rlimit cap_resources(void)
{
    struct rlimit old = {0};
    getrlimit(RLIMIT_AS, &old);
#if HEAP_MEASURED
    struct rlimit cap = old;
    cap.rlim_cur = (rlim_t)2 << 30;
    if (old.rlim_cur == RLIM_INFINITY || old.rlim_cur > cap.rlim_cur)
        setrlimit(RLIMIT_AS, &cap);
#endif
    alarm(30);
    return old;
}

static void uncap_resources(const struct rlimit *old)
{
    alarm(0);
#if HEAP_MEASURED
    setrlimit(RLIMIT_AS, old);
#else
    (void)old;
#endif
}

/* Page p of a log of count entries, n entries from row (p-1)*ps, id =
 * count - row (ids descend with the row, all positive). */
static void deliver_rows(struct store *s, long page, int64_t count, long ps, size_t n, bool next)
{
    int64_t first_row = (int64_t)(page - 1) * ps;
    deliver_made(s, page, count, count - first_row, n, next);
}

/* count = INT64_MAX, 2^62 or 10^12 with a filter on: the scan asks for pages
 * from the top and records what it scanned in memory that grows with the
 * pages, not the count (a bit per position used to loop forever or abort). */
static void test_huge_count_filtered_scan_is_small(void **state)
{
    (void)state;
    const int64_t counts[] = {1000000000000, (int64_t)1 << 62, INT64_MAX};
    struct rlimit old = cap_resources();
    for (size_t c = 0; c < ARRAY_LEN(counts); c++) {
        int64_t count = counts[c];
        size_t before = heap_in_use();
        struct store *s = store_new(64, PS, 4);
        struct filter flt;
        filter_init(&flt);
        flt.min_level = LEVEL_ERROR;
        store_set_filter(s, &flt);
        deliver_rows(s, 1, count, PS, PS, true);
        store_set_window(s, 0, 20, 1);
        long want[WANT_MAX];
        long served = 1;
        for (int round = 0; round < 20; round++) {
            size_t n = store_wanted_pages(s, want, 8);
            assert_true(n >= 1); /* the scan goes on */
            for (size_t i = 0; i < n; i++, served++)
                deliver_rows(s, want[i], count, PS, PS, true);
        }
        /* The bottom page and one in the middle: three separate intervals. */
        long last = (long)((count - 1) / PS + 1);
        deliver_rows(s, last, count, PS, (size_t)(count - (int64_t)(last - 1) * PS), false);
        deliver_rows(s, last / 2, count, PS, PS, true);
        served += 2;
        int64_t scanned, total;
        store_scan_progress(s, &scanned, &total);
        assert_int_equal(total, count);
        assert_true(scanned >= (served - 2) * PS && scanned <= served * PS);
        assert_false(store_scan_done(s));
        if (HEAP_MEASURED)
            assert_true(heap_in_use() - before < (size_t)4 << 20);
        store_free(s);
        filter_free(&flt);
    }
    uncap_resources(&old);
}

/* Ids at both ends of int64_t: the estimate's differences must not overflow
 * (UBSan) and the page asked for lies between the known ones. */
static void test_locate_extreme_ids(void **state)
{
    (void)state;
    struct store *s = store_new(64, PS, 4);
    deliver_made(s, 1, 1000, INT64_MAX, PS, true);
    deliver_made(s, 100, 1000, INT64_MIN + PS - 1, PS, false);
    const int64_t ids[] = {0, -5, INT64_MAX - 100, INT64_MIN + 100};
    for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
        int64_t row;
        store_locate_start(s, ids[i]);
        assert_int_equal(store_locate_step(s, &row), STORE_LOCATE_PENDING);
        long want[WANT_MAX];
        size_t n = store_wanted_pages(s, want, WANT_MAX);
        assert_true(n >= 1);
        assert_true(want[0] >= 2 && want[0] <= 99);
        store_locate_cancel(s);
    }
    store_free(s);
}

/* App names are remembered beyond the cache, so each is cut and the whole
 * set is bounded: 10 KB names from the server cost a bounded amount. */
static void test_apps_seen_bounded(void **state)
{
    (void)state;
    struct store *s = store_new(16, PS, 4);
    size_t big = 10000;
    char *name = xmalloc(big + 1);
    for (long page = 1; page <= 300; page++) {
        struct log_page p = {.count = 3000, .n = PS};
        p.next = xstrdup("http://x/?page=next");
        p.entries = xcalloc(PS, sizeof *p.entries);
        for (size_t i = 0; i < PS; i++) {
            int64_t id = 3000 - (page - 1) * PS - (int64_t)i;
            make_entry(&p.entries[i], id);
            /* "€" (3 bytes) repeated: a 256-byte cut would split one. */
            for (size_t k = 0; k + 3 <= big; k += 3)
                memcpy(name + k, "\xe2\x82\xac", 3);
            snprintf(name + big - 12, 13, "%012lld", (long long)id);
            name[big] = '\0';
            free(p.entries[i].app_name);
            p.entries[i].app_name = xstrdup(page == 1 && i == 0 ? "\xe2\x82\xac"
                                                                  "short"
                                                                : name);
        }
        store_page_requested(s, page, 1);
        store_page_loaded(s, page, &p);
        log_page_free(&p);
    }
    const char *const *apps;
    size_t n = store_apps_seen(s, &apps), total = 0;
    assert_true(n >= 1 && n <= STORE_APPS_MAX);
    bool short_seen = false;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(apps[i]);
        assert_true(len <= STORE_APP_NAME_MAX);
        assert_true(len % 3 == 0 || strcmp(apps[i], "\xe2\x82\xac"
                                                    "short") == 0);
        short_seen |= strcmp(apps[i], "\xe2\x82\xac"
                                      "short") == 0;
        total += len + 1;
    }
    assert_true(short_seen);
    assert_true(total <= STORE_APPS_BYTES_MAX);
    free(name);
    store_free(s);
}

/* Page p of a log of `count` one-off entries whose app is one of `apps`
 * names (so the summary has many items), no trace. */
static void deliver_apps(struct store *s, long page, int64_t count, long ps, long apps)
{
    struct log_page p = {.count = count, .n = (size_t)ps};
    p.next = xstrdup("http://x/?page=next");
    p.entries = xcalloc((size_t)ps, sizeof *p.entries);
    for (long i = 0; i < ps; i++) {
        int64_t id = count - (int64_t)(page - 1) * ps - i;
        char app[32];
        make_entry(&p.entries[i], id);
        snprintf(app, sizeof app, "app-%ld", (long)(id % apps));
        free(p.entries[i].app_name);
        p.entries[i].app_name = xstrdup(app);
        free(p.entries[i].trace);
        p.entries[i].trace = xstrdup("");
    }
    store_page_requested(s, page, 1);
    store_page_loaded(s, page, &p);
    log_page_free(&p);
}

/* 120,000 loaded entries over 60,000 apps: counting is a hash lookup per
 * entry (a linear search per entry took tens of seconds). */
static void test_summary_many_apps_fast(void **state)
{
    (void)state;
    const long ps = 1000, pages = 120, apps = 60000;
    struct store *s = store_new(pages + 8, ps, 4);
    store_set_cache_bytes(s, (size_t)256 << 20);
    for (long page = 1; page <= pages; page++)
        deliver_apps(s, page, ps * pages, ps, apps);
    assert_int_equal(store_cached_pages(s), pages);
    int64_t t0 = now_ms();
    struct store_summary sum;
    store_summary(s, &sum);
    int64_t took = now_ms() - t0;
    assert_int_equal(sum.total, ps * pages);
    assert_int_equal(sum.n_apps, apps);
    for (size_t i = 0; i < sum.n_apps; i++)
        assert_int_equal(sum.apps[i].n, ps * pages / apps);
    assert_int_equal(sum.n_exceptions, 0);
    store_summary_free(&sum);
    /* Well under a second here; the linear search took over 10 s. */
    assert_true(took < 3000);
    store_free(s);
}

/* No exception type among the loaded traces (or nothing loaded): the empty
 * lists are never handed to qsort as NULL (UBSan: nonnull argument). */
static void test_summary_without_exceptions(void **state)
{
    (void)state;
    struct store *s = store_new(64, PS, 4);
    struct store_summary sum;
    store_summary(s, &sum);
    assert_int_equal(sum.total, 0);
    assert_int_equal(sum.n_levels + sum.n_apps + sum.n_exceptions, 0);
    store_summary_free(&sum);
    deliver_apps(s, 1, 100, PS, 3);
    store_summary(s, &sum);
    assert_int_equal(sum.total, PS);
    assert_int_equal(sum.n_apps, 3);
    assert_int_equal(sum.n_exceptions, 0);
    assert_null(sum.exceptions);
    store_summary_free(&sum);
    store_free(s);
}

/* Entries of `msg_bytes` bytes each, page p of a one-entry-per-page log. */
static void deliver_big(struct store *s, long page, int64_t count, long ps, size_t msg_bytes)
{
    struct log_page p = {.count = count, .n = (size_t)ps};
    p.next = xstrdup("http://x/?page=next");
    p.entries = xcalloc((size_t)ps, sizeof *p.entries);
    for (long i = 0; i < ps; i++) {
        make_entry(&p.entries[i], count - (int64_t)(page - 1) * ps - i);
        free(p.entries[i].message);
        p.entries[i].message = xmalloc(msg_bytes + 1);
        memset(p.entries[i].message, 'm', msg_bytes);
        p.entries[i].message[msg_bytes] = '\0';
    }
    store_page_requested(s, page, 1);
    store_page_loaded(s, page, &p);
    log_page_free(&p);
}

/* The cache is bounded in bytes: 100 KB entries, 1 MB pages, a 4 MiB budget
 * holds about 4 pages whatever cache_pages says. */
static void test_byte_budget_bounds_cache(void **state)
{
    (void)state;
    const size_t budget = (size_t)4 << 20, msg = 100000;
    struct store *s = store_new(64, PS, 4);
    store_set_cache_bytes(s, budget);
    store_set_window(s, 0, 5, 1);
    for (long page = 1; page <= 30; page++) {
        deliver_big(s, page, 1000, PS, msg);
        assert_true(store_cached_bytes(s) <= budget);
    }
    assert_true(store_cached_pages(s) >= 2 && store_cached_pages(s) <= 4);
    assert_non_null(store_row(s, 0)); /* on screen: pinned */
    /* Counted with every string: 10 entries of 100 KB and more. */
    assert_true(store_cached_bytes(s) > store_cached_pages(s) * PS * msg);
    store_free(s);
}

/* A screen of huge entries beyond the budget: the pages on screen stay (or
 * the screen would be fetched forever), everything else goes. */
static void test_pinned_pages_beyond_budget(void **state)
{
    (void)state;
    const size_t budget = (size_t)1 << 20, msg = 200000;
    struct store *s = store_new(16, 1, 4);
    store_set_cache_bytes(s, budget);
    store_set_window(s, 0, 30, 1);
    for (long page = 1; page <= 30; page++)
        deliver_big(s, page, 1000, 1, msg);
    assert_int_equal(store_cached_pages(s), 30);
    for (long page = 31; page <= 40; page++) {
        deliver_big(s, page, 1000, 1, msg);
        assert_int_equal(store_cached_pages(s), 30); /* not on screen: dropped */
    }
    for (int64_t r = 0; r < 30; r++)
        assert_non_null(store_row(s, r));
    long want[WANT_MAX];
    assert_int_equal(store_wanted_pages(s, want, WANT_MAX), 0);
    /* The window moves: the pages it left are no longer held. */
    store_set_window(s, 500, 2, 1);
    deliver_big(s, 501, 1000, 1, msg);
    assert_true(store_cached_bytes(s) <= budget + 2 * (msg + 1000));
    store_free(s);
}

/* Answer what the store wants with one-entry pages until it wants nothing;
 * returns the requests, or -1 when it still wants pages after max_rounds. */
static long pump_one_per_page(struct store *s, int64_t count, int max_rounds)
{
    long want[WANT_MAX], served = 0;
    for (int r = 0; r < max_rounds; r++) {
        size_t n = store_wanted_pages(s, want, 4);
        if (n == 0)
            return served;
        for (size_t i = 0; i < n; i++, served++)
            deliver_rows(s, want[i], count, 1, 1, true);
    }
    return -1;
}

/* The server chooses one entry a page and the window shows 120 rows, more
 * pages than the cache holds: once loaded, the wanted pages become empty
 * and stay empty (they used to be evicted and asked for again forever). */
static void test_window_larger_than_cache(void **state)
{
    (void)state;
    const int64_t count = 1000;
    struct store *s = store_new(STORE_MIN_CACHE_PAGES, 1, 4);
    deliver_rows(s, 1, count, 1, 1, true);
    store_set_window(s, 0, 120, 1);
    long served = pump_one_per_page(s, count, 200);
    assert_true(served >= 119 && served <= 119 + 2 * STORE_PREFETCH_PAGES);
    long want[WANT_MAX];
    for (int i = 0; i < 10; i++) {
        store_set_window(s, 0, 120, 0);
        assert_int_equal(store_wanted_pages(s, want, WANT_MAX), 0);
    }
    for (int64_t r = 0; r < 120; r++)
        assert_non_null(store_row(s, r));

    /* With a filter the scan advances to the end of the log. */
    struct filter flt;
    filter_init(&flt);
    flt.min_level = LEVEL_WARNING;
    store_set_filter(s, &flt);
    store_set_window(s, 0, 120, 1);
    served = pump_one_per_page(s, count, 2000);
    assert_true(served >= 0 && served <= count + 2 * 120);
    assert_true(store_scan_done(s));
    assert_true(store_rows(s) > 120);
    for (int64_t r = 0; r < 120; r++)
        assert_non_null(store_row(s, r));
    assert_int_equal(store_wanted_pages(s, want, WANT_MAX), 0);
    filter_free(&flt);
    store_free(s);
}

/* ---- server-filtered mode ---- */

/* The server's answer to level>=ERROR over a log of n ids: a fake whose
 * table is the matches only, newest first. */
static struct fake *fake_server_filtered(size_t n, int min_level)
{
    struct fake *all = fake_new(n, 1);
    struct fake *f = fake_new(0, 1);
    for (size_t i = 0; i < all->n; i++)
        if (level_for(all->ids[i]) >= min_level)
            f->ids[f->n++] = all->ids[i];
    free(all);
    return f;
}

static void test_server_filtered_virtual_list(void **state)
{
    (void)state;
    struct fake *f = fake_server_filtered(5000, LEVEL_ERROR);
    struct store *s = store_new(64, PS, 4);
    struct filter pushed;
    filter_init(&pushed);
    pushed.min_level = LEVEL_ERROR;
    store_set_server_filter(s, &pushed);
    assert_true(store_server_filtered(s));
    assert_false(store_is_filtered(s)); /* nothing left for the client */
    deliver(s, f, 1);
    /* The exact count at once, and every row reachable: no scan. */
    assert_int_equal(store_rows(s), (int64_t)f->n);
    assert_true(store_scan_done(s) || !store_is_filtered(s));
    long want[WANT_MAX];
    int64_t last = store_rows(s) - 1;
    store_set_window(s, last, 1, 1);
    size_t n = store_wanted_pages(s, want, WANT_MAX);
    assert_true(n >= 1);
    assert_int_equal(want[0], walk_pages_for((int64_t)f->n, PS)); /* G: the last page */
    long before = f->requests;
    deliver(s, f, want[0]);
    assert_int_equal(f->requests - before, 1);
    assert_int_equal(store_row(s, last)->id, f->ids[f->n - 1]);
    for (int64_t r = 0; r < PS; r++)
        assert_true(filter_match(&pushed, store_row(s, r)));
    assert_int_equal(store_server_liar(s), 0);
    /* Locate with a hint (id__lte's count): the hinted page, one request. */
    int64_t id = f->ids[f->n / 2];
    store_locate_start(s, id);
    store_locate_hint(s, (int64_t)(f->n / 2));
    int64_t row;
    before = f->requests;
    int guard = 0;
    enum store_locate_result r;
    while ((r = store_locate_step(s, &row)) == STORE_LOCATE_PENDING) {
        assert_int_equal(store_wanted_pages(s, want, 1), 1);
        deliver(s, f, want[0]);
        assert_true(++guard < 5);
    }
    assert_int_equal(r, STORE_LOCATE_FOUND);
    assert_int_equal(row, (int64_t)(f->n / 2));
    assert_int_equal(f->requests - before, 1);
    /* Back to the plain log: the cache held the other query's pages. */
    store_set_server_filter(s, NULL);
    assert_false(store_server_filtered(s));
    assert_int_equal(store_count(s), -1);
    assert_int_equal(store_cached_pages(s), 0);
    filter_free(&pushed);
    store_free(s);
    free(f);
}

static void test_server_filtered_liar_and_client_part(void **state)
{
    (void)state;
    /* The server filters apps only (erp); the level runs on the client. */
    struct fake *all = fake_new(3000, 1);
    struct fake *f = fake_new(0, 1);
    for (size_t i = 0; i < all->n; i++)
        if (strcmp(app_for(all->ids[i]), "erp") == 0)
            f->ids[f->n++] = all->ids[i];
    struct store *s = store_new(64, PS, 4);
    struct filter pushed, view;
    filter_init(&pushed);
    filter_add_app(&pushed, "erp");
    filter_init(&view);
    view.min_level = LEVEL_WARNING;
    store_set_server_filter(s, &pushed);
    store_set_filter(s, &view);
    assert_true(store_is_filtered(s));
    pump(s, f, 1000);
    assert_true(store_scan_done(s));
    int64_t want_rows = 0;
    for (size_t i = 0; i < f->n; i++)
        want_rows += level_for(f->ids[i]) >= LEVEL_WARNING;
    assert_int_equal(store_rows(s), want_rows);
    for (int64_t r = 0; r < store_rows(s); r++) {
        const struct log_entry *e = store_row(s, r);
        if (e)
            assert_true(filter_match(&view, e) && filter_match(&pushed, e));
    }
    /* A liar: a page with a row the pushed filter rejects is not kept. */
    store_set_server_filter(s, &pushed);
    size_t bad = 13;
    f->ids[bad] = all->ids[0] + 1; /* an entry of another app */
    while (strcmp(app_for(f->ids[bad]), "erp") == 0)
        f->ids[bad]++;
    deliver(s, f, 1);
    assert_int_equal(store_server_liar(s), 0);
    deliver(s, f, 2);
    assert_int_equal(store_server_liar(s), f->ids[bad]);
    assert_int_equal(store_row_of_id(s, f->ids[bad]), -1);
    filter_free(&pushed);
    filter_free(&view);
    store_free(s);
    free(f);
    free(all);
}

/* A locate with the server's count of id__lte=id (c, its newest first_id). */
static int locate_counted(struct store *s, struct fake *f, int64_t id, int64_t c, int64_t first_id,
                          int64_t *row, long *requests)
{
    long before = f->requests;
    store_locate_start(s, id);
    store_locate_hint_count(s, c, first_id);
    enum store_locate_result r;
    int guard = 0;
    while ((r = store_locate_step(s, row)) == STORE_LOCATE_PENDING) {
        long want[WANT_MAX];
        assert_int_equal(store_wanted_pages(s, want, 1), 1);
        deliver(s, f, want[0]);
        assert_true(++guard < 60);
    }
    *requests = f->requests - before;
    assert_int_equal(store_locate_requests(s), *requests);
    return (int)r;
}

static void test_locate_by_count_one_page(void **state)
{
    (void)state;
    struct fake *f = fake_new(15000, 3); /* id 3k at row 15000 - k */
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    long req;
    assert_int_equal(locate_counted(s, f, 3 * 1234, 1234, 3 * 1234, &row, &req),
                     STORE_LOCATE_FOUND);
    assert_int_equal(row, 15000 - 1234);
    assert_int_equal(req, 1);
    /* Missing, its older neighbour first on its page (row 13770): the count
     * says nothing lies between, so the page above is not needed. */
    assert_int_equal(locate_counted(s, f, 3 * 1230 + 1, 1230, 3 * 1230, &row, &req),
                     STORE_LOCATE_ABSENT);
    assert_int_equal(row, 15000 - 1230);
    assert_int_equal(store_row(s, row)->id, 3 * 1230);
    assert_int_equal(req, 1);
    /* Older than everything: the oldest, by the last page. */
    assert_int_equal(locate_counted(s, f, 1, 0, -1, &row, &req), STORE_LOCATE_ABSENT);
    assert_int_equal(row, 14999);
    assert_int_equal(req, 1);
    store_free(s);
    free(f);
}

static void test_locate_by_count_liar_verified(void **state)
{
    (void)state;
    struct fake *f = fake_new(15000, 3);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1);
    int64_t row;
    long req;
    /* A server that drops rows counts too few: the id is found by its id. */
    assert_int_equal(locate_counted(s, f, 3 * 4321, 4321 - 40, 3 * 4321, &row, &req),
                     STORE_LOCATE_FOUND);
    assert_int_equal(row, 15000 - 4321);
    assert_true(req <= 5);
    /* It dropped the id itself and names an older entry: not believed. */
    assert_int_equal(locate_counted(s, f, 3 * 7000, 6999 - 25, 3 * 6999, &row, &req),
                     STORE_LOCATE_FOUND);
    assert_int_equal(row, 15000 - 7000);
    /* A count that agrees with its page but an entry above it at or below
     * the id (loaded): the pages win. */
    deliver(s, f, (15000 - 9000) / PS + 1);
    assert_int_equal(locate_counted(s, f, 3 * 9001, 8999, 3 * 8999, &row, &req),
                     STORE_LOCATE_FOUND);
    assert_int_equal(row, 15000 - 9001);
    store_free(s);
    free(f);
}

/* ---- keyset pages (id__lt) ---- */

/* The fake server's answer to id__lt=below&page=page: the entries older
 * than below, paged as usual, their count as the count. */
static void fake_below(struct fake *f, int64_t below, long page, struct log_page *p)
{
    struct fake *older = fake_new(0, 1);
    for (size_t i = 0; i < f->n; i++)
        if (f->ids[i] < below)
            older->ids[older->n++] = f->ids[i];
    fake_page(older, page, p);
    f->requests++;
    free(older);
}

/* Ask page by keyset (it must be possible), answer it from f; returns what
 * store_page_loaded_below said. */
static bool deliver_below(struct store *s, struct fake *f, long page, int ticket)
{
    struct store_keyset ks;
    assert_true(store_keyset_for(s, page, &ks));
    store_page_requested_below(s, page, ticket, &ks);
    assert_int_equal(store_keyset_page(s, ticket), page);
    struct log_page p;
    fake_below(f, ks.below_id, ks.page, &p);
    bool ignored = true;
    bool ok = store_page_loaded_below(s, ticket, &p, &ignored);
    assert_false(ignored);
    log_page_free(&p);
    assert_int_equal(store_keyset_page(s, ticket), 0);
    return ok;
}

static void test_keyset_anchor_and_placement(void **state)
{
    (void)state;
    struct fake *f = fake_new(1000, 1);
    struct store *s = store_new(64, PS, 4);
    struct store_keyset ks;
    assert_false(store_keyset_for(s, 2, &ks)); /* nothing known yet */
    deliver(s, f, 1);
    deliver(s, f, 2);
    assert_false(store_keyset_for(s, 1, &ks));
    assert_true(store_keyset_for(s, 3, &ks)); /* below page 2's last entry */
    assert_int_equal(ks.below_id, 981);
    assert_int_equal(ks.page, 1);
    assert_int_equal(ks.below_pos, 980);
    assert_true(store_keyset_for(s, 6, &ks)); /* four pages below page 2 */
    assert_int_equal(ks.below_id, 981);
    assert_int_equal(ks.page, 4);
    assert_false(store_keyset_for(s, 7, &ks)); /* too far from anything loaded */
    assert_true(deliver_below(s, f, 6, 60));
    assert_true(deliver_below(s, f, 3, 30));
    assert_int_equal(store_count(s), 1000);
    assert_rows_consistent(s, 0, 30);
    assert_int_equal(store_row(s, 50)->id, 950);
    assert_rows_consistent(s, 50, 60);
    assert_null(store_row(s, 30)); /* pages 4 and 5 still to come */
    /* Page 7 can now be asked below page 6. */
    assert_true(store_keyset_for(s, 7, &ks));
    assert_int_equal(ks.below_id, 941);
    assert_int_equal(ks.page, 1);
    store_free(s);
    free(f);
}

/* The log grows at the top between the anchor's page and the keyset page:
 * the answer's count (entries older than the anchor) does not see the new
 * ones, so the page lands on the same positions, and the view's count is
 * the one page 1 tells, not the keyset page's. */
static void test_keyset_page_after_growth(void **state)
{
    (void)state;
    struct fake *f = fake_new(500, 1);
    struct store *s = store_new(64, PS, 4);
    deliver(s, f, 1); /* 500..491 */
    deliver(s, f, 2); /* 490..481 */
    fake_grow(f, 7);  /* 507..501 arrive */
    assert_true(deliver_below(s, f, 3, 3));
    assert_true(deliver_below(s, f, 4, 4));
    assert_int_equal(store_count(s), 500); /* a keyset page tells no count */
    assert_int_equal(store_count_delta(s), 0);
    assert_rows_consistent(s, 0, 40);
    assert_int_equal(store_row(s, 39)->id, 461);
    deliver(s, f, 1); /* the new count: every row moves down by 7 */
    assert_int_equal(store_count(s), 507);
    assert_rows_consistent(s, 0, 47);
    assert_int_equal(store_row(s, 46)->id, 461);
    /* Under the new count, page 5 (rows 40..49) is below row 39's entry. */
    struct store_keyset ks;
    assert_true(store_keyset_for(s, 5, &ks));
    assert_int_equal(ks.below_id, 468);
    assert_true(deliver_below(s, f, 5, 5));
    assert_rows_consistent(s, 0, 50);
    assert_int_equal(store_row(s, 49)->id, 458);
    store_free(s);
    free(f);
}

/* Answers that do not fit are not kept, and the page is wanted again (by
 * number, once the caller stops using keyset requests). */
static void test_keyset_wrong_answers_rejected(void **state)
{
    (void)state;
    struct fake *f = fake_new(300, 1);
    struct store *s = store_new(64, PS, 4);
    for (long pg = 1; pg <= 3; pg++)
        deliver(s, f, pg);
    struct store_keyset ks;
    struct log_page p;
    long want[WANT_MAX];
    /* id__lt ignored: the newest page, not below the anchor. */
    assert_true(store_keyset_for(s, 4, &ks));
    store_page_requested_below(s, 4, 41, &ks);
    fake_page(f, 1, &p);
    bool ignored = false;
    assert_false(store_page_loaded_below(s, 41, &p, &ignored));
    assert_true(ignored); /* the proof: an id not below the anchor */
    log_page_free(&p);
    assert_null(store_row(s, 30));
    assert_int_equal(store_in_flight(s), 0);
    store_set_window(s, 30, 5, 1);
    assert_true(store_wanted_pages(s, want, WANT_MAX) > 0);
    assert_int_equal(want[0], 4);
    /* Rows left out: entries below the anchor, but fewer than its position. */
    store_page_requested_below(s, 4, 42, &ks);
    fake_below(f, ks.below_id, ks.page, &p);
    p.count -= 3;
    assert_false(store_page_loaded_below(s, 42, &p, &ignored));
    assert_false(ignored); /* a purge would look the same */
    log_page_free(&p);
    assert_null(store_row(s, 30));
    /* No entries at all under the right count: asking again would loop. */
    store_page_requested_below(s, 4, 47, &ks);
    memset(&p, 0, sizeof p);
    p.count = ks.below_pos;
    assert_false(store_page_loaded_below(s, 47, &p, &ignored));
    assert_false(ignored);
    assert_null(store_row(s, 30));
    /* The right count, ids below the anchor, but one skipped: it contradicts
     * the cached page 3 (asked below page 2) where they overlap. */
    assert_true(store_keyset_for(s, 3, &ks));
    assert_int_equal(ks.below_id, 281);
    store_page_requested_below(s, 3, 43, &ks);
    fake_below(f, ks.below_id - 1, ks.page, &p);
    p.count = ks.below_pos;
    assert_false(store_page_loaded_below(s, 43, &p, &ignored));
    assert_false(ignored);
    log_page_free(&p);
    assert_rows_consistent(s, 0, 30);
    /* A failed keyset request fails its page by number. */
    store_page_requested_below(s, 3, 44, &ks);
    struct omslog_error err = {0};
    error_set(&err, OMSLOG_ERR_SERVER, "down");
    store_page_failed_below(s, 44, &err);
    assert_int_equal(store_failed_pages(s), 1);
    assert_int_equal(store_in_flight(s), 0);
    /* An answer by number to page 4 does not take a keyset request's place. */
    assert_true(store_keyset_for(s, 4, &ks));
    store_page_requested_below(s, 4, 45, &ks);
    deliver(s, f, 4);
    assert_int_equal(store_keyset_page(s, 45), 4);
    assert_true(deliver_below(s, f, 5, 46));
    store_free(s);
    free(f);
}

/* A request of the scan test in flight. */
struct ks_req {
    long page;
    int ticket;
    bool below;
    struct store_keyset ks;
};

/* The client's scan of a filter by keyset requests: as many in flight as
 * before (find_ahead, answered out of order), each new page asked below a
 * page that arrived, every match found once. */
static void test_keyset_scan_keeps_parallelism(void **state)
{
    (void)state;
    struct fake *f = fake_new(2000, 1);
    struct store *s = store_new(16, PS, 4);
    struct filter view;
    filter_init(&view);
    view.min_level = LEVEL_ERROR;
    deliver(s, f, 1);
    store_set_filter(s, &view);
    struct ks_req q[4];
    size_t n_q = 0;
    long want[4], by_number = 0, below = 0, deepest = 1;
    int ticket = 100;
    for (int step = 0; step < 1000 && !store_scan_done(s); step++) {
        size_t n = store_wanted_pages(s, want, 4 - n_q);
        for (size_t i = 0; i < n; i++) {
            struct ks_req *r = &q[n_q++];
            r->page = want[i];
            r->ticket = ++ticket;
            r->below = store_keyset_for(s, want[i], &r->ks);
            if (r->below)
                store_page_requested_below(s, r->page, r->ticket, &r->ks);
            else
                store_page_requested(s, r->page, r->ticket);
        }
        if (n > 0)
            deepest = want[n - 1];
        if (deepest + 4 <= 200)
            assert_int_equal(n_q, 4); /* never fewer in flight before the end */
        /* The second oldest answers first: page 2 is answered last of all. */
        size_t k = n_q > 1 ? 1 : 0;
        struct ks_req r = q[k];
        memmove(&q[k], &q[k + 1], (n_q - k - 1) * sizeof *q);
        n_q--;
        struct log_page p;
        if (r.below) {
            below++;
            fake_below(f, r.ks.below_id, r.ks.page, &p);
            bool ignored;
            assert_true(store_page_loaded_below(s, r.ticket, &p, &ignored));
        } else {
            by_number++;
            fake_page(f, r.page, &p);
            store_page_loaded(s, r.page, &p);
        }
        log_page_free(&p);
    }
    assert_true(store_scan_done(s));
    assert_int_equal(by_number, 0);
    assert_int_equal(below, 199);
    int64_t matches = 0;
    for (size_t i = 0; i < f->n; i++)
        matches += level_for(f->ids[i]) >= LEVEL_ERROR;
    assert_int_equal(store_rows(s), matches);
    filter_free(&view);
    store_free(s);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_page_then_virtual_rows),
        cmocka_unit_test(test_server_ignores_page_size),
        cmocka_unit_test(test_window_and_prefetch_direction),
        cmocka_unit_test(test_wanted_pages_stay_wanted),
        cmocka_unit_test(test_failed_page_and_retry),
        cmocka_unit_test(test_cache_is_bounded_lru),
        cmocka_unit_test(test_small_cache_setting_is_raised),
        cmocka_unit_test(test_growth_between_pages_no_dup_no_skip),
        cmocka_unit_test(test_page_with_leading_surplus),
        cmocka_unit_test(test_growth_more_than_a_page_then_walk),
        cmocka_unit_test(test_stale_pages_dropped_when_log_shrinks),
        cmocka_unit_test(test_inconsistent_server_is_bounded),
        cmocka_unit_test(test_nearest_match_to_an_id),
        cmocka_unit_test(test_filtered_view_scans_whole_log),
        cmocka_unit_test(test_filtered_by_app_with_growth),
        cmocka_unit_test(test_find_next_error_loads_pages),
        cmocka_unit_test(test_locate_uniform_ids_few_requests),
        cmocka_unit_test(test_locate_with_gaps_and_missing),
        cmocka_unit_test(test_locate_uneven_ids_still_bounded),
        cmocka_unit_test(test_locate_hidden_by_filter),
        cmocka_unit_test(test_locate_failed_page),
        cmocka_unit_test(test_summary_counts_dedup),
        cmocka_unit_test(test_reload_and_refresh_top),
        cmocka_unit_test(test_empty_log),
        cmocka_unit_test(test_count_near_int64_max),
        cmocka_unit_test(test_gone_page_refreshes_the_count),
        cmocka_unit_test(test_huge_count_filtered_scan_is_small),
        cmocka_unit_test(test_locate_extreme_ids),
        cmocka_unit_test(test_locate_by_count_one_page),
        cmocka_unit_test(test_locate_by_count_liar_verified),
        cmocka_unit_test(test_apps_seen_bounded),
        cmocka_unit_test(test_summary_many_apps_fast),
        cmocka_unit_test(test_summary_without_exceptions),
        cmocka_unit_test(test_byte_budget_bounds_cache),
        cmocka_unit_test(test_pinned_pages_beyond_budget),
        cmocka_unit_test(test_window_larger_than_cache),
        cmocka_unit_test(test_server_filtered_virtual_list),
        cmocka_unit_test(test_server_filtered_liar_and_client_part),
        cmocka_unit_test(test_keyset_anchor_and_placement),
        cmocka_unit_test(test_keyset_page_after_growth),
        cmocka_unit_test(test_keyset_wrong_answers_rejected),
        cmocka_unit_test(test_keyset_scan_keeps_parallelism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
