/* merge.c — see include/omslog/merge.h */
#include "omslog/merge.h"

#include <stdlib.h>
#include <string.h>

#include "omslog/level.h"
#include "omslog/util.h"

/* Levels halfway between two standard ones are tried first. */
#define MERGE_LEVEL_STEP 10
#define MERGE_LEVEL_HALF 5

/* One stream's entries not yet taken: entries[head, n). */
struct merge_stream {
    struct log_entry *entries;
    size_t head, n, cap;
    int64_t last_id;
    bool have_last, ended;
};

struct merge {
    struct merge_stream *s;
    size_t n;
    struct log_entry out; /* the entry merge_next gave last */
    bool have_out;
};

struct merge *merge_new(size_t streams)
{
    struct merge *m = xcalloc(1, sizeof *m);
    m->s = xcalloc(streams ? streams : 1, sizeof *m->s);
    m->n = streams;
    return m;
}

void merge_free(struct merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct merge_stream *s = &m->s[i];
        for (size_t k = s->head; k < s->n; k++)
            log_entry_free(&s->entries[k]);
        free(s->entries);
    }
    log_entry_free(&m->out);
    free(m->s);
    free(m);
}

bool merge_push(struct merge *m, size_t i, const struct log_entry *e)
{
    if (i >= m->n)
        return false;
    struct merge_stream *s = &m->s[i];
    if (s->ended || (s->have_last && e->id >= s->last_id))
        return false;
    if (s->head > 0 && s->n == s->cap) { /* reuse the room taken entries left */
        memmove(s->entries, s->entries + s->head, (s->n - s->head) * sizeof *s->entries);
        s->n -= s->head;
        s->head = 0;
    }
    ARRAY_GROW(s->entries, s->cap, s->n + 1);
    log_entry_copy(&s->entries[s->n++], e);
    s->last_id = e->id;
    s->have_last = true;
    return true;
}

void merge_end(struct merge *m, size_t i)
{
    if (i < m->n)
        m->s[i].ended = true;
}

bool merge_ended(const struct merge *m, size_t i)
{
    return i >= m->n || m->s[i].ended;
}

size_t merge_held(const struct merge *m, size_t i)
{
    return i < m->n ? m->s[i].n - m->s[i].head : 0;
}

/* Stream s's first entry moved out (into *out, or freed when out is NULL). */
static void merge_pop(struct merge_stream *s, struct log_entry *out)
{
    if (out)
        *out = s->entries[s->head];
    else
        log_entry_free(&s->entries[s->head]);
    s->head++;
    if (s->head == s->n)
        s->head = s->n = 0;
}

const struct log_entry *merge_next(struct merge *m)
{
    log_entry_free(&m->out);
    m->have_out = false;
    struct merge_stream *best = NULL;
    for (size_t i = 0; i < m->n; i++) {
        struct merge_stream *s = &m->s[i];
        if (s->head == s->n) {
            if (!s->ended)
                return NULL; /* it may still bring something newer */
            continue;
        }
        if (!best || s->entries[s->head].id > best->entries[best->head].id)
            best = s;
    }
    if (!best)
        return NULL;
    int64_t id = best->entries[best->head].id;
    merge_pop(best, &m->out);
    m->have_out = true;
    for (size_t i = 0; i < m->n; i++) /* the same id from another stream: once */
        if (m->s[i].head < m->s[i].n && m->s[i].entries[m->s[i].head].id == id)
            merge_pop(&m->s[i], NULL);
    return &m->out;
}

bool merge_done(const struct merge *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (!m->s[i].ended || m->s[i].head < m->s[i].n)
            return false;
    return true;
}

static bool merge_has(const int *levels, size_t n, int level)
{
    for (size_t i = 0; i < n; i++)
        if (levels[i] == level)
            return true;
    return false;
}

static int merge_int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

size_t merge_known_levels(const struct log_page *sample, int *out, size_t cap)
{
    static const int standard[] = {LEVEL_NOTSET,  LEVEL_DEBUG, LEVEL_INFO,
                                   LEVEL_WARNING, LEVEL_ERROR, LEVEL_CRITICAL};
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(standard) && n < cap; i++)
        out[n++] = standard[i];
    for (size_t i = 0; sample && i < sample->n && n < cap; i++)
        if (!merge_has(out, n, sample->entries[i].level))
            out[n++] = sample->entries[i].level;
    qsort(out, n, sizeof *out, merge_int_cmp);
    return n;
}

size_t merge_level_candidates(const int *known, size_t n_known, int *out, size_t cap)
{
    size_t n = 0;
    for (int l = MERGE_LEVEL_HALF; l <= MERGE_LEVEL_MAX && n < cap; l += MERGE_LEVEL_STEP)
        if (!merge_has(known, n_known, l))
            out[n++] = l;
    for (int l = 0; l <= MERGE_LEVEL_MAX && n < cap; l++)
        if (l % MERGE_LEVEL_STEP != MERGE_LEVEL_HALF && !merge_has(known, n_known, l))
            out[n++] = l;
    return n;
}

int64_t merge_counts_sum(const int64_t *counts, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i] < 0 || counts[i] > INT64_MAX - sum)
            return -1;
        sum += counts[i];
    }
    return sum;
}

bool merge_counts_complete(int64_t total_before, int64_t total_after, const int64_t *counts,
                           size_t n)
{
    int64_t sum = merge_counts_sum(counts, n);
    return total_before >= 0 && total_before <= total_after && sum == total_after;
}
