/* sanitize.c — see include/omslog/sanitize.h
 *
 * UTF-8 is decoded by hand rather than with mbrtowc so that the result does
 * not depend on the locale and every rule (overlongs, surrogates, the C0 80
 * stand-in) is explicit. Decisions beyond the header's table:
 *   - U+2028/U+2029 (line/paragraph separator) are escaped as \u{2028} and
 *     \u{2029}: some terminals and most editors treat them as line breaks, which
 *     would break the one-row-per-entry guarantee of the list.
 *   - U+FEFF (BOM / zero-width no-break space) and the zero-width joiners pass
 *     through: they are invisible but do nothing to a terminal, and ZWJ is part
 *     of ordinary emoji sequences.
 *   - With SANITIZE_ONE_LINE, LF, CR and TAB become one space each, whatever
 *     KEEP_NEWLINE / KEEP_TAB say: a list row must stay one row.
 *   - An invalid sequence escapes its first byte only and decoding resumes at
 *     the next byte, so every byte of a bad sequence ends up as its own \xNN.
 * Width functions use mbrtowc + wcwidth as the header says; bytes that do not
 * decode in the current locale count as one column each. */
#include "omslog/sanitize.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "omslog/util.h"

#define ESC_BYTE 0x1b
#define DEL_BYTE 0x7f
#define C0_END 0x20        /* C0 controls are 0x00..0x1f */
#define C1_FIRST 0x80u     /* C1 controls are U+0080..U+009F */
#define C1_LAST 0x9fu
#define UNICODE_MAX 0x10ffffu
#define SURROGATE_FIRST 0xd800u
#define SURROGATE_LAST 0xdfffu
#define NUL_STANDIN_LEAD 0xc0 /* decode's "modified UTF-8" U+0000: C0 80 */
#define NUL_STANDIN_TRAIL 0x80

/* A buffer big enough for "\u{10ffff}" plus NUL. */
#define ESCAPE_TEXT_MAX 16

static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026, one column */
#define ELLIPSIS_COLS 1

/* Code points that reorder or otherwise reinterpret the text around them
 * (Trojan Source, CVE-2021-42574), and the Unicode line separators. */
static int is_hidden_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e)    /* LRE RLE PDF LRO RLO */
           || (cp >= 0x2066 && cp <= 0x2069) /* LRI RLI FSI PDI */
           || cp == 0x200e || cp == 0x200f   /* LRM RLM */
           || cp == 0x061c                   /* ALM */
           || cp == 0x2028 || cp == 0x2029;  /* LINE / PARAGRAPH SEPARATOR */
}

static int is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Decode one strict UTF-8 sequence at s (n > 0 bytes available). Returns its
 * length and sets *cp, or 0 when the sequence is invalid or truncated. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 (always overlong) or F5..FF */
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if (!is_cont(s[i]))
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > UNICODE_MAX || (v >= SURROGATE_FIRST && v <= SURROGATE_LAST))
        return 0;
    *cp = v;
    return need;
}

static void append_byte_escape(struct buf *out, unsigned char c)
{
    char tmp[ESCAPE_TEXT_MAX];
    snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)c);
    buf_appends(out, tmp);
}

static void append_cp_escape(struct buf *out, uint32_t cp)
{
    char tmp[ESCAPE_TEXT_MAX];
    snprintf(tmp, sizeof tmp, "\\u{%02x}", (unsigned)cp);
    buf_appends(out, tmp);
}

/* ASCII byte c: append it or its escape. */
static void append_ascii(struct buf *out, unsigned char c, unsigned flags)
{
    int one_line = (flags & SANITIZE_ONE_LINE) != 0;
    switch (c) {
    case '\n':
        if (one_line)
            buf_putc(out, ' ');
        else if (flags & SANITIZE_KEEP_NEWLINE)
            buf_putc(out, '\n');
        else
            buf_appends(out, "\\n");
        return;
    case '\t':
        if (one_line)
            buf_putc(out, ' ');
        else if (flags & SANITIZE_KEEP_TAB)
            buf_putc(out, '\t');
        else
            buf_appends(out, "\\t");
        return;
    case '\r':
        buf_appends(out, one_line ? " " : "\\r");
        return;
    case '\b':
        buf_appends(out, "\\b");
        return;
    case ESC_BYTE:
        buf_appends(out, "\\e");
        return;
    default:
        break;
    }
    if (c < C0_END || c == DEL_BYTE)
        append_byte_escape(out, c);
    else
        buf_putc(out, (char)c);
}

