/* wrap.c — see include/omslog/wrap.h
 *
 * Widths are measured here with mbrtowc + wcwidth rather than through
 * sanitize.h so that layout has no dependency beyond libc; the rules are the
 * same (invalid bytes and characters wcwidth rejects take one column). */
#include "omslog/wrap.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "omslog/util.h"

#define WRAP_MIN_CAP 16

void wrap_init(struct wrap *w)
{
    w->lines = NULL;
    w->n = 0;
    w->cap = 0;
}

void wrap_free(struct wrap *w)
{
    free(w->lines);
    wrap_init(w);
}

/* The character at s[0..len): its length in bytes (>= 1) and its columns. */
static size_t char_at(const char *s, size_t len, int *width)
{
    if ((unsigned char)s[0] < 0x80) {
        /* ASCII, most text: one cell whatever mbrtowc + wcwidth would say
         * (a control or NUL is shown as one cell too, as below). */
        *width = 1;
        return 1;
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, len, &st);
    if (n == (size_t)-1 || n == (size_t)-2) {
        /* Not valid in this locale: shown as one cell per byte. */
        *width = 1;
        return 1;
    }
    if (n == 0) { /* an embedded NUL is still a byte to show */
        *width = 1;
        return 1;
    }
    int cw = wcwidth(wc);
    *width = cw < 0 ? 1 : cw;
    return n;
}

static void push(struct wrap *w, size_t start, size_t len, size_t src_line, int width)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : WRAP_MIN_CAP;
        w->lines = xrealloc(w->lines, cap * sizeof *w->lines);
        w->cap = cap;
    }
    struct wrap_line *l = &w->lines[w->n++];
    l->start = start;
    l->len = len;
    l->src_line = src_line;
    l->width = width;
}

static int add_width(int total, int w)
{
    return total > INT_MAX - w ? INT_MAX : total + w;
}

static int measure(const char *s, size_t len)
{
    int total = 0;
    for (size_t i = 0; i < len;) {
        int cw;
        i += char_at(s + i, len - i, &cw);
        total = add_width(total, cw);
    }
    return total;
}

/* Lay out one source line s[start..end) of the text. */
static void wrap_source_line(struct wrap *w, const char *text, size_t start, size_t end,
                             size_t src_line, int cols)
{
    size_t pos = start;
    for (;;) {
        /* Take characters while they fit; remember the last space that ends a
         * word, so the line breaks there rather than mid-word. A space before
         * any word (indentation) is not a break: it would leave an empty or
         * blank line and lose the indentation. */
        int width = 0;
        size_t i = pos;
        size_t brk = SIZE_MAX;
        int brk_width = 0;
        bool seen_word = false;
        bool overflow = false;
        while (i < end) {
            int cw;
            size_t n = char_at(text + i, end - i, &cw);
            if (text[i] == ' ') {
                if (seen_word) {
                    brk = i;
                    brk_width = width;
                }
            } else {
                seen_word = true;
            }
            if (cw > cols - width) { /* width <= cols: cannot overflow */
                overflow = true;
                break;
            }
            width += cw;
            i += n;
        }
        if (!overflow) {
            push(w, pos, end - pos, src_line, width);
            return;
        }
        if (brk != SIZE_MAX) {
            push(w, pos, brk - pos, src_line, brk_width);
            pos = brk + 1; /* the break space belongs to neither line */
        } else if (i > pos) {
            push(w, pos, i - pos, src_line, width);
            pos = i;
        } else {
            /* One character wider than cols (CJK at cols 1): it cannot fit
             * anywhere, so it gets a line of its own. */
            int cw;
            size_t n = char_at(text + i, end - i, &cw);
            push(w, pos, n, src_line, cw);
            pos = i + n;
        }
        if (pos >= end)
            return;
    }
}

void wrap_text(struct wrap *w, const char *text, size_t len, int cols, bool wrap)
{
    w->n = 0;
    if (cols < 1)
        cols = 1;
    if (!text)
        return;
    size_t src_line = 0;
    size_t pos = 0;
    /* A newline ends a line rather than starting one, so a final newline adds
     * no empty display line (and empty text has none at all). */
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (!wrap)
            push(w, pos, end - pos, src_line, measure(text + pos, end - pos));
        else
            wrap_source_line(w, text, pos, end, src_line, cols);
        src_line++;
        pos = end + 1;
    }
}
