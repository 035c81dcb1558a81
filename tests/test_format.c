/* test_format.c — table, text, json, jsonl and csv output of entries. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/format.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/util.h"

#include "test_support.h"

#define T_SEC TEST_ENTRY_SEC
#define T_USEC TEST_ENTRY_USEC

/* Run a writer over entries into memory; returns the output (malloc'd). */
static char *render(enum format_kind kind, int width, bool utc, const struct log_entry *es,
                    size_t n, size_t *len_out)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    struct format_writer w;
    format_begin(&w, kind, f, width, utc);
    for (size_t i = 0; i < n; i++)
        format_entry(&w, &es[i]);
    assert_int_equal(w.count, n);
    assert_int_equal(format_end(&w), 0);
    fclose(f);
    if (len_out)
        *len_out = len;
    return data;
}

static int setup(void **state)
{
    (void)state;
    /* Local time and widths must not depend on the machine running the tests. */
    setenv("TZ", "UTC", 1);
    tzset();
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

/* Every line of s is at most width columns; returns the number of lines. */
static size_t assert_lines_within(const char *s, int width)
{
    size_t lines = 0;
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        int w = text_width(p, (size_t)(nl - p));
        if (w > width)
            fail_msg("line %zu is %d columns (> %d): %.*s", lines, w, width, (int)(nl - p), p);
        lines++;
        p = nl + 1;
    }
    return lines;
}

static void test_parse(void **state)
{
    (void)state;
    enum format_kind k = FORMAT_TEXT;
    assert_int_equal(format_parse("table", &k), 0);
    assert_int_equal(k, FORMAT_TABLE);
    assert_int_equal(format_parse("json", &k), 0);
    assert_int_equal(k, FORMAT_JSON);
    assert_int_equal(format_parse("jsonl", &k), 0);
    assert_int_equal(k, FORMAT_JSONL);
    assert_int_equal(format_parse("csv", &k), 0);
    assert_int_equal(k, FORMAT_CSV);
    assert_int_equal(format_parse("text", &k), 0);
    assert_int_equal(k, FORMAT_TEXT);
    k = FORMAT_CSV;
    assert_int_equal(format_parse("xml", &k), -1);
    assert_int_equal(format_parse("", &k), -1);
    assert_int_equal(format_parse("json ", &k), -1);
    assert_int_equal(format_parse(NULL, &k), -1);
    assert_int_equal(k, FORMAT_CSV); /* untouched on failure */
}

static void test_table_default_width(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(1234, LEVEL_ERROR, "web", "oms.orders.views", "Payment failed", ""),
        test_entry(7, 25, "erp", "oms.sync", "custom level", ""),
    };
    char *out = render(FORMAT_TABLE, 0, false, es, 2, NULL);
    /* width 0 → 120: 86 columns of fixed cells, 34 for the message. */
    const char *want =
        "       ID  TIME                 LEVEL     APP               LOGGER"
        "                    MESSAGE\n"
        "     1234  2026-01-02 03:04:05  ERROR     web               oms.orders.views"
        "          Payment failed\n"
        "        7  2026-01-02 03:04:05  Level 25  erp               oms.sync"
        "                  custom level\n";
    assert_string_equal(out, want);
    free(out);
}

static void test_table_header_only_with_entries(void **state)
{
    (void)state;
    size_t len = 99;
    char *out = render(FORMAT_TABLE, 120, false, NULL, 0, &len);
    assert_int_equal(len, 0);
    free(out);
}

static void test_table_cuts_message(void **state)
{
    (void)state;
    struct log_entry e =
        test_entry(1, LEVEL_INFO, "web", "oms", "0123456789012345678901234567890123456789", "");
    char *out = render(FORMAT_TABLE, 120, false, &e, 1, NULL);
    const char *row = strchr(out, '\n') + 1;
    /* 34 columns: 33 characters and the ellipsis, the line exactly 120 wide. */
    assert_string_equal(row, "        1  2026-01-02 03:04:05  INFO      web               oms"
                             "                       012345678901234567890123456789012…\n");
    assert_int_equal(text_width(row, strlen(row) - 1), 120);
    free(out);
}

