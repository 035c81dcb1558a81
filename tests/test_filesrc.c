/* test_filesrc.c — filesrc: an exported file (jsonl or json, maybe gzip) as
 * pages, newest first; bad lines skipped and reported with their numbers;
 * clear errors for what is not an export. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "omslog/buf.h"
#include "omslog/filesrc.h"
#include "omslog/util.h"
#include "test_support.h"

static int dir_setup(void **state)
{
    *state = test_dir_new("filesrc", "export.jsonl");
    return *state ? 0 : -1;
}

static int dir_teardown(void **state)
{
    return test_dir_free(*state);
}

/* One entry as `list --format jsonl` writes it. */
static void entry_line(struct buf *b, int64_t id)
{
    buf_printf(b,
               "{\"id\":%" PRId64 ",\"level\":%d,\"logger_name\":\"oms.tasks\","
               "\"message\":\"order %" PRId64 " \\\"shipped\\\"\",\"app_name\":\"%s\","
               "\"trace\":null,\"created_at\":\"2026-01-02T03:04:05.%06" PRId64 "Z\"}",
               id, id % 2 ? 40 : 20, id, id % 3 ? "oms" : "wms", id % 1000000);
}

/* Entries first..last (either order) as JSON Lines. */
static void lines(struct buf *b, int64_t first, int64_t last)
{
    int step = first <= last ? 1 : -1;
    for (int64_t id = first;; id += step) {
        entry_line(b, id);
        buf_putc(b, '\n');
        if (id == last)
            break;
    }
}

static void write_file(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (b->len)
        assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

static struct filesrc *open_ok(const char *path)
{
    struct omslog_error err = {0};
    struct filesrc *f = filesrc_open(path, &err);
    if (!f)
        fail_msg("filesrc_open: %s", err.msg);
    return f;
}

/* Page `page` of `size` holds ids from `first` down, n of them. */
static void assert_page(struct filesrc *f, long page, long size, int64_t first, size_t n)
{
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_page(f, page, size, &p, &err), OMSLOG_OK);
    assert_int_equal(p.count, filesrc_count(f));
    assert_int_equal(p.n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p.entries[i].id, first - (int64_t)i);
    /* next and previous say, as DRF's links do, whether pages follow or
     * precede (the time seek's bisection reads them). */
    assert_int_equal(p.next != NULL, (int64_t)page * size < (int64_t)filesrc_count(f));
    assert_int_equal(p.previous != NULL, page > 1);
    log_page_free(&p);
}

static void test_jsonl_pages(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    lines(&b, 250, 1);
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 250);
    assert_false(filesrc_reordered(f));
    assert_false(filesrc_compressed(f));
    assert_int_equal(filesrc_bad(f)->count, 0);
    assert_page(f, 1, 100, 250, 100);
    assert_page(f, 3, 100, 50, 50);
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_page(f, 4, 100, &p, &err), OMSLOG_ERR_NOT_FOUND);
    assert_null(p.entries);
    /* The decoder's entry: its fields and the JSON text as in the file. */
    assert_int_equal(filesrc_page(f, 1, 1, &p, &err), OMSLOG_OK);
    assert_string_equal(p.entries[0].message, "order 250 \"shipped\"");
    assert_string_equal(p.entries[0].app_name, "oms");
    struct buf json = {0}, want = {0};
    assert_true(log_entry_json(&p.entries[0], &json));
    entry_line(&want, 250);
    assert_string_equal(json.data, want.data);
    buf_free(&json);
    buf_free(&want);
    log_page_free(&p);
    filesrc_free(f);
    buf_free(&b);
}

/* list --reverse writes the oldest first: the rows are still newest first. */
static void test_reverse_order_sorted(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    lines(&b, 1, 250);
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_true(filesrc_reordered(f));
    assert_int_equal(filesrc_count(f), 250);
    assert_page(f, 1, 100, 250, 100);
    assert_page(f, 3, 100, 50, 50);
    struct log_entry e;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_entry(f, 17, &e, &err), OMSLOG_OK);
    assert_int_equal(e.id, 17);
    log_entry_free(&e);
    assert_int_equal(filesrc_entry(f, 251, &e, &err), OMSLOG_ERR_NOT_FOUND);
    assert_int_equal(filesrc_entry(f, 0, &e, &err), OMSLOG_ERR_NOT_FOUND);
    filesrc_free(f);
    buf_free(&b);
}

