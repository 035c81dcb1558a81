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
#include "omslog/error.h"

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

/* ---- times people type ---- */

static struct log_time at(const char *iso)
{
    return parse_ok(iso);
}

static void assert_user(const char *s, struct log_time now, bool utc, const char *want_iso)
{
    struct log_time want = at(want_iso), got = {-1, -1};
    struct omslog_error err = {0};
    if (datetime_parse_user(s, now, utc, &got, &err) != OMSLOG_OK)
        fail_msg("\"%s\" rejected: %s", s, err.msg);
    if (got.sec != want.sec || got.usec != want.usec)
        fail_msg("\"%s\" (%s) → %lld.%06d, expected %s = %lld.%06d", s, utc ? "utc" : "local",
                 (long long)got.sec, (int)got.usec, want_iso, (long long)want.sec, (int)want.usec);
}

static void assert_user_rejects(const char *s, const char *words)
{
    struct log_time now = at("2026-11-26T10:15:30Z"), out = {42, 7};
    struct omslog_error err = {0};
    assert_int_equal(datetime_parse_user(s, now, true, &out, &err), OMSLOG_ERR_USAGE);
    assert_int_equal(out.sec, 42);
    assert_int_equal(out.usec, 7);
    if (!strstr(err.msg, words))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, words);
}

static void test_user_iso_forms(void **state)
{
    (void)state;
    struct log_time now = at("2026-11-26T10:15:30.5Z");
    assert_user("2023-12-02T10:00:00Z", now, true, "2023-12-02T10:00:00Z");
    assert_user("2023-12-02 10:00", now, true, "2023-12-02T10:00:00Z");
    assert_user("  2023-12-02 10:00:07  ", now, true, "2023-12-02T10:00:07Z");
    assert_user("2023-12-02T10:00:00.123456789Z", now, true, "2023-12-02T10:00:00.123456Z");
    assert_user("2023-12-02 10:00:00.25+03:00", now, true, "2023-12-02T07:00:00.25Z");
    assert_user("2023-12-02 10:00 -05:00", now, true, "2023-12-02T15:00:00Z");
    assert_user("2023-12-02", now, true, "2023-12-02T00:00:00Z");
    assert_user("2024-02-29 23:59:59.999999", now, true, "2024-02-29T23:59:59.999999Z");
}

static void test_user_relative_utc(void **state)
{
    (void)state;
    struct log_time now = at("2026-11-26T10:15:30.5Z");
    assert_user("now", now, true, "2026-11-26T10:15:30.5Z");
    assert_user("NOW", now, false, "2026-11-26T10:15:30.5Z");
    assert_user("-2h", now, true, "2026-11-26T08:15:30.5Z");
    assert_user("-30m", now, true, "2026-11-26T09:45:30.5Z");
    assert_user("-1d", now, true, "2026-11-25T10:15:30.5Z");
    assert_user("-1h30m", now, true, "2026-11-26T08:45:30.5Z");
    assert_user("-90s", now, true, "2026-11-26T10:14:00.5Z");
    assert_user("-1w", now, true, "2026-11-19T10:15:30.5Z");
    assert_user("10:00", now, true, "2026-11-26T10:00:00Z");
    assert_user("9:05", now, true, "2026-11-26T09:05:00Z");
    assert_user("23:59:59.75", now, true, "2026-11-26T23:59:59.75Z");
    assert_user("today", now, true, "2026-11-26T00:00:00Z");
    assert_user("today 14:00", now, true, "2026-11-26T14:00:00Z");
    assert_user("yesterday 14:00", now, true, "2026-11-25T14:00:00Z");
    assert_user("Yesterday", now, true, "2026-11-25T00:00:00Z");
    /* Day, month and year boundaries; a leap day. */
    assert_user("yesterday 23:59", at("2026-12-01T00:00:00Z"), true, "2026-11-30T23:59:00Z");
    assert_user("yesterday", at("2027-01-01T00:30:00Z"), true, "2026-12-31T00:00:00Z");
    assert_user("yesterday 12:00", at("2024-03-01T23:59:59.999999Z"), true,
                "2024-02-29T12:00:00Z");
    assert_user("00:00", at("2026-11-26T23:59:59Z"), true, "2026-11-26T00:00:00Z");
}

