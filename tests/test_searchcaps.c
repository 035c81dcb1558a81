/* test_searchcaps.c — search pushdown: which texts may go to the server,
 * the probe's token choice, the verdict drawn from an answer, the sample
 * check, and whole probe runs against a fake SearchFilter that searches a
 * chosen set of fields, with and without id__lte, with failures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/searchcaps.h"
#include "omslog/util.h"

static void mk(struct log_entry *e, int64_t id, const char *message, const char *logger,
               const char *app, const char *trace)
{
    memset(e, 0, sizeof *e);
    e->id = id;
    e->message = xstrdup(message);
    e->logger_name = xstrdup(logger);
    e->app_name = xstrdup(app);
    e->trace = xstrdup(trace);
    e->created_at = xstrdup("2026-12-05T10:00:00Z");
}

static void free_entries(struct log_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        log_entry_free(&e[i]);
}

static void test_text_rules(void **state)
{
    (void)state;
    assert_int_equal(searchcaps_text("timeout", true), SEARCHCAPS_TEXT_OK);
    assert_int_equal(searchcaps_text("  read time out, retry ", true), SEARCHCAPS_TEXT_OK);
    assert_int_equal(searchcaps_text("OS-2026-0001 %_", true), SEARCHCAPS_TEXT_OK);
    assert_int_equal(searchcaps_text("timeout", false), SEARCHCAPS_TEXT_REGEX);
    assert_int_equal(searchcaps_text("time.*out", false), SEARCHCAPS_TEXT_REGEX);
    assert_int_equal(searchcaps_text("\xc5\x9f"
                                     "eker",
                                     true),
                     SEARCHCAPS_TEXT_NOT_ASCII);
    assert_int_equal(searchcaps_text("Istanbul \xc4\xb0", true), SEARCHCAPS_TEXT_NOT_ASCII);
    assert_int_equal(searchcaps_text("a\tb", true), SEARCHCAPS_TEXT_NOT_ASCII);
    assert_int_equal(searchcaps_text("a\x7f", true), SEARCHCAPS_TEXT_NOT_ASCII);
    assert_int_equal(searchcaps_text("\"read timeout\"", true), SEARCHCAPS_TEXT_QUOTE);
    assert_int_equal(searchcaps_text("it's", true), SEARCHCAPS_TEXT_QUOTE);
    assert_int_equal(searchcaps_text("C:\\tmp", true), SEARCHCAPS_TEXT_QUOTE);
    assert_int_equal(searchcaps_text(" , ,", true), SEARCHCAPS_TEXT_NO_TERM);
    assert_int_equal(searchcaps_text("", true), SEARCHCAPS_TEXT_NO_TERM);
    assert_string_equal(searchcaps_text_why(SEARCHCAPS_TEXT_REGEX),
                        "a regular expression runs on the client only");
    assert_string_equal(searchcaps_field_name(SEARCHCAPS_LOGGER), "logger_name");
    assert_string_equal(searchcaps_field_name(SEARCHCAPS_TRACE), "trace");
}

static void test_choose_longest_own_word(void **state)
{
    (void)state;
    struct log_entry e[2];
    mk(&e[0], 90, "Order OS-2026-000123 allocated", "oms.orders.allocation", "order_service", "");
    mk(&e[1], 88, "x", "y", "z", "Traceback (most recent call last): KeyError");
    struct searchcaps_token t;
    assert_true(searchcaps_choose(e, 2, 5, SEARCHCAPS_MESSAGE, &t));
    assert_string_equal(t.text, "OS-2026-000123");
    assert_int_equal(t.id, 90);
    assert_int_equal(t.row, 5);
    assert_true(searchcaps_choose(e, 2, 5, SEARCHCAPS_LOGGER, &t));
    assert_string_equal(t.text, "oms.orders.allocation");
    assert_true(searchcaps_choose(e, 2, 5, SEARCHCAPS_APP, &t));
    assert_string_equal(t.text, "order_service");
    /* The first entry has no trace: the second one's longest word. */
    assert_true(searchcaps_choose(e, 2, 5, SEARCHCAPS_TRACE, &t));
    assert_string_equal(t.text, "Traceback");
    assert_int_equal(t.id, 88);
    assert_int_equal(t.row, 6);
    assert_false(searchcaps_choose(e, 1, 0, SEARCHCAPS_TRACE, &t));
    free_entries(e, 2);
}