/* json as list --format json writes it, and pretty-printed over many lines:
 * the same entries as the JSON Lines file. */
static void test_json_array(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    buf_appends(&b, "[\n");
    for (int64_t id = 120; id >= 1; id--) {
        entry_line(&b, id);
        buf_appends(&b, id > 1 ? ",\n" : "\n");
    }
    buf_appends(&b, "]\n");
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 120);
    assert_int_equal(filesrc_bad(f)->count, 0);
    assert_page(f, 2, 100, 20, 20);
    filesrc_free(f);

    buf_reset(&b);
    buf_appends(
        &b, "  [\n  {\n    \"id\": 2, \"level\": 20,\n    \"logger_name\": \"a\",\n"
            "    \"message\": \"two, [with] {brackets}\",\n    \"app_name\": \"oms\",\n"
            "    \"created_at\": \"2026-01-02T03:04:05Z\",\n    \"extra\": [1, {\"x\": \"}\"}]\n"
            "  },\n  \"not an entry\",\n  {\"id\": 1, \"level\": 20, \"logger_name\": \"a\", "
            "\"message\": \"one\", \"app_name\": \"oms\", \"created_at\": "
            "\"2026-01-02T03:04:04Z\"}\n]");
    write_file(d->file, &b);
    f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 2);
    assert_int_equal(filesrc_bad(f)->count, 1);
    assert_int_equal(filesrc_bad(f)->lines[0], 10); /* the string element's line */
    assert_page(f, 1, 100, 2, 2);
    filesrc_free(f);
    buf_free(&b);
}

/* Bad lines are skipped, counted and named by line; blank lines are not. */
static void test_bad_lines(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    entry_line(&b, 9);
    buf_appends(&b, "\nnot json at all\n\n"); /* 2, 3 */
    entry_line(&b, 8);                        /* 4 */
    buf_appends(
        &b, "\n{\"id\": \"7\", \"level\": 20}\n[1, 2]\n{\"id\": 6, \"level\": 20}\n"); /* 5-7 */
    entry_line(&b, 5);                                                                 /* 8 */
    buf_appends(&b, "\n{\"id\": 4, \"level\": 20, \"message\": \"cut sho");            /* 9 */
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 3);
    const struct filesrc_bad *bad = filesrc_bad(f);
    assert_int_equal(bad->count, 5);
    assert_int_equal(bad->n_lines, 5);
    static const int64_t want[] = {2, 5, 6, 7, 9};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(bad->lines[i], want[i]);
    assert_string_equal(bad->first, "line 2: not JSON");
    char text[OMSLOG_ERROR_MSG_MAX];
    filesrc_bad_describe(f, text, sizeof text);
    assert_string_equal(text, "5 bad lines skipped (lines 2, 5, 6, 7, 9): line 2: not JSON");
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_page(f, 1, 10, &p, &err), OMSLOG_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.entries[0].id, 9);
    assert_int_equal(p.entries[2].id, 5);
    log_page_free(&p);
    filesrc_free(f);
    buf_free(&b);
}

/* More bad lines than are named: the first ones by line number, and the
 * count; a second entry with an id already seen is one of them. */
