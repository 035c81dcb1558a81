/* datetime.c — see include/omslog/datetime.h
 *
 * The epoch conversion is done here by arithmetic instead of timegm(): timegm
 * is non-standard, depends on the width of time_t and silently normalises
 * out-of-range fields, while a parser of untrusted text must reject them. */
#include "omslog/datetime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
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

const char *datetime_format_iso(struct log_time t, char buf[DATETIME_TEXT_MAX])
{
    datetime_format(t, 1, 1, buf);
    char *space = strchr(buf, ' ');
    if (space)
        *space = 'T';
    return buf;
}

/* ---- times people type ---- */

/* Longest input read: longer is not a time. */
#define DT_USER_MAX 64
#define DT_SECS_PER_WEEK (7 * DT_SECS_PER_DAY)
/* A relative time goes back at most this far (about 270 years): no overflow. */
#define DT_RELATIVE_MAX (100000LL * DT_SECS_PER_DAY)
#define DT_FORMS                                                                                  \
    "use 2023-12-02T10:00:00Z, 2023-12-02 10:00, 10:00, today, yesterday 14:00, now, -2h, -30m "  \
    "or -1d"

/* A wall-clock time; zone_given: offset (east of UTC) came with it. */
struct dt_wall {
    int year, month, day, hour, minute, second;
    int32_t usec;
    bool zone_given;
    int64_t offset;
};

struct log_time datetime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (struct log_time){(int64_t)ts.tv_sec, (int32_t)(ts.tv_nsec / 1000)};
}

struct log_time datetime_before(struct log_time t)
{
    if (t.usec > 0)
        return (struct log_time){t.sec, t.usec - 1};
    return (struct log_time){t.sec - 1, DT_USEC_PER_SEC - 1};
}

int datetime_cmp(struct log_time a, struct log_time b)
{
    if (a.sec != b.sec)
        return a.sec < b.sec ? -1 : 1;
    return a.usec < b.usec ? -1 : a.usec > b.usec;
}

/* "H:MM", "HH:MM", then ":SS" and ".fraction" optional; advances *p. */
static int dt_user_clock(const char **p, struct dt_wall *w)
{
    int h1 = 0;
    if (dt_digits(p, 1, &h1) != 0)
        return -1;
    w->hour = h1;
    if (dt_is_digit(**p)) {
        w->hour = h1 * 10 + (**p - '0');
        (*p)++;
    }
    if (dt_expect(p, ':') != 0 || dt_digits(p, DT_FIELD_DIGITS, &w->minute) != 0)
        return -1;
    w->second = 0;
    w->usec = 0;
    if (**p == ':') {
        (*p)++;
        if (dt_digits(p, DT_FIELD_DIGITS, &w->second) != 0)
            return -1;
        if (**p == '.' || **p == ',') {
            (*p)++;
            if (dt_fraction(p, &w->usec) != 0)
                return -1;
        }
    }
    return 0;
}

static bool dt_wall_valid(const struct dt_wall *w)
{
    return w->year >= DT_YEAR_MIN && w->year <= DT_YEAR_MAX && w->month >= 1 &&
           w->month <= DT_MONTHS && w->day >= 1 && w->day <= dt_days_in_month(w->year, w->month) &&
           w->hour <= DT_HOUR_MAX && w->minute <= DT_MINUTE_MAX && w->second <= DT_SECOND_MAX;
}

/* The instant of a wall time: by its own offset, in UTC, or by mktime in
 * the local zone (w->day may be 0 there: the last day of the month before). */
static int dt_wall_time(const struct dt_wall *w, bool utc, struct log_time *out)
{
    if (w->zone_given || utc) {
        int64_t days = dt_days_from_civil(w->year, w->month, 1) + w->day - 1;
        out->sec = days * DT_SECS_PER_DAY + (int64_t)w->hour * DT_SECS_PER_HOUR +
                   (int64_t)w->minute * DT_SECS_PER_MIN + w->second -
                   (w->zone_given ? w->offset : 0);
        out->usec = w->usec;
        return 0;
    }
    struct tm tm = {0};
    tm.tm_year = w->year - DT_TM_YEAR_BASE;
    tm.tm_mon = w->month - 1;
    tm.tm_mday = w->day;
    tm.tm_hour = w->hour;
    tm.tm_min = w->minute;
    tm.tm_sec = w->second;
    tm.tm_isdst = -1; /* whatever the zone's rules say for that day */
    tm.tm_wday = -1;  /* mktime sets it on success: (time_t)-1 is also a time */
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && tm.tm_wday == -1)
        return -1;
    out->sec = (int64_t)t;
    out->usec = w->usec;
    return 0;
}

/* Today's (days_back 0) or yesterday's (1) date in the zone, into w. */
static int dt_user_day(struct log_time now, bool utc, int days_back, struct dt_wall *w)
{
    struct tm tm;
    time_t t = (time_t)(now.sec - (utc ? (int64_t)days_back * DT_SECS_PER_DAY : 0));
    if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL)
        return -1;
    w->year = tm.tm_year + DT_TM_YEAR_BASE;
    w->month = tm.tm_mon + 1;
    /* Local: the day before by the calendar (mktime takes day 0), not 24
     * hours back, which lands two days back after a 23-hour DST day. */
    w->day = tm.tm_mday - (utc ? 0 : days_back);
    w->hour = w->minute = w->second = 0;
    w->usec = 0;
    return 0;
}