static void test_choose_avoids_other_fields(void **state)
{
    (void)state;
    struct log_entry e[4];
    struct searchcaps_token t;
    /* In another field without regard to case: no token. */
    mk(&e[0], 9, "WMS timeout", "oms.x", "wms", "");
    assert_false(searchcaps_choose(e, 1, 0, SEARCHCAPS_APP, &t));
    /* The longest word is in the logger too: the next longest. */
    mk(&e[1], 8, "alpha betagamma", "omsBETAGAMMA.tasks", "app", "");
    assert_true(searchcaps_choose(&e[1], 1, 0, SEARCHCAPS_MESSAGE, &t));
    assert_string_equal(t.text, "alpha");
    /* A non-ASCII letter may fold to an ASCII one on the server (dotless i
     * upper-cases to I): "kit" could be found in "k\u0131t". */
    mk(&e[2], 7, "k\xc4\xb1t 12345 ab", "oms.y", "kit", "");
    assert_false(searchcaps_choose(&e[2], 1, 0, SEARCHCAPS_APP, &t));
    /* Too short or without a letter: not a token. */
    assert_false(searchcaps_choose(&e[2], 1, 0, SEARCHCAPS_MESSAGE, &t));
    /* A long run is cut to fit. */
    char long_word[80];
    memset(long_word, 'q', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    mk(&e[3], 6, long_word, "oms.z", "app", "");
    assert_true(searchcaps_choose(&e[3], 1, 0, SEARCHCAPS_MESSAGE, &t));
    assert_int_equal(strlen(t.text), SEARCHCAPS_TOKEN_MAX - 1);
    free_entries(e, 4);
}

/* A page of the given ids (newest first), count and next as said. */
static void ids_page(struct log_page *p, const int64_t *ids, size_t n, int64_t count, bool more)
{
    memset(p, 0, sizeof *p);
    p->entries = xcalloc(n + 1, sizeof *p->entries);
    for (size_t i = 0; i < n; i++)
        mk(&p->entries[i], ids[i], "m", "l", "a", "");
    p->n = n;
    p->count = count;
    p->next = more ? xstrdup("http://x/?page=2") : NULL;
}

static void test_answer_verdicts(void **state)
{
    (void)state;
    struct searchcaps_token t = {.id = 50, .row = 3};
    struct log_page p;
    const int64_t same[] = {50}, older[] = {44}, newer[] = {53};
    ids_page(&p, same, 1, 7, true);
    assert_int_equal(searchcaps_answer(&t, true, &p), CAPS_HONOURED);
    log_page_free(&p);
    ids_page(&p, older, 1, 2, true);
    assert_int_equal(searchcaps_answer(&t, true, &p), CAPS_IGNORED);
    log_page_free(&p);
    ids_page(&p, NULL, 0, 0, false);
    assert_int_equal(searchcaps_answer(&t, true, &p), CAPS_IGNORED);
    log_page_free(&p);
    ids_page(&p, newer, 1, 9, true); /* id__lte did not hold: nothing learnt */
    assert_int_equal(searchcaps_answer(&t, true, &p), CAPS_UNKNOWN);
    log_page_free(&p);
    ids_page(&p, NULL, 0, 4, false);
    assert_int_equal(searchcaps_answer(&t, true, &p), CAPS_UNKNOWN);
    log_page_free(&p);
    /* Without id__lte: E among the rows, or surely not there. */
    const int64_t with[] = {60, 55, 50, 41}, without[] = {60, 55, 41}, above[] = {60, 55, 52};
    ids_page(&p, with, 4, 30, true);
    assert_int_equal(searchcaps_answer(&t, false, &p), CAPS_HONOURED);
    log_page_free(&p);
    ids_page(&p, without, 3, 30, true);
    assert_int_equal(searchcaps_answer(&t, false, &p), CAPS_IGNORED);
    log_page_free(&p);
    ids_page(&p, above, 3, 3, false);
    assert_int_equal(searchcaps_answer(&t, false, &p), CAPS_IGNORED);
    log_page_free(&p);
    ids_page(&p, above, 3, 30, true);
    assert_int_equal(searchcaps_answer(&t, false, &p), CAPS_UNKNOWN);
    log_page_free(&p);
}

static void test_check_sample(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_int_equal(filter_set_search(&f, "foo bar", true, NULL), OMSLOG_OK);
    struct log_page all = {0}, got = {0};
    all.entries = xcalloc(5, sizeof *all.entries);
    mk(&all.entries[0], 10, "a foo bar", "l", "a", "");
    mk(&all.entries[1], 9, "nothing", "l", "a", "");
    mk(&all.entries[2], 8, "bar then foo", "l", "a", ""); /* the server's match, not ours */
    mk(&all.entries[3], 7, "x", "l", "a", "FOO BAR in the trace");
    mk(&all.entries[4], 3, "foo bar again", "l", "a", "");
    all.n = 5;
    all.count = 5;
    const char *why = NULL;
    /* A superset is fine. */
    const int64_t super[] = {10, 8, 7, 3};
    ids_page(&got, super, 4, 4, false);
    assert_true(searchcaps_check_sample(&f, &all, &got, &why));
    log_page_free(&got);
    /* A match missing from the last page: caught. */
    const int64_t missing[] = {10, 8, 3};
    ids_page(&got, missing, 3, 3, false);
    assert_false(searchcaps_check_sample(&f, &all, &got, &why));
    assert_non_null(why);
    log_page_free(&got);
    /* Not the last page: only rows down to its oldest count. */
    const int64_t first[] = {10, 8, 7};
    ids_page(&got, first, 3, 9, true);
    assert_true(searchcaps_check_sample(&f, &all, &got, &why));
    log_page_free(&got);
    const int64_t gap[] = {10, 8, 5};
    ids_page(&got, gap, 3, 9, true);
    assert_false(searchcaps_check_sample(&f, &all, &got, &why));
    log_page_free(&got);
    /* Nothing at all while the first page has matches; an empty page that
     * is not the last. */
    ids_page(&got, NULL, 0, 0, false);
    assert_false(searchcaps_check_sample(&f, &all, &got, &why));
    log_page_free(&got);
    ids_page(&got, NULL, 0, 5, true);
    assert_false(searchcaps_check_sample(&f, &all, &got, &why));
    log_page_free(&got);
    log_page_free(&all);
    filter_free(&f);
}

/* ---- whole probe runs against a fake SearchFilter ---- */

struct fake {
    struct log_entry *log; /* newest first */
    size_t n;
    long page_size;
    bool fields[SEARCHCAPS_N_FIELDS]; /* the server's search_fields */
    bool lte;                         /* id__lte honoured */
    int fail_probe;                   /* the probe requests fail (status) */
    long pages_asked;                 /* unfiltered pages */
    long probes;
    char last_search[SEARCHCAPS_TOKEN_MAX];
    long last_size;
};

static bool icontains(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && (hay[i + k] | 0x20) == (needle[k] | 0x20))
            k++;
        if (k == nn)
            return true;
    }
    return false;
}

