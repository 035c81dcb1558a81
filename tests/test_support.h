/* test_support.h — helpers shared by the cmocka suites (include after
 * <cmocka.h>). Tests run from the repository root, as the Makefile does. */
#ifndef OMSLOG_TEST_SUPPORT_H
#define OMSLOG_TEST_SUPPORT_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/buf.h"
#include "omslog/entry.h"

/* 2026-01-02T03:04:05.000006Z, the created_at of every test_entry. */
#define TEST_ENTRY_SEC 1767323045
#define TEST_ENTRY_USEC 6

/* An entry whose strings are borrowed (never pass it to log_entry_free). */
static inline struct log_entry test_entry(int64_t id, int level, char *app, char *logger,
                                          char *message, char *trace)
{
    struct log_entry e = {0};
    e.id = id;
    e.level = level;
    e.app_name = app;
    e.logger_name = logger;
    e.message = message;
    e.trace = trace;
    e.created_at = "2026-01-02T03:04:05.000006Z";
    e.created.sec = TEST_ENTRY_SEC;
    e.created.usec = TEST_ENTRY_USEC;
    return e;
}

/* The whole file, NUL-terminated, owned by the caller; its length in *len
 * (len may be NULL). Fails the test when the file cannot be opened. */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the tests from the repository root)", path);
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    buf_putc(&b, '\0');
    b.len--;
    return buf_steal(&b);
}

static inline int test_rmtree_one(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

/* Remove a directory and everything below it (without a shell; links are
 * removed, never followed). Returns 0 on success. */
static inline int test_rmtree(const char *path)
{
    chmod(path, 0700); /* a test may have taken its permissions away */
    return nftw(path, test_rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new private directory /tmp/omslog-TAG-XXXXXX, its name in path (n bytes).
 * Returns 0, or -1 when it cannot be made. */
static inline int test_tmpdir(char *path, size_t n, const char *tag)
{
    if (snprintf(path, n, "/tmp/omslog-%s-XXXXXX", tag) >= (int)n)
        return -1;
    return mkdtemp(path) ? 0 : -1;
}

/* A fixture's private directory and a file path inside it, for cmocka's
 * setup/teardown: test_dir_new(tag, file) makes /tmp/omslog-TAG-XXXXXX (NULL
 * on failure); test_dir_free removes it with everything below. */
struct test_dir {
    char path[64];
    char file[128];
};

static inline struct test_dir *test_dir_new(const char *tag, const char *file)
{
    struct test_dir *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (test_tmpdir(d->path, sizeof d->path, tag) != 0) {
        free(d);
        return NULL;
    }
    snprintf(d->file, sizeof d->file, "%s/%s", d->path, file);
    return d;
}

static inline int test_dir_free(struct test_dir *d)
{
    int rc = test_rmtree(d->path);
    free(d);
    return rc;
}

#endif
