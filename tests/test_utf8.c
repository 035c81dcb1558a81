/* test_utf8.c — the one UTF-8 reader: decoding, cutting, column widths. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <locale.h>
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "omslog/entry.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

/* A literal and its length, NUL bytes included. */
#define BYTES(lit) (lit), sizeof(lit) - 1

static int setup_locale(void **state)
{
    (void)state;
    /* wcwidth knows non-ASCII widths only in a UTF-8 LC_CTYPE. */
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static const struct {
    const char *s;
    size_t n;
    size_t len; /* 0: not a character */
    uint32_t cp;
    const char *why;
} decode_cases[] = {
    {BYTES("a"), 1, 'a', "ASCII"},
    {BYTES("\0"), 1, 0, "a NUL byte is ASCII"},
    {BYTES("\x7f"), 1, 0x7f, "DEL"},
    {BYTES("\xc0\x80"), 2, 0, "the U+0000 stand-in"},
    {BYTES(ENTRY_NUL_STANDIN "x"), 2, 0, "the stand-in before more text"},
    {BYTES("\xc2\x80"), 2, 0x80, "first two-byte value"},
    {BYTES("\xc3\xbc"), 2, 0xfc, "u with diaeresis"},
    {BYTES("\xdf\xbf"), 2, 0x7ff, "last two-byte value"},
    {BYTES("\xe0\xa0\x80"), 3, 0x800, "first three-byte value"},
    {BYTES("\xe6\xb3\xa8"), 3, 0x6ce8, "CJK"},
    {BYTES("\xed\x9f\xbf"), 3, 0xd7ff, "just below the surrogates"},
    {BYTES("\xee\x80\x80"), 3, 0xe000, "just above the surrogates"},
    {BYTES("\xf0\x90\x80\x80"), 4, 0x10000, "first four-byte value"},
    {BYTES("\xf0\x9f\x93\xa6"), 4, 0x1f4e6, "emoji"},
    {BYTES("\xf4\x8f\xbf\xbf"), 4, 0x10ffff, "U+10FFFF"},
    {BYTES("\xc0\x81"), 0, 0, "only C0 80 is the stand-in"},
    {BYTES("\xc0\xaf"), 0, 0, "overlong '/'"},
    {BYTES("\xc1\xbf"), 0, 0, "overlong, C1 lead"},
    {BYTES("\xe0\x80\xaf"), 0, 0, "overlong three-byte"},
    {BYTES("\xe0\x9f\xbf"), 0, 0, "overlong U+07FF"},
    {BYTES("\xf0\x80\x80\xaf"), 0, 0, "overlong four-byte"},
    {BYTES("\xf0\x8f\xbf\xbf"), 0, 0, "overlong U+FFFF"},
    {BYTES("\xed\xa0\x80"), 0, 0, "surrogate D800"},
    {BYTES("\xed\xbf\xbf"), 0, 0, "surrogate DFFF"},
    {BYTES("\xf4\x90\x80\x80"), 0, 0, "above U+10FFFF"},
    {BYTES("\xf5\x80\x80\x80"), 0, 0, "F5 lead"},
    {BYTES("\xff"), 0, 0, "FF"},
    {BYTES("\x80"), 0, 0, "stray continuation"},
    {BYTES("\xbf\xbf"), 0, 0, "stray continuations"},
    {BYTES("\xc0"), 0, 0, "lone C0"},
    {BYTES("\xe6\xb3"), 0, 0, "cut short by the end"},
    {BYTES("\xe6\xb3x"), 0, 0, "cut short by ASCII"},
    {BYTES("\xf0\x9f\x93"), 0, 0, "four-byte cut short"},
    {BYTES("\xc3\xc3\xbc"), 0, 0, "a lead where a continuation belongs"},
};

static void test_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(decode_cases); i++) {
        uint32_t cp = 0xdeadbeef;
        size_t len = utf8_decode(decode_cases[i].s, decode_cases[i].n, &cp);
        if (len != decode_cases[i].len)
            fail_msg("%s: length %zu, want %zu", decode_cases[i].why, len, decode_cases[i].len);
        if (len && cp != decode_cases[i].cp)
            fail_msg("%s: U+%04X, want U+%04X", decode_cases[i].why, (unsigned)cp,
                     (unsigned)decode_cases[i].cp);
        if (!len && cp != 0xdeadbeef)
            fail_msg("%s: *cp written on failure", decode_cases[i].why);
        /* utf8_next steps over a character whole and over anything else
         * one byte at a time. */
        assert_int_equal(utf8_next(decode_cases[i].s, decode_cases[i].n), len ? len : 1);
    }
}

