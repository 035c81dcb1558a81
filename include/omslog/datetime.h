/* datetime.h — parse DRF's ISO 8601 timestamps and format them for people.
 *
 * Contract: pure functions, no allocation, thread-safe (no static buffers). */
#ifndef OMSLOG_DATETIME_H
#define OMSLOG_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/error.h"

struct log_time {
    int64_t sec;  /* seconds since the Unix epoch, UTC */
    int32_t usec; /* 0..999999 */
};

/* Accepts "YYYY-MM-DDTHH:MM:SS" with optional fraction (1..9 digits, truncated
 * to microseconds) and a zone: "Z", "+hh:mm", "-hh:mm", "+hhmm", "+hh". A
 * lowercase 't'/'z' or a space separator is also accepted; a missing zone is
 * taken as UTC (DRF with USE_TZ=False). Fields are range-checked (month 1-12,
 * day valid for the month, hour 0-23, minute 0-59, second 0-60).
 * Returns 0 on success, -1 on any malformed input (*out untouched). */
int datetime_parse(const char *s, struct log_time *out);

/* A time a person typed (the `@` prompt, --since/--until), read at now in
 * local time or UTC (utc); an explicit "Z" or offset wins over either:
 *   2023-12-02T10:00:00Z, 2023-12-02 10:00, 2023-12-02 10:00:00.25+03:00,
 *   2023-12-02 (its midnight), 10:00 or 9:05:30 (today), today, yesterday,
 *   today 14:00, yesterday 14:00, now, and -2h, -30m, -1d, -90s, -1w, -1h30m
 *   (before now; a day is 24 hours).
 * Seconds, fractions (up to 9 digits, cut to microseconds) and the zone are
 * optional; fields are range-checked. Local times go through mktime, so a
 * wall time a DST change skips or repeats resolves as the C library does.
 * Returns OMSLOG_OK with *out, or OMSLOG_ERR_USAGE with err saying what was
 * wrong and which forms are understood (*out untouched). */
int datetime_parse_user(const char *s, struct log_time now, bool utc, struct log_time *out,
                        struct omslog_error *err);

/* The time now, to the microsecond (the clock datetime_parse_user is given
 * outside tests). */
struct log_time datetime_now(void);

/* The time one microsecond earlier (a < b as <= : "at or before T" for a
 * strict bound). */
struct log_time datetime_before(struct log_time t);
/* -1, 0, 1 as a is earlier than, equal to or later than b. */
int datetime_cmp(struct log_time a, struct log_time b);

#define DATETIME_TEXT_MAX 40

/* "2026-11-26 23:54:24" in local time, or "2026-11-26 23:54:24Z" when utc.
 * with_usec appends ".123456". Returns buf. */
const char *datetime_format(struct log_time t, int utc, int with_usec,
                            char buf[DATETIME_TEXT_MAX]);

/* "2023-12-02T10:00:00.000005Z": UTC to the microsecond, as a query
 * parameter (django-filter's IsoDateTimeField reads it). Returns buf. */
const char *datetime_format_iso(struct log_time t, char buf[DATETIME_TEXT_MAX]);

#endif