static void test_table_cuts_every_column(void **state)
{
    (void)state;
    struct log_entry e = test_entry(1, LEVEL_CRITICAL, "an-application-name-that-is-long",
                                    "oms.a.very.long.logger.name.indeed", "m", "");
    char *out = render(FORMAT_TABLE, 120, false, &e, 1, NULL);
    const char *row = strchr(out, '\n') + 1;
    assert_string_equal(row, "        1  2026-01-02 03:04:05  CRITICAL  an-application-…"
                             "  oms.a.very.long.logger.…  m\n");
    free(out);
}

static void test_table_utc(void **state)
{
    (void)state;
    struct log_entry e = test_entry(5, LEVEL_DEBUG, "web", "oms", "hi", "");
    char *out = render(FORMAT_TABLE, 120, true, &e, 1, NULL);
    const char *want = "       ID  TIME                  LEVEL     APP               LOGGER"
                       "                    MESSAGE\n"
                       "        5  2026-01-02 03:04:05Z  DEBUG     web               oms"
                       "                       hi\n";
    assert_string_equal(out, want);
    free(out);
}

static void test_table_local_time(void **state)
{
    (void)state;
    /* A POSIX zone string (UTC+3, no DST) needs no zone database. */
    setenv("TZ", "<+03>-3", 1);
    tzset();
    struct log_entry e = test_entry(5, LEVEL_DEBUG, "web", "oms", "hi", "");
    char *table = render(FORMAT_TABLE, 120, false, &e, 1, NULL);
    char *text = render(FORMAT_TEXT, 120, false, &e, 1, NULL);
    setenv("TZ", "UTC", 1);
    tzset();
    assert_non_null(strstr(table, "        5  2026-01-02 06:04:05  DEBUG"));
    assert_non_null(
        strstr(text, "created_at: 2026-01-02 06:04:05 (2026-01-02T03:04:05.000006Z)\n"));
    free(table);
    free(text);
}

static void test_table_width_80(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(101, LEVEL_ERROR, "sipariş-servisi", "oms.sipariş.görünümler",
                   "İşlem başarısız: sipariş 4711 için ödeme alınamadı, kart reddedildi", ""),
        test_entry(102, LEVEL_WARNING, "注文アプリ", "注文.処理",
                   "注文の処理中にエラーが発生しました。在庫が不足しています。", ""),
        test_entry(103, LEVEL_INFO, "📦📦📦📦📦📦📦📦📦", "📦.shipping", "📦 paket 📦 gönderildi 🚚🚚🚚🚚🚚🚚🚚🚚🚚🚚🚚🚚",
                   ""),
        test_entry(104, LEVEL_INFO,
                   "e\xcc\x81"
                   "app",
                   "log",
                   "e\xcc\x81"
                   "e\xcc\x81",
                   ""),
    };
    char *out = render(FORMAT_TABLE, 80, false, es, ARRAY_LEN(es), NULL);
    assert_int_equal(assert_lines_within(out, 80), 5);
    /* At 80: ID 9, TIME 19, LEVEL 8, APP 8, LOGGER 12, MESSAGE 14. */
    const char *first = out;
    assert_int_equal(strncmp(first,
                             "       ID  TIME                 LEVEL     APP       LOGGER"
                             "        MESSAGE\n",
                             strlen("       ID  TIME                 LEVEL     APP       "
                                    "LOGGER        MESSAGE\n")),
                     0);
    assert_non_null(strstr(out, "  sipariş…  oms.sipariş…  İşlem başarıs…\n"));
    /* CJK: 7 wide characters do not fit in 8 columns with the ellipsis: the
     * straddling one is left out and the cell padded. */
    assert_non_null(strstr(out, "  注文ア… "));
    assert_non_null(strstr(out, "  注文の処理中…\n")); /* 12 + 1 columns */
    assert_non_null(strstr(out, "  📦📦📦… "));
    assert_non_null(strstr(out, "  e\xcc\x81"
                                "app      log           e\xcc\x81"
                                "e\xcc\x81\n"));
    free(out);
}

