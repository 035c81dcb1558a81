/* serverview.c — the browser's side of server-side filtering: it drives a
 * negotiation (negotiate.h) in the background like the page loads (within
 * api_room, never before the first page), switches the store to the
 * server's filtered query when a checked plan exists (at once when the
 * remembered verdicts prove it; in a first session when a guess's first
 * page passes, marked "checking" until the negotiation proves it), falls
 * back to the client's scan when a row gives the server away, and uses
 * id__lte / id__gt where honoured for jumps and follow polls.
 *
 * State: struct serverview, owned by struct app (a->sv). The requests it
 * sends are http's like every other; it keeps their ids only to match the
 * results (api_cancel'ed when no longer of use). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "omslog/level.h"
#include "omslog/merge.h"
#include "omslog/negotiate.h"
#include "omslog/util.h"

/* Requests of one negotiation in flight at once (its biggest round). */
#define SV_SENT_MAX 32
/* Params of a page request: the plan's, plus one of id__lte / id__gt. */
#define SV_PARAMS_MAX 5
/* The start-up probes wait until the pages have been quiet this long: they
 * are for later, and a server busy with (or stuck on) the pages on screen
 * is no place for them. */
#define SV_STARTUP_QUIET_MS 1000
/* A page wanted this many pages below what the level streams' merge built
 * is reached by merging on: the status line shows how far it is. */
#define SV_MERGE_FAR_PAGES 2
/* Level values and app names the summary asks the server to count. */
#define SV_COUNTS_MAX 64
#define SV_VALUE_MAX 24

/* One count the summary asks for: level=L or app_name=NAME. */
struct sv_count {
    bool app;
    int level;
    char *key; /* the app name, or the level's name */
    char value[SV_VALUE_MAX];
    int req; /* 0: not sent yet, -1: answered */
    int64_t n;
};

struct serverview {
    struct caps caps;
    /* A minimum level the server filters by exact levels only: whether one
     * level stands for it (census.c), while the client's scan waits. */
    struct census *census;
    /* Several levels there: the view merges one stream per level. */
    struct mergeview *mv;
    bool mv_far; /* the merge went on far below: its progress is shown */
    /* Params not used again this session (bit p), the verdict unchanged:
     * their answers did not fit in a way a change of the log explains too. */
    unsigned paused;
    char *cache_path;
    bool startup_done; /* the start-up probes were started (or not needed) */
    int64_t busy_ms;   /* when pages were last in flight or failed */
    struct negotiate *neg;
    bool neg_for_filter; /* neg is about a->filter, not the start-up probes */
    struct {
        int id, serial;
    } sent[SV_SENT_MAX];
    size_t n_sent;
    /* The plan in use: params point into plan_neg (checked) or opt (the
     * remembered verdicts', used at once while neg checks it); neither when
     * the client filters (or no filter). */
    struct negotiate *plan_neg;
    struct caps_push opt;
    bool have_opt;
    struct url_param params[SV_PARAMS_MAX];
    size_t n_params;
    struct filter pushed, residual;
    int64_t baseline; /* the unfiltered count the plan was checked against */
    /* A first session's guess (caps_push_guess: params not proven yet):
     * its first page is asked for at once (guess_req) while the client's
     * view waits, unscanned; the view switches to it only when that page
     * passes (then opt holds it and guess is set). A row of it that fails
     * the filter, or the whole log's count, means "not filtered as asked",
     * not a liar. */
    struct caps_push pending;
    bool have_pending;
    int guess_req;
    bool guess;
    /* A plan shown at once: the negotiation's requests wait until its first
     * page has answered (the server has few workers; the page is what the
     * user waits for). */
    bool hold_neg;
    int64_t unfiltered; /* the log's count last seen unfiltered, -1: unknown */
    /* --reprobe: verdicts probed before this (seconds) are not remembered. */
    int64_t not_before;
    /* :ID's one request of id__lte=ID: the count at or below the id and the
     * newest of them (count_first, -1: none); count_ok once it answered and
     * passed its check. */
    int count_req;
    int64_t count_id;
    bool count_ok;
    int64_t count_c, count_first;
    char lte_value[24];
    /* A filter's selection: the entry selected when it was set (anchor);
     * once the server filters, the nearest match at or below it is the
     * row count minus the count of id__lte=anchor (land_req). */
    int64_t anchor_id;
    bool land_pending; /* the view's first page is awaited to place it */
    int land_req;
    char land_value[24];
    /* Follow: the poll of id__gt=newest. */
    int follow_req;
    char gt_value[24];
    /* S: the counts per level and app, until all have answered. */
    struct sv_count counts[SV_COUNTS_MAX];
    size_t n_counts, counts_left;
};

/* The start-up probes: what jumps and follow need (three requests with the
 * unfiltered page; a filter's negotiation probes what it needs itself), and
 * id__lt for keyset pages on a long log. */
static const enum caps_param sv_startup[] = {CAPS_ID_LTE, CAPS_ID_GT, CAPS_CREATED_LTE,
                                             CAPS_ID_LT};
/* What the summary's counts need, probed when S is first pressed. */
static const enum caps_param sv_summary_caps[] = {CAPS_LEVEL, CAPS_APP};
/* What a filter's negotiation also probes, if not known. */
/* The last, level=, only for a minimum level: a server without level__gte
 * or level__in may still hold a single level at or above it (census.c). */
static const enum caps_param sv_extra[] = {CAPS_ID_LTE, CAPS_ID_GT, CAPS_CREATED_LTE, CAPS_ID_LT,
                                           CAPS_LEVEL};
/* Keyset pages (id__lt, app.c) pay only on a long log: probed above this. */
#define SV_KEYSET_MIN_ROWS 1000

static bool sv_enabled(const struct app *a)
{
    return !a->file && a->cfg->server_filter != CONFIG_SERVER_FILTER_OFF;
}

/* The remembered verdicts, if fresh (and, with --reprobe, probed after
 * start-up by another omslog: not in the second it started, which may be
 * the one the verdicts to forget were saved in). */
static bool sv_load(const struct serverview *sv, struct caps *out)
{
    int64_t now = (int64_t)time(NULL);
    return sv->cache_path && caps_load(sv->cache_path, out) &&
           caps_fresh(out, now, CAPS_MAX_AGE_S) &&
           (!sv->not_before || out->probed_at > sv->not_before);
}

void serverview_init(struct app *a)
{
    struct serverview *sv = xcalloc(1, sizeof *sv);
    filter_init(&sv->pushed);
    filter_init(&sv->residual);
    sv->unfiltered = -1;
    a->sv = sv;
    if (!sv_enabled(a)) /* a file, or --server-filter off: nothing to ask */
        return;
    char origin[HTTP_ORIGIN_TEXT_MAX];
    http_origin_text(api_origin(a->api), origin, sizeof origin);
    sv->cache_path = caps_cache_path(origin, NULL);
    sv->not_before = a->reprobe ? (int64_t)time(NULL) : 0;
    if (!sv_load(sv, &sv->caps))
        memset(&sv->caps, 0, sizeof sv->caps);
    caps_use_names(&sv->caps, a->cfg->param_names);
}

