/* detail.c — the detail pane: the selected entry's metadata on a line or
 * two (id, level, app, logger, time with its UTC offset), the message
 * wrapped, the trace parsed into frames and highlighted (library frames
 * fold, [ and ] move between frames), then its URL. Lines are laid out once
 * per entry and width (and again when wrap, fold or the time zone change). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "omslog/datetime.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/utf8.h"
#include "omslog/trace.h"
#include "omslog/url.h"
#include "omslog/util.h"
#include "omslog/wrap.h"

#define DETAIL_LABEL_W 9
/* strftime's "%z": "+0300", and room for its NUL. */
#define DETAIL_ZONE_LEN 5
#define DETAIL_ZONE_MAX 8
#define DETAIL_INDENT "  "
#define DETAIL_INDENT_W 2
/* Bytes of a line a search highlight is matched against at least. */
#define DETAIL_MATCH_MIN 4096

void detail_init(struct detail_pane *d)
{
    memset(d, 0, sizeof *d);
    d->wrap = true;
    d->fold = false;
}

static void detail_clear(struct detail_pane *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i].text);
    d->n = 0;
    d->n_frames = 0;
}

void detail_free(struct detail_pane *d)
{
    detail_clear(d);
    free(d->lines);
    free(d->frame_lines);
    memset(d, 0, sizeof *d);
}

static void add_line(struct detail_pane *d, const char *s, size_t len, enum style st, int frame)
{
    ARRAY_GROW(d->lines, d->cap, d->n + 1);
    d->lines[d->n++] = (struct dline){xstrndup(s, len), len, st, frame};
}

/* Buffers one layout reuses for every field and line, so that building a
 * pane allocates little beyond the lines it keeps. */
struct detail_scratch {
    struct buf text; /* the sanitised message or trace */
    struct buf line; /* the line being put together */
    struct wrap wrap;
    size_t field_need; /* bytes of a one-line field the pane can show */
};

static void add_field(struct detail_pane *d, struct detail_scratch *sc, const char *label,
                      const char *raw)
{
    buf_reset(&sc->line);
    buf_printf(&sc->line, "%-*s", DETAIL_LABEL_W, label);
    if (raw)
        sanitize_append(&sc->line, raw, draw_raw_prefix(raw, sc->field_need), SANITIZE_ONE_LINE);
    add_line(d, sc->line.data, sc->line.len, STYLE_NORMAL, -1);
}

/* Wrapped lines of s (sanitised, may hold newlines; not sc->line), indented. */
static void add_wrapped(struct detail_pane *d, struct detail_scratch *sc, const char *s,
                        size_t len, int width, bool wrap, enum style st, int frame)
{
    struct wrap *w = &sc->wrap;
    wrap_text(w, s, len, width - DETAIL_INDENT_W, wrap);
    for (size_t i = 0; i < w->n; i++) {
        buf_reset(&sc->line);
        buf_appends(&sc->line, DETAIL_INDENT);
        buf_append(&sc->line, s + w->lines[i].start, w->lines[i].len);
        add_line(d, sc->line.data, sc->line.len, st, frame);
    }
    if (w->n == 0)
        add_line(d, DETAIL_INDENT, DETAIL_INDENT_W, st, frame);
}

static enum style trace_style(enum trace_line_kind k)
{
    switch (k) {
    case TRACE_HEADER:
    case TRACE_CHAIN:
        return STYLE_TRACE_HEADER;
    case TRACE_FRAME:
        return STYLE_TRACE_FRAME;
    case TRACE_CODE:
        return STYLE_TRACE_CODE;
    case TRACE_EXCEPTION:
        return STYLE_TRACE_EXCEPTION;
    default:
        return STYLE_NORMAL;
    }
}

