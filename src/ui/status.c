/* status.c — the header line (server, count, filters, follow) and the status
 * line (position, loading, progress, the last message or error). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/format.h"
#include "omslog/marks.h"
#include "omslog/sanitize.h"
#include "omslog/wrap.h"

#define PERCENT 100
#define STATUS_BOX_LINES 3
#define STATUS_BOX_INDENT 1
/* Below this the box would cover most of the list: the status line alone. */
#define STATUS_BOX_MIN_ROWS 10
#define STATUS_BOX_MIN_COLS 20

/* The first page failed and nothing is being tried any more: saying
 * "connecting…" then would promise something that is not happening. */
static bool status_first_page_failed(const struct app *a)
{
    return store_count(a->store) < 0 && store_failed_pages(a->store) > 0 &&
           store_in_flight(a->store) == 0;
}

void status_draw_header(struct app *a)
{
    struct buf *line = &a->status_line, *flt = &a->status_aux;
    buf_reset(line);
    buf_reset(flt);
    char n[32];
    buf_appends(line, " omslog  ");
    /* The profile in use, always named; a production one stands out in the
     * warning colour, drawn over the bar below. */
    size_t profile_at = line->len, profile_len = 0;
    if (a->cfg->profile && !a->file) { /* a file's entries are not that server's */
        sanitize_append(line, a->cfg->profile, strlen(a->cfg->profile), SANITIZE_ONE_LINE);
        if (a->cfg->production)
            buf_appends(line, " PRODUCTION");
        profile_len = line->len - profile_at;
        buf_appends(line, "  ");
    }
    source_describe(a, line);
    buf_appends(line, "  ");
    bool server = serverview_active(a);
    /* The server's count is exact for its part; what the client filters on
     * top is known exactly only once scanned. */
    bool partial = server && store_is_filtered(a->store) && !store_scan_done(a->store);
    if (store_count(a->store) >= 0 && server)
        buf_printf(line, "%s%s matching", partial ? "at most " : "",
                   draw_count(partial || !store_is_filtered(a->store) ? store_count(a->store)
                                                                      : store_rows(a->store),
                              n));
    else if (store_count(a->store) >= 0)
        buf_printf(line, "%s logs", draw_count(store_count(a->store), n));
    else
        buf_appends(line, status_first_page_failed(a) ? "not connected" : "connecting…");
    if (server)
        serverview_describe(a, flt);
    else
        filter_describe(&a->filter, flt);
    if (flt->len)
        buf_printf(line, "  %s%s", server ? "" : "filter: ", flt->data);
    if (a->search.search) {
        buf_reset(flt);
        sanitize_append(flt, a->search.search, strlen(a->search.search), SANITIZE_ONE_LINE);
        buf_printf(line, "  search: /%s/", flt->data);
    }
    if (a->follow)
        buf_printf(line, "  [FOLLOW %lds]", a->cfg->follow_s);
    if (a->follow && a->follow_new > 0) /* scrolled away from them: g goes there */
        buf_printf(line, "  +%s new", draw_count(a->follow_new, n));
    if (a->utc)
        buf_appends(line, "  UTC");
    draw_text(0, 0, line->data, line->len, a->cols, theme_attr(STYLE_BAR) | A_BOLD, true);
    if (a->cfg->production && profile_len && (int)profile_at < a->cols)
        draw_text(0, (int)profile_at, line->data + profile_at, profile_len,
                  a->cols - (int)profile_at, theme_attr(STYLE_PRODUCTION), false);
}

/* An error that does not fit on the status line is also shown whole, on up
 * to STATUS_BOX_LINES lines just above it (over the bottom of the panes,
 * until the next key): what failed and what to check are usually at the end
 * of the message, and an 80-column status line would cut exactly that. */
