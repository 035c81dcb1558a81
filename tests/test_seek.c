/* test_seek.c — the seek by time or id over a fake log: the server's lte
 * filter, the bisection and its request bound on logs of 1, 10 and 10^6
 * pages, the edges, a lying filter, a log out of order, failures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/seek.h"

#define BASE_SEC INT64_C(1700000000)
#define STEP_SEC 37
#define TIES 3 /* entries that share a created_at */

/* A log of count entries, newest first, page_size a page. Row r: id
 * 2 * (count - r) + 1 (gaps between ids), created BASE + ((count - 1 - r) /
 * TIES) * STEP_SEC seconds and 250000 us (ties: several entries a second). */
struct fake {
    int64_t count;
    long page_size;
    bool lte_honoured; /* created_at__lte / id__lte filter */
    bool lte_ignored;  /* accepted but ignored (a liar) */
    bool lte_refused;  /* a 400 to the lte parameter */
    long swap_page;    /* two entries of this page swapped (0: none) */
    int fail_status;   /* every request fails with this (0: none) */
    int64_t shrunk;    /* page 1 still counts this many more rows than are left */
    long requests;
};

static int64_t fake_id(const struct fake *f, int64_t row)
{
    return 2 * (f->count - row) + 1;
}

static struct log_time fake_time(const struct fake *f, int64_t row)
{
    return (struct log_time){BASE_SEC + ((f->count - 1 - row) / TIES) * STEP_SEC, 250000};
}

static void fake_entry(const struct fake *f, int64_t row, struct log_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = fake_id(f, row);
    e->created = fake_time(f, row);
}

/* The oracle: the first row at or before the key, by a linear scan for small
 * logs and a row-level binary search (another algorithm) for large ones;
 * count when there is none. */
static int64_t oracle(const struct fake *f, const struct seek_opts *o)
{
    int64_t lo = 0, hi = f->count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        bool at_or_before = o->key == SEEK_BY_ID ? fake_id(f, mid) <= o->id
                                                 : datetime_cmp(fake_time(f, mid), o->time) <= 0;
        if (at_or_before)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (f->count <= 1000)
        for (int64_t r = 0; r < f->count; r++) {
            bool ok = o->key == SEEK_BY_ID ? fake_id(f, r) <= o->id
                                           : datetime_cmp(fake_time(f, r), o->time) <= 0;
            if (ok) {
                assert_int_equal(r, lo);
                break;
            }
        }
    return lo;
}

/* Answer one request as the fake server would; the caller frees *p. */
static void fake_answer(struct fake *f, const struct seek_request *q, const struct seek_opts *o,
                        struct log_page *p, struct omslog_error *err)
{
    f->requests++;
    memset(p, 0, sizeof *p);
    error_clear(err);
    if (f->fail_status) {
        error_set(err, (enum omslog_status)f->fail_status, "fake failure");
        return;
    }
    if (q->param_key && f->lte_refused) {
        error_set(err, OMSLOG_ERR_BAD_REQUEST, "fake 400");
        return;
    }
    long size = q->size > 0 ? q->size : f->page_size;
    int64_t first = 0, end = f->count;
    if (q->param_key && f->lte_honoured && !f->lte_ignored) {
        first = oracle(f, o); /* the rows at or before the key, newest first */
        assert_string_equal(q->param_key, o->key == SEEK_BY_ID ? "id__lte" : "created_at__lte");
    }
    p->count = end - first + (q->page == 1 ? f->shrunk : 0);
    int64_t top = first + (int64_t)(q->page - 1) * size;
    if (q->page > 1 && top >= end) {
        error_set(err, OMSLOG_ERR_NOT_FOUND, "Invalid page.");
        return;
    }
    int64_t n = end - top < size ? end - top : size;
    p->n = (size_t)(n > 0 ? n : 0);
    p->entries = calloc(p->n ? p->n : 1, sizeof *p->entries);
    for (size_t i = 0; i < p->n; i++)
        fake_entry(f, top + (int64_t)i, &p->entries[i]);
    if (q->page == f->swap_page && p->n >= 2) {
        struct log_entry t = p->entries[0];
        p->entries[0] = p->entries[1];
        p->entries[1] = t;
    }
    p->next = top + n < end ? "next" : NULL;
}

