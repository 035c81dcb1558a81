/* cli.c — see include/omslog/cli.h */
#include "omslog/cli.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "omslog/caps.h"
#include "omslog/merge.h"
#include "omslog/negotiate.h"
#include "omslog/searchcaps.h"
#include "omslog/seek.h"
#include "omslog/util.h"
#include "omslog/walk.h"

#define CLI_DEFAULT_WIDTH 120
#define CLI_WAIT_SLICE_MS 1000
/* Pages held for their turn, per request in flight: enough to ride out a page
 * that takes several times as long as the others (a retry, a slow shard)
 * without bounding memory by anything but the settings. */
#define CLI_HELD_PER_SLOT 4
/* Keyset paging (id__lt windows) is worth its probe for walks longer than
 * this many entries; a window spans this many pages per request in flight. */
#define CLI_KEYSET_MIN_ROWS 1000
#define CLI_KEYSET_WINDOW_PER_SLOT 2
/* The ticket of page 1 when it was fetched before the walk (the base page of
 * the probes) and is handed to the walk instead of being asked again; http
 * numbers its requests from 1 upwards. */
#define CLI_PREFETCH_TICKET INT_MAX
/* Pages read before the cost of a big scan is stated: the rate is measured
 * on them. */
#define CLI_COST_AFTER_PAGES 4
#define CLI_MS_PER_S 1000.0
/* Query parameters a walk may carry: the pushed level/app filters (caps_push
 * has room for 4), the search and the window's two. */
#define CLI_MAX_PARAMS 7
/* The search goes to the server only on a log longer than this many pages:
 * on a shorter one the scan costs no more than the probes would. */
#define CLI_SEARCH_MIN_PAGES (SEARCHCAPS_SAMPLE_PAGES + SEARCHCAPS_N_FIELDS)

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
    /* The time window (cli.h); window_pushed: the server was asked for it,
     * so a row outside it is a liar's. */
    const struct cli_list_opts *o;
    bool window_pushed;
    size_t shown;
    struct log_entry *held; /* --reverse: what is printed, until the end */
    size_t n_held, held_cap;
    char keyset_name[CAPS_NAME_MAX]; /* id__lt as the server calls it, "": no keyset */
    struct api_result prefetch;      /* page 1 already fetched, for the walk's first ask */
    bool have_prefetch, prefetch_asked;
    int64_t started_ms; /* of the walk: the measured rate */
    long pages_seen;    /* pages handed out (the rate) */
    bool cost_told;     /* a big scan's cost was stated on the terminal */
};

static int cli_request(void *ctx, long page, struct omslog_error *err)
{
    struct cli_sink *c = ctx;
    if (page == 1 && c->have_prefetch && !c->prefetch_asked) {
        c->prefetch_asked = true;
        return CLI_PREFETCH_TICKET;
    }
    if (api_room(c->api) <= 0)
        return 0;
    return api_request_page(c->api, page, c->cfg->page_size, c->params, c->n_params, err);
}

/* Keyset mode: page of the entries below before_id, with the filter's
 * params. */
static int cli_request_below(void *ctx, int64_t before_id, long page, struct omslog_error *err)
{
    struct cli_sink *c = ctx;
    if (api_room(c->api) <= 0)
        return 0;
    struct url_param params[CLI_MAX_PARAMS + 1];
    char value[24];
    size_t n = c->n_params < CLI_MAX_PARAMS ? c->n_params : CLI_MAX_PARAMS;
    memcpy(params, c->params, n * sizeof *params);
    snprintf(value, sizeof value, "%" PRId64, before_id);
    params[n++] = (struct url_param){c->keyset_name, value};
    return api_request_page(c->api, page, c->cfg->page_size, params, n, err);
}

static void cli_cancel(void *ctx, int ticket)
{
    struct cli_sink *c = ctx;
    if (ticket == CLI_PREFETCH_TICKET && c->have_prefetch) {
        api_result_free(&c->prefetch);
        c->have_prefetch = false;
        return;
    }
    api_cancel(c->api, ticket);
}

/* -1: e is newer than the window, 1: older, 0: inside (or no window). */
static int cli_window_side(const struct cli_list_opts *o, const struct log_entry *e)
{
    if (o->has_until && datetime_cmp(e->created, o->until) > 0)
        return -1;
    if (o->has_since && datetime_cmp(e->created, o->since) < 0)
        return 1;
    return 0;
}

/* Write e, or hold it for --reverse; false once the limit is reached. */
static bool cli_emit(struct cli_sink *c, const struct log_entry *e)
{
    if (c->o && c->o->reverse) {
        ARRAY_GROW(c->held, c->held_cap, c->n_held + 1);
        log_entry_copy(&c->held[c->n_held++], e);
    } else {
        format_entry(c->w, e);
    }
    c->shown++;
    return c->limit <= 0 || (long)c->shown < c->limit;
}

static void cli_write_held(struct cli_sink *c)
{
    for (size_t i = c->n_held; i-- > 0;) {
        format_entry(c->w, &c->held[i]);
        log_entry_free(&c->held[i]);
    }
    free(c->held);
    c->held = NULL;
    c->n_held = c->held_cap = 0;
}

static bool cli_entry(void *ctx, const struct log_entry *e)
{
    struct cli_sink *c = ctx;
    int side = c->o ? cli_window_side(c->o, e) : 0;
    if (c->n_params && (!filter_match(&c->pushed, e) || (side != 0 && c->window_pushed))) {
        c->liar = true; /* the server filtered and sent a row it should not have */
        return false;
    }
    if (side > 0) /* older than the window: the walk is past it */
        return false;
    if (side < 0 || !filter_match(c->filter, e))
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
    return cli_emit(c, e);
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
    c->pages_seen++;
    /* Every page is read (no server filtering) and there are many: say what
     * it costs, once, at the rate the first pages came at. */
    if (!c->cost_told && c->n_params == 0 && c->cfg->big_scan_pages > 0 &&
        pages > c->cfg->big_scan_pages && c->pages_seen >= CLI_COST_AFTER_PAGES) {
        c->cost_told = true;
        int64_t ms = now_ms() - c->started_ms;
        struct buf b = {0};
        walk_cost_text(&b, pages - page, ms > 0 ? (double)c->pages_seen * CLI_MS_PER_S / ms : 0);
        fprintf(stderr, "\romslog: reading every page (no server filtering): %s to go\033[K\n",
                buf_str(&b));
        buf_free(&b);
    }
    fprintf(stderr, "\romslog: page %ld of %ld, %zu entries shown\033[K", page, pages,
            c->w->count);
    fflush(stderr);
}

