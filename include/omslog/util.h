/* util.h — allocation helpers and small string utilities.
 *
 * Contract: xmalloc/xcalloc/xrealloc/xstrdup/xstrndup never return NULL; on
 * out-of-memory they print one line to stderr and abort(), because no caller
 * can do anything better. Everything they return is owned by the caller and
 * released with free(). */
#ifndef OMSLOG_UTIL_H
#define OMSLOG_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define OMSLOG_VERSION "0.1.0"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* The one way arrays grow: make room for at least `need` elements of `size`
 * bytes in p, whose capacity is *cap (doubling, at least 8); returns the
 * (possibly moved) array and updates *cap. A size that overflows aborts.
 * ARRAY_GROW(arr, cap, need) is the usual call. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
#define ARRAY_GROW(arr, cap, need) ((arr) = xgrow((arr), &(cap), (need), sizeof *(arr)))

/* Parse a whole decimal integer (optional leading '-'); no trailing junk,
 * no overflow. Returns 0 on success, -1 otherwise (*out untouched). */
int parse_int64(const char *s, int64_t *out);

/* Monotonic clock in milliseconds, for timings and timers. */
int64_t now_ms(void);

/* The value of one hex digit (either case), or -1 when c is not one. */
int hex_digit_value(char c);

/* ASCII case-insensitive compare, locale-independent. */
int ascii_casecmp(const char *a, const char *b);

/* Quote untrusted bytes for a one-line message: printable ASCII as is, any
 * other byte as \xHH, at most max_shown input bytes then "...". Always
 * NUL-terminates out (n > 0), truncating whole escapes only. */
void ascii_quote(const char *s, size_t len, size_t max_shown, char *out, size_t n);

#endif
