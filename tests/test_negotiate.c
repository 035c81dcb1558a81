/* test_negotiate.c — the negotiation of server-side filtering without a
 * network: a fake django-filter server (a log of N entries, some lookups
 * honoured, others ignored, a liar that drops rows) answers each request
 * the negotiation hands out, in any order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/negotiate.h"
#include "omslog/util.h"

#define N_ENTRIES 500
#define PS 20

struct server {
    bool honoured[CAPS_N_PARAMS];
    bool drop_liar[CAPS_N_PARAMS];   /* honoured, but every match whose id divides by 3 left out */
    bool refuse[CAPS_N_PARAMS];      /* 400 */
    bool fail_all;                   /* every request fails (a 503) */
    const char *name[CAPS_N_PARAMS]; /* the server's spelling when not caps_name's */
    int requests;
};

static int level_of(int64_t id)
{
    return id % 11 == 0 ? 50 : (id % 5 == 0 ? 40 : (id % 3 == 0 ? 30 : 20));
}

static const char *app_of(int64_t id)
{
    return id % 2 ? "wms" : "erp";
}

/* The param the server knows by name, CAPS_N_PARAMS when none (ignored,
 * like django-filter does with an unknown parameter). */
static enum caps_param param_of(const struct server *s, const char *name)
{
    for (int p = 0; p < CAPS_N_PARAMS; p++)
        if (strcmp(s->name[p] ? s->name[p] : caps_name(p), name) == 0)
            return p;
    return CAPS_N_PARAMS;
}

static bool in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *s = list; *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && strncmp(s, item, n) == 0)
            return true;
        s += len + (e != NULL);
    }
    return false;
}

static bool param_match(enum caps_param p, const char *v, int64_t id)
{
    char lv[16];
    snprintf(lv, sizeof lv, "%d", level_of(id));
    switch (p) {
    case CAPS_LEVEL:
        return level_of(id) == atoi(v);
    case CAPS_LEVEL_GTE:
        return level_of(id) >= atoi(v);
    case CAPS_LEVEL_LTE:
        return level_of(id) <= atoi(v);
    case CAPS_LEVEL_IN:
        return in_list(v, lv);
    case CAPS_APP:
        return strcmp(app_of(id), v) == 0;
    case CAPS_APP_IN:
        return in_list(v, app_of(id));
    case CAPS_ID_LTE:
        return id <= atoll(v);
    case CAPS_ID_GT:
        return id > atoll(v);
    case CAPS_ID_LT:
        return id < atoll(v);
    case CAPS_CREATED_GTE: /* every entry is of 2026-01-01T00:00:00Z */
        return strcmp("2026-01-01T00:00:00Z", v) >= 0;
    case CAPS_CREATED_LTE:
        return strcmp("2026-01-01T00:00:00Z", v) <= 0;
    default:
        return true;
    }
}

static void make_entry(struct log_entry *e, int64_t id)
{
    memset(e, 0, sizeof *e);
    e->id = id;
    e->level = level_of(id);
    e->app_name = xstrdup(app_of(id));
    e->message = xstrdup("m");
    e->logger_name = xstrdup("l");
    e->trace = xstrdup("");
    e->created_at = xstrdup("2026-01-01T00:00:00Z");
}

/* Page 1 of the query: ids N..1 newest first, filtered by what it honours. */
static void serve(struct server *s, const struct negotiate_request *q, struct omslog_error *err,
                  struct log_page *page)
{
    s->requests++;
    memset(page, 0, sizeof *page);
    memset(err, 0, sizeof *err);
    if (s->fail_all) {
        err->status = OMSLOG_ERR_SERVER;
        return;
    }
    int64_t ids[N_ENTRIES];
    size_t n = 0;
    for (int64_t id = N_ENTRIES; id >= 1; id--) {
        bool ok = true;
        for (size_t i = 0; i < q->n_params; i++) {
            enum caps_param p = param_of(s, q->params[i].key);
            if (p == CAPS_N_PARAMS)
                continue;
            if (s->refuse[p]) {
                err->status = OMSLOG_ERR_BAD_REQUEST;
                return;
            }
            if (!s->honoured[p] && !s->drop_liar[p])
                continue;
            ok = ok && param_match(p, q->params[i].value, id);
            if (ok && s->drop_liar[p] && id % 3 == 0)
                ok = false;
        }
        if (ok)
            ids[n++] = id;
    }
    long size = q->size > 0 ? q->size : PS;
    page->count = (int64_t)n;
    page->n = n < (size_t)size ? n : (size_t)size;
    if (n > page->n)
        page->next = xstrdup("http://x/?page=2");
    page->entries = xcalloc(page->n ? page->n : 1, sizeof *page->entries);
    for (size_t i = 0; i < page->n; i++)
        make_entry(&page->entries[i], ids[i]);
}

