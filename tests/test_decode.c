/* test_decode.c — JSON bodies to entries and pages; DRF error bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/util.h"

#define FIXTURE_PAGE "tests/fixtures/decode_page.json"
#define BIG_TRACE_BYTES (10u * 1024u * 1024u)
#define FUZZ_ROUNDS 3000
#define DETAIL_MAX 256

/* Building blocks of a valid entry, so each error case changes one field. */
#define F_ID "\"id\":1234,"
#define F_LEVEL "\"level\":40,"
#define F_LOGGER "\"logger_name\":\"oms.x\","
#define F_MESSAGE "\"message\":\"boom\","
#define F_APP "\"app_name\":\"orders\","
#define F_TRACE "\"trace\":\"\","
#define F_CREATED "\"created_at\":\"2026-11-26T10:15:30.123456Z\""
#define ENTRY_OK "{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP F_TRACE F_CREATED "}"
#define PAGE_HEAD "{\"count\":2,\"next\":null,\"previous\":null,\"results\":"
/* A page whose second entry is `e` (so the index in messages is #2). */
#define PAGE_WITH(e) PAGE_HEAD "[" ENTRY_OK "," e "]}"

/* ------------------------------------------------------------------------ */
/* Helpers */

static int page_is_zero(const struct log_page *p)
{
    return p->count == 0 && p->next == NULL && p->previous == NULL && p->entries == NULL &&
           p->n == 0;
}

/* An entry's JSON text as a C string, valid until the next call; its
 * length in json_len (the text must hold no NUL, which a test checks). */
static struct buf json_scratch;
static size_t json_len;
static const char *json_of(const struct log_entry *e)
{
    buf_reset(&json_scratch);
    assert_true(log_entry_json(e, &json_scratch));
    json_len = json_scratch.len;
    return buf_str(&json_scratch);
}

static int entry_is_zero(const struct log_entry *e)
{
    return e->id == 0 && e->level == 0 && !e->logger_name && !e->message && !e->app_name &&
           !e->trace && !e->created_at && !e->raw_json && !e->text && e->created.sec == 0 &&
           e->created.usec == 0;
}

static int all_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* The kind decode.h promises for a message about JSON of the wrong form: a
 * message naming a field is DECODE_BAD_FIELD, any other DECODE_BAD_SHAPE. */
static enum decode_failure kind_of(const char *msg)
{
    return strstr(msg, "field \"") ? DECODE_BAD_FIELD : DECODE_BAD_SHAPE;
}

/* The page must fail with exactly this message, of the kind it implies
 * (status PROTOCOL, out zeroed). */
static void expect_page_error(const char *body, const char *msg)
{
    struct log_page p;
    struct omslog_error err = {0};
    memset(&p, 0xA5, sizeof p);
    enum decode_failure rc = decode_page(body, strlen(body), &p, &err);
    if (rc != kind_of(msg) || err.status != OMSLOG_ERR_PROTOCOL)
        fail_msg("body %s: rc %d status %d, message \"%s\"", body, rc, err.status, err.msg);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("body %s:\n  got  \"%s\"\n  want \"%s\"", body, err.msg, msg);
    assert_true(page_is_zero(&p));
}

static void expect_entry_error(const char *body, const char *msg)
{
    struct log_entry e;
    struct omslog_error err = {0};
    memset(&e, 0xA5, sizeof e);
    enum decode_failure rc = decode_entry(body, strlen(body), &e, &err);
    if (rc != kind_of(msg) || err.status != OMSLOG_ERR_PROTOCOL)
        fail_msg("body %s: rc %d status %d, message \"%s\"", body, rc, err.status, err.msg);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("body %s:\n  got  \"%s\"\n  want \"%s\"", body, err.msg, msg);
    assert_true(entry_is_zero(&e));
}

/* Decode a single-entry body that must succeed. */
static void entry_ok(const char *body, struct log_entry *e)
{
    struct omslog_error err = {0};
    int rc = decode_entry(body, strlen(body), e, &err);
    if (rc != 0)
        fail_msg("body %s: rc %d \"%s\"", body, rc, err.msg);
}