static void status_draw_message_box(struct app *a, const char *msg, size_t len)
{
    if (a->rows < STATUS_BOX_MIN_ROWS || a->cols < STATUS_BOX_MIN_COLS)
        return;
    struct wrap w;
    wrap_init(&w);
    wrap_text(&w, msg, len, a->cols - STATUS_BOX_INDENT, true);
    size_t n = w.n < STATUS_BOX_LINES ? w.n : STATUS_BOX_LINES;
    attr_t attr = theme_attr(STYLE_BAR_ERROR);
    struct buf line = {0};
    for (size_t i = 0; i < n; i++) {
        int y = a->rows - 1 - (int)n + (int)i;
        const struct wrap_line *l = &w.lines[i];
        buf_reset(&line);
        buf_appends(&line, " ");
        /* The last line shown carries the rest, cut with an ellipsis. */
        size_t end = i + 1 == n ? len : l->start + l->len;
        buf_append(&line, msg + l->start, end - l->start);
        draw_text(y, 0, line.data, line.len, a->cols, attr, true);
    }
    buf_free(&line);
    wrap_free(&w);
}

void status_draw_footer(struct app *a)
{
    int y = a->rows - 1;
    struct buf *left = &a->status_line;
    buf_reset(left);
    char n1[32], n2[32];
    int64_t rows = store_rows(a->store);
    if (store_is_filtered(a->store)) {
        int64_t scanned, total;
        store_scan_progress(a->store, &scanned, &total);
        buf_printf(left, " row %s of %s matching", draw_count(rows ? a->list.sel + 1 : 0, n1),
                   draw_count(rows, n2));
        if (!store_scan_done(a->store))
            buf_printf(left, " (scanned %d%%)", total ? (int)(scanned * PERCENT / total) : 0);
    } else if (store_count(a->store) >= 0 && serverview_active(a)) {
        buf_printf(left, " row %s of %s matching", draw_count(rows ? a->list.sel + 1 : 0, n1),
                   draw_count(rows, n2));
    } else if (store_count(a->store) >= 0) {
        buf_printf(left, " row %s of %s", draw_count(rows ? a->list.sel + 1 : 0, n1),
                   draw_count(rows, n2));
    } else if (status_first_page_failed(a)) {
        buf_appends(left, " nothing loaded (r retries)");
    } else {
        buf_appends(left, " connecting…");
    }
    if (a->marks.set && marks_count(a->marks.set))
        buf_printf(left, " │ %zu marked", marks_count(a->marks.set));
    if (store_in_flight(a->store))
        buf_printf(left, " │ loading %zu page%s", store_in_flight(a->store),
                   store_in_flight(a->store) == 1 ? "" : "s");
    if (store_inconsistent(a->store))
        buf_appends(left, " │ the server's pages contradict each other (r reloads)");
    if (a->find.active)
        buf_appends(left, " │ searching…");
    size_t msg_at = 0;
    if (a->message[0]) {
        buf_appends(left, " │ ");
        msg_at = left->len;
        /* Messages quote what servers answered, and a server may echo the
         * Authorization header back: the token is cut out before display. */
        format_redacted(left, a->message, strlen(a->message), a->cfg->token, SANITIZE_ONE_LINE);
    }
    const char *right = " ? help ";
    int rw = (int)strlen(right);
    bool error = a->message_kind != MSG_INFO;
    attr_t attr = theme_attr(error ? STYLE_BAR_ERROR : STYLE_BAR);
    /* A message that does not fit gets the hint's columns too: on an
     * 80-column terminal what to check matters more than where help is. */
    int left_w = text_width(left->data, left->len);
    if (a->cols <= rw || (a->message[0] && left_w > a->cols - rw))
        rw = 0;
    if (a->message[0] && error && left_w > a->cols)
        status_draw_message_box(a, left->data + msg_at, left->len - msg_at);
    int lw = a->cols - rw;
    draw_text(y, 0, left->data, left->len, lw, attr, true);
    if (rw)
        draw_text(y, lw, right, (size_t)rw, rw, theme_attr(STYLE_BAR), true);
}