/* Feed the walk what arrives until it ends. */
static int cli_drive(struct api *api, struct walk *wk, struct cli_sink *c,
                     struct omslog_error *err)
{
    int rc = walk_start(wk, err);
    if (c->have_prefetch && c->prefetch_asked && !walk_done(wk)) {
        rc = walk_feed(wk, CLI_PREFETCH_TICKET, &c->prefetch.page, &c->prefetch.err, err);
        api_result_free(&c->prefetch);
        c->have_prefetch = false;
    }
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

/* ---- server-side filtering: one negotiation (negotiate.h) ---- */

/* Requests of one negotiation in flight at once (its biggest round). */
#define CLI_NEGOTIATE_MAX 32

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

/* This server's cache file of verdicts (malloc'd), NULL without a cache
 * directory. */
static char *cli_caps_path(struct api *api)
{
    char origin[HTTP_ORIGIN_TEXT_MAX];
    http_origin_text(api_origin(api), origin, sizeof origin);
    return caps_cache_path(origin, NULL);
}

/* Remember verdict v for p in this server's cache file. */
static void cli_caps_mark(struct api *api, const struct config *cfg, enum caps_param p,
                          enum caps_verdict v)
{
    char *path = cli_caps_path(api);
    struct caps caps;
    struct omslog_error err = {0};
    if (path && caps_load(path, &caps)) {
        caps_use_names(&caps, cfg->param_names);
        caps.v[p] = v;
        caps_save(path, &caps, &err);
    }
    free(path);
}

/* The search of o may be sent to the server (searchcaps.h): a text that
 * means the same there, on a walk from the top (not --around). */
static bool cli_search_pushable(const struct config *cfg, const struct cli_list_opts *o)
{
    return o->filter.search && !o->around && !o->page_given && o->page <= 1 &&
           cfg->server_filter != CONFIG_SERVER_FILTER_OFF &&
           searchcaps_text(o->filter.search, o->filter.search_literal) == SEARCHCAPS_TEXT_OK;
}

/* What a pushable search has probed, into extra: search itself (an
 * impossible term) and id__lte (the field probes' one-row answers). */
static size_t cli_search_extras(const struct config *cfg, const struct cli_list_opts *o,
                                enum caps_param *extra)
{
    if (!cli_search_pushable(cfg, o))
        return 0;
    extra[0] = CAPS_SEARCH;
    extra[1] = CAPS_ID_LTE;
    return 2;
}

/* The filter has parts a server may do (levels, apps). */
static bool cli_pushable(const struct filter *f)
{
    return f->min_level != FILTER_LEVEL_NONE || f->exact_level != FILTER_LEVEL_NONE ||
           f->n_apps > 0;
}

/* Run one negotiation for o, NULL when nothing is to be asked: the filter's
 * params when plan, id__lt when keyset (probed on a long log only), the
 * window's created_at__* or --around's id__lte. Its unfiltered first page
 * is the one the walk or the seek asks first (negotiate_take_base). What it
 * learnt is remembered. */
static struct negotiate *cli_negotiation(struct api *api, const struct config *cfg,
                                         const struct cli_list_opts *o, bool plan, bool keyset)
{
    enum caps_param extra[5];
    size_t n = cli_search_extras(cfg, o, extra);
    if (keyset)
        extra[n++] = CAPS_ID_LT;
    if (o->around) {
        extra[n++] = CAPS_ID_LTE;
    } else if (o->has_since || o->has_until) { /* both: the browser's `@` uses __lte */
        extra[n++] = CAPS_CREATED_GTE;
        extra[n++] = CAPS_CREATED_LTE;
    }
    if (cfg->server_filter == CONFIG_SERVER_FILTER_OFF || (!plan && n == 0))
        return NULL;
    char *path = cli_caps_path(api);
    struct caps known = {0};
    if (path && !o->reprobe &&
        (!caps_load(path, &known) || !caps_fresh(&known, (int64_t)time(NULL), CAPS_MAX_AGE_S)))
        memset(&known, 0, sizeof known);
    caps_use_names(&known, cfg->param_names);
    struct filter none;
    filter_init(&none);
    struct negotiate *neg =
        negotiate_new(plan ? &o->filter : &none, &known, extra, n, cfg->page_size);
    filter_free(&none);
    negotiate_extra_above(neg, CAPS_ID_LT, CLI_KEYSET_MIN_ROWS);
    cli_negotiate(api, neg);
    struct omslog_error err = {0};
    if (path && negotiate_learnt(neg) && caps_save(path, negotiate_caps(neg), &err) != OMSLOG_OK &&
        negotiate_probed(neg))
        fprintf(stderr, "omslog: cannot remember the server's filters: %s\n", err.msg);
    free(path);
    return neg;
}

/* The verdicts of a negotiation whose first page came, else NULL (nothing
 * is known to be honoured). */
static const struct caps *cli_caps(const struct negotiate *neg)
{
    return neg && negotiate_baseline(neg) >= 0 ? negotiate_caps(neg) : NULL;
}

/* -v: p's verdict as the server calls it. */
static void cli_tell_verdict(const struct config *cfg, const struct caps *caps, enum caps_param p,
                             const char *note)
{
    if (cfg->verbose && caps)
        fprintf(stderr, "omslog: server filter %s: %s%s\n", caps_param_name(caps, p),
                caps_verdict_name(caps->v[p]), note);
}

/* merge: what is left may be a merge of exact streams (cli_merge_may). */
static void cli_describe_plan(const struct caps *caps, const struct caps_push *p,
                              const enum caps_param *want, size_t n, bool merge)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "omslog: server filter %s: %s\n", caps_param_name(caps, want[i]),
                caps_verdict_name(caps->v[want[i]]));
    if (p->n_used == 0 && !merge)
        fputs("omslog: filtering on the client only (every page is read)\n", stderr);
    else if (merge)
        fputs("omslog: trying one stream per exact level or app, merged by id\n", stderr);
    for (size_t i = 0; i < p->n_used; i++)
        fprintf(stderr, "omslog: using %s=%.60s%s\n", p->keys[i], p->values[i],
                strlen(p->values[i]) > 60 ? "..." : "");
}

/* Whether what plan p leaves of o's filter to the client is what a merge of
 * exact streams may do (cli_merge_list: a minimum level, several apps);
 * under require it fails there when it cannot. */
static bool cli_merge_may(const struct cli_list_opts *o, const struct caps_push *p)
{
    const struct filter *f = &o->filter;
    bool levels = (f->min_level != FILTER_LEVEL_NONE || f->exact_level != FILTER_LEVEL_NONE) &&
                  !p->level_pushed;
    bool apps = f->n_apps > 0 && !p->apps_pushed;
    if (o->around || o->has_since || o->has_until || o->page_given || o->page > 1)
        return false;
    return (levels || apps) && (!levels || f->exact_level == FILTER_LEVEL_NONE) &&
           (!apps || f->n_apps >= 2);
}

/* What the server filters for o, as neg (cli_negotiation) decided: fills
 * params (pointing into its plan, valid while neg lives) and returns how
 * many, 0 for a full scan; -1 with err set when require cannot be met. The
 * keyset's name goes to sink when id__lt is honoured on a long log. */
static int cli_pushdown(const struct config *cfg, const struct cli_list_opts *o,
                        struct negotiate *neg, bool plan, bool keyset, struct url_param *params,
                        struct cli_sink *sink, struct omslog_error *err)
{
    const struct caps *caps = cli_caps(neg);
    if (!caps) /* nothing asked, or the first page failed: the walk says why */
        return 0;
    if (keyset && negotiate_baseline(neg) > CLI_KEYSET_MIN_ROWS) {
        bool lt = caps->v[CAPS_ID_LT] == CAPS_HONOURED;
        if (lt)
            snprintf(sink->keyset_name, sizeof sink->keyset_name, "%s",
                     caps_param_name(caps, CAPS_ID_LT));
        cli_tell_verdict(cfg, caps, CAPS_ID_LT,
                         lt ? " (pages are read below the last id written)" : "");
    }
    if (!plan)
        return 0;
    const struct caps_push *p = negotiate_plan(neg);
    const char *why = negotiate_why(neg, NULL);
    if (why)
        fprintf(stderr,
                "omslog: the server's filter cannot be trusted (%s): filtering on the "
                "client instead\n",
                why);
    for (size_t i = 0; i < p->n_used; i++)
        params[i] = (struct url_param){p->keys[i], p->values[i]};
    if (cfg->verbose) {
        fprintf(stderr, "omslog: the server's filters: %s\n",
                negotiate_probed(neg) ? "probed now" : "as remembered (--reprobe asks again)");
        enum caps_param want[CAPS_N_PARAMS];
        cli_describe_plan(caps, p, want, caps_wanted(&o->filter, want), cli_merge_may(o, p));
    }
    bool levels =
        o->filter.min_level != FILTER_LEVEL_NONE || o->filter.exact_level != FILTER_LEVEL_NONE;
    if (cfg->server_filter == CONFIG_SERVER_FILTER_REQUIRE &&
        ((levels && !p->level_pushed) || (o->filter.n_apps && !p->apps_pushed)) &&
        !cli_merge_may(o, p)) {
        const char *what = levels && !p->level_pushed ? "level" : "app";
        error_set(err, OMSLOG_ERR_USAGE,
                  "--server-filter require: the server cannot filter by %s (-v shows what it "
                  "was asked)",
                  what);
        return -1;
    }
    return (int)p->n_used;
}

/* ---- time windows and --around: seeks (seek.h) over the pages walked ---- */