static void sv_guess_cancel(struct app *a);

static void sv_merge_drop(struct app *a)
{
    mergeview_free(a, a->sv->mv);
    a->sv->mv = NULL;
    a->sv->mv_far = false;
}

bool serverview_merging(const struct app *a)
{
    return a->sv && a->sv->mv;
}

static void sv_neg_drop(struct app *a)
{
    struct serverview *sv = a->sv;
    for (size_t i = 0; i < sv->n_sent; i++)
        api_cancel(a->api, sv->sent[i].id);
    sv->n_sent = 0;
    negotiate_free(sv->neg);
    sv->neg = NULL;
}

static void sv_plan_drop(struct serverview *sv)
{
    negotiate_free(sv->plan_neg);
    sv->plan_neg = NULL;
    if (sv->have_opt)
        caps_push_free(&sv->opt);
    sv->have_opt = false;
    sv->guess = sv->hold_neg = sv->land_pending = false;
    sv->n_params = 0;
    filter_free(&sv->pushed);
    filter_init(&sv->pushed);
    filter_free(&sv->residual);
    filter_init(&sv->residual);
}

void serverview_free(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv)
        return;
    sv_neg_drop(a);
    sv_guess_cancel(a);
    census_free(a, sv->census);
    serverview_summary_cancel(a);
    sv_merge_drop(a);
    sv_plan_drop(sv);
    filter_free(&sv->pushed);
    filter_free(&sv->residual);
    free(sv->cache_path);
    free(sv);
    a->sv = NULL;
}

bool serverview_honours(const struct app *a, enum caps_param p)
{
    return a->sv && sv_enabled(a) && a->sv->caps.v[p] == CAPS_HONOURED &&
           !(a->sv->paused & (1u << p));
}

/* Verdicts another omslog (a `list`, another browser) remembered since
 * start-up fill what this one does not know yet. */
static void sv_reload(struct app *a)
{
    struct serverview *sv = a->sv;
    struct caps file;
    if (!sv_load(sv, &file))
        return;
    caps_use_names(&file, a->cfg->param_names);
    for (size_t i = 0; i < CAPS_N_PARAMS; i++)
        if (sv->caps.v[i] == CAPS_UNKNOWN &&
            strcmp(caps_param_name(&file, (enum caps_param)i),
                   caps_param_name(&sv->caps, (enum caps_param)i)) == 0)
            sv->caps.v[i] = file.v[i];
}

const char *serverview_param(struct app *a, enum caps_param p)
{
    if (a->sv && sv_enabled(a) && a->sv->caps.v[p] == CAPS_UNKNOWN)
        sv_reload(a);
    return serverview_honours(a, p) ? caps_param_name(&a->sv->caps, p) : NULL;
}

void serverview_page_params(const struct app *a, const struct url_param **params, size_t *n)
{
    *params = a->sv ? a->sv->params : NULL;
    *n = a->sv ? a->sv->n_params : 0;
}

static void sv_save(struct app *a)
{
    struct omslog_error err = {0};
    if (a->sv->cache_path)
        caps_save(a->sv->cache_path, &a->sv->caps, &err);
}

/* Send what the negotiation asks for while the transport has room. The
 * start-up probes take one slot at a time: they are for later, and must
 * not crowd out the pages on screen (nor, on a server in trouble, hold
 * every slot); a filter's negotiation may spare a whole scan, so it takes
 * what room there is. */
static void sv_send(struct app *a)
{
    struct serverview *sv = a->sv;
    struct negotiate_request q;
    size_t most = sv->neg_for_filter ? SV_SENT_MAX : 1;
    if (sv->neg_for_filter && sv->hold_neg)
        return;
    while (sv->neg && sv->n_sent < most && api_room(a->api) > 0 && negotiate_next(sv->neg, &q)) {
        struct omslog_error err = {0};
        int id = api_request_page(a->api, 1, q.size, q.params, q.n_params, &err);
        if (id < 0) {
            negotiate_answer(sv->neg, q.serial, &err, NULL);
            continue;
        }
        sv->sent[sv->n_sent].id = id;
        sv->sent[sv->n_sent++].serial = q.serial;
    }
}

/* The filter without the parts the plan pushed: what the client still does
 * (exclusions, & patterns and times always). */
static void sv_residual(const struct caps_push *p, const struct filter *f, struct filter *out)
{
    filter_copy_view(out, f);
    if (p->level_pushed)
        out->min_level = out->exact_level = FILTER_LEVEL_NONE;
    if (p->apps_pushed) {
        filter_clear_apps(out);
        for (size_t i = 0; i < f->n_excluded; i++)
            filter_exclude_app(out, f->excluded_apps[i]);
    }
}

/* Page 1 of the plan's query plus key=value, one entry: its count. */
static int sv_count_request(struct app *a, const char *key, const char *value)
{
    struct serverview *sv = a->sv;
    struct url_param params[SV_PARAMS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < sv->n_params; i++)
        params[n++] = sv->params[i];
    params[n++] = (struct url_param){key, value};
    struct omslog_error err = {0};
    return api_request_page(a->api, 1, 1, params, n, &err);
}

/* The checked plan of the current filter: the store shows the server's
 * filtered query from now on, its first page (already fetched) at once. */
static void sv_apply(struct app *a, const struct caps_push *p, struct log_page *first);

static bool sv_same_plan(const struct caps_push *x, const struct caps_push *y)
{
    if (x->n_used != y->n_used)
        return false;
    for (size_t i = 0; i < x->n_used; i++)
        if (strcmp(x->keys[i], y->keys[i]) != 0 || strcmp(x->values[i], y->values[i]) != 0)
            return false;
    return true;
}

/* The plan in use, NULL when the client filters. */
static const struct caps_push *sv_plan(const struct serverview *sv)
{
    return sv->plan_neg ? negotiate_plan(sv->plan_neg) : sv->have_opt ? &sv->opt : NULL;
}

/* Plan p does the filter's levels and apps on the server, and may be shown
 * before its check (a level__in plan waits for its completeness check). */
static bool sv_whole(const struct app *a, const struct caps_push *p)
{
    bool levels =
        a->filter.min_level != FILTER_LEVEL_NONE || a->filter.exact_level != FILTER_LEVEL_NONE;
    return p->n_used > 0 && !p->level_in && (!levels || p->level_pushed) &&
           (!a->filter.n_apps || p->apps_pushed);
}