/* Drive n to its end: every request handed out is answered, the newest
 * first when reverse (answers may come in any order). */
static void drive(struct negotiate *n, struct server *s, bool reverse)
{
    for (int guard = 0; !negotiate_done(n); guard++) {
        assert_true(guard < 10);
        struct negotiate_request q[64];
        size_t k = 0;
        while (k < 64 && negotiate_next(n, &q[k]))
            k++;
        assert_true(k > 0);
        assert_int_equal(negotiate_waiting(n), k);
        for (size_t i = 0; i < k; i++) {
            struct negotiate_request *r = &q[reverse ? k - 1 - i : i];
            struct omslog_error err;
            struct log_page page;
            serve(s, r, &err, &page);
            assert_true(negotiate_answer(n, r->serial, &err, &page));
            log_page_free(&page);
            /* an answer given twice is not taken */
            struct omslog_error e2 = {0};
            assert_false(negotiate_answer(n, r->serial, &e2, NULL));
        }
    }
}

static void server_full(struct server *s)
{
    memset(s, 0, sizeof *s);
    for (int p = 0; p < CAPS_N_PARAMS; p++)
        s->honoured[p] = true;
}

static void filter_of(struct filter *f, int min_level, const char *app)
{
    filter_init(f);
    f->min_level = min_level;
    if (app)
        filter_add_app(f, app);
}

static int64_t matches(const struct filter *f)
{
    int64_t k = 0;
    for (int64_t id = 1; id <= N_ENTRIES; id++) {
        struct log_entry e;
        make_entry(&e, id);
        k += filter_match(f, &e);
        log_entry_free(&e);
    }
    return k;
}

static void test_full_server_pushes_all(void **state)
{
    (void)state;
    for (int rev = 0; rev < 2; rev++) {
        struct server s;
        server_full(&s);
        struct filter f;
        filter_of(&f, 40, "wms");
        enum caps_param extra[] = {CAPS_ID_LTE, CAPS_ID_GT};
        struct negotiate *n = negotiate_new(&f, NULL, extra, 2, PS);
        drive(n, &s, rev);
        const struct caps_push *p = negotiate_plan(n);
        assert_int_equal(p->n_used, 2);
        assert_true(p->level_pushed && p->apps_pushed);
        assert_string_equal(p->keys[0], "level__gte");
        assert_string_equal(p->keys[1], "app_name");
        bool liar = true;
        assert_null(negotiate_why(n, &liar));
        assert_false(liar);
        assert_true(negotiate_probed(n) && negotiate_learnt(n));
        assert_int_equal(negotiate_caps(n)->v[CAPS_ID_LTE], CAPS_HONOURED);
        assert_int_equal(negotiate_caps(n)->v[CAPS_ID_GT], CAPS_HONOURED);
        assert_int_equal(negotiate_baseline(n), N_ENTRIES);
        struct log_page first;
        assert_true(negotiate_take_page(n, &first));
        assert_int_equal(first.count, matches(&f));
        assert_int_equal(first.n, PS);
        for (size_t i = 0; i < first.n; i++)
            assert_true(filter_match(&f, &first.entries[i]));
        log_page_free(&first);
        assert_false(negotiate_take_page(n, &first));
        /* Remembered: the next negotiation sends no probe, only the base and
         * the check (filtered page, two twin pairs). */
        struct caps known = *negotiate_caps(n);
        negotiate_free(n);
        s.requests = 0;
        n = negotiate_new(&f, &known, extra, 2, PS);
        drive(n, &s, rev);
        assert_false(negotiate_probed(n));
        assert_int_equal(negotiate_plan(n)->n_used, 2);
        assert_int_equal(s.requests, 1 + 1 + 2 * 2);
        negotiate_free(n);
        filter_free(&f);
    }
}

