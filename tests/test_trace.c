/* test_trace.c — traceback parsing for the detail pane's highlighting. */
/* cmocka.h needs these four headers first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "omslog/trace.h"
#include "omslog/util.h"

#define TYPE_MAX 64

/* What one line is expected to be: kind, frame index, library flag, and the
 * first bytes of its text (to catch off-by-one line splitting). */
struct expect {
    enum trace_line_kind kind;
    int frame;
    bool library;
    const char *prefix;
};

static void check_lines(const char *text, const struct expect *want, size_t n_want, size_t frames)
{
    struct trace t;
    trace_parse(text, strlen(text), &t);
    assert_int_equal(t.n, n_want);
    assert_int_equal(t.n_frames, frames);
    for (size_t i = 0; i < n_want; i++) {
        const struct trace_line *l = &t.lines[i];
        const struct expect *e = &want[i];
        size_t plen = strlen(e->prefix);
        if (l->kind != e->kind || l->frame != e->frame || l->library != e->library ||
            l->len < plen || memcmp(text + l->start, e->prefix, plen) != 0)
            fail_msg("line %zu \"%.*s\": kind %d frame %d lib %d, want %d %d %d \"%s\"", i,
                     (int)l->len, text + l->start, (int)l->kind, l->frame, (int)l->library,
                     (int)e->kind, e->frame, (int)e->library, e->prefix);
        /* No line ever includes its newline or a CR. */
        assert_null(memchr(text + l->start, '\n', l->len));
        if (l->len > 0)
            assert_int_not_equal(text[l->start + l->len - 1], '\r');
    }
    trace_free(&t);
    assert_null(t.lines);
    assert_int_equal(t.n, 0);
}

static const char chained[] =
    "Traceback (most recent call last):\n"
    "  File \"/app/oms/orders/tasks.py\", line 88, in allocate\n"
    "    warehouse = pick_warehouse(order)\n"
    "  File \"/app/oms/orders/allocation.py\", line 41, in pick_warehouse\n"
    "    return candidates[0]\n"
    "IndexError: list index out of range\n"
    "\n"
    "During handling of the above exception, another exception occurred:\n"
    "\n"
    "Traceback (most recent call last):\n"
    "  File \"/app/.venv/lib/python3.11/site-packages/celery/app/trace.py\", line 477, "
    "in trace_task\n"
    "    R = retval = fun(*args, **kwargs)\n"
    "  File \"/app/.venv/lib/python3.11/site-packages/django/db/transaction.py\", line 255, "
    "in inner\n"
    "    return func(*args, **kwds)\n"
    "  File \"/usr/lib/python3.11/contextlib.py\", line 81, in inner\n"
    "    return func(*args, **kwds)\n"
    "  File \"/app/oms/orders/tasks.py\", line 90, in allocate\n"
    "    raise NoWarehouseAvailable(order.id)\n"
    "oms.exceptions.NoWarehouseAvailable: No warehouse for order 123\n";

static void test_chained_traceback(void **state)
{
    (void)state;
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File \"/app/oms/orders/tasks.py\""},
        {TRACE_CODE, 0, false, "    warehouse"},
        {TRACE_FRAME, 1, false, "  File \"/app/oms/orders/allocation.py\""},
        {TRACE_CODE, 1, false, "    return candidates"},
        {TRACE_EXCEPTION, -1, false, "IndexError:"},
        {TRACE_TEXT, -1, false, ""},
        {TRACE_CHAIN, -1, false, "During handling"},
        {TRACE_TEXT, -1, false, ""},
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 2, true, "  File \"/app/.venv/lib/python3.11/site-packages/celery"},
        {TRACE_CODE, 2, true, "    R = retval"},
        {TRACE_FRAME, 3, true, "  File \"/app/.venv/lib/python3.11/site-packages/django"},
        {TRACE_CODE, 3, true, "    return func"},
        {TRACE_FRAME, 4, true, "  File \"/usr/lib/python3.11/contextlib.py\""},
        {TRACE_CODE, 4, true, "    return func"},
        {TRACE_FRAME, 5, false, "  File \"/app/oms/orders/tasks.py\", line 90"},
        {TRACE_CODE, 5, false, "    raise NoWarehouseAvailable"},
        {TRACE_EXCEPTION, -1, false, "oms.exceptions.NoWarehouseAvailable: No warehouse"},
    };
    check_lines(chained, want, ARRAY_LEN(want), 6);

    char type[TYPE_MAX];
    assert_int_equal(trace_exception_type(chained, strlen(chained), type, sizeof type), 0);
    assert_string_equal(type, "NoWarehouseAvailable");
}

