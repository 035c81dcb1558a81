/* seek.h — find the newest entry at or before a time (or an id) in the
 * newest-first log: the `@` key, `list --since/--until` and `--around`.
 * Pure: no network, no terminal. A seek is a state machine the caller drives
 * as it drives a walk: seek_next says which request to make (one at a time),
 * seek_feed hands it the answer; the command line does so synchronously, the
 * browser from its event loop.
 *
 * Two ways, chosen by the caller from the server's verdicts (caps.h):
 * - lte_param set (created_at__lte or id__lte, honoured or not known yet):
 *   one entry of the filtered log (its count C) and page 1 of the whole log
 *   (count N); the entry is the filtered answer's first, at row N - C. Two
 *   requests, or one when the caller knows page 1's count and newest entry
 *   (have_top: the browser's store has them; a filtered answer newer than
 *   them means the log grew, and page 1 is asked after all). The answer is
 *   checked (the entry is at or before the key; the newest entry after it
 *   when C < N); a wrong one (an ignored parameter) sets lte_wrong and the
 *   seek goes on by bisection.
 * - otherwise a bisection over pages: page 1, then pages chosen by the first
 *   and last entries of the pages read, which must fall (ids and times grow
 *   with age going up). At most log2(pages) + 2 requests. A page that breaks
 *   the order is reported (unordered, unordered_page): the answer is then the
 *   bisection's, not proven the newest.
 * Rows are 0-based, newest first, under the count the result names: the log
 * grows while it is read, so the id is what identifies the entry. */
#ifndef OMSLOG_SEEK_H
#define OMSLOG_SEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/datetime.h"
#include "omslog/entry.h"
#include "omslog/error.h"

enum seek_key { SEEK_BY_TIME, SEEK_BY_ID };

/* Probed pages remembered for the order check (a bisection over any log a
 * count can claim probes fewer). */
#define SEEK_PROBES_MAX 72
#define SEEK_VALUE_MAX 40

struct seek_opts {
    enum seek_key key;
    struct log_time time;  /* SEEK_BY_TIME */
    int64_t id;            /* SEEK_BY_ID */
    const char *lte_param; /* "at or before" parameter (checked), NULL: bisect */
    long page_size;        /* asked of the server, 0: its default */
    /* Page 1 of the log as the caller has it: its count and newest entry
     * (have_top; an empty log has no newest). The lte way then sends one
     * request; the result's page_size is then 0 (not learnt). */
    bool have_top;
    int64_t top_count;
    int64_t top_id;
    struct log_time top_created;
};

/* One request to make: page (1-based) at size entries (0: the server's
 * default), with param_key=param_value when param_key is not NULL. */
struct seek_request {
    long page;
    long size;
    const char *param_key;
    char param_value[SEEK_VALUE_MAX];
};

struct seek_result {
    bool found;  /* an entry at or before the key exists */
    int64_t row; /* its row; when !found the oldest's (count - 1), -1 for an empty log */
    int64_t count;
    long page_size; /* entries a page as the server sends them, 0: not known */
    int64_t id;     /* of the entry at row, -1 when not known */
    struct log_time created;
    long requests;
    bool unordered; /* a page broke the order: see above */
    long unordered_page;
    bool lte_wrong;   /* the server's lte answer was wrong: bisected instead */
    bool lte_refused; /* it was a 400 (the parameter refused) */
};

enum seek_phase {
    SEEK_LTE_FILTERED,
    SEEK_LTE_ALL,
    SEEK_FIRST_PAGE,
    SEEK_BISECT,
    SEEK_DONE,
    SEEK_FAILED,
};

/* The state of one seek; fields are private to seek.c. */
struct seek {
    struct seek_opts o;
    enum seek_phase phase;
    bool waiting;  /* a request is out */
    long size;     /* the page size the server uses (learnt from page 1) */
    long pages;    /* pages of the log by page 1's count */
    int64_t total; /* page 1's count */
    long lo, hi;   /* the answer's page is in [lo, hi]; pages + 1: none */
    long asked;    /* the page of the request out */
    int64_t lte_count, lte_id;
    struct log_time lte_created;
    bool have_oldest; /* the last page was read: its last entry is the oldest */
    int64_t oldest_row, oldest_count, oldest_id;
    struct log_time oldest_created;
    struct {
        long page;
        int64_t first_id, last_id;
        struct log_time first, last;
    } probes[SEEK_PROBES_MAX];
    size_t n_probes;
    struct seek_result r;
    struct omslog_error err;
};

void seek_init(struct seek *s, const struct seek_opts *o);
/* The next request to make: true with *req, false when none is needed now
 * (one is out, or the seek is over: seek_done). */
bool seek_next(struct seek *s, struct seek_request *req);
/* The answer to the request out: p when perr is NULL or OMSLOG_OK, else the
 * failure (the seek fails with it, but a page gone past the end of a log
 * that shrank, which narrows the bisection, and a 400 to the lte request,
 * which sets lte_wrong and lte_refused and bisects). p is only read. */
void seek_feed(struct seek *s, const struct log_page *p, const struct omslog_error *perr);
bool seek_done(const struct seek *s);
/* OMSLOG_OK with the result, or the status it failed with (err filled). */
int seek_result(const struct seek *s, struct seek_result *out, struct omslog_error *err);

#endif