static void test_no_lookups_scans(void **state)
{
    (void)state;
    struct server s = {0};
    struct filter f;
    filter_of(&f, 40, "wms");
    struct negotiate *n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    assert_int_equal(negotiate_plan(n)->n_used, 0);
    assert_null(negotiate_why(n, NULL));
    assert_int_equal(negotiate_caps(n)->v[CAPS_LEVEL_GTE], CAPS_IGNORED);
    assert_int_equal(negotiate_caps(n)->v[CAPS_APP], CAPS_IGNORED);
    struct log_page first;
    assert_false(negotiate_take_page(n, &first));
    /* one base and five probes, no check */
    assert_int_equal(s.requests, 1 + 5);
    negotiate_free(n);
    filter_free(&f);
}

static void test_some_lookups_push_part(void **state)
{
    (void)state;
    struct server s = {0};
    s.honoured[CAPS_APP] = true;
    s.refuse[CAPS_LEVEL_IN] = true;
    struct filter f;
    filter_of(&f, 40, "wms");
    struct negotiate *n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    const struct caps_push *p = negotiate_plan(n);
    assert_int_equal(p->n_used, 1);
    assert_true(p->apps_pushed);
    assert_false(p->level_pushed);
    assert_int_equal(negotiate_caps(n)->v[CAPS_LEVEL_IN], CAPS_REFUSED);
    negotiate_free(n);
    filter_free(&f);
}

static void test_drop_liar_caught(void **state)
{
    (void)state;
    struct server s;
    server_full(&s);
    s.honoured[CAPS_APP] = false;
    s.drop_liar[CAPS_APP] = true;
    struct filter f;
    filter_of(&f, FILTER_LEVEL_NONE, "wms");
    struct negotiate *n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    bool liar = false;
    const char *why = negotiate_why(n, &liar);
    assert_non_null(why);
    assert_true(liar);
    assert_int_equal(negotiate_plan(n)->n_used, 0);
    assert_int_equal(negotiate_caps(n)->v[CAPS_APP], CAPS_LIAR);
    assert_true(negotiate_learnt(n));
    struct log_page first;
    assert_false(negotiate_take_page(n, &first));
    /* A liar remembered is never planned again: the honest spelling is. */
    struct caps known = *negotiate_caps(n);
    negotiate_free(n);
    n = negotiate_new(&f, &known, NULL, 0, PS);
    drive(n, &s, false);
    assert_int_equal(negotiate_plan(n)->n_used, 1);
    assert_string_equal(negotiate_plan(n)->keys[0], "app_name__in");
    assert_null(negotiate_why(n, NULL));
    negotiate_free(n);
    filter_free(&f);
}

static void test_failed_base_and_nothing_wanted(void **state)
{
    (void)state;
    struct server s = {0};
    s.fail_all = true;
    struct filter f;
    filter_of(&f, 40, NULL);
    struct negotiate *n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    assert_int_equal(s.requests, 1);
    assert_int_equal(negotiate_baseline(n), -1);
    assert_int_equal(negotiate_plan(n)->n_used, 0);
    assert_false(negotiate_learnt(n));
    negotiate_free(n);
    filter_free(&f);
    /* No filter, no extra: done before any request. */
    filter_init(&f);
    n = negotiate_new(&f, NULL, NULL, 0, PS);
    assert_true(negotiate_done(n));
    struct negotiate_request q;
    assert_false(negotiate_next(n, &q));
    negotiate_free(n);
    filter_free(&f);
}

/* Names configured (`param.level__gte = min_level`) are what the probes, the
 * plan, its check and the verdicts to save use. */
