/* test_sanitize.c — escapes, UTF-8 validation and display widths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/sanitize.h"

/* Sanitise len bytes (which may hold NULs) and return the result as a string. */
static char *san(const char *s, size_t len, unsigned flags)
{
    struct buf b;
    buf_init(&b);
    sanitize_append(&b, s, len, flags);
    return buf_steal(&b);
}

static void check(const char *in, size_t len, unsigned flags, const char *want)
{
    char *got = san(in, len, flags);
    assert_string_equal(got, want);
    free(got);
}

#define CHECK(lit, flags, want) check((lit), sizeof(lit) - 1, (flags), (want))

/* Decode the output as strict UTF-8 and fail on anything a terminal acts on. */
static void assert_terminal_safe(const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == '\n')
                assert_true(flags & SANITIZE_KEEP_NEWLINE);
            else if (c == '\t')
                assert_true(flags & SANITIZE_KEEP_TAB);
            else
                assert_true(c >= 0x20 && c != 0x7f);
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 4;
            cp = c & 0x07;
        } else {
            fail_msg("invalid UTF-8 lead byte %02x at %zu in \"%s\"", c, i, s);
            return;
        }
        assert_true(i + need <= n);
        for (size_t k = 1; k < need; k++) {
            assert_int_equal(p[i + k] & 0xc0, 0x80);
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        assert_false(cp >= 0x80 && cp <= 0x9f);     /* C1 */
        assert_false(cp >= 0xd800 && cp <= 0xdfff); /* surrogate */
        assert_false(cp >= 0x202a && cp <= 0x202e); /* bidi embed/override */
        assert_false(cp >= 0x2066 && cp <= 0x2069); /* bidi isolates */
        assert_false(cp == 0x200e || cp == 0x200f || cp == 0x061c);
        assert_true(cp <= 0x10ffff);
        i += need;
    }
}

static int setup_locale(void **state)
{
    (void)state;
    /* Widths depend on LC_CTYPE; the test must not depend on the caller's. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    return 0;
}

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    CHECK("hello, world", 0, "hello, world");
    CHECK("path C:\\temp\\x", 0, "path C:\\temp\\x"); /* backslash passes */
    CHECK("İşlem başarısız 注文 📦", 0, "İşlem başarısız 注文 📦");
    CHECK("", 0, "");
}

static void test_escape_sequences(void **state)
{
    (void)state;
    CHECK("\x1b[2Jcleared", 0, "\\e[2Jcleared");
    /* OSC 0 sets the window title, terminated by BEL. */
    CHECK("\x1b]0;pwned\x07rest", 0, "\\e]0;pwned\\x07rest");
    /* OSC 52 writes the clipboard, terminated by ST (ESC \). */
    CHECK("\x1b]52;c;ZXZpbA==\x1b\\", 0, "\\e]52;c;ZXZpbA==\\e\\");
    /* OSC 8 hyperlink. */
    CHECK("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", 0,
          "\\e]8;;http://evil/\\e\\link\\e]8;;\\e\\");
    /* DCS. */
    CHECK("\x1bP1$r\x1b\\", 0, "\\eP1$r\\e\\");
}

