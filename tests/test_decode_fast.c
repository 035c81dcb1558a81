/* test_decode_fast.c — the one-pass fast path: it takes the pages servers
 * send, gives exactly what the full decoder gives, and hands everything else
 * (malformed or merely unusual) back to the full decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/decode.h"
#include "omslog/decode_fast.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/util.h"

#define FIXTURE_PAGE "tests/fixtures/decode_page.json"
#define CORPUS_DIR "tests/fuzz/corpus/decode_fast"
#define PATH_MAX_LEN 512
#define MUTATION_ROUNDS 5000
#define MUTATIONS_PER_ROUND 2
/* Seed files the fast path must take (a typical page and DRF's own shape). */
#define CORPUS_TAKEN_MIN 2

#define ENTRY_OK                                                                                  \
    "{\"id\":1234,\"level\":40,\"logger_name\":\"oms.x\",\"message\":\"boom\","                   \
    "\"app_name\":\"orders\",\"trace\":\"\",\"created_at\":\"2026-11-26T10:15:30.123456Z\"}"
#define PAGE_HEAD "{\"count\":2,\"next\":null,\"previous\":null,\"results\":"
#define PAGE_OF(e) PAGE_HEAD "[" e "]}"
/* An entry with one extra member `m` first (to vary what must be skipped). */
#define ENTRY_WITH(m)                                                                             \
    "{" m ",\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\",\"app_name\":\"a\","    \
    "\"created_at\":\"2026-11-26T10:15:30Z\"}"

/* ------------------------------------------------------------------------ */
/* Helpers */

/* An exact-size copy without a terminator, so reading past len is an ASan
 * report. */
static char *exact_copy(const char *s, size_t len)
{
    char *c = xmalloc(len ? len : 1);
    memcpy(c, s, len);
    return c;
}

static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_entry(const struct log_entry *a, const struct log_entry *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->level, b->level);
    assert_same_string(a->logger_name, b->logger_name);
    assert_same_string(a->message, b->message);
    assert_same_string(a->app_name, b->app_name);
    assert_same_string(a->trace, b->trace);
    assert_same_string(a->created_at, b->created_at);
    assert_int_equal(a->created.sec, b->created.sec);
    assert_int_equal(a->created.usec, b->created.usec);
    assert_same_string(a->raw_json, b->raw_json);
}

static void assert_same_page(const struct log_page *a, const struct log_page *b)
{
    assert_int_equal(a->count, b->count);
    assert_same_string(a->next, b->next);
    assert_same_string(a->previous, b->previous);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        assert_same_entry(&a->entries[i], &b->entries[i]);
}

/* The fast path takes body and agrees with the full decoder; the page is
 * returned for further checks (the caller frees it). */
static struct log_page taken_page(const char *body, size_t len)
{
    char *copy = exact_copy(body, len);
    struct log_page fast, full;
    struct omslog_error err = {0};
    assert_int_equal(decode_fast_page(copy, len, &fast), 0);
    assert_int_equal(decode_page_full(copy, len, &full, &err), 0);
    assert_same_page(&fast, &full);
    log_page_free(&full);
    free(copy);
    return fast;
}

static void assert_taken(const char *body)
{
    struct log_page p = taken_page(body, strlen(body));
    log_page_free(&p);
}

static int page_is_zero(const struct log_page *p)
{
    return p->count == 0 && !p->next && !p->previous && !p->entries && p->n == 0;
}

/* The fast path refuses body (leaving the page zeroed); decode_page then
 * gives exactly what the full decoder gives: full_ok tells which. */
static void assert_left_to_full(const char *body, size_t len, int full_ok)
{
    char *copy = exact_copy(body, len);
    struct log_page fast, viapage, full;
    struct omslog_error e1 = {0}, e2 = {0};
    assert_int_equal(decode_fast_page(copy, len, &fast), -1);
    assert_true(page_is_zero(&fast));
    int rc = decode_page(copy, len, &viapage, &e1);
    assert_int_equal(rc, decode_page_full(copy, len, &full, &e2));
    if (full_ok) {
        assert_int_equal(rc, 0);
        assert_same_page(&viapage, &full);
    } else {
        assert_int_equal(rc, OMSLOG_ERR_PROTOCOL);
        assert_string_equal(e1.msg, e2.msg);
        assert_true(e1.msg[0] != '\0');
    }
    log_page_free(&viapage);
    log_page_free(&full);
    free(copy);
}