void sanitize_append(struct buf *out, const char *s, size_t len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return; /* buf_reserve alone would leave a fresh buffer unterminated */
    buf_reserve(out, len);
    size_t i = 0;
    while (i < len) {
        /* Runs of plain printable ASCII are the common case: copy them whole. */
        size_t run = i;
        while (run < len && p[run] >= C0_END && p[run] < DEL_BYTE)
            run++;
        if (run > i) {
            buf_append(out, p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            append_ascii(out, c, flags);
            i++;
            continue;
        }
        if (c == NUL_STANDIN_LEAD && i + 1 < len && p[i + 1] == NUL_STANDIN_TRAIL) {
            buf_appends(out, "\\0");
            i += 2;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            append_byte_escape(out, c);
            i++;
        } else if ((cp >= C1_FIRST && cp <= C1_LAST) || is_hidden_control(cp)) {
            append_cp_escape(out, cp);
            i += n;
        } else {
            buf_append(out, p + i, n);
            i += n;
        }
    }
}

char *sanitize_dup(const char *s, unsigned flags)
{
    struct buf b;
    buf_init(&b);
    if (s)
        sanitize_append(&b, s, strlen(s), flags);
    return buf_steal(&b);
}

static int codeset_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (ascii_casecmp(cs, "UTF-8") == 0 || ascii_casecmp(cs, "UTF8") == 0);
}

int sanitize_locale_init(void)
{
    static const char *const fallbacks[] = {"C.UTF-8", "en_US.UTF-8"};
    if (setlocale(LC_CTYPE, "") && codeset_is_utf8())
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(fallbacks); i++)
        if (setlocale(LC_CTYPE, fallbacks[i]) && codeset_is_utf8())
            return 0;
    return -1;
}

/* Measure the character at s: its length in bytes and its columns. */
static size_t next_char(const char *s, size_t len, int *cols)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, len, &st);
    if (n == (size_t)-1 || n == (size_t)-2) {
        *cols = 1; /* not a character in this locale: one column per byte */
        return 1;
    }
    if (n == 0) { /* an embedded NUL */
        *cols = 0;
        return 1;
    }
    int w = wcwidth(wc);
    *cols = w < 0 ? 1 : w;
    return n;
}

int text_width(const char *s, size_t len)
{
    int total = 0;
    size_t i = 0;
    while (i < len) {
        int w;
        i += next_char(s + i, len - i, &w);
        if (total > INT_MAX - w)
            return INT_MAX;
        total += w;
    }
    return total;
}

size_t text_prefix_for_width(const char *s, size_t len, int cols, int *width)
{
    int total = 0;
    size_t i = 0;
    if (cols >= 0) {
        while (i < len) {
            int w;
            size_t n = next_char(s + i, len - i, &w);
            if (w > cols - total)
                break;
            total += w;
            i += n;
        }
    }
    if (width)
        *width = total;
    return i;
}

static void append_spaces(struct buf *out, int n)
{
    for (int k = 0; k < n; k++)
        buf_putc(out, ' ');
}

void text_fit(struct buf *out, const char *s, size_t len, int cols, int pad)
{
    if (cols <= 0)
        return;
    int used;
    size_t n = text_prefix_for_width(s, len, cols, &used);
    if (n < len) {
        /* It does not fit: keep room for the ellipsis in the last column. */
        n = text_prefix_for_width(s, len, cols - ELLIPSIS_COLS, &used);
        buf_append(out, s, n);
        buf_appends(out, ellipsis);
        used += ELLIPSIS_COLS;
    } else {
        buf_append(out, s, n);
    }
    if (pad)
        append_spaces(out, cols - used);
}