static const char *fake_field(const struct log_entry *e, int f)
{
    const char *t[] = {e->message, e->logger_name, e->app_name, e->trace};
    return t[f];
}

static void fake_answer(struct fake *fk, const struct searchcaps_request *q, struct log_page *p,
                        struct omslog_error *err)
{
    memset(p, 0, sizeof *p);
    error_clear(err);
    const char *search = NULL;
    int64_t lte = INT64_MAX;
    for (size_t i = 0; i < q->n_params; i++) {
        if (strcmp(q->params[i].key, "search") == 0)
            search = q->params[i].value;
        else if (strcmp(q->params[i].key, "id__lte") == 0 && fk->lte)
            lte = strtoll(q->params[i].value, NULL, 10);
    }
    if (search) {
        fk->probes++;
        snprintf(fk->last_search, sizeof fk->last_search, "%s", search);
        fk->last_size = q->size;
        if (fk->fail_probe) {
            error_set(err, OMSLOG_ERR_SERVER, "HTTP %d", fk->fail_probe);
            return;
        }
    } else {
        fk->pages_asked++;
    }
    long size = q->size > 0 ? q->size : fk->page_size;
    struct log_entry *hit = xcalloc(fk->n + 1, sizeof *hit);
    size_t n = 0;
    for (size_t i = 0; i < fk->n; i++) {
        bool ok = fk->log[i].id <= lte;
        if (ok && search) {
            ok = false;
            for (int f = 0; f < SEARCHCAPS_N_FIELDS; f++)
                ok = ok || (fk->fields[f] && icontains(fake_field(&fk->log[i], f), search));
        }
        if (ok)
            hit[n++] = fk->log[i];
    }
    size_t from = (size_t)(q->page - 1) * (size_t)size;
    p->count = (int64_t)n;
    p->entries = xcalloc((size_t)size + 1, sizeof *p->entries);
    for (size_t i = from; i < n && i < from + (size_t)size; i++)
        log_entry_copy(&p->entries[p->n++], &hit[i]);
    p->next = from + (size_t)size < n ? xstrdup("next") : NULL;
    free(hit);
}

