/* seek.c — see include/omslog/seek.h */
#include "omslog/seek.h"

#include <stdio.h>
#include <string.h>

#include "omslog/walk.h"

void seek_init(struct seek *s, const struct seek_opts *o)
{
    memset(s, 0, sizeof *s);
    s->o = *o;
    s->phase = o->lte_param ? SEEK_LTE_FILTERED : SEEK_FIRST_PAGE;
    s->r.id = -1;
    s->r.row = -1;
}

/* The sign of (e's key - the key sought): <= 0 is "at or before". */
static int seek_cmp(const struct seek *s, const struct log_entry *e)
{
    if (s->o.key == SEEK_BY_ID)
        return e->id < s->o.id ? -1 : e->id > s->o.id;
    return datetime_cmp(e->created, s->o.time);
}

/* The lte parameter's value: the id, or the time in UTC to the microsecond
 * as django-filter's IsoDateTimeField reads it. */
static void seek_value(const struct seek *s, char out[SEEK_VALUE_MAX])
{
    if (s->o.key == SEEK_BY_ID) {
        snprintf(out, SEEK_VALUE_MAX, "%lld", (long long)s->o.id);
        return;
    }
    char buf[DATETIME_TEXT_MAX];
    snprintf(out, SEEK_VALUE_MAX, "%s", datetime_format_iso(s->o.time, buf));
}

bool seek_next(struct seek *s, struct seek_request *req)
{
    if (s->waiting || s->phase == SEEK_DONE || s->phase == SEEK_FAILED)
        return false;
    memset(req, 0, sizeof *req);
    req->page = 1;
    req->size = 1;
    switch (s->phase) {
    case SEEK_LTE_FILTERED:
        req->param_key = s->o.lte_param;
        seek_value(s, req->param_value);
        break;
    case SEEK_LTE_ALL: /* at the walk's size: it tells the page size */
    case SEEK_FIRST_PAGE:
        req->size = s->o.page_size;
        break;
    default: /* SEEK_BISECT */
        req->page = s->lo + (s->hi - s->lo) / 2;
        req->size = s->o.page_size;
        break;
    }
    s->asked = req->page;
    s->waiting = true;
    s->r.requests++;
    return true;
}

static void seek_found(struct seek *s, int64_t row, int64_t count, const struct log_entry *e)
{
    s->r.found = true;
    s->r.row = row;
    s->r.count = count;
    s->r.id = e->id;
    s->r.created = e->created;
}

/* Nothing at or before the key: the oldest entry is the nearest. */
static void seek_none(struct seek *s, int64_t count)
{
    s->r.found = false;
    s->r.count = s->have_oldest ? s->oldest_count : count;
    s->r.row = s->have_oldest ? s->oldest_row : count - 1;
    s->r.id = s->have_oldest ? s->oldest_id : -1;
    s->r.created = s->oldest_created;
    s->phase = SEEK_DONE;
}

static void seek_unordered(struct seek *s, long page)
{
    if (!s->r.unordered) {
        s->r.unordered = true;
        s->r.unordered_page = page;
    }
}

/* Remember a page read and check it keeps the order: within itself, and
 * against every page read before (an older page's entries are all older). */
static void seek_probe(struct seek *s, long page, const struct log_page *p)
{
    for (size_t i = 1; i < p->n; i++)
        if (p->entries[i].id >= p->entries[i - 1].id ||
            datetime_cmp(p->entries[i].created, p->entries[i - 1].created) > 0)
            seek_unordered(s, page);
    const struct log_entry *first = &p->entries[0], *last = &p->entries[p->n - 1];
    for (size_t i = 0; i < s->n_probes; i++) {
        long other = s->probes[i].page;
        if (other == page)
            continue;
        bool newer = other < page; /* the other page holds newer entries */
        int64_t a_id = newer ? s->probes[i].last_id : last->id;
        int64_t b_id = newer ? first->id : s->probes[i].first_id;
        struct log_time a_t = newer ? s->probes[i].last : last->created;
        struct log_time b_t = newer ? first->created : s->probes[i].first;
        if (a_id <= b_id || datetime_cmp(a_t, b_t) < 0)
            seek_unordered(s, page);
    }
    if (s->n_probes < SEEK_PROBES_MAX) {
        s->probes[s->n_probes].page = page;
        s->probes[s->n_probes].first_id = first->id;
        s->probes[s->n_probes].last_id = last->id;
        s->probes[s->n_probes].first = first->created;
        s->probes[s->n_probes].last = last->created;
        s->n_probes++;
    }
}

/* The lte answer against the whole log: its count n and newest entry
 * (has_newest: id, created). */
static void seek_lte_answer(struct seek *s, int64_t n, bool has_newest, int64_t newest_id,
                            struct log_time newest_created)
{
    struct log_entry newest = {.id = newest_id, .created = newest_created};
    if (has_newest && seek_cmp(s, &newest) <= 0) {
        /* The newest entry of all is at or before the key: it is the one
         * (also when it arrived after the filtered answer was counted). */
        seek_found(s, 0, n, &newest);
        s->phase = SEEK_DONE;
        return;
    }
    if (s->lte_count >= n && n > 0) { /* everything counted, yet the newest is after */
        s->r.lte_wrong = true;
        s->phase = SEEK_FIRST_PAGE;
        return;
    }
    if (s->lte_count <= 0) {
        seek_none(s, n);
        return;
    }
    s->r.found = true;
    s->r.row = n - s->lte_count;
    s->r.count = n;
    s->r.id = s->lte_id;
    s->r.created = s->lte_created;
    s->phase = SEEK_DONE;
}

