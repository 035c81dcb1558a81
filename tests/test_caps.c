/* test_caps.c — the probe verdicts, the pushdown plan, the sample check that
 * catches a liar, and the cache file, table-driven and without a network. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/caps.h"
#include "omslog/util.h"

#define BASE 1000
#define NONE (-9) /* not sent */

/* One kind of server, the answer it gives to each parameter's probe, and the
 * verdicts expected. */
struct server_case {
    const char *name;
    int status[CAPS_N_PARAMS]; /* 0: as honest (200, count 0) */
    int64_t count[CAPS_N_PARAMS];
    enum caps_verdict want[CAPS_N_PARAMS];
};

static void run_case(const struct server_case *c)
{
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        struct caps_answer a = {c->status[p] ? c->status[p] : 200, c->count[p]};
        enum caps_verdict v = caps_verdict(BASE, &a);
        if (v != c->want[p])
            fail_msg("%s: %s is %s, want %s", c->name, caps_name(p), caps_verdict_name(v),
                     caps_verdict_name(c->want[p]));
    }
}

static void test_verdicts(void **state)
{
    (void)state;
    static struct server_case cases[5];
    /* honest-all: every impossible value gives 0. */
    cases[0].name = "honest-all";
    for (int p = 0; p < CAPS_N_PARAMS; p++)
        cases[0].want[p] = CAPS_HONOURED;
    /* honest-some: exact lookups only; the others ignored (full count). */
    cases[1].name = "honest-some";
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        bool exact = p == CAPS_LEVEL || p == CAPS_APP || p == CAPS_LOGGER;
        cases[1].count[p] = exact ? 0 : BASE;
        cases[1].want[p] = exact ? CAPS_HONOURED : CAPS_IGNORED;
    }
    /* none: DRF ignores unknown parameters; a grown log counts as ignored. */
    cases[2].name = "none";
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        cases[2].count[p] = BASE + (p % 2);
        cases[2].want[p] = CAPS_IGNORED;
    }
    /* 400s: known, value refused; a 500 or a failed transfer tells nothing. */
    cases[3].name = "400s";
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        cases[3].status[p] = p % 3 == 0 ? 400 : (p % 3 == 1 ? 500 : -1);
        cases[3].want[p] = p % 3 == 0 ? CAPS_REFUSED : CAPS_UNKNOWN;
    }
    /* liars: an impossible value that still returns some rows. */
    cases[4].name = "liars";
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        cases[4].count[p] = p % 2 ? BASE / 4 : 1;
        cases[4].want[p] = CAPS_LIAR;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    /* An empty log tells nothing. */
    struct caps_answer zero = {200, 0};
    assert_int_equal(caps_verdict(0, &zero), CAPS_UNKNOWN);
}

static struct caps caps_with(const enum caps_param *honoured, size_t n)
{
    struct caps c = {0};
    for (size_t i = 0; i < n; i++)
        c.v[honoured[i]] = CAPS_HONOURED;
    return c;
}