static const struct {
    const char *s;
    size_t len;
    size_t max;
    size_t want;
    const char *why;
} prefix_cases[] = {
    {BYTES("abc"), 5, 3, "shorter than max: all of it"},
    {BYTES("abc"), 3, 3, "exactly max"},
    {BYTES("abc"), 2, 2, "ASCII cut anywhere"},
    {BYTES("abc"), 0, 0, "max 0"},
    {BYTES("a\xc3\xbc"), 2, 1, "two-byte character left out whole"},
    {BYTES("a\xe6\xb3\xa8"), 3, 1, "three-byte, cut after its second byte"},
    {BYTES("a\xe6\xb3\xa8"), 2, 1, "three-byte, cut after its lead"},
    {BYTES("a\xf0\x9f\x93\xa6"), 4, 1, "four-byte, cut before its last byte"},
    {BYTES("a\xf0\x9f\x93\xa6"
           "b"),
     5, 5, "cut right after a four-byte"},
    {BYTES("\xf0\x9f\x93\xa6\xf0\x9f\x93\xa6"), 7, 4, "second emoji left out"},
    {BYTES("ab" ENTRY_NUL_STANDIN "c"), 3, 2, "the stand-in is never split"},
    {BYTES("ab" ENTRY_NUL_STANDIN "c"), 4, 4, "cut right after the stand-in"},
    {BYTES("\x80\x80\x80\x80\x80\x80"), 3, 3, "stray continuations stand alone"},
    {BYTES("ab\xe6\xb3x"), 3, 3, "a sequence cut short is no character"},
    {BYTES("ab\xed\xa0\x80"), 4, 4, "nor is a surrogate"},
    {BYTES("\xe6\xb3\xa8\x80\x80\x80"), 5, 5, "continuations after a whole character"},
};

static void test_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(prefix_cases); i++) {
        size_t got = utf8_prefix(prefix_cases[i].s, prefix_cases[i].len, prefix_cases[i].max);
        if (got != prefix_cases[i].want)
            fail_msg("%s: %zu, want %zu", prefix_cases[i].why, got, prefix_cases[i].want);
    }
    /* max = len - 1 drops exactly the last unit, whatever it is. */
    assert_int_equal(utf8_prefix(BYTES("x\xf0\x9f\x93\xa6"), 4), 1);
    assert_int_equal(utf8_prefix(BYTES("x" ENTRY_NUL_STANDIN), 2), 1);
    assert_int_equal(utf8_prefix(BYTES("x\xa6"), 1), 1);
}

/* Every cut of a mixed text ends between units and is the longest that does. */
static void test_prefix_every_cut(void **state)
{
    (void)state;
    static const char text[] = "a\xc3\xbc\xe6\xb3\xa8\xf0\x9f\x93\xa6" ENTRY_NUL_STANDIN "\xff"
                               "\xe6\xb3z";
    size_t len = sizeof text - 1;
    /* Where units start, found by stepping from the beginning. */
    bool starts[sizeof text] = {false};
    for (size_t i = 0; i < len; i += utf8_next(text + i, len - i))
        starts[i] = true;
    starts[len] = true;
    for (size_t max = 0; max <= len; max++) {
        size_t got = utf8_prefix(text, len, max);
        assert_true(got <= max);
        assert_true(starts[got]);
        for (size_t k = got + 1; k <= max; k++)
            assert_false(starts[k]);
    }
}

static const struct {
    const char *s;
    size_t n;
    int cols;
    size_t len;
    const char *why;
} width_cases[] = {
    {BYTES("a"), 1, 1, "ASCII letter"},
    {BYTES(" "), 1, 1, "space"},
    {BYTES("\0"), 0, 1, "NUL: none, as wcwidth and a terminal have it"},
    {BYTES(ENTRY_NUL_STANDIN), 0, 2, "the stand-in measures as the NUL it holds"},
    {BYTES("\x01"), 1, 1, "a C0 control wcwidth rejects: one"},
    {BYTES("\t"), 1, 1, "tab: one"},
    {BYTES("\x1b"), 1, 1, "ESC: one"},
    {BYTES("\x7f"), 1, 1, "DEL: one"},
    {BYTES("\xc2\x9b"), 1, 2, "C1 control: one"},
    {BYTES("\xc4\xb0"), 1, 2, "dotted capital I"},
    {BYTES("\xe6\xb3\xa8"), 2, 3, "CJK: two"},
    {BYTES("\xf0\x9f\x93\xa6"), 2, 4, "emoji: two"},
    {BYTES("\xcc\x81"), 0, 2, "combining acute: none"},
    {BYTES("\xe2\x80\x8d"), 0, 3, "ZWJ: none"},
    {BYTES("\xef\xbb\xbf"), 0, 3, "BOM: none"},
    {BYTES("\xe2\x80\xa6"), 1, 3, "the ellipsis: one"},
    {BYTES("\xff"), 1, 1, "a byte that stands alone: one"},
    {BYTES("\xe6\xb3"), 1, 1, "a sequence cut short: one byte, one column"},
    {BYTES("\xed\xa0\x80"), 1, 1, "a surrogate: its first byte, one column"},
};

static void test_width(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(width_cases); i++) {
        size_t len = 0;
        int cols = utf8_width(width_cases[i].s, width_cases[i].n, &len);
        if (cols != width_cases[i].cols || len != width_cases[i].len)
            fail_msg("%s: %d columns in %zu bytes, want %d in %zu", width_cases[i].why, cols, len,
                     width_cases[i].cols, width_cases[i].len);
    }
}

/* ASCII is measured without calling wcwidth: every byte must still get what
 * wcwidth gives (NUL none), or one column where it gives none. */
static void test_ascii_width_is_wcwidth(void **state)
{
    (void)state;
    for (int c = 0; c < 0x80; c++) {
        char ch = (char)c;
        int want = wcwidth((wchar_t)c) < 0 ? 1 : wcwidth((wchar_t)c);
        size_t len = 0;
        assert_int_equal(utf8_width(&ch, 1, &len), want);
        assert_int_equal(len, 1);
    }
    assert_int_equal(wcwidth(L'\0'), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_prefix_every_cut),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_ascii_width_is_wcwidth),
    };
    return cmocka_run_group_tests(tests, setup_locale, NULL);
}
