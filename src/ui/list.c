/* list.c — the list pane: one row per entry over the store's virtual rows,
 * placeholders where pages are still loading or failed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/datetime.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"

#define LIST_WIDE_COLS 120
#define LIST_NARROW_COLS 70
#define LIST_LEVEL_W 8
#define LIST_APP_W_WIDE 12
#define LIST_APP_W 8
#define LIST_LOGGER_W_WIDE 22
#define LIST_LOGGER_W 12
#define LIST_ID_MIN_W 4
/* "YYYY-" dropped from the time on narrow screens. */
#define LIST_YEAR_PREFIX 5
#define LIST_MARK_NEW "+"

struct columns {
    int mark, id, time, level, app, logger, msg;
    bool short_time;
};

static int digits(int64_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

static void list_columns(struct app *a, int width, struct columns *c)
{
    memset(c, 0, sizeof *c);
    c->mark = 1;
    c->id = digits(store_max_id(a->store));
    if (c->id < LIST_ID_MIN_W)
        c->id = LIST_ID_MIN_W;
    bool wide = width >= LIST_WIDE_COLS;
    c->short_time = !wide;
    /* 19 columns for "YYYY-MM-DD HH:MM:SS", one more for the UTC "Z". */
    c->time = (wide ? 19 : 19 - LIST_YEAR_PREFIX) + (a->utc ? 1 : 0);
    c->level = LIST_LEVEL_W;
    c->app = wide ? LIST_APP_W_WIDE : LIST_APP_W;
    c->logger = width >= LIST_NARROW_COLS ? (wide ? LIST_LOGGER_W_WIDE : LIST_LOGGER_W) : 0;
    int used = c->mark + c->id + 1 + c->time + 1 + c->level + 1 + c->app + 1 +
               (c->logger ? c->logger + 1 : 0);
    c->msg = width - used;
    if (c->msg < 1)
        c->msg = 1;
}

static void draw_cell(int y, int *x, const char *raw, int w, attr_t attr, struct buf *tmp)
{
    if (w <= 0)
        return;
    draw_sanitize(tmp, raw, SANITIZE_ONE_LINE);
    draw_text(y, *x, tmp->data, tmp->len, w, attr, true);
    *x += w;
    draw_fill(y, *x, 1, attr);
    *x += 1;
}

static void list_draw_entry(struct app *a, int y, const struct log_entry *e, bool selected,
                            const struct columns *c)
{
    const struct rect *r = &a->list.r;
    attr_t attr = theme_attr(theme_level_style(e->level));
    if (selected)
        attr |= A_REVERSE;
    int x = r->x;
    bool is_new = a->new_mark_id > 0 && e->id > a->new_mark_id;
    draw_text(y, x, is_new ? LIST_MARK_NEW : " ", 1, c->mark,
              is_new ? theme_attr(STYLE_NEW) | (selected ? A_REVERSE : 0) : attr, true);
    x += c->mark;
    struct buf tmp = {0};
    char num[32];
    snprintf(num, sizeof num, "%*" PRId64, c->id, e->id);
    draw_cell(y, &x, num, c->id, attr, &tmp);
    char when[DATETIME_TEXT_MAX];
    datetime_format(e->created, a->utc, 0, when);
    draw_cell(y, &x, c->short_time ? when + LIST_YEAR_PREFIX : when, c->time, attr, &tmp);
    char lname[LEVEL_NAME_MAX];
    draw_cell(y, &x, level_format(e->level, lname), c->level, attr, &tmp);
    draw_cell(y, &x, e->app_name, c->app, attr, &tmp);
    if (c->logger)
        draw_cell(y, &x, e->logger_name, c->logger, attr, &tmp);
    int msg_w = r->x + r->w - x;
    draw_sanitize(&tmp, e->message, SANITIZE_ONE_LINE);
    size_t ms = 0, ml = 0;
    if (!filter_search_match(&a->search, tmp.data, &ms, &ml))
        ml = 0;
    draw_text_hl(y, x, tmp.data, tmp.len, msg_w, attr, true, ms, ml, theme_attr(STYLE_MATCH));
    buf_free(&tmp);
}

void list_draw(struct app *a)
{
    const struct rect *r = &a->list.r;
    if (r->h <= 0 || r->w <= 0)
        return;
    struct columns c;
    list_columns(a, r->w, &c);
    int64_t rows = store_rows(a->store);
    for (int i = 0; i < r->h; i++) {
        int y = r->y + i;
        int64_t row = a->list.top + i;
        if (row >= rows) {
            draw_fill(y, r->x, r->w, A_NORMAL);
            if (i == 0) {
                const char *what = store_count(a->store) < 0 ? "loading…"
                                   : store_is_filtered(a->store) && !store_scan_done(a->store)
                                       ? "no matching entries yet, scanning…"
                                       : "no entries";
                draw_text(y, r->x + 1, what, strlen(what), r->w - 1,
                          theme_attr(STYLE_PLACEHOLDER), false);
            }
            continue;
        }
        bool selected = row == a->list.sel;
        const struct log_entry *e = store_row(a->store, row);
        if (e) {
            list_draw_entry(a, y, e, selected && !a->focus_detail, &c);
            if (selected && a->focus_detail)
                mvchgat(y, r->x, r->w, A_BOLD, 0, NULL);
            continue;
        }
        enum store_row_state st = store_row_state(a->store, row);
        char text[128];
        attr_t attr;
        if (st == STORE_ROW_FAILED) {
            snprintf(text, sizeof text, " %*s  failed to load — press r to retry", c.id, "?");
            attr = theme_attr(STYLE_FAILED);
        } else {
            snprintf(text, sizeof text, " %*s  ···", c.id, "");
            attr = theme_attr(STYLE_PLACEHOLDER);
        }
        if (selected)
            attr |= A_REVERSE;
        draw_text(y, r->x, text, strlen(text), r->w, attr, true);
    }
}

static int64_t clamp_row(struct app *a, int64_t row)
{
    int64_t rows = store_rows(a->store);
    if (row >= rows)
        row = rows - 1;
    if (row < 0)
        row = 0;
    return row;
}

bool list_handle(struct app *a, enum action act, int arg)
{
    (void)arg;
    int64_t page = a->list.r.h > 1 ? a->list.r.h - 1 : 1;
    int64_t half = a->list.r.h / 2 > 0 ? a->list.r.h / 2 : 1;
    int64_t sel = a->list.sel;
    switch (act) {
    case ACT_DOWN:
        sel += 1;
        break;
    case ACT_UP:
        sel -= 1;
        break;
    case ACT_PAGE_DOWN:
        sel += page;
        a->list.top += page;
        break;
    case ACT_PAGE_UP:
        sel -= page;
        a->list.top -= page;
        break;
    case ACT_HALF_DOWN:
        sel += half;
        a->list.top += half;
        break;
    case ACT_HALF_UP:
        sel -= half;
        a->list.top -= half;
        break;
    case ACT_FIRST:
        sel = 0;
        break;
    case ACT_LAST:
        sel = store_rows(a->store) - 1;
        break;
    default:
        return false;
    }
    a->list.last_dir = sel < a->list.sel ? -1 : 1;
    app_select(a, clamp_row(a, sel), false);
    return true;
}

bool list_click(struct app *a, int y)
{
    const struct rect *r = &a->list.r;
    if (y < r->y || y >= r->y + r->h)
        return false;
    int64_t row = a->list.top + (y - r->y);
    if (row < store_rows(a->store))
        app_select(a, row, false);
    return true;
}