/* An entry whose message is the JSON string literal `json_str` (quotes included). */
static void message_of(const char *json_str, struct log_entry *e)
{
    struct buf b = {0};
    buf_printf(&b, "{" F_ID F_LEVEL F_LOGGER "\"message\":%s," F_APP F_CREATED "}", json_str);
    entry_ok(buf_str(&b), e);
    buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Valid pages and entries */

static void test_fixture_page(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    struct log_page p;
    struct omslog_error err = {OMSLOG_ERR_SERVER, "stale"};
    assert_int_equal(decode_page(body, len, &p, &err), 0);
    /* Success clears a stale error. */
    assert_int_equal(err.status, OMSLOG_OK);
    assert_string_equal(err.msg, "");

    assert_int_equal(p.count, 1234);
    assert_string_equal(p.next, "http://127.0.0.1:8000/api/v1/oms/logs/action_log/?page=3");
    assert_string_equal(p.previous, "http://127.0.0.1:8000/api/v1/oms/logs/action_log/");
    assert_int_equal(p.n, 3);

    const struct log_entry *e = &p.entries[0];
    assert_int_equal(e->id, 98765);
    assert_int_equal(e->level, 40);
    assert_string_equal(e->logger_name, "oms.orders.allocation");
    assert_string_equal(e->message, "İşlem başarısız: sipariş #A-1001 için depo bulunamadı");
    assert_string_equal(e->app_name, "orders");
    assert_non_null(strstr(e->trace, "Traceback (most recent call last):\n  File \""));
    assert_non_null(strstr(e->trace, "NoWarehouseAvailable: A-1001\n"));
    assert_string_equal(e->created_at, "2026-11-26T10:15:30.123456Z");
    assert_int_equal(e->created.sec, 1795688130);
    assert_int_equal(e->created.usec, 123456);
    /* Unknown fields are kept in the JSON text, in the server's order, compactly. */
    assert_non_null(strstr(json_of(e), "\"created_at\":\"2026-11-26T10:15:30.123456Z\","
                                       "\"request_id\":\"9f1c2e\",\"extra\":{\"attempt\":3,"
                                       "\"tags\":[\"retry\",\"stock\"],\"ratio\":0.5}}"));
    assert_non_null(strstr(json_of(e), "\"trace\":\"Traceback (most recent call last):\\n"));

    e = &p.entries[1];
    assert_int_equal(e->id, 98764);
    assert_int_equal(e->level, 20);
    assert_string_equal(e->message, "同期完了 ✅ 🚚");
    assert_string_equal(e->trace, ""); /* null */
    assert_string_equal(e->created_at, "2026-11-26T13:15:29+03:00");
    assert_int_equal(e->created.sec, 1795688129);
    assert_int_equal(e->created.usec, 0);
    assert_string_equal(json_of(e),
                        "{\"id\":98764,\"level\":20,\"logger_name\":\"oms.sync\","
                        "\"message\":\"同期完了 ✅ 🚚\",\"app_name\":\"sync\",\"trace\":null,"
                        "\"created_at\":\"2026-11-26T13:15:29+03:00\",\"user\":null}");

    e = &p.entries[2];
    assert_int_equal(e->id, 98763);
    assert_int_equal(e->level, 25);
    assert_string_equal(e->trace, ""); /* missing */
    assert_int_equal(e->created.sec, 1795688128);
    assert_int_equal(e->created.usec, 500000);
    assert_null(strstr(json_of(e), "trace"));

    log_page_free(&p);
    assert_true(page_is_zero(&p));
    free(body);
}

static void test_single_entry(void **state)
{
    (void)state;
    struct log_entry e;
    entry_ok(ENTRY_OK, &e);
    assert_int_equal(e.id, 1234);
    assert_int_equal(e.level, 40);
    assert_string_equal(e.logger_name, "oms.x");
    assert_string_equal(e.message, "boom");
    assert_string_equal(e.app_name, "orders");
    assert_string_equal(e.trace, "");
    assert_int_equal(e.created.usec, 123456);
    assert_string_equal(json_of(&e), ENTRY_OK);
    log_entry_free(&e);
    assert_true(entry_is_zero(&e));

    /* Whitespace around and inside is fine; the JSON text is compact. */
    const char *spaced = " \n{ \"id\" : 7 , \"level\" : 10, \"logger_name\": \"a\", \"message\": "
                         "\"b\", \"app_name\": \"c\", \"trace\": \"t\", "
                         "\"created_at\": \"2026-11-26T10:15:30Z\" }\r\n";
    entry_ok(spaced, &e);
    assert_string_equal(e.trace, "t");
    assert_string_equal(json_of(&e), "{\"id\":7,\"level\":10,\"logger_name\":\"a\",\"message\":"
                                     "\"b\",\"app_name\":\"c\",\"trace\":\"t\","
                                     "\"created_at\":\"2026-11-26T10:15:30Z\"}");
    log_entry_free(&e);
}

/* Fuzz finding: jansson's lexer steps over a NUL byte that follows a number;
 * the JSON text must still hold the whole entry (it used to end at the NUL, and
 * the `s` key saved a truncated object). */
static void test_stray_nul_after_number(void **state)
{
    (void)state;
    static const char body[] = "{\"id\":6\0,\"level\":0," F_LOGGER F_MESSAGE F_APP F_CREATED "}";
    struct log_entry e = {0};
    struct omslog_error err = {0};
    int rc = decode_entry(body, sizeof body - 1, &e, &err);
    if (rc == 0) {
        assert_int_equal(e.id, 6);
        const char *json = json_of(&e);
        assert_null(memchr(json, '\0', json_len));
        assert_non_null(strstr(json, "\"level\":0,"));
        assert_int_equal(json[json_len - 1], '}');
        log_entry_free(&e);
    } else {
        /* Refusing it is fine too, as long as the message says why. */
        assert_true(err.msg[0] != '\0');
        assert_true(entry_is_zero(&e));
    }
}

/* The same quirk between the page's own values and in the results array.
 * The span scan used to stop making progress at "[1\0,2]" and grow its
 * array until memory ran out. */
static void test_stray_nul_in_page(void **state)
{
    (void)state;
    static const char scalars[] = PAGE_HEAD "[1\0,2]}";
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(decode_page(scalars, sizeof scalars - 1, &p, &err), DECODE_BAD_SHAPE);
    assert_non_null(strstr(err.msg, "entry #1 of the page is an integer"));
    assert_true(page_is_zero(&p));

    /* After the count: the entries are still cut from the body exactly. */
    static const char counted[] = "{\"count\":1\0,\"next\":null,\"previous\":null,"
                                  "\"results\":[" ENTRY_OK "]}";
    assert_int_equal(decode_page(counted, sizeof counted - 1, &p, &err), 0);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.n, 1);
    assert_string_equal(json_of(&p.entries[0]), ENTRY_OK);
    log_page_free(&p);

    /* Inside an entry of a page: dropped from the JSON text like whitespace. */
    static const char inside[] =
        PAGE_HEAD "[{\"id\":5\0," F_LEVEL F_LOGGER F_MESSAGE F_APP F_TRACE F_CREATED "}]}";
    assert_int_equal(decode_page(inside, sizeof inside - 1, &p, &err), 0);
    assert_string_equal(json_of(&p.entries[0]),
                        "{\"id\":5," F_LEVEL F_LOGGER F_MESSAGE F_APP F_TRACE F_CREATED "}");
    log_page_free(&p);
}

/* Strings are skipped from quote to quote: a quote after an odd number of
 * backslashes is inside the string, after an even number it ends it. */
static void test_raw_json_escaped_quotes(void **state)
{
    (void)state;
#define E_MSG(m) "{" F_ID F_LEVEL F_LOGGER "\"message\":\"" m "\"," F_APP F_TRACE F_CREATED "}"
    static const char *const messages[] = {"a\\\"b",    "a\\\\", "\\\\\\\"]}\\\\",
                                           "x\\\\\\\\", "\\\"",  "[{\\\"\\\\"};
    static const char *const want[] = {"a\"b", "a\\", "\\\"]}\\", "x\\\\", "\"", "[{\"\\"};
    for (size_t i = 0; i < ARRAY_LEN(messages); i++) {
        struct buf entry = {0}, body = {0};
        buf_printf(&entry, E_MSG("%s"), messages[i]);
        buf_printf(&body, PAGE_HEAD "[%s,%s]}", entry.data, entry.data);
        struct log_page p;
        struct omslog_error err = {0};
        assert_int_equal(decode_page(body.data, body.len, &p, &err), 0);
        assert_int_equal(p.n, 2);
        for (size_t k = 0; k < 2; k++) {
            assert_string_equal(p.entries[k].message, want[i]);
            assert_string_equal(json_of(&p.entries[k]), entry.data);
        }
        log_page_free(&p);
        buf_free(&entry);
        buf_free(&body);
    }
#undef E_MSG
}

