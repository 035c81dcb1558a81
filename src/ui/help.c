/* help.c — the ? screen, generated from the key table (keys.c). */
#include <string.h>

#include "app.h"

/* The text is built when the screen opens: the table does not change. */
void help_open(struct app *a)
{
    struct buf *text = &a->help_text;
    buf_reset(text);
    buf_appends(text, " omslog — keys (q, Esc or ? closes; j/k scroll)\n\n");
    keys_help_text(text);
    a->help_top = 0;
    app_mode_push(a, MODE_HELP);
}

static size_t help_lines(const struct app *a)
{
    size_t n = 0;
    for (const char *p = buf_str(&a->help_text); *p; p++)
        n += *p == '\n';
    return n;
}

/* Rows of the body: all but the header and the status line. */
static int help_rows(const struct app *a)
{
    return a->rows - 2;
}

void help_draw(struct app *a)
{
    int h = help_rows(a);
    /* A taller terminal than when it was scrolled shows more of the end. */
    size_t total = help_lines(a);
    if (h > 0 && a->help_top + (size_t)h > total)
        a->help_top = total > (size_t)h ? total - (size_t)h : 0;
    size_t line = 0;
    const char *p = buf_str(&a->help_text);
    int y = 1;
    while (*p && y <= h) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (line >= a->help_top) {
            attr_t attr = line == 0 ? theme_attr(STYLE_TITLE) : A_NORMAL;
            draw_text(y, 0, p, len, a->cols, attr, true);
            y++;
        }
        line++;
        p = nl ? nl + 1 : p + len;
    }
    for (; y <= h; y++)
        draw_fill(y, 0, a->cols, A_NORMAL);
}

unsigned help_handle(struct app *a, const struct input *in)
{
    if (in->act == ACT_QUIT || in->act == ACT_BACK || in->act == ACT_HELP) {
        app_mode_pop(a, MODE_HELP);
        return REACT_CHANGED;
    }
    int64_t h = help_rows(a) > 0 ? help_rows(a) : 1;
    int64_t total = (int64_t)help_lines(a), top = (int64_t)a->help_top;
    if (!move_apply(in->act, &top, total - h, h, NULL) || (size_t)top == a->help_top)
        return REACT_HANDLED; /* the help keeps every other key from the panes below */
    a->help_top = (size_t)top;
    return REACT_CHANGED;
}