static void test_direct_cause_chain(void **state)
{
    (void)state;
    static const char text[] = "Traceback (most recent call last):\n"
                               "  File \"/app/a.py\", line 1, in <module>\n"
                               "    f()\n"
                               "KeyError: 'sku'\n"
                               "\n"
                               "The above exception was the direct cause of the following "
                               "exception:\n"
                               "\n"
                               "Traceback (most recent call last):\n"
                               "  File \"/app/a.py\", line 3, in <module>\n"
                               "    raise RuntimeError('lookup') from e\n"
                               "RuntimeError: lookup";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File"},
        {TRACE_CODE, 0, false, "    f()"},
        {TRACE_EXCEPTION, -1, false, "KeyError"},
        {TRACE_TEXT, -1, false, ""},
        {TRACE_CHAIN, -1, false, "The above exception"},
        {TRACE_TEXT, -1, false, ""},
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 1, false, "  File"},
        {TRACE_CODE, 1, false, "    raise"},
        {TRACE_EXCEPTION, -1, false, "RuntimeError: lookup"},
    };
    check_lines(text, want, ARRAY_LEN(want), 2);
    char type[TYPE_MAX];
    assert_int_equal(trace_exception_type(text, strlen(text), type, sizeof type), 0);
    assert_string_equal(type, "RuntimeError");
}

/* Python 3.11 prints position markers under the code line. */
static void test_py311_markers(void **state)
{
    (void)state;
    static const char text[] =
        "Traceback (most recent call last):\n"
        "  File \"<frozen importlib._bootstrap>\", line 1, in _load\n"
        "  File \"/app/oms/stock.py\", line 12, in reserve\n"
        "    return levels[sku] + qty\n"
        "           ~~~~~~^^^^^\n"
        "  File \"/usr/local/lib/python3.11/json/__init__.py\", line 346, in loads\n"
        "    return _default_decoder.decode(s)\n"
        "           ^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "KeyError: 'ABC-1'\n";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, true, "  File \"<frozen"},
        {TRACE_FRAME, 1, false, "  File \"/app/oms/stock.py\""},
        {TRACE_CODE, 1, false, "    return levels"},
        {TRACE_CODE, 1, false, "           ~~~~~~^^^^^"},
        {TRACE_FRAME, 2, true, "  File \"/usr/local/lib/python3.11/json"},
        {TRACE_CODE, 2, true, "    return _default"},
        {TRACE_CODE, 2, true, "           ^^^^"},
        {TRACE_EXCEPTION, -1, false, "KeyError: 'ABC-1'"},
    };
    check_lines(text, want, ARRAY_LEN(want), 3);
}

static void test_multiline_exception(void **state)
{
    (void)state;
    static const char text[] = "Traceback (most recent call last):\n"
                               "  File \"/app/oms/api.py\", line 5, in post\n"
                               "    validate(payload)\n"
                               "django.core.exceptions.ValidationError: invalid order:\n"
                               "  quantity must be positive\n"
                               "sku is required\n"
                               "\n"
                               "after the trace\n";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File"},
        {TRACE_CODE, 0, false, "    validate"},
        {TRACE_EXCEPTION, -1, false, "django.core"},
        {TRACE_EXCEPTION, -1, false, "  quantity"},
        {TRACE_EXCEPTION, -1, false, "sku is"},
        {TRACE_TEXT, -1, false, ""},
        {TRACE_TEXT, -1, false, "after the trace"},
    };
    check_lines(text, want, ARRAY_LEN(want), 1);
    /* The type comes from the block's first line, not its continuation. */
    char type[TYPE_MAX];
    assert_int_equal(trace_exception_type(text, strlen(text), type, sizeof type), 0);
    assert_string_equal(type, "ValidationError");
}

static void test_recursion(void **state)
{
    (void)state;
    static const char text[] = "Traceback (most recent call last):\n"
                               "  File \"/app/r.py\", line 2, in f\n"
                               "    return f()\n"
                               "           ^^^\n"
                               "  [Previous line repeated 996 more times]\n"
                               "  File \"/app/r.py\", line 1, in f\n"
                               "    def f():\n"
                               "RecursionError: maximum recursion depth exceeded\n";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File"},
        {TRACE_CODE, 0, false, "    return f()"},
        {TRACE_CODE, 0, false, "           ^^^"},
        {TRACE_CODE, 0, false, "  [Previous line repeated 996"},
        {TRACE_FRAME, 1, false, "  File"},
        {TRACE_CODE, 1, false, "    def f"},
        {TRACE_EXCEPTION, -1, false, "RecursionError"},
    };
    check_lines(text, want, ARRAY_LEN(want), 2);
}

