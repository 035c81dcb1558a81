/* source.c — where the browser's pages and entries come from: the server
 * (api.h) or, for `omslog open FILE`, the file (filesrc.h). A file answers
 * every request at once, through the same path as the server's results: the
 * request is queued here, source_wait then does not block, and source_poll
 * hands the result out, decoded only then, to app_result. So the store, the
 * jump, the marks pane and the panes do not know where an entry came from;
 * only what needs a server (its URL, follow mode) asks source_endpoint. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "omslog/filesrc.h"
#include "omslog/sanitize.h"
#include "omslog/util.h"

/* Pages a file decodes per turn of the loop (a few ms), so that keys are
 * read between batches while a filter scans a large file. */
#define SOURCE_FILE_ROOM 16
/* Rows of a file's page when the configuration asks the server's size (0). */
#define SOURCE_FILE_PAGE 100
/* A file's summary decodes every entry (5 us each, decode.h): seconds for a
 * million. It counts for this long a turn of the loop, then reads keys and
 * draws, checking the clock every SOURCE_SUMMARY_CHUNK entries (~2 ms). */
#define SOURCE_SUMMARY_SLICE_MS 20
#define SOURCE_SUMMARY_CHUNK 512
/* A path whose marks file name (marks.h: the origin percent-encoded, each
 * byte but [A-Za-z0-9.-] taking three) would pass this keeps its marks in
 * memory only: with "marks-" and the lock file's suffix it stays under
 * NAME_MAX. */
#define SOURCE_MARKS_NAME_MAX 200
#define SOURCE_FILE_SCHEME "file://"
/* A keyset request's params: the view's (serverview's few) and id__lt. */
#define SOURCE_PARAMS_MAX 16
#define SOURCE_ID_TEXT_MAX 24

long source_room(struct app *a)
{
    if (!a->file)
        return api_room(a->api);
    long pages = 0;
    for (size_t i = 0; i < a->fileq.n; i++)
        pages += a->fileq.req[i].kind == API_PAGE;
    return SOURCE_FILE_ROOM - pages;
}

static int source_queue(struct app *a, enum api_kind kind, long page, long size, int64_t id,
                        struct omslog_error *err)
{
    struct source_queue *q = &a->fileq;
    if (q->n == ARRAY_LEN(q->req))
        return error_set(err, OMSLOG_ERR_INTERNAL, "too many requests at once");
    if (++q->last_id <= 0)
        q->last_id = 1;
    q->req[q->n++] = (struct source_req){q->last_id, kind, page, id, size};
    return q->last_id;
}

int source_request_page(struct app *a, long page, long size, const struct url_param *params,
                        size_t n, struct omslog_error *err)
{
    if (size <= 0)
        size = a->cfg->page_size;
    if (!a->file)
        return api_request_page(a->api, page, size, params, n, err);
    if (n)
        return error_set(err, OMSLOG_ERR_INTERNAL, "a file cannot filter");
    return source_queue(a, API_PAGE, page, size, 0, err);
}

int source_request_below(struct app *a, const char *name, int64_t below_id, long page,
                         const struct url_param *params, size_t n, struct omslog_error *err)
{
    struct url_param p[SOURCE_PARAMS_MAX];
    if (a->file || n >= ARRAY_LEN(p))
        return error_set(err, OMSLOG_ERR_INTERNAL, "cannot ask page %ld by id", page);
    for (size_t i = 0; i < n; i++)
        p[i] = params[i];
    char value[SOURCE_ID_TEXT_MAX];
    snprintf(value, sizeof value, "%" PRId64, below_id);
    p[n++] = (struct url_param){name, value};
    return api_request_page(a->api, page, a->cfg->page_size, p, n, err);
}

int source_request_entry(struct app *a, int64_t id, struct omslog_error *err)
{
    if (!a->file)
        return api_request_entry(a->api, id, err);
    return source_queue(a, API_ENTRY, 0, 0, id, err);
}

void source_cancel(struct app *a, int id)
{
    if (!a->file) {
        api_cancel(a->api, id);
        return;
    }
    struct source_queue *q = &a->fileq;
    for (size_t i = 0; i < q->n; i++)
        if (q->req[i].id == id) {
            memmove(q->req + i, q->req + i + 1, (q->n - i - 1) * sizeof *q->req);
            q->n--;
            return;
        }
}

/* A file's requests are answered at once: wait only while none is queued
 * and no summary is being counted. */
