/* test_filter.c — levels, apps, search, copy and description of filters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/filter.h"
#include "omslog/level.h"

#include "test_support.h"

/* Only the level, app, logger, message and trace matter to a filter. */
static struct log_entry make_entry(int level, char *app, char *logger, char *message, char *trace)
{
    return test_entry(1, level, app, logger, message, trace);
}

static char *describe(const struct filter *f)
{
    struct buf b;
    buf_init(&b);
    filter_describe(f, &b);
    return buf_steal(&b);
}

static void assert_describe(const struct filter *f, const char *want)
{
    char *got = describe(f);
    assert_string_equal(got, want);
    free(got);
}

static int setup_locale(void **state)
{
    (void)state;
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void test_empty_filter_matches_everything(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_false(filter_is_active(&f));
    struct log_entry e = make_entry(LEVEL_DEBUG, "web", "oms.x", "hello", "");
    assert_true(filter_match(&f, &e));
    e.level = -5;
    assert_true(filter_match(&f, &e));
    assert_false(filter_search_match(&f, "hello", NULL, NULL));
    assert_describe(&f, "");
    filter_free(&f);
    /* filter_free leaves a reusable, empty filter; freeing twice is harmless. */
    assert_false(filter_is_active(&f));
    filter_free(&f);
}

static void test_min_level(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.min_level = LEVEL_WARNING;
    assert_true(filter_is_active(&f));
    struct log_entry e = make_entry(LEVEL_INFO, "web", "l", "m", "");
    assert_false(filter_match(&f, &e));
    e.level = 29;
    assert_false(filter_match(&f, &e));
    e.level = LEVEL_WARNING;
    assert_true(filter_match(&f, &e));
    e.level = 45;
    assert_true(filter_match(&f, &e));
    e.level = LEVEL_CRITICAL;
    assert_true(filter_match(&f, &e));
    assert_describe(&f, "level>=WARNING");
    f.min_level = LEVEL_ERROR;
    assert_describe(&f, "level>=ERROR");
    f.min_level = 25;
    assert_describe(&f, "level>=25");
    f.min_level = LEVEL_NOTSET;
    assert_describe(&f, "level>=NOTSET");
    filter_free(&f);
}

static void test_exact_level(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.exact_level = LEVEL_WARNING;
    struct log_entry e = make_entry(LEVEL_WARNING, "web", "l", "m", "");
    assert_true(filter_match(&f, &e));
    e.level = LEVEL_ERROR;
    assert_false(filter_match(&f, &e));
    e.level = 35;
    assert_false(filter_match(&f, &e));
    assert_describe(&f, "level=WARNING");
    f.exact_level = 35;
    e.level = 35;
    assert_true(filter_match(&f, &e));
    assert_describe(&f, "level=35");
    filter_free(&f);
}

static void test_apps(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    filter_add_app(&f, "web");
    filter_add_app(&f, "erp");
    filter_add_app(&f, "web"); /* duplicate ignored */
    assert_int_equal(f.n_apps, 2);
    assert_true(filter_is_active(&f));
    struct log_entry e = make_entry(LEVEL_INFO, "web", "l", "m", "");
    assert_true(filter_match(&f, &e));
    e.app_name = "erp";
    assert_true(filter_match(&f, &e));
    e.app_name = "webshop"; /* exact match only, no prefix */
    assert_false(filter_match(&f, &e));
    e.app_name = "WEB"; /* case-sensitive */
    assert_false(filter_match(&f, &e));
    e.app_name = NULL;
    assert_false(filter_match(&f, &e));
    assert_describe(&f, "app=web,erp");
    filter_clear_apps(&f);
    assert_int_equal(f.n_apps, 0);
    assert_null(f.apps);
    assert_false(filter_is_active(&f));
    e.app_name = "anything";
    assert_true(filter_match(&f, &e));
    filter_free(&f);
}

static void test_apps_csv(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    filter_add_app(&f, "old");
    filter_set_apps_csv(&f, " web ,, erp,\tstock service , ,");
    assert_int_equal(f.n_apps, 3);
    assert_string_equal(f.apps[0], "web");
    assert_string_equal(f.apps[1], "erp");
    assert_string_equal(f.apps[2], "stock service");
    assert_describe(&f, "app=web,erp,stock service");
    filter_set_apps_csv(&f, "single");
    assert_int_equal(f.n_apps, 1);
    assert_string_equal(f.apps[0], "single");
    filter_set_apps_csv(&f, " , ,");
    assert_int_equal(f.n_apps, 0);
    filter_set_apps_csv(&f, "a");
    filter_set_apps_csv(&f, "");
    assert_int_equal(f.n_apps, 0);
    filter_set_apps_csv(&f, "a");
    filter_set_apps_csv(&f, NULL);
    assert_int_equal(f.n_apps, 0);
    filter_set_apps_csv(&f, "Sipariş,注文");
    assert_int_equal(f.n_apps, 2);
    assert_string_equal(f.apps[1], "注文");
    filter_free(&f);
}

static void test_search_regex(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    struct omslog_error err;
    error_clear(&err);
    assert_int_equal(filter_set_search(&f, "time(out|d out)", false, &err), OMSLOG_OK);
    assert_true(filter_is_active(&f));
    assert_string_equal(f.search, "time(out|d out)");
    size_t start = 99, len = 99;
    assert_true(filter_search_match(&f, "gateway TIMED OUT after 30s", &start, &len));
    assert_int_equal(start, 8);
    assert_int_equal(len, 9);
    assert_true(filter_search_match(&f, "Timeout", NULL, NULL));
    assert_false(filter_search_match(&f, "time is out", NULL, NULL));
    assert_false(filter_search_match(&f, NULL, NULL, NULL));
    /* Invalid UTF-8 in the text neither crashes nor hides a later match. */
    assert_true(filter_search_match(&f, "\xff\xfe\xc0 timeout", &start, &len));
    assert_int_equal(start, 4);
    assert_int_equal(len, 7);
    assert_describe(&f, "/time(out|d out)/");
    filter_free(&f);
}

static void test_search_fields(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_int_equal(filter_set_search(&f, "needle", false, NULL), OMSLOG_OK);
    struct log_entry e = make_entry(LEVEL_INFO, "web", "oms.orders", "nothing", "");
    assert_false(filter_match(&f, &e));
    e.message = "a NEEDLE here";
    assert_true(filter_match(&f, &e));
    e.message = "nothing";
    e.logger_name = "oms.needle";
    assert_true(filter_match(&f, &e));
    e.logger_name = "oms.orders";
    e.app_name = "needle-app";
    assert_true(filter_match(&f, &e));
    e.app_name = "web";
    e.trace = "Traceback (most recent call last):\n  File \"x.py\"\nNeedleError: x";
    assert_true(filter_match(&f, &e));
    /* Not searched: created_at. */
    e.trace = "";
    e.created_at = "needle";
    assert_false(filter_match(&f, &e));
    /* NULL fields of a hand-built entry are skipped, not dereferenced. */
    e.trace = NULL;
    e.message = NULL;
    assert_false(filter_match(&f, &e));
    filter_free(&f);
}

static void test_search_literal(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    /* Every ERE metacharacter must match itself. */
    const char *pat = "a.b*c+(d)[e]{2}|f?^g$\\h";
    assert_int_equal(filter_set_search(&f, pat, true, NULL), OMSLOG_OK);
    assert_true(f.search_literal);
    assert_string_equal(f.search, pat);
    size_t start, len;
    assert_true(filter_search_match(&f, "xx A.B*C+(D)[E]{2}|F?^G$\\H yy", &start, &len));
    assert_int_equal(start, 3);
    assert_int_equal(len, strlen(pat));
    assert_false(filter_search_match(&f, "axbbbcd", NULL, NULL));
    assert_describe(&f, "\"a.b*c+(d)[e]{2}|f?^g$\\h\"");
    /* "(" is a bad regex but a fine literal. */
    assert_int_equal(filter_set_search(&f, "(", true, NULL), OMSLOG_OK);
    assert_true(filter_search_match(&f, "f(x)", &start, NULL));
    assert_int_equal(start, 1);
    /* The same text as a regex is different: '.' matches any character. */
    assert_int_equal(filter_set_search(&f, "a.b", false, NULL), OMSLOG_OK);
    assert_false(f.search_literal);
    assert_true(filter_search_match(&f, "axb", NULL, NULL));
    filter_free(&f);
}

static void test_search_utf8_case(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    /* Non-ASCII case folding comes from glibc's regex in the UTF-8 locale:
     * Ş/ş and Ç/ç fold. (Turkish dotted İ does not fold to i there, because
     * glibc maps i to I; that is a documented limitation, not tested.) */
    assert_int_equal(filter_set_search(&f, "ŞEKER ÇAY", true, NULL), OMSLOG_OK);
    size_t start, len;
    assert_true(filter_search_match(&f, "stok: şeker çay yok", &start, &len));
    assert_int_equal(start, 6);
    assert_int_equal(len, strlen("şeker çay"));
    assert_int_equal(filter_set_search(&f, "注文", false, NULL), OMSLOG_OK);
    assert_true(filter_search_match(&f, "新しい注文です", &start, &len));
    assert_int_equal(start, strlen("新しい"));
    assert_int_equal(len, strlen("注文"));
    filter_free(&f);
}

static void test_bad_regex_keeps_previous(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    struct omslog_error err;
    error_clear(&err);
    assert_int_equal(filter_set_search(&f, "ok", false, &err), OMSLOG_OK);
    assert_int_equal(filter_set_search(&f, "(", false, &err), OMSLOG_ERR_USAGE);
    assert_int_equal(err.status, OMSLOG_ERR_USAGE);
    /* The message carries regerror's own text for this pattern. */
    regex_t re;
    int rc = regcomp(&re, "(", REG_EXTENDED | REG_ICASE);
    assert_int_not_equal(rc, 0);
    char why[128], want[256];
    regerror(rc, &re, why, sizeof why);
    snprintf(want, sizeof want, "invalid search pattern \"(\": %s", why);
    assert_string_equal(err.msg, want);
    /* The previous search is untouched and still works. */
    assert_string_equal(f.search, "ok");
    assert_true(f.has_regex);
    assert_true(filter_search_match(&f, "OK", NULL, NULL));
    /* A NULL err is allowed. */
    assert_int_equal(filter_set_search(&f, "[a-", false, NULL), OMSLOG_ERR_USAGE);
    assert_string_equal(f.search, "ok");
    /* Control characters in a bad pattern are not echoed raw. */
    assert_int_equal(filter_set_search(&f, "\x1b[(", false, &err), OMSLOG_ERR_USAGE);
    assert_null(strchr(err.msg, 0x1b));
    assert_non_null(strstr(err.msg, "\\e[("));
    filter_free(&f);
}

static void test_clear_search(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_int_equal(filter_set_search(&f, "x", false, NULL), OMSLOG_OK);
    assert_int_equal(filter_set_search(&f, "", false, NULL), OMSLOG_OK);
    assert_null(f.search);
    assert_false(f.has_regex);
    assert_false(filter_is_active(&f));
    assert_int_equal(filter_set_search(&f, "x", true, NULL), OMSLOG_OK);
    assert_int_equal(filter_set_search(&f, NULL, false, NULL), OMSLOG_OK);
    assert_null(f.search);
    assert_false(filter_search_match(&f, "x", NULL, NULL));
    filter_free(&f);
}

static void test_combination(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    f.min_level = LEVEL_ERROR;
    filter_set_apps_csv(&f, "web,erp");
    assert_int_equal(filter_set_search(&f, "timeout", false, NULL), OMSLOG_OK);
    assert_describe(&f, "level>=ERROR app=web,erp /timeout/");
    struct log_entry e = make_entry(LEVEL_ERROR, "erp", "l", "DB Timeout", "");
    assert_true(filter_match(&f, &e));
    e.level = LEVEL_WARNING; /* fails the level only */
    assert_false(filter_match(&f, &e));
    e.level = LEVEL_CRITICAL;
    e.app_name = "stock"; /* fails the app only */
    assert_false(filter_match(&f, &e));
    e.app_name = "web";
    e.message = "disk full"; /* fails the search only */
    assert_false(filter_match(&f, &e));
    f.exact_level = LEVEL_CRITICAL;
    assert_describe(&f, "level>=ERROR level=CRITICAL app=web,erp /timeout/");
    filter_free(&f);
    /* Without a level, the description starts with the next part. */
    filter_init(&f);
    filter_add_app(&f, "web");
    assert_int_equal(filter_set_search(&f, "x", false, NULL), OMSLOG_OK);
    assert_describe(&f, "app=web /x/");
    filter_free(&f);
}

static void test_describe_appends_and_sanitises(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    filter_add_app(&f, "we\x1b]0;x\x07"
                       "b");
    assert_int_equal(filter_set_search(&f, "a\nb", true, NULL), OMSLOG_OK);
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "filters: ");
    filter_describe(&f, &b);
    assert_string_equal(buf_str(&b), "filters: app=we\\e]0;x\\x07b \"a b\"");
    buf_free(&b);
    filter_free(&f);
}

