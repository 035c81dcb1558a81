/* error.c — see include/omslog/error.h */
#include "omslog/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "omslog/utf8.h"

/* Room to format a message past the buffer's end by one whole character, so
 * the cut can see the character it would split. */
#define ERROR_FORMAT_MAX (OMSLOG_ERROR_MSG_MAX + UTF8_CHAR_MAX - 1)

int error_set(struct omslog_error *e, enum omslog_status status, const char *fmt, ...)
{
    if (e) {
        char full[ERROR_FORMAT_MAX];
        va_list ap;
        va_start(ap, fmt);
        e->status = status;
        int n = vsnprintf(full, sizeof full, fmt, ap);
        va_end(ap);
        /* A long message quoting non-ASCII server text is cut between
         * characters, so it still reaches the terminal as valid UTF-8. */
        size_t len = n < 0 ? 0 : (size_t)n < sizeof full ? (size_t)n : sizeof full - 1;
        len = utf8_prefix(full, len, sizeof e->msg - 1);
        memcpy(e->msg, full, len);
        e->msg[len] = '\0';
    }
    return (int)status;
}

void error_clear(struct omslog_error *e)
{
    if (e) {
        e->status = OMSLOG_OK;
        e->msg[0] = '\0';
    }
}