/* Show the server's filtered view at once, with no client scan, while the
 * negotiation checks the plan behind it (a liar is still caught by it and
 * by every row): the plan of the remembered verdicts when they prove every
 * part of it; else (a first session) the guess of what the server would
 * honour, once its first page has passed (sv_guess_result). The
 * negotiation waits for the view's first page. */
static void sv_try_optimistic(struct app *a)
{
    struct serverview *sv = a->sv;
    struct caps_push p;
    caps_push_plan(&sv->caps, &a->filter, &p);
    if (sv_whole(a, &p)) {
        sv->opt = p;
        sv->have_opt = true;
        sv->hold_neg = true;
        sv_apply(a, &sv->opt, NULL);
        return;
    }
    caps_push_free(&p);
    if (!caps_push_guess(&sv->caps, &a->filter, &p) || !sv_whole(a, &p)) {
        caps_push_free(&p);
        return;
    }
    sv->pending = p;
    sv->have_pending = sv->hold_neg = true;
}

static void sv_guess_cancel(struct app *a)
{
    struct serverview *sv = a->sv;
    if (sv->guess_req > 0)
        api_cancel(a->api, sv->guess_req);
    sv->guess_req = 0;
    if (sv->have_pending)
        caps_push_free(&sv->pending);
    sv->have_pending = false;
}

/* The guess's first page, asked for before anything else. */
static void sv_guess_send(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv->have_pending || sv->guess_req || api_room(a->api) <= 0)
        return;
    struct url_param params[SV_PARAMS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < sv->pending.n_used && n < SV_PARAMS_MAX; i++)
        params[n++] = (struct url_param){sv->pending.keys[i], sv->pending.values[i]};
    struct omslog_error err = {0};
    sv->guess_req = api_request_page(a->api, 1, a->cfg->page_size, params, n, &err);
    if (sv->guess_req < 0) {
        sv->guess_req = 0;
        sv_guess_cancel(a);
        sv->hold_neg = false;
    }
}

/* Why a guess's page shows the server did not filter as asked (a row that
 * fails the pushed filter, or the whole log's count), or NULL. */
static const char *sv_guess_wrong(const struct serverview *sv, const struct filter *pushed,
                                  const struct log_page *page, char *why, size_t n)
{
    for (size_t i = 0; i < page->n; i++)
        if (!filter_match(pushed, &page->entries[i])) {
            snprintf(why, n, "log %" PRId64 " does not match", page->entries[i].id);
            return why;
        }
    if (sv->unfiltered > 0 && page->count >= sv->unfiltered)
        return "it counted the whole log";
    return NULL;
}

/* The guess's first page: the view switches to the server's query if the
 * page passes; else the client's view (never left) scans, and the
 * negotiation, sent now, decides (it may still find another plan). */
static void sv_guess_result(struct app *a, struct api_result *r)
{
    struct serverview *sv = a->sv;
    struct caps_push p = sv->pending;
    sv->have_pending = false;
    sv->guess_req = 0;
    sv->hold_neg = false;
    char buf[64];
    const char *why = r->err.status == OMSLOG_OK ? NULL : "its page failed";
    if (!why) {
        struct filter pushed;
        caps_pushed_filter(&p, &a->filter, &pushed);
        why = sv_guess_wrong(sv, &pushed, &r->page, buf, sizeof buf);
        filter_free(&pushed);
    }
    if (why) {
        caps_push_free(&p);
        app_message(a, MSG_INFO, "the server does not filter this (%s): filtering on the client",
                    why);
        return;
    }
    sv->opt = p;
    sv->have_opt = sv->guess = sv->hold_neg = true;
    sv_apply(a, &sv->opt, &r->page);
}

/* The plan on screen turned out wrong: the client scans instead. */
static void sv_fall_back(struct app *a)
{
    struct serverview *sv = a->sv;
    app_cancel_pages(a);
    sv_merge_drop(a);
    store_set_server_filter(a->store, NULL);
    sv_plan_drop(sv);
    store_set_filter(a->store, &a->filter);
    a->list.top = 0;
    app_select(a, 0, false);
}

static void sv_use_plan(struct app *a)
{
    struct serverview *sv = a->sv;
    const struct caps_push *p = negotiate_plan(sv->neg);
    if (sv->have_opt && sv_same_plan(&sv->opt, p)) { /* on screen already: checked now */
        sv->guess = false;
        sv->baseline = negotiate_baseline(sv->neg);
        negotiate_free(sv->neg);
        sv->neg = NULL;
        return;
    }
    sv_plan_drop(sv);
    sv->plan_neg = sv->neg;
    sv->neg = NULL;
    sv->baseline = negotiate_baseline(sv->plan_neg);
    struct log_page first;
    bool have = negotiate_take_page(sv->plan_neg, &first);
    sv_apply(a, p, have ? &first : NULL);
    if (have)
        log_page_free(&first);
}

/* The store shows the server's rows under sv->pushed (the client filters
 * sv->residual on top) from the top; the selection lands once the first page
 * is in (sv_land). */
static void sv_show(struct app *a)
{
    struct serverview *sv = a->sv;
    app_cancel_pages(a);
    store_set_server_filter(a->store, &sv->pushed);
    store_set_filter(a->store, &sv->residual);
    a->list.top = 0;
    app_select(a, 0, false);
    sv->land_pending = true;
}

/* The store shows plan p's filtered query from now on (its first page at
 * once when it was fetched: first, whose entries the store takes). */
static void sv_apply(struct app *a, const struct caps_push *p, struct log_page *first)
{
    struct serverview *sv = a->sv;
    for (size_t i = 0; i < p->n_used && i < SV_PARAMS_MAX - 1; i++)
        sv->params[sv->n_params++] = (struct url_param){p->keys[i], p->values[i]};
    filter_free(&sv->pushed);
    caps_pushed_filter(p, &a->filter, &sv->pushed);
    filter_free(&sv->residual);
    sv_residual(p, &a->filter, &sv->residual);
    sv_show(a);
    if (first)
        store_page_loaded(a->store, 1, first);
    serverview_after_page(a); /* the first page may already give it away */
}

/* The view's first page is in: the selection goes to the entry selected
 * before the filter, or the nearest match to it on that page; else (not on
 * it) where that entry would be among the matches, by one count (sent only
 * now: the page is what the user waits for). Not if the user moved. */
static void sv_land(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv->land_pending || !serverview_active(a) || store_count(a->store) < 0)
        return;
    sv->land_pending = false;
    if (!sv->anchor_id || a->list.sel != 0)
        return;
    int64_t r = store_row_nearest_id(a->store, sv->anchor_id);
    if (r >= 0) {
        app_select(a, r, true);
        return;
    }
    if (!store_is_filtered(a->store) && !sv->mv && serverview_honours(a, CAPS_ID_LTE)) {
        snprintf(sv->land_value, sizeof sv->land_value, "%" PRId64, sv->anchor_id);
        sv->land_req =
            sv_count_request(a, caps_param_name(&a->sv->caps, CAPS_ID_LTE), sv->land_value);
    }
}

