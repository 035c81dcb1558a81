/* test_merge.c — the merge of newest-first streams and the proof by counts
 * that a set of exact levels is every level the log holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "omslog/merge.h"
#include "omslog/util.h"
#include "omslog/walk.h"
#include "test_support.h"

static struct log_entry entry_of(int64_t id, int level)
{
    return test_entry(id, level, "app", "lg", "msg", "");
}

/* Push ids (newest first) on stream i; each must be taken. */
static void push_ids(struct merge *m, size_t i, const int64_t *ids, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct log_entry e = entry_of(ids[k], (int)i);
        assert_true(merge_push(m, i, &e));
    }
}

/* Take what is ready into got[*n...]. */
static void drain(struct merge *m, int64_t *got, size_t *n, size_t cap)
{
    const struct log_entry *e;
    while ((e = merge_next(m)) != NULL) {
        assert_true(*n < cap);
        got[(*n)++] = e->id;
    }
}

static void test_interleaved_streams_come_out_newest_first(void **state)
{
    (void)state;
    static const int64_t a[] = {20, 17, 9, 4}, b[] = {19, 18, 3}, c[] = {12};
    static const int64_t want[] = {20, 19, 18, 17, 12, 9, 4, 3};
    struct merge *m = merge_new(3);
    int64_t got[16];
    size_t n = 0;
    push_ids(m, 0, a, 2); /* 20, 17 */
    push_ids(m, 1, b, 3);
    drain(m, got, &n, 16);
    assert_int_equal(n, 0); /* stream 2 has nothing yet: it might bring a newer id */
    push_ids(m, 2, c, 1);
    drain(m, got, &n, 16);
    /* 20 19 18 17 out; then stream 0 holds nothing and is open */
    assert_int_equal(n, 4);
    assert_int_equal(merge_held(m, 0), 0);
    assert_int_equal(merge_held(m, 1), 1);
    push_ids(m, 0, a + 2, 2);
    merge_end(m, 0);
    merge_end(m, 2);
    drain(m, got, &n, 16);
    assert_false(merge_done(m)); /* stream 1 is open and 3 is its last */
    merge_end(m, 1);
    drain(m, got, &n, 16);
    assert_true(merge_done(m));
    assert_int_equal(n, ARRAY_LEN(want));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
    merge_free(m);
}

static void test_each_id_once_and_order_enforced(void **state)
{
    (void)state;
    struct merge *m = merge_new(2);
    static const int64_t a[] = {10, 8, 5}, b[] = {9, 8, 2};
    push_ids(m, 0, a, 3);
    push_ids(m, 1, b, 3);
    struct log_entry same = entry_of(5, 0), newer = entry_of(7, 0);
    assert_false(merge_push(m, 0, &same));  /* not below the last of its stream */
    assert_false(merge_push(m, 0, &newer)); /* the same */
    assert_false(merge_push(m, 2, &newer)); /* no such stream */
    merge_end(m, 0);
    merge_end(m, 1);
    struct log_entry late = entry_of(1, 0);
    assert_false(merge_push(m, 1, &late)); /* ended */
    int64_t got[8];
    size_t n = 0;
    drain(m, got, &n, 8);
    static const int64_t want[] = {10, 9, 8, 5, 2};
    assert_int_equal(n, ARRAY_LEN(want));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
    assert_true(merge_done(m));
    merge_free(m);
}

static void test_empty_and_unfinished_streams(void **state)
{
    (void)state;
    struct merge *none = merge_new(0);
    assert_null(merge_next(none));
    assert_true(merge_done(none));
    merge_free(none);

    struct merge *m = merge_new(2);
    merge_end(m, 1); /* an empty stream that ended waits for nothing */
    assert_null(merge_next(m));
    assert_false(merge_done(m));
    static const int64_t a[] = {3, 2, 1};
    push_ids(m, 0, a, 3);
    const struct log_entry *e = merge_next(m);
    assert_non_null(e);
    assert_int_equal(e->id, 3);
    assert_int_equal(e->level, 0);
    /* taken entries leave room that later pushes reuse; what is held is freed
     * with the merge (ASan) */
    for (int64_t id = 0; id > -40; id--) {
        struct log_entry x = entry_of(id, 0);
        assert_true(merge_push(m, 0, &x));
        assert_non_null(merge_next(m));
    }
    assert_int_equal(merge_held(m, 0), 2);
    assert_true(merge_ended(m, 1));
    assert_false(merge_ended(m, 0));
    merge_free(m);
}

