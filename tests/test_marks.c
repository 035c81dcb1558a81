/* test_marks.c — the mark set and its file: add/remove/toggle, the bound,
 * summaries, a round trip through the file, two processes merging, a
 * corrupt file, modes 0600/0700 and the file name of an origin. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "omslog/marks.h"
#include "test_support.h"

static int dir_setup(void **state)
{
    *state = test_dir_new("marks", "state/omslog/marks-x");
    return *state ? 0 : -1;
}

static int dir_teardown(void **state)
{
    return test_dir_free(*state);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_add_remove_toggle(void **state)
{
    (void)state;
    struct marks *m = marks_new(NULL);
    assert_int_equal(marks_count(m), 0);
    assert_int_equal(marks_add(m, 30), 0);
    assert_int_equal(marks_add(m, 10), 0);
    assert_int_equal(marks_add(m, 20), 0);
    assert_int_equal(marks_add(m, 20), 0); /* already marked: no second one */
    assert_int_equal(marks_count(m), 3);
    /* Ascending: the oldest entry first. */
    assert_int_equal(marks_at(m, 0)->id, 10);
    assert_int_equal(marks_at(m, 1)->id, 20);
    assert_int_equal(marks_at(m, 2)->id, 30);
    assert_null(marks_at(m, 3));
    assert_true(marks_has(m, 20));
    assert_false(marks_has(m, 25));
    assert_true(marks_remove(m, 20));
    assert_false(marks_remove(m, 20));
    assert_false(marks_has(m, 20));
    assert_int_equal(marks_toggle(m, 20), 1);
    assert_true(marks_has(m, 20));
    assert_int_equal(marks_toggle(m, 20), 0);
    assert_false(marks_has(m, 20));
    assert_int_equal(marks_count(m), 2);
    /* Saving and loading an in-memory set do nothing, and succeed. */
    assert_int_equal(marks_save(m, NULL), OMSLOG_OK);
    assert_int_equal(marks_load(m, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(m), 2);
    marks_free(m);
}

static void test_bound(void **state)
{
    (void)state;
    struct marks *m = marks_new(NULL);
    for (int64_t id = 1; id <= MARKS_MAX; id++)
        assert_int_equal(marks_add(m, id), 0);
    assert_int_equal(marks_add(m, MARKS_MAX + 1), -1);
    assert_int_equal(marks_toggle(m, MARKS_MAX + 1), -1);
    assert_false(marks_has(m, MARKS_MAX + 1));
    assert_int_equal(marks_count(m), MARKS_MAX);
    /* A marked one can still be unmarked, and then there is room. */
    assert_int_equal(marks_toggle(m, 5), 0);
    assert_int_equal(marks_toggle(m, MARKS_MAX + 1), 1);
    marks_free(m);
}

static void test_summary(void **state)
{
    (void)state;
    struct marks *m = marks_new(NULL);
    char longmsg[MARKS_MSG_MAX * 2];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    struct log_entry e = test_entry(7, 40, "oms", "lg", "first line\nsecond line", "");
    marks_set_summary(m, &e); /* not marked: nothing */
    assert_int_equal(marks_count(m), 0);
    marks_add(m, 7);
    assert_false(marks_at(m, 0)->known);
    marks_set_summary(m, &e);
    const struct mark *k = marks_at(m, 0);
    assert_true(k->known);
    assert_int_equal(k->level, 40);
    assert_int_equal(k->created.sec, TEST_ENTRY_SEC);
    assert_string_equal(k->app, "oms");
    assert_string_equal(k->msg, "first line");
    struct log_entry big = test_entry(7, 40, "oms", "lg", longmsg, "");
    marks_set_summary(m, &big);
    assert_int_equal(strlen(marks_at(m, 0)->msg), MARKS_MSG_MAX);
    marks_set_gone(m, 7);
    assert_true(marks_at(m, 0)->gone);
    marks_free(m);
}