static void test_configured_names(void **state)
{
    (void)state;
    struct server s;
    server_full(&s);
    s.name[CAPS_LEVEL_GTE] = "min_level";
    s.name[CAPS_APP] = "application";
    char *names[CAPS_N_PARAMS] = {0};
    names[CAPS_LEVEL_GTE] = "min_level";
    names[CAPS_APP] = "application";
    struct caps known = {0};
    caps_use_names(&known, names);
    struct filter f;
    filter_of(&f, 40, "wms");
    struct negotiate *n = negotiate_new(&f, &known, NULL, 0, PS);
    drive(n, &s, false);
    const struct caps_push *p = negotiate_plan(n);
    assert_int_equal(p->n_used, 2);
    assert_string_equal(p->keys[0], "min_level");
    assert_string_equal(p->keys[1], "application");
    assert_null(negotiate_why(n, NULL));
    const struct caps *c = negotiate_caps(n);
    assert_int_equal(c->v[CAPS_LEVEL_GTE], CAPS_HONOURED);
    assert_true(c->configured[CAPS_LEVEL_GTE]);
    struct buf b = {0};
    caps_format(c, &b);
    assert_non_null(strstr(buf_str(&b), "level__gte=min_level honoured"));
    assert_non_null(strstr(buf_str(&b), "app_name=application honoured"));
    buf_free(&b);
    struct log_page first;
    assert_true(negotiate_take_page(n, &first));
    assert_int_equal(first.count, matches(&f));
    log_page_free(&first);
    negotiate_free(n);
    /* Unconfigured, the default names are ignored by this server: the
     * other spellings are used. */
    n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    assert_int_equal(negotiate_plan(n)->n_used, 2);
    assert_string_equal(negotiate_plan(n)->keys[0], "level__in");
    assert_string_equal(negotiate_plan(n)->keys[1], "app_name__in");
    assert_int_equal(negotiate_caps(n)->v[CAPS_LEVEL_GTE], CAPS_IGNORED);
    negotiate_free(n);
    filter_free(&f);
}

/* created_at__* ignored: created_date__* is probed in one more round, unless
 * a name is configured; the verdict stands under the name probed. */
static void test_created_second_spelling(void **state)
{
    (void)state;
    struct server s;
    server_full(&s);
    s.name[CAPS_CREATED_GTE] = "created_date__gte";
    s.name[CAPS_CREATED_LTE] = "created_date__lte";
    struct filter f;
    filter_init(&f);
    enum caps_param extra[] = {CAPS_CREATED_GTE, CAPS_CREATED_LTE};
    struct negotiate *n = negotiate_new(&f, NULL, extra, 2, PS);
    drive(n, &s, true);
    assert_int_equal(s.requests, 1 + 2 + 2);
    const struct caps *c = negotiate_caps(n);
    assert_int_equal(c->v[CAPS_CREATED_GTE], CAPS_HONOURED);
    assert_int_equal(c->v[CAPS_CREATED_LTE], CAPS_HONOURED);
    assert_string_equal(caps_param_name(c, CAPS_CREATED_GTE), "created_date__gte");
    assert_int_equal(negotiate_plan(n)->n_used, 0);
    /* Remembered under the second spelling: no probe the next time. */
    struct caps known = *c;
    negotiate_free(n);
    caps_use_names(&known, NULL);
    s.requests = 0;
    n = negotiate_new(&f, &known, extra, 2, PS);
    drive(n, &s, false);
    assert_int_equal(s.requests, 1);
    assert_false(negotiate_probed(n));
    negotiate_free(n);
    /* A configured name is never swapped: only __lte tries created_date. */
    char *names[CAPS_N_PARAMS] = {0};
    names[CAPS_CREATED_GTE] = "since";
    memset(&known, 0, sizeof known);
    caps_use_names(&known, names);
    s.requests = 0;
    n = negotiate_new(&f, &known, extra, 2, PS);
    drive(n, &s, false);
    assert_int_equal(s.requests, 1 + 2 + 1);
    assert_int_equal(negotiate_caps(n)->v[CAPS_CREATED_GTE], CAPS_IGNORED);
    assert_string_equal(caps_param_name(negotiate_caps(n), CAPS_CREATED_GTE), "since");
    assert_int_equal(negotiate_caps(n)->v[CAPS_CREATED_LTE], CAPS_HONOURED);
    negotiate_free(n);
    /* Both spellings ignored: two rounds, then ignored. */
    s.name[CAPS_CREATED_GTE] = s.name[CAPS_CREATED_LTE] = "nothing";
    s.requests = 0;
    n = negotiate_new(&f, NULL, extra, 1, PS);
    drive(n, &s, false);
    assert_int_equal(s.requests, 1 + 1 + 1);
    assert_int_equal(negotiate_caps(n)->v[CAPS_CREATED_GTE], CAPS_IGNORED);
    negotiate_free(n);
    filter_free(&f);
}

