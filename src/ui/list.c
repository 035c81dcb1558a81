/* list.c — the list pane: one row per entry over the store's virtual rows,
 * placeholders where pages are still loading or failed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/datetime.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/util.h"

#define LIST_WIDE_COLS 120
#define LIST_NARROW_COLS 70
#define LIST_LEVEL_W 8
#define LIST_APP_W_WIDE 12
#define LIST_APP_W 8
#define LIST_LOGGER_W_WIDE 22
#define LIST_LOGGER_W 12
#define LIST_ID_MIN_W 4
/* On a wide screen the app and logger columns grow to fit the names on
 * screen, up to these widths, while the message keeps LIST_MSG_MIN_W. */
#define LIST_APP_W_CAP 24
#define LIST_LOGGER_W_CAP 40
#define LIST_MSG_MIN_W 40
/* "YYYY-" dropped from the time on narrow screens. */
#define LIST_YEAR_PREFIX 5
#define LIST_MARK_NEW "+"
#define LIST_MARK_MARKED "*"
/* Stack room for sanitised cell text: enough for most cells (see
 * cell_text); the message's also holds most messages whole, which a search
 * highlight needs. */
#define LIST_CELL_MAX 512
#define LIST_MESSAGE_MAX 4096
#define LIST_NUM_MAX 32
#define DECIMAL_BASE 10

struct columns {
    int mark, id, time, level, app, logger, msg;
    bool short_time;
};

/* n right-aligned in w columns, as "%*" PRId64 would print it but without
 * printf's cost on every row of every frame. out has LIST_NUM_MAX bytes. */
static const char *format_id(char out[LIST_NUM_MAX], int w, int64_t n)
{
    char tmp[LIST_NUM_MAX];
    size_t k = 0;
    uint64_t v = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    do {
        tmp[k++] = (char)('0' + v % DECIMAL_BASE);
        v /= DECIMAL_BASE;
    } while (v);
    if (n < 0)
        tmp[k++] = '-';
    size_t pad = w > 0 && (size_t)w > k ? (size_t)w - k : 0;
    if (pad > LIST_NUM_MAX - 1 - k)
        pad = LIST_NUM_MAX - 1 - k;
    memset(out, ' ', pad);
    for (size_t i = 0; i < k; i++)
        out[pad + i] = tmp[k - 1 - i];
    out[pad + k] = '\0';
    return out;
}

static int digits(int64_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* Sanitised text of a cell: no more than draw_text shows of it in w
 * columns, or than a search highlight is matched against (need_all: at
 * least LIST_MESSAGE_MAX bytes, most messages whole), however long the
 * field; drawing a row costs what fits on it. Sanitised into the caller's
 * stack array when it fits, else into *spill, the one heap buffer of a
 * frame. */
static const char *cell_text(char *stack, size_t cap, struct buf *spill, const char *raw, int w,
                             bool need_all, size_t *len)
{
    size_t need = draw_cell_bytes(w);
    if (need_all && need < LIST_MESSAGE_MAX)
        need = LIST_MESSAGE_MAX;
    raw = raw ? raw : "";
    size_t take = draw_raw_prefix(raw, need), used;
    size_t n = sanitize_into(stack, cap, raw, take, SANITIZE_ONE_LINE, &used);
    if (used == take || n > need) {
        *len = n;
        return stack;
    }
    buf_reset(spill);
    sanitize_append(spill, raw, take, SANITIZE_ONE_LINE);
    *len = spill->len;
    return spill->len ? spill->data : "";
}

/* Columns of a server name in a cell of at most cap columns. */
static int name_width(const char *raw, int cap, struct buf *spill)
{
    char text[LIST_CELL_MAX];
    size_t len;
    const char *s = cell_text(text, sizeof text, spill, raw, cap, false, &len);
    int w = 0;
    text_prefix_for_width(s, len, cap, &w);
    return w;
}

/* Widen the app and logger columns (wide screens) to the widest name among
 * the loaded rows on screen, within their caps and the room the message
 * leaves; the rest goes to the logger. */
static void list_fit_names(struct app *a, struct columns *c, int width, struct buf *spill)
{
    int app = c->app, logger = c->logger;
    int64_t rows = store_rows(a->store);
    for (int i = 0; i < a->list.r.h && a->list.top + i < rows; i++) {
        const struct log_entry *e = store_row(a->store, a->list.top + i);
        if (!e)
            continue;
        int w = name_width(e->app_name, LIST_APP_W_CAP, spill);
        app = w > app ? w : app;
        w = name_width(e->logger_name, LIST_LOGGER_W_CAP, spill);
        logger = w > logger ? w : logger;
    }
    int room = width - LIST_MSG_MIN_W - (c->mark + c->id + 1 + c->time + 1 + c->level + 1) - 2;
    if (app + logger > room) {
        /* What there is, shared in proportion to what each wants. */
        int extra = room - c->app - c->logger;
        if (extra <= 0)
            return;
        int want_app = app - c->app, want_logger = logger - c->logger;
        app = c->app + extra * want_app / (want_app + want_logger);
        logger = c->logger + extra - (app - c->app);
    }
    c->app = app;
    c->logger = logger;
}

static void list_columns(struct app *a, int width, struct columns *c, struct buf *spill)
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
    if (wide)
        list_fit_names(a, c, width, spill);
    int used = c->mark + c->id + 1 + c->time + 1 + c->level + 1 + c->app + 1 +
               (c->logger ? c->logger + 1 : 0);
    c->msg = width - used;
    if (c->msg < 1)
        c->msg = 1;
}

