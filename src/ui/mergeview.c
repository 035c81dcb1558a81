/* mergeview.c — a minimum level merged from one stream per exact level
 * (contract in app.h).
 *
 * The pages are built in order from the top: page k is the next `size` rows
 * the merge gives. Each stream is asked for its next page only once the
 * merge holds none of its rows (merge_next waits for it), so the memory is
 * about a page per stream. Where each stream stood when a page began (rows
 * of it on the pages above, the last one's id) is kept per page: a page the
 * store evicted and wants again is built again from there, the stream asked
 * below that id (id__lt) or from the page holding its next row, rows at or
 * above the id skipped (the log grows at the top, so a page number may
 * repeat rows, never skip one). */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "omslog/merge.h"
#include "omslog/util.h"

/* The plan's params (at most 4), the level's and id__lt. */
#define MV_PARAMS_MAX 8
#define MV_WANTED_MAX 16
#define MV_ID_TEXT_MAX 24

/* Stream i when page k began: rows of it on the pages above, the last id. */
struct mv_mark {
    int64_t used, last_id;
};

struct mv_stream {
    int level;
    char text[12];
    int64_t count;
    int req;        /* in flight, 0: none */
    bool by_lt;     /* the request in flight is of id__lt */
    long next_page; /* the next page of level=L by number */
    int64_t below;  /* rows pushed must be below it (0: any) */
    int64_t used, last_used;
    bool ended;
    char lt_value[MV_ID_TEXT_MAX];
};

struct mergeview {
    char *keys[MV_PARAMS_MAX], *values[MV_PARAMS_MAX];
    size_t n_params;
    char *level_key, *lt_key;
    struct mv_stream s[MERGE_MAX_STREAMS];
    size_t n;
    long size;
    int64_t total;
    struct merge *m;
    long built;          /* pages built this run: the next is built + 1 */
    long target;         /* the last page wanted */
    long requests;       /* of the streams, since the view began */
    bool changed;        /* a stream's page counted other than the census */
    struct log_page cur; /* the rows of page built + 1 so far */
    size_t cur_cap;
    struct mv_mark *marks; /* marks[(k - 1) * n + i]: page k's start */
    size_t marks_cap;
};

/* The streams' positions as page built + 1 begins. */
static void mv_mark(struct mergeview *mv)
{
    size_t at = (size_t)mv->built * mv->n;
    ARRAY_GROW(mv->marks, mv->marks_cap, at + mv->n);
    for (size_t i = 0; i < mv->n; i++)
        mv->marks[at + i] = (struct mv_mark){mv->s[i].used, mv->s[i].last_used};
}

struct mergeview *mergeview_new(const struct url_param *params, size_t n, const char *level_key,
                                const char *lt_key, const int *levels, const int64_t *counts,
                                size_t n_levels, long page_size)
{
    struct mergeview *mv = xcalloc(1, sizeof *mv);
    for (size_t i = 0; i < n && mv->n_params < MV_PARAMS_MAX - 2; i++) {
        mv->keys[mv->n_params] = xstrdup(params[i].key);
        mv->values[mv->n_params++] = xstrdup(params[i].value);
    }
    mv->level_key = xstrdup(level_key);
    mv->lt_key = lt_key ? xstrdup(lt_key) : NULL;
    for (size_t i = 0; i < n_levels && mv->n < MERGE_MAX_STREAMS; i++) {
        struct mv_stream *s = &mv->s[mv->n++];
        s->level = levels[i];
        snprintf(s->text, sizeof s->text, "%d", levels[i]);
        s->count = counts[i];
        s->next_page = 1;
        mv->total += counts[i];
    }
    mv->size = page_size > 0 ? page_size : 1;
    mv->m = merge_new(mv->n);
    mv_mark(mv);
    return mv;
}

static void mv_cancel(struct app *a, struct mergeview *mv)
{
    for (size_t i = 0; i < mv->n; i++) {
        if (mv->s[i].req > 0)
            api_cancel(a->api, mv->s[i].req);
        mv->s[i].req = 0;
    }
}

