/* util.c — see include/omslog/util.h */
#include "omslog/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "omslog: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

#define XGROW_MIN 8

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : XGROW_MIN;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (size && n > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    p = xrealloc(p, n * size);
    *cap = n;
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

int parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || end == s)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

void ascii_quote(const char *s, size_t len, size_t max_shown, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    static const char more[] = "...";
    if (n == 0)
        return;
    size_t o = 0, shown = len < max_shown ? len : max_shown;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};
        size_t w = (c >= 0x20 && c < 0x7f) ? 1 : sizeof esc;
        if (o + w >= n)
            break;
        if (w == 1)
            out[o] = (char)c;
        else
            memcpy(out + o, esc, w);
        o += w;
    }
    if (shown < len && o + sizeof more <= n) {
        memcpy(out + o, more, sizeof more - 1);
        o += sizeof more - 1;
    }
    out[o] = '\0';
}

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
