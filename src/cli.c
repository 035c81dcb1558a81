/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/util.h"

#define CLI_DEFAULT_WIDTH 120
#define CLI_MAX_STEP_BACKS 100 /* bound on re-reading pages after the log shrank */

static int cli_terminal_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    int64_t v;
    if (cols && parse_int64(cols, &v) == 0 && v > 0 && v < 10000)
        return (int)v;
    return CLI_DEFAULT_WIDTH;
}

static void cli_progress(bool show, long page, int64_t count, long per_page, size_t shown)
{
    if (!show)
        return;
    long pages = per_page > 0 ? (long)((count + per_page - 1) / per_page) : 0;
    fprintf(stderr, "\romslog: page %ld of %ld, %zu entries shown\033[K", page, pages, shown);
    fflush(stderr);
}

static void cli_progress_done(bool show)
{
    if (show)
        fputs("\r\033[K", stderr);
}

/* Walk pages from o->page, newest first, writing matching entries. The log may
 * grow or shrink while we walk: growth pushes entries we have already seen
 * onto the next page (skipped: ids only go down), shrinking pulls unseen
 * entries onto pages we have passed (we step back and re-read). */
int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err)
{
    bool one_page = o->page_given && !o->all && o->limit == 0;
    long limit = o->all ? 0 : (o->limit ? o->limit : (one_page ? 0 : CLI_DEFAULT_LIMIT));
    bool progress = isatty(STDERR_FILENO) && !one_page && (o->all || limit > 0);
    struct format_writer w;
    format_begin(&w, o->format, out, cli_terminal_width(out), cfg->utc);

    long page = o->page > 0 ? o->page : 1;
    int64_t prev_count = -1, last_id = 0;
    bool have_last = false;
    long per_page = 0, step_backs = 0;
    int rc = OMSLOG_OK;
    for (;;) {
        struct log_page p;
        rc = api_get_page(api, page, cfg->page_size, NULL, 0, &p, err);
        if (rc == OMSLOG_ERR_NOT_FOUND && page > (o->page > 0 ? o->page : 1) &&
            prev_count >= 0) {
            rc = OMSLOG_OK; /* the log shrank under us: this was the end */
            break;
        }
        if (rc != OMSLOG_OK)
            break;
        if (per_page == 0 && p.next)
            per_page = (long)p.n;
        if (prev_count >= 0 && p.count < prev_count && step_backs < CLI_MAX_STEP_BACKS &&
            page > 1) {
            int64_t gone = prev_count - p.count;
            long size = per_page > 0 ? per_page : 1;
            long back = (long)((gone + size - 1) / size);
            page = page - back < 1 ? 1 : page - back;
            prev_count = p.count;
            step_backs++;
            log_page_free(&p);
            continue;
        }
        prev_count = p.count;
        bool done = false;
        for (size_t i = 0; i < p.n && !done; i++) {
            const struct log_entry *e = &p.entries[i];
            if (have_last && e->id >= last_id)
                continue; /* seen already: the log grew and shifted it here */
            last_id = e->id;
            have_last = true;
            if (!filter_match(&o->filter, e))
                continue;
            format_entry(&w, e);
            if (limit > 0 && (long)w.count >= limit)
                done = true;
        }
        cli_progress(progress, page, p.count, per_page, w.count);
        bool last = !p.next || p.n == 0;
        log_page_free(&p);
        if (done || last || one_page)
            break;
        page++;
    }
    cli_progress_done(progress);
    if (format_end(&w) != 0 && rc == OMSLOG_OK)
        rc = error_set(err, OMSLOG_ERR_IO, "cannot write the output (disk full or closed pipe?)");
    return rc;
}

int cli_get(struct api *api, const struct config *cfg, int64_t id, enum format_kind format,
            FILE *out, struct omslog_error *err)
{
    struct log_entry e;
    int rc = api_get_entry(api, id, &e, err);
    if (rc != OMSLOG_OK)
        return rc;
    struct format_writer w;
    /* json for one entry is the object itself, not a one-element list. */
    format_begin(&w, format == FORMAT_JSON ? FORMAT_JSONL : format, out, cli_terminal_width(out),
                 cfg->utc);
    format_entry(&w, &e);
    log_entry_free(&e);
    if (format_end(&w) != 0)
        return error_set(err, OMSLOG_ERR_IO, "cannot write the output");
    return OMSLOG_OK;
}