/* A log of n entries (ids 2n..2 by 2), the ones at trace_from and below with
 * a trace; messages, loggers and apps with words of their own. */
static void fake_init(struct fake *fk, size_t n, size_t trace_from)
{
    memset(fk, 0, sizeof *fk);
    fk->log = xcalloc(n, sizeof *fk->log);
    fk->n = n;
    fk->page_size = 10;
    fk->lte = true;
    for (int f = 0; f < SEARCHCAPS_N_FIELDS; f++)
        fk->fields[f] = true;
    for (size_t i = 0; i < n; i++) {
        char msg[64], logger[64], app[32], trace[64];
        snprintf(msg, sizeof msg, "sent parcel%zu today", i);
        snprintf(logger, sizeof logger, "oms.module%zu", i % 3);
        snprintf(app, sizeof app, "app_%zu", i % 2);
        snprintf(trace, sizeof trace, "Traceback frame%zu", i);
        mk(&fk->log[i], (int64_t)(2 * (n - i)), msg, logger, app, i >= trace_from ? trace : "");
    }
}

/* Run a probe to its end: page 1 given, the rest asked. */
static struct searchcaps_probe *fake_run(struct fake *fk, const enum caps_verdict *known)
{
    struct searchcaps_probe *s =
        searchcaps_probe_new(known, "search", fk->lte ? "id__lte" : NULL, fk->page_size);
    struct searchcaps_request q = {.page = 1, .size = fk->page_size};
    struct log_page p;
    struct omslog_error err;
    fake_answer(fk, &q, &p, &err);
    fk->pages_asked = 0; /* the caller's page 1, not the probe's */
    searchcaps_probe_sample(s, &p);
    log_page_free(&p);
    while (searchcaps_probe_next(s, &q)) {
        fake_answer(fk, &q, &p, &err);
        searchcaps_probe_feed(s, &p, &err);
        log_page_free(&p);
    }
    return s;
}

static void fake_free(struct fake *fk)
{
    free_entries(fk->log, fk->n);
    free(fk->log);
}

