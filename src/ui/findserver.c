/* findserver.c — e/E, w/W and n/N asked of the server instead of scanning
 * the pages between the selection and the match, where the server can say.
 *
 * Contract:
 * - A find whose rows in between are not loaded (store_find PENDING) asks
 *   the server for the nearest candidate past the selected id, with the
 *   view's own params (serverview_page_params) and the find's predicate:
 *   level__gte=40 (e) or 30 (w) where proven honoured; search=TEXT (n) where
 *   the text means the same there (literal printable ASCII, searchcaps_text)
 *   and the server is proven to search every field we do.
 *   Below (older): one request of id__lt=ID (or id__lte=ID-1), one row: its
 *   newest row is the candidate, count 0 means none. Above (newer): the
 *   count of id__gt=ID (or id__gte=ID+1), then the page holding the oldest of
 *   them: two requests. The id params are tried before the probe has said;
 *   level__gte (and level__lte) or search not known yet is probed first
 *   (serverview_probing: the unfiltered page 1 and a probe each, remembered
 *   per origin), and where
 *   search is honoured the fields it looks in (searchcaps' probe, once per
 *   session, on a log longer than FINDSERVER_SEARCH_MIN_PAGES pages).
 * - Every candidate is checked here: its id is past the selection (else the
 *   id param was not applied: remembered, and the find scans), it passes
 *   the predicate (a level that does not: the server lied, remembered, scan;
 *   a search's row may hold the terms apart, so it is skipped) and the
 *   view's whole filter (a residual the server does not do: skipped). The
 *   server's answer is the nearest row of a superset of the matches (an
 *   ignored param widens it), so the first row that passes is the nearest
 *   match. A server that drops matching rows is caught by counts only: in
 *   an unfiltered view where level__lte is proven, a twin request of
 *   level__lte=L-1 past the selection goes out with the first, and the two
 *   counts must add up to the rows past the selection (else the find scans).
 *   After FINDSERVER_TRIES rounds of skipped rows the find scans, as it
 *   does wherever the server cannot help.
 * - The match is then selected by the jump (app_start_jump: two requests
 *   where id__lte works); the status line names the find and the requests
 *   ("next ERROR: log N (3 requests)"). A move, Esc, a filter or another
 *   find ends it (a->find.active goes false: a late answer is dropped).
 *
 * State: struct findserver, owned by struct app (a->fs), made on first use. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "omslog/level.h"
#include "omslog/searchcaps.h"
#include "omslog/util.h"

/* Rounds of candidates the view's filter (or a search's term split) rejects
 * before the find scans instead. */
#define FINDSERVER_TRIES 8
/* The view's params (at most 5) and the find's two. */
#define FINDSERVER_PARAMS_MAX 8
#define FINDSERVER_VALUE_MAX 24
/* On a shorter log the search's field probe costs what a scan does. */
#define FINDSERVER_SEARCH_MIN_PAGES 8

enum fs_step {
    FS_IDLE,
    FS_PROBE,        /* waiting for the verdict on level__gte or search */
    FS_SEARCH_PROBE, /* probing which fields the search looks in */
    FS_BELOW,        /* the newest candidate below past_id */
    FS_ABOVE_COUNT,  /* how many candidates above past_id */
    FS_ABOVE_PAGE,   /* the page holding the oldest of them */
    FS_TWIN,         /* an outcome waits for the twin count */
};

struct findserver {
    enum fs_step step;
    bool scan;      /* this find scans: the server cannot (or did not) help */
    int req;        /* the request in flight, 0: none */
    long sent;      /* requests of this find */
    int64_t past;   /* the candidates lie past this id */
    int64_t above;  /* FS_ABOVE_PAGE: the count of candidates above past */
    long page_rows; /* rows of a full page of these answers, as seen */
    int tries;
    struct searchcaps_probe *probe;
    /* A probe was started this session (kept by findserver_cancel): one
     * that could not tell is not run again for every find. */
    bool probed_level, probed_search, probed_fields;
    /* The twin count: its request, the rows past the selection it must add
     * up to with the find's first count (-1: not known), and the outcome
     * held until it is in (held_id 0: none found). */
    int twin_req;
    int64_t twin_rows, twin_count, first_count, held_id;
    char twin_value[FINDSERVER_VALUE_MAX];
    enum caps_param id_param; /* the one sent, blamed when not applied */
    char pred_value[FINDSERVER_VALUE_MAX], id_value[FINDSERVER_VALUE_MAX];
    /* The match is being selected by the jump: the message follows it. */
    int64_t landing;
    long landing_sent;
};