static void test_user_local_zones(void **state)
{
    (void)state;
    set_tz("Europe/Istanbul"); /* UTC+3, no DST */
    /* 22:30Z is already the 27th in Istanbul: today and 10:00 are the 27th there. */
    struct log_time now = at("2026-11-26T22:30:00Z");
    assert_user("today", now, false, "2026-11-26T21:00:00Z");
    assert_user("10:00", now, false, "2026-11-27T07:00:00Z");
    assert_user("yesterday 23:59", now, false, "2026-11-26T20:59:00Z");
    assert_user("2023-12-02 10:00", now, false, "2023-12-02T07:00:00Z");
    /* UTC reads the same text on the UTC date; an explicit zone wins either way. */
    assert_user("10:00", now, true, "2026-11-26T10:00:00Z");
    assert_user("2023-12-02T10:00:00Z", now, false, "2023-12-02T10:00:00Z");
    assert_user("2023-12-02T10:00:00+01:00", now, false, "2023-12-02T09:00:00Z");
    set_tz("America/New_York");
    assert_user("2023-12-02 10:00", now, false, "2023-12-02T15:00:00Z");        /* EST */
    assert_user("2023-07-02 10:00:00.5", now, false, "2023-07-02T14:00:00.5Z"); /* EDT */
    /* The day after the clocks went back (a 25-hour day, 2026-11-01). */
    now = at("2026-11-02T12:00:00Z");
    assert_user("yesterday 00:30", now, false, "2026-11-01T04:30:00Z");
    assert_user("yesterday 12:00", now, false, "2026-11-01T17:00:00Z");
    /* The day after a 23-hour day (2026-03-08): yesterday is the 8th, not 24 h back. */
    now = at("2026-03-09T04:30:00Z"); /* 00:30 EDT on the 9th */
    assert_user("yesterday", now, false, "2026-03-08T05:00:00Z");
    assert_user("today", now, false, "2026-03-09T04:00:00Z");
    assert_user("-1d", now, false, "2026-03-08T04:30:00Z");
    set_tz("UTC");
}

static void test_user_rejects(void **state)
{
    (void)state;
    assert_user_rejects("", "no time given");
    assert_user_rejects("   ", "no time given");
    assert_user_rejects("banana", "is not a time: use 2023-12-02T10:00:00Z");
    assert_user_rejects("25:00", "not a valid date");
    assert_user_rejects("10:60", "not a valid date");
    assert_user_rejects("2023-02-29 10:00", "not a valid date");
    assert_user_rejects("2023-13-01", "not a valid date");
    assert_user_rejects("2023-12-02 10", "is not a time");
    assert_user_rejects("2023-12-02 10:00 +25:00", "is not a time");
    assert_user_rejects("2023-12-02 10:00 junk", "is not a time");
    assert_user_rejects("-2x", "unknown unit");
    assert_user_rejects("-2", "unknown unit");
    assert_user_rejects("-", "a number and a unit");
    assert_user_rejects("-h", "is not a time");
    assert_user_rejects("-99999999999999999999d", "too far back");
    assert_user_rejects("yesterday banana", "is not a time");
    assert_user_rejects("todayish", "is not a time");
    assert_user_rejects("10:00:00.1234567890", "is not a time");
    char longer[100];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_user_rejects(longer, "no time given");
}

static void test_time_order_helpers(void **state)
{
    (void)state;
    struct log_time a = {10, 0}, b = {10, 1};
    assert_int_equal(datetime_cmp(a, b), -1);
    assert_int_equal(datetime_cmp(b, a), 1);
    assert_int_equal(datetime_cmp(a, a), 0);
    struct log_time p = datetime_before(a);
    assert_int_equal(p.sec, 9);
    assert_int_equal(p.usec, 999999);
    p = datetime_before(b);
    assert_int_equal(p.sec, 10);
    assert_int_equal(p.usec, 0);
    struct log_time now = datetime_now();
    assert_true(now.sec > at("2020-01-01T00:00:00Z").sec);
    assert_true(now.usec >= 0 && now.usec < 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_forms),        cmocka_unit_test(test_known_epochs),
        cmocka_unit_test(test_leap_days),          cmocka_unit_test(test_invalid_ranges),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_against_timegm),
        cmocka_unit_test(test_format_utc),         cmocka_unit_test(test_format_local),
        cmocka_unit_test(test_format_round_trip),  cmocka_unit_test(test_format_extremes),
        cmocka_unit_test(test_user_iso_forms),     cmocka_unit_test(test_user_relative_utc),
        cmocka_unit_test(test_user_local_zones),   cmocka_unit_test(test_user_rejects),
        cmocka_unit_test(test_time_order_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