void mergeview_free(struct app *a, struct mergeview *mv)
{
    if (!mv)
        return;
    mv_cancel(a, mv);
    merge_free(mv->m);
    log_page_free(&mv->cur);
    for (size_t i = 0; i < mv->n_params; i++) {
        free(mv->keys[i]);
        free(mv->values[i]);
    }
    free(mv->level_key);
    free(mv->lt_key);
    free(mv->marks);
    free(mv);
}

size_t mergeview_streams(const struct mergeview *mv)
{
    return mv->n;
}

int64_t mergeview_total(const struct mergeview *mv)
{
    return mv->total;
}

int64_t mergeview_built(const struct mergeview *mv)
{
    return (int64_t)mv->built * mv->size + (int64_t)mv->cur.n;
}

/* Build again from page k's start (k <= built: kept marks). */
static void mv_seek(struct app *a, struct mergeview *mv, long k)
{
    mv_cancel(a, mv);
    merge_free(mv->m);
    mv->m = merge_new(mv->n);
    log_page_free(&mv->cur);
    memset(&mv->cur, 0, sizeof mv->cur);
    mv->cur_cap = 0;
    mv->built = k - 1;
    for (size_t i = 0; i < mv->n; i++) {
        struct mv_stream *s = &mv->s[i];
        const struct mv_mark *mk = &mv->marks[(size_t)(k - 1) * mv->n + i];
        s->used = mk->used;
        s->last_used = s->below = mk->last_id;
        s->next_page = (long)(mk->used / mv->size) + 1;
        /* Rows older than the last one used do not change as the log grows. */
        s->ended = mk->used >= s->count;
        if (s->ended)
            merge_end(mv->m, i);
    }
}

static bool mv_send(struct app *a, struct mergeview *mv, size_t i)
{
    struct mv_stream *s = &mv->s[i];
    struct url_param p[MV_PARAMS_MAX];
    size_t n = 0;
    for (size_t k = 0; k < mv->n_params; k++)
        p[n++] = (struct url_param){mv->keys[k], mv->values[k]};
    p[n++] = (struct url_param){mv->level_key, s->text};
    long page = s->next_page;
    s->by_lt = mv->lt_key && s->below > 0;
    if (s->by_lt) {
        snprintf(s->lt_value, sizeof s->lt_value, "%" PRId64, s->below);
        p[n++] = (struct url_param){mv->lt_key, s->lt_value};
        page = 1;
    }
    struct omslog_error err = {0};
    int id = api_request_page(a->api, page, mv->size, p, n, &err);
    if (id <= 0)
        return false;
    s->req = id;
    mv->requests++;
    return true;
}

/* Page built + 1 to the store, as the server would send it. false when the
 * store did not keep it (and named no liar). */
static bool mv_emit(struct app *a, struct mergeview *mv)
{
    long k = mv->built + 1, last = (long)((mv->total + mv->size - 1) / mv->size);
    struct log_page pg = mv->cur;
    pg.count = mv->total;
    pg.next = k < last && (long)pg.n == mv->size ? xstrdup("merged") : NULL;
    pg.previous = k > 1 ? xstrdup("merged") : NULL;
    int64_t first_row = (int64_t)(k - 1) * mv->size;
    store_page_loaded(a->store, k, &pg);
    log_page_free(&pg);
    memset(&mv->cur, 0, sizeof mv->cur);
    mv->cur_cap = 0;
    mv->built = k;
    mv_mark(mv);
    return store_server_liar(a->store) || store_row_state(a->store, first_row) == STORE_ROW_LOADED;
}