/* The client scans: the unfiltered first page the negotiation read is the
 * scan's page 1 too, when nothing has loaded or asked for it since the view
 * changed (with --server-filter require, the only page it shows). */
static void sv_give_base(struct app *a)
{
    struct log_page base = {0};
    struct omslog_error err = {0};
    if (store_server_filtered(a->store) || store_count(a->store) >= 0 ||
        store_in_flight(a->store) || !negotiate_take_base(a->sv->neg, &base, &err))
        return;
    if (err.status == OMSLOG_OK)
        store_page_loaded(a->store, 1, &base);
    log_page_free(&base);
}

static void sv_client_scans(struct app *a);
static bool sv_census_maybe(struct app *a);

/* A negotiation ended: remember what it learnt, use its plan if any. */
static void sv_neg_done(struct app *a)
{
    struct serverview *sv = a->sv;
    sv->caps = *negotiate_caps(sv->neg);
    if (negotiate_baseline(sv->neg) >= 0)
        sv->unfiltered = negotiate_baseline(sv->neg);
    if (negotiate_learnt(sv->neg))
        sv_save(a);
    bool liar = false;
    const char *why = negotiate_why(sv->neg, &liar);
    if (sv->neg_for_filter && why)
        app_message(a, MSG_INFO,
                    "the server's filter cannot be trusted (%s): filtering on the client", why);
    if (sv->neg_for_filter && negotiate_plan(sv->neg)->n_used > 0) {
        sv_use_plan(a);
        sv_census_maybe(a);
        return;
    }
    bool for_filter = sv->neg_for_filter;
    if (for_filter && sv->have_opt) /* the plan shown did not survive its check */
        sv_fall_back(a);
    if (for_filter)
        sv_give_base(a);
    bool for_summary = !sv->neg_for_filter && a->summary.loaded && a->summary.counting;
    sv_neg_drop(a);
    if (for_filter && !sv_census_maybe(a))
        sv_client_scans(a);
    if (for_summary) /* S waited for these probes */
        serverview_summary_start(a);
}

/* The server cannot filter what the client is to: say so under --server-filter
 * require, else a big scan asks first (scan.c). */
static void sv_client_scans(struct app *a)
{
    if (a->cfg->server_filter == CONFIG_SERVER_FILTER_REQUIRE)
        app_message(a, MSG_ERROR,
                    "--server-filter require: the server cannot filter this; showing only "
                    "the matches already loaded");
    else
        scan_gate_check(a);
}

/* A minimum level the plan could not push, where level= is honoured: count
 * the levels (census.c); true when the census started. */
static bool sv_census_maybe(struct app *a)
{
    struct serverview *sv = a->sv;
    const struct caps_push *p = sv_plan(sv);
    if (a->filter.min_level == FILTER_LEVEL_NONE || a->filter.exact_level != FILTER_LEVEL_NONE ||
        (p && p->level_pushed) || !serverview_honours(a, CAPS_LEVEL))
        return false;
    sv->census = census_new(sv->params, sv->n_params, caps_param_name(&sv->caps, CAPS_LEVEL),
                            a->filter.min_level, NULL, 0);
    census_send(a, sv->census);
    return true;
}

/* The census proved level L the only one at or above the minimum: the
 * server shows level=L (with the plan's other params); false when the plan
 * cannot push it after all. */
static bool sv_census_apply(struct app *a, int level)
{
    struct serverview *sv = a->sv;
    struct filter f;
    filter_copy_view(&f, &a->filter);
    f.min_level = FILTER_LEVEL_NONE;
    f.exact_level = level;
    struct caps_push p;
    caps_push_plan(&sv->caps, &f, &p);
    filter_free(&f);
    if (!p.level_pushed) {
        caps_push_free(&p);
        return false;
    }
    sv_plan_drop(sv);
    sv->opt = p;
    sv->have_opt = true;
    sv_apply(a, &sv->opt, NULL);
    char min[LEVEL_NAME_MAX], one[LEVEL_NAME_MAX];
    app_message(a, MSG_INFO,
                "the server filters exact levels only; at or above %s this log holds %s only "
                "(counted): filtering on the server",
                level_format(a->filter.min_level, min), level_format(level, one));
    return true;
}

static bool sv_merge_apply(struct app *a, const struct census *c);
static bool sv_merge_same(const struct app *a, const struct census *c);
static void sv_merge_recount(struct app *a);

static void sv_census_done(struct app *a)
{
    struct serverview *sv = a->sv;
    int level;
    enum census_state st = census_state(sv->census, &level);
    bool had = sv->mv != NULL; /* counted again for follow (sv_merge_recount) */
    bool keep = had && (st == CENSUS_MANY ? sv_merge_same(a, sv->census) : st != CENSUS_ONE);
    if (had && keep) { /* nothing new at or above the minimum, or nothing proven */
        census_free(a, sv->census);
        sv->census = NULL;
        if (st != CENSUS_MANY)
            app_message(a, MSG_INFO,
                        "new entries: the levels' counts did not add up (the log "
                        "grew meanwhile?); the merged view stays as it was");
        return;
    }
    if (had) {
        sv->anchor_id = a->list.sel_id;
        sv_merge_drop(a);
    }
    bool merged = st == CENSUS_MANY && sv_merge_apply(a, sv->census);
    census_free(a, sv->census);
    sv->census = NULL;
    if (merged)
        return;
    if (st == CENSUS_ONE && sv_census_apply(a, level))
        return;
    if (had) { /* the merge's store cannot be served any more */
        sv_fall_back(a);
        sv_client_scans(a);
    } else if (!serverview_active(a)) /* no plan at all: the client scans the log */
        sv_client_scans(a);
}

bool serverview_negotiating(const struct app *a)
{
    return a->sv && ((a->sv->neg && a->sv->neg_for_filter) || a->sv->census);
}

bool serverview_guessing(const struct app *a)
{
    return a->sv && a->sv->have_pending;
}

static void sv_send_counts(struct app *a);

/* A negotiation that only probes (no filter): its verdicts are for later. */
static void sv_probe(struct app *a, const enum caps_param *which, size_t n)
{
    struct serverview *sv = a->sv;
    struct filter none;
    filter_init(&none);
    sv->neg = negotiate_new(&none, &sv->caps, which, n, a->cfg->page_size);
    negotiate_extra_above(sv->neg, CAPS_ID_LT, SV_KEYSET_MIN_ROWS);
    sv->neg_for_filter = false;
    filter_free(&none);
}

