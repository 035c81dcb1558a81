/* datetime.c — see include/omslog/datetime.h
 *
 * The epoch conversion is done here by arithmetic instead of timegm(): timegm
 * is non-standard, depends on the width of time_t and silently normalises
 * out-of-range fields, while a parser of untrusted text must reject them. */
#include "omslog/datetime.h"

#include <stdio.h>
#include <time.h>

/* Python's datetime range (MINYEAR..MAXYEAR); a year needs exactly 4 digits. */
#define DT_YEAR_MIN 1
#define DT_YEAR_MAX 9999
#define DT_YEAR_DIGITS 4
#define DT_FIELD_DIGITS 2
#define DT_MONTHS 12
#define DT_HOUR_MAX 23
#define DT_MINUTE_MAX 59
/* ISO 8601 allows a leap second; it lands on the next minute's :00. */
#define DT_SECOND_MAX 60
/* A zone offset is less than a day, as in Python's timezone(). */
#define DT_OFFSET_HOUR_MAX 23
#define DT_FRACTION_DIGITS_MAX 9
#define DT_USEC_DIGITS 6
#define DT_USEC_PER_SEC 1000000
#define DT_SECS_PER_MIN 60
#define DT_SECS_PER_HOUR 3600
#define DT_SECS_PER_DAY 86400
#define DT_DAYS_PER_YEAR 365
#define DT_TM_YEAR_BASE 1900
#define DT_EPOCH_YEAR 1970
#define DT_FEBRUARY 2
#define DT_FEBRUARY_LEAP_DAYS 29

static const int dt_month_days[DT_MONTHS] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static int dt_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int dt_days_in_month(int year, int month)
{
    if (month == DT_FEBRUARY && dt_is_leap(year))
        return DT_FEBRUARY_LEAP_DAYS;
    return dt_month_days[month - 1];
}

/* Days from 0001-01-01 to January 1st of year (year >= 1, so every division
 * below is of a non-negative number and truncation equals flooring). */
static int64_t dt_days_before_year(int year)
{
    int64_t y = (int64_t)year - 1;
    return y * DT_DAYS_PER_YEAR + y / 4 - y / 100 + y / 400;
}

/* Days since 1970-01-01 of a valid proleptic Gregorian date. */
static int64_t dt_days_from_civil(int year, int month, int day)
{
    int64_t days = dt_days_before_year(year) - dt_days_before_year(DT_EPOCH_YEAR);
    for (int m = 1; m < month; m++)
        days += dt_days_in_month(year, m);
    return days + day - 1;
}

static int dt_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read exactly n digits at *p; advance past them. */
static int dt_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (!dt_is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int dt_expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* Fraction after the '.': 1..9 digits, truncated to microseconds. */
static int dt_fraction(const char **p, int32_t *usec)
{
    int32_t v = 0;
    int n = 0;
    while (dt_is_digit((*p)[n])) {
        if (n == DT_FRACTION_DIGITS_MAX)
            return -1;
        if (n < DT_USEC_DIGITS)
            v = v * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n == 0)
        return -1;
    for (int i = n; i < DT_USEC_DIGITS; i++)
        v *= 10;
    *p += n;
    *usec = v;
    return 0;
}

/* The zone suffix up to the end of the string; *offset is east of UTC. */
static int dt_zone(const char *p, int64_t *offset)
{
    if (*p == '\0') {
        *offset = 0;
        return 0;
    }
    if (*p == 'Z' || *p == 'z') {
        *offset = 0;
        return p[1] == '\0' ? 0 : -1;
    }
    if (*p != '+' && *p != '-')
        return -1;
    int sign = *p == '-' ? -1 : 1;
    p++;
    int hh = 0, mm = 0;
    if (dt_digits(&p, DT_FIELD_DIGITS, &hh) != 0)
        return -1;
    if (*p == ':') {
        p++;
        if (dt_digits(&p, DT_FIELD_DIGITS, &mm) != 0)
            return -1;
    } else if (*p != '\0' && dt_digits(&p, DT_FIELD_DIGITS, &mm) != 0) {
        return -1;
    }
    if (*p != '\0' || hh > DT_OFFSET_HOUR_MAX || mm > DT_MINUTE_MAX)
        return -1;
    *offset = sign * ((int64_t)hh * DT_SECS_PER_HOUR + (int64_t)mm * DT_SECS_PER_MIN);
    return 0;
}

int datetime_parse(const char *s, struct log_time *out)
{
    if (!s || !out)
        return -1;
    const char *p = s;
    int year, month, day, hour, minute, second;
    int32_t usec = 0;
    int64_t offset;
    if (dt_digits(&p, DT_YEAR_DIGITS, &year) != 0 || dt_expect(&p, '-') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &month) != 0 || dt_expect(&p, '-') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &day) != 0)
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (dt_digits(&p, DT_FIELD_DIGITS, &hour) != 0 || dt_expect(&p, ':') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &minute) != 0 || dt_expect(&p, ':') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &second) != 0)
        return -1;
    if (*p == '.') {
        p++;
        if (dt_fraction(&p, &usec) != 0)
            return -1;
    }
    if (dt_zone(p, &offset) != 0)
        return -1;
    if (year < DT_YEAR_MIN || year > DT_YEAR_MAX || month < 1 || month > DT_MONTHS || day < 1 ||
        day > dt_days_in_month(year, month) || hour > DT_HOUR_MAX || minute > DT_MINUTE_MAX ||
        second > DT_SECOND_MAX)
        return -1;
    int64_t days = dt_days_from_civil(year, month, day);
    out->sec = days * DT_SECS_PER_DAY + (int64_t)hour * DT_SECS_PER_HOUR +
               (int64_t)minute * DT_SECS_PER_MIN + second - offset;
    out->usec = usec;
    return 0;
}

const char *datetime_format(struct log_time t, int utc, int with_usec, char buf[DATETIME_TEXT_MAX])
{
    struct tm tm;
    time_t tt = (time_t)t.sec;
    /* A time_t narrower than int64_t cannot hold every value. */
    if ((int64_t)tt != t.sec || (utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)) == NULL) {
        snprintf(buf, DATETIME_TEXT_MAX, "%s", "(invalid time)");
        return buf;
    }
    int n = snprintf(buf, DATETIME_TEXT_MAX, "%04lld-%02d-%02d %02d:%02d:%02d",
                     (long long)tm.tm_year + DT_TM_YEAR_BASE, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || n >= DATETIME_TEXT_MAX)
        return buf;
    if (with_usec) {
        /* Clamp rather than print a malformed fraction for a bad struct. */
        int32_t usec = t.usec < 0 ? 0 : t.usec >= DT_USEC_PER_SEC ? DT_USEC_PER_SEC - 1 : t.usec;
        int m = snprintf(buf + n, (size_t)(DATETIME_TEXT_MAX - n), ".%06d", (int)usec);
        if (m < 0 || m >= DATETIME_TEXT_MAX - n)
            return buf;
        n += m;
    }
    if (utc)
        snprintf(buf + n, (size_t)(DATETIME_TEXT_MAX - n), "Z");
    return buf;
}