/* One page, waited for, into *r (api_result_free it). */
static void cli_fetch(struct api *api, long page, long size, const struct url_param *params,
                      size_t n, struct api_result *r)
{
    memset(r, 0, sizeof *r);
    int id = api_request_page(api, page > 0 ? page : 1, size, params, n, &r->err);
    while (id >= 0) {
        struct api_result got;
        if (!api_poll(api, &got)) {
            api_wait(api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
            continue;
        }
        if (got.id == id) {
            *r = got;
            return;
        }
        api_result_free(&got);
    }
}

/* Run a seek to its end; each request also carries params (the pages the
 * walk will read are the server-filtered ones). first: the unfiltered page
 * 1 at the walk's size already fetched (NULL: none), the answer to the
 * seek's first ask for that page. stop (may be NULL) sees every page. */
/* A window's older end seen in passing: the position (from the oldest end,
 * by the page's count) of an entry older than before, highest so far; 0:
 * none (position 0 bounds nothing: it is on the last page). */
struct cli_stop {
    struct log_time before;
    int64_t pos;
};

/* Page page of a seek answered p: note its first entry's position when it
 * is older than the window (a full page tells the size; the last page its
 * own positions). */
static void cli_stop_see(struct cli_stop *st, long page, const struct log_page *p)
{
    if (!st || p->n == 0 || datetime_cmp(p->entries[0].created, st->before) >= 0)
        return;
    int64_t pos = (int64_t)p->n - 1;
    if (p->next) {
        int64_t first = walk_first_row(page, (long)p->n);
        if (first >= p->count)
            return;
        pos = p->count - 1 - first;
    }
    if (pos > st->pos)
        st->pos = pos;
}

static int cli_seek(struct api *api, const struct url_param *params, size_t n,
                    const struct seek_opts *so, const struct api_result *first,
                    struct cli_stop *stop, struct seek_result *r, struct omslog_error *err)
{
    struct seek s;
    seek_init(&s, so);
    struct seek_request q;
    struct url_param all[CLI_MAX_PARAMS + 1];
    while (seek_next(&s, &q)) {
        size_t m = 0;
        for (; m < n && m < CLI_MAX_PARAMS; m++)
            all[m] = params[m];
        if (q.param_key)
            all[m++] = (struct url_param){q.param_key, q.param_value};
        if (first && m == 0 && q.page <= 1 && q.size == so->page_size) {
            if (first->err.status == OMSLOG_OK)
                cli_stop_see(stop, 1, &first->page);
            seek_feed(&s, &first->page, &first->err);
            first = NULL;
            continue;
        }
        struct api_result res;
        cli_fetch(api, q.page, q.size, all, m, &res);
        if (res.err.status == OMSLOG_OK && !q.param_key)
            cli_stop_see(stop, q.page, &res.page);
        seek_feed(&s, &res.page, &res.err);
        api_result_free(&res);
    }
    return seek_result(&s, r, err);
}

static void cli_seek_report(const struct config *cfg, const struct seek_result *r,
                            const char *what)
{
    if (r->lte_wrong)
        fprintf(stderr,
                "omslog: the server's filter answered %s wrongly: searched the pages "
                "instead\n",
                what);
    if (r->unordered)
        fprintf(stderr,
                "omslog: warning: page %ld of the log is not in order (ids and times "
                "should fall going down): %s may be off\n",
                r->unordered_page, what);
    if (cfg->verbose)
        fprintf(stderr, "omslog: %s found in %ld request%s\n", what, r->requests,
                r->requests == 1 ? "" : "s");
}

/* The count of params plus key=value (key NULL: none): one request of one
 * entry; -1 when it failed. */
static int64_t cli_count(struct api *api, const struct url_param *params, size_t n,
                         const char *key, const char *value)
{
    struct url_param all[CLI_MAX_PARAMS + 1];
    size_t m = 0;
    for (; m < n && m < CLI_MAX_PARAMS; m++)
        all[m] = params[m];
    if (key)
        all[m++] = (struct url_param){key, value};
    struct api_result r;
    cli_fetch(api, 1, 1, all, m, &r);
    int64_t count = r.err.status == OMSLOG_OK ? r.page.count : -1;
    api_result_free(&r);
    return count;
}

/* The window's created_at params (params[n0..n)) checked by counts
 * (caps_window_twin): the log's count under params[0..n0) (baseline when
 * n0 is 0), the window's own page 1 at the walk's size (*first: the walk's
 * first page, kept when 1), the twins. 1: they add up, 0: the filters lie,
 * -1: a request failed (nothing proven either way); -v says what was
 * checked. */
static int cli_window_check(struct api *api, const struct config *cfg,
                            const struct caps_window_twin *tw, const struct url_param *params,
                            size_t n0, size_t n, int64_t baseline, struct api_result *first)
{
    long asked = n0 > 0 || baseline < 0;
    int64_t total = asked ? cli_count(api, params, n0, NULL, NULL) : baseline;
    cli_fetch(api, 1, cfg->page_size, params, n, first);
    int64_t window = first->err.status == OMSLOG_OK ? first->page.count : -1;
    int64_t counts[2] = {-1, -1};
    for (size_t i = 0; i < tw->n; i++, asked++)
        counts[i] = cli_count(api, params, n0, tw->key[i], tw->value[i]);
    bool ok = total >= 0 && caps_window_twin_ok(tw, total, window, counts);
    if (!ok && window >= 0) {
        /* The log's count again: rows purged at the bottom since it was
         * taken (by the negotiation, or before the twins) are not a liar's. */
        total = cli_count(api, params, n0, NULL, NULL);
        asked++;
        ok = total >= 0 && caps_window_twin_ok(tw, total, window, counts);
    }
    bool failed = total < 0 || window < 0 || counts[0] < 0 || (tw->n > 1 && counts[1] < 0);
    if (!ok && failed) {
        fputs("omslog: the window's created_at filters could not be checked (a count "
              "failed): reading the pages instead\n",
              stderr);
    } else if (cfg->verbose || !ok) {
        fprintf(stderr,
                "omslog: the window's created_at filters %s by counts: %" PRId64 " in the window",
                ok ? "checked" : "do not add up", window);
        for (size_t i = 0; i < tw->n; i++)
            fprintf(stderr, " + %" PRId64 " %s (%s=%s)", counts[i],
                    tw->used[i] == CAPS_CREATED_LTE ? "before" : "after", tw->key[i],
                    tw->value[i]);
        fprintf(stderr, " %s %" PRId64 " in all (%ld more request%s)%s\n", ok ? ">=" : "<", total,
                asked, asked == 1 ? "" : "s", ok ? "" : ": reading the pages instead");
    }
    if (ok)
        return 1;
    api_result_free(first);
    memset(first, 0, sizeof *first);
    return failed ? -1 : 0;
}

/* The window pushed to the server where both ends can be checked: the
 * created_at params appended to params (*n, values in vals) once their
 * counts add up (cli_window_check; *first: the window's page 1). A failed
 * check marks every parameter it used a liar (remembered). */
static bool cli_window_push(struct api *api, const struct config *cfg,
                            const struct cli_list_opts *o, const struct caps *caps,
                            int64_t baseline, struct url_param *params, size_t *n,
                            char vals[2][DATETIME_TEXT_MAX], struct api_result *first)
{
    bool since = o->has_since && caps && caps->v[CAPS_CREATED_GTE] == CAPS_HONOURED;
    bool until = o->has_until && caps && caps->v[CAPS_CREATED_LTE] == CAPS_HONOURED;
    struct caps_window_twin tw;
    if (!since && !until)
        return false;
    if (!caps_window_twin(caps, since ? &o->since : NULL, until ? &o->until : NULL, &tw)) {
        if (cfg->verbose)
            fprintf(stderr, "omslog: the window is not sent to the server: its created_at "
                            "filters cannot be checked by counts (both ends must be honoured)\n");
        return false;
    }
    size_t n0 = *n;
    if (since)
        params[(*n)++] = (struct url_param){caps_param_name(caps, CAPS_CREATED_GTE),
                                            datetime_format_iso(o->since, vals[0])};
    if (until)
        params[(*n)++] = (struct url_param){caps_param_name(caps, CAPS_CREATED_LTE),
                                            datetime_format_iso(o->until, vals[1])};
    int checked = cli_window_check(api, cfg, &tw, params, n0, *n, baseline, first);
    if (checked > 0)
        return true;
    *n = n0;
    if (checked == 0) {
        cli_caps_mark(api, cfg, CAPS_CREATED_GTE, CAPS_LIAR);
        cli_caps_mark(api, cfg, CAPS_CREATED_LTE, CAPS_LIAR);
    }
    return false;
}

/* The window (cli.h): created_at__gte/__lte appended to params where caps
 * says honoured and their counts add up (cli_window_push; *win_first: the
 * window's page 1 then), else the walk's first page found by seeking
 * --until over the pages it will read. Where --since runs on the client the
 * walk is told where it ends (wo->stop_before, and the position of an entry
 * past it when the seek's pages showed one). *empty: nothing is at or
 * before --until. */
static int cli_window(struct api *api, const struct config *cfg, const struct cli_list_opts *o,
                      const struct caps *caps, int64_t baseline, const struct api_result *first,
                      struct url_param *params, size_t *n, char vals[2][DATETIME_TEXT_MAX],
                      struct walk_opts *wo, bool *pushed, bool *empty,
                      struct api_result *win_first, struct omslog_error *err)
{
    cli_tell_verdict(cfg, caps, CAPS_CREATED_GTE, "");
    cli_tell_verdict(cfg, caps, CAPS_CREATED_LTE, "");
    *pushed = cli_window_push(api, cfg, o, caps, baseline, params, n, vals, win_first);
    bool since_pushed = *pushed && caps->v[CAPS_CREATED_GTE] == CAPS_HONOURED && o->has_since;
    bool until_pushed = *pushed && caps->v[CAPS_CREATED_LTE] == CAPS_HONOURED && o->has_until;
    /* --since on the client: the walk stops asking pages past the first that
     * starts older (walk.h), at most --parallel beyond the window's end. A
     * seek of --since to bound it beforehand would cost log2(pages) + 2
     * pages to save those few: only the pages the --until seek reads anyway
     * are looked at. */
    struct cli_stop stop = {.before = o->since};
    wo->has_stop_before = o->has_since && !since_pushed;
    wo->stop_before = o->since;
    if (until_pushed || !o->has_until)
        return OMSLOG_OK;
    struct seek_opts so = {.key = SEEK_BY_TIME, .time = o->until, .page_size = cfg->page_size};
    struct seek_result r;
    int rc = cli_seek(api, params, *n, &so, first, wo->has_stop_before ? &stop : NULL, &r, err);
    if (rc != OMSLOG_OK)
        return rc;
    cli_seek_report(cfg, &r, "the end of the window");
    *empty = !r.found;
    if (r.found && r.page_size > 0)
        wo->first_page = walk_page_of_row(r.row, r.page_size);
    wo->stop_pos = stop.pos;
    if (cfg->verbose && wo->has_stop_before)
        fprintf(stderr, "omslog: the start of the window is found by the walk (%s)\n",
                stop.pos > 0 ? "no page below one the seek saw older is asked"
                             : "no page below the first that starts older is asked");
    return OMSLOG_OK;
}

/* --around: the matching entries newer than the centre (the last context of
 * them, a ring), the centre, the older ones. The walk's sink is the embedded
 * cli_sink (its request and cancel serve as they are). */
struct cli_around {
    struct cli_sink c;
    int64_t centre;
    size_t context;
    struct log_entry *ring, centre_e, *older;
    size_t n_ring, n_older;
    bool have_centre;
};

static bool cli_around_entry(void *ctx, const struct log_entry *e)
{
    struct cli_around *a = ctx;
    if (!filter_match(a->c.filter, e))
        return true;
    if (e->id > a->centre) {
        if (a->context == 0)
            return true;
        struct log_entry *slot = &a->ring[a->n_ring % a->context];
        if (a->n_ring >= a->context)
            log_entry_free(slot);
        log_entry_copy(slot, e);
        a->n_ring++;
        return true;
    }
    if (!a->have_centre) { /* the id, or the nearest older match when it is not one */
        log_entry_copy(&a->centre_e, e);
        a->have_centre = true;
        return a->context > 0;
    }
    if (a->n_older >= a->context)
        return false;
    log_entry_copy(&a->older[a->n_older++], e);
    return a->n_older < a->context;
}

/* Newest first: the ring in arrival order, the centre, the older ones. */
static void cli_around_write(struct cli_around *a, struct format_writer *w, bool reverse)
{
    size_t kept = a->n_ring < a->context ? a->n_ring : a->context;
    size_t n = kept + a->have_centre + a->n_older;
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        if (i < kept)
            format_entry(w, &a->ring[(a->n_ring - kept + i) % a->context]);
        else if (a->have_centre && i == kept)
            format_entry(w, &a->centre_e);
        else
            format_entry(w, &a->older[i - kept - a->have_centre]);
    }
}