static void assert_valid_left(const char *body)
{
    assert_left_to_full(body, strlen(body), 1);
}

static void assert_invalid_left(const char *body)
{
    assert_left_to_full(body, strlen(body), 0);
}

/* ------------------------------------------------------------------------ */
/* What the fast path takes */

static void test_fixture_page_taken(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    struct log_page p = taken_page(body, len);
    assert_int_equal(p.count, 1234);
    assert_true(p.n >= 1);
    /* The fixture is pretty-printed: raw_json is compacted to one line. */
    assert_null(strchr(p.entries[0].raw_json, '\n'));
    assert_non_null(strstr(p.entries[0].raw_json, "\"id\":98765"));
    log_page_free(&p);
    free(body);
}

static void test_escapes_decoded(void **state)
{
    (void)state;
    static const char body[] = PAGE_OF(
        "{\"id\":1,\"level\":40,\"logger_name\":\"a\\/b\",\"message\":"
        "\"\\\"q\\\" \\\\ \\b\\f\\n\\r\\t \\u00e7 \\u6F22 \\ud83d\\ude9a \\u0000 \\u001b\","
        "\"app_name\":\"x\",\"trace\":null,\"created_at\":\"2026-11-26T10:15:30.123456Z\"}");
    struct log_page p = taken_page(body, sizeof body - 1);
    assert_string_equal(p.entries[0].logger_name, "a/b");
    assert_string_equal(p.entries[0].message, "\"q\" \\ \b\f\n\r\t \xC3\xA7 \xE6\xBC\xA2 "
                                              "\xF0\x9F\x9A\x9A \xC0\x80 \x1b");
    assert_string_equal(p.entries[0].trace, "");
    /* raw_json keeps the server's escapes byte for byte. */
    assert_non_null(strstr(p.entries[0].raw_json, "\\ud83d\\ude9a \\u0000"));
    log_page_free(&p);
}

static void test_raw_utf8_kept(void **state)
{
    (void)state;
    static const char body[] =
        PAGE_OF("{\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":"
                "\"\xEB\xB0\xB0\xEC\x86\xA1 \xC4\xB0\xC5\x9F \xF0\x9F\x8E\x89 \xEF\xBF\xBF\","
                "\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}");
    struct log_page p = taken_page(body, sizeof body - 1);
    assert_string_equal(p.entries[0].message, "\xEB\xB0\xB0\xEC\x86\xA1 \xC4\xB0\xC5\x9F "
                                              "\xF0\x9F\x8E\x89 \xEF\xBF\xBF");
    assert_string_equal(p.entries[0].trace, ""); /* missing trace */
    log_page_free(&p);
}

static void test_unknown_members_skipped(void **state)
{
    (void)state;
    assert_taken(PAGE_OF(ENTRY_WITH("\"extra\":[1.5,-0,0,-12.25,true,false,null,\"s\\n\","
                                    "{\"k\":[[]],\"\":{}}]")));
    assert_taken("{\"links\":{\"a\":[1,{\"b\":null}]},\"count\":0,\"results\":[],"
                 "\"extra\":\"\\u00e7\"}");
    /* Keys of another script are compared as bytes, and skipped. */
    assert_taken(PAGE_OF(ENTRY_WITH("\"\xC3\xA7\":1")));
}

static void test_whitespace_everywhere(void **state)
{
    (void)state;
    static const char body[] = " \r\n\t{ \"count\" : 1 ,\n\"results\" :\t[ { \"id\" : 5 , "
                               "\"level\":10,\"logger_name\" :\"l\" , \"message\":\"a b\","
                               "\"app_name\":\"x\",\"created_at\":\"2026-11-26T10:15:30Z\" ,"
                               "\"x\" : [ 1 , { } ] } ] }\n ";
    struct log_page p = taken_page(body, sizeof body - 1);
    assert_null(p.next);
    assert_null(p.previous);
    assert_string_equal(p.entries[0].raw_json,
                        "{\"id\":5,\"level\":10,\"logger_name\":\"l\",\"message\":\"a b\","
                        "\"app_name\":\"x\",\"created_at\":\"2026-11-26T10:15:30Z\","
                        "\"x\":[1,{}]}");
    log_page_free(&p);
}