static struct findserver *fs_of(struct app *a)
{
    if (!a->fs)
        a->fs = xcalloc(1, sizeof *a->fs);
    return a->fs;
}

void findserver_cancel(struct app *a)
{
    struct findserver *fs = a->fs;
    if (!fs)
        return;
    if (fs->req > 0)
        source_cancel(a, fs->req);
    if (fs->twin_req > 0)
        source_cancel(a, fs->twin_req);
    searchcaps_probe_free(fs->probe);
    struct findserver kept = {.probed_level = fs->probed_level,
                              .probed_search = fs->probed_search,
                              .probed_fields = fs->probed_fields};
    *fs = kept;
}

void findserver_free(struct app *a)
{
    if (a->fs)
        searchcaps_probe_free(a->fs->probe);
    free(a->fs);
    a->fs = NULL;
}

bool findserver_busy(const struct app *a)
{
    return a->fs && a->fs->step != FS_IDLE;
}

static const char *const fs_what[] = {"ERROR", "WARNING", "match"};

/* A regular expression without special characters is its literal text. */
static bool fs_regex_is_literal(const char *text)
{
    return strpbrk(text, ".[]()*+?{}|^$\\") == NULL;
}

/* The find's predicate as a server param into p[*n], merged with the view's
 * own level__gte if it has one (the rows must pass both). false: the server
 * cannot be asked. */
/* The search's text means the same to the server's search (and ours is a
 * substring search: no special character). */
static bool fs_text_pushable(const struct app *a)
{
    const char *text = a->search.search;
    return text && fs_regex_is_literal(text) && searchcaps_text(text, true) == SEARCHCAPS_TEXT_OK;
}

static bool fs_pred_param(struct app *a, struct url_param *p, size_t *n)
{
    struct findserver *fs = a->fs;
    if (a->find.kind == FIND_SEARCH) {
        const char *text = a->search.search;
        if (!fs_text_pushable(a))
            return false;
        const char *name = serverview_search_param(a);
        if (!name)
            return false;
        p[(*n)++] = (struct url_param){name, text};
        return true;
    }
    const char *name = serverview_param(a, CAPS_LEVEL_GTE);
    if (!name)
        return false;
    long level = a->find.kind == FIND_ERROR ? LEVEL_ERROR : LEVEL_WARNING;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(p[i].key, name) == 0) {
            long view = strtol(p[i].value, NULL, 10);
            level = view > level ? view : level;
            snprintf(fs->pred_value, sizeof fs->pred_value, "%ld", level);
            p[i].value = fs->pred_value;
            return true;
        }
    snprintf(fs->pred_value, sizeof fs->pred_value, "%ld", level);
    p[(*n)++] = (struct url_param){name, fs->pred_value};
    return true;
}

/* id__lt=past (id__lte=past-1) below, id__gt=past (id__gte=past+1) above. */
static bool fs_id_param(struct app *a, struct url_param *p, size_t *n)
{
    struct findserver *fs = a->fs;
    bool below = a->find.dir > 0;
    enum caps_param strict = below ? CAPS_ID_LT : CAPS_ID_GT;
    enum caps_param loose = below ? CAPS_ID_LTE : CAPS_ID_GTE;
    const char *name = below ? serverview_param(a, strict) : serverview_param_to_try(a, strict);
    int64_t v = fs->past;
    fs->id_param = strict;
    if (!name) {
        name = below ? serverview_param_to_try(a, loose) : serverview_param(a, loose);
        fs->id_param = loose;
        if (!name || v == (below ? INT64_MIN : INT64_MAX))
            return false;
        v += below ? -1 : 1;
    }
    snprintf(fs->id_value, sizeof fs->id_value, "%" PRId64, v);
    p[(*n)++] = (struct url_param){name, fs->id_value};
    return true;
}

/* The next request of the find: page `page` of one-row pages. */
static bool fs_send(struct app *a, long page)
{
    struct findserver *fs = a->fs;
    struct url_param p[FINDSERVER_PARAMS_MAX];
    const struct url_param *view;
    size_t n_view, n = 0;
    serverview_page_params(a, &view, &n_view);
    for (size_t i = 0; i < n_view && n + 2 < FINDSERVER_PARAMS_MAX; i++)
        p[n++] = view[i];
    if (!fs_pred_param(a, p, &n) || !fs_id_param(a, p, &n))
        return false;
    struct omslog_error err = {0};
    int id = source_request_page(a, page, 1, p, n, &err);
    if (id < 0)
        return false;
    fs->req = id;
    fs->sent++;
    return true;
}

