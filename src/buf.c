/* buf.c — see include/omslog/buf.h */
#include "omslog/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"

#define BUF_MIN_CAP 64

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_reserve(struct buf *b, size_t n)
{
    if (n > SIZE_MAX - b->len - 1) {
        fprintf(stderr, "omslog: buffer size overflow\n");
        abort();
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return;
    /* A first allocation of at least BUF_MIN_CAP: most lines fit in it. */
    ARRAY_GROW(b->data, b->cap, need < BUF_MIN_CAP ? BUF_MIN_CAP : need);
    b->data[b->len] = '\0';
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_appends(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    /* Format into the spare room first; grow and format again only when the
     * text did not fit. */
    buf_reserve(b, BUF_MIN_CAP);
    va_list copy;
    va_copy(copy, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *buf_steal(struct buf *b)
{
    char *s = b->data ? b->data : xstrdup("");
    buf_init(b);
    return s;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}