static void test_table_narrow_widths(void **state)
{
    (void)state;
    struct log_entry e = test_entry(42, LEVEL_ERROR, "web", "oms.x",
                                    "a message long enough to be cut at narrow widths", "");
    /* 40 is the smallest width used: only ID, LEVEL and MESSAGE remain. */
    char *out = render(FORMAT_TABLE, 40, false, &e, 1, NULL);
    assert_string_equal(out, "       ID  LEVEL     MESSAGE\n"
                             "       42  ERROR     a message long eno…\n");
    free(out);
    /* Anything narrower is treated as 40. */
    char *narrow = render(FORMAT_TABLE, 10, false, &e, 1, NULL);
    out = render(FORMAT_TABLE, 40, false, &e, 1, NULL);
    assert_string_equal(narrow, out);
    free(narrow);
    free(out);
    /* Each width from 40 to 130 keeps every line within it. */
    for (int w = 40; w <= 130; w++) {
        out = render(FORMAT_TABLE, w, w % 2 == 0, &e, 1, NULL);
        assert_int_equal(assert_lines_within(out, w), 2);
        free(out);
    }
}

static void test_table_wide_id(void **state)
{
    (void)state;
    struct log_entry e = test_entry(INT64_C(123456789012), LEVEL_INFO, "web", "oms",
                                    "0123456789012345678901234567890123456789", "");
    char *out = render(FORMAT_TABLE, 120, false, &e, 1, NULL);
    const char *row = strchr(out, '\n') + 1;
    /* The id is shown whole; the message gives up three columns. */
    assert_int_equal(strncmp(row, "123456789012  2026", strlen("123456789012  2026")), 0);
    assert_int_equal(assert_lines_within(out, 120), 2);
    assert_int_equal(text_width(row, strlen(row) - 1), 120);
    free(out);
}

static void test_table_sanitises(void **state)
{
    (void)state;
    struct log_entry e = test_entry(1, LEVEL_ERROR, "w\x1b[31m", "l\x9b",
                                    "\x1b]0;owned\x07line1\nline2\r\x1b[2J\xe2\x80\xae", "");
    char *out = render(FORMAT_TABLE, 200, false, &e, 1, NULL);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, '\a'));
    assert_null(strchr(out, '\r'));
    assert_null(strstr(out, "\xe2\x80\xae"));
    /* One row per entry: the header and one line. */
    assert_int_equal(assert_lines_within(out, 200), 2);
    assert_non_null(strstr(out, "\\e]0;owned\\x07line1 line2\\r\\e[2J\\u{202e}\n"));
    assert_non_null(strstr(out, "w\\e[31m"));
    assert_non_null(strstr(out, "l\\x9b"));
    free(out);
}

static void test_text(void **state)
{
    (void)state;
    struct log_entry e =
        test_entry(123, LEVEL_ERROR, "web", "oms.orders", "Payment failed\nfor order 42",
                   "Traceback (most recent call last):\n"
                   "  File \"a.py\", line 1, in <module>\n"
                   "\n"
                   "ValueError: bad\n");
    char *out = render(FORMAT_TEXT, 80, false, &e, 1, NULL);
    assert_string_equal(out, "id: 123\n"
                             "level: ERROR (40)\n"
                             "created_at: 2026-01-02 03:04:05 (2026-01-02T03:04:05.000006Z)\n"
                             "app_name: web\n"
                             "logger_name: oms.orders\n"
                             "message:\n"
                             "  Payment failed\n"
                             "  for order 42\n"
                             "trace:\n"
                             "  Traceback (most recent call last):\n"
                             "    File \"a.py\", line 1, in <module>\n"
                             "\n"
                             "  ValueError: bad\n");
    free(out);
}

