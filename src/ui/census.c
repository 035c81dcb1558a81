/* census.c — which levels a query holds, counted (contract in app.h).
 *
 * A server that filters exact levels only (django-filter's filterset_fields:
 * level=, no level__gte, no level__in) cannot be asked for a minimum level,
 * but where the log holds a single level at or above it, `level=L` is the
 * same query. The counts say so: the count of every known level (the
 * standard six and those the caller has seen) under the query's other
 * params must add up to the query's total counted after them, the total
 * counted before them not larger (merge.h's proof, merge_counts_complete:
 * rows only arrive at the top). A custom level (25, 45: Python's logging
 * allows any) breaks the sum: then the levels merge_level_candidates names
 * (halfway ones first) are counted too, a few at a time with the total again
 * after each batch, up to CENSUS_EXTRA_MAX; short of it, the census ends
 * unproven and the client scans as before. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "omslog/merge.h"
#include "omslog/util.h"

/* Levels counted at most: the standard six, a few seen in the view, and the
 * candidates of the search for the custom ones. */
#define CENSUS_LEVELS_MAX 40
/* Candidate levels counted when the known ones fall short, and how many a
 * batch (the total is counted again after each). */
#define CENSUS_EXTRA_MAX 20
#define CENSUS_BATCH 5
/* Params of the query counted (a plan's, at most 4), and the level's. */
#define CENSUS_PARAMS_MAX 5

struct census {
    char *keys[CENSUS_PARAMS_MAX], *values[CENSUS_PARAMS_MAX];
    size_t n_params;
    char *level_key;
    int min_level;
    int levels[CENSUS_LEVELS_MAX];
    char level_text[CENSUS_LEVELS_MAX][12];
    int req[CENSUS_LEVELS_MAX]; /* 0: to send, -1: answered */
    int64_t counts[CENSUS_LEVELS_MAX];
    size_t n_levels, left, extra;
    int before_req, after_req; /* the totals: 0 to send, -1 answered */
    int64_t before, after;
    enum census_state state;
    int level; /* CENSUS_ONE: the one level at or above the minimum */
};

struct census *census_new(const struct url_param *params, size_t n, const char *level_key,
                          int min_level, const int *seen, size_t n_seen)
{
    struct census *c = xcalloc(1, sizeof *c);
    for (size_t i = 0; i < n && i < CENSUS_PARAMS_MAX - 1; i++) {
        c->keys[c->n_params] = xstrdup(params[i].key);
        c->values[c->n_params++] = xstrdup(params[i].value);
    }
    c->level_key = xstrdup(level_key);
    c->min_level = min_level;
    c->n_levels = merge_known_levels(NULL, c->levels, CENSUS_LEVELS_MAX);
    for (size_t i = 0; i < n_seen && c->n_levels < CENSUS_LEVELS_MAX; i++) {
        bool known = false;
        for (size_t k = 0; k < c->n_levels; k++)
            known = known || c->levels[k] == seen[i];
        if (!known)
            c->levels[c->n_levels++] = seen[i];
    }
    for (size_t i = 0; i < c->n_levels; i++)
        snprintf(c->level_text[i], sizeof c->level_text[i], "%d", c->levels[i]);
    c->left = c->n_levels;
    c->state = CENSUS_RUNNING;
    return c;
}

void census_free(struct app *a, struct census *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_levels; i++)
        if (c->req[i] > 0)
            api_cancel(a->api, c->req[i]);
    if (c->before_req > 0)
        api_cancel(a->api, c->before_req);
    if (c->after_req > 0)
        api_cancel(a->api, c->after_req);
    for (size_t i = 0; i < c->n_params; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    free(c->level_key);
    free(c);
}

/* Page 1, one entry, of the query (plus level=text when text): its count. */
static int census_ask(struct app *a, const struct census *c, const char *text)
{
    struct url_param p[CENSUS_PARAMS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < c->n_params; i++)
        p[n++] = (struct url_param){c->keys[i], c->values[i]};
    if (text)
        p[n++] = (struct url_param){c->level_key, text};
    struct omslog_error err = {0};
    int id = api_request_page(a->api, 1, 1, p, n, &err);
    return id > 0 ? id : -2; /* -2: could not be sent */
}

