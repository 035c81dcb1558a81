/* negotiate.c — see include/omslog/negotiate.h */
#include "omslog/negotiate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/util.h"

#define NEG_PLAN_MAX 4 /* params a plan holds (struct caps_push) */
/* The biggest round: the probes of every param, or the check's filtered
 * page plus two counts per param of the plan. */
#define NEG_REQ_MAX (CAPS_N_PARAMS + 1 + 2 * NEG_PLAN_MAX)

enum neg_round { NEG_BASE, NEG_PROBE, NEG_CHECK, NEG_DONE };

struct neg_req {
    int serial;
    long size;
    struct url_param params[NEG_PLAN_MAX];
    size_t n_params;
    enum caps_param probe; /* NEG_PROBE: the param probed */
    bool sent, answered;
    bool ok;    /* answered 200 with a page */
    int status; /* for caps_answer: 200, 400 or 0 */
    struct log_page page;
};

struct negotiate {
    struct filter filter;
    struct caps caps;
    enum caps_param want[2 * CAPS_N_PARAMS];
    size_t n_want, n_filter_want; /* the filter's first, then the extra ones */
    int64_t above[CAPS_N_PARAMS]; /* an extra one only when the baseline is above it */
    long page_size;
    enum neg_round round;
    struct neg_req req[NEG_REQ_MAX];
    size_t n_req;
    int serial;
    struct log_page base;
    struct omslog_error base_err; /* the first round's answer */
    int64_t baseline;
    bool base_answered, base_taken;
    struct caps_push plan;
    struct caps_twin tw[NEG_PLAN_MAX];
    size_t n_tw;
    const char *why;
    bool liar, probed, learnt;
    bool has_page;
    struct log_page first; /* the plan's first page */
};

static void round_clear(struct negotiate *n)
{
    for (size_t i = 0; i < n->n_req; i++)
        log_page_free(&n->req[i].page);
    memset(n->req, 0, sizeof n->req);
    n->n_req = 0;
}

static struct neg_req *round_add(struct negotiate *n, long size)
{
    struct neg_req *q = &n->req[n->n_req++];
    memset(q, 0, sizeof *q);
    q->serial = ++n->serial;
    q->size = size;
    return q;
}

static void neg_finish(struct negotiate *n)
{
    round_clear(n);
    n->round = NEG_DONE;
}

struct negotiate *negotiate_new(const struct filter *f, const struct caps *known,
                                const enum caps_param *extra, size_t n_extra, long page_size)
{
    struct negotiate *n = xcalloc(1, sizeof *n);
    filter_copy(&n->filter, f);
    if (known)
        n->caps = *known;
    n->page_size = page_size;
    n->baseline = -1;
    n->n_want = n->n_filter_want = caps_wanted(f, n->want);
    for (size_t p = 0; p < CAPS_N_PARAMS; p++)
        n->above[p] = -1;
    for (size_t i = 0; i < n_extra && n->n_want < ARRAY_LEN(n->want); i++)
        n->want[n->n_want++] = extra[i];
    if (n->n_want == 0) {
        n->round = NEG_DONE;
        return n;
    }
    n->round = NEG_BASE;
    round_add(n, page_size);
    return n;
}

void negotiate_extra_above(struct negotiate *n, enum caps_param p, int64_t min_count)
{
    if ((unsigned)p < CAPS_N_PARAMS)
        n->above[p] = min_count;
}

/* The extra params not worth their probe at this baseline are dropped. */
static void drop_extras(struct negotiate *n)
{
    size_t k = n->n_filter_want;
    for (size_t i = n->n_filter_want; i < n->n_want; i++)
        if (n->baseline > n->above[n->want[i]])
            n->want[k++] = n->want[i];
    n->n_want = k;
}

void negotiate_free(struct negotiate *n)
{
    if (!n)
        return;
    round_clear(n);
    for (size_t i = 0; i < n->n_tw; i++)
        free(n->tw[i].twin_value);
    caps_push_free(&n->plan);
    filter_free(&n->filter);
    log_page_free(&n->base);
    log_page_free(&n->first);
    free(n);
}

