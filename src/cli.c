/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/util.h"

#define CLI_DEFAULT_WIDTH 120
/* Re-reads allowed beyond one per page written: a server whose counts make
 * no sense must not keep us re-reading forever. */
#define CLI_MAX_REREADS 100
#define CLI_WAIT_SLICE_MS 1000
/* Pages in a row that bring no entry not already written before `list --all`
 * gives up: the log grows by a page or more between requests, so the walk
 * would never get further down. */
#define CLI_MAX_STALLED_PAGES 100

/* Pages of size entries that count entries fill; no overflow whatever count a
 * server claims (count >= 0, size > 0). */
static long cli_pages_for(int64_t count, long size)
{
    return (long)(count / size + (count % size != 0));
}

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

/* The pipeline of `list`: pages [head, next) have been requested, page head is
 * the next to write. Each lives in ring[page % cap] until written. Finished
 * pages that wait for an earlier one ("held") do not count against the
 * requests in flight, or one slow page would idle every slot behind it (the
 * head-of-line blocking that the default of 4 in flight cannot afford); the
 * ring's size bounds them, and so the memory. `reread` is one earlier page
 * asked for again because the log moved (see cli_list); it goes before the
 * head. */
struct cli_slot {
    int id;
    bool done;
    long seq; /* the order it arrived in: the later, the newer the log it saw */
    struct api_result res;
};

struct cli_pipeline {
    struct api *api;
    long page_size;
    long parallel;    /* requests in flight, at most (the re-read included) */
    struct cli_slot *ring;
    long cap;         /* pages in the ring (in flight + held), at most */
    long head, next;
    long in_flight;
    long last_page;   /* by the latest count; 0: not known, only the head may go */
    bool one_page;
    struct cli_slot reread;
    long reread_page; /* 0: none */
    bool reread_sent;
    int64_t latest_count; /* of the page that arrived last: the best guess of now */
    long seq;             /* pages arrived */
};

/* Finished pages held for their turn, per parallel slot: enough to ride out a
 * page that takes several times as long as the others (a retry, a slow
 * shard) without bounding memory by anything but the settings. */
#define CLI_HELD_PER_SLOT 4

static struct cli_slot *cli_slot(struct cli_pipeline *pl, long page)
{
    return &pl->ring[page % pl->cap];
}

static void cli_slot_drop(struct cli_pipeline *pl, struct cli_slot *s)
{
    if (s->done)
        api_result_free(&s->res);
    else if (s->id > 0) {
        api_cancel(pl->api, s->id);
        pl->in_flight--;
    }
    *s = (struct cli_slot){0};
}

static void cli_reread_drop(struct cli_pipeline *pl)
{
    if (pl->reread_sent)
        cli_slot_drop(pl, &pl->reread);
    pl->reread_page = 0;
    pl->reread_sent = false;
}

static void cli_drop_all(struct cli_pipeline *pl)
{
    for (long pg = pl->head; pg < pl->next; pg++)
        cli_slot_drop(pl, cli_slot(pl, pg));
    pl->next = pl->head;
    cli_reread_drop(pl);
}

static int cli_submit(struct cli_pipeline *pl, long page, struct cli_slot *s,
                      struct omslog_error *err)
{
    int id = api_request_page(pl->api, page, pl->page_size, NULL, 0, NULL, err);
    if (id < 0)
        return -1;
    *s = (struct cli_slot){.id = id};
    pl->in_flight++;
    return 0;
}

/* Request pages while a slot and ring room are free: the head page first if
 * it was dropped to be read again (see cli_list), then the re-read. Returns
 * how many were requested, or -1 with err set. */
