/* test_wrap.c — laying text out in terminal columns. */
/* cmocka.h needs these four headers first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "omslog/util.h"
#include "omslog/wrap.h"

#define MAX_COLS_TRIED 24

static int setup_locale(void **state)
{
    (void)state;
    /* Widths of CJK, emoji and combining marks need a UTF-8 LC_CTYPE. */
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

/* Width measured independently of wrap.c, for valid UTF-8 test strings. */
static int ref_width(const char *s, size_t len)
{
    char tmp[1024];
    wchar_t wide[1024];
    assert_true(len < sizeof tmp);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    size_t n = mbstowcs(wide, tmp, ARRAY_LEN(wide));
    assert_true(n != (size_t)-1);
    int w = wcswidth(wide, n);
    assert_true(w >= 0);
    return w;
}

/* Lines are exactly `want` (NULL-terminated), with their widths. */
static void expect_lines(const char *text, int cols, bool wrap, const char *const *want,
                         const int *widths)
{
    struct wrap w;
    wrap_init(&w);
    wrap_text(&w, text, strlen(text), cols, wrap);
    size_t n = 0;
    while (want[n])
        n++;
    if (w.n != n) {
        for (size_t i = 0; i < w.n; i++)
            print_message("got line %zu: \"%.*s\"\n", i, (int)w.lines[i].len,
                          text + w.lines[i].start);
        fail_msg("%zu lines, want %zu", w.n, n);
    }
    for (size_t i = 0; i < n; i++) {
        const struct wrap_line *l = &w.lines[i];
        if (l->len != strlen(want[i]) || memcmp(text + l->start, want[i], l->len) != 0)
            fail_msg("line %zu: \"%.*s\", want \"%s\"", i, (int)l->len, text + l->start, want[i]);
        assert_int_equal(l->width, widths[i]);
    }
    wrap_free(&w);
    assert_null(w.lines);
    assert_int_equal(w.n, 0);
}

/* The invariants every layout keeps: widths right and within cols, source
 * line numbers right, and the lines plus the dropped break spaces and the
 * newlines give back the text. */
static void check_invariants(const char *text, int cols)
{
    size_t len = strlen(text);
    struct wrap w;
    wrap_init(&w);
    wrap_text(&w, text, len, cols, true);
    size_t pos = 0;
    size_t src = 0;
    for (size_t i = 0; i < w.n; i++) {
        const struct wrap_line *l = &w.lines[i];
        if (i > 0) {
            if (l->src_line == w.lines[i - 1].src_line) {
                /* Same source line: nothing, or exactly one break space. */
                assert_true(l->start == pos || (l->start == pos + 1 && text[pos] == ' '));
                assert_int_not_equal(w.lines[i - 1].len, 0);
                assert_int_not_equal(l->len, 0);
            } else {
                assert_int_equal(l->src_line, src + 1);
                assert_int_equal(text[pos], '\n');
                assert_int_equal(l->start, pos + 1);
                src++;
            }
        } else {
            assert_int_equal(l->start, 0);
            assert_int_equal(l->src_line, 0);
        }
        assert_null(memchr(text + l->start, '\n', l->len));
        assert_int_equal(l->width, ref_width(text + l->start, l->len));
        assert_true(l->width <= cols);
        pos = l->start + l->len;
    }
    /* The end: all consumed, but for a final newline or a final break space. */
    if (len > 0) {
        assert_true(w.n > 0);
        assert_true(pos == len || (pos + 1 == len && (text[pos] == '\n' || text[pos] == ' ')));
    } else {
        assert_int_equal(w.n, 0);
    }
    wrap_free(&w);
}

static void test_ascii(void **state)
{
    (void)state;
    static const char *const want[] = {"the quick", "brown fox", "jumps over",
                                       "the lazy",  "dog",       NULL};
    static const int widths[] = {9, 9, 10, 8, 3};
    expect_lines("the quick brown fox jumps over the lazy dog", 10, true, want, widths);

    /* A line that fits exactly is not broken. */
    static const char *const exact[] = {"0123456789", NULL};
    static const int exact_w[] = {10};
    expect_lines("0123456789", 10, true, exact, exact_w);
}

static void test_long_word(void **state)
{
    (void)state;
    static const char *const want[] = {"abcd", "efgh", "ij", NULL};
    static const int widths[] = {4, 4, 2};
    expect_lines("abcdefghij", 4, true, want, widths);

    static const char *const after_short[] = {"xx", "abcd", "efgh", "ij", NULL};
    static const int after_w[] = {2, 4, 4, 2};
    expect_lines("xx abcdefghij", 4, true, after_short, after_w);

    static const char *const url[] = {"see", "https://oms", ".example/ap", "i", NULL};
    static const int url_w[] = {3, 11, 11, 1};
    expect_lines("see https://oms.example/api", 11, true, url, url_w);
}