static void test_crlf_and_no_final_newline(void **state)
{
    (void)state;
    static const char text[] = "Traceback (most recent call last):\r\n"
                               "  File \"/app/x.py\", line 7, in run\r\n"
                               "    go()\r\n"
                               "KeyboardInterrupt";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File"},
        {TRACE_CODE, 0, false, "    go()"},
        {TRACE_EXCEPTION, -1, false, "KeyboardInterrupt"},
    };
    check_lines(text, want, ARRAY_LEN(want), 1);

    struct trace t;
    trace_parse(text, strlen(text), &t);
    assert_int_equal(t.lines[0].len, strlen("Traceback (most recent call last):"));
    assert_int_equal(t.lines[3].len, strlen("KeyboardInterrupt"));
    trace_free(&t);

    char type[TYPE_MAX];
    assert_int_equal(trace_exception_type(text, strlen(text), type, sizeof type), 0);
    assert_string_equal(type, "KeyboardInterrupt");
}

static void test_empty(void **state)
{
    (void)state;
    struct trace t;
    trace_parse("", 0, &t);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.n_frames, 0);
    trace_free(&t);
    trace_parse(NULL, 0, &t);
    assert_int_equal(t.n, 0);
    trace_free(&t);

    char type[TYPE_MAX] = "stale";
    assert_int_equal(trace_exception_type("", 0, type, sizeof type), -1);
    assert_string_equal(type, "");

    /* A lone newline is one empty line, not two. */
    trace_parse("\n", 1, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.lines[0].len, 0);
    trace_free(&t);
}

static void test_no_traceback(void **state)
{
    (void)state;
    static const char text[] = "order 123 could not be allocated\n"
                               "    retrying in 5 s\n"
                               "ValueError: this is not after a traceback\n";
    static const struct expect want[] = {
        {TRACE_TEXT, -1, false, "order"},
        {TRACE_TEXT, -1, false, "    retrying"},
        {TRACE_TEXT, -1, false, "ValueError"},
    };
    check_lines(text, want, ARRAY_LEN(want), 0);
}

/* logging's stack_info: frames without a Traceback header are still frames,
 * but the line after them is not an exception. */
static void test_frames_without_header(void **state)
{
    (void)state;
    static const char text[] = "Stack (most recent call last):\n"
                               "  File \"/app/w.py\", line 3, in <module>\n"
                               "    log.info('x', stack_info=True)\n"
                               "done\n";
    static const struct expect want[] = {
        {TRACE_TEXT, -1, false, "Stack"},
        {TRACE_FRAME, 0, false, "  File"},
        {TRACE_CODE, 0, false, "    log.info"},
        {TRACE_TEXT, -1, false, "done"},
    };
    check_lines(text, want, ARRAY_LEN(want), 1);
}

/* SyntaxError frames have no ", in func" and a path may contain quotes. */
static void test_frame_variants(void **state)
{
    (void)state;
    static const char text[] = "Traceback (most recent call last):\n"
                               "  File \"/srv/we\", line 1\", line 4, in odd\n"
                               "  File \"/app/bad.py\", line 9\n"
                               "    x = = 1\n"
                               "        ^\n"
                               "  File \"/app/no.py\", line x, in f\n"
                               "SyntaxError: invalid syntax\n";
    static const struct expect want[] = {
        {TRACE_HEADER, -1, false, "Traceback"},
        {TRACE_FRAME, 0, false, "  File \"/srv/we\""},
        {TRACE_FRAME, 1, false, "  File \"/app/bad.py\""},
        {TRACE_CODE, 1, false, "    x = = 1"},
        {TRACE_CODE, 1, false, "        ^"},
        /* "line x" is no frame: an indented line under frame 1. */
        {TRACE_CODE, 1, false, "  File \"/app/no.py\""},
        {TRACE_EXCEPTION, -1, false, "SyntaxError"},
    };
    check_lines(text, want, ARRAY_LEN(want), 2);
}

static int type_of(const char *text, char *out, size_t n)
{
    return trace_exception_type(text, strlen(text), out, n);
}