static int cli_fill(struct cli_pipeline *pl, struct omslog_error *err)
{
    int n = 0;
    struct cli_slot *head = cli_slot(pl, pl->head);
    if (pl->head < pl->next && head->id == 0 && pl->in_flight < pl->parallel) {
        if (cli_submit(pl, pl->head, head, err) != 0)
            return -1;
        n++;
    }
    if (pl->reread_page && !pl->reread_sent && pl->in_flight < pl->parallel) {
        if (cli_submit(pl, pl->reread_page, &pl->reread, err) != 0)
            return -1;
        pl->reread_sent = true;
        n++;
    }
    while (pl->in_flight < pl->parallel && pl->next - pl->head < pl->cap &&
           (pl->next == pl->head || (!pl->one_page && pl->last_page &&
                                     pl->next <= pl->last_page))) {
        if (cli_submit(pl, pl->next, cli_slot(pl, pl->next), err) != 0)
            return -1;
        pl->next++;
        n++;
    }
    return n;
}

/* Take one finished request into its slot. */
static void cli_store(struct cli_pipeline *pl, struct api_result *r)
{
    struct cli_slot *s = NULL;
    if (pl->reread_sent && pl->reread.id == r->id && !pl->reread.done)
        s = &pl->reread;
    for (long pg = pl->head; !s && pg < pl->next; pg++) {
        struct cli_slot *c = cli_slot(pl, pg);
        if (c->id == r->id && !c->done)
            s = c;
    }
    if (!s) {
        api_result_free(r); /* not ours (cancelled meanwhile) */
        return;
    }
    if (r->err.status == OMSLOG_OK)
        pl->latest_count = r->page.count;
    s->res = *r;
    s->done = true;
    s->seq = ++pl->seq;
    pl->in_flight--;
}

/* Block until *want has finished, requesting further pages as others finish.
 * Returns OMSLOG_OK or the status of a request that could not be made. */