bool negotiate_next(struct negotiate *n, struct negotiate_request *out)
{
    for (size_t i = 0; n->round != NEG_DONE && i < n->n_req; i++) {
        struct neg_req *q = &n->req[i];
        if (q->sent)
            continue;
        q->sent = true;
        *out = (struct negotiate_request){q->serial, q->size, q->params, q->n_params};
        return true;
    }
    return false;
}

size_t negotiate_waiting(const struct negotiate *n)
{
    size_t k = 0;
    for (size_t i = 0; n->round != NEG_DONE && i < n->n_req; i++)
        k += n->req[i].sent && !n->req[i].answered;
    return k;
}

bool negotiate_done(const struct negotiate *n)
{
    return n->round == NEG_DONE;
}

/* Round 2: the probes of want[0..k) not known yet (again for a second
 * spelling, caps_try_alt). */
static void start_probes(struct negotiate *n, const enum caps_param *want, size_t k)
{
    round_clear(n);
    n->round = NEG_PROBE;
    for (size_t i = 0; i < k; i++) {
        enum caps_param p = want[i];
        bool dup = false;
        for (size_t j = 0; j < n->n_req; j++)
            dup = dup || n->req[j].probe == p;
        if (dup || n->caps.v[p] != CAPS_UNKNOWN)
            continue;
        struct neg_req *q = round_add(n, 1);
        q->probe = p;
        q->params[0] = (struct url_param){caps_param_name(&n->caps, p), caps_probe_value(p)};
        q->n_params = 1;
    }
}

/* Round 3: the plan's first filtered page and each param's twin counts. */
static void start_check(struct negotiate *n)
{
    round_clear(n);
    caps_push_plan(&n->caps, &n->filter, &n->plan);
    if (n->plan.n_used == 0) {
        neg_finish(n);
        return;
    }
    n->round = NEG_CHECK;
    struct neg_req *q = round_add(n, n->page_size);
    for (size_t i = 0; i < n->plan.n_used; i++)
        q->params[i] = (struct url_param){n->plan.keys[i], n->plan.values[i]};
    q->n_params = n->plan.n_used;
    for (size_t i = 0; i < n->plan.n_used; i++) {
        struct caps_twin *t = &n->tw[n->n_tw];
        if (!caps_twin(&n->caps, &n->plan, i, t))
            continue;
        n->n_tw++;
        q = round_add(n, 1);
        q->params[0] = (struct url_param){t->alone_key, t->alone_value};
        q->n_params = 1;
        q = round_add(n, 1);
        q->params[0] = (struct url_param){t->twin_key, t->twin_value};
        q->n_params = 1;
    }
}

static void end_probes(struct negotiate *n)
{
    enum caps_param again[CAPS_N_PARAMS];
    size_t n_again = 0;
    for (size_t i = 0; i < n->n_req; i++) {
        const struct neg_req *q = &n->req[i];
        struct caps_answer a = {q->status, q->ok ? q->page.count : -1};
        n->caps.v[q->probe] = caps_verdict(n->baseline, &a);
        /* A second spelling (created_date__gte) only where the first was
         * ignored: one more round, at most. */
        if (caps_try_alt(&n->caps, q->probe))
            again[n_again++] = q->probe;
    }
    if (n->n_req) {
        n->caps.probed_at = (int64_t)time(NULL);
        n->probed = n->learnt = true;
    }
    if (n_again) {
        start_probes(n, again, n_again);
        if (n->n_req)
            return;
    }
    start_check(n);
}

/* The check of the plan: the filtered page against the unfiltered one, the
 * twins' counts against each other. */