/* With the first request of a find by level in an unfiltered view: the
 * count of level__lte=L-1 past the selection (level__lte proven). */
static void fs_twin_send(struct app *a)
{
    struct findserver *fs = a->fs;
    const char *lte = serverview_param(a, CAPS_LEVEL_LTE);
    const struct url_param *view;
    size_t n_view, n = 0;
    serverview_page_params(a, &view, &n_view);
    fs->first_count = fs->twin_count = -1;
    if (a->find.kind == FIND_SEARCH || !lte || n_view > 0 || store_is_filtered(a->store) ||
        store_count(a->store) <= 0)
        return;
    struct url_param p[2];
    int level = a->find.kind == FIND_ERROR ? LEVEL_ERROR : LEVEL_WARNING;
    snprintf(fs->twin_value, sizeof fs->twin_value, "%d", level - 1);
    p[n++] = (struct url_param){lte, fs->twin_value};
    if (!fs_id_param(a, p, &n))
        return;
    struct omslog_error err = {0};
    int id = source_request_page(a, 1, 1, p, n, &err);
    if (id <= 0)
        return;
    fs->twin_req = id;
    fs->sent++;
    fs->twin_rows = a->find.dir > 0 ? store_count(a->store) - 1 - a->list.sel : a->list.sel;
}

/* The server cannot help (any more): the find scans from where it began. */
static void fs_scan(struct app *a)
{
    struct findserver *fs = a->fs;
    long sent = fs->sent;
    findserver_cancel(a);
    fs->scan = true;
    fs->sent = sent;
}

/* The search probe's next request; false when it is done (its verdicts
 * remembered). */
static bool fs_search_probe_send(struct app *a)
{
    struct findserver *fs = a->fs;
    struct searchcaps_request q;
    while (searchcaps_probe_next(fs->probe, &q)) {
        struct omslog_error err = {0};
        int id = source_request_page(a, q.page, q.size, q.params, q.n_params, &err);
        if (id > 0) {
            fs->req = id;
            return true;
        }
        searchcaps_probe_feed(fs->probe, NULL, &err);
    }
    serverview_search_learnt(a, searchcaps_probe_fields(fs->probe));
    searchcaps_probe_free(fs->probe);
    fs->probe = NULL;
    return false;
}

/* Which fields search looks in, where it is honoured and that is not known:
 * true while the probe runs. */
static bool fs_search_probe_start(struct app *a)
{
    struct findserver *fs = a->fs;
    const char *name = serverview_param(a, CAPS_SEARCH);
    const enum caps_verdict *known = name ? serverview_search_fields(a) : NULL;
    long size = a->scan.page_size > 0 ? a->scan.page_size : a->cfg->page_size;
    bool unknown = false;
    for (size_t i = 0; known && i < CAPS_SEARCH_FIELDS; i++)
        unknown = unknown || known[i] == CAPS_UNKNOWN;
    if (fs->probed_fields || !unknown || size <= 0 ||
        store_count(a->store) <= size * FINDSERVER_SEARCH_MIN_PAGES)
        return false;
    fs->probed_fields = true;
    fs->probe =
        searchcaps_probe_new(known, name, serverview_param(a, CAPS_ID_LTE), a->cfg->page_size);
    fs->step = FS_SEARCH_PROBE;
    return fs_search_probe_send(a);
}

/* The first request, once the predicate's verdicts are known (a find
 * whose verdict is not waits for a probe of it). */
static bool fs_ask(struct app *a)
{
    struct findserver *fs = a->fs;
    bool search = a->find.kind == FIND_SEARCH;
    if (!search || fs_text_pushable(a)) {
        /* level__lte for the twin count that catches a level filter
         * leaving rows out */
        static const enum caps_param levels[] = {CAPS_LEVEL_GTE, CAPS_LEVEL_LTE};
        static const enum caps_param text[] = {CAPS_SEARCH};
        const enum caps_param *p = search ? text : levels;
        size_t n = search ? ARRAY_LEN(text) : ARRAY_LEN(levels);
        bool *probed = search ? &fs->probed_search : &fs->probed_level;
        bool waiting = serverview_probing(a, p, n, false);
        if (!waiting && !*probed) {
            *probed = true;
            waiting = serverview_probing(a, p, n, true);
        }
        if (waiting) {
            fs->step = FS_PROBE;
            return true;
        }
    }
    if (search && fs_text_pushable(a) && fs_search_probe_start(a))
        return true;
    fs->step = a->find.dir > 0 ? FS_BELOW : FS_ABOVE_COUNT;
    if (!fs_send(a, 1)) {
        fs_scan(a);
        return false;
    }
    fs_twin_send(a);
    return true;
}