static void cli_around_free(struct cli_around *a)
{
    size_t kept = a->n_ring < a->context ? a->n_ring : a->context;
    for (size_t i = 0; i < kept; i++)
        log_entry_free(&a->ring[i]);
    for (size_t i = 0; i < a->n_older; i++)
        log_entry_free(&a->older[i]);
    log_entry_free(&a->centre_e);
    free(a->ring);
    free(a->older);
}

/* Walk from far enough above row to see context matches newer than the
 * centre: when fewer came, start further up (4x) and walk again. */
static int cli_around_walk(struct api *api, const struct config *cfg,
                           const struct cli_list_opts *o, const struct url_param *params, size_t n,
                           const struct seek_result *r, struct format_writer *w,
                           struct omslog_error *err)
{
    long size = r->page_size > 0 ? r->page_size : 0;
    long parallel = cfg->parallel > 0 ? cfg->parallel : 1;
    int64_t back = o->context;
    for (;;) {
        struct walk_opts wo = {.first_page = 1,
                               .page_size = cfg->page_size,
                               .max_pages = parallel * (1 + CLI_HELD_PER_SLOT)};
        if (size > 0)
            wo.first_page = walk_page_of_row(r->row > back ? r->row - back : 0, size);
        struct cli_around a = {.c = {.api = api,
                                     .cfg = cfg,
                                     .filter = &o->filter,
                                     .w = w,
                                     .params = params,
                                     .n_params = n},
                               .centre = r->id,
                               .context = (size_t)o->context};
        a.ring = xcalloc(a.context + 1, sizeof *a.ring);
        a.older = xcalloc(a.context + 1, sizeof *a.older);
        struct walk_sink sink = {&a, cli_request, cli_cancel, cli_around_entry, NULL, NULL};
        struct walk *wk = walk_new(&wo, &sink);
        int rc = cli_drive(api, wk, &a.c, err);
        walk_free(wk);
        bool again = rc == OMSLOG_OK && a.n_ring < a.context && wo.first_page > 1;
        if (!again) {
            bool filtered = filter_is_active(&o->filter);
            if (rc == OMSLOG_OK && !a.have_centre)
                rc = error_set(err, OMSLOG_ERR_NOT_FOUND, "no entry%s has an id of %lld or less",
                               filtered ? " that matches" : "", (long long)o->around_id);
            if (rc == OMSLOG_OK && a.centre_e.id != o->around_id)
                fprintf(
                    stderr, "omslog: no entry %lld%s: centred on the nearest older one, %lld\n",
                    (long long)o->around_id, filtered ? " matches" : "", (long long)a.centre_e.id);
            if (rc == OMSLOG_OK)
                cli_around_write(&a, w, o->reverse);
            cli_around_free(&a);
            return rc;
        }
        cli_around_free(&a);
        back = back * 4 + size;
    }
}

/* `list --around ID`: the centre by a seek (id__lte where honoured), then
 * the walk around it. */
static int cli_around(struct api *api, const struct config *cfg, const struct cli_list_opts *o,
                      struct format_writer *w, struct omslog_error *err)
{
    bool plan = cli_pushable(&o->filter) && !o->page_given && o->page <= 1;
    struct negotiate *neg = cli_negotiation(api, cfg, o, plan, false);
    struct url_param params[CLI_MAX_PARAMS];
    struct cli_sink none = {0}; /* no walk follows: nothing to page by keyset */
    int n = cli_pushdown(cfg, o, neg, plan, false, params, &none, err);
    if (n < 0) {
        negotiate_free(neg);
        return err->status;
    }
    const struct caps *caps = cli_caps(neg);
    struct api_result base = {0};
    bool have_base = neg && negotiate_take_base(neg, &base.page, &base.err);
    bool lte = caps && caps->v[CAPS_ID_LTE] == CAPS_HONOURED;
    cli_tell_verdict(cfg, caps, CAPS_ID_LTE, "");
    struct seek_opts so = {.key = SEEK_BY_ID,
                           .id = o->around_id,
                           .lte_param = lte ? caps_param_name(caps, CAPS_ID_LTE) : NULL,
                           .page_size = cfg->page_size};
    struct seek_result r;
    int rc = cli_seek(api, params, (size_t)n, &so, have_base ? &base : NULL, NULL, &r, err);
    api_result_free(&base);
    bool filtered = filter_is_active(&o->filter);
    if (rc == OMSLOG_OK && !r.found)
        rc = error_set(err, OMSLOG_ERR_NOT_FOUND, "no entry%s has an id of %lld or less",
                       filtered ? " that matches" : "", (long long)o->around_id);
    if (rc == OMSLOG_OK) {
        cli_seek_report(cfg, &r, "the id");
        rc = cli_around_walk(api, cfg, o, params, (size_t)n, &r, w, err);
    }
    negotiate_free(neg);
    return rc;
}

/* ---- list --search: the server's search as a pre-filter (searchcaps.h) ---- */

/* Remember which of our fields the server searches, with its other
 * verdicts (the file the negotiation has just read or written). */
static void cli_search_remember(struct api *api, const struct config *cfg,
                                const enum caps_verdict *fields)
{
    char *path = cli_caps_path(api);
    struct caps caps;
    struct omslog_error err = {0};
    if (path && caps_load(path, &caps)) {
        caps_use_names(&caps, cfg->param_names);
        memcpy(caps.search_field, fields, sizeof caps.search_field);
        caps_save(path, &caps, &err);
    }
    free(path);
}

/* Which of our search fields the server searches, as remembered or probed
 * from the unfiltered page 1 (base): true when every one is. -v says the
 * cost and, when not, why. */
static bool cli_search_probe(struct api *api, const struct config *cfg, const struct caps *caps,
                             const struct log_page *base)
{
    bool lte = caps->v[CAPS_ID_LTE] == CAPS_HONOURED;
    struct searchcaps_probe *s =
        searchcaps_probe_new(caps->search_field, caps_param_name(caps, CAPS_SEARCH),
                             lte ? caps_param_name(caps, CAPS_ID_LTE) : NULL, cfg->page_size);
    searchcaps_probe_sample(s, base);
    struct searchcaps_request q;
    while (searchcaps_probe_next(s, &q)) {
        struct api_result r;
        cli_fetch(api, q.page, q.size, q.params, q.n_params, &r);
        searchcaps_probe_feed(s, &r.page, &r.err);
        api_result_free(&r);
    }
    enum searchcaps_field f;
    const char *why = searchcaps_probe_why(s, &f);
    long asked = searchcaps_probe_requests(s);
    if (asked > 0)
        cli_search_remember(api, cfg, searchcaps_probe_fields(s));
    if (cfg->verbose) {
        if (asked > 0)
            fprintf(stderr, "omslog: the server's search fields probed in %ld request%s\n", asked,
                    asked == 1 ? "" : "s");
        else
            fputs("omslog: the server's search fields as remembered (--reprobe asks again)\n",
                  stderr);
        if (why)
            fprintf(stderr, "omslog: search not pushed: %s %s\n", why, searchcaps_field_name(f));
    }
    searchcaps_probe_free(s);
    return why == NULL;
}