static void add_trace(struct detail_pane *d, struct detail_scratch *sc, const char *raw, int width)
{
    struct buf *text = &sc->text;
    draw_sanitize(text, raw, SANITIZE_KEEP_NEWLINE);
    struct trace t;
    trace_parse(text->data, text->len, &t);
    free(d->frame_lines);
    d->frame_lines = xcalloc(t.n_frames ? t.n_frames : 1, sizeof *d->frame_lines);
    size_t folded = 0;
    for (size_t i = 0; i <= t.n; i++) {
        const struct trace_line *l = i < t.n ? &t.lines[i] : NULL;
        bool fold =
            l && d->fold && l->library && (l->kind == TRACE_FRAME || l->kind == TRACE_CODE);
        if (fold) {
            folded++;
            continue;
        }
        if (folded) {
            char note[96];
            int len = snprintf(note, sizeof note,
                               DETAIL_INDENT "… %zu library line%s folded "
                                             "(f unfolds)",
                               folded, folded == 1 ? "" : "s");
            add_line(d, note, (size_t)len, STYLE_FOLDED, -1);
            folded = 0;
        }
        if (!l)
            break;
        if (l->kind == TRACE_FRAME && l->frame >= 0 && (size_t)l->frame < t.n_frames &&
            d->n_frames < t.n_frames)
            d->frame_lines[d->n_frames++] = d->n;
        add_wrapped(d, sc, text->data + l->start, l->len, width, d->wrap, trace_style(l->kind),
                    l->frame);
    }
    trace_free(&t);
}

/* The entry's time with its UTC offset: "2026-11-26 08:37:11.612911+03:00"
 * in local time, "…Z" in UTC. */
static const char *detail_time(struct log_time t, bool utc, char buf[DATETIME_TEXT_MAX])
{
    datetime_format(t, utc, 1, buf);
    struct tm tm;
    time_t tt = (time_t)t.sec;
    char z[DETAIL_ZONE_MAX];
    size_t n = strlen(buf);
    if (utc || (int64_t)tt != t.sec || !localtime_r(&tt, &tm) ||
        strftime(z, sizeof z, "%z", &tm) != DETAIL_ZONE_LEN ||
        n + DETAIL_ZONE_LEN + 1 >= DATETIME_TEXT_MAX)
        return buf;
    /* "+0300" → "+03:00", as ISO 8601 and DRF write it. */
    snprintf(buf + n, DATETIME_TEXT_MAX - n, "%.3s:%s", z, z + 3);
    return buf;
}

/* One item of the metadata lines: appended to the line being filled, or
 * starting the next when it does not fit on it (an item wider than the pane
 * gets a line of its own, cut when drawn). */
static void add_meta_item(struct detail_pane *d, struct detail_scratch *sc, int *used,
                          const char *text, size_t len, int width, enum style st)
{
    int w = 0;
    text_prefix_for_width(text, len, width + 1, &w);
    if (*used > 0 && *used + 1 + w > width) {
        add_line(d, sc->line.data, sc->line.len, st, -1);
        buf_reset(&sc->line);
        *used = 0;
    }
    if (*used > 0) {
        buf_putc(&sc->line, ' ');
        (*used)++;
    }
    buf_append(&sc->line, text, len);
    *used += w;
}

/* "#5558 ERROR order_service oms.orders.api.views 2026-11-26 08:37:11.612911+03:00"
 * on one line where it fits, else on as few as it takes: the message below
 * it is what the pane is for. */
static void add_meta(struct app *a, struct detail_pane *d, struct detail_scratch *sc,
                     const struct log_entry *e, int width)
{
    char num[32], lname[LEVEL_NAME_MAX], when[DATETIME_TEXT_MAX];
    enum style st = theme_level_style(e->level);
    int used = 0;
    buf_reset(&sc->line);
    int len = snprintf(num, sizeof num, "#%" PRId64, e->id);
    add_meta_item(d, sc, &used, num, (size_t)len, width, st);
    level_format(e->level, lname);
    add_meta_item(d, sc, &used, lname, strlen(lname), width, st);
    const char *raw[] = {e->app_name, e->logger_name};
    for (size_t i = 0; i < ARRAY_LEN(raw); i++) {
        if (!raw[i] || !*raw[i])
            continue;
        buf_reset(&sc->text);
        sanitize_append(&sc->text, raw[i], draw_raw_prefix(raw[i], sc->field_need),
                        SANITIZE_ONE_LINE);
        add_meta_item(d, sc, &used, sc->text.data, sc->text.len, width, st);
    }
    detail_time(e->created, a->utc, when);
    add_meta_item(d, sc, &used, when, strlen(when), width, st);
    add_line(d, sc->line.data, sc->line.len, st, -1);
}