int serverview_wake_ms(const struct app *a)
{
    const struct serverview *sv = a->sv;
    if (!sv || sv->startup_done || !sv_enabled(a))
        return -1;
    int64_t left = sv->busy_ms + SV_STARTUP_QUIET_MS - now_ms();
    return left > 0 ? (int)left : 0;
}

/* A later page of the guess on screen says the server did not filter as
 * asked (a row that fails the pushed filter, or the whole log's count): the
 * param is ignored or lying, the negotiation tells which and may still find
 * another plan. The client filters meanwhile. */
static void sv_check_guess(struct app *a)
{
    struct serverview *sv = a->sv;
    int64_t id = store_server_liar(a->store), n = store_count(a->store);
    bool whole = !id && sv->unfiltered > 0 && n >= sv->unfiltered;
    if (!id && !whole)
        return;
    sv_fall_back(a);
    char why[64];
    if (id)
        snprintf(why, sizeof why, "log %" PRId64 " does not match", id);
    else
        snprintf(why, sizeof why, "it counted the whole log");
    app_message(a, MSG_INFO, "the server does not filter this (%s): filtering on the client", why);
}

static void sv_merge_status(struct app *a, enum mv_status st, int64_t liar);

void serverview_schedule(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv || !sv_enabled(a))
        return;
    int64_t now = now_ms();
    if (store_in_flight(a->store) || store_failed_pages(a->store) || store_count(a->store) < 0)
        sv->busy_ms = now;
    sv_guess_send(a);
    /* The view's first page has answered: the negotiation may go ahead. */
    if (sv->hold_neg && !sv->have_pending &&
        (!serverview_active(a) || store_count(a->store) >= 0 || store_failed_pages(a->store)))
        sv->hold_neg = false;
    if (!sv->neg && !sv->startup_done && now - sv->busy_ms >= SV_STARTUP_QUIET_MS) {
        sv->startup_done = true;
        bool unknown = false;
        for (size_t i = 0; i < ARRAY_LEN(sv_startup); i++)
            unknown =
                unknown ||
                (sv->caps.v[sv_startup[i]] == CAPS_UNKNOWN &&
                 (sv_startup[i] != CAPS_ID_LT || store_count(a->store) > SV_KEYSET_MIN_ROWS));
        if (unknown)
            sv_probe(a, sv_startup, ARRAY_LEN(sv_startup));
    }
    sv_send(a);
    sv_send_counts(a);
    if (sv->census) {
        census_send(a, sv->census);
        if (census_state(sv->census, NULL) != CENSUS_RUNNING)
            sv_census_done(a);
    }
    if (sv->mv) {
        int64_t liar = 0;
        enum mv_status st = mergeview_pump(a, sv->mv, &liar);
        sv_merge_status(a, st, liar);
    }
}

/* The filter changed: the client scans it at once (as without server
 * help) while a negotiation finds out whether the server can do it. */
void serverview_set_filter(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!store_server_filtered(a->store) && store_count(a->store) >= 0)
        sv->unfiltered = store_count(a->store);
    sv_neg_drop(a);
    sv_guess_cancel(a);
    census_free(a, sv->census);
    sv->census = NULL;
    sv_merge_drop(a);
    sv->anchor_id = a->list.sel_id;
    if (sv->land_req > 0)
        api_cancel(a->api, sv->land_req);
    sv->land_req = 0;
    if (store_server_filtered(a->store)) {
        app_cancel_pages(a);
        store_set_server_filter(a->store, NULL);
    }
    sv_plan_drop(sv);
    store_set_filter(a->store, &a->filter);
    bool wanted = a->filter.min_level != FILTER_LEVEL_NONE ||
                  a->filter.exact_level != FILTER_LEVEL_NONE || a->filter.n_apps > 0;
    if (!wanted || !sv_enabled(a))
        return;
    sv->startup_done = true; /* this one probes what the start-up would have */
    sv->neg = negotiate_new(&a->filter, &sv->caps, sv_extra,
                            ARRAY_LEN(sv_extra) - (a->filter.min_level == FILTER_LEVEL_NONE),
                            a->cfg->page_size);
    negotiate_extra_above(sv->neg, CAPS_ID_LT, SV_KEYSET_MIN_ROWS);
    sv->neg_for_filter = true;
    sv_try_optimistic(a);
}

/* A server-filtered page sent a row the pushed filter rejects: the params
 * are liars (remembered), and the client scans instead. */
static void sv_check_liar(struct app *a)
{
    struct serverview *sv = a->sv;
    int64_t id = store_server_liar(a->store);
    const struct caps_push *p = sv_plan(sv);
    if (!p || !id)
        return;
    for (size_t i = 0; i < p->n_used; i++)
        sv->caps.v[p->used[i]] = CAPS_LIAR;
    if (sv->mv) /* the level part is the merge's level= */
        sv->caps.v[CAPS_LEVEL] = CAPS_LIAR;
    sv_save(a);
    if (sv->neg && sv->neg_for_filter) /* a check of the plan is moot now */
        sv_neg_drop(a);
    sv_fall_back(a);
    app_message(a, MSG_ERROR, "the server's filter sent log %" PRId64 ", which does not match: %s",
                id,
                a->cfg->server_filter == CONFIG_SERVER_FILTER_REQUIRE
                    ? "--server-filter require, so no client scan either"
                    : "filtering on the client instead");
    scan_gate_check(a);
}

void serverview_pause(struct app *a, enum caps_param p)
{
    if (a->sv)
        a->sv->paused |= 1u << p;
}

void serverview_distrust(struct app *a, enum caps_param p)
{
    if (!a->sv || a->sv->caps.v[p] == CAPS_LIAR)
        return;
    a->sv->caps.v[p] = CAPS_LIAR;
    sv_save(a);
}

/* A guess's rows prove nothing of the kind: sv_check_guess. */
void serverview_after_page(struct app *a)
{
    struct serverview *sv = a->sv;
    scan_gate_recheck(a);
    if (!sv)
        return;
    if (sv->guess && serverview_active(a))
        sv_check_guess(a);
    else
        sv_check_liar(a);
    sv_land(a);
}

/* ---- several levels merged (mergeview.c) ---- */

/* The census found several levels at or above the minimum: the view is the
 * merge of one stream per level (with the plan's other params, if any); the
 * level part counts as pushed (every row is checked against it). */
