/* test_keys.c — the browser's key table (src/ui/keys.c): dispatch, the help
 * text generated from it and the one movement routine. No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/ui/app.h"
#include "omslog/level.h"

static void test_lookup(void **state)
{
    (void)state;
    int arg = -2;
    assert_int_equal(keys_lookup('j', false, &arg), ACT_DOWN);
    assert_int_equal(keys_lookup(KEY_DOWN, true, NULL), ACT_DOWN);
    assert_int_equal(keys_lookup('k', false, NULL), ACT_UP);
    assert_int_equal(keys_lookup('G', false, NULL), ACT_LAST);
    assert_int_equal(keys_lookup(KEY_END, true, NULL), ACT_LAST);
    assert_int_equal(keys_lookup(':', false, NULL), ACT_JUMP);
    assert_int_equal(keys_lookup('#', false, NULL), ACT_JUMP);
    assert_int_equal(keys_lookup('e', false, NULL), ACT_NEXT_ERROR);
    assert_int_equal(keys_lookup('E', false, NULL), ACT_PREV_ERROR);
    assert_int_equal(keys_lookup(KEY_CTRL('d'), false, NULL), ACT_HALF_DOWN);
    assert_int_equal(keys_lookup(KEY_CTRL('w'), false, NULL), ACT_WRAP);
    assert_int_equal(keys_lookup('m', false, NULL), ACT_MARK);
    assert_int_equal(keys_lookup('M', false, NULL), ACT_MARKS);
    assert_int_equal(keys_lookup('4', false, &arg), ACT_MIN_LEVEL);
    assert_int_equal(arg, LEVEL_ERROR);
    assert_int_equal(keys_lookup('0', false, &arg), ACT_MIN_LEVEL);
    assert_int_equal(arg, FILTER_LEVEL_NONE);
    assert_int_equal(keys_lookup('5', false, &arg), ACT_MIN_LEVEL);
    assert_int_equal(arg, LEVEL_CRITICAL);
    /* Unbound keys, and a character code that is not a function key. */
    assert_int_equal(keys_lookup('x', false, NULL), ACT_NONE);
    assert_int_equal(keys_lookup('j', true, NULL), ACT_NONE);
    assert_int_equal(keys_lookup(KEY_DOWN, false, NULL), ACT_NONE);
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    size_t n;
    const struct key_binding *t = keys_table(&n);
    assert_true(n > 40);
    bool has_help[ACT_COUNT] = {false};
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].action > ACT_NONE && t[i].action < ACT_COUNT);
        for (size_t j = i + 1; j < n; j++)
            assert_false(t[i].key == t[j].key && t[i].function_key == t[j].function_key);
        if (t[i].help) {
            assert_non_null(t[i].name);
            has_help[t[i].action] = true;
        }
    }
    /* Every action the loop dispatches is documented in the help. */
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++)
        assert_true(has_help[a]);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t c = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        c++;
    return c;
}

static void test_help_generated_from_table(void **state)
{
    (void)state;
    struct buf b = {0};
    keys_help_text(&b);
    const char *h = buf_str(&b);
    /* Keys of the same action share one line. */
    assert_non_null(strstr(h, "  j, Down "));
    assert_non_null(strstr(h, "  G, End "));
    assert_non_null(strstr(h, "  :, # "));
    assert_non_null(strstr(h, "  q, Ctrl-C "));
    /* Digits are separate lines because their argument differs. */
    assert_non_null(strstr(h, "  4 "));
    assert_non_null(strstr(h, "show ERROR and above"));
    assert_int_equal(count_of(h, "next ERROR or CRITICAL"), 1);
    /* One line per help entry. */
    size_t n, helps = 0;
    const struct key_binding *t = keys_table(&n);
    for (size_t i = 0; i < n; i++)
        helps += t[i].help != NULL;
    assert_int_equal(count_of(h, "\n"), helps);
    buf_free(&b);
}

/* The docs list every key: README.md carries the help text verbatim, and the
 * man page's KEYS section names every key (man escapes '-' as "\-"). The test
 * runs from the repository root, as the Makefile does. */
static void man_escape(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (; *in && o + 3 < n; in++) {
        if (*in == '-')
            out[o++] = '\\';
        out[o++] = *in;
    }
    out[o] = '\0';
}

