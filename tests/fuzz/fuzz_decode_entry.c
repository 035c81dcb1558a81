/* fuzz_decode_entry.c — decode_entry and decode_error_detail on arbitrary bytes.
 *
 * fuzz-sources: src/decode.c src/entry.c src/datetime.c src/buf.c src/util.c src/error.c src/utf8.c
 * fuzz-pkgs: jansson
 * fuzz-dict: tests/fuzz/json.dict
 *
 * decode_entry: success gives a complete entry whose strings are valid UTF-8
 * (C0 80 standing for U+0000), created parsed from created_at and the JSON text
 * carrying the same id; failure leaves it zeroed with a one-line printable
 * ASCII message. decode_error_detail (the same kind of body: one JSON object)
 * must stay inside the caller's buffer for every size, always terminate it,
 * and cut only at UTF-8 boundaries of what it would have returned in full. */
#include <stdint.h>
#include <string.h>

#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#include "fuzz_entry_check.h"
#include "fuzz_util.h"

/* Output sizes tried for decode_error_detail: the degenerate 1 (only the
 * terminator fits), tiny ones that cut inside multi-byte characters, and the
 * size the API layer uses. */
static const size_t detail_sizes[] = {1, 2, 3, 4, 7, OMSLOG_ERROR_MSG_MAX};
#define DETAIL_FULL_SIZE (1u << 16)
/* Continuation bytes a UTF-8 character can have. */
#define UTF8_MAX_CONT 3

static void check_error_detail(const char *body, size_t size)
{
    char *full = malloc(DETAIL_FULL_SIZE);
    if (!full)
        abort();
    int full_rc = decode_error_detail(body, size, full, DETAIL_FULL_SIZE);
    FUZZ_CHECK(full_rc == 0 || full_rc == -1, "returns 0 or -1");
    if (full_rc == 0)
        FUZZ_CHECK(memchr(full, '\0', DETAIL_FULL_SIZE) != NULL, "terminated");
    size_t full_len = full_rc == 0 ? strlen(full) : 0;

    for (size_t k = 0; k < sizeof detail_sizes / sizeof detail_sizes[0]; k++) {
        size_t n = detail_sizes[k];
        char *out = malloc(n); /* exact size: ASan sees any overrun */
        if (!out)
            abort();
        int rc = decode_error_detail(body, size, out, n);
        FUZZ_CHECK(rc == full_rc, "the result does not depend on the buffer size");
        if (rc == 0) {
            size_t len = strnlen(out, n);
            FUZZ_CHECK(len < n, "the detail is NUL-terminated inside the buffer");
            FUZZ_CHECK(len <= full_len && memcmp(out, full, len) == 0,
                       "a short buffer gets a prefix of the detail");
            /* Cut to n-1 bytes, less at most the 3 bytes of a partial character. */
            if (full_len <= n - 1)
                FUZZ_CHECK(len == full_len, "a detail that fits is copied whole");
            else
                FUZZ_CHECK(len + UTF8_MAX_CONT >= n - 1, "the detail is cut at n-1 bytes");
            if (full_len < DETAIL_FULL_SIZE - 1 && len < full_len)
                FUZZ_CHECK(((unsigned char)full[len] & 0xc0) != 0x80,
                           "the detail is not cut inside a UTF-8 sequence");
        }
        free(out);
    }
    free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: decode must honour len. */
    char *body = fuzz_memdup(data, size);

    struct log_entry e;
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    enum decode_failure rc = decode_entry(body, size, &e, &err);
    if (rc == 0) {
        FUZZ_CHECK(err.status == OMSLOG_OK, "success clears err");
        fuzz_check_entry(&e);
    } else {
        static const struct log_entry zero;
        FUZZ_CHECK(memcmp(&e, &zero, sizeof e) == 0, "failure leaves the entry zeroed");
        fuzz_check_decode_failure(rc, &err);
    }
    log_entry_free(&e);

    check_error_detail(body, size);
    free(body);
    return 0;
}
