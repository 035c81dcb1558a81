/* buf.h — a growable byte buffer (in the spirit of redis's sds, but a plain struct).
 *
 * Contract: a zeroed struct buf (or buf_init) is an empty buffer. After any
 * append, data is NUL-terminated (data[len] == '\0') so it can be used as a C
 * string when it holds no NULs. The buffer owns data; buf_free releases it and
 * leaves an empty buffer; buf_steal hands ownership of the string to the caller.
 * Allocation failure aborts (see util.h). */
#ifndef OMSLOG_BUF_H
#define OMSLOG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
/* Make room for at least n more bytes (plus the terminating NUL). */
void buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_appends(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Return the contents as a malloc'd NUL-terminated string (never NULL, "" when
 * empty) and leave the buffer empty. */
char *buf_steal(struct buf *b);
/* The contents as a C string: "" when nothing was ever appended. */
const char *buf_str(const struct buf *b);

#endif