/* The metadata first and compact, then the message, the trace and the URL:
 * a short pane (80x24 stacked) shows the message without Enter. */
static void detail_build(struct app *a, const struct log_entry *e, int width)
{
    struct detail_pane *d = &a->detail;
    detail_clear(d);
    struct detail_scratch sc = {0};
    wrap_init(&sc.wrap);
    /* A field is one line, cut at the pane's width: what lies beyond is
     * never shown (nor matched by a search, see detail_match_text). */
    sc.field_need = draw_cell_bytes(width);
    if (sc.field_need < DETAIL_MATCH_MIN)
        sc.field_need = DETAIL_MATCH_MIN;
    add_meta(a, d, &sc, e, width);
    add_line(d, "Message", strlen("Message"), STYLE_LABEL, -1);
    draw_sanitize(&sc.text, e->message, SANITIZE_KEEP_NEWLINE);
    add_wrapped(d, &sc, sc.text.data, sc.text.len, width, d->wrap, STYLE_NORMAL, -1);
    if (e->trace && *e->trace) {
        add_line(d, "", 0, STYLE_NORMAL, -1);
        add_line(d, "Trace", strlen("Trace"), STYLE_LABEL, -1);
        add_trace(d, &sc, e->trace, width);
    } else {
        d->n_frames = 0;
    }
    add_line(d, "", 0, STYLE_NORMAL, -1);
    const char *endpoint = source_endpoint(a);
    char *url = endpoint ? url_entry(endpoint, e->id) : NULL;
    add_field(d, &sc, "URL", url ? url : "none (the entry is from a file)");
    free(url);
    buf_free(&sc.text);
    buf_free(&sc.line);
    wrap_free(&sc.wrap);
    d->built_width = width;
    d->built_wrap = d->wrap;
    d->built_fold = d->fold;
    d->built_utc = a->utc;
}

/* Lines of text below the title, and the top line that shows the last. */
static size_t detail_body(const struct detail_pane *d)
{
    return d->r.h > 1 ? (size_t)d->r.h - 1 : 1;
}

static size_t detail_max_top(const struct detail_pane *d)
{
    size_t body = detail_body(d);
    return d->n > body ? d->n - body : 0;
}

/* Lay out again when the entry, the width or a display option changed. */
static void detail_sync(struct app *a)
{
    struct detail_pane *d = &a->detail;
    const struct log_entry *e = app_selected(a);
    int width = d->r.w;
    if (!e) {
        if (d->id != 0) {
            detail_clear(d);
            d->id = 0;
            d->top = 0;
        }
        return;
    }
    if (e->id != d->id)
        d->top = 0;
    if (e->id != d->id || width != d->built_width || d->wrap != d->built_wrap ||
        d->fold != d->built_fold || a->utc != d->built_utc) {
        d->id = e->id;
        detail_build(a, e, width);
    }
    if (d->top > detail_max_top(d))
        d->top = detail_max_top(d);
}

/* What a line's search highlight is matched against: no more of it than the
 * pane shows (and at least DETAIL_MATCH_MIN bytes, most lines whole), so a
 * search over a huge unwrapped line costs what fits on the screen. */
static const char *detail_match_text(const struct dline *l, int w, struct buf *spill)
{
    size_t need = draw_cell_bytes(w);
    if (need < DETAIL_MATCH_MIN)
        need = DETAIL_MATCH_MIN;
    if (l->len <= need)
        return l->text;
    buf_reset(spill);
    buf_append(spill, l->text, utf8_prefix(l->text, l->len, need));
    return buf_str(spill);
}

