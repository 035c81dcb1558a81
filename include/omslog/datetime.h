/* datetime.h — parse DRF's ISO 8601 timestamps and format them for people.
 *
 * Contract: pure functions, no allocation, thread-safe (no static buffers). */
#ifndef OMSLOG_DATETIME_H
#define OMSLOG_DATETIME_H

#include <stddef.h>
#include <stdint.h>

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

#define DATETIME_TEXT_MAX 40

/* "2026-11-26 23:54:24" in local time, or "2026-11-26 23:54:24Z" when utc.
 * with_usec appends ".123456". Returns buf. */
const char *datetime_format(struct log_time t, int utc, int with_usec,
                            char buf[DATETIME_TEXT_MAX]);

#endif