static void test_indentation_and_spaces(void **state)
{
    (void)state;
    /* Indentation is not a break point: it stays on the first line. */
    static const char *const want[] = {"    indent", "ed words", "here", NULL};
    static const int widths[] = {10, 8, 4};
    expect_lines("    indented words here", 10, true, want, widths);

    /* Exactly one space is dropped at a break; further ones stay. */
    static const char *const two[] = {"ab", " c", "d", NULL};
    static const int two_w[] = {2, 2, 1};
    expect_lines("ab  cd", 2, true, two, two_w);

    /* A break space at the end of the line leaves no empty line behind. */
    static const char *const trailing[] = {"abc", NULL};
    static const int trailing_w[] = {3};
    expect_lines("abc ", 3, true, trailing, trailing_w);
}

static void test_cjk(void **state)
{
    (void)state;
    /* 日本語テキスト: 7 characters of 2 columns; at 5 columns only two fit. */
    static const char *const want[] = {"日本", "語テ", "キス", "ト", NULL};
    static const int widths[] = {4, 4, 4, 2};
    expect_lines("日本語テキスト", 5, true, want, widths);

    /* A wide character never straddles the edge: "ab日" would be 4 > 3. */
    static const char *const edge[] = {"ab", "日", "本", NULL};
    static const int edge_w[] = {2, 2, 2};
    expect_lines("ab日本", 3, true, edge, edge_w);

    static const char *const mixed[] = {"a日", "本", NULL};
    static const int mixed_w[] = {3, 2};
    expect_lines("a日本", 3, true, mixed, mixed_w);

    /* CJK with spaces still breaks at the space. */
    static const char *const spaced[] = {"注文 在庫", "なし", NULL};
    static const int spaced_w[] = {9, 4};
    expect_lines("注文 在庫 なし", 9, true, spaced, spaced_w);
}

static void test_wider_than_cols(void **state)
{
    (void)state;
    /* At one column a wide character cannot fit: one per line, no loop. */
    static const char *const want[] = {"日", "本", "a", NULL};
    static const int widths[] = {2, 2, 1};
    expect_lines("日本a", 1, true, want, widths);
}

static void test_emoji(void **state)
{
    (void)state;
    static const char *const want[] = {"😀", "😀", "😀", NULL};
    static const int widths[] = {2, 2, 2};
    expect_lines("😀😀😀", 3, true, want, widths);

    static const char *const words[] = {"ok 🚚", "sent", NULL};
    static const int words_w[] = {5, 4};
    expect_lines("ok 🚚 sent", 6, true, words, words_w);
}

static void test_combining(void **state)
{
    (void)state;
    /* e + U+0301: the mark takes no column and stays with its letter. */
    static const char *const want[] = {"cafe\xcc\x81", "cafe\xcc\x81", NULL};
    static const int widths[] = {4, 4};
    expect_lines("cafe\xcc\x81 cafe\xcc\x81", 4, true, want, widths);

    static const char *const edge[] = {"abce\xcc\x81", "f", NULL};
    static const int edge_w[] = {4, 1};
    expect_lines("abce\xcc\x81"
                 "f",
                 4, true, edge, edge_w);
}

static void test_turkish(void **state)
{
    (void)state;
    /* Two-byte letters are one column each: 11 letters fill 11 columns. */
    static const char *const want[] = {"Sipariş", "işlenemedi:", "ğüşıöç İĞÜŞ", NULL};
    static const int widths[] = {7, 11, 11};
    expect_lines("Sipariş işlenemedi: ğüşıöç İĞÜŞ", 11, true, want, widths);
    static const char *const narrow[] = {"İĞÜ", "Ş ı", NULL};
    static const int narrow_w[] = {3, 3};
    expect_lines("İĞÜŞ ı", 3, true, narrow, narrow_w);
}

static void test_empty_lines(void **state)
{
    (void)state;
    struct wrap w;
    wrap_init(&w);
    wrap_text(&w, "a\n\nb\n", 4, 10, true);
    assert_int_equal(w.n, 3);
    assert_int_equal(w.lines[0].len, 1);
    assert_int_equal(w.lines[1].len, 0);
    assert_int_equal(w.lines[1].start, 2);
    assert_int_equal(w.lines[1].width, 0);
    assert_int_equal(w.lines[1].src_line, 1);
    assert_int_equal(w.lines[2].start, 3);
    assert_int_equal(w.lines[2].src_line, 2);

    /* Empty text has no lines; a lone newline is one empty line. */
    wrap_text(&w, "", 0, 10, true);
    assert_int_equal(w.n, 0);
    wrap_text(&w, NULL, 0, 10, true);
    assert_int_equal(w.n, 0);
    wrap_text(&w, "\n", 1, 10, true);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.lines[0].len, 0);
    wrap_text(&w, "\n\n", 2, 10, false);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.lines[1].src_line, 1);
    wrap_free(&w);
}

