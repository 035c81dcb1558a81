/* wrap.h — laying sanitised UTF-8 text out in terminal columns.
 *
 * Contract: input is sanitised text (valid UTF-8, see sanitize.h) possibly
 * holding newlines. wrap_text splits it into display lines no wider than cols
 * columns, breaking at spaces when a word fits and inside a word otherwise,
 * never inside a character; with wrap off, each source line is one display
 * line (to be cut by the caller). Lines point into the text by offset; the
 * array is owned by the struct and released with wrap_free. */
#ifndef OMSLOG_WRAP_H
#define OMSLOG_WRAP_H

#include <stdbool.h>
#include <stddef.h>

struct wrap_line {
    size_t start;    /* byte offset in the text */
    size_t len;      /* bytes, without the newline */
    size_t src_line; /* index of the source (newline-separated) line */
    int width;       /* display columns */
};

struct wrap {
    struct wrap_line *lines;
    size_t n;
    size_t cap;
};

void wrap_init(struct wrap *w);
/* Replaces w's previous contents. cols < 1 is treated as 1. A break drops
 * exactly one space (it belongs to no line); leading indentation is never a
 * break. A character wider than cols (CJK at cols 1) gets a line of its own,
 * the only case where width > cols. Empty source lines are empty display
 * lines; a final newline adds none, and empty text has no lines at all.
 * Widths follow utf8.h's rule (utf8_width), as sanitize.h's text_width does. */
void wrap_text(struct wrap *w, const char *text, size_t len, int cols, bool wrap);
void wrap_free(struct wrap *w);

#endif