/* Move the merge's next rows into the page being built. */
static void mv_take(struct mergeview *mv)
{
    const struct log_entry *e;
    while ((long)mv->cur.n < mv->size && (e = merge_next(mv->m))) {
        for (size_t i = 0; i < mv->n; i++)
            if (mv->s[i].level == e->level) {
                mv->s[i].used++;
                mv->s[i].last_used = e->id;
            }
        ARRAY_GROW(mv->cur.entries, mv->cur_cap, mv->cur.n + 1);
        log_entry_copy(&mv->cur.entries[mv->cur.n++], e);
    }
}

enum mv_status mergeview_pump(struct app *a, struct mergeview *mv, int64_t *liar)
{
    long pages[MV_WANTED_MAX], lo = LONG_MAX, hi = 0;
    size_t n = store_wanted_pages(a->store, pages, ARRAY_LEN(pages));
    for (size_t i = 0; i < n; i++) {
        lo = pages[i] < lo ? pages[i] : lo;
        hi = pages[i] > hi ? pages[i] : hi;
    }
    if (n == 0)
        return MV_OK;
    mv->target = hi;
    if (lo <= mv->built)
        mv_seek(a, mv, lo);
    *liar = 0;
    enum mv_status st = MV_OK;
    while (mv->built < hi) {
        mv_take(mv);
        bool done = merge_done(mv->m);
        if ((long)mv->cur.n == mv->size || (done && mv->cur.n > 0)) {
            if (!mv_emit(a, mv))
                return MV_FAILED;
            st = MV_LOADED;
            if (store_server_liar(a->store))
                return st;
            continue;
        }
        if (done) /* fewer rows than counted: the log changed, or a stream hid some */
            return mergeview_built(mv) < mv->total ? MV_FAILED : st;
        for (size_t i = 0; i < mv->n; i++) {
            struct mv_stream *s = &mv->s[i];
            if (!s->ended && !s->req && !merge_held(mv->m, i) && api_room(a->api) > 0 &&
                !mv_send(a, mv, i))
                return MV_FAILED;
        }
        break;
    }
    return st;
}

bool mergeview_result(struct app *a, struct mergeview *mv, const struct api_result *r,
                      enum mv_status *st, int64_t *liar)
{
    size_t i = 0;
    while (i < mv->n && !(mv->s[i].req > 0 && mv->s[i].req == r->id))
        i++;
    if (i == mv->n)
        return false;
    struct mv_stream *s = &mv->s[i];
    s->req = 0;
    *liar = 0;
    if (r->err.status != OMSLOG_OK) {
        *st = MV_FAILED;
        return true;
    }
    if (!s->by_lt && r->page.count != s->count)
        mv->changed = true;
    size_t took = 0;
    for (size_t k = 0; k < r->page.n; k++) {
        const struct log_entry *e = &r->page.entries[k];
        if (e->level != s->level) {
            *liar = e->id;
            *st = MV_LIAR;
            return true;
        }
        if ((s->below && e->id >= s->below) || !merge_push(mv->m, i, e))
            continue; /* a row seen before: the log grew at the top */
        s->below = e->id;
        took++;
    }
    s->next_page++;
    if (!r->page.next || r->page.n == 0) {
        s->ended = true;
        merge_end(mv->m, i);
    } else if (!took && s->by_lt) { /* id__lt was not applied */
        *st = MV_FAILED;
        return true;
    }
    *st = mergeview_pump(a, mv, liar);
    return true;
}

long mergeview_left(const struct mergeview *mv, int64_t *target_rows, long *requests)
{
    *target_rows = (int64_t)mv->target * mv->size;
    if (*target_rows > mv->total)
        *target_rows = mv->total;
    *requests = mv->requests;
    return mv->target > mv->built ? mv->target - mv->built : 0;
}

bool mergeview_same(const struct mergeview *mv, const int *levels, const int64_t *counts, size_t n)
{
    if (n != mv->n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (mv->s[i].level != levels[i] || mv->s[i].count != counts[i])
            return false;
    return true;
}

bool mergeview_changed(struct mergeview *mv)
{
    bool c = mv->changed;
    mv->changed = false;
    return c;
}