static void test_text_empty_and_utc(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(1, 25, "web", "oms", "", ""),
        test_entry(2, LEVEL_INFO, "web", "oms", "x", NULL),
    };
    char *out = render(FORMAT_TEXT, 80, true, es, 2, NULL);
    assert_string_equal(out, "id: 1\n"
                             "level: Level 25 (25)\n"
                             "created_at: 2026-01-02 03:04:05Z (2026-01-02T03:04:05.000006Z)\n"
                             "app_name: web\n"
                             "logger_name: oms\n"
                             "message:\n"
                             "  (empty)\n"
                             "trace:\n"
                             "  (none)\n"
                             "\n"
                             "id: 2\n"
                             "level: INFO (20)\n"
                             "created_at: 2026-01-02 03:04:05Z (2026-01-02T03:04:05.000006Z)\n"
                             "app_name: web\n"
                             "logger_name: oms\n"
                             "message:\n"
                             "  x\n"
                             "trace:\n"
                             "  (none)\n");
    free(out);
}

/* The level's name is whole for any int, in text, table and csv alike. */
static void test_extreme_levels_whole(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(1, INT_MAX, "web", "oms", "m", NULL),
        test_entry(2, INT_MIN, "web", "oms", "m", NULL),
    };
    char *out = render(FORMAT_TEXT, 80, true, es, 2, NULL);
    assert_non_null(strstr(out, "level: Level 2147483647 (2147483647)\n"));
    assert_non_null(strstr(out, "level: Level -2147483648 (-2147483648)\n"));
    free(out);
    out = render(FORMAT_TABLE, 120, true, es, 2, NULL);
    assert_non_null(strstr(out, "Level 2147483647  "));
    assert_non_null(strstr(out, "Level -2147483648  "));
    free(out);
    out = render(FORMAT_CSV, 80, true, es, 2, NULL);
    assert_non_null(strstr(out, "1,2147483647,Level 2147483647,"));
    assert_non_null(strstr(out, "2,-2147483648,Level -2147483648,"));
    free(out);
}

static void test_text_sanitises(void **state)
{
    (void)state;
    struct log_entry e = test_entry(9, LEVEL_ERROR, "we\nb", "l\x1b[0m",
                                    "a\x1b]52;c;eA==\x07"
                                    "b\r\n\tc\xc0\x80",
                                    "t\x1b"
                                    "P\xc2\x9b");
    e.created_at = "2026\x1b[2J";
    char *out = render(FORMAT_TEXT, 80, false, &e, 1, NULL);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\a'));
    assert_null(strstr(out, "\xc2\x9b"));
    assert_non_null(strstr(out, "app_name: we\\nb\n"));
    assert_non_null(strstr(out, "logger_name: l\\e[0m\n"));
    assert_non_null(strstr(out, "(2026\\e[2J)\n"));
    assert_non_null(strstr(out, "message:\n  a\\e]52;c;eA==\\x07b\\r\n  \tc\\0\n"));
    assert_non_null(strstr(out, "trace:\n  t\\eP\\u{9b}\n"));
    free(out);
}

static void test_json(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(2, LEVEL_ERROR, "web", "l", "m", ""),
        test_entry(1, LEVEL_INFO, "web", "l", "m", ""),
    };
    es[0].raw_json = "{\"id\":2,\"level\":40,\"extra\":\"kept\"}";
    es[1].raw_json = "{\"id\":1,\"level\":20}";
    char *out = render(FORMAT_JSON, 80, false, es, 2, NULL);
    assert_string_equal(out, "[\n{\"id\":2,\"level\":40,\"extra\":\"kept\"},\n"
                             "{\"id\":1,\"level\":20}\n]\n");
    free(out);
    out = render(FORMAT_JSON, 80, false, es, 1, NULL);
    assert_string_equal(out, "[\n{\"id\":2,\"level\":40,\"extra\":\"kept\"}\n]\n");
    free(out);
    out = render(FORMAT_JSON, 80, false, NULL, 0, NULL);
    assert_string_equal(out, "[]\n");
    free(out);
    out = render(FORMAT_JSONL, 80, false, es, 2, NULL);
    assert_string_equal(out, "{\"id\":2,\"level\":40,\"extra\":\"kept\"}\n"
                             "{\"id\":1,\"level\":20}\n");
    free(out);
    size_t len = 1;
    out = render(FORMAT_JSONL, 80, false, NULL, 0, &len);
    assert_int_equal(len, 0);
    free(out);
}

