/* Unit tests for buf, util, error and level: the small modules everything uses. */
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
#include "omslog/error.h"
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

static void test_parse_int64(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(parse_int64("123", &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(parse_int64("-5", &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(parse_int64("9223372036854775807", &v), 0);
    assert_int_equal(parse_int64("9223372036854775808", &v), -1);
    assert_int_equal(parse_int64("12a", &v), -1);
    assert_int_equal(parse_int64("", &v), -1);
    assert_int_equal(parse_int64(" 1", &v), -1);
    assert_int_equal(parse_int64(NULL, &v), -1);
    assert_int_equal(v, INT64_MAX);
}

static void test_error_set_and_names(void **state)
{
    (void)state;
    struct omslog_error e;
    assert_int_equal(error_set(&e, OMSLOG_ERR_AUTH, "bad %s", "token"), OMSLOG_ERR_AUTH);
    assert_string_equal(e.msg, "bad token");
    assert_int_equal(error_set(NULL, OMSLOG_ERR_IO, "x"), OMSLOG_ERR_IO);
    error_clear(&e);
    assert_int_equal(e.status, OMSLOG_OK);
    assert_string_equal(error_status_name(OMSLOG_ERR_TIMEOUT), "timeout");
    assert_string_equal(error_status_name((enum omslog_status)99), "unknown");
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    error_set(&e, OMSLOG_ERR_SERVER, "%s", longmsg);
    assert_int_equal(strlen(e.msg), OMSLOG_ERROR_MSG_MAX - 1);
}

static void test_level_names_and_parse(void **state)
{
    (void)state;
    char buf[LEVEL_NAME_MAX];
    assert_string_equal(level_format(40, buf), "ERROR");
    assert_string_equal(level_format(25, buf), "Level 25");
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
    assert_int_equal(level_class_value(LEVEL_CLASS_WARNING), 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty_is_terminated),
        cmocka_unit_test(test_buf_append_grows_and_keeps_nul),
        cmocka_unit_test(test_buf_printf_short_and_long),
        cmocka_unit_test(test_parse_int64),
        cmocka_unit_test(test_error_set_and_names),
        cmocka_unit_test(test_level_names_and_parse),
        cmocka_unit_test(test_level_class_nearest_below),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
