/* fuzz_wrap.c — wrap_text on arbitrary bytes and on their sanitised form.
 *
 * fuzz-sources: src/wrap.c src/sanitize.c src/utf8.c src/buf.c src/util.c
 *
 * The whole input is the text; it is wrapped at several widths, with and
 * without wrapping, both raw (utf8.h defines widths for bytes that are not
 * UTF-8 too) and sanitised with newlines and tabs kept (what the detail pane
 * gets). Checks wrap.h's contract:
 *   - lines lie inside the text, in order, never span a newline, and say
 *     their own width (recomputed here by wrap.h's rules);
 *   - no line is wider than cols unless it is one character wider than cols;
 *   - nothing is lost: within a source line consecutive display lines are
 *     adjacent or separated by exactly one dropped space; a source line ends
 *     at its newline (after at most one dropped space); source lines are
 *     numbered from 0 without gaps; an empty source line is one empty display
 *     line and only it yields an empty line; without wrap each source line is
 *     exactly one display line.
 * On sanitised text the widths must also agree with sanitize.h's
 * text_width, so the list and the detail pane measure alike. */
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "omslog/buf.h"
#include "omslog/sanitize.h"
#include "omslog/wrap.h"

#include "fuzz_util.h"

/* Widths tried: below the minimum (treated as 1), the narrow widths where a
 * CJK character alone overflows, and ordinary terminal widths. */
static const int widths[] = {0, 1, 2, 3, 5, 8, 80};
/* Without wrapping the layout does not depend on cols: one width will do. */
#define NO_WRAP_COLS 80

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sanitize_locale_init() != 0) {
        fprintf(stderr, "fuzz_wrap: no UTF-8 locale available\n");
        abort();
    }
    return 0;
}

/* utf8.h's width rule for the unit at s, recomputed with fuzz_util's own
 * decoder: bytes (>= 1) and columns. wcwidth's answer (U+0000, a NUL byte or
 * the stand-in C0 80, takes none); one column where it has none and for a
 * byte that is not a character. */
static size_t measure_char(const char *s, size_t len, int *cols)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp = 0;
    size_t n = 2; /* the stand-in */
    if (!(p[0] == 0xc0 && len > 1 && p[1] == 0x80))
        n = fuzz_utf8_char(p, len, &cp);
    if (n == 0) {
        *cols = 1;
        return 1;
    }
    int w = wcwidth((wchar_t)cp);
    *cols = w < 0 ? 1 : w;
    return n;
}

static int measure(const char *s, size_t len, size_t *chars)
{
    int total = 0;
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        int w;
        i += measure_char(s + i, len - i, &w);
        total += w;
    }
    if (chars)
        *chars = count;
    return total;
}

static void check_layout(const struct wrap *w, const char *text, size_t len, int cols, bool wrap,
                         bool sanitised)
{
    int eff_cols = cols < 1 ? 1 : cols;
    size_t n_src = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n_src++;
    if (len > 0 && text[len - 1] != '\n')
        n_src++;
    if (len == 0)
        FUZZ_CHECK(w->n == 0, "empty text has no lines");

    size_t expect = 0; /* where the next display line may start */
    size_t cur_src = 0;
    bool first = true;
    for (size_t k = 0; k < w->n; k++) {
        const struct wrap_line *l = &w->lines[k];
        FUZZ_CHECK(l->start <= len && l->len <= len - l->start, "a line lies inside the text");
        FUZZ_CHECK(memchr(text + l->start, '\n', l->len) == NULL, "a line holds no newline");
        size_t chars;
        int width = measure(text + l->start, l->len, &chars);
        FUZZ_CHECK(l->width == width, "a line's width is its measured width");
        if (sanitised)
            FUZZ_CHECK(l->width == text_width(text + l->start, l->len),
                       "wrap and text_width agree on sanitised text");
        if (wrap)
            FUZZ_CHECK(l->width <= eff_cols || chars == 1,
                       "a line fits in cols unless it is one wide character");

        if (first || l->src_line != cur_src) {
            /* A new source line starts right after the previous newline. */
            if (!first) {
                if (wrap && expect < len && text[expect] == ' ')
                    expect++; /* a break space dropped at the end of the line */
                FUZZ_CHECK(expect < len && text[expect] == '\n',
                           "a source line ends at its newline");
                expect++;
            }
            FUZZ_CHECK(l->src_line == (first ? 0 : cur_src + 1),
                       "source lines are numbered from 0 without gaps");
            FUZZ_CHECK(l->start == expect, "a source line's first line starts it");
            cur_src = l->src_line;
            first = false;
        } else {
            FUZZ_CHECK(wrap, "without wrap a source line is one display line");
            FUZZ_CHECK(l->start == expect || (l->start == expect + 1 && text[expect] == ' '),
                       "a break drops at most one space");
        }
        if (l->len == 0)
            FUZZ_CHECK(l->start < len && text[l->start] == '\n',
                       "only an empty source line gives an empty line");
        expect = l->start + l->len;
    }
    if (w->n > 0) {
        FUZZ_CHECK(cur_src + 1 == n_src, "every source line is laid out");
        if (expect < len && text[expect] == ' ' && wrap)
            expect++;
        FUZZ_CHECK(expect == len || (expect == len - 1 && text[expect] == '\n'),
                   "the last line ends the text");
    }
}

static void run_all(const char *text, size_t len, bool sanitised)
{
    struct wrap w;
    wrap_init(&w);
    /* Reusing w checks that wrap_text replaces the previous contents. */
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        wrap_text(&w, text, len, widths[k], true);
        check_layout(&w, text, len, widths[k], true, sanitised);
    }
    wrap_text(&w, text, len, NO_WRAP_COLS, false);
    check_layout(&w, text, len, NO_WRAP_COLS, false, sanitised);
    wrap_free(&w);
    FUZZ_CHECK(w.lines == NULL && w.n == 0, "wrap_free empties the struct");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: wrap_text must honour len. */
    char *raw = fuzz_memdup(data, size);
    run_all(raw, size, false);

    struct buf clean;
    buf_init(&clean);
    sanitize_append(&clean, raw, size, SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB);
    run_all(clean.data ? clean.data : "", clean.len, true);
    buf_free(&clean);
    free(raw);
    return 0;
}
