/* summary.c — S: what is failing most? Counts of the loaded entries (of a
 * file: all of them, counted between keys by source_summary_step) under the
 * current filters per level, app and exception type, most frequent first;
 * Enter on a line narrows the list to it. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/datetime.h"
#include "omslog/filesrc.h"
#include "omslog/sanitize.h"

#define SUMMARY_COUNT_W 9

enum summary_section { SUM_LEVELS, SUM_APPS, SUM_EXCEPTIONS, SUM_SECTIONS };

static const char *const summary_titles[SUM_SECTIONS] = {
    "Levels", "Apps", "Exception types (last line of the trace)"};

static void section_items(struct store_summary *s, int sec, struct store_count_item **items,
                          size_t *n)
{
    if (sec == SUM_LEVELS)
        *items = s->levels, *n = s->n_levels;
    else if (sec == SUM_APPS)
        *items = s->apps, *n = s->n_apps;
    else
        *items = s->exceptions, *n = s->n_exceptions;
}

static size_t summary_items(struct store_summary *s)
{
    return s->n_levels + s->n_apps + s->n_exceptions;
}

/* The selectable item number i as (section, index). */
static void summary_item(struct store_summary *s, size_t i, int *sec, size_t *idx)
{
    for (int k = 0; k < SUM_SECTIONS; k++) {
        struct store_count_item *items;
        size_t n;
        section_items(s, k, &items, &n);
        if (i < n) {
            *sec = k;
            *idx = i;
            return;
        }
        i -= n;
    }
    *sec = SUM_SECTIONS;
    *idx = 0;
}

void summary_open(struct app *a)
{
    summary_close(a);
    source_summary(a, &a->summary.sum);
    a->summary.loaded = true;
    a->summary.exact = false;
    a->summary.sel = 0;
    a->summary.top = 0;
    app_mode_push(a, MODE_SUMMARY);
    serverview_summary_start(a);
}

void summary_close(struct app *a)
{
    serverview_summary_cancel(a);
    source_summary_stop(a);
    if (a->summary.loaded)
        store_summary_free(&a->summary.sum);
    a->summary.loaded = false;
    app_mode_pop(a, MODE_SUMMARY);
}

/* Rows for the sections below the title. */
static size_t summary_body(const struct app *a)
{
    return a->rows - 2 > 1 ? (size_t)(a->rows - 3) : 1;
}

/* What a summary that is not the server's exact one counts: a file's
 * counts every entry of it, the server's the entries the cache holds. */
static const char *summary_what(const struct app *a)
{
    return a->file ? "entries of the file" : "loaded entries";
}

/* What the counts cover, on the Levels title line (which has the room):
 * exact over the whole view (the server counted), else exactly which
 * loaded entries. */
static void summary_coverage(struct app *a, struct buf *out)
{
    const struct summary_pane *sp = &a->summary;
    char n[32], t1[DATETIME_TEXT_MAX], t2[DATETIME_TEXT_MAX];
    if (sp->exact) {
        buf_printf(out, " — levels and apps: exact counts of all %s entries",
                   draw_count(sp->exact_total, n));
        if (serverview_active(a)) {
            buf_appends(out, " (");
            serverview_describe(a, out);
            buf_appends(out, ")");
        }
        buf_appends(out, "; exception types: loaded entries only");
        return;
    }
    if (sp->sum.total == 0)
        return;
    buf_printf(out, " — %s %s, ids %s", draw_count(sp->sum.total, n), summary_what(a),
               draw_count(sp->sum.min_id, t1));
    buf_printf(out, "–%s, ", draw_count(sp->sum.max_id, t1));
    datetime_format(sp->sum.oldest, a->utc, 0, t1);
    datetime_format(sp->sum.newest, a->utc, 0, t2);
    /* The day once when both ends share it: "2023-12-02 09:10:00–10:02:00". */
    size_t day = strlen("YYYY-MM-DD ");
    bool same_day = strncmp(t1, t2, day) == 0;
    buf_printf(out, "%s–%s", t1, same_day ? t2 + day : t2);
    if (sp->counting)
        buf_appends(out, " (the server is counting the whole view…)");
}

/* A file's count in progress: how far it is, and how to stop it. */
static void summary_draw_counting(struct app *a)
{
    const struct summary_pane *sp = &a->summary;
    char title[160], n[32], m[32];
    snprintf(title, sizeof title, " Summary of the file%s — counting… %s of %s entries — q stops",
             filter_is_active(&a->filter) ? " (filtered)" : "", draw_count(sp->file_counted, n),
             draw_count(filesrc_count(a->file), m));
    draw_text(1, 0, title, strlen(title), a->cols, theme_attr(STYLE_TITLE), true);
    for (int y = 2; y <= a->rows - 2; y++)
        draw_fill(y, 0, a->cols, A_NORMAL);
}

/* The title line: what the counts cover and what Enter does on the
 * selected line (summary_choose): an exception type is not a view filter,
 * so Enter searches for it. */
static void summary_draw_title(struct app *a, int y)
{
    struct summary_pane *sp = &a->summary;
    char title[160], n[32];
    int sec = SUM_LEVELS;
    size_t idx;
    if (summary_items(&sp->sum))
        summary_item(&sp->sum, sp->sel, &sec, &idx);
    bool filtered = store_is_filtered(a->store) || serverview_active(a);
    if (sp->exact)
        snprintf(title, sizeof title, " Summary of all %s entries (%sexact) — Enter %s, q closes",
                 draw_count(sp->exact_total, n), filtered ? "filtered, " : "",
                 sec == SUM_EXCEPTIONS ? "searches" : "filters");
    else
        snprintf(title, sizeof title, " Summary of %s %s%s — Enter %s, q closes",
                 draw_count(sp->sum.total, n), summary_what(a), filtered ? " (filtered)" : "",
                 sec == SUM_EXCEPTIONS ? "searches" : "filters");
    draw_text(y, 0, title, strlen(title), a->cols, theme_attr(STYLE_TITLE), true);
}