static void test_links_and_limits(void **state)
{
    (void)state;
    struct log_page p = taken_page(
        "{\"count\":999999999999999999,\"next\":\"http://h/?page=2\",\"previous\":null,"
        "\"results\":[" ENTRY_OK "]}",
        strlen("{\"count\":999999999999999999,\"next\":\"http://h/?page=2\",\"previous\":null,"
               "\"results\":[" ENTRY_OK "]}"));
    assert_int_equal(p.count, 999999999999999999LL);
    assert_string_equal(p.next, "http://h/?page=2");
    log_page_free(&p);
    /* Level at the limits of an int; negative ids are the server's business. */
    assert_taken(PAGE_OF("{\"id\":-7,\"level\":2147483647,\"logger_name\":\"l\",\"message\":"
                         "\"m\",\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"));
    assert_taken(PAGE_OF("{\"id\":-0,\"level\":-2147483648,\"logger_name\":\"l\",\"message\":"
                         "\"m\",\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"));
}

static void test_single_entry(void **state)
{
    (void)state;
    static const char body[] = "\n " ENTRY_OK " \n";
    char *copy = exact_copy(body, sizeof body - 1);
    struct log_entry fast, full;
    struct omslog_error err = {0};
    assert_int_equal(decode_fast_entry(copy, sizeof body - 1, &fast), 0);
    assert_int_equal(decode_entry_full(copy, sizeof body - 1, &full, &err), 0);
    assert_same_entry(&fast, &full);
    assert_int_equal(fast.id, 1234);
    assert_string_equal(fast.raw_json, ENTRY_OK);
    log_entry_free(&fast);
    log_entry_free(&full);
    free(copy);

    /* Trailing text after the entry is not ours (nor valid). */
    static const char bad[] = ENTRY_OK "x";
    assert_int_equal(decode_fast_entry(bad, sizeof bad - 1, &fast), -1);
    assert_null(fast.raw_json);
    assert_int_not_equal(decode_entry(bad, sizeof bad - 1, &fast, &err), 0);
}

/* ------------------------------------------------------------------------ */
/* What it hands back */

static void test_rare_valid_forms_left_to_full(void **state)
{
    (void)state;
    /* Escaped key, even one spelling a known name. */
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"\\u0078\":1")));
    /* Lone surrogates (the full decoder rewrites them to U+FFFD). */
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":\"\\ud800\"")));
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":\"\\udc00\\ud800\"")));
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":\"\\ud800\\u0041\"")));
    /* A known key twice (jansson keeps the last). */
    assert_valid_left("{\"count\":1,\"count\":2,\"results\":[]}");
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"id\":9")));
    /* Exponents, very long numbers, big integers. */
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":1e5")));
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":1.000000000000000000000000000000000000000001")));
    assert_valid_left(PAGE_OF(ENTRY_WITH("\"x\":1234567890123456789")));
    /* Deep nesting. */
    struct buf b = {0};
    buf_appends(&b, "{\"count\":0,\"results\":[],\"x\":");
    for (int i = 0; i <= DECODE_FAST_DEPTH_MAX; i++)
        buf_putc(&b, '[');
    for (int i = 0; i <= DECODE_FAST_DEPTH_MAX; i++)
        buf_putc(&b, ']');
    buf_putc(&b, '}');
    assert_valid_left(buf_str(&b));
    buf_free(&b);
    /* jansson takes a NUL right after a number. */
    static const char nul[] = "{\"count\":0\0,\"results\":[]}";
    assert_left_to_full(nul, sizeof nul - 1, 1);
}