bool findserver_start(struct app *a)
{
    struct findserver *fs = fs_of(a);
    if (fs->scan || fs->step != FS_IDLE || a->file || a->list.sel_id == 0)
        return false;
    fs->past = a->list.sel_id;
    return fs_ask(a);
}

/* A row the server sent as a candidate: 1 the match, 0 skip it (the view's
 * residual, a search's terms apart), -1 the server did not apply a param
 * (remembered) and the find scans. */
static int fs_check(struct app *a, const struct log_entry *e)
{
    struct findserver *fs = a->fs;
    bool past = a->find.dir > 0 ? e->id < fs->past : e->id > fs->past;
    if (!past) {
        serverview_param_wrong(a, fs->id_param, false);
        return -1;
    }
    if (!app_find_match(a, e)) {
        if (a->find.kind == FIND_SEARCH)
            return 0;
        serverview_param_wrong(a, CAPS_LEVEL_GTE, false);
        app_message(a, MSG_ERROR,
                    "the server's level filter sent log %" PRId64 ", which is not a%s %s: "
                    "searching on the client",
                    e->id, a->find.kind == FIND_ERROR ? "n" : "", fs_what[a->find.kind]);
        return -1;
    }
    return filter_match(&a->filter, e) ? 1 : 0;
}

/* The match: selected by the jump, which says how many requests it took. */
static void fs_found(struct app *a, int64_t id)
{
    struct findserver *fs = a->fs;
    long sent = fs->sent;
    findserver_cancel(a);
    a->find.active = false;
    a->list.last_dir = a->find.dir;
    fs->landing = id;
    fs->landing_sent = sent;
    a->jump.requests = 0; /* stays 0 when the row is loaded: selected at once */
    app_start_jump(a, id);
    findserver_progress(a);
}

static void fs_none(struct app *a)
{
    long sent = a->fs->sent;
    findserver_cancel(a);
    a->find.active = false;
    app_message(a, MSG_INFO, "no %s %s (%ld request%s)", fs_what[a->find.kind],
                a->find.dir > 0 ? "below" : "above", sent, sent == 1 ? "" : "s");
}

/* The outcome (held_id the match, 0 none), once the twin count (if any) has
 * said that no match was left out: the rows past the selection are each
 * at or above the level or below it, so the counts add up to them at
 * least (more where the log grew meanwhile). */
static void fs_decide(struct app *a, int64_t held_id)
{
    struct findserver *fs = a->fs;
    if (fs->twin_req > 0) {
        fs->held_id = held_id;
        fs->step = FS_TWIN;
        return;
    }
    if (fs->twin_count >= 0 && fs->first_count >= 0 &&
        fs->first_count + fs->twin_count < fs->twin_rows) {
        app_message(a, MSG_ERROR,
                    "the server's level filter leaves entries out (its counts do not add up): "
                    "searching on the client");
        fs_scan(a);
        return;
    }
    if (held_id)
        fs_found(a, held_id);
    else
        fs_none(a);
}

/* Rows [from, to] of an answer, in the order they are candidates (step
 * +1: newest first, -1: oldest first): the match, none, or the server gave
 * itself away. */
static int fs_candidates(struct app *a, const struct log_page *p, long from, long to, int step,
                         int64_t *match)
{
    for (long i = from; step > 0 ? i <= to : i >= to; i += step) {
        int c = fs_check(a, &p->entries[i]);
        if (c != 0) {
            *match = p->entries[i].id;
            return c;
        }
        a->fs->past = p->entries[i].id;
    }
    return 0;
}

/* Nothing in this round passed: ask past the last row looked at. */
static void fs_again(struct app *a, bool none_left)
{
    struct findserver *fs = a->fs;
    if (none_left) {
        fs_decide(a, 0);
        return;
    }
    if (++fs->tries >= FINDSERVER_TRIES) {
        fs_scan(a);
        return;
    }
    fs->step = a->find.dir > 0 ? FS_BELOW : FS_ABOVE_COUNT;
    if (!fs_send(a, 1))
        fs_scan(a);
}

/* What every answer says first: the first count is kept (the twin check's),
 * none past the selection decides, a count with no rows scans. false when
 * it ended the step. */