static void test_round_trip_and_modes(void **state)
{
    struct test_dir *d = *state;
    struct marks *m = marks_new(d->file);
    assert_string_equal(marks_path(m), d->file);
    /* No file yet: an empty set, and nothing created by loading. */
    assert_int_equal(marks_load(m, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(m), 0);
    struct stat st;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/state/omslog", d->path);
    assert_int_not_equal(stat(dir, &st), 0);
    marks_add(m, 5558);
    marks_add(m, 12);
    struct log_entry e = test_entry(12, 20, "oms", "lg", "kept across a save", "");
    marks_set_summary(m, &e);
    mode_t old = umask(0);
    int rc = marks_save(m, NULL);
    umask(old);
    assert_int_equal(rc, OMSLOG_OK);
    /* The summary known before the save survives the re-read in it. */
    assert_true(marks_at(m, 0)->known);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, MARKS_DIR_MODE);
    assert_int_equal(lstat(d->file, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    char *text = test_read_file(d->file, NULL);
    assert_non_null(strstr(text, "\n12\n5558\n"));
    free(text);
    marks_free(m);

    struct marks *again = marks_new(d->file);
    assert_int_equal(marks_load(again, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(again), 2);
    assert_int_equal(marks_at(again, 0)->id, 12);
    assert_int_equal(marks_at(again, 1)->id, 5558);
    assert_false(marks_at(again, 0)->known); /* ids only in the file */
    marks_free(again);
}

/* Two instances load the same file, each changes its own marks, both save:
 * the file and both sets end with every change. */
static void test_two_instances_merge(void **state)
{
    struct test_dir *d = *state;
    struct marks *a = marks_new(d->file), *b = marks_new(d->file);
    marks_add(a, 1);
    marks_add(a, 2);
    assert_int_equal(marks_save(a, NULL), OMSLOG_OK);
    assert_int_equal(marks_load(b, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(b), 2);
    /* a: +3 -1; b: +4 -2, unaware of a's changes. */
    marks_add(a, 3);
    marks_remove(a, 1);
    marks_add(b, 4);
    marks_remove(b, 2);
    assert_int_equal(marks_save(a, NULL), OMSLOG_OK);
    assert_int_equal(marks_save(b, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(b), 2);
    assert_true(marks_has(b, 3) && marks_has(b, 4));
    assert_int_equal(marks_save(a, NULL), OMSLOG_OK); /* nothing new: picks up b's */
    assert_int_equal(marks_count(a), 2);
    assert_true(marks_has(a, 3) && marks_has(a, 4));
    marks_free(a);
    marks_free(b);

    /* Two processes saving at once, many times over, lose nothing. */
    pid_t pids[2];
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            struct marks *c = marks_new(d->file);
            int bad = marks_load(c, NULL) != OMSLOG_OK;
            for (int i = 0; i < 50; i++) {
                marks_add(c, 1000 * (p + 1) + i);
                bad |= marks_save(c, NULL) != OMSLOG_OK;
            }
            marks_free(c);
            _exit(bad);
        }
    }
    for (int p = 0; p < 2; p++) {
        int status;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    struct marks *c = marks_new(d->file);
    assert_int_equal(marks_load(c, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(c), 102);
    marks_free(c);
}

static void test_corrupt_file(void **state)
{
    struct test_dir *d = *state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/state", d->path);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/state/omslog", d->path);
    assert_int_equal(mkdir(dir, 0700), 0);
    char longline[200];
    memset(longline, '9', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = '\0';
    struct buf text = {0};
    buf_appends(&text, "# comment\n5\n\n7\nseven\n");
    buf_appends(&text, longline);
    buf_appends(&text, "-3\n9");
    write_text(d->file, buf_str(&text));
    buf_free(&text);
    struct marks *m = marks_new(d->file);
    struct omslog_error err = {0};
    assert_int_equal(marks_load(m, &err), OMSLOG_ERR_IO);
    /* The first bad line is named; every good one is kept. */
    char want[160];
    snprintf(want, sizeof want, "%s:5: not a log id", d->file);
    if (!strstr(err.msg, want))
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
    assert_int_equal(marks_count(m), 3);
    assert_true(marks_has(m, 5) && marks_has(m, 7) && marks_has(m, 9));
    /* A save writes the good lines back. */
    marks_add(m, 11);
    assert_int_equal(marks_save(m, NULL), OMSLOG_OK);
    struct marks *again = marks_new(d->file);
    assert_int_equal(marks_load(again, NULL), OMSLOG_OK);
    assert_int_equal(marks_count(again), 4);
    marks_free(again);
    marks_free(m);
}

/* A symbolic link where the file goes is neither read through nor replaced. */
static void test_symlink_refused(void **state)
{
    struct test_dir *d = *state;
    char dir[128], target[128];
    snprintf(dir, sizeof dir, "%s/state", d->path);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/state/omslog", d->path);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(target, sizeof target, "%s/target", d->path);
    write_text(target, "42\n");
    assert_int_equal(symlink(target, d->file), 0);
    struct marks *m = marks_new(d->file);
    struct omslog_error err = {0};
    assert_int_not_equal(marks_load(m, &err), OMSLOG_OK);
    assert_int_equal(marks_count(m), 0);
    marks_add(m, 1);
    assert_int_not_equal(marks_save(m, NULL), OMSLOG_OK);
    char *t = test_read_file(target, NULL);
    assert_string_equal(t, "42\n");
    free(t);
    marks_free(m);
}

static void test_file_path(void **state)
{
    (void)state;
    char *old_state = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    char *p = marks_file_path("https://oms.example.com:8443", NULL);
    assert_string_equal(p, "/x/state/omslog/marks-https%3A%2F%2Foms.example.com%3A8443");
    free(p);
    /* IPv6 brackets, a zone's '%' and anything else: encoded, never a '/'. */
    p = marks_file_path("http://[fe80::1%25eth0]", NULL);
    assert_string_equal(p, "/x/state/omslog/marks-http%3A%2F%2F%5Bfe80%3A%3A1%2525eth0%5D");
    free(p);
    p = marks_file_path("../../etc/passwd", NULL);
    assert_null(strstr(p + strlen("/x/state/omslog/"), "/"));
    free(p);
    /* A relative XDG_STATE_HOME is ignored, as the spec says. */
    setenv("XDG_STATE_HOME", "relative", 1);
    setenv("HOME", "/home/u", 1);
    p = marks_file_path("http://h", NULL);
    assert_string_equal(p, "/home/u/.local/state/omslog/marks-http%3A%2F%2Fh");
    free(p);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    struct omslog_error err = {0};
    assert_null(marks_file_path("http://h", &err));
    assert_non_null(strstr(err.msg, "HOME"));
    if (old_state)
        setenv("XDG_STATE_HOME", old_state, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_state);
    free(old_home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_remove_toggle),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_summary),
        cmocka_unit_test_setup_teardown(test_round_trip_and_modes, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_two_instances_merge, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_file, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, dir_setup, dir_teardown),
        cmocka_unit_test(test_file_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
