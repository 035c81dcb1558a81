/* cli.h — the command-line modes for scripts: `list` and `get`.
 *
 * Contract: each mode writes its output to out and its progress to stderr,
 * and returns an exit status (error.h) with err filled on failure; the caller
 * prints err. The options struct is borrowed. Filters are always applied here,
 * on what the server returned. */
#ifndef OMSLOG_CLI_H
#define OMSLOG_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "omslog/api.h"
#include "omslog/config.h"
#include "omslog/datetime.h"
#include "omslog/filter.h"
#include "omslog/format.h"

#define CLI_DEFAULT_LIMIT 20   /* matching entries shown by a bare `omslog list` */
#define CLI_DEFAULT_CONTEXT 10 /* --around: matching entries either side */

/* A time window (--since/--until, both inclusive) is asked of the server as
 * created_at__gte/__lte where those are proven honoured, else its newest edge
 * is found by a seek (seek.h) and the walk stops at the first entry older than
 * its oldest edge; every row is checked against it here either way. --around
 * finds the id by a seek too (id__lte where honoured) and prints the context
 * matching entries newer and older than it. reverse prints oldest first
 * (buffering what it prints). */
struct cli_list_opts {
    struct filter filter;
    long page;       /* first page, 1-based */
    bool page_given; /* --page alone: just that page */
    long limit;      /* 0: see page_given / all */
    bool all;
    bool reprobe; /* probe the server's filters even when remembered */
    bool has_since, has_until;
    struct log_time since, until;
    bool around;
    int64_t around_id;
    long context; /* --around: entries either side, 0: CLI_DEFAULT_CONTEXT */
    bool reverse;
    enum format_kind format;
};

int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err);
int cli_get(struct api *api, const struct config *cfg, int64_t id, enum format_kind format,
            FILE *out, struct omslog_error *err);

#endif