static bool sv_merge_apply(struct app *a, const struct census *c)
{
    struct serverview *sv = a->sv;
    int levels[MERGE_MAX_STREAMS];
    int64_t counts[MERGE_MAX_STREAMS];
    size_t n = census_present(c, levels, counts, MERGE_MAX_STREAMS);
    if (n < 2)
        return false;
    if (!sv_plan(sv)) { /* no other part pushed: a plan of none */
        memset(&sv->opt, 0, sizeof sv->opt);
        sv->have_opt = true;
        filter_free(&sv->residual);
        filter_copy_view(&sv->residual, &a->filter);
    }
    sv->pushed.min_level = a->filter.min_level;
    sv->residual.min_level = FILTER_LEVEL_NONE;
    const char *lt = serverview_param(a, CAPS_ID_LT);
    long size = a->cfg->page_size > 0 ? a->cfg->page_size : CONFIG_DEFAULT_PAGE_SIZE;
    sv->mv = mergeview_new(sv->params, sv->n_params, caps_param_name(&sv->caps, CAPS_LEVEL), lt,
                           levels, counts, n, size);
    sv_show(a);
    char min[LEVEL_NAME_MAX];
    app_message(a, MSG_INFO,
                "the server filters exact levels only; at or above %s this log holds %zu "
                "levels (counted): merging one stream per level",
                level_format(a->filter.min_level, min), n);
    return true;
}

/* A page far below what was merged (G, a jump): the merge goes on to it,
 * through the matches only; the status line says how far, and when there. */
static void sv_merge_progress(struct app *a)
{
    struct serverview *sv = a->sv;
    int64_t target;
    long requests;
    long left = mergeview_left(sv->mv, &target, &requests);
    char done[32], of[32];
    if (left > SV_MERGE_FAR_PAGES) {
        sv->mv_far = true;
        app_message(a, MSG_INFO, "merging the %zu level streams: %s of %s rows (%ld requests)",
                    mergeview_streams(sv->mv), draw_count(mergeview_built(sv->mv), done),
                    draw_count(target, of), requests);
    } else if (sv->mv_far && left == 0) {
        sv->mv_far = false;
        app_message(a, MSG_INFO, "merged the %zu level streams down to row %s (%ld requests)",
                    mergeview_streams(sv->mv), draw_count(target, done), requests);
    }
}

/* The census found what the merge on screen has: the same levels, counted
 * the same. */
static bool sv_merge_same(const struct app *a, const struct census *c)
{
    int levels[MERGE_MAX_STREAMS];
    int64_t counts[MERGE_MAX_STREAMS];
    size_t n = census_present(c, levels, counts, MERGE_MAX_STREAMS);
    return mergeview_same(a->sv->mv, levels, counts, n);
}

/* What came of the merge's work: pages for the store, or a reason to scan. */
static void sv_merge_status(struct app *a, enum mv_status st, int64_t liar)
{
    struct serverview *sv = a->sv;
    if ((st == MV_OK || st == MV_LOADED) && mergeview_changed(sv->mv))
        sv_merge_recount(a); /* a stream's count moved: the log changed */
    if (st == MV_LOADED) {
        sv_merge_progress(a);
        serverview_after_page(a);
    } else if (st == MV_LIAR) {
        sv->caps.v[CAPS_LEVEL] = CAPS_LIAR;
        sv_save(a);
        sv_fall_back(a);
        app_message(a, MSG_ERROR,
                    "the server's level= sent log %" PRId64 " of another level: filtering on "
                    "the client instead",
                    liar);
        sv_client_scans(a);
    } else if (st == MV_FAILED) {
        sv_fall_back(a);
        app_message(a, MSG_INFO,
                    "the level streams did not add up (or a request failed): filtering on the "
                    "client");
        sv_client_scans(a);
    }
}

/* ---- jump: where an id is, from one request of id__lte=ID ---- */

void serverview_jump_cancel(struct app *a)
{
    struct serverview *sv = a->sv;
    if (sv->count_req > 0)
        api_cancel(a->api, sv->count_req);
    sv->count_req = 0;
    sv->count_id = 0;
    sv->count_ok = false;
}

const char *serverview_param_to_try(struct app *a, enum caps_param p)
{
    const char *name = serverview_param(a, p); /* looks the cache up again */
    if (name || !a->sv || !sv_enabled(a) || a->sv->caps.v[p] != CAPS_UNKNOWN)
        return name;
    return caps_param_name(&a->sv->caps, p);
}

bool serverview_jump_start(struct app *a, int64_t id)
{
    struct serverview *sv = a->sv;
    serverview_jump_cancel(a);
    /* Rows of a view the client filters on top are not the server's rows. */
    const char *lte = serverview_param_to_try(a, CAPS_ID_LTE);
    if (!lte || store_is_filtered(a->store) || store_count(a->store) <= 0 || sv->mv)
        return false;
    snprintf(sv->lte_value, sizeof sv->lte_value, "%" PRId64, id);
    int req = sv_count_request(a, lte, sv->lte_value);
    if (req <= 0)
        return false;
    sv->count_req = req;
    sv->count_id = id;
    return true;
}

bool serverview_jump_waiting(const struct app *a)
{
    return a->sv && a->sv->count_req > 0;
}

bool serverview_jump_answer(const struct app *a, int64_t *count, int64_t *first_id)
{
    const struct serverview *sv = a->sv;
    if (!sv->count_ok)
        return false;
    *count = sv->count_c;
    *first_id = sv->count_first;
    return true;
}

void serverview_param_wrong(struct app *a, enum caps_param p, bool refused)
{
    struct serverview *sv = a->sv;
    if (!sv || !sv_enabled(a))
        return;
    enum caps_verdict *v = &sv->caps.v[p];
    if (*v != CAPS_UNKNOWN && *v != CAPS_HONOURED)
        return;
    *v = refused ? CAPS_REFUSED : *v == CAPS_HONOURED ? CAPS_LIAR : CAPS_IGNORED;
    sv_save(a);
}

/* The answer to id__lte=ID: an entry above the id proves the parameter was
 * not applied (ignored, or a liar when it had been proven): remembered, so
 * the next jump does not ask again. */
static void sv_jump_result(struct app *a, struct api_result *r)
{
    struct serverview *sv = a->sv;
    sv->count_req = 0;
    sv->count_ok = false;
    if (r->err.status == OMSLOG_ERR_BAD_REQUEST)
        serverview_param_wrong(a, CAPS_ID_LTE, true);
    if (r->err.status != OMSLOG_OK || r->page.count < 0)
        return;
    const struct log_page *p = &r->page;
    if (p->count > 0 && (p->n == 0 || p->entries[0].id > sv->count_id)) {
        serverview_param_wrong(a, CAPS_ID_LTE, false);
        return;
    }
    sv->count_ok = true;
    sv->count_c = p->count;
    sv->count_first = p->n > 0 ? p->entries[0].id : -1;
}

/* Follow in the merged view: the levels are counted again (a page 1 of the
 * streams would not fit the count the view has); the view is built again
 * only when the counts changed. */
static void sv_merge_recount(struct app *a)
{
    if (!a->sv->census)
        sv_census_maybe(a);
}

