/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/caps.h"
#include "omslog/negotiate.h"
#include "omslog/util.h"
#include "omslog/walk.h"

#define CLI_DEFAULT_WIDTH 120
#define CLI_WAIT_SLICE_MS 1000
/* Requests of one negotiation in flight at once (its biggest round). */
#define CLI_NEGOTIATE_MAX 32
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
    /* Server-side filtering: the params every page is asked with. A row that
     * fails the filter (liar) ends the walk; the scan that follows skips the
     * ids already written (printed, newest first, as the walk hands them). */
    const struct url_param *params;
    size_t n_params;
    struct filter pushed; /* the part of filter the params stand for */
    bool liar;
    int64_t *printed;
    size_t n_printed, printed_cap, skip_at;
    bool rescan;       /* the scan after a liar */
    bool told_missing; /* an entry the server left out was written late */
};

static int cli_request(void *ctx, long page, struct omslog_error *err)
{
    struct cli_sink *c = ctx;
    if (api_room(c->api) <= 0)
        return 0;
    return api_request_page(c->api, page, c->cfg->page_size, c->params, c->n_params, err);
}

static void cli_cancel(void *ctx, int ticket)
{
    struct cli_sink *c = ctx;
    api_cancel(c->api, ticket);
}

static bool cli_entry(void *ctx, const struct log_entry *e)
{
    struct cli_sink *c = ctx;
    if (c->n_params && !filter_match(&c->pushed, e)) {
        c->liar = true; /* the server filtered and sent a row it should not have */
        return false;
    }
    if (!filter_match(c->filter, e))
        return true;
    if (c->rescan) {
        while (c->skip_at < c->n_printed && c->printed[c->skip_at] > e->id)
            c->skip_at++;
        if (c->skip_at < c->n_printed && c->printed[c->skip_at] == e->id)
            return true;
        if (c->n_printed && e->id > c->printed[c->n_printed - 1] && !c->told_missing) {
            c->told_missing = true;
            fprintf(stderr,
                    "omslog: the server's filter had left out entry %" PRId64
                    " (and maybe others): written out of order\n",
                    e->id);
        }
    } else if (c->n_params) {
        ARRAY_GROW(c->printed, c->printed_cap, c->n_printed + 1);
        c->printed[c->n_printed++] = e->id;
    }
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

/* ---- server-side filtering: probe, sample check, plan ---- */

/* Send what the negotiation asks for, round by round, and feed it the
 * answers until it ends. */
static void cli_negotiate(struct api *api, struct negotiate *n)
{
    struct {
        int id, serial;
    } sent[CLI_NEGOTIATE_MAX];
    size_t n_sent = 0;
    while (!negotiate_done(n)) {
        struct negotiate_request q;
        while (negotiate_next(n, &q)) {
            struct omslog_error err = {0};
            int id = api_request_page(api, 1, q.size, q.params, q.n_params, &err);
            if (id < 0 || n_sent == CLI_NEGOTIATE_MAX) {
                if (id >= 0)
                    api_cancel(api, id);
                negotiate_answer(n, q.serial, &err, NULL);
                continue;
            }
            sent[n_sent].id = id;
            sent[n_sent++].serial = q.serial;
        }
        struct api_result r;
        if (negotiate_done(n))
            break;
        if (!api_poll(api, &r)) {
            api_wait(api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
            continue;
        }
        for (size_t i = 0; i < n_sent; i++)
            if (sent[i].id == r.id) {
                negotiate_answer(n, sent[i].serial, &r.err, &r.page);
                sent[i] = sent[--n_sent];
                break;
            }
        api_result_free(&r);
    }
}

/* The cache file of this server's verdicts (malloc'd, or NULL), and what it
 * remembers in *caps unless reprobe or expired. */
static char *cli_caps_load(struct api *api, bool reprobe, struct caps *caps)
{
    char origin[HTTP_ORIGIN_TEXT_MAX];
    http_origin_text(api_origin(api), origin, sizeof origin);
    char *path = caps_cache_path(origin, NULL);
    memset(caps, 0, sizeof *caps);
    if (path && !reprobe && caps_load(path, caps) &&
        !caps_fresh(caps, (int64_t)time(NULL), CAPS_MAX_AGE_S))
        memset(caps, 0, sizeof *caps);
    return path;
}

static void cli_describe_plan(const struct caps *caps, const struct caps_push *p,
                              const enum caps_param *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "omslog: server filter %s: %s\n", caps_name(want[i]),
                caps_verdict_name(caps->v[want[i]]));
    if (p->n_used == 0)
        fputs("omslog: filtering on the client only (every page is read)\n", stderr);
    for (size_t i = 0; i < p->n_used; i++)
        fprintf(stderr, "omslog: using %s=%.60s%s\n", p->keys[i], p->values[i],
                strlen(p->values[i]) > 60 ? "..." : "");
}

/* Decide what the server filters for o (negotiate.h: probes, the plan and
 * its check): *neg gets the negotiation, whose plan the walk's params point
 * into (negotiate_free it). Returns how many params, 0 for a full scan, -1
 * with err set when require cannot be met. */
static int cli_pushdown(struct api *api, const struct config *cfg, const struct cli_list_opts *o,
                        struct negotiate **neg, struct url_param *params, struct omslog_error *err)
{
    *neg = NULL;
    bool needed = o->filter.min_level != FILTER_LEVEL_NONE ||
                  o->filter.exact_level != FILTER_LEVEL_NONE || o->filter.n_apps > 0;
    if (cfg->server_filter == CONFIG_SERVER_FILTER_OFF || !needed || o->page_given || o->page > 1)
        return 0;
    struct caps known;
    char *path = cli_caps_load(api, o->reprobe, &known);
    struct negotiate *n = negotiate_new(&o->filter, &known, NULL, 0, cfg->page_size);
    *neg = n;
    cli_negotiate(api, n);
    if (negotiate_baseline(n) < 0) { /* the first page failed: the walk says why */
        free(path);
        return 0;
    }
    const struct caps *caps = negotiate_caps(n);
    struct omslog_error serr = {0};
    if (path && negotiate_learnt(n) && caps_save(path, caps, &serr) != OMSLOG_OK &&
        negotiate_probed(n))
        fprintf(stderr, "omslog: cannot remember the server's filters: %s\n", serr.msg);
    free(path);
    const struct caps_push *plan = negotiate_plan(n);
    const char *why = negotiate_why(n, NULL);
    if (why)
        fprintf(stderr,
                "omslog: the server's filter cannot be trusted (%s): filtering on the "
                "client instead\n",
                why);
    for (size_t i = 0; i < plan->n_used; i++)
        params[i] = (struct url_param){plan->keys[i], plan->values[i]};
    if (cfg->verbose) {
        fprintf(stderr, "omslog: the server's filters: %s\n",
                negotiate_probed(n) ? "probed now" : "as remembered (--reprobe asks again)");
        enum caps_param want[CAPS_N_PARAMS];
        cli_describe_plan(caps, plan, want, caps_wanted(&o->filter, want));
    }
    bool levels =
        o->filter.min_level != FILTER_LEVEL_NONE || o->filter.exact_level != FILTER_LEVEL_NONE;
    if (cfg->server_filter == CONFIG_SERVER_FILTER_REQUIRE &&
        ((levels && !plan->level_pushed) || (o->filter.n_apps && !plan->apps_pushed))) {
        const char *what = levels && !plan->level_pushed ? "level" : "app";
        error_set(err, OMSLOG_ERR_USAGE,
                  "--server-filter require: the server cannot filter by %s (-v shows what it "
                  "was asked)",
                  what);
        return -1;
    }
    return (int)plan->n_used;
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
    struct negotiate *neg = NULL;
    struct url_param params[4];
    int n_params = cli_pushdown(api, cfg, o, &neg, params, err);
    if (n_params < 0) {
        negotiate_free(neg);
        format_end(&w);
        return err->status;
    }
    c.params = params;
    c.n_params = (size_t)n_params;
    struct caps_push none = {0};
    caps_pushed_filter(neg ? negotiate_plan(neg) : &none, &o->filter, &c.pushed);
    struct walk_sink sink = {&c, cli_request, cli_cancel, cli_entry, cli_progress};
    struct walk *wk = walk_new(&wo, &sink);
    int rc = cli_drive(api, wk, err);
    long unproven = walk_unproven(wk);
    walk_free(wk);
    if (rc == OMSLOG_OK && c.liar) {
        fprintf(stderr, "omslog: the server's filter sent an entry that does not match: "
                        "reading every page instead\n");
        c.n_params = 0;
        c.rescan = true;
        wk = walk_new(&wo, &sink);
        rc = cli_drive(api, wk, err);
        unproven += walk_unproven(wk);
        walk_free(wk);
    }
    free(c.printed);
    filter_free(&c.pushed);
    negotiate_free(neg);
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