static void test_json_is_exact_not_sanitised(void **state)
{
    (void)state;
    /* json is for programs: raw_json is passed through byte for byte. */
    struct log_entry e = test_entry(1, LEVEL_INFO, "w", "l", "m", "");
    e.raw_json = "{\"message\":\"\\u001b[2J İ 注文 📦\"}";
    char *out = render(FORMAT_JSONL, 80, false, &e, 1, NULL);
    assert_string_equal(out, "{\"message\":\"\\u001b[2J İ 注文 📦\"}\n");
    free(out);
}

static void test_json_fallback_encoder(void **state)
{
    (void)state;
    struct log_entry e =
        test_entry(-3, 45, "a\"b\\c", NULL, "l1\nl2\r\t\x01\x1b\x7f nul:\xc0\x80 İ注📦", "");
    e.created_at = NULL; /* rendered from the parsed time */
    char *out = render(FORMAT_JSONL, 80, false, &e, 1, NULL);
    assert_string_equal(out, "{\"id\":-3,\"level\":45,\"logger_name\":null,"
                             "\"message\":\"l1\\nl2\\r\\t\\u0001\\u001b\x7f nul:\\u0000 İ注📦\","
                             "\"app_name\":\"a\\\"b\\\\c\",\"trace\":\"\","
                             "\"created_at\":\"2026-01-02T03:04:05.000006Z\"}\n");
    free(out);
}

static void test_csv(void **state)
{
    (void)state;
    struct log_entry es[] = {
        test_entry(10, LEVEL_ERROR, "web", "oms.orders", "plain", ""),
        test_entry(9, 25, "a,b", "say \"hi\"", "line1\nline2", "tb\r\nend"),
        test_entry(8, LEVEL_INFO, "İş", "注文", "📦 \x1b[2J", NULL),
    };
    char *out = render(FORMAT_CSV, 80, false, es, 3, NULL);
    assert_string_equal(out,
                        "id,level,level_name,created_at,app_name,logger_name,message,trace\r\n"
                        "10,40,ERROR,2026-01-02T03:04:05.000006Z,web,oms.orders,plain,\r\n"
                        "9,25,Level 25,2026-01-02T03:04:05.000006Z,\"a,b\",\"say \"\"hi\"\"\","
                        "\"line1\nline2\",\"tb\r\nend\"\r\n"
                        "8,20,INFO,2026-01-02T03:04:05.000006Z,İş,注文,📦 \x1b[2J,\r\n");
    free(out);
    /* The header is there even with no rows. */
    out = render(FORMAT_CSV, 80, false, NULL, 0, NULL);
    assert_string_equal(out,
                        "id,level,level_name,created_at,app_name,logger_name,message,trace\r\n");
    free(out);
}

static void test_csv_nul_is_a_nul_byte(void **state)
{
    (void)state;
    /* decode turns "\u0000" into C0 80; csv must give the reader U+0000 back,
     * not two bytes that are not even valid UTF-8. */
    struct log_entry e = test_entry(3, LEVEL_INFO,
                                    "a\xc0\x80"
                                    "b",
                                    "l", "\xc0\x80", "x");
    size_t len = 0;
    char *out = render(FORMAT_CSV, 80, false, &e, 1, &len);
    static const char want[] =
        "id,level,level_name,created_at,app_name,logger_name,message,trace\r\n"
        "3,20,INFO,2026-01-02T03:04:05.000006Z,\"a\0b\",l,\"\0\",x\r\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(out, want, sizeof want - 1);
    free(out);
}