/* ---- follow: poll id__gt=newest, read page 1 only when something is new ---- */

void serverview_follow_poll(struct app *a)
{
    struct serverview *sv = a->sv;
    int64_t newest = store_max_id(a->store);
    if (sv->mv && !serverview_honours(a, CAPS_ID_GT)) {
        sv_merge_recount(a);
        return;
    }
    if (!serverview_honours(a, CAPS_ID_GT) || newest <= 0) {
        store_refresh_top(a->store);
        return;
    }
    if (sv->follow_req > 0)
        return; /* the last poll has not answered yet */
    snprintf(sv->gt_value, sizeof sv->gt_value, "%" PRId64, newest);
    int req = sv_count_request(a, caps_param_name(&a->sv->caps, CAPS_ID_GT), sv->gt_value);
    if (req > 0)
        sv->follow_req = req;
    else
        store_refresh_top(a->store);
}

/* ---- results ---- */

static bool sv_neg_result(struct app *a, struct api_result *r)
{
    struct serverview *sv = a->sv;
    for (size_t i = 0; i < sv->n_sent; i++) {
        if (sv->sent[i].id != r->id)
            continue;
        int serial = sv->sent[i].serial;
        sv->sent[i] = sv->sent[--sv->n_sent];
        negotiate_answer(sv->neg, serial, &r->err, &r->page);
        if (negotiate_done(sv->neg))
            sv_neg_done(a);
        return true;
    }
    return false;
}

static bool sv_count_result(struct app *a, struct api_result *r);

bool serverview_result(struct app *a, struct api_result *r)
{
    struct serverview *sv = a->sv;
    if (!sv || r->kind != API_PAGE)
        return false;
    if (sv_neg_result(a, r) || sv_count_result(a, r))
        return true;
    enum mv_status st;
    int64_t liar = 0;
    if (sv->mv && mergeview_result(a, sv->mv, r, &st, &liar)) {
        sv_merge_status(a, st, liar);
        return true;
    }
    if (sv->census && census_result(sv->census, r)) {
        if (census_state(sv->census, NULL) != CENSUS_RUNNING)
            sv_census_done(a);
        return true;
    }
    if (sv->guess_req > 0 && r->id == sv->guess_req) {
        sv_guess_result(a, r);
        return true;
    }
    if (sv->count_req > 0 && r->id == sv->count_req) {
        sv_jump_result(a, r);
        return true;
    }
    if (sv->land_req > 0 && r->id == sv->land_req) {
        sv->land_req = 0;
        int64_t rows = store_rows(a->store);
        if (r->err.status == OMSLOG_OK && rows > 0 && r->page.count > 0 && serverview_active(a) &&
            !store_is_filtered(a->store)) {
            int64_t row = store_count(a->store) - r->page.count;
            app_select(a, row < 0 ? 0 : row, true);
        }
        return true;
    }
    if (sv->follow_req > 0 && r->id == sv->follow_req) {
        sv->follow_req = 0;
        /* New entries (or no answer): page 1 tells the new count and rows. */
        if (sv->mv && (r->err.status != OMSLOG_OK || r->page.count > 0))
            sv_merge_recount(a);
        else if (r->err.status != OMSLOG_OK || r->page.count > 0)
            store_refresh_top(a->store);
        return true;
    }
    return false;
}

/* ---- where the filters ran ---- */

bool serverview_active(const struct app *a)
{
    return a->sv && sv_plan(a->sv) && store_server_filtered(a->store);
}

bool serverview_checking(const struct app *a)
{
    return serverview_active(a) && a->sv->guess;
}

void serverview_describe(const struct app *a, struct buf *out)
{
    const struct serverview *sv = a->sv;
    struct buf d = {0};
    filter_describe(&sv->pushed, &d);
    /* A guess's count and rows are the server's word until the negotiation
     * has checked them. */
    buf_printf(out, "server%s: %s", sv->guess ? " (checking)" : "", buf_str(&d));
    if (sv->mv)
        buf_printf(out, " (%zu streams)", mergeview_streams(sv->mv));
    buf_reset(&d);
    filter_describe(&sv->residual, &d);
    if (d.len)
        buf_printf(out, " · client: %s", buf_str(&d));
    buf_free(&d);
}

/* ---- S: exact counts per level and app ---- */

void serverview_summary_cancel(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n_counts; i++) {
        if (sv->counts[i].req > 0)
            api_cancel(a->api, sv->counts[i].req);
        free(sv->counts[i].key);
    }
    sv->n_counts = sv->counts_left = 0;
    a->summary.counting = false;
}

static bool sv_count_has(const struct serverview *sv, bool app, int level, const char *key)
{
    for (size_t i = 0; i < sv->n_counts; i++)
        if (sv->counts[i].app == app &&
            (app ? strcmp(sv->counts[i].key, key) == 0 : sv->counts[i].level == level))
            return true;
    return false;
}

static void sv_count_add(struct serverview *sv, bool app, int level, const char *key)
{
    if (sv->n_counts >= SV_COUNTS_MAX || sv_count_has(sv, app, level, key))
        return;
    struct sv_count *c = &sv->counts[sv->n_counts++];
    memset(c, 0, sizeof *c);
    c->app = app;
    c->level = level;
    if (app) {
        c->key = xstrdup(key);
    } else {
        char name[LEVEL_NAME_MAX];
        c->key = xstrdup(level_format(level, name));
        snprintf(c->value, sizeof c->value, "%d", level);
    }
}

void serverview_summary_start(struct app *a)
{
    struct serverview *sv = a->sv;
    serverview_summary_cancel(a);
    a->summary.exact = false;
    /* Rows the client filters are not what the server would count, nor is
     * a guess's query proven yet. */
    if (!sv_enabled(a) || store_is_filtered(a->store) || store_count(a->store) <= 0 ||
        serverview_checking(a) || sv->mv) /* the merge's rows are no one query's */
        return;
    bool unknown = false;
    for (size_t i = 0; i < ARRAY_LEN(sv_summary_caps); i++)
        unknown = unknown || sv->caps.v[sv_summary_caps[i]] == CAPS_UNKNOWN;
    if (unknown && !sv->neg) { /* probe first; the counts follow (sv_neg_done) */
        sv_probe(a, sv_summary_caps, ARRAY_LEN(sv_summary_caps));
        a->summary.counting = true;
        sv_send(a);
        return;
    }
    if (!serverview_honours(a, CAPS_LEVEL) || !serverview_honours(a, CAPS_APP))
        return;
    static const int standard[] = {LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARNING, LEVEL_ERROR,
                                   LEVEL_CRITICAL};
    for (size_t i = 0; i < ARRAY_LEN(standard); i++)
        sv_count_add(sv, false, standard[i], NULL);
    for (size_t i = 0; i < a->summary.sum.n_levels; i++)
        sv_count_add(sv, false, a->summary.sum.levels[i].level, NULL);
    const char *const *apps;
    size_t n_apps = store_apps_seen(a->store, &apps);
    for (size_t i = 0; i < n_apps; i++)
        sv_count_add(sv, true, -1, apps[i]);
    sv->counts_left = sv->n_counts;
    a->summary.exact_total = store_count(a->store);
    a->summary.counting = true;
    sv_send_counts(a);
}