/* Drive a seek to its end against f; returns its status. */
static int run_seek(struct fake *f, const struct seek_opts *o, struct seek_result *r)
{
    struct seek s;
    seek_init(&s, o);
    struct seek_request q;
    long guard = 0;
    while (seek_next(&s, &q)) {
        struct log_page p;
        struct omslog_error err;
        fake_answer(f, &q, o, &p, &err);
        seek_feed(&s, &p, &err);
        free(p.entries); /* the entries own nothing: only ids and times */
        assert_true(++guard < 200);
    }
    assert_true(seek_done(&s));
    struct omslog_error err = {0};
    int rc = seek_result(&s, r, &err);
    assert_int_equal(r->requests, f->requests);
    return rc;
}

/* The seek's answer for o equals the oracle's, within the request bound. */
static void check_seek(struct fake *f, const struct seek_opts *o)
{
    struct seek_result r;
    f->requests = 0;
    assert_int_equal(run_seek(f, o, &r), OMSLOG_OK);
    int64_t want = oracle(f, o);
    if (want < f->count) {
        assert_true(r.found);
        assert_int_equal(r.row, want);
        assert_int_equal(r.id, fake_id(f, want));
    } else {
        assert_false(r.found);
        assert_int_equal(r.row, f->count - 1);
        if (!o->lte_param)
            assert_int_equal(r.id, fake_id(f, f->count - 1));
    }
    assert_int_equal(r.count, f->count);
    assert_int_equal(r.page_size, f->count > f->page_size ? f->page_size : 0);
    assert_false(r.unordered);
    long pages = (long)((f->count + f->page_size - 1) / f->page_size);
    double bound = o->lte_param ? 2 : log2(pages > 1 ? (double)pages : 1.0) + 3;
    if ((double)r.requests > bound)
        fail_msg("%ld requests on %ld pages (bound %.1f)", r.requests, pages, bound);
    if (!o->lte_param && pages > 1) /* the tighter bound seek.h states */
        assert_true(r.requests <= (long)ceil(log2((double)pages)) + 1);
}

static struct seek_opts by_time(struct log_time t, bool lte, long size)
{
    return (struct seek_opts){.key = SEEK_BY_TIME,
                              .time = t,
                              .lte_param = lte ? "created_at__lte" : NULL,
                              .page_size = size};
}

/* Every interesting target on a log: the edges, exact hits, ties, gaps. */
static void check_targets(struct fake *f, bool lte)
{
    int64_t n = f->count;
    struct log_time newest = fake_time(f, 0), oldest = fake_time(f, n - 1);
    struct log_time targets[] = {
        datetime_before(oldest), /* before the oldest: none */
        oldest,
        (struct log_time){oldest.sec, oldest.usec + 1},
        newest,
        datetime_before(newest),
        (struct log_time){newest.sec + 3600, 0}, /* after the newest: the newest */
        fake_time(f, n / 2),
        datetime_before(fake_time(f, n / 2)),
        fake_time(f, n / 3 + 1),
        (struct log_time){fake_time(f, 2 * n / 3).sec + 1, 0}, /* between two times */
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct seek_opts o = by_time(targets[i], lte, f->page_size);
        check_seek(f, &o);
    }
    srand(7);
    for (int i = 0; i < 40; i++) {
        int64_t row = (int64_t)(((double)rand() / RAND_MAX) * (double)(n - 1));
        struct seek_opts o = by_time(fake_time(f, row), lte, f->page_size);
        check_seek(f, &o);
        o = (struct seek_opts){.key = SEEK_BY_ID,
                               .id = fake_id(f, row) - 1, /* a gap: the next older id */
                               .lte_param = lte ? "id__lte" : NULL,
                               .page_size = f->page_size};
        check_seek(f, &o);
    }
}

