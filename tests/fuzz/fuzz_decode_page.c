/* fuzz_decode_page.c — decode_page on arbitrary bytes.
 *
 * fuzz-sources: src/decode.c src/entry.c src/datetime.c src/buf.c src/util.c src/error.c
 * fuzz-pkgs: jansson
 * fuzz-dict: tests/fuzz/json.dict
 *
 * Beyond "no crash, no leak", it checks decode.h's contract: success gives a
 * complete page (count >= 0, every string non-NULL and valid UTF-8 with C0 80
 * as the only stand-in, created parsed from created_at, raw_json valid JSON
 * with the same id); failure leaves the page zeroed and says why in one line
 * of printable ASCII with status OMSLOG_ERR_PROTOCOL. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "omslog/datetime.h"
#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#include "fuzz_util.h"

static void check_string(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, what);
    FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s), true), what);
}

static void check_entry(const struct log_entry *e)
{
    check_string(e->logger_name, "logger_name is a valid string");
    check_string(e->message, "message is a valid string");
    check_string(e->app_name, "app_name is a valid string");
    check_string(e->trace, "trace is a valid string (\"\" for null)");
    check_string(e->created_at, "created_at is a valid string");
    check_string(e->raw_json, "raw_json is a valid string");

    struct log_time t;
    FUZZ_CHECK(datetime_parse(e->created_at, &t) == 0, "created_at parses");
    FUZZ_CHECK(t.sec == e->created.sec && t.usec == e->created.usec,
               "created is created_at parsed");

    json_error_t jerr;
    json_t *raw = json_loads(e->raw_json, JSON_ALLOW_NUL, &jerr);
    FUZZ_CHECK(raw != NULL, "raw_json is JSON");
    FUZZ_CHECK(json_is_object(raw), "raw_json is an object");
    json_t *id = json_object_get(raw, "id");
    FUZZ_CHECK(json_is_integer(id) && (int64_t)json_integer_value(id) == e->id,
               "raw_json carries the entry's id");
    json_decref(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, not NUL-terminated: decode must honour len. */
    char *body = malloc(size ? size : 1);
    if (!body)
        abort();
    if (size)
        memcpy(body, data, size);

    struct log_page page;
    struct omslog_error err;
    memset(&err, 0, sizeof err);
    int rc = decode_page(body, size, &page, &err);
    if (rc == 0) {
        FUZZ_CHECK(err.status == OMSLOG_OK, "success clears err");
        FUZZ_CHECK(page.count >= 0, "count is non-negative");
        FUZZ_CHECK(page.n == 0 || page.entries != NULL, "entries present");
        if (page.next)
            check_string(page.next, "next is a valid string");
        if (page.previous)
            check_string(page.previous, "previous is a valid string");
        for (size_t i = 0; i < page.n; i++)
            check_entry(&page.entries[i]);
    } else {
        static const struct log_page zero;
        FUZZ_CHECK(memcmp(&page, &zero, sizeof page) == 0, "failure leaves the page zeroed");
        FUZZ_CHECK(err.status == OMSLOG_ERR_PROTOCOL, "a bad body is a protocol error");
        FUZZ_CHECK(err.msg[0] != '\0', "the error says something");
        FUZZ_CHECK(fuzz_printable_ascii(err.msg), "the error is one line of printable ASCII");
    }
    log_page_free(&page);

    /* A NULL err is allowed ("the caller does not care"). */
    (void)decode_page(body, size, &page, NULL);
    log_page_free(&page);
    free(body);
    return 0;
}