static void test_c1_controls(void **state)
{
    (void)state;
    /* 8-bit CSI encoded as UTF-8 (U+009B) and as a raw byte. */
    CHECK("a\xc2\x9b"
          "2Jb",
          0, "a\\u{9b}2Jb");
    CHECK("a\x9b"
          "2Jb",
          0, "a\\x9b2Jb");
    CHECK("\xc2\x80\xc2\x85\xc2\x9f", 0, "\\u{80}\\u{85}\\u{9f}");
    /* U+00A0 is the first code point after C1 and is kept. */
    CHECK("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_bidi_and_separators(void **state)
{
    (void)state;
    CHECK("abc\xe2\x80\xae"
          "def",
          0, "abc\\u{202e}def"); /* RLO */
    CHECK("x\xe2\x81\xa6y\xe2\x81\xa9", 0, "x\\u{2066}y\\u{2069}");
    CHECK("\xe2\x80\xaa\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 0,
          "\\u{202a}\\u{200e}\\u{200f}\\u{61c}");
    CHECK("a\xe2\x80\xa8"
          "b\xe2\x80\xa9",
          0, "a\\u{2028}b\\u{2029}");
    /* Neighbours of the ranges are ordinary text. */
    CHECK("\xe2\x80\xa9\xe2\x80\xaf", 0, "\\u{2029}\xe2\x80\xaf");
    /* BOM is invisible but harmless: kept. ZWJ is dropped (terminals
     * disagree on how wide a joined sequence is), the parts stay. */
    CHECK("\xef\xbb\xbfx\xe2\x80\x8dy", 0, "\xef\xbb\xbfxy");
    CHECK("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", SANITIZE_ONE_LINE,
          "\xf0\x9f\x91\xa9\xf0\x9f\x92\xbb");
}

static void test_c0_controls(void **state)
{
    (void)state;
    CHECK("a\rb", 0, "a\\rb");
    CHECK("a\bb", 0, "a\\bb");
    CHECK("a\x7f"
          "b",
          0, "a\\x7fb");
    CHECK("\x01\x07\x0b\x0c\x1f", 0, "\\x01\\x07\\x0b\\x0c\\x1f");
    /* A real NUL inside the given length. */
    CHECK("a\0b", 0, "a\\x00b");
    /* decode's stand-in for U+0000. */
    CHECK("a\xc0\x80"
          "b",
          0, "a\\0b");
}

static void test_newline_and_tab_flags(void **state)
{
    (void)state;
    CHECK("a\nb\tc", 0, "a\\nb\\tc");
    CHECK("a\nb\tc", SANITIZE_KEEP_NEWLINE, "a\nb\\tc");
    CHECK("a\nb\tc", SANITIZE_KEEP_TAB, "a\\nb\tc");
    CHECK("a\nb\tc", SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB, "a\nb\tc");
    CHECK("a\r\nb\tc", SANITIZE_ONE_LINE, "a\\r b c");
    /* One line wins over the keep flags. */
    CHECK("a\nb\tc", SANITIZE_ONE_LINE | SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB, "a b c");
    /* Other controls are still escaped in one-line mode. */
    CHECK("\x1b[1m", SANITIZE_ONE_LINE, "\\e[1m");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    CHECK("\xc0\xaf", 0, "\\xc0\\xaf");                   /* overlong '/' */
    CHECK("\xc1\xbf", 0, "\\xc1\\xbf");                   /* overlong, C1 lead */
    CHECK("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");          /* overlong 3-byte */
    CHECK("\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf"); /* overlong 4-byte */
    CHECK("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");          /* surrogate D800 */
    CHECK("\xed\xbf\xbf", 0, "\\xed\\xbf\\xbf");          /* surrogate DFFF */
    CHECK("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    CHECK("\xf5\x80\x80\x80", 0, "\\xf5\\x80\\x80\\x80");
    CHECK("\xff\xfe", 0, "\\xff\\xfe");
    CHECK("\x80x", 0, "\\x80x");            /* stray continuation */
    CHECK("ok\xe6\xb3", 0, "ok\\xe6\\xb3"); /* truncated at end */
    CHECK("ok\xf0\x9f\x93", 0, "ok\\xf0\\x9f\\x93");
    CHECK("\xe6\xb3x", 0, "\\xe6\\xb3x"); /* truncated mid-text */
    CHECK("\xc0", 0, "\\xc0");            /* lone C0 at the end */
    CHECK("\xc0\x81", 0, "\\xc0\\x81");   /* only C0 80 is special */
    /* Boundaries that are valid. */
    CHECK("\xed\x9f\xbf", 0, "\xed\x9f\xbf");         /* U+D7FF */
    CHECK("\xee\x80\x80", 0, "\xee\x80\x80");         /* U+E000 */
    CHECK("\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    CHECK("\xe0\xa0\x80", 0, "\xe0\xa0\x80");         /* U+0800 */
    CHECK("\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80"); /* U+10000 */
}

static void test_output_always_safe(void **state)
{
    (void)state;
    static const unsigned flag_sets[] = {0, SANITIZE_KEEP_NEWLINE, SANITIZE_KEEP_TAB,
                                         SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB,
                                         SANITIZE_ONE_LINE};
    /* Every byte value, every two-byte pair starting with a non-ASCII byte, and
     * pseudo-random junk: the output must always be terminal-safe UTF-8. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    uint32_t seed = 12345;
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (unsigned char)(seed >> 16);
    }
    for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
        char *out = san((const char *)all, sizeof all, flag_sets[f]);
        assert_terminal_safe(out, flag_sets[f]);
        assert_null(strchr(out, 0x1b));
        free(out);
        out = san((const char *)junk, sizeof junk, flag_sets[f]);
        assert_terminal_safe(out, flag_sets[f]);
        free(out);
        for (int a = 0x80; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                char pair[2] = {(char)a, (char)b};
                out = san(pair, 2, flag_sets[f]);
                assert_terminal_safe(out, flag_sets[f]);
                free(out);
            }
        }
    }
}

static void test_appends_to_existing(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "pre:");
    sanitize_append(&b, "\x07", 1, 0);
    assert_string_equal(buf_str(&b), "pre:\\x07");
    buf_free(&b);
}

/* sanitize_into with every capacity from 1 up: each result must be the
 * longest prefix of sanitize_append's output that ends between two units
 * and fits, and *used must be the input those units came from. */
static void check_into_all_caps(const char *in, size_t len, unsigned flags)
{
    char *full = san(in, len, flags);
    size_t full_len = strlen(full);
    for (size_t cap = 1; cap <= full_len + 2; cap++) {
        char out[256];
        assert_true(cap <= sizeof out);
        memset(out, 'Z', sizeof out);
        size_t used = (size_t)-1;
        size_t n = sanitize_into(out, cap, in, len, flags, &used);
        assert_true(n < cap);
        assert_int_equal(out[n], '\0');
        if (cap < sizeof out)
            assert_int_equal(out[cap], 'Z'); /* nothing beyond cap written */
        assert_memory_equal(out, full, n);
        assert_true(used <= len);
        /* The units consumed sanitise to exactly what was written. */
        char *part = san(in, used, flags);
        assert_string_equal(part, out);
        free(part);
        if (cap > full_len) {
            assert_int_equal(n, full_len);
            assert_int_equal(used, len);
        } else {
            /* Stopped short: the next unit would not have fitted. */
            assert_true(used < len);
        }
    }
    free(full);
}

static void test_sanitize_into(void **state)
{
    (void)state;
    static const char mixed[] = "ab\x1b[1m注\xe2\x80\xae\xff\xc0\x80\tz\n📦 end";
    check_into_all_caps(mixed, sizeof mixed - 1, 0);
    check_into_all_caps(mixed, sizeof mixed - 1, SANITIZE_ONE_LINE);
    check_into_all_caps(mixed, sizeof mixed - 1, SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB);
    check_into_all_caps("plain ascii only", 16, 0);
    check_into_all_caps("", 0, 0);
    /* Fuzz finding: a dropped ZWJ right after a full array is still taken,
     * so used < len always means the rest did not fit. */
    check_into_all_caps("abc\xe2\x80\x8d", 6, 0);
    {
        char four[4];
        size_t u4;
        assert_int_equal(sanitize_into(four, sizeof four, "abc\xe2\x80\x8d", 6, 0, &u4), 3);
        assert_int_equal(u4, 6);
        assert_string_equal(four, "abc");
    }

    /* An escape is never cut: "\e" needs 2 bytes plus the NUL. */
    char out[8];
    size_t used;
    assert_int_equal(sanitize_into(out, 2, "\x1bx", 2, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_string_equal(out, "");
    assert_int_equal(sanitize_into(out, 3, "\x1bx", 2, 0, &used), 2);
    assert_int_equal(used, 1);
    assert_string_equal(out, "\\e");
    /* Nor is a character: 注 is 3 bytes. */
    assert_int_equal(sanitize_into(out, 4, "a注", 4, 0, &used), 1);
    assert_int_equal(used, 1);
    assert_int_equal(sanitize_into(out, 5, "a注", 4, 0, &used), 4);
    assert_int_equal(used, 4);
    assert_int_equal(sanitize_into(out, 5, "ab注", 5, 0, &used), 2);
    /* A capacity of 0 writes nothing at all. */
    out[0] = 'Q';
    assert_int_equal(sanitize_into(out, 0, "abc", 3, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(out[0], 'Q');
}

static int width_of(const char *s)
{
    return text_width(s, strlen(s));
}

/* Sums of utf8_width (whose per-character rule test_utf8.c checks). */
static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(width_of(""), 0);
    assert_int_equal(width_of("abc"), 3);
    assert_int_equal(width_of("İşlem başarısız"), 15);
    assert_int_equal(width_of("注文"), 4);
    assert_int_equal(width_of("e\xcc\x81"), 1); /* e + U+0301 */
    assert_int_equal(width_of("a\xe2\x80\x8d"
                              "b"),
                     2);                       /* ZWJ: zero */
    assert_int_equal(width_of("\xff\xfe"), 2); /* invalid bytes: one each */
    /* The ellipsis the fit functions use is one column. */
    assert_int_equal(width_of("\xe2\x80\xa6"), 1);
    /* An explicit length counts only that many bytes. */
    assert_int_equal(text_width("注文", 3), 2);
    /* NUL none, a control one, mixed with wide text. */
    assert_int_equal(text_width("a\0b注\x01", 8), 5);
    int w = -1;
    assert_int_equal(text_prefix_for_width("\0\x01", 2, 1, &w), 2);
    assert_int_equal(w, 1);
}

static char *fit(const char *s, int cols, int pad)
{
    struct buf b;
    buf_init(&b);
    text_fit(&b, s, strlen(s), cols, pad);
    return buf_steal(&b);
}

static void check_fit(const char *s, int cols, int pad, const char *want)
{
    char *got = fit(s, cols, pad);
    assert_string_equal(got, want);
    if (pad && cols > 0)
        assert_int_equal(width_of(got), cols);
    else
        assert_true(width_of(got) <= (cols > 0 ? cols : 0));
    free(got);
}

static void test_text_fit(void **state)
{
    (void)state;
    check_fit("hello", 10, 0, "hello");
    check_fit("hello", 10, 1, "hello     ");
    check_fit("hello", 5, 0, "hello");
    check_fit("hello!", 5, 0, "hell…");
    check_fit("hello!", 5, 1, "hell…");
    check_fit("hello", 1, 0, "…");
    check_fit("h", 1, 0, "h");
    check_fit("hello", 0, 1, "");
    check_fit("hello", -3, 1, "");
    check_fit("", 3, 1, "   ");
    /* Wide characters: 注文注文 is 8 columns. */
    check_fit("注文注文", 8, 0, "注文注文");
    check_fit("注文注文", 7, 0, "注文注…");
    /* At 6 columns, 5 are left before the ellipsis: the third wide character
     * would straddle, so it is left out and the row is padded. */
    check_fit("注文注文", 6, 0, "注文…");
    check_fit("注文注文", 6, 1, "注文… ");
    check_fit("注文注文", 2, 1, "… ");
    check_fit("📦📦", 3, 1, "📦…");
    check_fit("📦📦", 2, 1, "… ");
    check_fit("📦📦", 4, 1, "📦📦");
    check_fit("a📦", 2, 1, "a…");
    /* Combining marks stay with their base character. */
    check_fit("e\xcc\x81"
              "e\xcc\x81",
              2, 0,
              "e\xcc\x81"
              "e\xcc\x81");
    check_fit("e\xcc\x81"
              "e\xcc\x81x",
              2, 0, "e\xcc\x81…");
    check_fit("İşlem başarısız", 10, 1, "İşlem baş…");
}

static void test_prefix_for_width(void **state)
{
    (void)state;
    const char *s = "ab注文";
    int w = -1;
    assert_int_equal(text_prefix_for_width(s, strlen(s), 3, &w), 2);
    assert_int_equal(w, 2);
    assert_int_equal(text_prefix_for_width(s, strlen(s), 4, &w), 5);
    assert_int_equal(w, 4);
    assert_int_equal(text_prefix_for_width(s, strlen(s), 100, &w), strlen(s));
    assert_int_equal(w, 6);
    assert_int_equal(text_prefix_for_width(s, strlen(s), 0, &w), 0);
    assert_int_equal(w, 0);
    assert_int_equal(text_prefix_for_width(s, strlen(s), -1, NULL), 0);
    /* A first character wider than cols gives an empty prefix. */
    assert_int_equal(text_prefix_for_width("注", 3, 1, &w), 0);
    /* Zero-width characters that follow the last one that fits are included. */
    assert_int_equal(text_prefix_for_width("e\xcc\x81x", 4, 1, &w), 3);
    assert_int_equal(w, 1);
}

static void test_locale_init(void **state)
{
    (void)state;
    assert_int_equal(sanitize_locale_init(), 0);
    assert_int_equal(width_of("注文"), 4);
    /* A non-UTF-8 user locale falls back to a UTF-8 one. */
    setenv("LC_ALL", "C", 1);
    assert_int_equal(sanitize_locale_init(), 0);
    assert_int_equal(width_of("注文"), 4);
    unsetenv("LC_ALL");
    setlocale(LC_CTYPE, "C.UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_bidi_and_separators),
        cmocka_unit_test(test_c0_controls),
        cmocka_unit_test(test_newline_and_tab_flags),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_output_always_safe),
        cmocka_unit_test(test_appends_to_existing),
        cmocka_unit_test(test_sanitize_into),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_text_fit),
        cmocka_unit_test(test_prefix_for_width),
        cmocka_unit_test(test_locale_init),
    };
    return cmocka_run_group_tests(tests, setup_locale, NULL);
}