static void test_exception_type(void **state)
{
    (void)state;
    char type[TYPE_MAX];

    /* Not a full traceback: a single exception-looking line. */
    assert_int_equal(type_of("NoWarehouseAvailableError: x", type, sizeof type), 0);
    assert_string_equal(type, "NoWarehouseAvailableError");
    assert_int_equal(type_of("oms.errors.StockException: low\n\n", type, sizeof type), 0);
    assert_string_equal(type, "StockException");
    assert_int_equal(type_of("SystemExit", type, sizeof type), 0);
    assert_string_equal(type, "SystemExit");
    assert_int_equal(type_of("x\nDeprecationWarning: old api", type, sizeof type), 0);
    assert_string_equal(type, "DeprecationWarning");
    /* Without a header, only conventional exception names count. */
    assert_int_equal(type_of("Note: order split", type, sizeof type), -1);
    assert_int_equal(type_of("NoWarehouseAvailable: x", type, sizeof type), -1);
    assert_int_equal(type_of("Error in worker: x", type, sizeof type), -1);
    /* With a header any identifier does, even after a blank line. */
    static const char after_blank[] =
        "Traceback (most recent call last):\n\nNoWarehouseAvailable: x";
    assert_int_equal(type_of(after_blank, type, sizeof type), 0);
    assert_string_equal(type, "NoWarehouseAvailable");

    /* A header alone, or a traceback cut before its exception. */
    assert_int_equal(type_of("Traceback (most recent call last):\n", type, sizeof type), -1);
    assert_string_equal(type, "");
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n",
                             type, sizeof type),
                     -1);
    /* The last traceback decides, even when an earlier one had a type. */
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\nKeyError: 1\n\n"
                             "During handling of the above exception, another exception "
                             "occurred:\n\nTraceback (most recent call last):\n"
                             "  File \"/a.py\", line 2, in f\n",
                             type, sizeof type),
                     -1);

    /* Exception lines that are not identifiers. */
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n"
                             "oms..Bad: x\n",
                             type, sizeof type),
                     -1);
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n"
                             "3D.Error: x\n",
                             type, sizeof type),
                     -1);
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n"
                             "__main__.Boom: x\n",
                             type, sizeof type),
                     0);
    assert_string_equal(type, "Boom");
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n"
                             "oms.Bad.: x\n",
                             type, sizeof type),
                     -1);

    /* Truncation keeps a NUL and never splits a UTF-8 character. */
    char small[5];
    char tiny[4];
    assert_int_equal(type_of("ValueError: x", small, sizeof small), 0);
    assert_string_equal(small, "Valu");
    assert_int_equal(type_of("Traceback (most recent call last):\n"
                             "  File \"/a.py\", line 1, in f\n    g()\n"
                             "pkg.Ab\xc3\xa7"
                             "Err: x\n",
                             tiny, sizeof tiny),
                     0);
    assert_string_equal(tiny, "Ab");
    assert_int_equal(type_of("ValueError: x", NULL, 0), 0);

    /* Only len bytes are read: the exception after them does not count. */
    static const char cut[] = "Traceback (most recent call last):\nValueError: x";
    size_t header_only = strlen("Traceback (most recent call last):\n");
    assert_int_equal(trace_exception_type(cut, header_only, type, sizeof type), -1);
    assert_int_equal(trace_exception_type(cut, strlen(cut), type, sizeof type), 0);
}

static bool lib(const char *path)
{
    return trace_is_library_path(path, strlen(path));
}

static void test_library_paths(void **state)
{
    (void)state;
    assert_true(lib("/usr/lib/python3.11/contextlib.py"));
    assert_true(lib("/usr/local/lib/python3.12/json/decoder.py"));
    assert_true(lib("/usr/lib64/python3.9/threading.py"));
    assert_true(lib("/usr/lib/python2.7/socket.py"));
    assert_true(lib("/usr/lib/python3/dist-packages/requests/api.py"));
    assert_true(lib("/app/.venv/lib/python3.11/site-packages/django/db/models/query.py"));
    assert_true(lib("/home/u/.local/share/site-packages/x.py"));
    assert_true(lib("C:\\Python311\\Lib\\site-packages\\celery\\app.py"));
    assert_true(lib("<frozen importlib._bootstrap>"));
    assert_true(lib("<frozen runpy>"));

    assert_false(lib("/app/oms/orders/tasks.py"));
    assert_false(lib("/app/oms/lib/python_helpers.py"));
    assert_false(lib("/app/oms/lib/python3.py")); /* a file, not the stdlib dir */
    assert_false(lib("/app/site-packages.py"));
    assert_false(lib("/app/my-site-packages/x.py"));
    assert_false(lib("/app/lib/pythonx/x.py"));
    assert_false(lib("/srv/python3.11/oms/x.py")); /* only under a lib directory */
    assert_false(lib("<string>"));
    assert_false(lib(""));
    assert_false(trace_is_library_path(NULL, 0));
    /* Only len bytes count. */
    assert_false(trace_is_library_path("/app/site-packages/x.py", strlen("/app/site")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chained_traceback),
        cmocka_unit_test(test_direct_cause_chain),
        cmocka_unit_test(test_py311_markers),
        cmocka_unit_test(test_multiline_exception),
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_crlf_and_no_final_newline),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_no_traceback),
        cmocka_unit_test(test_frames_without_header),
        cmocka_unit_test(test_frame_variants),
        cmocka_unit_test(test_exception_type),
        cmocka_unit_test(test_library_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
