/* test_util.c — util: integer parsing, case-insensitive compare, quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"

static void test_parse_int64(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(parse_int64("123", &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(parse_int64("-5", &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(parse_int64("-9223372036854775808", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(parse_int64("9223372036854775807", &v), 0);
    assert_true(v == INT64_MAX);
    v = 7;
    assert_int_equal(parse_int64("9223372036854775808", &v), -1);
    assert_int_equal(parse_int64("12x", &v), -1);
    assert_int_equal(parse_int64("", &v), -1);
    assert_int_equal(parse_int64("-", &v), -1);
    assert_int_equal(parse_int64(" 1", &v), -1);
    assert_int_equal(parse_int64(NULL, &v), -1);
    assert_int_equal(v, 7); /* untouched on failure */
}

static void test_ascii_casecmp(void **state)
{
    (void)state;
    assert_int_equal(ascii_casecmp("ErRoR", "error"), 0);
    assert_true(ascii_casecmp("debug", "info") < 0);
    assert_true(ascii_casecmp("warning", "info") > 0);
}

static void test_hex_digit_value(void **state)
{
    (void)state;
    assert_int_equal(hex_digit_value('0'), 0);
    assert_int_equal(hex_digit_value('9'), 9);
    assert_int_equal(hex_digit_value('a'), 10);
    assert_int_equal(hex_digit_value('F'), 15);
    /* Neighbours of each range, and bytes outside ASCII. */
    static const char not_hex[] = "/:@G`g \x80\xff";
    for (size_t i = 0; i < sizeof not_hex - 1; i++)
        assert_int_equal(hex_digit_value(not_hex[i]), -1);
    assert_int_equal(hex_digit_value('\0'), -1);
}

static void test_ascii_quote(void **state)
{
    (void)state;
    char out[64];
    ascii_quote("plain text", 10, 80, out, sizeof out);
    assert_string_equal(out, "plain text");
    /* Escapes, bell, DEL, a UTF-8 byte and NUL all become \xHH. */
    ascii_quote("a\x1b]0;t\x07\x7f\xc3z\0y", 12, 80, out, sizeof out);
    assert_string_equal(out, "a\\x1b]0;t\\x07\\x7f\\xc3z\\x00y");
    /* Bounded input: "..." says there was more. */
    ascii_quote("abcdefgh", 8, 3, out, sizeof out);
    assert_string_equal(out, "abc...");
    /* A small buffer cuts between escapes, never inside one. */
    char small[8];
    ascii_quote("ab\x01\x02", 4, 80, small, sizeof small);
    assert_string_equal(small, "ab\\x01");
    ascii_quote("abcdefghijk", 11, 80, small, sizeof small);
    assert_string_equal(small, "abcdefg");
    char one[1] = {'z'};
    ascii_quote("abc", 3, 80, one, sizeof one);
    assert_int_equal(one[0], '\0');
}

static void test_array_grow(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    ARRAY_GROW(a, cap, 1);
    assert_non_null(a);
    assert_int_equal(cap, 8);
    int *before = a;
    ARRAY_GROW(a, cap, 8); /* fits: nothing moves */
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 8; i++)
        a[i] = i;
    ARRAY_GROW(a, cap, 9);
    assert_int_equal(cap, 16);
    assert_int_equal(a[7], 7); /* contents kept */
    ARRAY_GROW(a, cap, 100);
    assert_int_equal(cap, 128);
    a[99] = 99;
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int64),     cmocka_unit_test(test_ascii_casecmp),
        cmocka_unit_test(test_hex_digit_value), cmocka_unit_test(test_ascii_quote),
        cmocka_unit_test(test_array_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