static void test_docs_list_every_key(void **state)
{
    (void)state;
    char *readme = test_read_file("README.md", NULL);
    char *man = test_read_file("doc/omslog.1", NULL);
    char *keys_sec = strstr(man, ".SH KEYS");
    assert_non_null(keys_sec);
    char *end = strstr(keys_sec + 1, "\n.SH ");
    assert_non_null(end);
    *end = '\0';

    struct buf help = {0};
    keys_help_text(&help);
    char *save = NULL;
    for (char *line = strtok_r(help.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (!strstr(readme, line))
            fail_msg("README.md lacks the help line \"%s\"", line);
    buf_free(&help);

    size_t n;
    const struct key_binding *t = keys_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (!t[i].name)
            continue;
        char want[64];
        man_escape(t[i].name, want, sizeof want);
        if (!strstr(keys_sec, want))
            fail_msg("doc/omslog.1 KEYS does not mention %s", t[i].name);
    }
    free(readme);
    free(man);
}

static void test_draw_count(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(draw_count(0, b), "0");
    assert_string_equal(draw_count(999, b), "999");
    assert_string_equal(draw_count(1000, b), "1,000");
    assert_string_equal(draw_count(1234567, b), "1,234,567");
    assert_string_equal(draw_count(-15000, b), "-15,000");
    assert_string_equal(draw_count(INT64_MIN, b), "-9,223,372,036,854,775,808");
}

/* The one movement routine every pane uses: a page is visible - 1 rows,
 * half a page visible / 2, both at least 1; the result stays in [0, last]. */
static void test_move_apply(void **state)
{
    (void)state;
    static const struct {
        enum action act;
        int64_t pos, last, visible;
        int64_t want, want_step;
    } cases[] = {
        {ACT_DOWN, 0, 99, 10, 1, 1},
        {ACT_UP, 5, 99, 10, 4, -1},
        {ACT_UP, 0, 99, 10, 0, -1},    /* at the top: stays */
        {ACT_DOWN, 99, 99, 10, 99, 1}, /* at the bottom: stays */
        {ACT_PAGE_DOWN, 0, 99, 10, 9, 9},
        {ACT_PAGE_UP, 20, 99, 10, 11, -9},
        {ACT_PAGE_DOWN, 95, 99, 10, 99, 9}, /* clamped, the step is not */
        {ACT_HALF_DOWN, 0, 99, 10, 5, 5},
        {ACT_HALF_UP, 3, 99, 10, 0, -5},
        {ACT_PAGE_DOWN, 0, 99, 1, 1, 1}, /* a one-row pane still moves */
        {ACT_HALF_DOWN, 0, 99, 1, 1, 1},
        {ACT_PAGE_DOWN, 0, 99, 0, 1, 1},
        {ACT_FIRST, 50, 99, 10, 0, 0},
        {ACT_LAST, 50, 99, 10, 99, 0},
        {ACT_LAST, 0, -1, 10, 0, 0}, /* nothing to move over */
        {ACT_DOWN, 0, -1, 10, 0, 1},
        {ACT_DOWN, INT64_MAX - 1, INT64_MAX - 1, 10, INT64_MAX - 1, 1},
        {ACT_PAGE_DOWN, INT64_MAX - 3, INT64_MAX - 1, 10, INT64_MAX - 1, 9}, /* no overflow */
        {ACT_PAGE_UP, INT64_MIN + 3, 99, 10, 0, -9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t pos = cases[i].pos, step = -42;
        assert_true(move_apply(cases[i].act, &pos, cases[i].last, cases[i].visible, &step));
        if (pos != cases[i].want || step != cases[i].want_step)
            fail_msg("case %zu: pos %lld step %lld, want %lld step %lld", i, (long long)pos,
                     (long long)step, (long long)cases[i].want, (long long)cases[i].want_step);
    }
    /* Everything else is not a movement, and leaves the position alone. */
    for (int a = ACT_NONE; a < ACT_COUNT; a++) {
        int64_t pos = 7;
        bool moved = move_apply((enum action)a, &pos, 99, 10, NULL);
        assert_int_equal(moved, action_moves((enum action)a));
        if (!moved)
            assert_int_equal(pos, 7);
    }
    assert_true(action_moves(ACT_DOWN) && action_moves(ACT_LAST) && action_moves(ACT_HALF_UP));
    assert_false(action_moves(ACT_FOCUS) || action_moves(ACT_QUIT) || action_moves(ACT_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_help_generated_from_table),
        cmocka_unit_test(test_draw_count),
        cmocka_unit_test(test_move_apply),
        cmocka_unit_test(test_docs_list_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
