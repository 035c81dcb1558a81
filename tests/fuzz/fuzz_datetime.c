/* fuzz_datetime.c — datetime_parse and datetime_format on arbitrary text.
 *
 * fuzz-sources: src/datetime.c
 *
 * Checks datetime.h's contract: failure leaves *out untouched; success gives
 * usec in 0..999999 and a time inside Python's year range (1..9999, give or
 * take a zone offset of under a day); formatting fits DATETIME_TEXT_MAX; and
 * a UTC time formatted with microseconds parses back to the same instant
 * ("2026-11-26 10:15:30.123456Z" is accepted input too). */
#include <stdint.h>
#include <string.h>

#include "omslog/datetime.h"

#include "fuzz_util.h"

#define SECS_PER_DAY INT64_C(86400)
/* Days from 0001-01-01 and from 10000-01-01 to the Unix epoch. */
#define DAYS_YEAR_1_TO_EPOCH INT64_C(719162)
#define DAYS_EPOCH_TO_YEAR_10000 INT64_C(2932897)
/* The widest zone offset accepted: +/-23:59. */
#define MAX_OFFSET_SECS (INT64_C(23) * 3600 + 59 * 60)
#define FIRST_SEC (-DAYS_YEAR_1_TO_EPOCH * SECS_PER_DAY)
#define END_SEC (DAYS_EPOCH_TO_YEAR_10000 * SECS_PER_DAY)
#define USEC_PER_SEC 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy: a read past the terminator is an ASan report. */
    char *s = fuzz_strndup(data, size);
    const struct log_time sentinel = {INT64_C(0x5a5a5a5a5a5a5a5a), 0x5a5a5a5a};
    struct log_time t = sentinel;

    if (datetime_parse(s, &t) != 0) {
        FUZZ_CHECK(t.sec == sentinel.sec && t.usec == sentinel.usec,
                   "failure leaves *out untouched");
        free(s);
        return 0;
    }
    FUZZ_CHECK(t.usec >= 0 && t.usec < USEC_PER_SEC, "usec in 0..999999");
    /* 9999-12-31T23:59:60 lands on 10000-01-01T00:00:00. */
    FUZZ_CHECK(t.sec >= FIRST_SEC - MAX_OFFSET_SECS && t.sec <= END_SEC + MAX_OFFSET_SECS,
               "the time lies within years 1..9999 and one zone offset");

    char text[DATETIME_TEXT_MAX];
    for (int utc = 0; utc <= 1; utc++) {
        for (int with_usec = 0; with_usec <= 1; with_usec++) {
            memset(text, 'x', sizeof text);
            const char *r = datetime_format(t, utc, with_usec, text);
            FUZZ_CHECK(r == text, "datetime_format returns buf");
            FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL, "the text is terminated");
        }
    }

    /* The round trip holds wherever the UTC text has a 4-digit year >= 1. */
    if (t.sec >= FIRST_SEC && t.sec < END_SEC) {
        datetime_format(t, 1, 1, text);
        struct log_time back = sentinel;
        FUZZ_CHECK(datetime_parse(text, &back) == 0, "formatted UTC text parses");
        FUZZ_CHECK(back.sec == t.sec && back.usec == t.usec, "format/parse round trip");
    }
    free(s);
    return 0;
}
