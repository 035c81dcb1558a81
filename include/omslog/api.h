/* api.h — the OMS action-log API: requests pages and entries through http,
 * decodes them through decode, and turns every failure into an omslog_error
 * in plain words (see error.h for the statuses).
 *
 * Contract:
 * - Pagination is by page number against the configured endpoint, never by
 *   following the server's next/previous URLs, so where they point is not
 *   checked at all.
 * - Asynchronous use (the browser): api_request_page / api_request_entry start
 *   a request and return its id; api_wait + api_poll deliver results. A result
 *   owns its page/entry; api_result_free releases them.
 * - Synchronous use (the command-line modes): api_get_page / api_get_entry.
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
    long page_no;         /* API_PAGE: the page requested */
    long page_size;       /* API_PAGE: the page size requested (0: server default) */
    int64_t entry_id;     /* API_ENTRY: the id requested */
    void *user;
    struct omslog_error err;  /* status OMSLOG_OK on success */
    long http_status;
    double seconds;
    struct log_page page; /* API_PAGE on success */
    struct log_entry entry; /* API_ENTRY on success */
};

struct api;

/* verbose: diagnostics stream or NULL. */
struct api *api_new(const struct config *cfg, FILE *verbose, struct omslog_error *err);
void api_free(struct api *a);
const char *api_endpoint(const struct api *a);
const struct http_origin *api_origin(const struct api *a);

/* extra: additional query parameters (server-side filters), may be NULL. */
int api_request_page(struct api *a, long page, long page_size, const struct url_param *extra,
                     size_t n_extra, void *user, struct omslog_error *err);
int api_request_entry(struct api *a, int64_t id, void *user, struct omslog_error *err);
void api_cancel(struct api *a, int id);
/* See http_wait. */
int api_wait(struct api *a, const int *extra_fds, int n_extra, int timeout_ms, bool *extra_ready);
/* Drive the network and fill *out with one finished request: returns true
 * when it did (release with api_result_free), false when none is ready. */
bool api_poll(struct api *a, struct api_result *out);
void api_result_free(struct api_result *r);
size_t api_pending(const struct api *a);
long api_connections_opened(const struct api *a);

/* Blocking versions. On success fill *out (caller frees) and return OMSLOG_OK. */
int api_get_page(struct api *a, long page, long page_size, const struct url_param *extra,
                 size_t n_extra, struct log_page *out, struct omslog_error *err);
int api_get_entry(struct api *a, int64_t id, struct log_entry *out, struct omslog_error *err);

#endif
