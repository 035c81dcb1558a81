/* fuzz_util.h — helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * A broken invariant calls abort(): libFuzzer treats the signal as a crash,
 * saves the input and stops, exactly as for a sanitizer report. The message
 * names the target's check so the report says what was wrong, not only where. */
#ifndef OMSLOG_FUZZ_UTIL_H
#define OMSLOG_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, what)                                                                    \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s [%s]\n", __FILE__, __LINE__,      \
                    (what), #cond);                                                               \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define FUZZ_ASCII_PRINT_MIN 0x20
#define FUZZ_ASCII_PRINT_MAX 0x7e
#define FUZZ_UNICODE_MAX 0x10ffffu
#define FUZZ_SURROGATE_FIRST 0xd800u
#define FUZZ_SURROGATE_LAST 0xdfffu

/* A fresh NUL-terminated heap copy of the input, sized exactly, so reading
 * one byte past the terminator is an ASan report. Owned by the caller. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An exact-size heap copy of the input, not NUL-terminated (one byte is
 * allocated for an empty input), so that code which must honour a length
 * and reads one byte too far is an ASan report. Owned by the caller. */
static inline char *fuzz_memdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    return s;
}

/* Length of the strict UTF-8 sequence at s (n > 0 bytes available) and its
 * code point, or 0 when it is not valid UTF-8 (overlong, surrogate, beyond
 * U+10FFFF, truncated). Written independently of src/sanitize.c on purpose:
 * a checker that shared the decoder would share its bugs. */
static inline size_t fuzz_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        need = 2;
        v = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
        need = 3;
        v = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
        need = 4;
        v = c & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_for_len[need] || v > FUZZ_UNICODE_MAX ||
        (v >= FUZZ_SURROGATE_FIRST && v <= FUZZ_SURROGATE_LAST))
        return 0;
    *cp = v;
    return need;
}

/* Valid UTF-8; with allow_nul_standin, the two bytes C0 80 (decode.h's
 * stand-in for U+0000) are accepted too. */
static inline bool fuzz_utf8_valid(const char *s, size_t len, bool allow_nul_standin)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (allow_nul_standin && p[i] == 0xc0 && i + 1 < len && p[i + 1] == 0x80) {
            i += 2;
            continue;
        }
        size_t n = fuzz_utf8_char(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* One line of printable ASCII: what every error message must be when it may
 * quote server text (decode.h, url.h). */
static inline bool fuzz_printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < FUZZ_ASCII_PRINT_MIN || (unsigned char)*s > FUZZ_ASCII_PRINT_MAX)
            return false;
    return true;
}

/* Does s[0..len) contain needle[0..nlen)? (memmem is a GNU extension.) */
static inline bool fuzz_contains(const char *s, size_t len, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return true;
    for (size_t i = 0; i + nlen <= len; i++)
        if (memcmp(s + i, needle, nlen) == 0)
            return true;
    return false;
}

#endif
