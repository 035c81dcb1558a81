/* Unit tests for buf and level: small modules everything uses. */
/* clang-format off */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/level.h"
#include "omslog/util.h"

static void test_buf_empty_is_terminated(void **state)
{
    (void)state;
    struct buf b = {0};
    assert_string_equal(buf_str(&b), "");
    buf_reserve(&b, 10);
    assert_string_equal(buf_str(&b), "");
    buf_appends(&b, "");
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
    assert_null(b.data);
    char *s = buf_steal(&b);
    assert_string_equal(s, "");
    free(s);
}

static void test_buf_append_grows_and_keeps_nul(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 1000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[1000], '\0');
    assert_int_equal(b.data[27], 'b');
    buf_append(&b, "x\0y", 3); /* embedded NUL kept */
    assert_int_equal(b.len, 1003);
    assert_int_equal(b.data[1001], '\0');
    assert_int_equal(b.data[1002], 'y');
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void test_buf_printf_short_and_long(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_printf(&b, "%d-%s", 42, "x");
    assert_string_equal(b.data, "42-x");
    char big[5000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, 4 + 2 + 4999);
    assert_int_equal(b.data[5], 'q');
    assert_int_equal(b.data[b.len - 1], ']');
    char *s = buf_steal(&b);
    assert_int_equal(strlen(s), 4 + 2 + 4999);
    assert_null(b.data);
    free(s);
}

static void test_level_names_and_parse(void **state)
{
    (void)state;
    char buf[LEVEL_NAME_MAX];
    assert_string_equal(level_format(40, buf), "ERROR");
    assert_string_equal(level_format(25, buf), "Level 25");
    /* Whole at both ends of int (the name was cut to "Level 214748364"). */
    assert_string_equal(level_format(INT_MAX, buf), "Level 2147483647");
    assert_string_equal(level_format(INT_MIN, buf), "Level -2147483648");
    assert_string_equal(level_format(-1, buf), "Level -1");
    assert_null(level_std_name(45));
    int l = -1;
    assert_int_equal(level_parse("warning", &l), 0);
    assert_int_equal(l, 30);
    assert_int_equal(level_parse("CRITICAL", &l), 0);
    assert_int_equal(l, 50);
    assert_int_equal(level_parse("Warn", &l), 0);
    assert_int_equal(l, 30);
    assert_int_equal(level_parse("35", &l), 0);
    assert_int_equal(l, 35);
    assert_int_equal(level_parse("-1", &l), -1);
    assert_int_equal(level_parse("loud", &l), -1);
    assert_int_equal(level_parse("", &l), -1);
    assert_int_equal(l, 35);
}

static void test_level_class_nearest_below(void **state)
{
    (void)state;
    assert_int_equal(level_class_of(0), LEVEL_CLASS_NOTSET);
    assert_int_equal(level_class_of(-3), LEVEL_CLASS_NOTSET);
    assert_int_equal(level_class_of(9), LEVEL_CLASS_NOTSET);
    assert_int_equal(level_class_of(10), LEVEL_CLASS_DEBUG);
    assert_int_equal(level_class_of(25), LEVEL_CLASS_INFO);
    assert_int_equal(level_class_of(45), LEVEL_CLASS_ERROR);
    assert_int_equal(level_class_of(50), LEVEL_CLASS_CRITICAL);
    assert_int_equal(level_class_of(1000), LEVEL_CLASS_CRITICAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty_is_terminated),
        cmocka_unit_test(test_buf_append_grows_and_keeps_nul),
        cmocka_unit_test(test_buf_printf_short_and_long),
        cmocka_unit_test(test_level_names_and_parse),
        cmocka_unit_test(test_level_class_nearest_below),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