static void test_many_bad_lines_and_duplicates(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    for (int i = 1; i <= 20; i++) {
        entry_line(&b, i);
        buf_appends(&b, i % 2 ? "\n" : "\n{}\n");
    }
    entry_line(&b, 3); /* line 31 */
    buf_putc(&b, '\n');
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 20);
    const struct filesrc_bad *bad = filesrc_bad(f);
    assert_int_equal(bad->count, 11);
    assert_int_equal(bad->n_lines, FILESRC_BAD_SHOWN);
    static const int64_t want[] = {3, 6, 9, 12, 15};
    for (size_t i = 0; i < FILESRC_BAD_SHOWN; i++)
        assert_int_equal(bad->lines[i], want[i]);
    char text[OMSLOG_ERROR_MSG_MAX];
    filesrc_bad_describe(f, text, sizeof text);
    assert_non_null(strstr(text, "11 bad lines skipped (lines 3, 6, 9, 12, 15, …)"));
    filesrc_free(f);

    buf_reset(&b);
    lines(&b, 5, 1);
    entry_line(&b, 4); /* line 6: the same id again */
    buf_putc(&b, '\n');
    write_file(d->file, &b);
    f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 5);
    assert_int_equal(filesrc_bad(f)->count, 1);
    assert_int_equal(filesrc_bad(f)->lines[0], 6);
    assert_non_null(strstr(filesrc_bad(f)->first, "a second entry with id 4 (the first: line 2)"));
    assert_page(f, 1, 10, 5, 5);
    filesrc_free(f);
    buf_free(&b);
}

/* A line with an entry's shape that the decoder refuses keeps its row. */
static void test_undecodable_entry_keeps_its_row(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    entry_line(&b, 3);
    buf_appends(&b, "\n{\"id\": 2, \"level\": 20, \"logger_name\": \"a\", \"message\": \"m\", "
                    "\"app_name\": \"oms\", \"created_at\": \"yesterday\"}\n");
    entry_line(&b, 1);
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    assert_int_equal(filesrc_count(f), 3);
    struct log_page p;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_page(f, 1, 10, &p, &err), OMSLOG_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.entries[1].id, 2);
    assert_non_null(strstr(p.entries[1].message, "line 2 of the file is not a valid log entry"));
    assert_non_null(strstr(p.entries[1].message, "created_at"));
    log_page_free(&p);
    filesrc_free(f);
    buf_free(&b);
}

static void gzip_file(const char *path, const struct buf *b, size_t keep)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, b->data, (unsigned)b->len), (int)b->len);
    assert_int_equal(gzclose(gz), Z_OK);
    if (keep) /* cut the compressed file short */
        assert_int_equal(truncate(path, (off_t)keep), 0);
}

static void test_gzip(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    lines(&b, 1, 3000);        /* oldest first, too */
    gzip_file(d->file, &b, 0); /* the name does not say .gz: the bytes do */
    struct filesrc *f = open_ok(d->file);
    assert_true(filesrc_compressed(f));
    assert_true(filesrc_reordered(f));
    assert_int_equal(filesrc_count(f), 3000);
    assert_page(f, 30, 100, 100, 100);
    assert_page(f, 1, 100, 3000, 100);
    filesrc_free(f);

    struct stat st;
    assert_int_equal(stat(d->file, &st), 0);
    gzip_file(d->file, &b, (size_t)st.st_size / 2);
    /* Cut short: the entries before the cut stay, the end is reported. */
    f = open_ok(d->file);
    assert_true(filesrc_count(f) > 100);
    assert_true(filesrc_count(f) < 3000);
    assert_true(filesrc_bad(f)->count >= 1);
    char text[OMSLOG_ERROR_MSG_MAX];
    filesrc_bad_describe(f, text, sizeof text);
    assert_non_null(strstr(text, "ends early"));
    assert_page(f, 1, 100, filesrc_count(f), 100);
    filesrc_free(f);
    buf_free(&b);
}

static void assert_open_fails(const char *path, enum omslog_status status, const char *words)
{
    struct omslog_error err = {0};
    assert_null(filesrc_open(path, &err));
    assert_int_equal(err.status, status);
    if (!strstr(err.msg, words))
        fail_msg("\"%s\" does not say \"%s\"", err.msg, words);
}

