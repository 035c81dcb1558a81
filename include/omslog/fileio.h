/* fileio.h — writing a whole file safely: a saved entry (and whatever else
 * omslog writes to a path the user names).
 *
 * Contract: fileio_write puts data[0..len) at path as a regular file of mode
 * FILEIO_MODE (0600, whatever the umask), through a temporary file in the
 * same directory that is written, flushed to disk (fsync) and renamed over
 * path: path holds either what it held before or all of data, never a part.
 * A symbolic link at path is refused, dangling or not (never followed, never
 * replaced), as is anything but a regular file. When path exists and
 * overwrite is false nothing is written. On any failure no temporary file is
 * left behind. Every result but FILEIO_OK fills err (may be NULL) with
 * OMSLOG_ERR_IO and one line naming the path and the reason. */
#ifndef OMSLOG_FILEIO_H
#define OMSLOG_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "omslog/error.h"

#define FILEIO_MODE 0600

enum fileio_result {
    FILEIO_OK,
    FILEIO_EXISTS,  /* path exists and overwrite was false */
    FILEIO_REFUSED, /* path is a symbolic link or not a regular file */
    FILEIO_FAILED,  /* the system said no (permissions, space, ...) */
};

enum fileio_result fileio_write(const char *path, const void *data, size_t len, bool overwrite,
                                struct omslog_error *err);

#endif
