/* test_fileio.c — fileio: a file written whole through a temporary file,
 * mode 0600, never through a symbolic link, nothing left behind on failure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "omslog/fileio.h"
#include "test_support.h"

#define NOBODY 65534

static int dir_setup(void **state)
{
    *state = test_dir_new("fileio", "omslog-7.json");
    return *state ? 0 : -1;
}

static int dir_teardown(void **state)
{
    return test_dir_free(*state);
}

/* Names in the directory, so that a test sees a temporary file left over. */
static int dir_entries(const struct test_dir *d)
{
    DIR *dh = opendir(d->path);
    assert_non_null(dh);
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(dh)) != NULL)
        n += strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..");
    closedir(dh);
    return n;
}

static void write_plain(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void assert_file(const char *path, const char *text, mode_t mode)
{
    char *got = test_read_file(path, NULL);
    assert_string_equal(got, text);
    free(got);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, mode);
}

static void test_new_file(void **state)
{
    struct test_dir *d = *state;
    mode_t old = umask(0);
    struct omslog_error err = {0};
    assert_int_equal(fileio_write(d->file, "{\"id\": 7}\n", 10, false, &err), FILEIO_OK);
    umask(old);
    assert_file(d->file, "{\"id\": 7}\n", FILEIO_MODE);
    assert_int_equal(dir_entries(d), 1);
}

static void test_existing_kept(void **state)
{
    struct test_dir *d = *state;
    write_plain(d->file, "old", 0644);
    struct omslog_error err = {0};
    assert_int_equal(fileio_write(d->file, "new", 3, false, &err), FILEIO_EXISTS);
    assert_int_equal(err.status, OMSLOG_ERR_IO);
    assert_non_null(strstr(err.msg, d->file));
    assert_file(d->file, "old", 0644);
    assert_int_equal(dir_entries(d), 1);
}

static void test_existing_overwritten(void **state)
{
    struct test_dir *d = *state;
    write_plain(d->file, "old contents, longer than the new", 0644);
    assert_int_equal(fileio_write(d->file, "new", 3, true, NULL), FILEIO_OK);
    assert_file(d->file, "new", FILEIO_MODE); /* not the 0644 of the file replaced */
    assert_int_equal(dir_entries(d), 1);
}

static void test_symlink_refused(void **state)
{
    struct test_dir *d = *state;
    char target[256];
    snprintf(target, sizeof target, "%s/target", d->path);
    write_plain(target, "precious", 0644);
    assert_int_equal(symlink(target, d->file), 0);
    struct omslog_error err = {0};
    for (int overwrite = 0; overwrite <= 1; overwrite++) {
        assert_int_equal(fileio_write(d->file, "evil", 4, overwrite, &err), FILEIO_REFUSED);
        assert_non_null(strstr(err.msg, "symbolic link"));
        assert_non_null(strstr(err.msg, d->file));
    }
    assert_file(target, "precious", 0644);
    struct stat st;
    assert_int_equal(lstat(d->file, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(dir_entries(d), 2);
}

static void test_dangling_symlink_refused(void **state)
{
    struct test_dir *d = *state;
    char target[256];
    snprintf(target, sizeof target, "%s/nowhere", d->path);
    assert_int_equal(symlink(target, d->file), 0);
    struct omslog_error err = {0};
    assert_int_equal(fileio_write(d->file, "evil", 4, true, &err), FILEIO_REFUSED);
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_int_equal(access(target, F_OK), -1); /* not created through the link */
    assert_int_equal(dir_entries(d), 1);
}

static void test_directory_refused(void **state)
{
    struct test_dir *d = *state;
    assert_int_equal(mkdir(d->file, 0700), 0);
    struct omslog_error err = {0};
    assert_int_equal(fileio_write(d->file, "x", 1, true, &err), FILEIO_REFUSED);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_int_equal(rmdir(d->file), 0);
    assert_int_equal(dir_entries(d), 0);
}

/* A directory we may not write to: as root (which may write anywhere) the
 * write is made by a child that has become nobody. */
static void test_permission_denied(void **state)
{
    struct test_dir *d = *state;
    assert_int_equal(chmod(d->path, 0555), 0);
    struct omslog_error err = {0};
    if (geteuid() != 0) {
        assert_int_equal(fileio_write(d->file, "x", 1, false, &err), FILEIO_FAILED);
        assert_non_null(strstr(err.msg, d->file));
        assert_non_null(strstr(err.msg, strerror(EACCES)));
    } else {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
                _exit(2);
            enum fileio_result r = fileio_write(d->file, "x", 1, false, &err);
            _exit(r == FILEIO_FAILED && strstr(err.msg, d->file) &&
                          strstr(err.msg, strerror(EACCES))
                      ? 0
                      : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(dir_entries(d), 0);
}

/* The write itself fails (the file size limit stands in for a full disk):
 * the temporary file goes, the old file stays whole. */
static void test_failed_write_leaves_nothing(void **state)
{
    struct test_dir *d = *state;
    write_plain(d->file, "old", 0644);
    char big[4096];
    memset(big, 'x', sizeof big);
    struct rlimit old, small = {.rlim_cur = 100, .rlim_max = RLIM_INFINITY};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    struct omslog_error err = {0};
    enum fileio_result r = fileio_write(d->file, big, sizeof big, true, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(r, FILEIO_FAILED);
    assert_non_null(strstr(err.msg, d->file));
    assert_non_null(strstr(err.msg, strerror(EFBIG)));
    assert_file(d->file, "old", 0644);
    assert_int_equal(dir_entries(d), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_existing_kept, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_existing_overwritten, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_dangling_symlink_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_directory_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_permission_denied, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
