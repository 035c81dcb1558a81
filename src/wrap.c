/* wrap.c — see include/omslog/wrap.h
 *
 * Widths are utf8.h's (the same rule sanitize.h's text functions add up), so
 * the detail pane and the list measure alike. */
#include "omslog/wrap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/sanitize.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

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

static void push(struct wrap *w, size_t start, size_t len, size_t src_line, int width)
{
    ARRAY_GROW(w->lines, w->cap, w->n + 1);
    struct wrap_line *l = &w->lines[w->n++];
    l->start = start;
    l->len = len;
    l->src_line = src_line;
    l->width = width;
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
            size_t n;
            int cw = utf8_width(text + i, end - i, &n);
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
            size_t n;
            int cw = utf8_width(text + i, end - i, &n);
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
            push(w, pos, end - pos, src_line, text_width(text + pos, end - pos));
        else
            wrap_source_line(w, text, pos, end, src_line, cols);
        src_line++;
        pos = end + 1;
    }
}
