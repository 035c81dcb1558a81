/* fileio.c — see include/omslog/fileio.h
 *
 * The temporary file is path + FILEIO_TEMP_SUFFIX, made by mkstemp (O_EXCL:
 * it never opens through a link) and so in path's own directory, which
 * rename(2) needs and which keeps it on the same file system. rename never
 * follows a link at its target either, so a link put there after the check
 * is replaced, not written through. */
#include "omslog/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/util.h"

#define FILEIO_TEMP_SUFFIX ".XXXXXX"

/* What is at path: FILEIO_OK when nothing is (or a regular file may be
 * replaced), else why not. */
static enum fileio_result fileio_check(const char *path, bool overwrite, struct omslog_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return FILEIO_OK;
        error_set(err, OMSLOG_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        return FILEIO_FAILED;
    }
    if (S_ISLNK(st.st_mode)) {
        error_set(err, OMSLOG_ERR_IO, "not written: %s is a symbolic link (choose another name)",
                  path);
        return FILEIO_REFUSED;
    }
    if (!S_ISREG(st.st_mode)) {
        error_set(err, OMSLOG_ERR_IO, "not written: %s is not a regular file", path);
        return FILEIO_REFUSED;
    }
    if (!overwrite) {
        error_set(err, OMSLOG_ERR_IO, "not written: %s exists", path);
        return FILEIO_EXISTS;
    }
    return FILEIO_OK;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

enum fileio_result fileio_write(const char *path, const void *data, size_t len, bool overwrite,
                                struct omslog_error *err)
{
    enum fileio_result r = fileio_check(path, overwrite, err);
    if (r != FILEIO_OK)
        return r;
    size_t n = strlen(path);
    char *tmp = xmalloc(n + sizeof FILEIO_TEMP_SUFFIX);
    memcpy(tmp, path, n);
    memcpy(tmp + n, FILEIO_TEMP_SUFFIX, sizeof FILEIO_TEMP_SUFFIX);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        error_set(err, OMSLOG_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return FILEIO_FAILED;
    }
    /* mkstemp's 0600 is subject to the umask; the mode is ours to set. */
    int failed = fchmod(fd, FILEIO_MODE) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(tmp, path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(tmp);
        error_set(err, OMSLOG_ERR_IO, "writing %s failed: %s", path, strerror(saved));
    }
    free(tmp);
    return failed ? FILEIO_FAILED : FILEIO_OK;
}
