/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/util.h"
#include "omslog/walk.h"

#define CLI_DEFAULT_WIDTH 120
#define CLI_WAIT_SLICE_MS 1000
/* Pages held for their turn, per request in flight: enough to ride out a page
 * that takes several times as long as the others (a retry, a slow shard)
 * without bounding memory by anything but the settings. */
#define CLI_HELD_PER_SLOT 4

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

/* The sink of `list`: the walk's pages go to the API, its entries through the
 * filter to the output. */
struct cli_sink {
    struct api *api;
    const struct config *cfg;
    const struct filter *filter;
    struct format_writer *w;
    long limit;         /* matching entries to write, 0: all */
    bool progress;      /* a progress line on stderr (a terminal) */
    bool size_reported; /* the page size the server uses is known */
};

static int cli_request(void *ctx, long page, struct omslog_error *err)
{
    struct cli_sink *c = ctx;
    if (api_room(c->api) <= 0)
        return 0;
    return api_request_page(c->api, page, c->cfg->page_size, err);
}

static void cli_cancel(void *ctx, int ticket)
{
    struct cli_sink *c = ctx;
    api_cancel(c->api, ticket);
}

static bool cli_entry(void *ctx, const struct log_entry *e)
{
    struct cli_sink *c = ctx;
    if (!filter_match(c->filter, e))
        return true;
    format_entry(c->w, e);
    return c->limit <= 0 || (long)c->w->count < c->limit;
}

static void cli_progress(void *ctx, long page, long pages, const struct walk_pager *pg)
{
    struct cli_sink *c = ctx;
    if (!c->size_reported && pg->told) {
        c->size_reported = true;
        if (c->cfg->verbose && c->cfg->page_size > 0 && pg->size != c->cfg->page_size)
            fprintf(stderr, "omslog: the server sends %ld entries a page (asked for %ld)\n",
                    pg->size, c->cfg->page_size);
    }
    if (!c->progress)
        return;
    fprintf(stderr, "\romslog: page %ld of %ld, %zu entries shown\033[K", page, pages,
            c->w->count);
    fflush(stderr);
}

/* Feed the walk what arrives until it ends. */
static int cli_drive(struct api *api, struct walk *wk, struct omslog_error *err)
{
    int rc = walk_start(wk, err);
    while (!walk_done(wk)) {
        bool got = false;
        struct api_result r;
        while (!walk_done(wk) && api_poll(api, &r)) {
            rc = walk_feed(wk, r.id, &r.page, &r.err, err);
            api_result_free(&r);
            got = true;
        }
        if (!got && !walk_done(wk))
            api_wait(api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
    }
    return rc;
}

/* Walk pages from o->page, newest first, writing matching entries in order
 * (walk.h: each id once, pages re-read where the log moved). Once the first
 * page tells the page count, as many pages are in flight as the API allows. */
int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err)
{
    bool one_page = o->page_given && !o->all && o->limit == 0;
    long limit = o->all ? 0 : (o->limit ? o->limit : (one_page ? 0 : CLI_DEFAULT_LIMIT));
    long parallel = cfg->parallel > 0 ? cfg->parallel : 1;
    struct walk_opts wo = {.first_page = o->page > 0 ? o->page : 1,
                           .one_page = one_page,
                           .page_size = cfg->page_size,
                           .max_pages = parallel * (1 + CLI_HELD_PER_SLOT)};
    struct format_writer w;
    format_begin(&w, o->format, out, cli_terminal_width(out), cfg->utc);
    struct cli_sink c = {.api = api,
                         .cfg = cfg,
                         .filter = &o->filter,
                         .w = &w,
                         .limit = limit,
                         .progress = isatty(STDERR_FILENO) && !one_page && (o->all || limit > 0)};
    struct walk_sink sink = {&c, cli_request, cli_cancel, cli_entry, cli_progress};
    struct walk *wk = walk_new(&wo, &sink);
    int rc = cli_drive(api, wk, err);
    long unproven = walk_unproven(wk);
    walk_free(wk);
    if (c.progress)
        fputs("\r\033[K", stderr);
    if (unproven)
        fprintf(stderr,
                "omslog: warning: the log changed faster than the export could follow it; "
                "%ld page%s written without proof that no entry was skipped or repeated\n",
                unproven, unproven == 1 ? "" : "s");
    if (format_end(&w) != 0 && rc == OMSLOG_OK)
        rc = error_set(err, OMSLOG_ERR_IO, "cannot write the output (disk full or closed pipe?)");
    if (rc == OMSLOG_OK && w.count == 0 && o->format == FORMAT_TABLE)
        fprintf(stderr, "omslog: no entries match\n");
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