static void test_not_an_export(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nothing-here.jsonl", d->path);
    assert_open_fails(missing, OMSLOG_ERR_IO, "No such file");
    assert_open_fails(d->path, OMSLOG_ERR_IO, "is a directory");
    write_file(d->file, &b);
    assert_open_fails(d->file, OMSLOG_ERR_PROTOCOL, "holds no log entries");
    buf_appends(&b, "\n  \n\n");
    write_file(d->file, &b);
    assert_open_fails(d->file, OMSLOG_ERR_PROTOCOL, "holds no log entries");
    buf_appends(&b, "[]\n");
    write_file(d->file, &b);
    assert_open_fails(d->file, OMSLOG_ERR_PROTOCOL, "holds no log entries");
    buf_reset(&b);
    buf_append(&b,
               "\x7f"
               "ELF\x02\x01\x01\0\0\0{\"id\":1}",
               17);
    write_file(d->file, &b);
    assert_open_fails(d->file, OMSLOG_ERR_PROTOCOL, "binary");
    buf_reset(&b);
    buf_appends(&b, "id,level,message\n1,20,hello\n");
    write_file(d->file, &b);
    assert_open_fails(d->file, OMSLOG_ERR_PROTOCOL, "not an omslog export");
    buf_free(&b);
}

static void count_one(const struct log_entry *e, void *ctx)
{
    int64_t *sum = ctx;
    *sum += e->id;
}

static void test_each_entry(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    lines(&b, 1, 500);
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    int64_t sum = 0;
    struct omslog_error err = {0};
    assert_int_equal(filesrc_each(f, count_one, &sum, &err), OMSLOG_OK);
    assert_int_equal(sum, 500 * 501 / 2);
    filesrc_free(f);
    buf_free(&b);
}

/* The ids given, in order, by filesrc_each_range. */
struct id_trail {
    int64_t ids[600];
    size_t n;
};

static void trail_one(const struct log_entry *e, void *ctx)
{
    struct id_trail *t = ctx;
    assert_true(t->n < ARRAY_LEN(t->ids));
    t->ids[t->n++] = e->id;
}

/* A whole file walked in slices, each resuming where the last stopped (as
 * the browser's summary does between keys), gives every entry once, newest
 * first, as one walk does; ranges reaching past either end give only rows
 * in it. */
static void test_each_range_resumes(void **state)
{
    struct test_dir *d = *state;
    struct buf b = {0};
    lines(&b, 500, 1); /* oldest last: rows are ids 500 down to 1 */
    write_file(d->file, &b);
    struct filesrc *f = open_ok(d->file);
    struct omslog_error err = {0};
    struct id_trail t = {0};
    for (int64_t from = 0; from < filesrc_count(f); from += 7)
        assert_int_equal(filesrc_each_range(f, from, 7, trail_one, &t, &err), OMSLOG_OK);
    assert_int_equal(t.n, 500);
    for (size_t i = 0; i < t.n; i++)
        assert_int_equal(t.ids[i], 500 - (int64_t)i);
    struct id_trail edge = {0};
    assert_int_equal(filesrc_each_range(f, 498, 10, trail_one, &edge, &err), OMSLOG_OK);
    assert_int_equal(edge.n, 2);
    assert_int_equal(edge.ids[0], 2);
    assert_int_equal(edge.ids[1], 1);
    assert_int_equal(filesrc_each_range(f, 500, 10, trail_one, &edge, &err), OMSLOG_OK);
    assert_int_equal(filesrc_each_range(f, INT64_MAX, INT64_MAX, trail_one, &edge, &err),
                     OMSLOG_OK);
    assert_int_equal(filesrc_each_range(f, 3, 0, trail_one, &edge, &err), OMSLOG_OK);
    assert_int_equal(edge.n, 2);
    assert_int_equal(filesrc_each_range(f, -5, 7, trail_one, &edge, &err), OMSLOG_OK);
    assert_int_equal(edge.n, 4);
    assert_int_equal(edge.ids[2], 500);
    assert_int_equal(edge.ids[3], 499);
    assert_int_equal(filesrc_each_range(f, 490, INT64_MAX, trail_one, &edge, &err), OMSLOG_OK);
    assert_int_equal(edge.n, 14);
    assert_int_equal(edge.ids[13], 1);
    filesrc_free(f);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonl_pages, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_reverse_order_sorted, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_json_array, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_many_bad_lines_and_duplicates, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_entry_keeps_its_row, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_gzip, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_not_an_export, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_each_entry, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_each_range_resumes, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