static void test_push_plan(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.min_level = 40;
    filter_add_app(&f, "wms");
    enum caps_param want[CAPS_N_PARAMS];
    size_t n = caps_wanted(&f, want);
    assert_int_equal(n, 5);
    assert_int_equal(want[0], CAPS_LEVEL_GTE);
    assert_int_equal(want[1], CAPS_LEVEL_IN);
    assert_int_equal(want[2], CAPS_LEVEL_LTE);
    assert_int_equal(want[3], CAPS_APP);
    assert_int_equal(want[4], CAPS_APP_IN);

    struct caps_push p;
    enum caps_param all[] = {CAPS_LEVEL_GTE, CAPS_LEVEL_IN, CAPS_APP, CAPS_APP_IN};
    struct caps c = caps_with(all, 4);
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 2);
    assert_string_equal(p.keys[0], "level__gte");
    assert_string_equal(p.values[0], "40");
    assert_string_equal(p.keys[1], "app_name");
    assert_string_equal(p.values[1], "wms");
    assert_false(p.level_in);
    caps_push_free(&p);

    /* Exact lookups only: a minimum level stays on the client. */
    enum caps_param exact[] = {CAPS_LEVEL, CAPS_APP};
    c = caps_with(exact, 2);
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 1);
    assert_string_equal(p.keys[0], "app_name");
    assert_false(p.level_pushed);
    assert_true(p.apps_pushed);
    struct filter pf;
    caps_pushed_filter(&p, &f, &pf);
    assert_int_equal(pf.min_level, FILTER_LEVEL_NONE);
    assert_int_equal(pf.n_apps, 1);
    filter_free(&pf);
    caps_push_free(&p);
    /* Both spellings honoured: each checks the other. */
    enum caps_param both[] = {CAPS_LEVEL_GTE, CAPS_LEVEL_LTE, CAPS_APP, CAPS_APP_IN};
    c = caps_with(both, 4);
    caps_push_plan(&c, &f, &p);
    struct caps_twin tw;
    assert_true(caps_twin(&c, &p, 0, &tw));
    assert_string_equal(tw.twin_key, "level__lte");
    assert_string_equal(tw.twin_value, "39");
    free(tw.twin_value);
    assert_true(caps_twin(&c, &p, 1, &tw));
    assert_string_equal(tw.twin_key, "app_name__in");
    assert_false(tw.sum);
    assert_true(caps_twin_ok(&tw, 100, 7, 7));
    assert_false(caps_twin_ok(&tw, 100, 5, 7));
    free(tw.twin_value);
    caps_push_free(&p);

    /* level__in stands for the minimum, from it up to CAPS_LEVEL_IN_MAX. */
    enum caps_param in[] = {CAPS_LEVEL_IN, CAPS_APP_IN};
    c = caps_with(in, 2);
    filter_add_app(&f, "erp");
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 2);
    assert_string_equal(p.keys[0], "level__in");
    assert_true(strncmp(p.values[0], "40,41,42,", 9) == 0);
    assert_true(strstr(p.values[0], ",100") != NULL);
    assert_null(strstr(p.values[0], ",101"));
    assert_true(p.level_in);
    assert_string_equal(p.values[1], "wms,erp");
    /* Its twin counts the levels below the minimum: the two add up to all. */
    struct caps_twin t;
    assert_true(caps_twin(&c, &p, 0, &t));
    assert_string_equal(t.twin_key, "level__in");
    assert_true(strncmp(t.twin_value, "0,1,2,", 6) == 0);
    assert_non_null(strstr(t.twin_value, ",39"));
    assert_null(strstr(t.twin_value, ",40"));
    assert_true(t.sum);
    assert_true(caps_twin_ok(&t, 100, 30, 70));
    assert_true(caps_twin_ok(&t, 100, 31, 70));  /* the log grew meanwhile */
    assert_false(caps_twin_ok(&t, 100, 22, 70)); /* rows left out */
    free(t.twin_value);
    /* app_name__in's twin is app_name only for one app. */
    assert_false(caps_twin(&c, &p, 1, &t));
    caps_push_free(&p);

    /* Names the server would read otherwise stay on the client. */
    filter_clear_apps(&f);
    filter_add_app(&f, "a,b");
    filter_add_app(&f, "c");
    caps_push_plan(&c, &f, &p);
    assert_false(p.apps_pushed);
    caps_push_free(&p);
    filter_free(&f);
}

static struct log_page page_of(const int64_t *ids, const int *levels, size_t n)
{
    struct log_page p = {0};
    p.entries = xcalloc(n ? n : 1, sizeof *p.entries);
    p.n = n;
    p.count = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        p.entries[i].id = ids[i];
        p.entries[i].level = levels[i];
    }
    return p;
}

static void test_sample_catches_liars(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.min_level = 40;
    const int64_t ids[] = {10, 9, 8, 7, 6, 5};
    const int lv[] = {40, 20, 50, 10, 40, 40};
    struct log_page all = page_of(ids, lv, 6);
    const char *why = NULL;

    const int64_t ok_ids[] = {10, 8, 6};
    const int ok_lv[] = {40, 50, 40};
    struct log_page honest = page_of(ok_ids, ok_lv, 3);
    assert_true(caps_check_sample(&f, &all, &honest, false, &why));
    /* Not complete: 5 is older than the page's oldest, so it may follow. */
    assert_false(caps_check_sample(&f, &all, &honest, true, &why));

    const int64_t drop_ids[] = {10, 6};
    const int drop_lv[] = {40, 40};
    struct log_page dropped = page_of(drop_ids, drop_lv, 2);
    assert_false(caps_check_sample(&f, &all, &dropped, false, &why));
    assert_non_null(strstr(why, "left out"));

    const int64_t bad_ids[] = {10, 9, 8};
    const int bad_lv[] = {40, 20, 50};
    struct log_page wrong = page_of(bad_ids, bad_lv, 3);
    assert_false(caps_check_sample(&f, &all, &wrong, false, &why));
    assert_non_null(strstr(why, "does not match"));

    log_page_free(&all);
    log_page_free(&honest);
    log_page_free(&dropped);
    log_page_free(&wrong);
    filter_free(&f);
}

static const char *fake_env(const char *name)
{
    if (strcmp(name, "XDG_CACHE_HOME") == 0)
        return getenv("TEST_CAPS_DIR");
    return NULL;
}