static void test_malformed_left_to_full(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "[]",
        "42",
        "{\"count\":1,\"results\":[]} x",
        "{\"count\":1,\"results\":[],}",
        "{\"count\" 1,\"results\":[]}",
        "{\"count\":1 \"results\":[]}",
        "{\"count\":01,\"results\":[]}",
        "{\"count\":1.,\"results\":[]}",
        "{\"count\":-,\"results\":[]}",
        "{\"count\":-1,\"results\":[]}",
        "{\"count\":1.5,\"results\":[]}",
        "{\"count\":\"1\",\"results\":[]}",
        "{\"results\":[]}",
        "{\"count\":1}",
        "{\"count\":1,\"results\":{}}",
        "{\"count\":1,\"results\":[1]}",
        "{\"count\":1,\"results\":[],\"next\":5}",
        "{\"count\":1,\"results\":[],\"x\":tru}",
        "{\"count\":1,\"results\":[],\"x\":nul}",
        "{\"count\":1,\"results\":[],\"x\":\"a\x01\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\\x\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\\u12\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\\u12g4\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\xC0\xAF\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\xED\xA0\x80\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\xF5\x80\x80\x80\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\xE2\x82\"}",
        "{\"count\":1,\"results\":[],\"x\":\"\x80\"}",
        "{\"count\":1,\"results\":[],\"x\":\"unterminated}",
        "{\"count\":1,\"results\":[],\xC3\xA7:1}",
        PAGE_OF("{\"id\":\"1\",\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
                "\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"),
        PAGE_OF("{\"id\":1,\"level\":2147483648,\"logger_name\":\"l\",\"message\":\"m\","
                "\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"),
        PAGE_OF("{\"id\":1,\"level\":20.0,\"logger_name\":\"l\",\"message\":\"m\","
                "\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"),
        PAGE_OF("{\"id\":1,\"level\":20,\"logger_name\":null,\"message\":\"m\","
                "\"app_name\":\"a\",\"created_at\":\"2026-11-26T10:15:30Z\"}"),
        PAGE_OF("{\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
                "\"app_name\":\"a\",\"trace\":5,\"created_at\":\"2026-11-26T10:15:30Z\"}"),
        PAGE_OF("{\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
                "\"app_name\":\"a\",\"created_at\":\"yesterday\"}"),
        PAGE_OF("{\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
                "\"created_at\":\"2026-11-26T10:15:30Z\"}"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_invalid_left(bad[i]);
    /* NULL body with no length: refused, not a crash. */
    struct log_page p;
    assert_int_equal(decode_fast_page(NULL, 0, &p), -1);
    assert_true(page_is_zero(&p));
}

/* Every prefix of a real page is refused (only the whole page is taken) and
 * no prefix is read past its end (exact-size copies, under ASan). */
static void test_every_truncation_refused(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    /* The fixture ends with a newline: without it the page is still whole. */
    size_t whole = len;
    while (whole > 0 && (body[whole - 1] == '\n' || body[whole - 1] == ' '))
        whole--;
    for (size_t n = 0; n < len; n++) {
        char *copy = exact_copy(body, n);
        struct log_page p;
        int rc = decode_fast_page(copy, n, &p);
        assert_int_equal(rc, n >= whole ? 0 : -1);
        log_page_free(&p);
        free(copy);
    }
    free(body);
}

/* ------------------------------------------------------------------------ */
/* Differential checks: whatever the fast path takes, the full decoder takes
 * with the same result. */

static size_t differential(const char *body, size_t len)
{
    char *copy = exact_copy(body, len);
    struct log_page fast, full;
    struct omslog_error err = {0};
    size_t taken = 0;
    if (decode_fast_page(copy, len, &fast) == 0) {
        assert_int_equal(decode_page_full(copy, len, &full, &err), 0);
        assert_same_page(&fast, &full);
        log_page_free(&full);
        log_page_free(&fast);
        taken = 1;
    } else {
        assert_true(page_is_zero(&fast));
    }
    free(copy);
    return taken;
}

static void test_fuzz_corpus_agrees(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    size_t files = 0, taken = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, de->d_name);
        size_t len;
        char *body = test_read_file(path, &len);
        taken += differential(body, len);
        files++;
        free(body);
    }
    closedir(d);
    assert_true(files > CORPUS_TAKEN_MIN);
    assert_true(taken >= CORPUS_TAKEN_MIN);
}

static void test_mutations_agree(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    /* Bytes that make JSON interesting. */
    static const char alphabet[] = "\"\\{}[],:0123456789-.eEtrufalsn u\x01\x7f\x80\xC3\xED";
    unsigned seed = 12345u;
    size_t taken = 0;
    for (int round = 0; round < MUTATION_ROUNDS; round++) {
        char *m = exact_copy(body, len);
        for (int k = 0; k < MUTATIONS_PER_ROUND; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            m[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        taken += differential(m, len);
        free(m);
    }
    /* Many mutations land inside strings and stay valid: the comparison ran. */
    assert_true(taken > 0);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_page_taken),
        cmocka_unit_test(test_escapes_decoded),
        cmocka_unit_test(test_raw_utf8_kept),
        cmocka_unit_test(test_unknown_members_skipped),
        cmocka_unit_test(test_whitespace_everywhere),
        cmocka_unit_test(test_links_and_limits),
        cmocka_unit_test(test_single_entry),
        cmocka_unit_test(test_rare_valid_forms_left_to_full),
        cmocka_unit_test(test_malformed_left_to_full),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_fuzz_corpus_agrees),
        cmocka_unit_test(test_mutations_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