static void test_probe_all_fields(void **state)
{
    (void)state;
    struct fake fk;
    fake_init(&fk, 100, 4);
    for (int lte = 1; lte >= 0; lte--) {
        fk.lte = lte;
        fk.probes = fk.pages_asked = 0;
        struct searchcaps_probe *s = fake_run(&fk, NULL);
        enum searchcaps_field f;
        assert_null(searchcaps_probe_why(s, &f));
        const enum caps_verdict *v = searchcaps_probe_fields(s);
        for (int i = 0; i < SEARCHCAPS_N_FIELDS; i++)
            assert_int_equal(v[i], CAPS_HONOURED);
        assert_int_equal(fk.probes, SEARCHCAPS_N_FIELDS);
        assert_int_equal(fk.pages_asked, 0);
        assert_int_equal(searchcaps_probe_requests(s), SEARCHCAPS_N_FIELDS);
        /* The last probe is the message's: one row by id__lte, else a page
         * deep enough for the entry's row. */
        assert_string_equal(fk.last_search, "parcel0");
        assert_int_equal(fk.last_size, lte ? 1 : 1 + 10);
        searchcaps_probe_free(s);
    }
    fake_free(&fk);
}

static void test_probe_trace_not_searched(void **state)
{
    (void)state;
    struct fake fk;
    fake_init(&fk, 100, 0);
    fk.fields[SEARCHCAPS_TRACE] = false;
    for (int lte = 1; lte >= 0; lte--) {
        fk.lte = lte;
        fk.probes = 0;
        struct searchcaps_probe *s = fake_run(&fk, NULL);
        enum searchcaps_field f;
        assert_string_equal(searchcaps_probe_why(s, &f), "the server does not search");
        assert_int_equal(f, SEARCHCAPS_TRACE);
        assert_int_equal(searchcaps_probe_fields(s)[SEARCHCAPS_TRACE], CAPS_IGNORED);
        assert_int_equal(fk.probes, 1); /* trace first: one answer is enough */
        searchcaps_probe_free(s);
    }
    /* A field in the middle: found after the fields probed before it. */
    fk.fields[SEARCHCAPS_TRACE] = true;
    fk.fields[SEARCHCAPS_LOGGER] = false;
    fk.probes = 0;
    fk.lte = true;
    struct searchcaps_probe *s = fake_run(&fk, NULL);
    enum searchcaps_field f;
    assert_string_equal(searchcaps_probe_why(s, &f), "the server does not search");
    assert_int_equal(f, SEARCHCAPS_LOGGER);
    assert_int_equal(fk.probes, 3);
    searchcaps_probe_free(s);
    fake_free(&fk);
}

static void test_probe_more_sample_pages(void **state)
{
    (void)state;
    struct fake fk;
    /* Traces only from row 25 on: pages 2 and 3 are read for a token. */
    fake_init(&fk, 100, 25);
    fk.lte = false;
    struct searchcaps_probe *s = fake_run(&fk, NULL);
    enum searchcaps_field f;
    assert_null(searchcaps_probe_why(s, &f));
    assert_int_equal(fk.pages_asked, 2);
    assert_int_equal(searchcaps_probe_requests(s), 2 + SEARCHCAPS_N_FIELDS);
    searchcaps_probe_free(s);
    /* No trace within the sample pages: unknown, nothing probed. */
    fake_free(&fk);
    fake_init(&fk, 100, 60);
    s = fake_run(&fk, NULL);
    assert_string_equal(searchcaps_probe_why(s, &f),
                        "no entry of the first pages has a word of its own in");
    assert_int_equal(f, SEARCHCAPS_TRACE);
    assert_int_equal(fk.pages_asked, SEARCHCAPS_SAMPLE_PAGES - 1);
    assert_int_equal(fk.probes, 0);
    searchcaps_probe_free(s);
    fake_free(&fk);
    /* A short log without any trace: its one page is the whole sample. */
    fake_init(&fk, 7, 100);
    s = fake_run(&fk, NULL);
    assert_string_equal(searchcaps_probe_why(s, &f),
                        "no entry of the first pages has a word of its own in");
    assert_int_equal(fk.pages_asked, 0);
    searchcaps_probe_free(s);
    fake_free(&fk);
}

