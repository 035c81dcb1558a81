/* sanitize.c — see include/omslog/sanitize.h
 *
 * Characters are read with utf8.h's strict decoder, so the result does not
 * depend on the locale and every rule (overlongs, surrogates, the C0 80
 * stand-in) is the one every other reader of text uses. Decisions beyond the
 * header's table:
 *   - U+2028/U+2029 (line/paragraph separator) are escaped as \u{2028} and
 *     \u{2029}: some terminals and most editors treat them as line breaks, which
 *     would break the one-row-per-entry guarantee of the list.
 *   - U+FEFF (BOM / zero-width no-break space) and U+200C (ZWNJ) pass through:
 *     they are invisible and do nothing to a terminal. U+200D (ZWJ) is dropped:
 *     terminals disagree on the width of a joined emoji sequence (see
 *     sanitize_unit), which would break column alignment.
 *   - With SANITIZE_ONE_LINE, LF and TAB become one space each, whatever
 *     KEEP_NEWLINE / KEEP_TAB say: a list row must stay one row. CR stays the
 *     visible \r everywhere: it is the overwrite trick ("rm -rf /\rls").
 *   - An invalid sequence escapes its first byte only and decoding resumes at
 *     the next byte, so every byte of a bad sequence ends up as its own \xNN.
 * Width functions add up utf8_width, whose rule utf8.h states. */
#include "omslog/sanitize.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "omslog/utf8.h"
#include "omslog/util.h"

#define ESC_BYTE 0x1b
#define DEL_BYTE 0x7f
#define C0_END 0x20    /* C0 controls are 0x00..0x1f */
#define C1_FIRST 0x80u /* C1 controls are U+0080..U+009F */
#define C1_LAST 0x9fu
#define ASCII_END 0x80u
#define ZWJ 0x200du /* ZERO WIDTH JOINER */

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

/* The escape of byte c ("\\xNN") into tmp; returns its length. */
static size_t byte_escape(unsigned char c, char tmp[ESCAPE_TEXT_MAX])
{
    return (size_t)snprintf(tmp, ESCAPE_TEXT_MAX, "\\x%02x", (unsigned)c);
}

/* ASCII byte c that is not plain printable: what stands for it. */
static const char *ascii_text(unsigned char c, unsigned flags, char tmp[ESCAPE_TEXT_MAX],
                              size_t *n)
{
    int one_line = (flags & SANITIZE_ONE_LINE) != 0;
    const char *t;
    switch (c) {
    case '\n':
        t = one_line ? " " : (flags & SANITIZE_KEEP_NEWLINE) ? "\n" : "\\n";
        break;
    case '\t':
        t = one_line ? " " : (flags & SANITIZE_KEEP_TAB) ? "\t" : "\\t";
        break;
    case '\r':
        t = "\\r"; /* even in a list row: a distinct escape, never a return */
        break;
    case '\b':
        t = "\\b";
        break;
    case ESC_BYTE:
        t = "\\e";
        break;
    default:
        if (c < C0_END || c == DEL_BYTE) {
            *n = byte_escape(c, tmp);
            return tmp;
        }
        tmp[0] = (char)c;
        *n = 1;
        return tmp;
    }
    *n = strlen(t);
    return t;
}

/* One unit of input at p (n > 0 bytes, not plain printable ASCII): a
 * character, an invalid byte or the C0 80 pair. Sets *out / *out_len to what
 * stands for it (p itself when it passes through, else tmp or a literal) and
 * returns the input bytes it covers. */
static size_t sanitize_unit(const unsigned char *p, size_t n, unsigned flags,
                            char tmp[ESCAPE_TEXT_MAX], const char **out, size_t *out_len)
{
    unsigned char c = p[0];
    if (c < ASCII_END) {
        *out = ascii_text(c, flags, tmp, out_len);
        return 1;
    }
    uint32_t cp;
    size_t k = utf8_decode((const char *)p, n, &cp);
    if (k == 0) {
        *out_len = byte_escape(c, tmp);
        *out = tmp;
        return 1;
    }
    if (cp == 0) { /* the C0 80 stand-in: a NUL byte is ASCII, above */
        *out = "\\0";
        *out_len = 2;
    } else if (cp == ZWJ) {
        /* Dropped: terminals disagree on joining (tmux 3.3, kitty and
         * iTerm2 draw U+1F469 ZWJ U+1F4BB in 2 columns, xterm and wcwidth
         * in 4), and a row measured one way but drawn the other leaves
         * text of the previous frame at its end. Without the joiner every
         * terminal draws the parts side by side, as wide as we measured. */
        *out = "";
        *out_len = 0;
    } else if ((cp >= C1_FIRST && cp <= C1_LAST) || is_hidden_control(cp)) {
        *out_len = (size_t)snprintf(tmp, ESCAPE_TEXT_MAX, "\\u{%02x}", (unsigned)cp);
        *out = tmp;
    } else {
        *out = (const char *)p;
        *out_len = k;
    }
    return k;
}

/* Length of the run of plain printable ASCII at p[i..len): the common case,
 * copied whole. */
static size_t printable_run(const unsigned char *p, size_t i, size_t len)
{
    size_t run = i;
    while (run < len && p[run] >= C0_END && p[run] < DEL_BYTE)
        run++;
    return run - i;
}

void sanitize_append(struct buf *out, const char *s, size_t len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return; /* buf_reserve alone would leave a fresh buffer unterminated */
    buf_reserve(out, len);
    size_t i = 0;
    while (i < len) {
        size_t run = printable_run(p, i, len);
        if (run) {
            buf_append(out, p + i, run);
            i += run;
            continue;
        }
        char tmp[ESCAPE_TEXT_MAX];
        const char *o;
        size_t on;
        i += sanitize_unit(p + i, len - i, flags, tmp, &o, &on);
        buf_append(out, o, on);
    }
}

size_t sanitize_into(char *out, size_t cap, const char *s, size_t len, unsigned flags,
                     size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    if (cap == 0) {
        *used = 0;
        return 0;
    }
    size_t room = cap - 1; /* the terminating NUL */
    while (i < len) {
        size_t run = printable_run(p, i, len);
        if (run) {
            if (o == room)
                break;
            if (run > room - o)
                run = room - o;
            memcpy(out + o, p + i, run);
            o += run;
            i += run;
            continue;
        }
        /* Units that print nothing (a dropped ZWJ) are taken even when the
         * array is full, so that stopping early always means "no room". */
        char tmp[ESCAPE_TEXT_MAX];
        const char *u;
        size_t un;
        size_t k = sanitize_unit(p + i, len - i, flags, tmp, &u, &un);
        if (un > room - o)
            break;
        memcpy(out + o, u, un);
        o += un;
        i += k;
    }
    out[o] = '\0';
    *used = i;
    return o;
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

int text_width(const char *s, size_t len)
{
    int total = 0;
    size_t i = 0;
    while (i < len) {
        size_t n;
        int w = utf8_width(s + i, len - i, &n);
        i += n;
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
            size_t n;
            int w = utf8_width(s + i, len - i, &n);
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