static void test_copy_is_independent(void **state)
{
    (void)state;
    struct filter a, b;
    filter_init(&a);
    a.min_level = LEVEL_WARNING;
    a.exact_level = 35;
    filter_set_apps_csv(&a, "web,erp");
    assert_int_equal(filter_set_search(&a, "a.c", true, NULL), OMSLOG_OK);
    filter_copy(&b, &a);
    char *da = describe(&a);
    filter_free(&a); /* b must not share anything with a */
    assert_false(filter_is_active(&a));
    assert_describe(&b, da);
    free(da);
    assert_int_equal(b.min_level, LEVEL_WARNING);
    assert_int_equal(b.exact_level, 35);
    assert_int_equal(b.n_apps, 2);
    assert_string_equal(b.apps[1], "erp");
    assert_true(b.search_literal);
    /* The copied regex works, and is still a literal. */
    assert_true(filter_search_match(&b, "xA.Cx", NULL, NULL));
    assert_false(filter_search_match(&b, "abc", NULL, NULL));
    filter_free(&b);

    /* Copy of an empty filter, then change the copy only. */
    filter_init(&a);
    filter_copy(&b, &a);
    filter_add_app(&b, "web");
    assert_int_equal(filter_set_search(&b, "x", false, NULL), OMSLOG_OK);
    assert_int_equal(a.n_apps, 0);
    assert_null(a.search);
    filter_free(&a);
    filter_free(&b);
}

