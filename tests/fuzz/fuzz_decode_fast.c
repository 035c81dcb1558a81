/* fuzz_decode_fast.c — the fast path against the full decoder, differentially.
 *
 * fuzz-sources: src/decode.c src/decode_fast.c src/entry.c src/datetime.c src/buf.c src/util.c src/error.c src/utf8.c
 * fuzz-pkgs: jansson
 * fuzz-dict: tests/fuzz/json.dict
 *
 * decode_fast.h promises that whatever the fast path accepts, the full
 * decoder (jansson) accepts too, with an equal result field for field; and
 * that a refusal leaves the output zeroed. Each input is tried as a page and
 * as a single entry. The seeds are mostly well-formed pages, so the mutations
 * stay near the forms the fast path takes. */
#include <stdint.h>
#include <string.h>

#include "omslog/decode.h"
#include "omslog/decode_fast.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same_entry(const struct log_entry *a, const struct log_entry *b)
{
    FUZZ_CHECK(a->id == b->id, "same id");
    FUZZ_CHECK(a->level == b->level, "same level");
    FUZZ_CHECK(same_string(a->logger_name, b->logger_name), "same logger_name");
    FUZZ_CHECK(same_string(a->message, b->message), "same message");
    FUZZ_CHECK(same_string(a->app_name, b->app_name), "same app_name");
    FUZZ_CHECK(same_string(a->trace, b->trace), "same trace");
    FUZZ_CHECK(same_string(a->created_at, b->created_at), "same created_at");
    FUZZ_CHECK(a->created.sec == b->created.sec && a->created.usec == b->created.usec,
               "same created time");
    FUZZ_CHECK(same_string(a->raw_json, b->raw_json), "same raw_json");
}

static void check_page(const char *body, size_t size)
{
    struct log_page fast, full;
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    if (decode_fast_page(body, size, &fast) != 0) {
        static const struct log_page zero;
        FUZZ_CHECK(memcmp(&fast, &zero, sizeof fast) == 0, "a refusal leaves the page zeroed");
        return;
    }
    FUZZ_CHECK(decode_page_full(body, size, &full, &err) == 0,
               "the full decoder accepts what the fast path accepts");
    FUZZ_CHECK(fast.count == full.count, "same count");
    FUZZ_CHECK(same_string(fast.next, full.next), "same next");
    FUZZ_CHECK(same_string(fast.previous, full.previous), "same previous");
    FUZZ_CHECK(fast.n == full.n, "same number of entries");
    for (size_t i = 0; i < fast.n; i++)
        check_same_entry(&fast.entries[i], &full.entries[i]);
    log_page_free(&fast);
    log_page_free(&full);
}

static void check_entry(const char *body, size_t size)
{
    struct log_entry fast, full;
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    if (decode_fast_entry(body, size, &fast) != 0) {
        static const struct log_entry zero;
        FUZZ_CHECK(memcmp(&fast, &zero, sizeof fast) == 0, "a refusal leaves the entry zeroed");
        return;
    }
    FUZZ_CHECK(decode_entry_full(body, size, &full, &err) == 0,
               "the full decoder accepts the entry the fast path accepts");
    check_same_entry(&fast, &full);
    log_entry_free(&fast);
    log_entry_free(&full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: both decoders must honour size. */
    char *body = fuzz_memdup(data, size);
    check_page(body, size);
    check_entry(body, size);
    free(body);
    return 0;
}