static void test_narrow(void **state)
{
    (void)state;
    static const char *const want[] = {"a", "b", "c", NULL};
    static const int widths[] = {1, 1, 1};
    expect_lines("ab c", 1, true, want, widths);
    /* cols < 1 is treated as 1. */
    expect_lines("ab c", 0, true, want, widths);
    expect_lines("ab c", -7, true, want, widths);
}

static void test_wrap_off(void **state)
{
    (void)state;
    static const char *const want[] = {"short", "this is a long line 日本", "", NULL};
    static const int widths[] = {5, 24, 0};
    expect_lines("short\nthis is a long line 日本\n\n", 5, false, want, widths);
}

static void test_replaces_contents(void **state)
{
    (void)state;
    struct wrap w;
    wrap_init(&w);
    /* Enough lines to grow the array several times. */
    char big[2048];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "l%d\n", i);
    wrap_text(&w, big, n, 80, true);
    assert_int_equal(w.n, 300);
    assert_int_equal(w.lines[299].src_line, 299);
    assert_memory_equal(big + w.lines[299].start, "l299", 4);

    wrap_text(&w, "one two", 7, 3, true);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.lines[1].start, 4);
    wrap_free(&w);
    wrap_free(&w); /* freeing twice is harmless */
}

static void test_rejected_by_wcwidth(void **state)
{
    (void)state;
    /* A tab (kept by SANITIZE_KEEP_TAB) is one cell to wcwidth's -1. */
    static const char *const want[] = {"a\tb", "c", NULL};
    static const int widths[] = {3, 1};
    expect_lines("a\tbc", 3, true, want, widths);
}

/* Every ASCII byte but the newline and NUL, controls included, takes one
 * cell; NUL takes none (utf8.h's rule, which test_utf8.c checks byte by
 * byte), so it never pushes text to another line. */
static void test_every_ascii_byte_one_cell(void **state)
{
    (void)state;
    struct wrap w;
    wrap_init(&w);
    for (int c = 0; c < 0x80; c++) {
        if (c == '\n')
            continue;
        int cell = c != 0;
        char text[3] = {'a', (char)c, 'b'};
        wrap_text(&w, text, sizeof text, 10, false);
        assert_int_equal(w.n, 1);
        assert_int_equal(w.lines[0].len, 3);
        assert_int_equal(w.lines[0].width, 2 + cell);
        /* At two columns the third cell goes to a second line (a space is
         * a break instead, and is dropped). */
        wrap_text(&w, text, sizeof text, 2, true);
        assert_int_equal(w.n, 1 + cell);
        assert_int_equal(w.lines[0].width, c == ' ' ? 1 : 2);
    }
    wrap_free(&w);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    /* Not valid UTF-8 (the contract says it will not happen, but it must not
     * hang or overrun): one column per byte. */
    static const char text[] = "\xff\xfe\xc3";
    struct wrap w;
    wrap_init(&w);
    wrap_text(&w, text, 3, 2, true);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.lines[0].len, 2);
    assert_int_equal(w.lines[0].width, 2);
    assert_int_equal(w.lines[1].len, 1);
    assert_int_equal(w.lines[1].width, 1);
    wrap_free(&w);
}

static void test_invariants(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "the quick brown fox jumps over the lazy dog",
        "Sipariş işlenemedi: ğüşıöç İĞÜŞ\nikinci satır   çok  boşluk ",
        "short\n\n  indented line with words\nlast",
        "cafe\xcc\x81 na\xc3\xafve re\xcc\x81sume\xcc\x81 \xcc\x81x",
        "abcdefghijklmnopqrstuvwxyz0123456789 a b c d e f",
        "trailing newline\n",
        "",
        "   ",
        " a",
    };
    for (size_t t = 0; t < ARRAY_LEN(texts); t++)
        for (int cols = 1; cols <= MAX_COLS_TRIED; cols++)
            check_invariants(texts[t], cols);

    /* Wide characters: from 2 columns up every line fits. */
    static const char *const wide[] = {
        "日本語のテキストと English words 混在",
        "😀 emoji 🚚 trucks 📦📦📦 boxes",
        "注文番号123の在庫がありません\n倉庫なし",
    };
    for (size_t t = 0; t < ARRAY_LEN(wide); t++)
        for (int cols = 2; cols <= MAX_COLS_TRIED; cols++)
            check_invariants(wide[t], cols);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_long_word),
        cmocka_unit_test(test_indentation_and_spaces),
        cmocka_unit_test(test_cjk),
        cmocka_unit_test(test_wider_than_cols),
        cmocka_unit_test(test_emoji),
        cmocka_unit_test(test_combining),
        cmocka_unit_test(test_turkish),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_narrow),
        cmocka_unit_test(test_wrap_off),
        cmocka_unit_test(test_replaces_contents),
        cmocka_unit_test(test_rejected_by_wcwidth),
        cmocka_unit_test(test_every_ascii_byte_one_cell),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_invariants),
    };
    return cmocka_run_group_tests(tests, setup_locale, NULL);
}
