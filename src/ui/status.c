/* status.c — the header line (server, count, filters, follow) and the status
 * line (position, loading, progress, the last message or error). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "omslog/sanitize.h"

#define PERCENT 100

void status_draw_header(struct app *a)
{
    struct buf line = {0}, flt = {0};
    char n[32];
    buf_printf(&line, " omslog  %s  ", a->host);
    if (store_count(a->store) >= 0)
        buf_printf(&line, "%s logs", draw_count(store_count(a->store), n));
    else
        buf_appends(&line, "connecting…");
    filter_describe(&a->filter, &flt);
    if (flt.len)
        buf_printf(&line, "  filter: %s", flt.data);
    if (a->search.search) {
        buf_reset(&flt);
        sanitize_append(&flt, a->search.search, strlen(a->search.search), SANITIZE_ONE_LINE);
        buf_printf(&line, "  search: /%s/", flt.data);
    }
    if (a->follow)
        buf_printf(&line, "  [FOLLOW %lds]", a->cfg->follow_s);
    if (a->utc)
        buf_appends(&line, "  UTC");
    draw_text(0, 0, line.data, line.len, a->cols, theme_attr(STYLE_BAR) | A_BOLD, true);
    buf_free(&line);
    buf_free(&flt);
}

void status_draw_footer(struct app *a)
{
    int y = a->rows - 1;
    if (a->prompt.active) {
        prompt_draw(a);
        return;
    }
    struct buf left = {0};
    char n1[32], n2[32];
    int64_t rows = store_rows(a->store);
    if (store_is_filtered(a->store)) {
        int64_t scanned, total;
        store_scan_progress(a->store, &scanned, &total);
        buf_printf(&left, " row %s of %s matching", draw_count(rows ? a->list.sel + 1 : 0, n1),
                   draw_count(rows, n2));
        if (!store_scan_done(a->store))
            buf_printf(&left, " (scanned %d%%)",
                       total ? (int)(scanned * PERCENT / total) : 0);
    } else if (store_count(a->store) >= 0) {
        buf_printf(&left, " row %s of %s", draw_count(rows ? a->list.sel + 1 : 0, n1),
                   draw_count(rows, n2));
    } else {
        buf_appends(&left, " connecting…");
    }
    if (store_in_flight(a->store))
        buf_printf(&left, " │ loading %zu page%s", store_in_flight(a->store),
                   store_in_flight(a->store) == 1 ? "" : "s");
    if (store_inconsistent(a->store))
        buf_appends(&left, " │ the server's pages contradict each other (r reloads)");
    if (a->find.active)
        buf_appends(&left, " │ searching…");
    if (a->message[0]) {
        buf_appends(&left, " │ ");
        sanitize_append(&left, a->message, strlen(a->message), SANITIZE_ONE_LINE);
    }
    const char *right = " ? help ";
    int rw = (int)strlen(right);
    attr_t attr = theme_attr(a->message_error ? STYLE_BAR_ERROR : STYLE_BAR);
    int lw = a->cols - rw > 0 ? a->cols - rw : a->cols;
    draw_text(y, 0, left.data, left.len, lw, attr, true);
    if (a->cols > rw)
        draw_text(y, lw, right, (size_t)rw, rw, theme_attr(STYLE_BAR), true);
    buf_free(&left);
}