static void test_bisect_bound_1_10_1e6_pages(void **state)
{
    (void)state;
    static const int64_t pages[] = {1, 10, 1000000};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        struct fake full = {.count = pages[i] * 10, .page_size = 10};
        check_targets(&full, false);
        struct fake partial = {.count = pages[i] * 10 - 3,
                               .page_size = 10}; /* a short last page */
        check_targets(&partial, false);
    }
    struct fake one = {.count = 1, .page_size = 10};
    check_targets(&one, false);
}

static void test_lte_two_requests(void **state)
{
    (void)state;
    static const int64_t counts[] = {1, 7, 100, 10000000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct fake f = {.count = counts[i], .page_size = 10, .lte_honoured = true};
        check_targets(&f, true);
    }
    /* The value sent: the time in UTC to the microsecond. */
    struct seek s;
    struct seek_opts o = by_time((struct log_time){1701511200, 5}, true, 10);
    seek_init(&s, &o);
    struct seek_request q;
    assert_true(seek_next(&s, &q));
    assert_string_equal(q.param_key, "created_at__lte");
    assert_string_equal(q.param_value, "2023-12-02T10:00:00.000005Z");
    assert_int_equal(q.size, 1);
    assert_false(seek_next(&s, &q)); /* one at a time */
}

static void test_lte_liar_falls_back_to_bisection(void **state)
{
    (void)state;
    struct fake f = {.count = 5000, .page_size = 10, .lte_honoured = true, .lte_ignored = true};
    struct seek_opts o = by_time(fake_time(&f, 1234), true, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.lte_wrong);
    assert_true(r.found);
    assert_int_equal(r.row, oracle(&f, &o));
    assert_true(r.requests <= 2 + 1 + 9);
}

static void test_lte_refused_bisects(void **state)
{
    (void)state;
    struct fake f = {.count = 5000, .page_size = 10, .lte_refused = true};
    struct seek_opts o = by_time(fake_time(&f, 1234), true, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.lte_wrong);
    assert_true(r.lte_refused);
    assert_true(r.found);
    assert_int_equal(r.row, oracle(&f, &o));
    assert_true(r.requests <= 1 + 1 + 9);
}

static void test_empty_log(void **state)
{
    (void)state;
    struct fake f = {.count = 0, .page_size = 10};
    struct seek_opts o = by_time((struct log_time){BASE_SEC, 0}, false, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_false(r.found);
    assert_int_equal(r.row, -1);
    assert_int_equal(r.requests, 1);
    f.lte_honoured = true;
    f.requests = 0;
    o.lte_param = "created_at__lte";
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_false(r.found);
    assert_int_equal(r.row, -1);
}

static void test_out_of_order_page_reported(void **state)
{
    (void)state;
    /* Page 1 is always read: two of its entries swapped. */
    struct fake f = {.count = 1000, .page_size = 10, .swap_page = 1};
    struct seek_opts o = by_time(fake_time(&f, 500), false, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.unordered);
    assert_int_equal(r.unordered_page, 1);
    assert_int_equal(r.row, oracle(&f, &o)); /* a local swap does not mislead it */
    /* A page the bisection reads first after page 1 (the middle one). */
    f = (struct fake){.count = 1000, .page_size = 10, .swap_page = 51};
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.unordered);
    assert_int_equal(r.unordered_page, 51);
    /* An ordered log reports nothing. */
    f = (struct fake){.count = 1000, .page_size = 10};
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_false(r.unordered);
}

static void test_log_shrunk_below_pages_probed(void **state)
{
    (void)state;
    /* Page 1 counted 500 pages; 400 are left: pages past them are gone (404). */
    struct fake f = {.count = 4000, .page_size = 10, .shrunk = 1000};
    struct seek_opts o = by_time(fake_time(&f, 2500), false, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.found);
    assert_int_equal(r.row, oracle(&f, &o));
    assert_int_equal(r.id, fake_id(&f, r.row));
    f.requests = 0;
    o = by_time(datetime_before(fake_time(&f, f.count - 1)), false, 10);
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_false(r.found);
    assert_int_equal(r.id, fake_id(&f, f.count - 1)); /* the oldest left */
}