static int cli_await(struct cli_pipeline *pl, const struct cli_slot *want,
                     struct omslog_error *err)
{
    for (;;) {
        int n = cli_fill(pl, err);
        if (n < 0)
            return err && err->status ? (int)err->status : OMSLOG_ERR_INTERNAL;
        bool got = false;
        struct api_result r;
        while (api_poll(pl->api, &r)) {
            cli_store(pl, &r);
            got = true;
        }
        if (want->done)
            return OMSLOG_OK;
        /* A page finished or was requested: refill and drive it before sleeping. */
        if (!got && n == 0)
            api_wait(pl->api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
    }
}

/* Where the output stands: the last id written and, by position counted from
 * the bottom of the log (count - 1 - position, which growth at the top does
 * not change), the index of the entry that should come next. The row, its
 * position from the top, is kept too: a purge of old entries at the bottom
 * changes every bottom index but no row. */
struct cli_mark {
    bool have;
    int64_t last_id;
    int64_t need;       /* bottom index of the next entry */
    int64_t need_count; /* the count of the page that told */
    int64_t row;        /* 0-based row of the last entry written, by need_count */
    long seq;           /* of the page that told */
};

/* Whether page p, whose first entry is at bottom index top by its own count,
 * continues the output without a gap. Proof by ids: an entry already written
 * followed by one that is not means the latter is the true successor (ids only
 * go down, and new entries only arrive at the top). Without such overlap,
 * only an unchanged log proves it: the same count as the page before, and
 * the page starting exactly where that one ended. */
static bool cli_continues(const struct cli_mark *m, const struct log_page *p, int64_t top)
{
    if (!m->have || p->n == 0)
        return true;
    if (p->entries[0].id >= m->last_id)
        return true;
    return top == m->need && p->count == m->need_count;
}

/* Walk pages from o->page, newest first, writing matching entries in order.
 * Once the first page tells the page count, up to cfg->parallel pages are in
 * flight at once; output order stays exact.
 *
 * The log may grow or shrink while we walk, and pages fetched at once reach
 * the server in any order. An entry whose id is not below the last one written
 * has been seen: skipped. A page that cannot be shown to continue the output
 * (cli_continues) stays held while the page that should hold the last entry
 * written is read again (by the latest count; then one page further down or
 * up until it overlaps), so nothing pushed past us is lost and the pages held
 * meanwhile are kept. When the count dropped, the search starts from the row
 * of the last entry written instead (a purge at the bottom moves no row), and
 * a held page older than the page that found the mark is read again. A page
 * gone past the end (404: the log shrank) steps back one page.
 *
 * The page size asked for is cfg->page_size; the real one is learnt from the
 * number of results on the first full page (one with a next link), so a
 * server that ignores or clamps the size asked for is followed as it is. */
int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err)
{
    bool one_page = o->page_given && !o->all && o->limit == 0;
    long limit = o->all ? 0 : (o->limit ? o->limit : (one_page ? 0 : CLI_DEFAULT_LIMIT));
    bool progress = isatty(STDERR_FILENO) && !one_page && (o->all || limit > 0);
    long parallel = cfg->parallel > 0 ? cfg->parallel : 1;
    if (one_page)
        parallel = 1;
    long first = o->page > 0 ? o->page : 1;
    long cap = parallel * (1 + CLI_HELD_PER_SLOT);
    struct cli_pipeline pl = {.api = api, .page_size = cfg->page_size, .parallel = parallel,
                              .ring = xcalloc((size_t)cap, sizeof(struct cli_slot)),
                              .cap = cap, .head = first, .next = first, .one_page = one_page};
    struct format_writer w;
    format_begin(&w, o->format, out, cli_terminal_width(out), cfg->utc);

    struct cli_mark mark = {0};
    long per_page = 0, rereads = 0, written_pages = 0, unproven = 0, stalled = 0;
    long next_reread = 0; /* where to look next when a re-read was all seen */
    long gone_page = 0;     /* the head page that last answered 404 ... */
    int64_t gone_last = 0;  /* ... and the last id written then */
    int rc = OMSLOG_OK;
    for (;;) {
        bool is_reread = pl.reread_page != 0;
        long page = is_reread ? pl.reread_page : pl.head;
        struct cli_slot *slot = is_reread ? &pl.reread : cli_slot(&pl, pl.head);
        if ((rc = cli_await(&pl, slot, err)) != OMSLOG_OK)
            break;
        bool may_reread = rereads < CLI_MAX_REREADS + written_pages;
        struct api_result *res = &slot->res;
        if (res->err.status != OMSLOG_OK) {
            rc = res->err.status;
            bool shrank = rc == OMSLOG_ERR_NOT_FOUND && mark.have && page > 1;
            /* The same head page gone again with nothing written since: the
             * page before was re-read and all seen, so this is the end. */
            bool gone_again = !is_reread && page == gone_page && mark.last_id == gone_last;
            if (!is_reread) {
                gone_page = page;
                gone_last = mark.last_id;
            }
            if (shrank && may_reread && !gone_again) {
                /* The page existed by the count we had: the log shrank since,
                 * and pulled unseen entries onto the page before. */
                if (is_reread) {
                    cli_reread_drop(&pl);
                } else {
                    cli_drop_all(&pl); /* the later pages are gone too */
                    pl.head = pl.next = page;
                }
                pl.reread_page = page - 1;
                rereads++;
                rc = OMSLOG_OK;
                continue;
            }
            if (shrank)
                rc = OMSLOG_OK; /* out of re-reads: take this as the end */
            else if (err)
                *err = res->err;
            break;
        }
        struct log_page *p = &res->page;
        if (per_page == 0 && p->next) {
            per_page = (long)p->n;
            if (cfg->verbose && cfg->page_size > 0 && per_page != cfg->page_size)
                fprintf(stderr, "omslog: the server sends %ld entries a page (asked for %ld)\n",
                        per_page, cfg->page_size);
        }
        long size = per_page > 0 ? per_page : (long)p->n;
        int64_t top = p->count - 1 - (int64_t)(page - 1) * size;
        /* A re-read of page 1 has nothing above it to look at: it is the
         * continuation (ids already written are skipped below). */
        bool top_reread = is_reread && page == 1;
        if (!cli_continues(&mark, p, top) && size > 0 && may_reread && !top_reread) {
            if (!is_reread && slot->seq < mark.seq && p->count != mark.need_count &&
                pl.latest_count == mark.need_count &&
                page == (long)((mark.row + 1) / size) + 1) {
                /* The page that told where we are arrived after this one and
                 * saw another count, so this one is from an older state of
                 * the log (in flight or held when it changed); by the newer
                 * state it is the page that comes next (as after a purge at
                 * the bottom), and nothing newer is known. Looking for the
                 * mark again would find it where it is and never prove this
                 * page, until the re-reads ran out: read this page again.
                 * (With newer entries known, a re-read finds some after the
                 * mark and bridges to the held pages, which a fresh copy of
                 * this one would leave older than it.) */
                cli_slot_drop(&pl, slot);
                rereads++;
                continue;
            }
            long want;
            if (is_reread) {
                want = page - 1; /* it starts below us: look higher */
                cli_reread_drop(&pl);
            } else if (next_reread) {
                want = next_reread;
            } else if (pl.latest_count < mark.need_count) {
                /* The log shrank: most likely retention purged old entries at
                 * the bottom. By bottom index the last entry written would
                 * seem to have moved up by the whole purge (to page 1 if the
                 * purge was big), and the walk down from there costs a
                 * request a page, out of the re-read budget. Its row did not
                 * move, so its page is the place to look; for deletions
                 * above it or growth, the walk below corrects from there. */
                long last_page = cli_pages_for(pl.latest_count, size);
                want = (long)(mark.row / size) + 1;
                if (want > last_page)
                    want = last_page; /* it was purged itself: the end is near */
                if (want < 1)
                    want = 1;
            } else {
                /* The page that holds the last entry written, by the latest count. */
                int64_t pos = pl.latest_count - 1 - (mark.need + 1);
                want = (long)((pos > 0 ? pos : 0) / size) + 1;
            }
            next_reread = 0;
            pl.reread_page = want;
            rereads++;
            continue; /* a held head page stays held */
        }
        if (!cli_continues(&mark, p, top) && !top_reread)
            unproven++; /* out of re-reads: written without proof */
        if (!p->next)
            pl.last_page = page;
        else if (per_page > 0)
            pl.last_page = cli_pages_for(p->count, per_page);
        bool done = false;
        int64_t last_before = mark.have ? mark.last_id : INT64_MAX;
        for (size_t i = 0; i < p->n && !done; i++) {
            const struct log_entry *e = &p->entries[i];
            if (mark.have && e->id >= mark.last_id)
                continue; /* seen already: the log grew and shifted it here */
            mark.last_id = e->id;
            mark.have = true;
            if (!filter_match(&o->filter, e))
                continue;
            format_entry(&w, e);
            if (limit > 0 && (long)w.count >= limit)
                done = true;
        }
        if (is_reread || p->n == 0 || !p->next || mark.last_id < last_before)
            stalled = 0;
        else if (++stalled >= CLI_MAX_STALLED_PAGES) {
            rc = error_set(err, OMSLOG_ERR_TIMEOUT,
                           "the log grows faster than it can be read: %d pages in a row brought "
                           "no entry not already written (a page or more of new entries per "
                           "request); stopped",
                           CLI_MAX_STALLED_PAGES);
            break;
        }
        if (p->n > 0 && p->entries[p->n - 1].id <= mark.last_id) {
            /* The page reaches the last entry written: it tells where we are. */
            mark.need = top - (int64_t)p->n;
            mark.need_count = p->count;
            mark.row = (int64_t)(page - 1) * size + (int64_t)p->n - 1;
            mark.seq = slot->seq;
            next_reread = 0;
        } else if (is_reread && p->n > 0) {
            next_reread = page + 1; /* all of it above us: look further down */
        }
        cli_progress(progress, page, p->count, per_page, w.count);
        bool last = !p->next || p->n == 0;
        if (is_reread) {
            cli_reread_drop(&pl);
        } else {
            cli_slot_drop(&pl, slot);
            pl.head++;
            written_pages++;
        }
        if (done || last || one_page)
            break;
    }
    cli_drop_all(&pl);
    free(pl.ring);
    cli_progress_done(progress);
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