int source_wait(struct app *a, const int *fds, int n, int timeout_ms, bool *ready)
{
    if (!a->file)
        return api_wait(a->api, fds, n, timeout_ms, ready);
    struct pollfd p[2];
    int k = n < (int)ARRAY_LEN(p) ? n : (int)ARRAY_LEN(p);
    for (int i = 0; i < k; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    int r = poll(p, (nfds_t)k, a->fileq.n || source_summary_pending(a) ? 0 : timeout_ms);
    *ready = false;
    for (int i = 0; r > 0 && i < k; i++)
        *ready = *ready || (p[i].revents != 0);
    return r < 0 && errno != EINTR ? -1 : 0;
}

bool source_poll(struct app *a, struct api_result *out)
{
    if (!a->file)
        return api_poll(a->api, out);
    struct source_queue *q = &a->fileq;
    if (q->n == 0)
        return false;
    struct source_req r = q->req[0];
    memmove(q->req, q->req + 1, (q->n - 1) * sizeof *q->req);
    q->n--;
    memset(out, 0, sizeof *out);
    out->id = r.id;
    out->kind = r.kind;
    out->page_no = r.page;
    out->entry_id = r.entry;
    if (r.kind == API_PAGE) {
        long size = r.size > 0 ? r.size : SOURCE_FILE_PAGE;
        filesrc_page(a->file, r.page, size, &out->page, &out->err);
    } else {
        filesrc_entry(a->file, r.entry, &out->entry, &out->err);
    }
    return true;
}

const char *source_endpoint(struct app *a)
{
    return a->file ? NULL : api_endpoint(a->api);
}

/* The origin marks are kept under: the server's, or the file's absolute
 * path as a file:// URL (in memory only when the path is long). */
char *source_marks_origin(struct app *a)
{
    if (!a->file) {
        char origin[HTTP_ORIGIN_TEXT_MAX];
        http_origin_text(api_origin(a->api), origin, sizeof origin);
        return xstrdup(origin);
    }
    char *abs = realpath(filesrc_path(a->file), NULL);
    if (!abs)
        return NULL;
    struct buf b = {0};
    buf_printf(&b, "%s%s", SOURCE_FILE_SCHEME, abs);
    free(abs);
    size_t encoded = 0;
    for (const char *c = b.data; *c; c++)
        encoded += (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                           (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'
                       ? 1
                       : 3;
    if (encoded > SOURCE_MARKS_NAME_MAX) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* The header's name of where the entries come from. */
void source_describe(struct app *a, struct buf *out)
{
    if (!a->file) {
        /* The base passed url_endpoint's check: ASCII host characters only. */
        const struct http_origin *o = api_origin(a->api);
        buf_printf(out, "%s:%ld", o->host, o->port);
        return;
    }
    const char *path = filesrc_path(a->file);
    sanitize_append(out, path, strlen(path), SANITIZE_ONE_LINE);
    if (filesrc_reordered(a->file))
        buf_appends(out, " (sorted newest first)");
}

/* The status line's first words after opening: what was skipped. */
void source_opened(struct app *a)
{
    if (!a->file)
        return;
    char bad[OMSLOG_ERROR_MSG_MAX];
    filesrc_bad_describe(a->file, bad, sizeof bad);
    if (*bad)
        app_message(a, MSG_ERROR, "%s", bad);
}

struct source_tally {
    struct app *a;
    struct store_tally *t;
};

static void source_tally_one(const struct log_entry *e, void *ctx)
{
    struct source_tally *st = ctx;
    if (!filter_is_active(&st->a->filter) || filter_match(&st->a->filter, e))
        store_tally_add(st->t, e);
}

/* S: the server's summary counts what the cache holds; a file's counts every
 * entry in it (it is all here), decoding each once: seconds for a large
 * file, so the loop counts it in slices between keys (source_summary_step). */
void source_summary(struct app *a, struct store_summary *out)
{
    if (!a->file) {
        store_summary(a->store, out);
        return;
    }
    memset(out, 0, sizeof *out);
    source_summary_stop(a);
    a->summary.tally = store_tally_new();
    a->summary.file_counted = 0;
}

bool source_summary_pending(const struct app *a)
{
    return a->summary.tally != NULL;
}

void source_summary_stop(struct app *a)
{
    if (!a->summary.tally)
        return;
    struct store_summary dropped;
    store_tally_finish(a->summary.tally, &dropped);
    store_summary_free(&dropped);
    a->summary.tally = NULL;
    a->summary.file_counted = 0;
}

void source_summary_restart(struct app *a)
{
    if (source_summary_pending(a))
        source_summary(a, &a->summary.sum);
}

void source_summary_step(struct app *a)
{
    struct summary_pane *sp = &a->summary;
    if (!sp->tally)
        return;
    struct source_tally st = {a, sp->tally};
    struct omslog_error err = {0};
    int64_t total = filesrc_count(a->file), deadline = now_ms() + SOURCE_SUMMARY_SLICE_MS;
    do {
        if (filesrc_each_range(a->file, sp->file_counted, SOURCE_SUMMARY_CHUNK, source_tally_one,
                               &st, &err) != OMSLOG_OK) {
            app_message(a, MSG_ERROR, "summary incomplete: %s", err.msg);
            break;
        }
        sp->file_counted += total - sp->file_counted < SOURCE_SUMMARY_CHUNK
                                ? total - sp->file_counted
                                : SOURCE_SUMMARY_CHUNK;
    } while (sp->file_counted < total && now_ms() < deadline);
    if (sp->file_counted < total && err.status == OMSLOG_OK)
        return;
    store_summary_free(&sp->sum);
    store_tally_finish(sp->tally, &sp->sum);
    sp->tally = NULL;
    sp->sel = sp->top = 0;
}