/* "-2h", "-1h30m", "-45s", "-1d", "-1w": before now. */
static int dt_user_relative(const char *p, struct log_time now, struct log_time *out,
                            struct omslog_error *err, const char *s)
{
    int64_t back = 0;
    p++;
    if (*p == '\0')
        return error_set(err, OMSLOG_ERR_USAGE,
                         "\"%s\" is not a time: a number and a unit "
                         "follow the minus (-2h, -30m, -1d)",
                         s);
    while (*p) {
        int64_t n = 0;
        if (!dt_is_digit(*p))
            return error_set(err, OMSLOG_ERR_USAGE, "\"%s\" is not a time: %s", s, DT_FORMS);
        for (; dt_is_digit(*p); p++)
            n = n > DT_RELATIVE_MAX ? n : n * 10 + (*p - '0');
        int64_t unit = *p == 's'   ? 1
                       : *p == 'm' ? DT_SECS_PER_MIN
                       : *p == 'h' ? DT_SECS_PER_HOUR
                       : *p == 'd' ? DT_SECS_PER_DAY
                       : *p == 'w' ? DT_SECS_PER_WEEK
                                   : 0;
        if (unit == 0)
            return error_set(err, OMSLOG_ERR_USAGE,
                             "\"%s\": unknown unit after %lld: use s, m, h, d or w (-30m, -2h)", s,
                             (long long)n);
        p++;
        if (n > DT_RELATIVE_MAX / unit || (back += n * unit) > DT_RELATIVE_MAX)
            return error_set(err, OMSLOG_ERR_USAGE, "\"%s\" goes too far back", s);
    }
    out->sec = now.sec - back;
    out->usec = now.usec;
    return OMSLOG_OK;
}

/* The date form: YYYY-MM-DD, then optionally 'T' or ' ' and a clock, then
 * optionally a zone. */
static int dt_user_date(const char *p, struct dt_wall *w)
{
    if (dt_digits(&p, DT_YEAR_DIGITS, &w->year) != 0 || dt_expect(&p, '-') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &w->month) != 0 || dt_expect(&p, '-') != 0 ||
        dt_digits(&p, DT_FIELD_DIGITS, &w->day) != 0)
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (dt_user_clock(&p, w) != 0)
            return -1;
    }
    while (*p == ' ')
        p++;
    w->zone_given = *p != '\0';
    return w->zone_given ? dt_zone(p, &w->offset) : 0;
}

/* Copy s without leading and trailing blanks into buf; false when too long. */
static bool dt_trim(const char *s, char buf[DT_USER_MAX + 1])
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    if (n > DT_USER_MAX)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

/* "today", "yesterday", then optionally a clock: 0, or -1 when s starts with
 * neither word. */
static int dt_user_word(const char *s, struct log_time now, bool utc, struct dt_wall *w, bool *bad)
{
    static const char *const words[] = {"today", "yesterday"};
    for (int back = 0; back < 2; back++) {
        size_t n = strlen(words[back]);
        if (strncasecmp(s, words[back], n) != 0 || (s[n] != '\0' && s[n] != ' '))
            continue;
        const char *p = s + n;
        while (*p == ' ')
            p++;
        *bad = dt_user_day(now, utc, back, w) != 0;
        if (!*bad && *p)
            *bad = dt_user_clock(&p, w) != 0 || *p != '\0';
        return 0;
    }
    return -1;
}

int datetime_parse_user(const char *s, struct log_time now, bool utc, struct log_time *out,
                        struct omslog_error *err)
{
    char text[DT_USER_MAX + 1];
    if (!s || !dt_trim(s, text) || text[0] == '\0')
        return error_set(err, OMSLOG_ERR_USAGE, "no time given: %s", DT_FORMS);
    if (strcasecmp(text, "now") == 0) {
        *out = now;
        return OMSLOG_OK;
    }
    if (text[0] == '-')
        return dt_user_relative(text, now, out, err, text);
    struct dt_wall w = {0};
    bool bad = false, day_relative = dt_user_word(text, now, utc, &w, &bad) == 0;
    if (!day_relative) {
        const char *p = text;
        bool clock_only = dt_is_digit(p[0]) && (p[1] == ':' || (dt_is_digit(p[1]) && p[2] == ':'));
        if (clock_only) {
            bad = dt_user_day(now, utc, 0, &w) != 0 || dt_user_clock(&p, &w) != 0 || *p != '\0';
        } else {
            bad = dt_user_date(p, &w) != 0;
        }
    }
    if (bad)
        return error_set(err, OMSLOG_ERR_USAGE, "\"%s\" is not a time: %s", text, DT_FORMS);
    /* Yesterday in local time may be day 0 (mktime's last day of the month
     * before); check the clock only there. */
    struct dt_wall check = w;
    if (check.day == 0)
        check.day = 1;
    if (!dt_wall_valid(&check))
        return error_set(err, OMSLOG_ERR_USAGE,
                         "\"%s\" is not a valid date and time of day (month 1-12, day of the "
                         "month, hour 0-23, minute and second 0-59)",
                         text);
    struct log_time t;
    if (dt_wall_time(&w, utc, &t) != 0)
        return error_set(err, OMSLOG_ERR_USAGE, "\"%s\" cannot be read in the local time zone",
                         text);
    *out = t;
    return OMSLOG_OK;
}