static void test_cache_round_trip_and_expiry(void **state)
{
    (void)state;
    struct caps c = {0};
    c.v[CAPS_LEVEL_GTE] = CAPS_HONOURED;
    c.v[CAPS_APP] = CAPS_IGNORED;
    c.v[CAPS_SEARCH] = CAPS_LIAR;
    c.probed_at = 1700000000;

    char dir[] = "/tmp/omslog-test-caps-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("TEST_CAPS_DIR", dir, 1);
    char *path = caps_cache_path("https://oms.example.com:8443", fake_env);
    assert_non_null(path);
    assert_non_null(strstr(path, "/omslog/caps-https_oms.example.com_8443"));
    struct omslog_error err = {0};
    assert_int_equal(caps_save(path, &c, &err), OMSLOG_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char sub[64 + sizeof dir];
    snprintf(sub, sizeof sub, "%s/omslog", dir);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    struct caps back;
    assert_true(caps_load(path, &back));
    assert_memory_equal(back.v, c.v, sizeof c.v);
    assert_int_equal(back.probed_at, c.probed_at);
    assert_true(caps_fresh(&back, c.probed_at + CAPS_MAX_AGE_S - 1, CAPS_MAX_AGE_S));
    assert_false(caps_fresh(&back, c.probed_at + CAPS_MAX_AGE_S, CAPS_MAX_AGE_S));
    assert_false(caps_fresh(&back, c.probed_at - 3600, CAPS_MAX_AGE_S)); /* from the future */

    static const char *const bad[] = {
        "",
        "omslog-caps 2\nprobed_at 5\n",
        "omslog-caps 1\n",
        "omslog-caps 1\nprobed_at 5",
        "omslog-caps 1\nprobed_at 5\nlevel__gt honoured\n",
        "omslog-caps 1\nprobed_at 5\nlevel maybe\n",
        "omslog-caps 1\nprobed_at -5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(caps_parse(bad[i], strlen(bad[i]), &back));
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(path);
}

/* Exclusions, & patterns and time bounds run on the client only: nothing
 * of them is probed or pushed, and the pushed part keeps the names given. */
static void test_client_only_parts_never_pushed(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    filter_set_apps_csv(&f, "!wms");
    assert_int_equal(filter_add_pattern(&f, "timeout", false, false, NULL), OMSLOG_OK);
    f.has_created_min = true;
    enum caps_param want[CAPS_N_PARAMS];
    assert_int_equal(caps_wanted(&f, want), 0);
    enum caps_param all[] = {CAPS_LEVEL_GTE, CAPS_APP, CAPS_APP_IN, CAPS_SEARCH};
    struct caps c = caps_with(all, 4);
    struct caps_push p;
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 0);
    caps_push_free(&p);
    /* The names given minus one: only the names given go to the server. */
    filter_set_apps_csv(&f, "oms,payment,!wms");
    assert_int_equal(caps_wanted(&f, want), 1);
    assert_int_equal(want[0], CAPS_APP_IN);
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 1);
    assert_string_equal(p.values[0], "oms,payment");
    struct filter pf;
    caps_pushed_filter(&p, &f, &pf);
    assert_int_equal(pf.n_excluded, 0);
    assert_int_equal(pf.n_patterns, 0);
    assert_false(pf.has_created_min);
    filter_free(&pf);
    caps_push_free(&p);
    filter_free(&f);
}