static void test_failure_ends_the_seek(void **state)
{
    (void)state;
    struct fake f = {.count = 1000, .page_size = 10, .fail_status = OMSLOG_ERR_SERVER};
    struct seek_opts o = by_time(fake_time(&f, 500), false, 10);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_ERR_SERVER);
    assert_int_equal(r.requests, 1);
}

/* The caller's page 1 (count and newest entry): the lte way takes one
 * request; a log that grew since falls back to asking page 1; an ignored
 * parameter still ends in the bisection's answer. */
static void test_lte_known_top_one_request(void **state)
{
    (void)state;
    static const int64_t counts[] = {1, 7, 100, 10000000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct fake f = {.count = counts[i], .page_size = 10, .lte_honoured = true};
        int64_t rows[] = {0, f.count / 2, f.count - 1};
        for (size_t k = 0; k < 3; k++) {
            for (int before = 0; before < 2; before++) {
                struct log_time t = fake_time(&f, rows[k]);
                struct seek_opts o = by_time(before ? datetime_before(t) : t, true, 10);
                o.have_top = true;
                o.top_count = f.count;
                o.top_id = fake_id(&f, 0);
                o.top_created = fake_time(&f, 0);
                struct seek_result r;
                f.requests = 0;
                assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
                assert_int_equal(r.requests, 1);
                int64_t want = oracle(&f, &o);
                assert_int_equal(r.found, want < f.count);
                assert_int_equal(r.row, want < f.count ? want : f.count - 1);
                if (want < f.count)
                    assert_int_equal(r.id, fake_id(&f, want));
                assert_int_equal(r.count, f.count);
            }
        }
    }
    /* The caller's page 1 is 5 entries old: a key older than them still
     * takes one request, its row under the caller's count; a key among the
     * new ones is newer than the caller's newest: page 1 is asked. */
    struct fake f = {.count = 1000, .page_size = 10, .lte_honoured = true};
    struct seek_opts o = by_time(fake_time(&f, 500), true, 10);
    o.have_top = true;
    o.top_count = f.count - 5;
    o.top_id = fake_id(&f, 5);
    o.top_created = fake_time(&f, 5);
    struct seek_result r;
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.count, f.count - 5);
    assert_int_equal(r.row, oracle(&f, &o) - 5);
    assert_int_equal(r.id, fake_id(&f, oracle(&f, &o)));
    f.requests = 0;
    o.time = fake_time(&f, 2);
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_int_equal(r.requests, 2);
    assert_int_equal(r.count, f.count);
    assert_int_equal(r.row, oracle(&f, &o));
    /* Ignored (the answer is the whole log's newest, after the key): one
     * wasted request, then page 1 and the bisection. */
    f = (struct fake){
        .count = 1000000, .page_size = 10, .lte_honoured = true, .lte_ignored = true};
    o = by_time(fake_time(&f, 123456), true, 10);
    o.have_top = true;
    o.top_count = f.count;
    o.top_id = fake_id(&f, 0);
    o.top_created = fake_time(&f, 0);
    assert_int_equal(run_seek(&f, &o, &r), OMSLOG_OK);
    assert_true(r.lte_wrong);
    assert_int_equal(r.row, oracle(&f, &o));
    assert_true(r.requests <= 1 + (long)ceil(log2(100000.0)) + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bisect_bound_1_10_1e6_pages),
        cmocka_unit_test(test_lte_two_requests),
        cmocka_unit_test(test_lte_liar_falls_back_to_bisection),
        cmocka_unit_test(test_lte_known_top_one_request),
        cmocka_unit_test(test_lte_refused_bisects),
        cmocka_unit_test(test_empty_log),
        cmocka_unit_test(test_out_of_order_page_reported),
        cmocka_unit_test(test_log_shrunk_below_pages_probed),
        cmocka_unit_test(test_failure_ends_the_seek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