static void test_known_levels_add_what_the_sample_shows(void **state)
{
    (void)state;
    int out[16];
    size_t n = merge_known_levels(NULL, out, 16);
    static const int standard[] = {0, 10, 20, 30, 40, 50};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], standard[i]);
    struct log_entry es[] = {entry_of(9, 40), entry_of(8, 55), entry_of(7, 25), entry_of(6, 55),
                             entry_of(5, 10)};
    struct log_page p = {.count = 5, .entries = es, .n = ARRAY_LEN(es)};
    n = merge_known_levels(&p, out, 16);
    static const int want[] = {0, 10, 20, 25, 30, 40, 50, 55};
    assert_int_equal(n, ARRAY_LEN(want));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], want[i]);
    assert_int_equal(merge_known_levels(&p, out, 3), 3); /* never past cap */
}

static void test_candidates_halfway_levels_first(void **state)
{
    (void)state;
    int known[] = {0, 10, 20, 25, 30, 40, 50};
    int out[MERGE_LEVEL_MAX + 1];
    size_t n = merge_level_candidates(known, ARRAY_LEN(known), out, ARRAY_LEN(out));
    assert_int_equal(n, MERGE_LEVEL_MAX + 1 - ARRAY_LEN(known));
    static const int first[] = {5, 15, 35, 45, 55, 65, 75, 85, 95, 1, 2, 3, 4, 6};
    for (size_t i = 0; i < ARRAY_LEN(first); i++)
        assert_int_equal(out[i], first[i]);
    for (size_t i = 0; i < n; i++) /* each once, none known */
        for (size_t j = 0; j < ARRAY_LEN(known); j++)
            assert_int_not_equal(out[i], known[j]);
    assert_int_equal(out[n - 1], MERGE_LEVEL_MAX);
    assert_int_equal(merge_level_candidates(known, ARRAY_LEN(known), out, 2), 2);
}

static void test_counts_prove_completeness(void **state)
{
    (void)state;
    int64_t c[] = {100, 250, 600, 40, 9, 1};
    assert_true(merge_counts_complete(1000, 1000, c, 6));
    assert_false(merge_counts_complete(1000, 1001, c, 6)); /* one of another level, or new */
    assert_true(merge_counts_complete(999, 1000, c, 6));   /* grew before the counts */
    assert_false(merge_counts_complete(1001, 1000, c, 6)); /* shrank: counts taken before */
    assert_false(merge_counts_complete(1000, 999, c, 6));  /* more than the total */
    assert_false(merge_counts_complete(-1, 1000, c, 6));
    int64_t failed[] = {500, -1, 501};
    assert_false(merge_counts_complete(1000, 1000, failed, 3));
    assert_int_equal(merge_counts_sum(failed, 3), -1);
    int64_t huge[] = {INT64_MAX, 1};
    assert_int_equal(merge_counts_sum(huge, 2), -1);
    assert_false(merge_counts_complete(INT64_MAX, INT64_MAX, huge, 2));
    assert_true(merge_counts_complete(0, 0, NULL, 0)); /* an empty log: nothing else */
}

/* ---- walks feeding the merge, as `list` drives them ---- */

#define FAKE_PAGE 3
#define FAKE_MAX_PENDING 16

/* One stream's server: its ids newest first, pages of FAKE_PAGE; the walk's
 * sink asks for a page only while the merge holds less than a page. */
struct fake_stream {
    struct merge *m;
    size_t i;
    const int64_t *ids;
    size_t n;
    long requests;
    size_t max_held;
};

struct fake_req {
    struct fake_stream *s;
    int ticket;
    long page;
};

static struct fake_req pending[FAKE_MAX_PENDING];
static size_t n_pending;
static int next_ticket;

static int fake_request(void *ctx, long page, struct omslog_error *err)
{
    struct fake_stream *s = ctx;
    (void)err;
    if (merge_held(s->m, s->i) >= FAKE_PAGE)
        return 0;
    assert_true(n_pending < FAKE_MAX_PENDING);
    s->requests++;
    pending[n_pending++] = (struct fake_req){s, ++next_ticket, page};
    return next_ticket;
}

