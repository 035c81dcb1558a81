/* test_datetime.c — ISO 8601 parsing and display formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/datetime.h"

/* date -u -d 2026-11-26T10:15:30Z +%s */
#define T_2026_11_26_101530 INT64_C(1795688130)
#define SECS_PER_HOUR 3600
#define SECS_PER_MIN 60
#define SECS_PER_DAY 86400

static struct log_time parse_ok(const char *s)
{
    struct log_time t = {-1, -1};
    if (datetime_parse(s, &t) != 0)
        fail_msg("datetime_parse rejected \"%s\"", s);
    return t;
}

static void assert_parses(const char *s, int64_t sec, int32_t usec)
{
    struct log_time t = parse_ok(s);
    if (t.sec != sec || t.usec != usec)
        fail_msg("\"%s\" → %lld.%06d, expected %lld.%06d", s, (long long)t.sec, (int)t.usec,
                 (long long)sec, (int)usec);
}

static void assert_rejects(const char *s)
{
    struct log_time t = {42, 7};
    if (datetime_parse(s, &t) == 0)
        fail_msg("datetime_parse accepted \"%s\"", s);
    /* *out untouched on failure */
    assert_int_equal(t.sec, 42);
    assert_int_equal(t.usec, 7);
}

static void test_basic_forms(void **state)
{
    (void)state;
    const int64_t base = T_2026_11_26_101530;
    assert_parses("2026-11-26T10:15:30Z", base, 0);
    assert_parses("2026-11-26T10:15:30.123456Z", base, 123456);
    assert_parses("2026-11-26T10:15:30.1Z", base, 100000);
    assert_parses("2026-11-26T10:15:30.000001Z", base, 1);
    assert_parses("2026-11-26T10:15:30.123456789+03:00", base - 3 * SECS_PER_HOUR, 123456);
    assert_parses("2026-11-26T10:15:30.999999999Z", base, 999999);
    assert_parses("2026-11-26T10:15:30-05:30", base + 5 * SECS_PER_HOUR + 30 * SECS_PER_MIN, 0);
    assert_parses("2026-11-26T10:15:30+0300", base - 3 * SECS_PER_HOUR, 0);
    assert_parses("2026-11-26T10:15:30-0130", base + SECS_PER_HOUR + 30 * SECS_PER_MIN, 0);
    assert_parses("2026-11-26T10:15:30+03", base - 3 * SECS_PER_HOUR, 0);
    assert_parses("2026-11-26T10:15:30+00:00", base, 0);
    assert_parses("2026-11-26T10:15:30-00:00", base, 0);
    assert_parses("2026-11-26t10:15:30z", base, 0);
    assert_parses("2026-11-26 10:15:30Z", base, 0);
    assert_parses("2026-11-26 10:15:30.5", base, 500000);
    assert_parses("2026-11-26T10:15:30", base, 0); /* no zone: UTC */
    assert_parses("2026-11-26T10:15:30.123456", base, 123456);
    assert_parses("2026-11-26T23:30:00+23:59",
                  base + 13 * SECS_PER_HOUR + 14 * SECS_PER_MIN + 30 - 23 * SECS_PER_HOUR -
                      59 * SECS_PER_MIN,
                  0);
}

static void test_known_epochs(void **state)
{
    (void)state;
    assert_parses("1970-01-01T00:00:00Z", 0, 0);
    assert_parses("1969-12-31T23:59:59.999999Z", -1, 999999);
    assert_parses("0001-01-01T00:00:00Z", INT64_C(-62135596800), 0);
    assert_parses("9999-12-31T23:59:59Z", INT64_C(253402300799), 0);
    assert_parses("2000-02-29T00:00:00Z", INT64_C(951782400), 0);
    assert_parses("2024-02-29T12:00:00Z", INT64_C(1709208000), 0);
    /* 2027-01-01T00:00:00Z is 1798761600; the offset moves the instant back
     * across a day, month and year boundary. */
    assert_parses("2027-01-01T01:00:00+03:00", INT64_C(1798761600) - 2 * SECS_PER_HOUR, 0);
    /* Leap second: second 60 is the next minute's :00. */
    assert_parses("2016-12-31T23:59:60Z", INT64_C(1483228800), 0);
}

