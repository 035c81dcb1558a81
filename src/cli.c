/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/util.h"

#define CLI_DEFAULT_WIDTH 120
#define CLI_MAX_STEP_BACKS 100 /* bound on re-reading pages after the log shrank */
#define CLI_WAIT_SLICE_MS 1000

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

/* One page in the pipeline: requested, then held until its turn. */
struct cli_slot {
    long page;
    int id;
    bool done;
    struct api_result res;
};

struct cli_pipeline {
    struct api *api;
    long page_size;
    struct cli_slot *slots;
    size_t n, cap;
};

static int cli_submit(struct cli_pipeline *pl, long page, struct omslog_error *err)
{
    int id = api_request_page(pl->api, page, pl->page_size, NULL, 0, NULL, err);
    if (id < 0)
        return err->status ? (int)err->status : OMSLOG_ERR_INTERNAL;
    pl->slots[pl->n++] = (struct cli_slot){.page = page, .id = id};
    return OMSLOG_OK;
}

static void cli_drop_all(struct cli_pipeline *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        if (pl->slots[i].done)
            api_result_free(&pl->slots[i].res);
        else
            api_cancel(pl->api, pl->slots[i].id);
    }
    pl->n = 0;
}

/* Block until the request for `page` has finished; move its result to *out. */
static void cli_await(struct cli_pipeline *pl, long page, struct api_result *out)
{
    for (;;) {
        for (size_t i = 0; i < pl->n; i++) {
            if (pl->slots[i].page == page && pl->slots[i].done) {
                *out = pl->slots[i].res;
                pl->slots[i] = pl->slots[--pl->n];
                return;
            }
        }
        struct api_result r;
        bool got = false;
        while (api_poll(pl->api, &r)) {
            got = true;
            bool kept = false;
            for (size_t i = 0; i < pl->n && !kept; i++)
                if (pl->slots[i].id == r.id && !pl->slots[i].done) {
                    pl->slots[i].res = r;
                    pl->slots[i].done = true;
                    kept = true;
                }
            if (!kept)
                api_result_free(&r);
        }
        if (!got)
            api_wait(pl->api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
    }
}

static bool cli_in_pipeline(const struct cli_pipeline *pl, long page)
{
    for (size_t i = 0; i < pl->n; i++)
        if (pl->slots[i].page == page)
            return true;
    return false;
}

/* Walk pages from o->page, newest first, writing matching entries in order.
 * Once the first page tells the page count, up to cfg->parallel pages are in
 * flight at once; output order stays exact. The log may grow or shrink while
 * we walk: growth pushes entries we have already seen onto the next page
 * (skipped: ids only go down), shrinking pulls unseen entries onto pages we
 * have passed (we step back and re-read). */
int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err)
{
    bool one_page = o->page_given && !o->all && o->limit == 0;
    long limit = o->all ? 0 : (o->limit ? o->limit : (one_page ? 0 : CLI_DEFAULT_LIMIT));
    bool progress = isatty(STDERR_FILENO) && !one_page && (o->all || limit > 0);
    long parallel = cfg->parallel > 0 ? cfg->parallel : 1;
    if (one_page)
        parallel = 1;
    struct cli_pipeline pl = {.api = api, .page_size = cfg->page_size,
                              .slots = xcalloc((size_t)parallel, sizeof(struct cli_slot)),
                              .cap = (size_t)parallel};
    struct format_writer w;
    format_begin(&w, o->format, out, cli_terminal_width(out), cfg->utc);

    long first = o->page > 0 ? o->page : 1;
    long page = first;      /* next page to write out */
    long next_req = first;  /* next page to request */
    long last_page = 0;     /* last page by the latest count; 0: not known yet */
    int64_t prev_count = -1, last_id = 0;
    bool have_last = false;
    long per_page = 0, step_backs = 0;
    int rc = OMSLOG_OK;
    for (;;) {
        /* Fill the pipeline: only the first page until the page count is known. */
        while (pl.n < pl.cap && (next_req == page || (last_page && next_req <= last_page))) {
            if (cli_in_pipeline(&pl, next_req)) {
                next_req++;
                continue;
            }
            if ((rc = cli_submit(&pl, next_req, err)) != OMSLOG_OK)
                goto out;
            next_req++;
            if (one_page)
                break;
        }
        struct api_result res;
        cli_await(&pl, page, &res);
        if (res.err.status != OMSLOG_OK) {
            rc = res.err.status;
            if (rc == OMSLOG_ERR_NOT_FOUND && page > first && prev_count >= 0)
                rc = OMSLOG_OK; /* the log shrank under us: this was the end */
            else if (err)
                *err = res.err;
            api_result_free(&res);
            break;
        }
        struct log_page *p = &res.page;
        if (per_page == 0 && p->next)
            per_page = (long)p->n;
        if (prev_count >= 0 && p->count < prev_count && step_backs < CLI_MAX_STEP_BACKS &&
            page > 1) {
            int64_t gone = prev_count - p->count;
            long size = per_page > 0 ? per_page : 1;
            long back = (long)((gone + size - 1) / size);
            cli_drop_all(&pl);
            page = page - back < 1 ? 1 : page - back;
            next_req = page;
            prev_count = p->count;
            step_backs++;
            api_result_free(&res);
            continue;
        }
        prev_count = p->count;
        if (!p->next)
            last_page = page;
        else if (per_page > 0)
            last_page = (long)((p->count + per_page - 1) / per_page);
        bool done = false;
        for (size_t i = 0; i < p->n && !done; i++) {
            const struct log_entry *e = &p->entries[i];
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
        cli_progress(progress, page, p->count, per_page, w.count);
        bool last = !p->next || p->n == 0;
        api_result_free(&res);
        if (done || last || one_page)
            break;
        page++;
        if (next_req < page)
            next_req = page;
    }
out:
    cli_drop_all(&pl);
    free(pl.slots);
    cli_progress_done(progress);
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