void detail_draw(struct app *a)
{
    struct detail_pane *d = &a->detail;
    if (d->r.h <= 0 || d->r.w <= 0)
        return;
    detail_sync(a);
    const struct log_entry *e = app_selected(a);
    char title[160];
    if (e) {
        char lname[LEVEL_NAME_MAX];
        size_t body = detail_body(d);
        size_t last = d->top + body < d->n ? d->top + body : d->n;
        snprintf(title, sizeof title, " log %" PRId64 " %s — lines %zu-%zu of %zu%s%s%s", e->id,
                 level_format(e->level, lname), d->n ? d->top + 1 : 0, last, d->n,
                 d->fold ? " [folded]" : "", d->wrap ? "" : " [nowrap]",
                 a->focus_detail ? "" : "  (Enter: focus)");
    } else {
        snprintf(title, sizeof title, " %s",
                 store_rows(a->store) ? "loading…" : "no entry selected");
    }
    attr_t tattr = theme_attr(STYLE_TITLE) | (a->focus_detail ? A_BOLD : 0);
    draw_text(d->r.y, d->r.x, title, strlen(title), d->r.w, tattr, true);
    struct buf spill = {0};
    for (int i = 1; i < d->r.h; i++) {
        int y = d->r.y + i;
        size_t li = d->top + (size_t)(i - 1);
        if (!e || li >= d->n) {
            draw_fill(y, d->r.x, d->r.w, A_NORMAL);
            continue;
        }
        const struct dline *l = &d->lines[li];
        struct draw_range hl[DRAW_MATCH_MAX];
        const char *match = a->search.has_regex ? detail_match_text(l, d->r.w, &spill) : NULL;
        size_t n_hl =
            match ? draw_search_ranges(&a->search, match, strlen(match), hl, ARRAY_LEN(hl)) : 0;
        draw_text_ranges(y, d->r.x, l->text, l->len, d->r.w, theme_attr(l->style), true, hl, n_hl,
                         theme_attr(STYLE_MATCH));
    }
    buf_free(&spill);
}

static void detail_frame(struct app *a, int dir)
{
    struct detail_pane *d = &a->detail;
    detail_sync(a);
    if (d->n_frames == 0) {
        app_message(a, MSG_INFO, "no trace frames in this entry");
        return;
    }
    /* The frame after (before) the one at the top of the pane. */
    if (dir > 0) {
        for (size_t i = 0; i < d->n_frames; i++)
            if (d->frame_lines[i] > d->top) {
                size_t max_top = detail_max_top(d);
                d->top = d->frame_lines[i] < max_top ? d->frame_lines[i] : max_top;
                return;
            }
    } else {
        for (size_t i = d->n_frames; i-- > 0;)
            if (d->frame_lines[i] < d->top) {
                d->top = d->frame_lines[i];
                return;
            }
    }
    app_message(a, MSG_INFO, dir > 0 ? "last frame" : "first frame");
}

/* Keys for the detail pane: its toggles and frame moves always, scrolling
 * and leaving only while it has the focus. */
unsigned detail_handle(struct app *a, enum action act)
{
    struct detail_pane *d = &a->detail;
    switch (act) {
    case ACT_NEXT_FRAME:
    case ACT_PREV_FRAME:
        detail_frame(a, act == ACT_NEXT_FRAME ? 1 : -1);
        return REACT_CHANGED;
    case ACT_FOLD:
        d->fold = !d->fold;
        app_message(a, MSG_INFO, d->fold ? "library frames folded" : "library frames shown");
        return REACT_CHANGED;
    case ACT_WRAP:
        d->wrap = !d->wrap;
        app_message(a, MSG_INFO, d->wrap ? "wrapping long lines" : "not wrapping long lines");
        return REACT_CHANGED;
    default:
        break;
    }
    if (!a->focus_detail)
        return REACT_IGNORED;
    if (act == ACT_FOCUS || act == ACT_BACK || act == ACT_QUIT) {
        a->focus_detail = false;
        a->zoom = false;
        return REACT_CHANGED;
    }
    int64_t top = (int64_t)d->top;
    if (!move_apply(act, &top, (int64_t)detail_max_top(d), (int64_t)detail_body(d), NULL))
        return REACT_IGNORED;
    if ((size_t)top == d->top)
        return REACT_HANDLED;
    d->top = (size_t)top;
    return REACT_CHANGED;
}