static void test_app_exclusions(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    struct log_entry oms = make_entry(LEVEL_INFO, "oms", "l", "m", "");
    struct log_entry wms = make_entry(LEVEL_INFO, "wms", "l", "m", "");
    struct log_entry pay = make_entry(LEVEL_INFO, "payment", "l", "m", "");
    struct log_entry none = make_entry(LEVEL_INFO, NULL, "l", "m", "");
    /* "!wms": every app but wms. */
    filter_set_apps_csv(&f, "!wms");
    assert_true(filter_is_active(&f));
    assert_int_equal(f.n_apps, 0);
    assert_int_equal(f.n_excluded, 1);
    assert_true(filter_match(&f, &oms));
    assert_true(filter_match(&f, &pay));
    assert_false(filter_match(&f, &wms));
    assert_false(filter_match(&f, &none));
    assert_describe(&f, "app=!wms");
    /* The names given minus the excluded; "! x" with a blank excludes too. */
    filter_set_apps_csv(&f, " oms , payment,! wms");
    assert_int_equal(f.n_apps, 2);
    assert_int_equal(f.n_excluded, 1);
    assert_true(filter_match(&f, &oms));
    assert_true(filter_match(&f, &pay));
    assert_false(filter_match(&f, &wms));
    assert_describe(&f, "app=oms,payment,!wms");
    /* Excluding one of the names given wins. */
    filter_set_apps_csv(&f, "oms,!oms");
    assert_false(filter_match(&f, &oms));
    /* filter_add_app_item (list --app '!wms') and clearing. */
    filter_clear_apps(&f);
    assert_false(filter_is_active(&f));
    filter_add_app_item(&f, "!wms");
    filter_add_app_item(&f, "!wms");
    assert_int_equal(f.n_excluded, 1);
    assert_false(filter_match(&f, &wms));
    struct filter c;
    filter_copy(&c, &f);
    filter_free(&f);
    assert_false(filter_match(&c, &wms));
    assert_true(filter_match(&c, &oms));
    filter_free(&c);
}