static void end_check(struct negotiate *n)
{
    const struct neg_req *page = &n->req[0];
    struct filter pushed;
    caps_pushed_filter(&n->plan, &n->filter, &pushed);
    const char *why = NULL;
    if (!page->ok)
        why = "its filtered page failed";
    else if (!caps_check_sample(&pushed, &n->base, &page->page, page->page.next == NULL, &why))
        n->liar = true;
    filter_free(&pushed);
    for (size_t t = 0; t < n->n_tw && !why; t++) {
        const struct neg_req *ra = &n->req[1 + 2 * t], *rb = &n->req[2 + 2 * t];
        if (!ra->ok || !rb->ok ||
            !caps_twin_ok(&n->tw[t], n->base.count, ra->page.count, rb->page.count))
            why = n->tw[t].sum ? "its counts of the matching and the other entries do not add up"
                               : "two spellings of the same filter count differently";
    }
    n->why = why;
    if (why) {
        for (size_t i = 0; n->liar && i < n->plan.n_used; i++)
            n->caps.v[n->plan.used[i]] = CAPS_LIAR;
        n->learnt = n->learnt || n->liar;
        caps_push_free(&n->plan);
    } else {
        n->first = n->req[0].page;
        memset(&n->req[0].page, 0, sizeof n->req[0].page);
        n->has_page = true;
    }
    neg_finish(n);
}

/* Every request of the round is answered: on to the next one. */
static void advance(struct negotiate *n)
{
    switch (n->round) {
    case NEG_BASE:
        if (!n->req[0].ok) {
            neg_finish(n); /* nothing known: scan */
            return;
        }
        n->base = n->req[0].page;
        memset(&n->req[0].page, 0, sizeof n->req[0].page);
        n->baseline = n->base.count;
        drop_extras(n);
        start_probes(n, n->want, n->n_want);
        if (n->n_req == 0)
            end_probes(n);
        return;
    case NEG_PROBE:
        end_probes(n);
        return;
    case NEG_CHECK:
        end_check(n);
        return;
    case NEG_DONE:
        return;
    }
}

bool negotiate_answer(struct negotiate *n, int serial, const struct omslog_error *err,
                      struct log_page *page)
{
    struct neg_req *q = NULL;
    for (size_t i = 0; n->round != NEG_DONE && i < n->n_req && !q; i++)
        if (n->req[i].serial == serial && n->req[i].sent && !n->req[i].answered)
            q = &n->req[i];
    if (!q)
        return false;
    q->answered = true;
    if (n->round == NEG_BASE) {
        n->base_err = *err;
        n->base_answered = true;
    }
    q->ok = err->status == OMSLOG_OK && page;
    q->status = q->ok ? 200 : (err->status == OMSLOG_ERR_BAD_REQUEST ? 400 : 0);
    if (q->ok) {
        q->page = *page;
        memset(page, 0, sizeof *page);
    }
    for (size_t i = 0; i < n->n_req; i++)
        if (!n->req[i].answered)
            return true;
    advance(n);
    return true;
}

const struct caps *negotiate_caps(const struct negotiate *n)
{
    return &n->caps;
}

bool negotiate_learnt(const struct negotiate *n)
{
    return n->learnt;
}

bool negotiate_probed(const struct negotiate *n)
{
    return n->probed;
}

const struct caps_push *negotiate_plan(const struct negotiate *n)
{
    return &n->plan;
}

const char *negotiate_why(const struct negotiate *n, bool *liar)
{
    if (liar)
        *liar = n->liar;
    return n->why;
}

int64_t negotiate_baseline(const struct negotiate *n)
{
    return n->baseline;
}

bool negotiate_take_base(struct negotiate *n, struct log_page *out, struct omslog_error *err)
{
    if (n->round != NEG_DONE || !n->base_answered || n->base_taken)
        return false;
    *err = n->base_err;
    if (n->baseline < 0 && err->status == OMSLOG_OK) /* 200 without a page */
        error_set(err, OMSLOG_ERR_INTERNAL, "no answer to the first page");
    *out = n->base;
    memset(&n->base, 0, sizeof n->base);
    n->base_taken = true;
    return true;
}

bool negotiate_take_page(struct negotiate *n, struct log_page *out)
{
    if (!n->has_page)
        return false;
    *out = n->first;
    memset(&n->first, 0, sizeof n->first);
    n->has_page = false;
    return true;
}
