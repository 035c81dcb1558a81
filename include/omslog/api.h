/* api.h — the OMS action-log API: requests pages and entries through http,
 * decodes them through decode, and turns every failure into an omslog_error
 * in plain words (see error.h for the statuses).
 *
 * Contract:
 * - Pagination is by page number against the configured endpoint, never by
 *   following the server's next/previous URLs, so where they point is not
 *   checked at all.
 * - Requests are asynchronous: api_request_page / api_request_entry start one
 *   and return its id; api_wait + api_poll deliver results. A result owns its
 *   page/entry; api_result_free releases them. api_get_entry is the one
 *   blocking call (`get`, with nothing else in flight).
 * - The requests in flight are http's (one table, one limit: config
 *   `parallel`); what each is for rides on it as its user data. Callers keep
 *   ids only to match results and to cancel.
 * - A page asked with a page size that comes back larger than max_response
 *   is asked again as the pages of a smaller size (a divisor: half where it
 *   can) covering the same rows, one at a time, and delivered merged under
 *   the request's own id and page number, as if the server had sent it whole.
 *   A server that ignores the size, a count that moves between the parts, or
 *   a one-entry part still too large end it with the first error (exit 13).
 * - Error messages quote server text only after sanitising it. */
#ifndef OMSLOG_API_H
#define OMSLOG_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "omslog/config.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/http.h"
#include "omslog/url.h"

enum api_kind { API_PAGE, API_ENTRY };

struct api_result {
    int id;
    enum api_kind kind;
    long page_no;            /* API_PAGE: the page requested */
    int64_t entry_id;        /* API_ENTRY: the id requested */
    struct omslog_error err; /* status OMSLOG_OK on success */
    struct log_page page;    /* API_PAGE on success */
    struct log_entry entry;  /* API_ENTRY on success */
};

struct api;

/* verbose: diagnostics stream or NULL. */
struct api *api_new(const struct config *cfg, FILE *verbose, struct omslog_error *err);
void api_free(struct api *a);
const char *api_endpoint(const struct api *a);
const struct http_origin *api_origin(const struct api *a);

/* Start a request: its id (> 0), or -1 with err. page_size 0: the server's.
 * params: query parameters sent after page and size (url_page), e.g. the
 * server-side filters (caps.h); the parts of a split page carry them too. */
int api_request_page(struct api *a, long page, long page_size, const struct url_param *params,
                     size_t n_params, struct omslog_error *err);
int api_request_entry(struct api *a, int64_t id, struct omslog_error *err);
/* Forget a request: no result will be delivered for it. */
void api_cancel(struct api *a, int id);
/* Requests that may start now without waiting for a slot (may be <= 0): the
 * one limit on requests in flight, http's adaptive one (config `parallel` is
 * its ceiling; it shrinks while the server refuses or slows down). More may
 * be made; they wait their turn. */
long api_room(const struct api *a);
/* Where "waiting N s before retry" lines go (a terminal's stderr), or NULL. */
void api_set_notice(struct api *a, FILE *notice);
/* See http_wait. */
int api_wait(struct api *a, const int *extra_fds, int n_extra, int timeout_ms, bool *extra_ready);
/* Drive the network and fill *out with one finished request: returns true
 * when it did (release with api_result_free), false when none is ready. */
bool api_poll(struct api *a, struct api_result *out);
void api_result_free(struct api_result *r);

/* Blocking: on success fill *out (caller frees) and return OMSLOG_OK. Results
 * of other requests finishing meanwhile are dropped. */
int api_get_entry(struct api *a, int64_t id, struct log_entry *out, struct omslog_error *err);

#endif