static void test_patterns(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    struct log_entry t1 = make_entry(LEVEL_ERROR, "oms", "oms.order", "Timeout on order 7", "");
    struct log_entry t2 = make_entry(LEVEL_INFO, "wms", "wms.ship", "shipped", "Timeout in trace");
    struct log_entry ok = make_entry(LEVEL_INFO, "oms", "oms.order", "order 7 ok", "");
    assert_int_equal(filter_add_pattern(&f, "time?out", false, false, NULL), OMSLOG_OK);
    assert_true(filter_is_active(&f));
    assert_true(filter_match(&f, &t1));
    assert_true(filter_match(&f, &t2)); /* the trace counts, as for / */
    assert_false(filter_match(&f, &ok));
    /* A second pattern composes (AND); a negated one hides. */
    assert_int_equal(filter_add_pattern(&f, "^shipped$", false, true, NULL), OMSLOG_OK);
    assert_true(filter_match(&f, &t1));
    assert_false(filter_match(&f, &t2));
    assert_describe(&f, "&/time?out/ &!/^shipped$/");
    /* With levels, apps and a search: all of them must hold. */
    f.min_level = LEVEL_WARNING;
    filter_set_apps_csv(&f, "!wms");
    assert_true(filter_match(&f, &t1));
    t1.level = LEVEL_INFO;
    assert_false(filter_match(&f, &t1));
    t1.level = LEVEL_ERROR;
    assert_int_equal(filter_set_search(&f, "order", false, NULL), OMSLOG_OK);
    assert_true(filter_match(&f, &t1));
    assert_int_equal(filter_set_search(&f, "nothing", false, NULL), OMSLOG_OK);
    assert_false(filter_match(&f, &t1));
    assert_describe(&f, "level>=WARNING app=!wms &/time?out/ &!/^shipped$/ /nothing/");
    /* The view copy leaves the search out, keeps the patterns. */
    struct filter v;
    filter_copy_view(&v, &f);
    assert_null(v.search);
    assert_int_equal(v.n_patterns, 2);
    assert_true(filter_match(&v, &t1));
    assert_false(filter_match(&v, &t2));
    filter_free(&v);
    /* A bad pattern changes nothing and says why; an empty one is refused. */
    struct omslog_error err = {0};
    assert_int_equal(filter_add_pattern(&f, "(", false, false, &err), OMSLOG_ERR_USAGE);
    assert_non_null(strstr(err.msg, "invalid & pattern \"(\""));
    assert_int_equal(filter_add_pattern(&f, "", false, true, &err), OMSLOG_ERR_USAGE);
    assert_int_equal(filter_add_pattern(&f, NULL, false, false, NULL), OMSLOG_ERR_USAGE);
    assert_int_equal(f.n_patterns, 2);
    filter_clear_patterns(&f);
    assert_int_equal(f.n_patterns, 0);
    filter_free(&f);
    /* Literal patterns: dots are dots, and the description quotes them. */
    filter_init(&f);
    assert_int_equal(filter_add_pattern(&f, "!a.c", true, false, NULL), OMSLOG_OK);
    /* Not negated: the '!' is part of the text. */
    struct log_entry lit = make_entry(LEVEL_INFO, "x", "y", "x!A.Cx", "");
    struct log_entry abc = make_entry(LEVEL_INFO, "x", "y", "abc", "");
    assert_true(filter_match(&f, &lit));
    assert_false(filter_match(&f, &abc));
    assert_describe(&f, "&\"!a.c\"");
    filter_free(&f);
}