static void fake_cancel(void *ctx, int ticket)
{
    (void)ctx;
    for (size_t k = 0; k < n_pending; k++)
        if (pending[k].ticket == ticket)
            pending[k] = pending[--n_pending];
}

static bool fake_entry(void *ctx, const struct log_entry *e)
{
    struct fake_stream *s = ctx;
    assert_true(merge_push(s->m, s->i, e));
    if (merge_held(s->m, s->i) > s->max_held)
        s->max_held = merge_held(s->m, s->i);
    return true;
}

static struct log_page fake_page(const struct fake_stream *s, long page)
{
    size_t first = (size_t)(page - 1) * FAKE_PAGE;
    size_t n = first < s->n ? s->n - first : 0;
    n = n > FAKE_PAGE ? FAKE_PAGE : n;
    struct log_page p = {.count = (int64_t)s->n, .n = n};
    p.entries = xcalloc(n ? n : 1, sizeof *p.entries);
    for (size_t k = 0; k < n; k++)
        p.entries[k] = (struct log_entry){.id = s->ids[first + k], .level = (int)s->i};
    p.next = first + n < s->n ? xstrdup("http://x/?page=next") : NULL;
    return p;
}

static void test_walks_merged_with_bounded_holding(void **state)
{
    (void)state;
    static const int64_t a[] = {40, 39, 35, 30, 29, 28, 20, 12, 11, 10, 3};
    static const int64_t b[] = {38, 37, 36, 8, 7};
    static const int64_t c[] = {1};
    struct fake_stream s[] = {{.ids = a, .n = ARRAY_LEN(a)},
                              {.ids = b, .n = ARRAY_LEN(b)},
                              {.ids = c, .n = ARRAY_LEN(c)}};
    struct merge *m = merge_new(ARRAY_LEN(s));
    struct walk *w[ARRAY_LEN(s)];
    struct walk_opts wo = {.first_page = 1, .page_size = FAKE_PAGE, .max_pages = 4};
    n_pending = 0;
    for (size_t i = 0; i < ARRAY_LEN(s); i++) {
        s[i].m = m;
        s[i].i = i;
        struct walk_sink sink = {&s[i], fake_request, fake_cancel, fake_entry, NULL, NULL};
        w[i] = walk_new(&wo, &sink);
    }
    int64_t got[32];
    size_t n = 0;
    for (int turn = 0; turn < 1000 && !merge_done(m); turn++) {
        const struct log_entry *e;
        while ((e = merge_next(m)) != NULL)
            got[n++] = e->id;
        for (size_t i = 0; i < ARRAY_LEN(s); i++) {
            if (!walk_done(w[i]))
                assert_int_equal(walk_start(w[i], NULL), OMSLOG_OK); /* asks again */
            if (walk_done(w[i]))
                merge_end(m, i);
        }
        if (n_pending == 0)
            continue;
        struct fake_req r = pending[--n_pending]; /* the latest first: out of order */
        struct log_page p = fake_page(r.s, r.page);
        assert_int_equal(walk_feed(w[r.s->i], r.ticket, &p, NULL, NULL), OMSLOG_OK);
        log_page_free(&p);
        if (walk_done(w[r.s->i]))
            merge_end(m, r.s->i);
    }
    assert_true(merge_done(m));
    assert_int_equal(n, ARRAY_LEN(a) + ARRAY_LEN(b) + ARRAY_LEN(c));
    for (size_t k = 1; k < n; k++)
        assert_true(got[k] < got[k - 1]);
    for (size_t i = 0; i < ARRAY_LEN(s); i++) {
        /* each page asked once; a stream never held more than what one ask brought */
        assert_int_equal(s[i].requests, (long)(s[i].n + FAKE_PAGE - 1) / FAKE_PAGE);
        assert_true(s[i].max_held <= FAKE_PAGE * (size_t)wo.max_pages);
        walk_free(w[i]);
    }
    merge_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_streams_come_out_newest_first),
        cmocka_unit_test(test_each_id_once_and_order_enforced),
        cmocka_unit_test(test_empty_and_unfinished_streams),
        cmocka_unit_test(test_known_levels_add_what_the_sample_shows),
        cmocka_unit_test(test_candidates_halfway_levels_first),
        cmocka_unit_test(test_counts_prove_completeness),
        cmocka_unit_test(test_walks_merged_with_bounded_holding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