/* `list --search`: where the text means the same on the server and every
 * field we search is proven searched there, search= joins params (*n) as a
 * pre-filter (its answer is a superset: every row still passes the whole
 * filter here), once the pushed query's first page misses no match of the
 * unfiltered one (base). Returns true with that page in *first (zeroed
 * otherwise; api_result_free it either way); false: the client searches,
 * and -v says why. */
static bool cli_search_push(struct api *api, const struct config *cfg,
                            const struct cli_list_opts *o, struct negotiate *neg,
                            const struct api_result *base, struct url_param *params, size_t *n,
                            struct api_result *first)
{
    memset(first, 0, sizeof *first);
    if (!o->filter.search || o->around)
        return false;
    enum searchcaps_text t = searchcaps_text(o->filter.search, o->filter.search_literal);
    if (t != SEARCHCAPS_TEXT_OK) {
        if (cfg->verbose)
            fprintf(stderr, "omslog: search not pushed: %s\n", searchcaps_text_why(t));
        return false;
    }
    const struct caps *caps = cli_caps(neg);
    if (!cli_search_pushable(cfg, o) || !caps) /* off, --page: the pages of the log itself */
        return false;
    if (caps->v[CAPS_SEARCH] != CAPS_HONOURED) {
        if (cfg->verbose)
            fprintf(stderr, "omslog: search not pushed: the server's %s is %s\n",
                    caps_param_name(caps, CAPS_SEARCH), caps_verdict_name(caps->v[CAPS_SEARCH]));
        return false;
    }
    if (!base || base->err.status != OMSLOG_OK)
        return false;
    if (base->page.count <= (int64_t)base->page.n * CLI_SEARCH_MIN_PAGES) {
        if (cfg->verbose)
            fprintf(stderr, "omslog: search not pushed: the log is a few pages long\n");
        return false;
    }
    if (!cli_search_probe(api, cfg, caps, &base->page))
        return false;
    params[(*n)++] = (struct url_param){caps_param_name(caps, CAPS_SEARCH), o->filter.search};
    cli_fetch(api, 1, cfg->page_size, params, *n, first);
    const char *why = NULL;
    if (first->err.status == OMSLOG_OK &&
        searchcaps_check_sample(&o->filter, &base->page, &first->page, &why)) {
        if (cfg->verbose)
            fprintf(stderr,
                    "omslog: search \"%s\": on the server (%s=) as a pre-filter, then every "
                    "row is matched here\n",
                    o->filter.search, caps_param_name(caps, CAPS_SEARCH));
        return true;
    }
    if (why) {
        fprintf(stderr,
                "omslog: the server's search cannot be trusted (%s): searching on the client "
                "instead\n",
                why);
        cli_caps_mark(api, cfg, CAPS_SEARCH, CAPS_LIAR);
    }
    api_result_free(first);
    memset(first, 0, sizeof *first);
    (*n)--;
    return false;
}

/* What the walk of o asks the server: the negotiation (*neg: the sink's
 * params point into its plan; negotiate_free it), the window's params and
 * its first page (wo), the unfiltered page 1 handed to the walk. *empty:
 * nothing is in the window. The failure of require or of the seek, else
 * OMSLOG_OK. */
static int cli_server_side(struct api *api, const struct config *cfg,
                           const struct cli_list_opts *o, struct cli_sink *c,
                           struct url_param *params, char vals[2][DATETIME_TEXT_MAX],
                           struct walk_opts *wo, struct negotiate **neg, bool *empty,
                           struct omslog_error *err)
{
    bool from_top = !o->page_given && o->page <= 1;
    bool plan = cli_pushable(&o->filter) && from_top;
    bool keyset = (o->all || c->limit > CLI_KEYSET_MIN_ROWS) && from_top;
    *neg = cli_negotiation(api, cfg, o, plan, keyset);
    struct caps_push none = {0};
    caps_pushed_filter(*neg ? negotiate_plan(*neg) : &none, &o->filter, &c->pushed);
    int n = cli_pushdown(cfg, o, *neg, plan, keyset, params, c, err);
    if (n < 0)
        return err->status;
    size_t n_params = (size_t)n;
    int rc = OMSLOG_OK;
    /* The negotiation's unfiltered page 1 is the seek's and the walk's first
     * page, failed or not: not asked twice. */
    c->have_prefetch = *neg && negotiate_take_base(*neg, &c->prefetch.page, &c->prefetch.err);
    struct api_result searched;
    bool search = cli_search_push(api, cfg, o, *neg, c->have_prefetch ? &c->prefetch : NULL,
                                  params, &n_params, &searched);
    size_t n_search = n_params;
    struct api_result win_first = {0}; /* the checked window's page 1 */
    if (o->has_since || o->has_until)
        rc = cli_window(api, cfg, o, cli_caps(*neg), *neg ? negotiate_baseline(*neg) : -1,
                        c->have_prefetch ? &c->prefetch : NULL, params, &n_params, vals, wo,
                        &c->window_pushed, empty, &win_first, err);
    if (c->have_prefetch && (n_params != 0 || wo->first_page != 1)) {
        api_result_free(&c->prefetch); /* page 1 of another query, or not walked */
        c->have_prefetch = false;
    }
    if (c->window_pushed && wo->first_page == 1 && !c->have_prefetch) {
        c->prefetch = win_first;
        c->have_prefetch = true;
    } else {
        api_result_free(&win_first);
    }
    if (search && n_params == n_search && wo->first_page == 1) {
        c->prefetch = searched; /* the search's checked page 1 is the walk's */
        c->have_prefetch = true;
    } else {
        api_result_free(&searched);
    }
    c->params = params;
    c->n_params = n_params;
    c->started_ms = now_ms(); /* the walk's rate is measured from here */
    return rc;
}

/* ---- exact values only: one stream per level or app, merged (merge.h) ---- */

/* Params a stream's request carries: the plan's, the app, the level, id__lt. */
#define CLI_MERGE_MAX_PARAMS (CLI_MAX_PARAMS + 3)
/* Levels a sample may add to the standard ones; all levels one group counts. */
#define CLI_MERGE_KNOWN_MAX 32
#define CLI_MERGE_LEVELS_MAX (CLI_MERGE_KNOWN_MAX + MERGE_LEVEL_MAX + 1)
/* Levels counted at once while looking for the ones no sample showed. */
#define CLI_MERGE_SEARCH_BATCH 10
/* Room for a number as text. */
#define CLI_NUM_TEXT 32

/* One count request (page 1, one entry a page): the group's params and
 * one more (the level counted), its value in value; count -1 until known. */
struct cli_count_q {
    struct url_param params[CLI_MERGE_MAX_PARAMS];
    size_t n;
    char value[CLI_NUM_TEXT];
    int id;
    int64_t count;
};

/* The params of one group of streams: the plan's and, merging apps, the
 * group's app. */
struct cli_group {
    struct url_param params[CLI_MERGE_MAX_PARAMS];
    size_t n;
    const char *app; /* NULL: not merging apps */
};

/* One merged stream: its walk over the pages of params, what its rows must
 * be (level or FILTER_LEVEL_NONE; app or NULL), its count. */
struct cli_stream {
    struct cli_merge *mg;
    size_t i;
    struct walk *wk;
    struct url_param params[CLI_MERGE_MAX_PARAMS];
    size_t n;
    char value[CLI_NUM_TEXT];
    int level;
    const char *app;
    int64_t count;
    long size; /* entries a page, by its walk; 0 while unknown */
};

struct cli_merge {
    struct cli_sink *c;
    struct merge *m;
    struct cli_stream *s;
    size_t n;
    struct {
        int ticket;
        size_t stream;
    } * tickets;
    size_t n_tickets, tickets_cap;
    long pages; /* handed out by every stream (progress) */
};

/* "20,000" */
static const char *cli_grouped(int64_t v, char out[CLI_NUM_TEXT])
{
    char digits[CLI_NUM_TEXT];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return out;
}

/* Send every query of q at once (the transport queues what has no slot yet)
 * and wait for their counts. */