static bool fs_answer_open(struct app *a, const struct log_page *p)
{
    if (a->fs->first_count < 0 && a->fs->tries == 0)
        a->fs->first_count = p->count;
    if (p->count == 0) {
        fs_decide(a, 0);
        return false;
    }
    if (p->n == 0) {
        fs_scan(a);
        return false;
    }
    return true;
}

static void fs_below(struct app *a, const struct log_page *p)
{
    if (!fs_answer_open(a, p))
        return;
    int64_t match;
    int c = fs_candidates(a, p, 0, (long)p->n - 1, 1, &match);
    if (c > 0)
        fs_decide(a, match);
    else if (c < 0)
        fs_scan(a);
    else
        fs_again(a, p->count <= (int64_t)p->n);
}

/* The oldest candidate above is the count-th row: on the page of rows of
 * page_rows (1 where one-row pages are honoured) that holds it. */
static void fs_above_count(struct app *a, const struct log_page *p)
{
    struct findserver *fs = a->fs;
    if (!fs_answer_open(a, p))
        return;
    if (p->count <= (int64_t)p->n) { /* all of them are here */
        int64_t match;
        int c = fs_candidates(a, p, (long)p->n - 1, 0, -1, &match);
        if (c > 0)
            fs_decide(a, match);
        else if (c < 0)
            fs_scan(a);
        else
            fs_again(a, true);
        return;
    }
    fs->above = p->count;
    fs->page_rows = (long)p->n;
    fs->step = FS_ABOVE_PAGE;
    if (!fs_send(a, (long)((p->count - 1) / fs->page_rows + 1)))
        fs_scan(a);
}

static void fs_above_page(struct app *a, const struct log_page *p)
{
    struct findserver *fs = a->fs;
    long last = (long)((fs->above - 1) % fs->page_rows);
    if (p->count != fs->above || p->n == 0 || (size_t)last >= p->n) {
        /* The log changed between the two (or pages are not what they
         * were): count again. */
        fs_again(a, p->count == 0);
        return;
    }
    int64_t match;
    int c = fs_candidates(a, p, last, 0, -1, &match);
    if (c > 0)
        fs_decide(a, match);
    else if (c < 0)
        fs_scan(a);
    else
        fs_again(a, false);
}

/* The twin count's answer (a failure: nothing to check). */
static void fs_twin_result(struct app *a, struct api_result *r)
{
    struct findserver *fs = a->fs;
    fs->twin_req = 0;
    fs->twin_count = r->err.status == OMSLOG_OK ? r->page.count : -1;
    if (!a->find.active && fs->req <= 0)
        findserver_cancel(a);
    else if (fs->step == FS_TWIN)
        fs_decide(a, fs->held_id);
}

bool findserver_result(struct app *a, struct api_result *r)
{
    struct findserver *fs = a->fs;
    if (fs && fs->twin_req > 0 && r->id == fs->twin_req) {
        fs_twin_result(a, r);
        return true;
    }
    if (!fs || fs->req <= 0 || r->id != fs->req)
        return false;
    fs->req = 0;
    if (!a->find.active) { /* moved, Esc, a new filter: of no use now */
        findserver_cancel(a);
        return true;
    }
    if (fs->step == FS_SEARCH_PROBE) {
        searchcaps_probe_feed(fs->probe, &r->page, &r->err);
        if (!fs_search_probe_send(a))
            fs_ask(a);
        return true;
    }
    if (r->err.status != OMSLOG_OK) {
        fs_scan(a);
        return true;
    }
    switch (fs->step) {
    case FS_BELOW:
        fs_below(a, &r->page);
        break;
    case FS_ABOVE_COUNT:
        fs_above_count(a, &r->page);
        break;
    case FS_ABOVE_PAGE:
        fs_above_page(a, &r->page);
        break;
    default:
        break;
    }
    return true;
}

void findserver_progress(struct app *a)
{
    struct findserver *fs = a->fs;
    if (fs && fs->step == FS_PROBE && !a->find.active)
        findserver_cancel(a);
    else if (fs && fs->step == FS_PROBE)
        fs_ask(a);
    if (!fs || !fs->landing || a->jump.id)
        return;
    int64_t id = fs->landing;
    fs->landing = 0;
    if (a->list.sel_id != id) /* cancelled, or the jump said why not */
        return;
    long n = fs->landing_sent;
    if (a->jump.requests > 0) /* not loaded: the jump asked too */
        n += a->jump.requests + store_locate_requests(a->store);
    app_message(a, MSG_INFO, "%s %s: log %" PRId64 " (%ld request%s)",
                a->find.dir > 0 ? "next" : "previous", fs_what[a->find.kind], id, n,
                n == 1 ? "" : "s");
}