/* Extra params (id__lt for keyset paging) only above a baseline; the
 * unfiltered first page handed back for the walk to start with. */
static void test_extra_above_and_base(void **state)
{
    (void)state;
    struct server s;
    server_full(&s);
    struct filter f;
    filter_init(&f);
    enum caps_param extra[] = {CAPS_ID_LT};
    struct negotiate *n = negotiate_new(&f, NULL, extra, 1, PS);
    negotiate_extra_above(n, CAPS_ID_LT, N_ENTRIES);
    drive(n, &s, false);
    assert_int_equal(s.requests, 1);
    assert_int_equal(negotiate_caps(n)->v[CAPS_ID_LT], CAPS_UNKNOWN);
    assert_false(negotiate_probed(n));
    struct log_page base;
    struct omslog_error err;
    assert_true(negotiate_take_base(n, &base, &err));
    assert_int_equal(err.status, OMSLOG_OK);
    assert_int_equal(base.count, N_ENTRIES);
    assert_int_equal(base.n, PS);
    assert_int_equal(base.entries[0].id, N_ENTRIES);
    log_page_free(&base);
    assert_false(negotiate_take_base(n, &base, &err));
    assert_int_equal(negotiate_baseline(n), N_ENTRIES);
    negotiate_free(n);
    s.requests = 0;
    n = negotiate_new(&f, NULL, extra, 1, PS);
    negotiate_extra_above(n, CAPS_ID_LT, N_ENTRIES - 1);
    assert_false(negotiate_take_base(n, &base, &err)); /* not done yet */
    drive(n, &s, false);
    assert_int_equal(s.requests, 2);
    assert_int_equal(negotiate_caps(n)->v[CAPS_ID_LT], CAPS_HONOURED);
    assert_true(negotiate_take_base(n, &base, &err));
    log_page_free(&base);
    negotiate_free(n);
    /* With a plan: the base still comes back, unfiltered; a failed one does not. */
    filter_of(&f, 40, NULL);
    n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    assert_int_equal(negotiate_plan(n)->n_used, 1);
    assert_true(negotiate_take_base(n, &base, &err));
    assert_int_equal(base.count, N_ENTRIES);
    bool unfiltered = false; /* it holds rows the filter leaves out */
    for (size_t i = 0; i < base.n; i++)
        unfiltered = unfiltered || !filter_match(&f, &base.entries[i]);
    assert_true(unfiltered);
    log_page_free(&base);
    negotiate_free(n);
    /* A failed one comes back as its failure (the walk reports it). */
    s.fail_all = true;
    n = negotiate_new(&f, NULL, NULL, 0, PS);
    drive(n, &s, false);
    assert_true(negotiate_take_base(n, &base, &err));
    assert_int_equal(err.status, OMSLOG_ERR_SERVER);
    assert_int_equal(base.n, 0);
    negotiate_free(n);
    /* Two extras, one of them only above the baseline. */
    filter_init(&f);
    enum caps_param two[] = {CAPS_ID_LT, CAPS_CREATED_GTE};
    s.fail_all = false;
    s.requests = 0;
    n = negotiate_new(&f, NULL, two, 2, PS);
    negotiate_extra_above(n, CAPS_ID_LT, N_ENTRIES);
    drive(n, &s, false);
    assert_int_equal(s.requests, 2);
    assert_int_equal(negotiate_caps(n)->v[CAPS_ID_LT], CAPS_UNKNOWN);
    assert_int_equal(negotiate_caps(n)->v[CAPS_CREATED_GTE], CAPS_HONOURED);
    negotiate_free(n);
    filter_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_server_pushes_all),
        cmocka_unit_test(test_no_lookups_scans),
        cmocka_unit_test(test_some_lookups_push_part),
        cmocka_unit_test(test_drop_liar_caught),
        cmocka_unit_test(test_failed_base_and_nothing_wanted),
        cmocka_unit_test(test_configured_names),
        cmocka_unit_test(test_created_second_spelling),
        cmocka_unit_test(test_extra_above_and_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
