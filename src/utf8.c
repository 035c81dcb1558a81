/* utf8.c — see include/omslog/utf8.h
 *
 * The decoder is written out rather than left to mbrtowc so that every rule
 * is explicit and the same in every locale; only the column width asks the
 * C library (wcwidth), which is the one table of character widths. */
#include "omslog/utf8.h"

#include <string.h>
#include <wchar.h>

#include "omslog/entry.h"

#define ASCII_END 0x80u
#define CONT_MASK 0xc0u /* a continuation byte is 10xxxxxx */
#define CONT_BITS 0x80u
#define CONT_PAYLOAD 0x3fu
#define CONT_SHIFT 6
#define LEAD2_FIRST 0xc2u /* C0 and C1 only start overlong forms */
#define LEAD3_FIRST 0xe0u
#define LEAD4_FIRST 0xf0u
#define LEAD4_LAST 0xf4u /* F5..FF would start a value above U+10FFFF */
#define UNICODE_MAX 0x10ffffu
#define SURROGATE_FIRST 0xd800u
#define SURROGATE_LAST 0xdfffu

static int is_cont(unsigned char c)
{
    return (c & CONT_MASK) == CONT_BITS;
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    static const unsigned char lead_payload[] = {0, 0, 0x1f, 0x0f, 0x07};
    unsigned char c = p[0];
    size_t need;
    if (c < ASCII_END) {
        *cp = c;
        return 1;
    }
    if (n >= ENTRY_NUL_STANDIN_LEN && memcmp(s, ENTRY_NUL_STANDIN, ENTRY_NUL_STANDIN_LEN) == 0) {
        *cp = 0;
        return ENTRY_NUL_STANDIN_LEN;
    }
    if (c >= LEAD2_FIRST && c < LEAD3_FIRST)
        need = 2;
    else if (c >= LEAD3_FIRST && c < LEAD4_FIRST)
        need = 3;
    else if (c >= LEAD4_FIRST && c <= LEAD4_LAST)
        need = 4;
    else
        return 0; /* a continuation byte, C0, C1 or F5..FF */
    if (n < need)
        return 0;
    uint32_t v = c & lead_payload[need];
    for (size_t i = 1; i < need; i++) {
        if (!is_cont(p[i]))
            return 0;
        v = v << CONT_SHIFT | (p[i] & CONT_PAYLOAD);
    }
    if (v < min_for_len[need] || v > UNICODE_MAX || (v >= SURROGATE_FIRST && v <= SURROGATE_LAST))
        return 0;
    *cp = v;
    return need;
}

size_t utf8_next(const char *s, size_t n)
{
    uint32_t cp;
    size_t k = utf8_decode(s, n, &cp);
    return k ? k : 1;
}

size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* Only a character starting in the UTF8_CHAR_MAX - 1 bytes before the
     * cut can reach past it. Decoding may start inside an earlier character
     * there: its continuation bytes then stand alone here, which is harmless
     * because that character ends before the cut, and every byte that is not
     * a continuation starts a unit wherever decoding starts. */
    size_t i = max > UTF8_CHAR_MAX - 1 ? max - (UTF8_CHAR_MAX - 1) : 0;
    while (i < max) {
        size_t k = utf8_next(s + i, len - i);
        if (i + k > max)
            return i;
        i += k;
    }
    return max;
}

int utf8_width(const char *s, size_t n, size_t *len)
{
    unsigned char c = (unsigned char)s[0];
    if (c < ASCII_END) {
        /* wcwidth's answer without the call (most text is ASCII): NUL 0,
         * the controls it rejects 1, printable characters 1. */
        *len = 1;
        return c != 0;
    }
    uint32_t cp;
    size_t k = utf8_decode(s, n, &cp);
    if (k == 0) {
        *len = 1;
        return 1;
    }
    *len = k;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}