static void test_names_configured_and_second_spelling(void **state)
{
    (void)state;
    struct caps c = {0};
    char *names[CAPS_N_PARAMS] = {0};
    names[CAPS_LEVEL_GTE] = "min_level";
    caps_use_names(&c, names);
    assert_string_equal(caps_param_name(&c, CAPS_LEVEL_GTE), "min_level");
    assert_string_equal(caps_param_name(&c, CAPS_APP), "app_name");
    assert_int_equal(caps_param_find("id__lt", 6), CAPS_ID_LT);
    assert_int_equal(caps_param_find("id__lt", 5), -1);

    /* The plan and the twin send the configured name. */
    c.v[CAPS_LEVEL_GTE] = CAPS_HONOURED;
    c.v[CAPS_LEVEL_LTE] = CAPS_HONOURED;
    struct filter f;
    filter_init(&f);
    f.min_level = 40;
    struct caps_push p;
    caps_push_plan(&c, &f, &p);
    assert_int_equal(p.n_used, 1);
    assert_string_equal(p.keys[0], "min_level");
    assert_string_equal(p.values[0], "40");
    caps_push_free(&p);
    filter_free(&f);

    /* The cache remembers the name a verdict is for; configuring another
     * name (or none) forgets the verdict. */
    struct buf b = {0};
    c.probed_at = 1700000000;
    caps_format(&c, &b);
    assert_non_null(strstr(b.data, "level__gte=min_level honoured\n"));
    struct caps back;
    assert_true(caps_parse(b.data, b.len, &back));
    buf_free(&b);
    assert_string_equal(caps_param_name(&back, CAPS_LEVEL_GTE), "min_level");
    caps_use_names(&back, names);
    assert_int_equal(back.v[CAPS_LEVEL_GTE], CAPS_HONOURED);
    names[CAPS_LEVEL_GTE] = "level_min";
    caps_use_names(&back, names);
    assert_int_equal(back.v[CAPS_LEVEL_GTE], CAPS_UNKNOWN);
    assert_string_equal(caps_param_name(&back, CAPS_LEVEL_GTE), "level_min");
    names[CAPS_LEVEL_GTE] = NULL;
    back.v[CAPS_LEVEL_GTE] = CAPS_HONOURED;
    caps_use_names(&back, names);
    assert_int_equal(back.v[CAPS_LEVEL_GTE], CAPS_UNKNOWN);
    assert_string_equal(caps_param_name(&back, CAPS_LEVEL_GTE), "level__gte");
    assert_int_equal(back.v[CAPS_LEVEL_LTE], CAPS_HONOURED); /* the others stay */

    /* created_date__gte is asked only after created_at__gte was ignored,
     * once, and never when a name is configured. */
    struct caps d = {0};
    caps_use_names(&d, NULL);
    assert_false(caps_try_alt(&d, CAPS_CREATED_GTE)); /* not probed yet */
    d.v[CAPS_CREATED_GTE] = CAPS_HONOURED;
    assert_false(caps_try_alt(&d, CAPS_CREATED_GTE));
    d.v[CAPS_CREATED_GTE] = CAPS_IGNORED;
    assert_true(caps_try_alt(&d, CAPS_CREATED_GTE));
    assert_int_equal(d.v[CAPS_CREATED_GTE], CAPS_UNKNOWN);
    assert_string_equal(caps_param_name(&d, CAPS_CREATED_GTE), "created_date__gte");
    d.v[CAPS_CREATED_GTE] = CAPS_IGNORED;
    assert_false(caps_try_alt(&d, CAPS_CREATED_GTE)); /* both ignored: done */
    d.v[CAPS_LEVEL_GTE] = CAPS_IGNORED;
    assert_false(caps_try_alt(&d, CAPS_LEVEL_GTE)); /* no second spelling */
    /* The probed spelling survives a reload without configuration. */
    d.v[CAPS_CREATED_GTE] = CAPS_HONOURED;
    d.probed_at = 1700000000;
    caps_format(&d, &b);
    assert_true(caps_parse(b.data, b.len, &back));
    buf_free(&b);
    caps_use_names(&back, NULL);
    assert_int_equal(back.v[CAPS_CREATED_GTE], CAPS_HONOURED);
    assert_string_equal(caps_param_name(&back, CAPS_CREATED_GTE), "created_date__gte");
    char *cfg[CAPS_N_PARAMS] = {0};
    cfg[CAPS_CREATED_LT] = "created__lt";
    struct caps e = {0};
    caps_use_names(&e, cfg);
    e.v[CAPS_CREATED_LT] = CAPS_IGNORED;
    assert_false(caps_try_alt(&e, CAPS_CREATED_LT)); /* configured: never swapped */

    static const char *const bad[] = {
        "omslog-caps 1\nprobed_at 5\nlevel__gte= honoured\n",
        "omslog-caps 1\nprobed_at 5\nlevel__gte=a&b honoured\n",
        "omslog-caps 1\nprobed_at 5\nnope=x honoured\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(caps_parse(bad[i], strlen(bad[i]), &back));
    assert_false(caps_name_valid(""));
    assert_false(caps_name_valid("a b"));
    assert_true(caps_name_valid("filter.level-min_2"));
}

/* The guess: unknown params the filter wants count as honoured, known
 * verdicts stand, and it says whether anything unproven is used. */
static void test_push_guess(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.min_level = 50;
    filter_add_app(&f, "wms");
    struct caps c = {0};
    struct caps_push p;
    /* A first session: nothing known, the best plan is guessed. */
    assert_true(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 2);
    assert_string_equal(p.keys[0], "level__gte");
    assert_string_equal(p.values[0], "50");
    assert_string_equal(p.keys[1], "app_name");
    assert_string_equal(p.values[1], "wms");
    assert_true(p.level_pushed && p.apps_pushed);
    assert_false(p.level_in);
    caps_push_free(&p);
    /* The verdicts in c are not changed by it. */
    for (int i = 0; i < CAPS_N_PARAMS; i++)
        assert_int_equal(c.v[i], CAPS_UNKNOWN);

    /* Everything proven: the same plan as caps_push_plan, and no guess. */
    enum caps_param all[] = {CAPS_LEVEL_GTE, CAPS_APP};
    c = caps_with(all, 2);
    assert_false(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 2);
    caps_push_free(&p);

    /* Known verdicts stand: an ignored level__gte is not guessed again, an
     * unknown level__in is (the caller waits for its completeness check);
     * a liar's app_name gives way to app_name__in. */
    c = (struct caps){0};
    c.v[CAPS_LEVEL_GTE] = CAPS_IGNORED;
    c.v[CAPS_APP] = CAPS_LIAR;
    assert_true(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 2);
    assert_string_equal(p.keys[0], "level__in");
    assert_true(p.level_in);
    assert_string_equal(p.keys[1], "app_name__in");
    caps_push_free(&p);

    /* Refused everywhere: nothing to push, nothing guessed. */
    for (int i = 0; i < CAPS_N_PARAMS; i++)
        c.v[i] = CAPS_REFUSED;
    assert_false(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 0);
    caps_push_free(&p);

    /* Half proven: a guess all the same (app_name not proven). */
    c = (struct caps){0};
    c.v[CAPS_LEVEL_GTE] = CAPS_HONOURED;
    assert_true(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 2);
    assert_int_equal(p.used[1], CAPS_APP);
    caps_push_free(&p);

    /* Configured names are what a guess sends too. */
    char *names[CAPS_N_PARAMS] = {0};
    names[CAPS_LEVEL_GTE] = "min_level";
    c = (struct caps){0};
    caps_use_names(&c, names);
    assert_true(caps_push_guess(&c, &f, &p));
    assert_string_equal(p.keys[0], "min_level");
    caps_push_free(&p);

    /* No level, no app: nothing to guess. */
    filter_free(&f);
    filter_init(&f);
    assert_false(caps_push_guess(&c, &f, &p));
    assert_int_equal(p.n_used, 0);
    caps_push_free(&p);
    filter_free(&f);
}

/* A time window's twins: the rows before --since and after --until, a
 * microsecond off each end, under the other parameter. */
static void test_window_twin(void **state)
{
    (void)state;
    enum caps_param both[] = {CAPS_CREATED_GTE, CAPS_CREATED_LTE};
    struct caps c = caps_with(both, 2);
    struct log_time since = {.sec = 1701511200, .usec = 0}; /* 2023-12-02T10:00:00Z */
    struct log_time until = {.sec = 1701511259, .usec = 999999};
    struct caps_window_twin t;
    assert_true(caps_window_twin(&c, &since, &until, &t));
    assert_int_equal(t.n, 2);
    assert_string_equal(t.key[0], "created_at__lte");
    assert_string_equal(t.value[0], "2023-12-02T09:59:59.999999Z");
    assert_string_equal(t.key[1], "created_at__gte");
    assert_string_equal(t.value[1], "2023-12-02T10:01:00.000000Z");
    int64_t counts[2] = {40, 50};
    assert_true(caps_window_twin_ok(&t, 100, 10, counts));
    assert_true(caps_window_twin_ok(&t, 100, 11, counts)); /* the log grew meanwhile */
    assert_false(caps_window_twin_ok(&t, 100, 7, counts)); /* rows left out */
    counts[1] = -1;
    assert_false(caps_window_twin_ok(&t, 100, 60, counts)); /* a count failed */
    assert_true(caps_window_twin(&c, &since, NULL, &t));
    assert_int_equal(t.n, 1);
    assert_int_equal(t.used[0], CAPS_CREATED_LTE);
    /* An end whose twin is not honoured cannot be checked. */
    c.v[CAPS_CREATED_GTE] = CAPS_IGNORED;
    assert_false(caps_window_twin(&c, NULL, &until, &t));
    assert_true(caps_window_twin(&c, &since, NULL, &t));
    c.v[CAPS_CREATED_LTE] = CAPS_LIAR;
    assert_false(caps_window_twin(&c, &since, NULL, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_push_plan),
        cmocka_unit_test(test_sample_catches_liars),
        cmocka_unit_test(test_cache_round_trip_and_expiry),
        cmocka_unit_test(test_client_only_parts_never_pushed),
        cmocka_unit_test(test_names_configured_and_second_spelling),
        cmocka_unit_test(test_push_guess),
        cmocka_unit_test(test_window_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
