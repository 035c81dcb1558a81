/* help.c — the ? screen, generated from the key table (keys.c). */
#include <string.h>

#include "app.h"

void help_draw(struct app *a)
{
    struct buf *text = &a->help_text;
    buf_reset(text);
    buf_appends(text, " omslog — keys (q, Esc or ? closes; j/k scroll)\n\n");
    keys_help_text(text);
    int h = a->rows - 2;
    size_t line = 0;
    const char *p = text->data;
    int y = 1;
    while (p && *p && y <= h) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (line >= a->help_top) {
            attr_t attr = line == 0 ? theme_attr(STYLE_TITLE) : A_NORMAL;
            draw_text(y, 0, p, len, a->cols, attr, true);
            y++;
        }
        line++;
        p = nl ? nl + 1 : NULL;
    }
    for (; y <= h; y++)
        draw_fill(y, 0, a->cols, A_NORMAL);
    /* Keep scrolling within the text. */
    size_t total = line;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        total++;
        p = nl ? nl + 1 : NULL;
    }
    if (total > (size_t)h && a->help_top > total - (size_t)h)
        a->help_top = total - (size_t)h;
}

bool help_handle(struct app *a, enum action act, int key)
{
    (void)key;
    switch (act) {
    case ACT_DOWN:
        a->help_top++;
        break;
    case ACT_UP:
        if (a->help_top)
            a->help_top--;
        break;
    case ACT_PAGE_DOWN:
        a->help_top += (size_t)(a->rows > 4 ? a->rows - 4 : 1);
        break;
    case ACT_PAGE_UP:
        a->help_top = 0;
        break;
    case ACT_QUIT:
    case ACT_BACK:
    case ACT_HELP:
        a->help = false;
        a->help_top = 0;
        break;
    default:
        break;
    }
    return true;
}