static char *redact(const char *s, const char *secret, unsigned flags)
{
    struct buf b;
    buf_init(&b);
    format_redacted(&b, s, strlen(s), secret, flags);
    return buf_steal(&b);
}

static void test_redacted_whole_and_partial_secret(void **state)
{
    (void)state;
    const char *key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"; /* DRF-style, 40 hex */
    char *out = redact("401: Invalid token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b.", key, 0);
    assert_string_equal(out, "401: Invalid token ***.");
    free(out);
    /* Cut short by an excerpt limit, or only its tail: still hidden. */
    out = redact("body starts: \"Token 9944b09199c6...\"", key, 0);
    assert_string_equal(out, "body starts: \"Token ***...\"");
    free(out);
    out = redact("x=bdfc6ee4b&y", key, 0);
    assert_string_equal(out, "x=***&y");
    free(out);
    /* Twice, and glued to other text. */
    out = redact("a9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b9944b09199c62bcfz", key, 0);
    assert_string_equal(out, "a***z");
    free(out);
    /* Seven bytes of it are not enough to hide (too likely to be ordinary text). */
    out = redact("id 9944b09 ok", key, 0);
    assert_string_equal(out, "id 9944b09 ok");
    free(out);
}

static void test_redacted_overlapping_runs_leave_nothing(void **state)
{
    (void)state;
    /* The longest run from position 0 is "abcdefgh" (then "x" breaks it); the
     * run from position 1 goes on through "ijkl": all of it must go. */
    const char *key = "abcdefghxbcdefghijkl";
    char *out = redact("<abcdefghijkl>", key, 0);
    assert_string_equal(out, "<***>");
    free(out);
}

static void test_redacted_sanitises_too(void **state)
{
    (void)state;
    const char *key = "secret-token-123";
    char *out =
        redact("\x1b]0;t\x07 secret-token-123\r\n\xc2\x9b \xe2\x80\xae", key, SANITIZE_ONE_LINE);
    assert_string_equal(out, "\\e]0;t\\x07 ***\\r \\u{9b} \\u{202e}");
    free(out);
    /* A UTF-8 sequence cut by a byte count (printf's %.40s) becomes visible. */
    out = redact("tail \xc5", key, 0);
    assert_string_equal(out, "tail \\xc5");
    free(out);
}

static void test_redacted_short_or_missing_secret(void **state)
{
    (void)state;
    char *out = redact("a b\x1b", NULL, 0);
    assert_string_equal(out, "a b\\e");
    free(out);
    /* A 3-byte "secret" would redact every "abc" in every message. */
    out = redact("abc abcd", "abc", 0);
    assert_string_equal(out, "abc abcd");
    free(out);
    /* A short secret is hidden whole, never in part. */
    out = redact("pw=hunter2, hunter", "hunter2", 0);
    assert_string_equal(out, "pw=***, hunter");
    free(out);
    out = redact("", "hunter2", 0);
    assert_string_equal(out, "");
    free(out);
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        skip();
        return;
    }
    struct log_entry e = test_entry(1, LEVEL_INFO, "w", "l", "m", "");
    enum format_kind kinds[] = {FORMAT_TABLE, FORMAT_TEXT, FORMAT_CSV, FORMAT_JSONL};
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        clearerr(f);
        struct format_writer w;
        format_begin(&w, kinds[i], f, 80, false);
        format_entry(&w, &e);
        assert_int_equal(format_end(&w), -1);
    }
    /* json writes even with no entries ("[]"), so it fails too. */
    clearerr(f);
    struct format_writer w;
    format_begin(&w, FORMAT_JSON, f, 80, false);
    assert_int_equal(format_end(&w), -1);
    fclose(f);
}