/* The server's lte answer, then the whole log's newest entry and count
 * (page 1, or the caller's when it has them and the answer is not newer). */
static void seek_feed_lte(struct seek *s, const struct log_page *p)
{
    if (s->phase == SEEK_LTE_FILTERED) {
        s->lte_count = p->count;
        bool wrong = p->count > 0 && (p->n == 0 || seek_cmp(s, &p->entries[0]) > 0);
        if (p->n > 0) {
            s->lte_id = p->entries[0].id;
            s->lte_created = p->entries[0].created;
        }
        s->phase = wrong ? SEEK_FIRST_PAGE : SEEK_LTE_ALL;
        s->r.lte_wrong = wrong;
        bool stale = s->lte_count > s->o.top_count || (p->n > 0 && s->lte_id > s->o.top_id);
        if (!wrong && s->o.have_top && !stale)
            seek_lte_answer(s, s->o.top_count, s->o.top_count > 0, s->o.top_id, s->o.top_created);
        return;
    }
    s->r.page_size = p->next ? (long)p->n : 0;
    seek_lte_answer(s, p->count, p->n > 0, p->n > 0 ? p->entries[0].id : 0,
                    p->n > 0 ? p->entries[0].created : (struct log_time){0});
}

/* Page 1: the count, the page size, and maybe the answer itself. */
static void seek_feed_first(struct seek *s, const struct log_page *p)
{
    if (p->n == 0) {
        seek_none(s, 0);
        return;
    }
    seek_probe(s, 1, p);
    s->size = (long)p->n;
    s->total = p->count;
    s->r.page_size = p->next ? s->size : 0;
    for (size_t i = 0; i < p->n; i++)
        if (seek_cmp(s, &p->entries[i]) <= 0) {
            seek_found(s, (int64_t)i, p->count, &p->entries[i]);
            s->phase = SEEK_DONE;
            return;
        }
    s->pages = p->next ? walk_pages_for(p->count, s->size) : 1;
    if (s->pages <= 1) {
        s->have_oldest = true;
        s->oldest_row = (int64_t)p->n - 1;
        s->oldest_count = p->count;
        s->oldest_id = p->entries[p->n - 1].id;
        s->oldest_created = p->entries[p->n - 1].created;
        seek_none(s, p->count);
        return;
    }
    s->lo = 2;
    s->hi = s->pages + 1;
    s->phase = SEEK_BISECT;
}

/* A page of the bisection: the answer is on the first page whose last entry
 * is at or before the key. */
static void seek_feed_bisect(struct seek *s, long page, const struct log_page *p)
{
    if (p->n == 0) {
        s->hi = page; /* the log ends before it now */
    } else {
        seek_probe(s, page, p);
        int64_t top = walk_first_row(page, s->size);
        const struct log_entry *last = &p->entries[p->n - 1];
        if (seek_cmp(s, last) <= 0) {
            s->hi = page;
            for (size_t i = 0; i < p->n; i++)
                if (seek_cmp(s, &p->entries[i]) <= 0) {
                    seek_found(s, top + (int64_t)i, p->count, &p->entries[i]);
                    break;
                }
        } else {
            s->lo = page + 1;
            if (page >= s->pages || !p->next) {
                s->have_oldest = true;
                s->oldest_row = top + (int64_t)p->n - 1;
                s->oldest_count = p->count;
                s->oldest_id = last->id;
                s->oldest_created = last->created;
            }
        }
    }
    if (s->lo < s->hi)
        return;
    if (s->hi > s->pages || !s->r.found)
        seek_none(s, s->total);
    else
        s->phase = SEEK_DONE;
}

void seek_feed(struct seek *s, const struct log_page *p, const struct omslog_error *perr)
{
    if (!s->waiting)
        return;
    s->waiting = false;
    if (perr && perr->status != OMSLOG_OK) {
        if (s->phase == SEEK_LTE_FILTERED && perr->status == OMSLOG_ERR_BAD_REQUEST) {
            s->r.lte_wrong = s->r.lte_refused = true; /* the parameter refused */
            s->phase = SEEK_FIRST_PAGE;
            return;
        }
        if (s->phase == SEEK_BISECT && walk_page_gone(s->asked, perr)) {
            static const struct log_page empty = {0};
            seek_feed_bisect(s, s->asked, &empty);
            return;
        }
        s->err = *perr;
        s->phase = SEEK_FAILED;
        return;
    }
    switch (s->phase) {
    case SEEK_LTE_FILTERED:
    case SEEK_LTE_ALL:
        seek_feed_lte(s, p);
        break;
    case SEEK_FIRST_PAGE:
        seek_feed_first(s, p);
        break;
    case SEEK_BISECT:
        seek_feed_bisect(s, s->asked, p);
        break;
    default:
        break;
    }
}

bool seek_done(const struct seek *s)
{
    return s->phase == SEEK_DONE || s->phase == SEEK_FAILED;
}

int seek_result(const struct seek *s, struct seek_result *out, struct omslog_error *err)
{
    *out = s->r;
    if (s->phase == SEEK_FAILED) {
        if (err)
            *err = s->err;
        return s->err.status ? (int)s->err.status : OMSLOG_ERR_INTERNAL;
    }
    if (s->phase != SEEK_DONE)
        return error_set(err, OMSLOG_ERR_INTERNAL, "the seek is not over");
    return OMSLOG_OK;
}