static void test_leap_days(void **state)
{
    (void)state;
    parse_ok("2024-02-29T00:00:00Z");
    parse_ok("2000-02-29T00:00:00Z");
    parse_ok("1600-02-29T00:00:00Z");
    assert_rejects("2023-02-29T00:00:00Z");
    assert_rejects("1900-02-29T00:00:00Z");
    assert_rejects("2100-02-29T00:00:00Z");
    assert_rejects("2024-02-30T00:00:00Z");
}

static void test_invalid_ranges(void **state)
{
    (void)state;
    assert_rejects("2026-00-26T10:15:30Z");
    assert_rejects("2026-13-26T10:15:30Z");
    assert_rejects("2026-11-00T10:15:30Z");
    assert_rejects("2026-11-31T10:15:30Z");
    assert_rejects("2026-04-31T10:15:30Z");
    assert_rejects("2026-12-32T10:15:30Z");
    assert_rejects("2026-11-26T24:00:00Z");
    assert_rejects("2026-11-26T10:60:30Z");
    assert_rejects("2026-11-26T10:15:61Z");
    assert_rejects("0000-01-01T00:00:00Z");
    assert_rejects("2026-11-26T10:15:30+24:00");
    assert_rejects("2026-11-26T10:15:30+03:60");
}

static void test_malformed(void **state)
{
    (void)state;
    assert_rejects("");
    assert_rejects(NULL);
    assert_rejects("garbage");
    assert_rejects("2026-11-26");
    assert_rejects("2026-11-26T10:15"); /* seconds are required */
    assert_rejects("2026-11-26T10:15Z");
    assert_rejects("2026-11-26T10:15:30ZZ");
    assert_rejects("2026-11-26T10:15:30Z junk");
    assert_rejects("2026-11-26T10:15:30 ");
    assert_rejects(" 2026-11-26T10:15:30Z");
    assert_rejects("2026-11-26T10:15:30.Z");
    assert_rejects("2026-11-26T10:15:30.");
    assert_rejects("2026-11-26T10:15:30.1234567890Z"); /* 10 fraction digits */
    assert_rejects("2026-11-26T10:15:30,123Z");
    assert_rejects("2026-11-26T10:15:30+3:00");
    assert_rejects("2026-11-26T10:15:30+03:0");
    assert_rejects("2026-11-26T10:15:30+030");
    assert_rejects("2026-11-26T10:15:30+03:00:00");
    assert_rejects("2026-11-26T10:15:30+");
    assert_rejects("2026-11-26T10:15:30UTC");
    assert_rejects("2026-11-26X10:15:30Z");
    assert_rejects("2026/11/26T10:15:30Z");
    assert_rejects("2026-1-26T10:15:30Z");
    assert_rejects("2026-11-26T1:15:30Z");
    assert_rejects("26-11-26T10:15:30Z");
    assert_rejects("99999-11-26T10:15:30Z"); /* years past 9999 */
    assert_rejects("+2026-11-26T10:15:30Z");
    assert_rejects("-2026-11-26T10:15:30Z");
    assert_rejects("2026-11-26T10:15:3OZ");
    assert_rejects("２０２６-11-26T10:15:30Z"); /* full-width digits */
}

/* Every day from 1600 to 2400 against the C library, as an independent check
 * of the calendar arithmetic (timegm is fine here: valid fields only). */
