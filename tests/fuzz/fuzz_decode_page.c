/* fuzz_decode_page.c — decode_page on arbitrary bytes.
 *
 * fuzz-sources: src/decode.c src/entry.c src/datetime.c src/buf.c src/util.c src/error.c src/utf8.c
 * fuzz-pkgs: jansson
 * fuzz-dict: tests/fuzz/json.dict
 *
 * Beyond "no crash, no leak", it checks decode.h's contract: success gives a
 * complete page (count >= 0, every string non-NULL and valid UTF-8 with C0 80
 * as the only stand-in, created parsed from created_at, the JSON text valid JSON
 * with the same id); failure leaves the page zeroed and says why in one line
 * of printable ASCII with status OMSLOG_ERR_PROTOCOL. */
#include <stdint.h>
#include <string.h>

#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#include "fuzz_entry_check.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: decode must honour len. */
    char *body = fuzz_memdup(data, size);

    struct log_page page;
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    enum decode_failure rc = decode_page(body, size, &page, &err);
    if (rc == 0) {
        FUZZ_CHECK(err.status == OMSLOG_OK, "success clears err");
        FUZZ_CHECK(page.count >= 0, "count is non-negative");
        FUZZ_CHECK(page.n == 0 || page.entries != NULL, "entries present");
        if (page.next)
            fuzz_check_string(page.next, "next is a valid string");
        if (page.previous)
            fuzz_check_string(page.previous, "previous is a valid string");
        for (size_t i = 0; i < page.n; i++)
            fuzz_check_entry(&page.entries[i]);
    } else {
        static const struct log_page zero;
        FUZZ_CHECK(memcmp(&page, &zero, sizeof page) == 0, "failure leaves the page zeroed");
        fuzz_check_decode_failure(rc, &err);
    }
    log_page_free(&page);

    /* A NULL err is allowed ("the caller does not care"). */
    (void)decode_page(body, size, &page, NULL);
    log_page_free(&page);
    free(body);
    return 0;
}
