/* draw.c — putting sanitised UTF-8 on the screen, cut to a width in terminal
 * columns (never half a wide character), with optional highlighting. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/sanitize.h"

#define DRAW_GROUP 3

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

/* Draw one segment cut to cols; returns its width. */
static int draw_segment(int y, int x, const char *s, size_t len, int cols, attr_t attr)
{
    if (cols <= 0 || len == 0)
        return 0;
    int width = 0;
    size_t n = text_prefix_for_width(s, len, cols, &width);
    if (n == 0)
        return 0;
    attrset(attr);
    mvaddnstr(y, x, s, (int)n);
    attrset(A_NORMAL);
    return width;
}

int draw_text_hl(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad,
                 size_t hl_start, size_t hl_len, attr_t hl_attr)
{
    if (cols <= 0)
        return 0;
    int used = 0;
    if (text_width(s, len) > cols) {
        /* Leave the last column for the ellipsis, as text_fit does. */
        struct buf cut = {0};
        text_fit(&cut, s, len, cols, 0);
        size_t keep = cut.len >= strlen("…") ? cut.len - strlen("…") : cut.len;
        if (hl_start < keep) {
            used += draw_segment(y, x, cut.data, hl_start, cols, attr);
            size_t hl_end = hl_start + hl_len < keep ? hl_start + hl_len : keep;
            used += draw_segment(y, x + used, cut.data + hl_start, hl_end - hl_start,
                                 cols - used, hl_attr);
            used += draw_segment(y, x + used, cut.data + hl_end, cut.len - hl_end, cols - used,
                                 attr);
        } else {
            used += draw_segment(y, x, cut.data, cut.len, cols, attr);
        }
        buf_free(&cut);
    } else if (hl_len > 0 && hl_start < len) {
        size_t hl_end = hl_start + hl_len < len ? hl_start + hl_len : len;
        used += draw_segment(y, x, s, hl_start, cols, attr);
        used += draw_segment(y, x + used, s + hl_start, hl_end - hl_start, cols - used, hl_attr);
        used += draw_segment(y, x + used, s + hl_end, len - hl_end, cols - used, attr);
    } else {
        used += draw_segment(y, x, s, len, cols, attr);
    }
    if (pad && used < cols)
        draw_fill(y, x + used, cols - used, attr);
    return pad ? cols : used;
}

int draw_text(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad)
{
    return draw_text_hl(y, x, s, len, cols, attr, pad, 0, 0, attr);
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