static void test_begin_sets_fields(void **state)
{
    (void)state;
    struct format_writer w;
    memset(&w, 0xff, sizeof w);
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    format_begin(&w, FORMAT_TABLE, f, 99, true);
    assert_int_equal(w.kind, FORMAT_TABLE);
    assert_ptr_equal(w.out, f);
    assert_int_equal(w.width, 99);
    assert_true(w.utc);
    assert_int_equal(w.count, 0);
    assert_int_equal(format_end(&w), 0);
    fclose(f);
    free(data);
}

#define TICKET_ENDPOINT "https://oms.example/api/v1/oms/logs/action_log/"

static char *ticket(const struct log_entry *const *es, size_t n, const char *endpoint)
{
    struct buf b;
    buf_init(&b);
    format_ticket(&b, es, n, endpoint, true);
    return buf_steal(&b);
}

static void test_ticket_one_entry(void **state)
{
    (void)state;
    struct log_entry e = test_entry(5558, LEVEL_ERROR, "order_service", "oms.orders",
                                    "Payment failed\nfor order 42", "Traceback\n  x\n");
    const struct log_entry *es[] = {&e};
    char *out = ticket(es, 1, TICKET_ENDPOINT);
    assert_string_equal(out, "ERROR order_service 2026-01-02 03:04:05Z #5558\n"
                             "\n"
                             "```\n"
                             "id: 5558\n"
                             "level: ERROR (40)\n"
                             "created_at: 2026-01-02T03:04:05.000006Z\n"
                             "app_name: order_service\n"
                             "logger_name: oms.orders\n"
                             "```\n"
                             "\n"
                             "Message:\n"
                             "\n"
                             "```\n"
                             "Payment failed\n"
                             "for order 42\n"
                             "```\n"
                             "\n"
                             "Trace:\n"
                             "\n"
                             "```\n"
                             "Traceback\n"
                             "  x\n"
                             "```\n"
                             "\n" TICKET_ENDPOINT "5558/\n");
    free(out);

    /* No server: no URL line; an empty trace says so instead of a block. */
    e.trace = "";
    out = ticket(es, 1, NULL);
    assert_null(strstr(out, "https://"));
    assert_non_null(strstr(out, "\nTrace: none\n"));
    free(out);
}