static void cli_count_all(struct api *api, struct cli_count_q *q, size_t n)
{
    size_t waiting = 0;
    for (size_t i = 0; i < n; i++) {
        struct omslog_error e = {0};
        q[i].count = -1;
        q[i].id = api_request_page(api, 1, 1, q[i].params, q[i].n, &e);
        waiting += q[i].id >= 0;
    }
    while (waiting > 0) {
        struct api_result r;
        if (!api_poll(api, &r)) {
            api_wait(api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (q[i].id >= 0 && q[i].id == r.id) {
                if (r.err.status == OMSLOG_OK)
                    q[i].count = r.page.count;
                q[i].id = -1;
                waiting--;
                break;
            }
        api_result_free(&r);
    }
}

/* One round of counts under g: each of levels[0..n) (key=level) into
 * counts, and the total (total NULL: not asked) alongside. */
static void cli_count_round(struct api *api, const char *key, const struct cli_group *g,
                            const int *levels, size_t n, int64_t *counts, int64_t *total)
{
    size_t m = n + (total != NULL);
    struct cli_count_q *q = xcalloc(m ? m : 1, sizeof *q);
    for (size_t i = 0; i < m; i++) {
        memcpy(q[i].params, g->params, g->n * sizeof *g->params);
        q[i].n = g->n;
        if (i < n) {
            snprintf(q[i].value, sizeof q[i].value, "%d", levels[i]);
            q[i].params[q[i].n++] = (struct url_param){key, q[i].value};
        }
    }
    cli_count_all(api, q, m);
    for (size_t i = 0; i < n; i++)
        counts[i] = q[i].count;
    if (total)
        *total = q[n].count;
    free(q);
}

/* The levels of one group and their counts: the known ones, then the
 * search for others while the counts fall short (within *budget requests). */
struct cli_levels {
    int level[CLI_MERGE_LEVELS_MAX];
    int64_t count[CLI_MERGE_LEVELS_MAX];
    size_t n, n_known;
    int64_t before, after;
};

/* Count the levels of group g (merge.h: completeness): true when the counts
 * prove that lv's levels are every level its rows have. */
static bool cli_count_levels(struct api *api, const char *key, const struct cli_group *g,
                             const struct log_page *sample, long *budget, struct cli_levels *lv)
{
    lv->n = lv->n_known = merge_known_levels(sample, lv->level, CLI_MERGE_KNOWN_MAX);
    cli_count_round(api, key, g, lv->level, lv->n, lv->count, &lv->before);
    cli_count_round(api, key, g, NULL, 0, NULL, &lv->after);
    int cand[MERGE_LEVEL_MAX + 1];
    size_t n_cand = merge_level_candidates(lv->level, lv->n, cand, ARRAY_LEN(cand)), next = 0;
    while (!merge_counts_complete(lv->before, lv->after, lv->count, lv->n)) {
        int64_t sum = merge_counts_sum(lv->count, lv->n);
        long k = CLI_MERGE_SEARCH_BATCH, left = (long)(n_cand - next);
        if (k > left)
            k = left;
        if (k > *budget - 1) /* and the total after them */
            k = *budget - 1;
        /* Another level exists (short of a total that did not move), and
         * there are levels left to try within the budget. */
        if (sum < 0 || sum >= lv->after || lv->before != lv->after || k <= 0)
            return false;
        memcpy(&lv->level[lv->n], &cand[next], (size_t)k * sizeof *cand);
        cli_count_round(api, key, g, &lv->level[lv->n], (size_t)k, &lv->count[lv->n], NULL);
        cli_count_round(api, key, g, NULL, 0, NULL, &lv->after); /* after them */
        lv->n += (size_t)k;
        next += (size_t)k;
        *budget -= k + 1;
    }
    return true;
}

/* Whether the server honours p (level= or app_name=), probed now when not
 * known (remembered like the negotiation's verdicts). */
static bool cli_exact_honoured(struct api *api, const struct config *cfg, struct caps *caps,
                               enum caps_param p, int64_t baseline)
{
    if (caps->v[p] == CAPS_UNKNOWN) {
        struct url_param q = {caps_param_name(caps, p), caps_probe_value(p)};
        struct api_result r;
        cli_fetch(api, 1, 1, &q, 1, &r);
        bool ok = r.err.status == OMSLOG_OK;
        struct caps_answer a = {ok                                       ? 200
                                : r.err.status == OMSLOG_ERR_BAD_REQUEST ? 400
                                                                         : 0,
                                ok ? r.page.count : -1};
        api_result_free(&r);
        caps->v[p] = caps_verdict(baseline, &a);
        if (caps->v[p] != CAPS_UNKNOWN)
            cli_caps_mark(api, cfg, p, caps->v[p]);
    }
    cli_tell_verdict(cfg, caps, p, caps->v[p] == CAPS_HONOURED ? " (one stream per value)" : "");
    return caps->v[p] == CAPS_HONOURED;
}

/* Whether the walk of o can be a merge of exact streams instead, and along
 * which dimensions: levels (a minimum the plan did not push) and apps
 * (several the plan did not push). Only from the top, without a window. */
static bool cli_merge_dims(struct api *api, const struct config *cfg,
                           const struct cli_list_opts *o, struct negotiate *neg, struct caps *caps,
                           bool *levels, bool *apps)
{
    const struct caps *known = cli_caps(neg);
    if (!known || negotiate_why(neg, NULL) || o->has_since || o->has_until || o->page_given ||
        o->page > 1)
        return false;
    *caps = *known;
    const struct caps_push *p = negotiate_plan(neg);
    enum caps_param want[CAPS_N_PARAMS];
    size_t n_want = caps_wanted(&o->filter, want);
    bool pushable = false; /* app names the server reads as sent */
    for (size_t i = 0; i < n_want; i++)
        pushable = pushable || want[i] == CAPS_APP_IN;
    *levels = o->filter.min_level != FILTER_LEVEL_NONE &&
              o->filter.exact_level == FILTER_LEVEL_NONE && !p->level_pushed;
    *apps = o->filter.n_apps >= 2 && !p->apps_pushed && pushable;
    int64_t baseline = negotiate_baseline(neg);
    *levels = *levels && cli_exact_honoured(api, cfg, caps, CAPS_LEVEL, baseline);
    *apps = *apps && cli_exact_honoured(api, cfg, caps, CAPS_APP, baseline);
    return *levels || *apps;
}

/* Add a stream of group g (level: FILTER_LEVEL_NONE when not merging
 * levels); false when there are too many. */
static bool cli_merge_add(struct cli_merge *mg, const struct caps *caps, const struct cli_group *g,
                          int level, int64_t count)
{
    if (mg->n == MERGE_MAX_STREAMS)
        return false;
    struct cli_stream *s = &mg->s[mg->n];
    *s = (struct cli_stream){.mg = mg, .i = mg->n, .level = level, .app = g->app, .count = count};
    memcpy(s->params, g->params, g->n * sizeof *g->params);
    s->n = g->n;
    if (level != FILTER_LEVEL_NONE) {
        snprintf(s->value, sizeof s->value, "%d", level);
        s->params[s->n++] = (struct url_param){caps_param_name(caps, CAPS_LEVEL), s->value};
    }
    mg->n++;
    return true;
}

/* -v: why the counts of lv do not prove its levels complete. */
static void cli_merge_refuse(const struct config *cfg, const struct cli_levels *lv)
{
    char a[CLI_NUM_TEXT], b[CLI_NUM_TEXT];
    if (!cfg->verbose)
        return;
    if (lv->before != lv->after)
        fprintf(stderr, "omslog: the log moved while its levels were counted (%s, then %s)",
                cli_grouped(lv->before, a), cli_grouped(lv->after, b));
    else
        fprintf(stderr,
                "omslog: the counts of %zu levels add up to %s of %s: a level no sample "
                "showed exists",
                lv->n, cli_grouped(merge_counts_sum(lv->count, lv->n), a),
                cli_grouped(lv->after, b));
    fputs(": reading every page instead\n", stderr);
}

/* The streams of o: per group (each app named, or one) and, merging
 * levels, per level at or above the minimum that has rows. false when the
 * counts do not prove them complete (-v says why) or a count failed. *rows:
 * what the scan would read instead, by the counts. */
static bool cli_merge_streams(struct api *api, const struct config *cfg,
                              const struct cli_list_opts *o, const struct caps *caps, bool levels,
                              const struct cli_group *groups, size_t n_groups,
                              const struct log_page *sample, long budget, struct cli_merge *mg,
                              int64_t *rows)
{
    struct cli_levels lv;
    *rows = 0;
    for (size_t g = 0; g < n_groups && levels; g++) {
        if (!cli_count_levels(api, caps_param_name(caps, CAPS_LEVEL), &groups[g], sample, &budget,
                              &lv)) {
            cli_merge_refuse(cfg, &lv);
            return false;
        }
        *rows += lv.after;
        for (size_t k = 0; k < lv.n; k++)
            if (lv.level[k] >= o->filter.min_level && lv.count[k] > 0 &&
                !cli_merge_add(mg, caps, &groups[g], lv.level[k], lv.count[k]))
                return false;
    }
    if (levels)
        return true;
    /* Apps alone: complete by construction (merge.h); counted to skip the
     * empty ones and to weigh the cost, with the plan's total alongside. */
    struct cli_count_q *q = xcalloc(n_groups + 1, sizeof *q);
    for (size_t g = 0; g < n_groups; g++) {
        memcpy(q[g].params, groups[g].params, groups[g].n * sizeof *groups[g].params);
        q[g].n = groups[g].n;
    }
    memcpy(q[n_groups].params, groups[0].params, (groups[0].n - 1) * sizeof *groups[0].params);
    q[n_groups].n = groups[0].n - 1; /* without the app */
    cli_count_all(api, q, n_groups + 1);
    bool ok = q[n_groups].count >= 0;
    for (size_t g = 0; g < n_groups && ok; g++)
        ok = q[g].count >= 0 && (q[g].count == 0 || cli_merge_add(mg, caps, &groups[g],
                                                                  FILTER_LEVEL_NONE, q[g].count));
    *rows = q[n_groups].count;
    free(q);
    return ok;
}

/* Pages the merge reads against the pages the scan would (limit: rows to
 * write, 0 all): merge only when it reads fewer. */
static bool cli_merge_worth(const struct config *cfg, const struct cli_merge *mg, int64_t rows,
                            long limit, long size)
{
    int64_t matches = 0;
    for (size_t i = 0; i < mg->n; i++)
        matches += mg->s[i].count;
    int64_t scan_rows = rows;
    if (limit > 0 && matches > 0 && (double)limit * (double)rows / (double)matches < (double)rows)
        scan_rows = (int64_t)((double)limit * (double)rows / (double)matches) + 1;
    long scan = walk_pages_for(scan_rows, size), merge = 0;
    for (size_t i = 0; i < mg->n; i++) {
        int64_t want = limit > 0 && limit < mg->s[i].count ? limit : mg->s[i].count;
        merge += walk_pages_for(want, size);
    }
    if (merge < scan || merge == 0)
        return true;
    if (cfg->verbose)
        fprintf(stderr,
                "omslog: merging %zu streams would read %ld pages, the scan %ld: reading "
                "every page instead\n",
                mg->n, merge, scan);
    return false;
}

/* -v: the plan of the merge. */
static void cli_merge_tell(const struct config *cfg, const struct cli_merge *mg, int64_t rows,
                           bool levels)
{
    if (!cfg->verbose)
        return;
    fprintf(stderr, "omslog: merging %zu stream%s%s", mg->n, mg->n == 1 ? "" : "s",
            mg->n ? ":" : " (none of the levels or apps asked for has entries)");
    for (size_t i = 0; i < mg->n; i++) {
        const struct cli_stream *s = &mg->s[i];
        fputs(i ? "," : "", stderr);
        if (s->app)
            fprintf(stderr, " app_name=%.40s%s", s->app, s->level != FILTER_LEVEL_NONE ? "&" : "");
        else
            fputc(' ', stderr);
        if (s->level != FILTER_LEVEL_NONE)
            fprintf(stderr, "level=%d", s->level);
    }
    char a[CLI_NUM_TEXT];
    if (levels)
        fprintf(stderr, "; counts add up to %s\n", cli_grouped(rows, a));
    else
        fprintf(stderr, "; the apps named, each complete\n");
}

/* A stream holding a page's worth waits for the merge to take some: the
 * memory stays at about a page a stream plus what its walk holds. */
static bool cli_stream_room(const struct cli_stream *s)
{
    size_t page = s->size > 0 ? (size_t)s->size : 1;
    return merge_held(s->mg->m, s->i) < page && api_room(s->mg->c->api) > 0;
}

static int cli_stream_track(struct cli_stream *s, int ticket)
{
    struct cli_merge *mg = s->mg;
    if (ticket > 0) {
        ARRAY_GROW(mg->tickets, mg->tickets_cap, mg->n_tickets + 1);
        mg->tickets[mg->n_tickets].ticket = ticket;
        mg->tickets[mg->n_tickets++].stream = s->i;
    }
    return ticket;
}

static int cli_stream_request(void *ctx, long page, struct omslog_error *err)
{
    struct cli_stream *s = ctx;
    if (!cli_stream_room(s))
        return 0;
    const struct cli_sink *c = s->mg->c;
    return cli_stream_track(
        s, api_request_page(c->api, page, c->cfg->page_size, s->params, s->n, err));
}

static int cli_stream_request_below(void *ctx, int64_t before_id, long page,
                                    struct omslog_error *err)
{
    struct cli_stream *s = ctx;
    if (!cli_stream_room(s))
        return 0;
    const struct cli_sink *c = s->mg->c;
    struct url_param params[CLI_MERGE_MAX_PARAMS + 1];
    char value[CLI_NUM_TEXT];
    memcpy(params, s->params, s->n * sizeof *params);
    snprintf(value, sizeof value, "%" PRId64, before_id);
    params[s->n] = (struct url_param){c->keyset_name, value};
    return cli_stream_track(
        s, api_request_page(c->api, page, c->cfg->page_size, params, s->n + 1, err));
}

static void cli_stream_cancel(void *ctx, int ticket)
{
    struct cli_stream *s = ctx;
    struct cli_merge *mg = s->mg;
    for (size_t k = 0; k < mg->n_tickets; k++)
        if (mg->tickets[k].ticket == ticket) {
            mg->tickets[k] = mg->tickets[--mg->n_tickets];
            break;
        }
    api_cancel(mg->c->api, ticket);
}

/* A row of another level or app than its stream's: the server's exact
 * filter lies, and the scan takes over. */
static bool cli_stream_entry(void *ctx, const struct log_entry *e)
{
    struct cli_stream *s = ctx;
    if ((s->level != FILTER_LEVEL_NONE && e->level != s->level) ||
        (s->app && strcmp(e->app_name, s->app) != 0)) {
        s->mg->c->liar = true;
        return false;
    }
    merge_push(s->mg->m, s->i, e);
    return true;
}

static void cli_stream_progress(void *ctx, long page, long pages, const struct walk_pager *pg)
{
    struct cli_stream *s = ctx;
    (void)page;
    (void)pages;
    s->size = pg->size;
    s->mg->pages++;
}

/* Write what the merge has ready; false to stop (the limit, or a liar). */
static bool cli_merge_emit(struct cli_merge *mg)
{
    const struct log_entry *e;
    while (!mg->c->liar && (e = merge_next(mg->m)) != NULL)
        if (!cli_entry(mg->c, e))
            return false;
    return !mg->c->liar;
}

/* Stream i's walk ended (well): its stream ends. */
static int cli_stream_ended(struct cli_merge *mg, size_t i, int rc)
{
    if (rc == OMSLOG_OK && walk_done(mg->s[i].wk))
        merge_end(mg->m, i);
    return rc;
}

/* A page arrived: to the walk of the stream that asked for it. */
static int cli_merge_feed(struct cli_merge *mg, struct api_result *r, struct omslog_error *err)
{
    for (size_t k = 0; k < mg->n_tickets; k++) {
        if (mg->tickets[k].ticket != r->id)
            continue;
        size_t i = mg->tickets[k].stream;
        mg->tickets[k] = mg->tickets[--mg->n_tickets];
        return cli_stream_ended(mg, i, walk_feed(mg->s[i].wk, r->id, &r->page, &r->err, err));
    }
    return OMSLOG_OK;
}

/* Drive every stream's walk and write the merge as it comes, until every
 * stream is written, the limit is reached, a liar is caught or a walk
 * fails. */
static int cli_merge_drive(struct cli_merge *mg, struct omslog_error *err)
{
    struct cli_sink *c = mg->c;
    int rc = OMSLOG_OK;
    while (rc == OMSLOG_OK && cli_merge_emit(mg) && !merge_done(mg->m)) {
        /* The streams the merge waits for (holding nothing) ask first. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < mg->n && rc == OMSLOG_OK; i++)
                if ((merge_held(mg->m, i) == 0) == (pass == 0) && !walk_done(mg->s[i].wk))
                    rc = cli_stream_ended(mg, i, walk_start(mg->s[i].wk, err));
        bool got = false;
        struct api_result r;
        while (rc == OMSLOG_OK && !c->liar && api_poll(c->api, &r)) {
            rc = cli_merge_feed(mg, &r, err);
            api_result_free(&r);
            got = true;
        }
        if (!got && rc == OMSLOG_OK && !c->liar)
            api_wait(c->api, NULL, 0, CLI_WAIT_SLICE_MS, NULL);
        if (c->progress) {
            fprintf(stderr,
                    "\romslog: merging %zu streams: %ld pages read, %zu entries shown\033[K",
                    mg->n, mg->pages, c->w->count);
            fflush(stderr);
        }
    }
    return rc;
}

/* One walk per stream (the list's options, from the top), merged. */
static int cli_merge_run(struct cli_merge *mg, const struct walk_opts *list_wo,
                         struct omslog_error *err)
{
    struct cli_sink *c = mg->c;
    mg->m = merge_new(mg->n);
    struct walk_opts wo = {.first_page = 1,
                           .page_size = list_wo->page_size,
                           .max_pages = list_wo->max_pages,
                           .keyset = c->keyset_name[0] != '\0',
                           .window = list_wo->window};
    for (size_t i = 0; i < mg->n; i++) {
        struct walk_sink sink = {&mg->s[i],        cli_stream_request,  cli_stream_cancel,
                                 cli_stream_entry, cli_stream_progress, cli_stream_request_below};
        mg->s[i].wk = walk_new(&wo, &sink);
    }
    /* The rows are server-filtered: cli_entry checks the plan's part of each
     * and notes the ids written, which a liar's scan then skips. */
    const struct url_param *params = c->params;
    size_t n_params = c->n_params;
    if (mg->n) {
        c->params = mg->s[0].params;
        c->n_params = mg->s[0].n;
    }
    int rc = mg->n ? cli_merge_drive(mg, err) : OMSLOG_OK;
    c->params = params;
    c->n_params = n_params;
    for (size_t i = 0; i < mg->n; i++)
        walk_free(mg->s[i].wk);
    merge_free(mg->m);
    free(mg->tickets);
    return rc;
}

/* The page size the counts are weighed by: a full sample's, else the one
 * asked for, else DRF's usual. */
static long cli_merge_page_size(const struct config *cfg, const struct log_page *sample)
{
    if (sample && sample->next && sample->n > 0)
        return (long)sample->n;
    return cfg->page_size > 0 ? cfg->page_size : CONFIG_DEFAULT_PAGE_SIZE;
}

/* `list` as the merge of one stream per exact level or app (merge.h) where
 * the server filters only exact values and the counts prove the streams
 * complete: *merged says whether it ran (else the walk goes on as
 * planned). Every row still passes cli_entry; after a liar c->liar is set
 * and the scan follows. */
static int cli_merge_try(struct api *api, const struct config *cfg, const struct cli_list_opts *o,
                         struct negotiate *neg, struct cli_sink *c, const struct walk_opts *wo,
                         bool *merged, struct omslog_error *err)
{
    *merged = false;
    struct caps caps;
    bool levels = false, apps = false;
    if (!cli_merge_dims(api, cfg, o, neg, &caps, &levels, &apps)) {
        /* -v said a merge would be tried (cli_describe_plan) */
        if (cfg->verbose && cli_caps(neg) && cli_merge_may(o, negotiate_plan(neg)))
            fputs(negotiate_plan(neg)->n_used ? "omslog: no merge: the rest on the client\n"
                                              : "omslog: filtering on the client only (every "
                                                "page is read)\n",
                  stderr);
        return OMSLOG_OK;
    }
    struct log_page first = {0};
    const struct log_page *sample = NULL; /* the rows the plan's params select, page 1 */
    if (c->have_prefetch && c->prefetch.err.status == OMSLOG_OK)
        sample = &c->prefetch.page;
    else if (negotiate_take_page(neg, &first))
        sample = &first;
    long size = cli_merge_page_size(cfg, sample);
    size_t n_groups = apps ? o->filter.n_apps : 1;
    struct cli_group *groups = xcalloc(n_groups, sizeof *groups);
    for (size_t g = 0; g < n_groups; g++) {
        memcpy(groups[g].params, c->params, c->n_params * sizeof *c->params);
        groups[g].n = c->n_params;
        if (apps) {
            groups[g].app = o->filter.apps[g];
            groups[g].params[groups[g].n++] =
                (struct url_param){caps_param_name(&caps, CAPS_APP), groups[g].app};
        }
    }
    struct cli_merge mg = {.c = c, .s = xcalloc(MERGE_MAX_STREAMS, sizeof *mg.s)};
    int64_t rows = 0;
    /* Looking for levels no sample showed costs at most half the scan. */
    long budget = walk_pages_for(negotiate_baseline(neg), size) / 2;
    int rc = OMSLOG_OK;
    if (cli_merge_streams(api, cfg, o, &caps, levels, groups, n_groups, sample, budget, &mg,
                          &rows) &&
        cli_merge_worth(cfg, &mg, rows, c->limit, size)) {
        cli_merge_tell(cfg, &mg, rows, levels);
        *merged = true;
        rc = cli_merge_run(&mg, wo, err);
    }
    log_page_free(&first);
    free(groups);
    free(mg.s);
    return rc;
}

/* cli_merge_try, and under --server-filter require the failure when the
 * merge it was counted on (cli_pushdown) did not run. */
static int cli_merge_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o,
                          struct negotiate *neg, struct cli_sink *c, const struct walk_opts *wo,
                          bool *merged, struct omslog_error *err)
{
    int rc = cli_merge_try(api, cfg, o, neg, c, wo, merged, err);
    if (rc != OMSLOG_OK || *merged || cfg->server_filter != CONFIG_SERVER_FILTER_REQUIRE ||
        !cli_caps(neg) || !cli_merge_may(o, negotiate_plan(neg)))
        return rc;
    bool levels = o->filter.min_level != FILTER_LEVEL_NONE && !negotiate_plan(neg)->level_pushed;
    return error_set(err, OMSLOG_ERR_USAGE,
                     "--server-filter require: the server cannot filter by %s (-v shows what it "
                     "was asked)",
                     levels ? "level" : "app");
}

/* The end of a walk of `list`: what stderr says after it, the output
 * closed. Returns rc, or the output's failure. */
static int cli_list_end(struct format_writer *w, const struct cli_list_opts *o, bool progress,
                        long unproven, int rc, struct omslog_error *err)
{
    if (progress)
        fputs("\r\033[K", stderr);
    if (unproven)
        fprintf(stderr,
                "omslog: warning: the log changed faster than the export could follow it; "
                "%ld page%s written without proof that no entry was skipped or repeated\n",
                unproven, unproven == 1 ? "" : "s");
    if (format_end(w) != 0 && rc == OMSLOG_OK)
        rc = error_set(err, OMSLOG_ERR_IO, "cannot write the output (disk full or closed pipe?)");
    if (rc == OMSLOG_OK && w->count == 0 && o->format == FORMAT_TABLE)
        fprintf(stderr, "omslog: no entries match\n");
    return rc;
}

/* Walk pages from o->page, newest first, writing matching entries in order
 * (walk.h: each id once, pages re-read where the log moved). Once the first
 * page tells the page count, as many pages are in flight as the API allows. */
int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err)
{
    bool one_page = o->page_given && !o->all && o->limit == 0;
    bool window = o->has_since || o->has_until;
    long limit = o->all ? 0 : (o->limit ? o->limit : (one_page || window ? 0 : CLI_DEFAULT_LIMIT));
    long parallel = cfg->parallel > 0 ? cfg->parallel : 1;
    struct walk_opts wo = {.first_page = o->page > 0 ? o->page : 1,
                           .one_page = one_page,
                           .page_size = cfg->page_size,
                           .max_pages = parallel * (1 + CLI_HELD_PER_SLOT)};
    struct format_writer w;
    format_begin(&w, o->format, out, cli_terminal_width(out), cfg->utc);
    if (o->around) {
        int rc = cli_around(api, cfg, o, &w, err);
        if (format_end(&w) != 0 && rc == OMSLOG_OK)
            rc = error_set(err, OMSLOG_ERR_IO, "cannot write the output");
        return rc;
    }
    struct cli_sink c = {.api = api,
                         .o = o,
                         .cfg = cfg,
                         .filter = &o->filter,
                         .w = &w,
                         .limit = limit,
                         .progress = isatty(STDERR_FILENO) && !one_page && (o->all || limit > 0)};
    struct negotiate *neg = NULL;
    struct url_param params[CLI_MAX_PARAMS];
    char window_values[2][DATETIME_TEXT_MAX];
    bool empty = false;
    int rc = cli_server_side(api, cfg, o, &c, params, window_values, &wo, &neg, &empty, err);
    struct walk_sink sink = {&c,        cli_request,  cli_cancel,
                             cli_entry, cli_progress, cli_request_below};
    /* Keyset pages start at the newest entry: not for a walk a seek placed. */
    wo.keyset = c.keyset_name[0] != '\0' && wo.first_page <= 1;
    wo.window = parallel * CLI_KEYSET_WINDOW_PER_SLOT;
    long unproven = 0;
    bool merged = false; /* by one stream per exact level or app */
    if (rc == OMSLOG_OK && !empty)
        rc = cli_merge_list(api, cfg, o, neg, &c, &wo, &merged, err);
    if (rc == OMSLOG_OK && !empty && !merged) {
        struct walk *wk = walk_new(&wo, &sink);
        rc = cli_drive(api, wk, &c, err);
        unproven = walk_unproven(wk);
        if (walk_keyset_failed(wk)) {
            fprintf(stderr,
                    "omslog: the server's answers to %s do not add up (an entry not "
                    "below it, or rows left out): reading by page numbers instead\n",
                    c.keyset_name);
            wo.keyset = false;
            cli_caps_mark(api, cfg, CAPS_ID_LT, CAPS_LIAR);
        }
        walk_free(wk);
    }
    if (rc == OMSLOG_OK && c.liar) {
        fprintf(stderr, "omslog: the server's filter sent an entry that does not match: "
                        "reading every page instead\n");
        c.n_params = 0;
        c.rescan = true;
        wo.first_page = o->page > 0 ? o->page : 1; /* a seek's page was of the filtered pages */
        wo.stop_pos = 0; /* and so was the position of the window's end */
        wo.has_stop_before = o->has_since;
        struct walk *wk = walk_new(&wo, &sink);
        rc = cli_drive(api, wk, &c, err);
        unproven += walk_unproven(wk);
        walk_free(wk);
    }
    cli_write_held(&c);
    if (c.have_prefetch)
        api_result_free(&c.prefetch);
    free(c.printed);
    filter_free(&c.pushed);
    negotiate_free(neg);
    return cli_list_end(&w, o, c.progress, unproven, rc, err);
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
