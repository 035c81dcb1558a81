/* test_error.c — error values: set, clear, UTF-8-safe cut. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "omslog/error.h"

static void test_set_and_clear(void **state)
{
    (void)state;
    struct omslog_error e;
    assert_int_equal(error_set(&e, OMSLOG_ERR_AUTH, "401: %s", "Invalid token."), OMSLOG_ERR_AUTH);
    assert_int_equal(e.status, OMSLOG_ERR_AUTH);
    assert_string_equal(e.msg, "401: Invalid token.");
    error_clear(&e);
    assert_int_equal(e.status, OMSLOG_OK);
    assert_string_equal(e.msg, "");
    /* NULL is allowed: callers that only want the status. */
    assert_int_equal(error_set(NULL, OMSLOG_ERR_IO, "x"), OMSLOG_ERR_IO);
    /* An ASCII message longer than the buffer fills it exactly. */
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    error_set(&e, OMSLOG_ERR_SERVER, "%s", longmsg);
    assert_int_equal(strlen(e.msg), OMSLOG_ERROR_MSG_MAX - 1);
    /* The message may quote itself (a prefix added to an earlier error). */
    error_set(&e, OMSLOG_ERR_AUTH, "%s", "401");
    error_set(&e, e.status, "login: %s", e.msg);
    assert_string_equal(e.msg, "login: 401");
}

/* Is s valid UTF-8 (structure only: lead bytes and continuations)? */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (n == 0)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

/* A message longer than the buffer is cut between characters, never inside
 * one, whatever the offset of the multi-byte characters. */
static void test_cut_keeps_utf8(void **state)
{
    (void)state;
    static const char *const chars[] = {"\xc3\xbc", "\xe2\x82\xba", "\xf0\x9f\x9a\x9a"};
    char long_text[sizeof(((struct omslog_error *)0)->msg) * 2];
    for (size_t c = 0; c < 3; c++) {
        for (size_t shift = 0; shift < 4; shift++) {
            size_t o = 0;
            for (; o < shift; o++)
                long_text[o] = 'a';
            size_t cl = strlen(chars[c]);
            while (o + cl < sizeof long_text) {
                memcpy(long_text + o, chars[c], cl);
                o += cl;
            }
            long_text[o] = '\0';
            struct omslog_error e;
            error_set(&e, OMSLOG_ERR_SERVER, "%s", long_text);
            assert_true(strlen(e.msg) >= sizeof e.msg - 4);
            if (!utf8_ok(e.msg))
                fail_msg("cut inside a character (char %zu, shift %zu)", c, shift);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_clear),
        cmocka_unit_test(test_cut_keeps_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