/* The longest run of c in s. */
static size_t longest_run(const char *s, char c)
{
    size_t best = 0, run = 0;
    for (; *s; s++) {
        run = *s == c ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static void test_ticket_fence_longer_than_backticks(void **state)
{
    (void)state;
    static const size_t runs[] = {3, 5, 10};
    for (size_t i = 0; i < ARRAY_LEN(runs); i++) {
        char msg[64], fence[16];
        size_t r = runs[i];
        memset(fence, '`', r + 1);
        fence[r + 1] = '\0';
        int len = snprintf(msg, sizeof msg, "before %.*s after", (int)r, "``````````");
        assert_true(len > 0);
        struct log_entry e = test_entry(7, LEVEL_INFO, "web", "oms", msg, "");
        const struct log_entry *es[] = {&e};
        char *out = ticket(es, 1, NULL);
        /* The message block opens and closes with exactly r + 1 backticks,
         * on lines of their own, around the message as it was. */
        struct buf want;
        buf_init(&want);
        buf_printf(&want, "Message:\n\n%s\n%s\n%s\n", fence, msg, fence);
        assert_non_null(strstr(out, buf_str(&want)));
        assert_int_equal(longest_run(out, '`'), r + 1);
        buf_free(&want);
        free(out);
    }
    /* Without backticks the fence is the usual three; a run of 2 keeps it. */
    struct log_entry e = test_entry(7, LEVEL_INFO, "web", "oms", "a `` b", "");
    const struct log_entry *es[] = {&e};
    char *out = ticket(es, 1, NULL);
    assert_non_null(strstr(out, "Message:\n\n```\na `` b\n```\n"));
    assert_int_equal(longest_run(out, '`'), 3);
    free(out);
}

static void test_ticket_several_entries_oldest_first(void **state)
{
    (void)state;
    struct log_entry newer = test_entry(30, LEVEL_ERROR, "web", "oms", "third", "");
    struct log_entry older = test_entry(10, LEVEL_WARNING, "pay", "oms", "first", "");
    struct log_entry same = test_entry(20, LEVEL_INFO, "wms", "oms", "second", "");
    newer.created.sec += 60;
    older.created.sec -= 60;
    const struct log_entry *es[] = {&newer, &same, &older};
    char *out = ticket(es, 3, TICKET_ENDPOINT);
    const char *a = strstr(out, "WARNING pay 2026-01-02 03:03:05Z #10\n");
    const char *b = strstr(out, "INFO wms 2026-01-02 03:04:05Z #20\n");
    const char *c = strstr(out, "ERROR web 2026-01-02 03:05:05Z #30\n");
    assert_true(a == out && b > a && c > b);
    /* Sections are separated by a blank line, --- and a blank line. */
    assert_non_null(strstr(out, TICKET_ENDPOINT "10/\n\n---\n\nINFO wms"));
    assert_non_null(strstr(out, TICKET_ENDPOINT "20/\n\n---\n\nERROR web"));
    assert_null(strstr(c, "---"));
    /* The caller's array is left in its order. */
    assert_ptr_equal(es[0], &newer);
    free(out);
}

static void test_ticket_hostile_text(void **state)
{
    (void)state;
    struct log_entry e =
        test_entry(9, LEVEL_ERROR, "app\x1b]0;t\x07", "log\ngger",
                   "m\x1b[201~rm -rf ~\r\n\x9b\tend", "tr\x1b]52;c;eA==\x07\xc2\x9b");
    e.created_at = "2026\x1b[2J";
    const struct log_entry *es[] = {&e};
    char *out = ticket(es, 1, TICKET_ENDPOINT);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        assert_true(*p >= 0x20 || *p == '\n' || *p == '\t');
    assert_null(strstr(out, "\xc2\x9b")); /* no C1 CSI either */
    /* Newlines and tabs stay; the rest shows as the screen shows it. */
    assert_non_null(strstr(out, "```\nm\\e[201~rm -rf ~\\r\n\\x9b\tend\n```\n"));
    assert_non_null(strstr(out, "ERROR app\\e]0;t\\x07 2026-01-02 03:04:05Z #9\n"));
    assert_non_null(strstr(out, "logger_name: log\\ngger\n"));
    assert_non_null(strstr(out, "created_at: 2026\\e[2J\n"));
    assert_non_null(strstr(out, "tr\\e]52;c;eA==\\x07\\u{9b}\n"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_table_default_width),
        cmocka_unit_test(test_table_header_only_with_entries),
        cmocka_unit_test(test_table_cuts_message),
        cmocka_unit_test(test_table_cuts_every_column),
        cmocka_unit_test(test_table_utc),
        cmocka_unit_test(test_table_local_time),
        cmocka_unit_test(test_table_width_80),
        cmocka_unit_test(test_table_narrow_widths),
        cmocka_unit_test(test_table_wide_id),
        cmocka_unit_test(test_table_sanitises),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_text_empty_and_utc),
        cmocka_unit_test(test_extreme_levels_whole),
        cmocka_unit_test(test_text_sanitises),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_is_exact_not_sanitised),
        cmocka_unit_test(test_json_fallback_encoder),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_nul_is_a_nul_byte),
        cmocka_unit_test(test_redacted_whole_and_partial_secret),
        cmocka_unit_test(test_redacted_overlapping_runs_leave_nothing),
        cmocka_unit_test(test_redacted_sanitises_too),
        cmocka_unit_test(test_redacted_short_or_missing_secret),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_begin_sets_fields),
        cmocka_unit_test(test_ticket_one_entry),
        cmocka_unit_test(test_ticket_fence_longer_than_backticks),
        cmocka_unit_test(test_ticket_several_entries_oldest_first),
        cmocka_unit_test(test_ticket_hostile_text),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