static void test_created_range(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    struct log_entry e = make_entry(LEVEL_INFO, "x", "y", "m", "");
    f.has_created_min = true;
    f.created_min = e.created;
    assert_true(filter_is_active(&f));
    assert_true(filter_match(&f, &e)); /* inclusive */
    f.created_min.usec++;
    assert_false(filter_match(&f, &e));
    f.created_min = (struct log_time){TEST_ENTRY_SEC - 1, 0};
    f.has_created_max = true;
    f.created_max = (struct log_time){TEST_ENTRY_SEC, 0};
    assert_false(filter_match(&f, &e)); /* 6 us too late */
    f.created_max.sec++;
    assert_true(filter_match(&f, &e));
    assert_describe(&f, "created>=2026-01-02 03:04:04Z created<=2026-01-02 03:04:06Z");
    filter_free(&f);
}

static void test_edit_distance_ranking(void **state)
{
    (void)state;
    assert_int_equal(filter_edit_distance("", ""), 0);
    assert_int_equal(filter_edit_distance("wsm", "wms"), 2);
    assert_int_equal(filter_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(filter_edit_distance("oms", ""), 3);
    const char *names[] = {"oms", "payment", "wms", "oms-worker"};
    filter_rank_names("wsm", names, 4);
    assert_string_equal(names[0], "wms"); /* 2 */
    assert_string_equal(names[1], "oms"); /* 3, before the longer ones */
    assert_string_equal(names[2], "payment");
    assert_string_equal(names[3], "oms-worker");

    struct filter f;
    filter_init(&f);
    const char *known[] = {"oms", "wms", "payment"};
    filter_set_apps_csv(&f, "oms,!wms");
    assert_null(filter_unknown_app(&f, known, 3));
    filter_set_apps_csv(&f, "oms,!wsm");
    assert_string_equal(filter_unknown_app(&f, known, 3), "wsm");
    filter_set_apps_csv(&f, "omz");
    assert_string_equal(filter_unknown_app(&f, known, 3), "omz");
    /* Nothing seen yet: nothing to compare with. */
    assert_null(filter_unknown_app(&f, known, 0));
    filter_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_filter_matches_everything),
        cmocka_unit_test(test_min_level),
        cmocka_unit_test(test_exact_level),
        cmocka_unit_test(test_apps),
        cmocka_unit_test(test_apps_csv),
        cmocka_unit_test(test_search_regex),
        cmocka_unit_test(test_search_fields),
        cmocka_unit_test(test_search_literal),
        cmocka_unit_test(test_search_utf8_case),
        cmocka_unit_test(test_bad_regex_keeps_previous),
        cmocka_unit_test(test_clear_search),
        cmocka_unit_test(test_combination),
        cmocka_unit_test(test_describe_appends_and_sanitises),
        cmocka_unit_test(test_copy_is_independent),
        cmocka_unit_test(test_app_exclusions),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_created_range),
        cmocka_unit_test(test_edit_distance_ranking),
    };
    return cmocka_run_group_tests(tests, setup_locale, NULL);
}