void census_send(struct app *a, struct census *c)
{
    if (c->state != CENSUS_RUNNING)
        return;
    /* The total before, then the levels; the total after only once every
     * level has answered (the proof wants it counted last). */
    if (c->before_req == 0 && api_room(a->api) > 0)
        c->before_req = census_ask(a, c, NULL);
    for (size_t i = 0; i < c->n_levels && api_room(a->api) > 0; i++)
        if (c->req[i] == 0)
            c->req[i] = census_ask(a, c, c->level_text[i]);
    if (c->left == 0 && c->before_req == -1 && c->after_req == 0 && api_room(a->api) > 0)
        c->after_req = census_ask(a, c, NULL);
    bool unsent = c->before_req == -2 || c->after_req == -2;
    for (size_t i = 0; i < c->n_levels; i++)
        unsent = unsent || c->req[i] == -2;
    if (unsent)
        c->state = CENSUS_FAILED;
}

/* The known levels fall short of the total: count the next candidates,
 * then the total again. false when the budget is spent. */
static bool census_more(struct census *c)
{
    int cand[MERGE_LEVEL_MAX + 1];
    size_t n = merge_level_candidates(c->levels, c->n_levels, cand, ARRAY_LEN(cand));
    size_t added = 0;
    for (size_t i = 0; i < n && added < CENSUS_BATCH && c->extra < CENSUS_EXTRA_MAX &&
                       c->n_levels < CENSUS_LEVELS_MAX;
         i++, added++, c->extra++) {
        size_t k = c->n_levels++;
        c->levels[k] = cand[i];
        snprintf(c->level_text[k], sizeof c->level_text[k], "%d", cand[i]);
        c->req[k] = 0;
        c->counts[k] = 0;
        c->left++;
    }
    if (added == 0)
        return false;
    c->after_req = 0; /* counted again once the batch has answered */
    return true;
}

/* Every count is in: is a single level (or none) at or above the minimum? */
static void census_decide(struct census *c)
{
    if (!merge_counts_complete(c->before, c->after, c->counts, c->n_levels)) {
        int64_t sum = merge_counts_sum(c->counts, c->n_levels);
        bool short_of_it = sum >= 0 && sum < c->after && c->before <= c->after;
        if (!short_of_it || !census_more(c))
            c->state = CENSUS_UNPROVEN;
        return;
    }
    size_t present = 0;
    c->level = c->min_level; /* none present: level=minimum counts 0 too */
    for (size_t i = 0; i < c->n_levels; i++)
        if (c->levels[i] >= c->min_level && c->counts[i] > 0) {
            present++;
            c->level = c->levels[i];
        }
    c->state = present <= 1 ? CENSUS_ONE : CENSUS_MANY;
}

bool census_result(struct census *c, const struct api_result *r)
{
    int64_t *slot = NULL;
    if (r->id == c->before_req) {
        c->before_req = -1;
        slot = &c->before;
    } else if (r->id == c->after_req) {
        c->after_req = -1;
        slot = &c->after;
    }
    for (size_t i = 0; !slot && i < c->n_levels; i++)
        if (c->req[i] > 0 && r->id == c->req[i]) {
            c->req[i] = -1;
            c->left--;
            slot = &c->counts[i];
        }
    if (!slot)
        return false;
    if (r->err.status != OMSLOG_OK) {
        c->state = CENSUS_FAILED;
        return true;
    }
    *slot = r->page.count;
    if (c->after_req == -1)
        census_decide(c);
    return true;
}

enum census_state census_state(const struct census *c, int *level)
{
    if (level)
        *level = c->level;
    return c->state;
}

size_t census_present(const struct census *c, int *levels, int64_t *counts, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_levels && n < cap; i++)
        if (c->levels[i] >= c->min_level && c->counts[i] > 0) {
            levels[n] = c->levels[i];
            counts[n++] = c->counts[i];
        }
    return n;
}
