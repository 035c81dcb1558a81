/* test_clipboard.c — base64, OSC 52 sequences, and the yank menu's curl command. */
/* cmocka.h needs these four headers first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/clipboard.h"
#include "omslog/util.h"

static void expect_b64(const char *in, size_t len, const char *want)
{
    struct buf b;
    buf_init(&b);
    base64_encode(&b, in, len);
    assert_string_equal(buf_str(&b), want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);
}

static void test_base64_rfc4648(void **state)
{
    (void)state;
    /* RFC 4648 section 10 test vectors. */
    expect_b64("", 0, "");
    expect_b64("f", 1, "Zg==");
    expect_b64("fo", 2, "Zm8=");
    expect_b64("foo", 3, "Zm9v");
    expect_b64("foob", 4, "Zm9vYg==");
    expect_b64("fooba", 5, "Zm9vYmE=");
    expect_b64("foobar", 6, "Zm9vYmFy");
    expect_b64(NULL, 0, "");
}

static void test_base64_binary(void **state)
{
    (void)state;
    /* High bytes and NULs: the alphabet's last characters and no sign bugs. */
    expect_b64("\xff\xff\xff", 3, "////");
    expect_b64("\xfb\xef\xbe", 3, "++++");
    expect_b64("\0\0\0\0", 4, "AAAAAA==");
    expect_b64("Sipari\xc5\x9f", 8, "U2lwYXJpxZ8=");

    /* Appends to what is already there. */
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "x:");
    base64_encode(&b, "foo", 3);
    assert_string_equal(buf_str(&b), "x:Zm9v");
    buf_free(&b);
}

static void test_osc52_plain(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_int_equal(osc52_sequence(&b, "foobar", 6, 0), 0);
    static const char want[] = "\033]52;c;Zm9vYmFy\007";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);

    buf_reset(&b);
    assert_int_equal(osc52_sequence(&b, "", 0, 0), 0);
    assert_string_equal(buf_str(&b), "\033]52;c;\007");
    buf_free(&b);
}

static void test_osc52_tmux(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_int_equal(osc52_sequence(&b, "foo", 3, 1), 0);
    /* ESC P tmux; ESC ESC ] 52;c;... BEL ESC \ — the inner ESC doubled. */
    static const char want[] = "\033Ptmux;\033\033]52;c;Zm9v\007\033\\";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);

    /* Every ESC between the DCS start and its terminator is doubled. */
    const char *inner = b.data + strlen("\033Ptmux;");
    size_t inner_len = b.len - strlen("\033Ptmux;") - strlen("\033\\");
    for (size_t i = 0; i < inner_len; i++) {
        if (inner[i] == '\033') {
            assert_true(i + 1 < inner_len);
            assert_int_equal(inner[i + 1], '\033');
            i++;
        }
    }
    buf_free(&b);
}

static void test_osc52_limit(void **state)
{
    (void)state;
    size_t n = CLIPBOARD_MAX_BYTES + 1;
    char *big = xmalloc(n);
    memset(big, 'a', n);
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "keep");
    assert_int_equal(osc52_sequence(&b, big, n, 0), -1);
    assert_int_equal(osc52_sequence(&b, big, n, 1), -1);
    assert_string_equal(buf_str(&b), "keep"); /* nothing appended */

    /* Exactly the limit still goes through, with the whole payload. */
    buf_reset(&b);
    assert_int_equal(osc52_sequence(&b, big, CLIPBOARD_MAX_BYTES, 0), 0);
    size_t b64_len = (CLIPBOARD_MAX_BYTES + 2) / 3 * 4;
    assert_int_equal(b.len, strlen("\033]52;c;") + b64_len + 1);
    assert_int_equal(b.data[b.len - 1], '\007');
    buf_free(&b);
    free(big);
}

static void test_curl_command(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    curl_command(&b, "https://oms.example/api/v1/oms/logs/action_log/42/");
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                                     "'https://oms.example/api/v1/oms/logs/action_log/42/'");
    buf_free(&b);
}

static void test_curl_command_quoting(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    curl_command(&b, "https://oms.example/a'b/?q=$(rm -rf x)`id`\"");
    const char *s = buf_str(&b);
    /* ' becomes '\'' and everything else stays inside single quotes, where
     * a POSIX shell expands nothing. */
    assert_string_equal(s, "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                           "'https://oms.example/a'\\''b/?q=$(rm -rf x)`id`\"'");
    /* The token is read from the environment; no other credential appears. */
    assert_non_null(strstr(s, "$OMSLOG_TOKEN"));
    const char *auth = strstr(s, "Authorization");
    assert_non_null(auth);
    assert_null(strstr(auth + 1, "Authorization"));
    assert_null(strstr(s, "Token \""));
    buf_free(&b);
}

static void test_curl_command_controls(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    /* A newline pasted into a shell would run the line early. */
    curl_command(&b, "http://h/x\ny\x1b\x7f");
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                                     "'http://h/x%0Ay%1B%7F'");
    assert_null(strchr(buf_str(&b), '\n'));

    buf_reset(&b);
    curl_command(&b, NULL);
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" ''");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648),       cmocka_unit_test(test_base64_binary),
        cmocka_unit_test(test_osc52_plain),          cmocka_unit_test(test_osc52_tmux),
        cmocka_unit_test(test_osc52_limit),          cmocka_unit_test(test_curl_command),
        cmocka_unit_test(test_curl_command_quoting), cmocka_unit_test(test_curl_command_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