static void test_numeric_limits(void **state)
{
    (void)state;
    struct log_entry e;
    entry_ok("{\"id\":9223372036854775807," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    assert_true(e.id == INT64_MAX);
    log_entry_free(&e);
    /* Negative and non-standard levels are valid levels (see level.h). */
    entry_ok("{" F_ID "\"level\":-1," F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    assert_int_equal(e.level, -1);
    log_entry_free(&e);
    entry_ok("{" F_ID "\"level\":2147483647," F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    assert_int_equal(e.level, 2147483647);
    log_entry_free(&e);
    entry_ok("{\"id\":-7,\"level\":-2147483648," F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    assert_int_equal(e.id, -7); /* negative ids are the server's business */
    assert_int_equal(e.level, INT32_MIN);
    log_entry_free(&e);
    /* Duplicate keys: the last one wins, as in Python. */
    entry_ok("{" F_ID "\"level\":10," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    assert_int_equal(e.level, 40);
    log_entry_free(&e);
}

static void test_page_shapes_ok(void **state)
{
    (void)state;
    struct log_page p;
    struct omslog_error err = {0};
    const char *empty = "{\"count\":0,\"next\":null,\"previous\":null,\"results\":[]}";
    assert_int_equal(decode_page(empty, strlen(empty), &p, &err), 0);
    assert_int_equal(p.count, 0);
    assert_int_equal(p.n, 0);
    assert_null(p.next);
    assert_null(p.previous);
    log_page_free(&p);

    const char *huge = "{\"count\":10000000,\"next\":\"http://h/?page=2\",\"results\":[" ENTRY_OK
                       "]}"; /* previous missing: taken as null */
    assert_int_equal(decode_page(huge, strlen(huge), &p, &err), 0);
    assert_int_equal(p.count, 10000000);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.next, "http://h/?page=2");
    assert_null(p.previous);
    assert_int_equal(p.entries[0].id, 1234);
    log_page_free(&p);
    log_page_free(&p); /* a freed page is a zeroed page */

    /* Unknown page members of any type, before and after the known ones. */
    const char *extra = "{\"links\":{\"a\":[1,{\"b\":null}]},\"count\":9223372036854775807,"
                        "\"results\":[" ENTRY_OK "],\"extra\":\"\\u00e7\"}";
    assert_int_equal(decode_page(extra, strlen(extra), &p, &err), DECODE_OK);
    assert_true(p.count == INT64_MAX);
    assert_int_equal(p.n, 1);
    assert_string_equal(json_of(&p.entries[0]), ENTRY_OK);
    log_page_free(&p);
}

/* ------------------------------------------------------------------------ */
/* Field errors */

static void test_entry_id_errors(void **state)
{
    (void)state;
    expect_page_error(PAGE_WITH("{" F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry #2 of the page: field \"id\" is missing");
    expect_page_error(PAGE_WITH("{\"id\":\"12\"," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry #2 of the page: field \"id\" is a string, expected an integer");
    expect_page_error(PAGE_WITH("{\"id\":12.0," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry #2 of the page: field \"id\" is a real number, expected an integer");
    expect_page_error(PAGE_WITH("{\"id\":true," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry #2 of the page: field \"id\" is a boolean, expected an integer");
    expect_page_error(PAGE_WITH("{\"id\":null," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry #2 of the page: field \"id\" is null, expected an integer");
    expect_entry_error("{" F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry: field \"id\" is missing");
    expect_entry_error("{\"id\":[1]," F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry: field \"id\" is an array, expected an integer");
}

static void test_entry_level_errors(void **state)
{
    (void)state;
    expect_page_error(PAGE_WITH("{" F_ID F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
                      "entry 1234: field \"level\" is missing");
    expect_page_error(
        PAGE_WITH("{" F_ID "\"level\":\"ERROR\"," F_LOGGER F_MESSAGE F_APP F_CREATED "}"),
        "entry 1234: field \"level\" is a string, expected an integer");
    expect_entry_error("{" F_ID "\"level\":40.0," F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"level\" is a real number, expected an integer");
    expect_entry_error("{" F_ID "\"level\":false," F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"level\" is a boolean, expected an integer");
    expect_entry_error("{" F_ID "\"level\":{}," F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"level\" is an object, expected an integer");
    expect_entry_error("{" F_ID "\"level\":99999999999," F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"level\" is out of range (99999999999)");
    expect_entry_error("{" F_ID "\"level\":-2147483649," F_LOGGER F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"level\" is out of range (-2147483649)");
}

static void test_entry_string_errors(void **state)
{
    (void)state;
    expect_page_error(PAGE_WITH("{" F_ID F_LEVEL F_MESSAGE F_APP F_CREATED "}"),
                      "entry 1234: field \"logger_name\" is missing");
    expect_entry_error("{" F_ID F_LEVEL "\"logger_name\":null," F_MESSAGE F_APP F_CREATED "}",
                       "entry 1234: field \"logger_name\" is null, expected a string");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_APP F_CREATED "}",
                       "entry 1234: field \"message\" is missing");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER "\"message\":[\"a\"]," F_APP F_CREATED "}",
                       "entry 1234: field \"message\" is an array, expected a string");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_CREATED "}",
                       "entry 1234: field \"app_name\" is missing");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE "\"app_name\":7," F_CREATED "}",
                       "entry 1234: field \"app_name\" is an integer, expected a string");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP "\"trace\":0," F_CREATED "}",
                       "entry 1234: field \"trace\" is an integer, expected a string or null");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP "\"trace\":false," F_CREATED "}",
                       "entry 1234: field \"trace\" is a boolean, expected a string or null");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE "\"app_name\":\"orders\"}",
                       "entry 1234: field \"created_at\" is missing");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP "\"created_at\":1795688130}",
                       "entry 1234: field \"created_at\" is an integer, expected a string");
}

static void test_entry_created_at_errors(void **state)
{
    (void)state;
    expect_page_error(
        PAGE_WITH("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP "\"created_at\":\"yesterday\"}"),
        "entry 1234: field \"created_at\" is not an ISO 8601 time: \"yesterday\"");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP "\"created_at\":\"\"}",
                       "entry 1234: field \"created_at\" is not an ISO 8601 time: \"\"");
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP
                       "\"created_at\":\"2026-02-30T10:15:30Z\"}",
                       "entry 1234: field \"created_at\" is not an ISO 8601 time: "
                       "\"2026-02-30T10:15:30Z\"");
    /* Server text is escaped: control bytes, quotes, backslashes, non-ASCII, NUL. */
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP
                       "\"created_at\":\"\\u001b[31m\\\"x\\\\ş\\u0000\"}",
                       "entry 1234: field \"created_at\" is not an ISO 8601 time: "
                       "\"\\x1b[31m\\x22x\\x5c\\xc5\\x9f\\x00\"");
    /* At most 40 bytes of it, then "...". */
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP
                       "\"created_at\":\"2026-11-26T10:15:30.123456Z and a lot more junk\"}",
                       "entry 1234: field \"created_at\" is not an ISO 8601 time: "
                       "\"2026-11-26T10:15:30.123456Z and a lot mo...\"");
    /* Valid time followed by a NUL is not a valid time. */
    expect_entry_error("{" F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP
                       "\"created_at\":\"2026-11-26T10:15:30Z\\u0000\"}",
                       "entry 1234: field \"created_at\" is not an ISO 8601 time: "
                       "\"2026-11-26T10:15:30Z\\x00\"");
}

static void test_entry_not_object(void **state)
{
    (void)state;
    expect_page_error(PAGE_HEAD "[1234]}",
                      "entry #1 of the page is an integer, expected an object");
    expect_page_error(PAGE_WITH("null"), "entry #2 of the page is null, expected an object");
    expect_page_error(PAGE_WITH("\"x\""), "entry #2 of the page is a string, expected an object");
    expect_page_error(PAGE_WITH("[]"), "entry #2 of the page is an array, expected an object");
}

static void test_page_field_errors(void **state)
{
    (void)state;
    expect_page_error("{\"next\":null,\"previous\":null,\"results\":[]}",
                      "field \"count\" is missing");
    expect_page_error("{\"count\":\"5\",\"results\":[]}",
                      "field \"count\" is a string, expected a non-negative integer");
    expect_page_error("{\"count\":-5,\"results\":[]}", "field \"count\" is negative (-5)");
    expect_page_error("{\"count\":5.5,\"results\":[]}",
                      "field \"count\" is a real number, expected a non-negative integer");
    expect_page_error("{\"count\":null,\"results\":[]}",
                      "field \"count\" is null, expected a non-negative integer");
    expect_page_error("{\"count\":5,\"next\":null}", "field \"results\" is missing");
    expect_page_error("{\"count\":5,\"results\":{}}",
                      "field \"results\" is an object, expected an array");
    expect_page_error("{\"count\":5,\"results\":\"[]\"}",
                      "field \"results\" is a string, expected an array");
    expect_page_error("{\"count\":5,\"results\":null}",
                      "field \"results\" is null, expected an array");
    expect_page_error("{\"count\":5,\"next\":5,\"results\":[]}",
                      "field \"next\" is an integer, expected a string or null");
    expect_page_error("{\"count\":5,\"next\":null,\"previous\":false,\"results\":[]}",
                      "field \"previous\" is a boolean, expected a string or null");
}

static void test_not_an_object(void **state)
{
    (void)state;
    expect_page_error("[" ENTRY_OK "]", "response is not a JSON object");
    expect_page_error("\"Not found.\"", "response is not a JSON object");
    expect_page_error("42", "response is not a JSON object");
    expect_page_error("null", "response is not a JSON object");
    expect_entry_error("[]", "response is not a JSON object");
    expect_entry_error("true", "response is not a JSON object");
}

/* Not JSON at all: message starts right, names a position, and is printable. */
static void expect_not_json(const char *body, size_t len, const char *position)
{
    struct log_page p;
    struct log_entry e;
    struct omslog_error err = {0};
    assert_int_equal(decode_page(body, len, &p, &err), DECODE_NOT_JSON);
    assert_int_equal(err.status, OMSLOG_ERR_PROTOCOL);
    assert_true(page_is_zero(&p));
    if (strncmp(err.msg, "response is not JSON (", 22) != 0 || !strstr(err.msg, position) ||
        err.msg[strlen(err.msg) - 1] != ')')
        fail_msg("got \"%s\", want a not-JSON message at %s", err.msg, position);
    assert_true(all_printable(err.msg));
    struct omslog_error err2 = {0};
    assert_int_equal(decode_entry(body, len, &e, &err2), DECODE_NOT_JSON);
    assert_string_equal(err.msg, err2.msg);
    assert_true(entry_is_zero(&e));
}

static void test_not_json(void **state)
{
    (void)state;
    const char *html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>\r\n";
    expect_not_json(html, strlen(html), "line 1 column 1)");
    const char *truncated = "{\"count\":3,\"next\":null,\"previous\":null,\"results\":[{\"id\":1,";
    expect_not_json(truncated, strlen(truncated), "line 1 column");
    const char *multiline = "{\"count\": 3,\n \"results\": [\n  oops]}";
    expect_not_json(multiline, strlen(multiline), "line 3 column");
    expect_not_json("", 0, "(empty body)");
    expect_not_json(NULL, 0, "(empty body)");
    expect_not_json(" \r\n", 3, "line 2 column");
    /* Terminal escapes and invalid UTF-8 in the body never reach the message raw. */
    const char *esc = "\x1b]0;pwned\x07\x1b[2J";
    expect_not_json(esc, strlen(esc), "line 1");
    const char *bad_utf8 = "{\"count\":1,\"results\":[],\"x\":\"\xff\xfe\x9b\"}";
    expect_not_json(bad_utf8, strlen(bad_utf8), "line 1");
    const char *ctrl_in_string = "{\"count\":1,\"results\":[],\"x\":\"a\x1b[31mb\"}";
    expect_not_json(ctrl_in_string, strlen(ctrl_in_string), "line 1");
    /* Trailing junk after a valid object. */
    const char *junk = "{\"count\":0,\"results\":[]} x";
    expect_not_json(junk, strlen(junk), "line 1");
    /* A NUL byte in the body (not the \u0000 escape). */
    const char nul_body[] = "{\"count\":0,\"results\":[]}\0";
    expect_not_json(nul_body, sizeof nul_body - 1, "line 1");
    /* The length is honoured: no NUL terminator is needed or read. */
    const char *cut = "{\"count\":0,\"results\":[]}";
    expect_not_json(cut, strlen(cut) - 1, "line 1");
}

/* jansson's strictness is ours: bad grammar, numbers, escapes and UTF-8 are
 * all "not JSON", however page-like the rest of the body is. */
static void test_invalid_json_refused(void **state)
{
    (void)state;
#define PAGE_X(x) "{\"count\":1,\"results\":[],\"x\":" x "}"
    static const char *const bad[] = {
        "{",
        "{\"count\":1,\"results\":[],}",
        "{\"count\" 1,\"results\":[]}",
        "{\"count\":1 \"results\":[]}",
        "{\"count\":01,\"results\":[]}",
        "{\"count\":1.,\"results\":[]}",
        "{\"count\":-,\"results\":[]}",
        "{\"count\":1,\"results\":[],\xC3\xA7:1}",
        PAGE_X("tru"),
        PAGE_X("nul"),
        PAGE_X("12345678901234567890"), /* beyond int64: jansson refuses it */
        PAGE_X("\"a\x01\""),
        PAGE_X("\"\\x\""),
        PAGE_X("\"\\u12\""),
        PAGE_X("\"\\u12g4\""),
        PAGE_X("\"\xC0\xAF\""),         /* overlong */
        PAGE_X("\"\xED\xA0\x80\""),     /* an encoded surrogate */
        PAGE_X("\"\xF5\x80\x80\x80\""), /* beyond U+10FFFF */
        PAGE_X("\"\xE2\x82\""),         /* cut short */
        PAGE_X("\"\x80\""),             /* a lone continuation byte */
        PAGE_X("\"unterminated"),
    };
#undef PAGE_X
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        expect_not_json(bad[i], strlen(bad[i]), "line 1 column");
}

/* Each kind of fault has its own value; only DECODE_INTERNAL is ours. */
static void test_failure_kinds(void **state)
{
    (void)state;
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(decode_page("<html>", 6, &p, &err), DECODE_NOT_JSON);
    assert_int_equal(decode_page("[]", 2, &p, &err), DECODE_BAD_SHAPE);
    assert_int_equal(decode_page("{\"count\":1}", 11, &p, &err), DECODE_BAD_FIELD);
    assert_int_equal(decode_page(NULL, 5, &p, &err), DECODE_INTERNAL);
    assert_int_equal(err.status, OMSLOG_ERR_INTERNAL);
    assert_true(page_is_zero(&p));
    assert_int_equal(decode_page(NULL, 5, &p, NULL), DECODE_INTERNAL);
}

/* ------------------------------------------------------------------------ */
/* Strings: Unicode, NUL, surrogates */

static void test_unicode_round_trip(void **state)
{
    (void)state;
    struct log_entry e;
    message_of("\"İşlem başarısız — 注文処理に失敗しました 🚚❌\"", &e);
    assert_string_equal(e.message, "İşlem başarısız — 注文処理に失敗しました 🚚❌");
    /* The JSON text keeps UTF-8 (no \u escapes). */
    assert_non_null(strstr(json_of(&e), "\"message\":\"İşlem başarısız — 注文処理に失敗しました "
                                        "🚚❌\""));
    log_entry_free(&e);

    /* The same text as escapes decodes to the same UTF-8 bytes. */
    message_of("\"\\u0130\\u015flem \\u6ce8 \\ud83d\\ude9a\"", &e);
    assert_string_equal(e.message, "İşlem 注 🚚");
    assert_string_equal(e.message, "\xc4\xb0\xc5\x9flem \xe6\xb3\xa8 \xf0\x9f\x9a\x9a");
    log_entry_free(&e);

    /* Escaped newlines, tabs, quotes, slashes and terminal escapes arrive as bytes;
     * sanitising is the caller's business. */
    message_of("\"a\\nb\\tc\\\"d\\\\e\\/f\\u001b[31m\"", &e);
    assert_string_equal(e.message, "a\nb\tc\"d\\e/f\x1b[31m");
    log_entry_free(&e);
    message_of("\"\\b\\f\\r \\u6F22 \\ud83d\\ude9a \xEF\xBF\xBF\"", &e);
    assert_string_equal(e.message, "\b\f\r \xE6\xBC\xA2 \xF0\x9F\x9A\x9A \xEF\xBF\xBF");
    /* The JSON text keeps the server's escapes byte for byte. */
    assert_non_null(strstr(json_of(&e), "\"\\b\\f\\r \\u6F22 \\ud83d\\ude9a \xEF\xBF\xBF\""));
    log_entry_free(&e);
}

static void test_nul_escape(void **state)
{
    (void)state;
    struct log_entry e;
    message_of("\"a\\u0000b\\u0000\"", &e);
    assert_int_equal(strlen(e.message), 6);
    assert_memory_equal(e.message,
                        "a\xc0\x80"
                        "b\xc0\x80",
                        7);
    /* The JSON copy keeps the real NUL, escaped. */
    assert_non_null(strstr(json_of(&e), "\"message\":\"a\\u0000b\\u0000\""));
    log_entry_free(&e);

    /* In the trace and the page links too. */
    const char *body =
        "{\"count\":1,\"next\":\"x\\u0000y\",\"previous\":null,\"results\":[{" F_ID F_LEVEL
            F_LOGGER F_MESSAGE F_APP "\"trace\":\"\\u0000\"," F_CREATED "}]}";
    struct log_page p;
    assert_int_equal(decode_page(body, strlen(body), &p, NULL), 0);
    assert_string_equal(p.next, "x\xc0\x80y");
    assert_string_equal(p.entries[0].trace, "\xc0\x80");
    log_page_free(&p);
}

static void test_lone_surrogates(void **state)
{
    (void)state;
    struct log_entry e;
    message_of("\"a\\ud800b\"", &e);
    assert_string_equal(e.message, "a\xef\xbf\xbd"
                                   "b");
    log_entry_free(&e);
    message_of("\"\\uDBFF\"", &e); /* upper case, at the end of the string */
    assert_string_equal(e.message, "\xef\xbf\xbd");
    log_entry_free(&e);
    message_of("\"x\\udc00y\"", &e); /* a lone low surrogate */
    assert_string_equal(e.message, "x\xef\xbf\xbdy");
    log_entry_free(&e);
    message_of("\"\\ud800\\ud800\"", &e); /* two highs */
    assert_string_equal(e.message, "\xef\xbf\xbd\xef\xbf\xbd");
    log_entry_free(&e);
    message_of("\"\\ud83d\\ud83d\\ude9a\"", &e); /* a lone high, then a real pair */
    assert_string_equal(e.message, "\xef\xbf\xbd\xf0\x9f\x9a\x9a");
    log_entry_free(&e);
    message_of("\"\\ude9a\\ud83d\"", &e); /* a pair in the wrong order */
    assert_string_equal(e.message, "\xef\xbf\xbd\xef\xbf\xbd");
    log_entry_free(&e);
    message_of("\"\\ud800\\u0041\"", &e); /* high followed by a non-surrogate escape */
    assert_string_equal(e.message, "\xef\xbf\xbd"
                                   "A");
    log_entry_free(&e);
    message_of("\"\\ud800\\n\"", &e);
    assert_string_equal(e.message, "\xef\xbf\xbd\n");
    log_entry_free(&e);
    /* An escaped backslash followed by "ud800" is text, not an escape. */
    message_of("\"\\\\ud800\"", &e);
    assert_string_equal(e.message, "\\ud800");
    log_entry_free(&e);
    /* An escaped backslash, then a real lone surrogate escape. */
    message_of("\"\\\\\\ud800\"", &e);
    assert_string_equal(e.message, "\\\xef\xbf\xbd");
    log_entry_free(&e);
    /* Two escaped backslashes and text. */
    message_of("\"\\\\\\\\ud800\"", &e);
    assert_string_equal(e.message, "\\\\ud800");
    log_entry_free(&e);
    /* In a key, too: the entry still decodes (the key is an unknown field). */
    entry_ok("{\"k\\ud800\":1," F_ID F_LEVEL F_LOGGER F_MESSAGE F_APP F_CREATED "}", &e);
    /* The JSON text is the server's text with the lone surrogate replaced. */
    assert_non_null(strstr(json_of(&e), "\"k\\ufffd\":1"));
    log_entry_free(&e);

    /* The caller's body is never modified. */
    char body[] = "{" F_ID F_LEVEL F_LOGGER "\"message\":\"\\ud800\"," F_APP F_CREATED "}";
    char copy[sizeof body];
    memcpy(copy, body, sizeof body);
    assert_int_equal(decode_entry(body, strlen(body), &e, NULL), 0);
    assert_memory_equal(body, copy, sizeof body);
    log_entry_free(&e);

    /* Malformed \u escapes are still errors (not "fixed"). */
    const char *bad = "{" F_ID F_LEVEL F_LOGGER "\"message\":\"\\ud80\"," F_APP F_CREATED "}";
    struct omslog_error err = {0};
    assert_int_equal(decode_entry(bad, strlen(bad), &e, &err), DECODE_NOT_JSON);
    assert_non_null(strstr(err.msg, "response is not JSON ("));
    /* A surrogate escape cut off by the end of the body. */
    const char *tail = "{\"message\":\"\\ud800\\udc";
    assert_int_equal(decode_entry(tail, strlen(tail), &e, &err), DECODE_NOT_JSON);
    assert_true(entry_is_zero(&e));
    /* A backslash as the very last byte. */
    const char *last = "{\"message\":\"a\\";
    assert_int_equal(decode_entry(last, strlen(last), &e, &err), DECODE_NOT_JSON);
    assert_true(entry_is_zero(&e));
}

/* ------------------------------------------------------------------------ */
/* Size and robustness */

static void test_big_trace(void **state)
{
    (void)state;
    static const char line[] = "  File \\\"/srv/oms/x.py\\\", line 1, in f\\n";
    struct buf b = {0};
    buf_appends(&b, "{\"count\":1,\"next\":null,\"previous\":null,\"results\":[{" F_ID F_LEVEL
                        F_LOGGER F_MESSAGE F_APP "\"trace\":\"");
    size_t lines = 0;
    while (b.len < BIG_TRACE_BYTES) {
        buf_appends(&b, line);
        lines++;
    }
    buf_appends(&b, "\"," F_CREATED "}]}");
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(decode_page(b.data, b.len, &p, &err), 0);
    assert_int_equal(p.n, 1);
    const size_t decoded_line = strlen("  File \"/srv/oms/x.py\", line 1, in f\n");
    assert_int_equal(strlen(p.entries[0].trace), lines * decoded_line);
    assert_memory_equal(p.entries[0].trace, "  File \"/srv/oms/x.py\"", 22);
    assert_true(strlen(json_of(&p.entries[0])) > BIG_TRACE_BYTES);
    log_page_free(&p);
    buf_free(&b);
}

/* What an entry held before its text became one allocation: each field and
 * the JSON text as separate C strings (the form of an entry built in code). */
static size_t bytes_as_separate_strings(const struct log_entry *e)
{
    return sizeof *e + strlen(e->logger_name) + strlen(e->message) + strlen(e->app_name) +
           strlen(e->trace) + strlen(e->created_at) + strlen(json_of(e)) + 6;
}

/* The fixed part of a decoded entry: the struct and its text's header. */
#define ENTRY_FIXED_BYTES (sizeof(struct log_entry) + sizeof(struct log_entry_text))

/* A typical page (the fixture) holds each entry's text once: fields without
 * escapes are the JSON text's bytes, and the trace (escaped as DRF does) is
 * held decoded, its JSON written back from it. */
static void test_entry_bytes_typical_page(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    struct log_page p;
    assert_int_equal(decode_page(body, len, &p, NULL), 0);
    for (size_t i = 0; i < p.n; i++) {
        const struct log_entry *e = &p.entries[i];
        size_t bytes = log_entry_bytes(e), json = strlen(json_of(e));
        /* Upper bound: the JSON text once and a terminator per field. */
        assert_true(bytes <= ENTRY_FIXED_BYTES + json + 1 + ENTRY_TEXT_FIELDS);
        print_message("entry %lld: %zu bytes held (as separate strings: %zu)\n", (long long)e->id,
                      bytes, bytes_as_separate_strings(e));
    }
    /* The first entry's trace has escapes: its JSON is not stored. */
    assert_non_null(strchr(p.entries[0].trace, '\n'));
    assert_true(p.entries[0].text->json_len + strlen(p.entries[0].trace) <
                strlen(json_of(&p.entries[0])));
    log_page_free(&p);
    free(body);
}

/* A page whose entry has a message of `n` copies of `unit` (JSON text). */
static void page_with_message(struct buf *b, const char *unit, size_t n)
{
    buf_appends(b,
                "{\"count\":1,\"next\":null,\"previous\":null,\"results\":[{" F_ID F_LEVEL F_LOGGER
                "\"message\":\"");
    for (size_t i = 0; i < n; i++)
        buf_appends(b, unit);
    buf_appends(b, "\"," F_APP F_TRACE F_CREATED "}]}");
}

#define MIB (1024u * 1024u)

/* A 1 MiB message without escapes is held once (it used to be held twice:
 * the field and the JSON text); the copy and the JSON text stay exact. */
static void test_entry_bytes_big_message(void **state)
{
    (void)state;
    struct buf b = {0};
    page_with_message(&b, "0123456789abcdef", MIB / 16);
    struct log_page p;
    assert_int_equal(decode_page(b.data, b.len, &p, NULL), 0);
    const struct log_entry *e = &p.entries[0];
    assert_int_equal(strlen(e->message), MIB);
    size_t bytes = log_entry_bytes(e);
    print_message("1 MiB message: %zu bytes held (as separate strings: %zu)\n", bytes,
                  bytes_as_separate_strings(e));
    assert_true(bytes < MIB + 512);
    assert_true(bytes_as_separate_strings(e) > 2 * MIB);

    /* Byte-exact JSON text: the entry object of the body. */
    const char *start = strstr(b.data, "[{") + 1;
    size_t entry_len = (size_t)(strstr(b.data, "}]}") + 1 - start);
    assert_int_equal(strlen(json_of(e)), entry_len);
    assert_memory_equal(json_of(e), start, entry_len);

    struct log_entry copy;
    log_entry_copy(&copy, e);
    assert_int_equal(log_entry_bytes(&copy), bytes);
    assert_ptr_not_equal(copy.message, e->message);
    assert_string_equal(copy.message, e->message);
    assert_string_equal(copy.created_at, "2026-11-26T10:15:30.123456Z");
    log_page_free(&p);
    assert_int_equal(strlen(json_of(&copy)), entry_len);
    assert_memory_equal(json_of(&copy), start, entry_len);
    log_entry_free(&copy);

    /* Escaped as DRF escapes: held once, decoded; the JSON written back. */
    buf_reset(&b);
    page_with_message(&b, "0123456789abcd\\n", MIB / 16);
    assert_int_equal(decode_page(b.data, b.len, &p, NULL), 0);
    e = &p.entries[0];
    assert_int_equal(strlen(e->message), MIB - MIB / 16);
    assert_int_equal(e->message[14], '\n');
    assert_true(log_entry_bytes(e) < MIB);
    entry_len = (size_t)(strstr(b.data, "}]}") + 1 - (strstr(b.data, "[{") + 1));
    assert_int_equal(strlen(json_of(e)), entry_len);
    assert_memory_equal(json_of(e), strstr(b.data, "[{") + 1, entry_len);
    log_page_free(&p);

    /* Escaped otherwise ("\u000a" where DRF writes "\n"): the server's JSON
     * is kept as well, so json output stays byte for byte. */
    buf_reset(&b);
    page_with_message(&b, "0123456789\\u000a", MIB / 16);
    assert_int_equal(decode_page(b.data, b.len, &p, NULL), 0);
    e = &p.entries[0];
    assert_int_equal(strlen(e->message), MIB / 16 * 11);
    assert_true(log_entry_bytes(e) > MIB + MIB / 16 * 11);
    assert_true(log_entry_bytes(e) < 2 * MIB);
    entry_len = (size_t)(strstr(b.data, "}]}") + 1 - (strstr(b.data, "[{") + 1));
    assert_int_equal(strlen(json_of(e)), entry_len);
    assert_memory_equal(json_of(e), strstr(b.data, "[{") + 1, entry_len);
    log_page_free(&p);
    buf_free(&b);
}

/* Every escape DRF writes comes back byte for byte from the decoded field,
 * and so does every escape it does not write (kept from the server). */
static void test_escapes_written_back_exactly(void **state)
{
    (void)state;
    static const char *const messages[] = {
        /* DRF's own: the field's JSON is not stored. */
        "a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\\u2028\\u2029 \x7f é 注",
        /* Others: kept as sent. */
        "\\/",
        "\\u000A",
        "\\u00e9",
        "\\u0041",
        "a\\ud83d\\ude9a",
        "\\u2028\xe2\x80\xa9",
    };
    for (size_t i = 0; i < ARRAY_LEN(messages); i++) {
        struct buf body = {0};
        buf_printf(&body,
                   "{" F_ID F_LEVEL F_LOGGER "\"message\":\"%s\"," F_APP F_TRACE F_CREATED "}",
                   messages[i]);
        struct log_entry e = {0};
        assert_int_equal(decode_entry(body.data, body.len, &e, NULL), 0);
        assert_string_equal(json_of(&e), body.data);
        struct log_entry copy;
        log_entry_copy(&copy, &e);
        assert_string_equal(json_of(&copy), body.data);
        bool written_back = e.text->json_len < body.len;
        assert_true(written_back == (i == 0));
        log_entry_free(&copy);
        log_entry_free(&e);
        buf_free(&body);
    }
}

/* An entry built in code counts each of its strings. */
static void test_entry_bytes_built_in_code(void **state)
{
    (void)state;
    struct log_entry e = {0};
    assert_int_equal(log_entry_bytes(&e), sizeof e);
    e.message = xstrdup("boom");
    e.raw_json = xstrdup("{\"id\":1}");
    assert_int_equal(log_entry_bytes(&e), sizeof e + 5 + 9);
    struct buf out = {0};
    assert_true(log_entry_json(&e, &out));
    assert_string_equal(buf_str(&out), "{\"id\":1}");
    log_entry_free(&e);
    assert_false(log_entry_json(&e, &out)); /* no JSON text: nothing appended */
    assert_int_equal(out.len, strlen("{\"id\":1}"));
    buf_free(&out);
}

/* The fields are what jansson decoded, even where a key is spelt with an
 * escape and repeats an earlier one (jansson keeps the last). */
static void test_fields_follow_jansson(void **state)
{
    (void)state;
    static const char body[] = "{\"message\":\"first\"," F_ID F_LEVEL F_LOGGER F_APP F_CREATED
                               ",\"mess\\u0061ge\":\"second\",\"trace\":\"t\"}";
    struct log_entry e = {0};
    assert_int_equal(decode_entry(body, sizeof body - 1, &e, NULL), 0);
    assert_string_equal(e.message, "second");
    assert_string_equal(e.trace, "t");
    assert_string_equal(e.logger_name, "oms.x");
    assert_string_equal(json_of(&e), body);
    log_entry_free(&e);
}

static void test_every_prefix_fails(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    size_t end = len;
    while (end > 0 && body[end - 1] != '}')
        end--;
    assert_true(end > 0);
    for (size_t n = 0; n < end; n++) {
        /* An exact-size copy, so ASan catches any read past the length. */
        char *prefix = xmalloc(n ? n : 1);
        memcpy(prefix, body, n);
        struct log_page p;
        struct omslog_error err = {0};
        enum decode_failure rc = decode_page(prefix, n, &p, &err);
        if (rc != DECODE_NOT_JSON || err.status != OMSLOG_ERR_PROTOCOL)
            fail_msg("prefix of %zu bytes: rc %d", n, rc);
        assert_true(page_is_zero(&p));
        assert_true(all_printable(err.msg));
        free(prefix);
    }
    struct log_page p;
    assert_int_equal(decode_page(body, end, &p, NULL), 0);
    assert_int_equal(p.n, 3);
    log_page_free(&p);
    free(body);
}

/* Deterministic byte mutations of a valid page: never a crash or a leak. */
static void test_mutations(void **state)
{
    (void)state;
    static const char alphabet[] = "{}[]\":,\\u0dD8fF-1.eE \x00\x80\xff";
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    uint32_t seed = 12345;
    int ok = 0;
    for (int round = 0; round < FUZZ_ROUNDS; round++) {
        char *m = xmalloc(len);
        memcpy(m, body, len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            m[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        struct log_page p;
        struct omslog_error err = {0};
        enum decode_failure rc = decode_page(m, len, &p, &err);
        if (rc == DECODE_OK) {
            ok++;
            for (size_t i = 0; i < p.n; i++)
                assert_int_equal(json_of(&p.entries[i])[0], '{');
        } else {
            assert_true(rc == DECODE_NOT_JSON || rc == DECODE_BAD_SHAPE || rc == DECODE_BAD_FIELD);
            assert_int_equal(err.status, OMSLOG_ERR_PROTOCOL);
            assert_true(page_is_zero(&p));
            assert_true(all_printable(err.msg));
        }
        log_page_free(&p);
        free(m);
    }
    /* Some mutations land in string contents and still decode. */
    assert_true(ok > 0);
    free(body);
}

/* ------------------------------------------------------------------------ */
/* Entry model */

static void test_entry_copy(void **state)
{
    (void)state;
    size_t len;
    char *body = test_read_file(FIXTURE_PAGE, &len);
    struct log_page p;
    assert_int_equal(decode_page(body, len, &p, NULL), 0);
    struct log_entry copy;
    log_entry_copy(&copy, &p.entries[0]);
    assert_ptr_not_equal(copy.message, p.entries[0].message);
    log_page_free(&p);
    /* The copy survives its source. */
    assert_int_equal(copy.id, 98765);
    assert_int_equal(copy.level, 40);
    assert_int_equal(copy.created.sec, 1795688130);
    assert_int_equal(copy.created.usec, 123456);
    assert_string_equal(copy.message, "İşlem başarısız: sipariş #A-1001 için depo bulunamadı");
    assert_string_equal(copy.created_at, "2026-11-26T10:15:30.123456Z");
    assert_non_null(strstr(json_of(&copy), "\"request_id\":\"9f1c2e\""));
    assert_non_null(strstr(copy.trace, "NoWarehouseAvailable"));
    assert_string_equal(copy.logger_name, "oms.orders.allocation");
    assert_string_equal(copy.app_name, "orders");
    log_entry_free(&copy);
    assert_true(entry_is_zero(&copy));

    /* A zeroed entry copies to a zeroed entry; freeing zeroed structs is fine. */
    struct log_entry zero = {0}, zcopy;
    memset(&zcopy, 0xA5, sizeof zcopy);
    log_entry_copy(&zcopy, &zero);
    assert_true(entry_is_zero(&zcopy));
    log_entry_free(&zcopy);
    log_entry_free(NULL);
    struct log_page zp = {0};
    log_page_free(&zp);
    log_page_free(NULL);
    free(body);
}

/* ------------------------------------------------------------------------ */
/* DRF error bodies */

static void expect_detail(const char *body, const char *want)
{
    char out[DETAIL_MAX];
    memset(out, 'X', sizeof out);
    if (decode_error_detail(body, strlen(body), out, sizeof out) != 0)
        fail_msg("no detail in %s", body);
    if (strcmp(out, want) != 0)
        fail_msg("%s:\n  got  \"%s\"\n  want \"%s\"", body, out, want);
}

static void expect_no_detail(const char *body, size_t len)
{
    char out[DETAIL_MAX] = "untouched";
    if (decode_error_detail(body, len, out, sizeof out) != -1)
        fail_msg("found a detail in %s: \"%s\"", body ? body : "(null)", out);
}

static void test_error_detail(void **state)
{
    (void)state;
    expect_detail("{\"detail\":\"Invalid token.\"}", "Invalid token.");
    expect_detail("{\"detail\": \"Not found.\"}\n", "Not found.");
    expect_detail("{\"detail\":\"Authentication credentials were not provided.\","
                  "\"code\":\"not_authenticated\"}",
                  "Authentication credentials were not provided.");
    expect_detail("{\"detail\":\"Geçersiz sayfa.\"}", "Geçersiz sayfa.");
    expect_detail("{\"level__gte\":[\"Enter a whole number.\"]}",
                  "level__gte: Enter a whole number.");
    expect_detail("{\"level__gte\":[\"Enter a whole number.\"],\"app_name\":\"Too long.\"}",
                  "level__gte: Enter a whole number.; app_name: Too long.");
    expect_detail("{\"page_size\":[\"Too big.\",\"Must be even.\"]}",
                  "page_size: Too big.; page_size: Must be even.");
    expect_detail("[\"Invalid filter.\"]", "Invalid filter.");
    expect_detail("[\"One.\",\"Two.\"]", "One.; Two.");
    expect_detail("{\"non_field_errors\":[\"Dates are out of order.\"]}",
                  "Dates are out of order.");
    expect_detail("{\"detail\":[\"Throttled.\"]}", "Throttled.");
    expect_detail("{\"detail\":\"a\\u0000b\"}", "a\xc0\x80"
                                                "b");
    expect_detail("{\"detail\":\"\\ud800\"}", "\xef\xbf\xbd");
}

static void test_error_detail_rejects(void **state)
{
    (void)state;
    const char *cases[] = {
        "<html>502</html>",
        "",
        "{}",
        "[]",
        "[1]",
        "[\"a\",2]",
        "\"Not found.\"",
        "null",
        "{\"detail\":5}",
        "{\"detail\":null}",
        "{\"field\":[]}",
        "{\"field\":[\"ok\",{}]}",
        "{\"count\":5,\"results\":[]}",
        "{\"field\":{\"nested\":[\"msg\"]}}",
        "{\"detail\":\"truncated",
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_no_detail(cases[i], strlen(cases[i]));
    expect_no_detail(NULL, 0);
    char out[4] = "abc";
    assert_int_equal(decode_error_detail("{\"detail\":\"x\"}", 14, out, 0), -1);
    assert_string_equal(out, "abc"); /* n == 0: nothing written */
}

static void test_error_detail_truncates(void **state)
{
    (void)state;
    char out[8];
    const char *body = "{\"detail\":\"Invalid token.\"}";
    assert_int_equal(decode_error_detail(body, strlen(body), out, sizeof out), 0);
    assert_string_equal(out, "Invalid");
    /* Never cuts a UTF-8 sequence: "Geçers" would cut ç (2 bytes) at byte 4. */
    char small[4];
    body = "{\"detail\":\"Geçersiz\"}";
    assert_int_equal(decode_error_detail(body, strlen(body), small, sizeof small), 0);
    assert_string_equal(small, "Ge");
    char one[1];
    assert_int_equal(decode_error_detail(body, strlen(body), one, sizeof one), 0);
    assert_string_equal(one, "");
    /* An emoji does not fit in 3 bytes: nothing of it is copied. */
    body = "{\"detail\":\"🚚\"}";
    assert_int_equal(decode_error_detail(body, strlen(body), small, sizeof small), 0);
    assert_string_equal(small, "");
}

/* The JSON text is cut from the body: exact numbers and escapes, whitespace gone. */
static void test_raw_json_is_the_servers_text(void **state)
{
    (void)state;
    const char *body =
        "{ \"count\" : 2, \"next\": null, \"previous\": null,\n"
        "  \"results\": [\n"
        "   { \"id\": 2, \"level\": 40, \"logger_name\": \"a b\",\n"
        "     \"message\": \"x \\\" ] } y\", \"app_name\": \"\\u00e7\",\n"
        "     \"trace\": null, \"created_at\": \"2026-11-26T10:15:30Z\",\n"
        "     \"score\": 0.1, \"tags\": [1, {\"k\": [2]}], \"exp\": 1E5,\n"
        "     \"big\": -1234567890123456789, \"long\": 1.000000000000000000001 },\n"
        "   {\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
        "\"app_name\":\"a\",\"trace\":\"\",\"created_at\":\"2026-11-26T10:15:29Z\"}\n"
        "  ] }";
    struct log_page p;
    struct omslog_error err;
    assert_int_equal(decode_page(body, strlen(body), &p, &err), 0);
    assert_int_equal(p.n, 2);
    assert_string_equal(json_of(&p.entries[0]),
                        "{\"id\":2,\"level\":40,\"logger_name\":\"a b\","
                        "\"message\":\"x \\\" ] } y\",\"app_name\":\"\\u00e7\","
                        "\"trace\":null,\"created_at\":\"2026-11-26T10:15:30Z\","
                        "\"score\":0.1,\"tags\":[1,{\"k\":[2]}],\"exp\":1E5,"
                        "\"big\":-1234567890123456789,\"long\":1.000000000000000000001}");
    assert_string_equal(p.entries[0].message, "x \" ] } y");
    assert_string_equal(p.entries[0].app_name, "\xc3\xa7");
    assert_string_equal(
        json_of(&p.entries[1]),
        "{\"id\":1,\"level\":20,\"logger_name\":\"l\",\"message\":\"m\","
        "\"app_name\":\"a\",\"trace\":\"\",\"created_at\":\"2026-11-26T10:15:29Z\"}");
    log_page_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_json_is_the_servers_text),
        cmocka_unit_test(test_fixture_page),
        cmocka_unit_test(test_single_entry),
        cmocka_unit_test(test_stray_nul_after_number),
        cmocka_unit_test(test_stray_nul_in_page),
        cmocka_unit_test(test_raw_json_escaped_quotes),
        cmocka_unit_test(test_numeric_limits),
        cmocka_unit_test(test_page_shapes_ok),
        cmocka_unit_test(test_entry_id_errors),
        cmocka_unit_test(test_entry_level_errors),
        cmocka_unit_test(test_entry_string_errors),
        cmocka_unit_test(test_entry_created_at_errors),
        cmocka_unit_test(test_entry_not_object),
        cmocka_unit_test(test_page_field_errors),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_invalid_json_refused),
        cmocka_unit_test(test_failure_kinds),
        cmocka_unit_test(test_unicode_round_trip),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_lone_surrogates),
        cmocka_unit_test(test_big_trace),
        cmocka_unit_test(test_entry_bytes_typical_page),
        cmocka_unit_test(test_entry_bytes_big_message),
        cmocka_unit_test(test_escapes_written_back_exactly),
        cmocka_unit_test(test_entry_bytes_built_in_code),
        cmocka_unit_test(test_fields_follow_jansson),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_entry_copy),
        cmocka_unit_test(test_error_detail),
        cmocka_unit_test(test_error_detail_rejects),
        cmocka_unit_test(test_error_detail_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