static void test_against_timegm(void **state)
{
    (void)state;
    char text[64];
    for (int year = 1600; year <= 2400; year++) {
        for (int month = 1; month <= 12; month++) {
            for (int day = 1; day <= 31; day++) {
                struct tm tm = {0};
                tm.tm_year = year - 1900;
                tm.tm_mon = month - 1;
                tm.tm_mday = day;
                tm.tm_hour = 13;
                tm.tm_min = 7;
                tm.tm_sec = 9;
                time_t expect = timegm(&tm);
                int valid = tm.tm_mday == day; /* timegm normalised an invalid day */
                snprintf(text, sizeof text, "%04d-%02d-%02dT13:07:09Z", year, month, day);
                struct log_time t = {0, 0};
                int rc = datetime_parse(text, &t);
                if (valid && (rc != 0 || t.sec != (int64_t)expect))
                    fail_msg("%s: got rc %d sec %lld, want %lld", text, rc, (long long)t.sec,
                             (long long)expect);
                if (!valid && rc == 0)
                    fail_msg("%s accepted", text);
            }
        }
    }
}

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static void test_format_utc(void **state)
{
    (void)state;
    char buf[DATETIME_TEXT_MAX];
    struct log_time t = {T_2026_11_26_101530, 123456};
    assert_string_equal(datetime_format(t, 1, 0, buf), "2026-11-26 10:15:30Z");
    assert_ptr_equal(datetime_format(t, 1, 1, buf), buf);
    assert_string_equal(buf, "2026-11-26 10:15:30.123456Z");
    struct log_time early = {0, 5};
    assert_string_equal(datetime_format(early, 1, 1, buf), "1970-01-01 00:00:00.000005Z");
    struct log_time before = {-1, 0};
    assert_string_equal(datetime_format(before, 1, 0, buf), "1969-12-31 23:59:59Z");
}

static void test_format_local(void **state)
{
    (void)state;
    char buf[DATETIME_TEXT_MAX];
    struct log_time t = {T_2026_11_26_101530, 42};
    set_tz("Europe/Istanbul"); /* UTC+3 all year since 2016 */
    assert_string_equal(datetime_format(t, 0, 0, buf), "2026-11-26 13:15:30");
    assert_string_equal(datetime_format(t, 0, 1, buf), "2026-11-26 13:15:30.000042");
    /* utc ignores TZ */
    assert_string_equal(datetime_format(t, 1, 0, buf), "2026-11-26 10:15:30Z");
    set_tz("UTC");
    assert_string_equal(datetime_format(t, 0, 0, buf), "2026-11-26 10:15:30");
    set_tz("America/New_York"); /* EST in November: UTC-5 */
    assert_string_equal(datetime_format(t, 0, 0, buf), "2026-11-26 05:15:30");
    /* Parsing is independent of TZ. */
    assert_int_equal(parse_ok("2026-11-26T10:15:30").sec, T_2026_11_26_101530);
    set_tz("UTC");
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char buf[DATETIME_TEXT_MAX];
    struct log_time t = parse_ok("2024-02-29T23:59:59.654321+00:00");
    assert_string_equal(datetime_format(t, 1, 1, buf), "2024-02-29 23:59:59.654321Z");
    t = parse_ok("2024-03-01T01:30:00.5+02:00");
    assert_string_equal(datetime_format(t, 1, 1, buf), "2024-02-29 23:30:00.500000Z");
}

static void test_format_extremes(void **state)
{
    (void)state;
    char buf[DATETIME_TEXT_MAX];
    /* An out-of-range usec is clamped, never printed as garbage. */
    struct log_time t = {0, 5000000};
    assert_string_equal(datetime_format(t, 1, 1, buf), "1970-01-01 00:00:00.999999Z");
    /* A time no struct tm can hold: a fixed marker, bounded and terminated. */
    struct log_time huge = {INT64_MAX, 0};
    datetime_format(huge, 1, 1, buf);
    assert_true(strlen(buf) < DATETIME_TEXT_MAX);
    assert_string_equal(buf, "(invalid time)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_forms),       cmocka_unit_test(test_known_epochs),
        cmocka_unit_test(test_leap_days),         cmocka_unit_test(test_invalid_ranges),
        cmocka_unit_test(test_malformed),         cmocka_unit_test(test_against_timegm),
        cmocka_unit_test(test_format_utc),        cmocka_unit_test(test_format_local),
        cmocka_unit_test(test_format_round_trip), cmocka_unit_test(test_format_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