/* Keep the selection on screen: lines = items + section titles. */
static void summary_scroll(struct app *a)
{
    struct summary_pane *sp = &a->summary;
    size_t sel_line = sp->sel + 1, before = 0;
    for (int k = 0; k < SUM_SECTIONS; k++) {
        struct store_count_item *items;
        size_t cnt;
        section_items(&sp->sum, k, &items, &cnt);
        if (sp->sel >= before && sp->sel < before + cnt)
            sel_line = sp->sel + (size_t)k + 1;
        before += cnt;
    }
    size_t body = summary_body(a);
    if (sel_line < sp->top)
        sp->top = sel_line;
    if (sel_line >= sp->top + body)
        sp->top = sel_line - body + 1;
}

/* The sections from line sp->top, drawn from row y down to row h; returns
 * the next row. */
static int summary_draw_sections(struct app *a, int y, int h)
{
    struct summary_pane *sp = &a->summary;
    char n[32];
    size_t line = 0, item = 0;
    struct buf tmp = {0}, row = {0};
    for (int k = 0; k < SUM_SECTIONS; k++) {
        struct store_count_item *items;
        size_t cnt;
        section_items(&sp->sum, k, &items, &cnt);
        /* Exception types are never counted by the server. */
        buf_reset(&tmp);
        buf_appends(&tmp, sp->exact && k == SUM_EXCEPTIONS
                              ? "Exception types (loaded entries only)"
                              : summary_titles[k]);
        if (k == SUM_LEVELS)
            summary_coverage(a, &tmp);
        if (line >= sp->top && y <= h)
            draw_text(y++, 0, tmp.data, tmp.len, a->cols, theme_attr(STYLE_LABEL) | A_BOLD, true);
        line++;
        for (size_t i = 0; i < cnt; i++, item++, line++) {
            if (line < sp->top || y > h)
                continue;
            draw_sanitize(&tmp, items[i].key, SANITIZE_ONE_LINE);
            buf_reset(&row);
            buf_printf(&row, "  %*s  %s", SUMMARY_COUNT_W, draw_count(items[i].n, n),
                       buf_str(&tmp));
            attr_t attr =
                k == SUM_LEVELS ? theme_attr(theme_level_style(items[i].level)) : A_NORMAL;
            if (item == sp->sel)
                attr |= A_REVERSE;
            draw_text(y++, 0, row.data, row.len, a->cols, attr, true);
        }
    }
    buf_free(&tmp);
    buf_free(&row);
    return y;
}

void summary_draw(struct app *a)
{
    if (source_summary_pending(a)) {
        summary_draw_counting(a);
        return;
    }
    int h = a->rows - 2;
    summary_draw_title(a, 1);
    summary_scroll(a);
    int y = summary_draw_sections(a, 2, h);
    if (a->summary.sum.total == 0 && y <= h) {
        const char *none = "  nothing loaded yet";
        draw_text(y++, 0, none, strlen(none), a->cols, theme_attr(STYLE_PLACEHOLDER), true);
    }
    for (; y <= h; y++)
        draw_fill(y, 0, a->cols, A_NORMAL);
}

static void summary_choose(struct app *a)
{
    struct summary_pane *sp = &a->summary;
    int sec;
    size_t idx;
    summary_item(&sp->sum, sp->sel, &sec, &idx);
    struct store_count_item *items;
    size_t n;
    section_items(&sp->sum, sec, &items, &n);
    if (sec < SUM_SECTIONS && idx < n && items[idx].other) {
        app_message(a, MSG_INFO, "the other entries are not one %s: nothing to filter by",
                    sec == SUM_LEVELS ? "level" : "app");
        return;
    }
    if (sec == SUM_LEVELS) {
        a->filter.min_level = FILTER_LEVEL_NONE;
        a->filter.exact_level = sp->sum.levels[idx].level;
        summary_close(a);
        app_set_filter(a);
    } else if (sec == SUM_APPS) {
        filter_clear_apps(&a->filter);
        filter_add_app(&a->filter, sp->sum.apps[idx].key);
        summary_close(a);
        app_set_filter(a);
    } else if (sec == SUM_EXCEPTIONS) {
        struct omslog_error err = {0};
        /* Exception types are not a view filter: search for them instead. */
        if (filter_set_search(&a->search, sp->sum.exceptions[idx].key, true, &err) == 0) {
            summary_close(a);
            app_select(a, 0, false);
            app_start_find(a, FIND_SEARCH, 1);
        } else {
            app_message(a, MSG_ERROR, "%s", err.msg);
        }
    }
}

unsigned summary_handle(struct app *a, const struct input *in)
{
    struct summary_pane *sp = &a->summary;
    size_t n = summary_items(&sp->sum);
    switch (in->act) {
    case ACT_FOCUS:
        if (!n)
            return REACT_HANDLED;
        summary_choose(a);
        return REACT_CHANGED;
    case ACT_QUIT:
    case ACT_BACK:
    case ACT_SUMMARY:
        summary_close(a);
        return REACT_CHANGED;
    default:
        break;
    }
    int64_t sel = (int64_t)sp->sel;
    if (!move_apply(in->act, &sel, (int64_t)n - 1, (int64_t)summary_body(a), NULL) ||
        (size_t)sel == sp->sel)
        return REACT_HANDLED; /* the summary keeps every other key from the panes below */
    sp->sel = (size_t)sel;
    return REACT_CHANGED;
}