static void test_probe_failures_and_known(void **state)
{
    (void)state;
    struct fake fk;
    fake_init(&fk, 50, 0);
    fk.fail_probe = 503;
    struct searchcaps_probe *s = fake_run(&fk, NULL);
    enum searchcaps_field f;
    assert_string_equal(searchcaps_probe_why(s, &f), "cannot tell whether the server searches");
    assert_int_equal(f, SEARCHCAPS_TRACE);
    assert_int_equal(fk.probes, 1);
    searchcaps_probe_free(s);
    fk.fail_probe = 0;
    /* Known verdicts: only the unknown fields are probed, none when all
     * are known. */
    enum caps_verdict known[SEARCHCAPS_N_FIELDS] = {CAPS_HONOURED, CAPS_HONOURED, CAPS_HONOURED,
                                                    CAPS_UNKNOWN};
    fk.probes = 0;
    s = fake_run(&fk, known);
    assert_null(searchcaps_probe_why(s, &f));
    assert_int_equal(fk.probes, 1);
    searchcaps_probe_free(s);
    known[SEARCHCAPS_TRACE] = CAPS_HONOURED;
    fk.probes = 0;
    s = fake_run(&fk, known);
    assert_null(searchcaps_probe_why(s, &f));
    assert_int_equal(fk.probes, 0);
    searchcaps_probe_free(s);
    known[SEARCHCAPS_APP] = CAPS_IGNORED;
    s = fake_run(&fk, known);
    assert_string_equal(searchcaps_probe_why(s, &f), "the server does not search");
    assert_int_equal(f, SEARCHCAPS_APP);
    assert_int_equal(fk.probes, 0);
    searchcaps_probe_free(s);
    fake_free(&fk);
}

/* The verdicts per field are remembered with the others, and forgotten
 * with search's when its name changes. */
static void test_fields_remembered_in_caps(void **state)
{
    (void)state;
    struct caps c = {.probed_at = 1700000000};
    c.v[CAPS_SEARCH] = CAPS_HONOURED;
    c.search_field[SEARCHCAPS_MESSAGE] = CAPS_HONOURED;
    c.search_field[SEARCHCAPS_TRACE] = CAPS_IGNORED;
    struct buf b = {0};
    caps_format(&c, &b);
    assert_non_null(strstr(buf_str(&b), "\nsearch.message honoured\n"));
    assert_non_null(strstr(buf_str(&b), "\nsearch.trace ignored\n"));
    assert_null(strstr(buf_str(&b), "search.app_name"));
    struct caps back;
    assert_true(caps_parse(b.data, b.len, &back));
    assert_int_equal(back.search_field[SEARCHCAPS_MESSAGE], CAPS_HONOURED);
    assert_int_equal(back.search_field[SEARCHCAPS_LOGGER], CAPS_UNKNOWN);
    assert_int_equal(back.search_field[SEARCHCAPS_TRACE], CAPS_IGNORED);
    caps_use_names(&back, NULL); /* the same names: kept */
    assert_int_equal(back.search_field[SEARCHCAPS_TRACE], CAPS_IGNORED);
    char *names[CAPS_N_PARAMS] = {0};
    names[CAPS_SEARCH] = "q";
    caps_use_names(&back, names);
    assert_int_equal(back.v[CAPS_SEARCH], CAPS_UNKNOWN);
    assert_int_equal(back.search_field[SEARCHCAPS_MESSAGE], CAPS_UNKNOWN);
    assert_int_equal(back.search_field[SEARCHCAPS_TRACE], CAPS_UNKNOWN);
    const char *bad[] = {"omslog-caps 1\nprobed_at 5\nsearch.id honoured\n",
                         "omslog-caps 1\nprobed_at 5\nsearch.trace maybe\n",
                         "omslog-caps 1\nprobed_at 5\nsearch. honoured\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(caps_parse(bad[i], strlen(bad[i]), &back));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_choose_longest_own_word),
        cmocka_unit_test(test_choose_avoids_other_fields),
        cmocka_unit_test(test_answer_verdicts),
        cmocka_unit_test(test_check_sample),
        cmocka_unit_test(test_probe_all_fields),
        cmocka_unit_test(test_probe_trace_not_searched),
        cmocka_unit_test(test_probe_more_sample_pages),
        cmocka_unit_test(test_probe_failures_and_known),
        cmocka_unit_test(test_fields_remembered_in_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