static void sv_send_counts(struct app *a)
{
    struct serverview *sv = a->sv;
    for (size_t i = 0; i < sv->n_counts && api_room(a->api) > 0; i++) {
        struct sv_count *c = &sv->counts[i];
        if (c->req != 0)
            continue;
        struct url_param params[SV_PARAMS_MAX];
        size_t n = 0;
        for (size_t k = 0; k < sv->n_params; k++)
            params[n++] = sv->params[k];
        params[n++] =
            c->app ? (struct url_param){caps_param_name(&a->sv->caps, CAPS_APP), c->key}
                   : (struct url_param){caps_param_name(&a->sv->caps, CAPS_LEVEL), c->value};
        struct omslog_error err = {0};
        c->req = api_request_page(a->api, 1, 1, params, n, &err);
        if (c->req < 0) { /* cannot count: the summary stays as loaded */
            serverview_summary_cancel(a);
            return;
        }
    }
}

static int sv_item_cmp(const void *x, const void *y)
{
    const struct store_count_item *p = x, *q = y;
    if (p->other != q->other)
        return p->other ? 1 : -1;
    return (p->n < q->n) - (p->n > q->n);
}

/* The counted items of one kind, most frequent first, those of 0 left out,
 * and an "other" line for what they leave of the total. */
static void sv_items(struct serverview *sv, bool app, int64_t total, struct store_count_item **out,
                     size_t *n_out)
{
    struct store_count_item *items = xcalloc(sv->n_counts + 1, sizeof *items);
    size_t n = 0;
    int64_t sum = 0;
    for (size_t i = 0; i < sv->n_counts; i++) {
        struct sv_count *c = &sv->counts[i];
        if (c->app != app || c->n <= 0)
            continue;
        items[n++] =
            (struct store_count_item){xstrdup(c->key), app ? -1 : c->level, (long)c->n, false};
        sum += c->n;
    }
    if (sum < total)
        items[n++] = (struct store_count_item){xstrdup(app ? "other apps" : "other levels"), -1,
                                               (long)(total - sum), true};
    if (n > 1)
        qsort(items, n, sizeof *items, sv_item_cmp);
    *out = items;
    *n_out = n;
}

static void sv_items_free(struct store_count_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].key);
    free(items);
}

/* Every count is in: the summary's levels and apps become the exact ones. */
static void sv_counts_done(struct app *a)
{
    struct serverview *sv = a->sv;
    struct store_summary *sum = &a->summary.sum;
    int64_t total = a->summary.exact_total;
    sv_items_free(sum->levels, sum->n_levels);
    sv_items_free(sum->apps, sum->n_apps);
    sv_items(sv, false, total, &sum->levels, &sum->n_levels);
    sv_items(sv, true, total, &sum->apps, &sum->n_apps);
    a->summary.exact = true;
    a->summary.sel = 0;
    a->summary.top = 0;
    serverview_summary_cancel(a);
}

static bool sv_count_result(struct app *a, struct api_result *r)
{
    struct serverview *sv = a->sv;
    for (size_t i = 0; i < sv->n_counts; i++) {
        struct sv_count *c = &sv->counts[i];
        if (c->req <= 0 || c->req != r->id)
            continue;
        c->req = -1;
        if (r->err.status != OMSLOG_OK) {
            serverview_summary_cancel(a);
            return true;
        }
        c->n = r->page.count;
        if (--sv->counts_left == 0 && a->summary.loaded)
            sv_counts_done(a);
        return true;
    }
    return false;
}

/* ---- finds: whether the server's search may pre-filter n/N ---- */

/* The verdicts on the search's fields: this browser's, and what the caps
 * file remembers (`list --search` probes them too) for the search's current
 * name where this one does not know; NULL when nothing is asked of a server. */
const enum caps_verdict *serverview_search_fields(struct app *a)
{
    struct serverview *sv = a->sv;
    if (!sv || !sv_enabled(a))
        return NULL;
    struct caps file;
    bool known = true;
    for (size_t i = 0; i < CAPS_SEARCH_FIELDS; i++)
        known = known && sv->caps.search_field[i] != CAPS_UNKNOWN;
    if (!known && sv->cache_path && caps_load(sv->cache_path, &file) &&
        caps_fresh(&file, (int64_t)time(NULL), CAPS_MAX_AGE_S)) {
        caps_use_names(&file, a->cfg->param_names);
        if (strcmp(caps_param_name(&file, CAPS_SEARCH), caps_param_name(&sv->caps, CAPS_SEARCH)) ==
            0)
            for (size_t i = 0; i < CAPS_SEARCH_FIELDS; i++)
                if (sv->caps.search_field[i] == CAPS_UNKNOWN)
                    sv->caps.search_field[i] = file.search_field[i];
    }
    return sv->caps.search_field;
}

void serverview_search_learnt(struct app *a, const enum caps_verdict *fields)
{
    struct serverview *sv = a->sv;
    bool learnt = false;
    for (size_t i = 0; sv && i < CAPS_SEARCH_FIELDS; i++)
        if (sv->caps.search_field[i] == CAPS_UNKNOWN && fields[i] != CAPS_UNKNOWN) {
            sv->caps.search_field[i] = fields[i];
            learnt = true;
        }
    if (learnt)
        sv_save(a);
}

const char *serverview_search_param(struct app *a)
{
    const char *name = serverview_param(a, CAPS_SEARCH);
    const enum caps_verdict *fields = name ? serverview_search_fields(a) : NULL;
    for (size_t i = 0; fields && i < CAPS_SEARCH_FIELDS; i++)
        if (fields[i] != CAPS_HONOURED)
            return NULL;
    return fields ? name : NULL;
}

/* A find's parameters not known yet are probed like the start-up ones,
 * after any negotiation under way (which may learn them too). */
bool serverview_probing(struct app *a, const enum caps_param *which, size_t n, bool start)
{
    struct serverview *sv = a->sv;
    if (!sv || !sv_enabled(a))
        return false;
    if (sv->neg)
        return true;
    bool unknown = false;
    for (size_t i = 0; i < n; i++)
        unknown = unknown || sv->caps.v[which[i]] == CAPS_UNKNOWN;
    if (!start || !unknown)
        return false;
    sv_probe(a, which, n);
    sv_send(a);
    return true;
}
