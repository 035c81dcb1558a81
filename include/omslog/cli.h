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
#include "omslog/filter.h"
#include "omslog/format.h"

#define CLI_DEFAULT_LIMIT 20 /* matching entries shown by a bare `omslog list` */

struct cli_list_opts {
    struct filter filter;
    long page;       /* first page, 1-based */
    bool page_given; /* --page alone: just that page */
    long limit;      /* 0: see page_given / all */
    bool all;
    bool reprobe; /* probe the server's filters even when remembered */
    enum format_kind format;
};

int cli_list(struct api *api, const struct config *cfg, const struct cli_list_opts *o, FILE *out,
             struct omslog_error *err);
int cli_get(struct api *api, const struct config *cfg, int64_t id, enum format_kind format,
            FILE *out, struct omslog_error *err);

#endif