/* A cell of omslog's own text (digits, a time, a level name: printable
 * ASCII, nothing to sanitise), then the one-column gap. */
static void draw_cell(int y, int *x, const char *text, int w, attr_t attr)
{
    if (w <= 0)
        return;
    draw_text(y, *x, text, strlen(text), w, attr, true);
    *x += w;
    draw_fill(y, *x, 1, attr);
    *x += 1;
}

/* A cell of server text. */
static void draw_raw_cell(int y, int *x, const char *raw, int w, attr_t attr, struct buf *spill)
{
    if (w <= 0)
        return;
    char text[LIST_CELL_MAX];
    size_t len;
    const char *s = cell_text(text, sizeof text, spill, raw, w, false, &len);
    draw_text(y, *x, s, len, w, attr, true);
    *x += w;
    draw_fill(y, *x, 1, attr);
    *x += 1;
}

static void list_draw_entry(struct app *a, int y, const struct log_entry *e, bool selected,
                            const struct columns *c, struct buf *spill)
{
    const struct rect *r = &a->list.r;
    attr_t attr = theme_attr(theme_level_style(e->level));
    if (selected)
        attr |= A_REVERSE;
    int x = r->x;
    bool is_new = a->new_mark_id > 0 && e->id > a->new_mark_id;
    bool marked = marks_is_marked(a, e->id); /* m: shown before new */
    const char *mark = marked ? LIST_MARK_MARKED : is_new ? LIST_MARK_NEW : " ";
    attr_t mark_attr = attr | A_BOLD;
    if (!marked)
        mark_attr = is_new ? theme_attr(STYLE_NEW) | (selected ? A_REVERSE : 0) : attr;
    draw_text(y, x, mark, 1, c->mark, mark_attr, true);
    x += c->mark;
    char num[LIST_NUM_MAX];
    draw_cell(y, &x, format_id(num, c->id, e->id), c->id, attr);
    char when[DATETIME_TEXT_MAX];
    datetime_format(e->created, a->utc, 0, when);
    draw_cell(y, &x, c->short_time ? when + LIST_YEAR_PREFIX : when, c->time, attr);
    char lname[LEVEL_NAME_MAX];
    const char *std = level_std_name(e->level);
    draw_cell(y, &x, std ? std : level_format(e->level, lname), c->level, attr);
    draw_raw_cell(y, &x, e->app_name, c->app, attr, spill);
    if (c->logger)
        draw_raw_cell(y, &x, e->logger_name, c->logger, attr, spill);
    int msg_w = r->x + r->w - x;
    char text[LIST_MESSAGE_MAX];
    size_t len;
    const char *msg =
        cell_text(text, sizeof text, spill, e->message, msg_w, a->search.has_regex, &len);
    struct draw_range hl[DRAW_MATCH_MAX];
    size_t n_hl = draw_search_ranges(&a->search, msg, len, hl, ARRAY_LEN(hl));
    draw_text_ranges(y, x, msg, len, msg_w, attr, true, hl, n_hl, theme_attr(STYLE_MATCH));
}

void list_draw(struct app *a)
{
    const struct rect *r = &a->list.r;
    if (r->h <= 0 || r->w <= 0)
        return;
    struct buf spill = {0};
    struct columns c;
    list_columns(a, r->w, &c, &spill);
    int64_t rows = store_rows(a->store);
    for (int i = 0; i < r->h; i++) {
        int y = r->y + i;
        int64_t row = a->list.top + i;
        if (row >= rows) {
            draw_fill(y, r->x, r->w, A_NORMAL);
            if (i == 0) {
                /* After the first page failed nothing is loading: say what to do. */
                bool failed = store_failed_pages(a->store) && !store_in_flight(a->store);
                const char *what =
                    store_count(a->store) < 0
                        ? (failed ? "could not load the first page — r retries" : "loading…")
                    : store_is_filtered(a->store) && !store_scan_done(a->store)
                        ? "no matching entries yet, scanning…"
                        : "no entries";
                draw_text(y, r->x + 1, what, strlen(what), r->w - 1, theme_attr(STYLE_PLACEHOLDER),
                          false);
            }
            continue;
        }
        bool selected = row == a->list.sel;
        const struct log_entry *e = store_row(a->store, row);
        if (e) {
            list_draw_entry(a, y, e, selected && !a->focus_detail, &c, &spill);
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
    buf_free(&spill);
}

unsigned list_handle(struct app *a, enum action act)
{
    struct list_pane *l = &a->list;
    int64_t old_sel = l->sel, old_top = l->top, sel = l->sel, last = store_rows(a->store) - 1;
    int64_t step;
    if (!move_apply(act, &sel, last, l->r.h, &step))
        return REACT_IGNORED;
    /* A page or half a page moves the view along with the selection. */
    if (act != ACT_DOWN && act != ACT_UP)
        move_apply(act, &l->top, last, l->r.h, NULL);
    /* The way the user is heading, for prefetching: also at either end. */
    l->last_dir = (step ? step : sel - old_sel) < 0 ? -1 : 1;
    app_select(a, sel, false);
    return l->sel != old_sel || l->top != old_top ? REACT_CHANGED : REACT_HANDLED;
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
