/* draw.c — putting sanitised UTF-8 on the screen, cut to a width in terminal
 * columns (never half a wide character), with optional highlighting. */
#include <inttypes.h>
#include <stdio.h>
#include <regex.h>
#include <string.h>

#include "app.h"
#include "omslog/sanitize.h"
#include "omslog/utf8.h"

#define DRAW_GROUP 3
/* What text_fit puts in the last column of a cut text: U+2026, one column. */
#define DRAW_ELLIPSIS "\xe2\x80\xa6"
#define DRAW_ELLIPSIS_COLS 1
/* Printable ASCII, which waddchnstr may place directly. */
#define DRAW_PRINT_MIN 0x20
#define DRAW_PRINT_MAX 0x7e
/* The longest UTF-8 sequence, in bytes. */
/* Cells put per waddchnstr call (a stack array). */
#define DRAW_RUN_MAX 256

void draw_fill(int y, int x, int cols, attr_t attr)
{
    if (cols <= 0)
        return;
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(attr);
    mvhline(y, x, ' ', cols);
    attr_set(old_attr, old_pair, NULL);
}

static bool draw_is_plain(unsigned char c)
{
    return c >= DRAW_PRINT_MIN && c <= DRAW_PRINT_MAX;
}

/* Put s[0..len) (known to fit) at (y, x) in attr. Runs of printable ASCII,
 * most text, are copied into the window's cells with waddchnstr, which skips
 * waddnstr's per-byte multibyte decoding and control-character handling
 * (they have none); the cells are the same, as waddnstr would combine attr
 * with the default background exactly so. The rest (UTF-8, whatever a
 * terminal's last column needs for wrapping) goes through waddnstr from
 * where the run ended; the cursor ends where waddnstr would leave it. */
static void draw_put(int y, int x, const char *s, size_t len, attr_t attr)
{
    const unsigned char *p = (const unsigned char *)s;
    chtype cells[DRAW_RUN_MAX];
    size_t i = 0;
    attrset(attr);
    while (i < len) {
        int k = 0;
        while (i + (size_t)k < len && k < DRAW_RUN_MAX && x + k < COLS - 1 &&
               draw_is_plain(p[i + (size_t)k])) {
            cells[k] = (chtype)p[i + (size_t)k] | attr;
            k++;
        }
        if (k > 0) {
            mvaddchnstr(y, x, cells, k);
            x += k;
            i += (size_t)k;
            move(y, x);
            continue;
        }
        size_t j = i + 1;
        while (j < len && !draw_is_plain(p[j]))
            j++;
        if (x >= COLS - 1)
            j = len; /* the last column: waddnstr decides about wrapping */
        mvaddnstr(y, x, s + i, (int)(j - i));
        i = j;
        if (getcury(stdscr) != y)
            break;
        x = getcurx(stdscr);
    }
    attrset(A_NORMAL);
}

size_t draw_cell_bytes(int cols)
{
    return cols > 0 ? (size_t)cols * DRAW_BYTES_PER_COL : 0;
}

/* Sanitising never shrinks text (but for a dropped joiner), so need + 1
 * raw bytes give more than need when there is more. */
size_t draw_raw_prefix(const char *raw, size_t need)
{
    return utf8_prefix(raw, strnlen(raw, need + 2), need + 1);
}

/* Draw one segment cut to cols; returns its width. */
static int draw_segment(int y, int x, const char *s, size_t len, int cols, attr_t attr)
{
    if (cols <= 0 || len == 0)
        return 0;
    int width = 0;
    size_t n = text_prefix_for_width(s, len, cols, &width);
    if (n == 0)
        return 0;
    draw_put(y, x, s, n, attr);
    return width;
}

size_t draw_search_ranges(const struct filter *search, const char *text, size_t len,
                          struct draw_range *out, size_t max)
{
    size_t n = 0, off = 0;
    if (!search || !search->has_regex || !text)
        return 0;
    while (n < max && off < len) {
        regmatch_t m[1];
        if (regexec(&search->regex, text + off, 1, m, off ? REG_NOTBOL : 0) != 0)
            break;
        size_t start = off + (size_t)m[0].rm_so, end = off + (size_t)m[0].rm_eo;
        if (start >= len)
            break;
        if (end > start)
            out[n++] = (struct draw_range){start, end};
        /* An empty match highlights nothing: look again a character on. */
        off = end > start ? end : start + (text[start] ? utf8_next(text + start, len - start) : 1);
    }
    return n;
}

/* Both branches draw exactly what text_fit would put in a cols-wide cell,
 * without building it: the fitting prefix, then the ellipsis. */
int draw_text_ranges(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad,
                     const struct draw_range *hl, size_t n_hl, attr_t hl_attr)
{
    if (cols <= 0)
        return 0;
    /* Measuring stops at cols columns, however long the text; the prefix
     * that leaves room for the ellipsis lies within the one that fits.
     * Text past what a cell can show (a flood of zero-width characters,
     * which never fill a column) is elided unscanned. */
    bool elided = len > draw_cell_bytes(cols);
    if (elided)
        len = utf8_prefix(s, len, draw_cell_bytes(cols));
    int width;
    size_t keep = text_prefix_for_width(s, len, cols, &width);
    bool cut = keep < len || elided;
    if (cut)
        keep = text_prefix_for_width(s, keep, cols - DRAW_ELLIPSIS_COLS, &width);
    int used = 0;
    size_t pos = 0;
    /* The ranges ascend and do not overlap (draw_search_ranges). */
    for (size_t i = 0; i < n_hl && hl[i].start < keep; i++) {
        if (hl[i].start < pos || hl[i].end <= hl[i].start)
            continue;
        size_t start = hl[i].start, end = hl[i].end < keep ? hl[i].end : keep;
        used += draw_segment(y, x + used, s + pos, start - pos, cols - used, attr);
        used += draw_segment(y, x + used, s + start, end - start, cols - used, hl_attr);
        pos = end;
    }
    if (pos == 0 && keep > 0) {
        draw_put(y, x, s, keep, attr);
        used = width;
    } else if (pos < keep) {
        used += draw_segment(y, x + used, s + pos, keep - pos, cols - used, attr);
    }
    if (cut) {
        draw_put(y, x + used, DRAW_ELLIPSIS, strlen(DRAW_ELLIPSIS), attr);
        used += DRAW_ELLIPSIS_COLS;
    }
    if (pad && used < cols)
        draw_fill(y, x + used, cols - used, attr);
    return pad ? cols : used;
}

int draw_text(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad)
{
    return draw_text_ranges(y, x, s, len, cols, attr, pad, NULL, 0, attr);
}

void draw_sanitize(struct buf *out, const char *raw, unsigned flags)
{
    buf_reset(out);
    if (raw)
        sanitize_append(out, raw, strlen(raw), flags);
    else
        buf_appends(out, "");
}

const char *draw_count(int64_t n, char buf[32])
{
    char digits[24];
    bool neg = n < 0;
    snprintf(digits, sizeof digits, "%" PRIu64, neg ? (uint64_t)0 - (uint64_t)n : (uint64_t)n);
    size_t len = strlen(digits), o = 0;
    if (neg)
        buf[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % DRAW_GROUP == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}
