/* scan.c — a big client-side scan never starts silently: when a filter
 * makes the store read more than big_scan_pages pages it has not scanned,
 * the browser asks first (y/n, with the pages and the time they take at the
 * rate pages have come so far), the footer shows the scan's progress, and Esc
 * stops it. A find (e, w, n, /) that has read that many pages from where it
 * started without a match asks before it reads on. While the question is open or after a no or an
 * Esc, no page is asked for (app_schedule asks scan_gate_holds); a new filter asks again. While
 * the server is asked whether it can filter (serverview's negotiation), a scan that would ask
 * waits: it is asked about when the answer is "scan" (serverview calls scan_gate_check). A check
 * before the log's count is known waits for it (scan_gate_recheck, after each page stored). */
#include <stdio.h>

#include "app.h"
#include "omslog/util.h"
#include "omslog/walk.h"

#define SCAN_MS_PER_S 1000.0

/* Pages the scan still has to read, by the page size seen so far. */
static long scan_pages_left(const struct app *a)
{
    int64_t scanned = 0, total = 0;
    store_scan_progress(a->store, &scanned, &total);
    long size = a->scan.page_size > 0 ? a->scan.page_size : a->cfg->page_size;
    return total > scanned ? walk_pages_for(total - scanned, size > 0 ? size : 1) : 0;
}

/* Pages a second while requests were in flight (idle time not counted). */
static double scan_rate(const struct app *a)
{
    int64_t ms = a->scan.busy_ms;
    return a->scan.pages_loaded > 0 && ms > 0
               ? (double)a->scan.pages_loaded * SCAN_MS_PER_S / (double)ms
               : 0;
}

void scan_gate_sent(struct app *a)
{
    a->scan.busy_since = now_ms();
}

void scan_gate_page(struct app *a, const struct log_page *p)
{
    int64_t now = now_ms();
    int64_t from = a->scan.last_ms > a->scan.busy_since ? a->scan.last_ms : a->scan.busy_since;
    a->scan.pages_loaded++;
    a->scan.busy_ms += now > from ? now - from : 0;
    a->scan.last_ms = now;
    if (p->next && p->n > 0)
        a->scan.page_size = (long)p->n;
}

/* The scan still to do is above big_scan_pages (a server's log). */
static bool scan_big(const struct app *a)
{
    long limit = a->cfg->big_scan_pages;
    return limit > 0 && !a->file && store_count(a->store) >= 0 && scan_pages_left(a) > limit;
}

void scan_gate_check(struct app *a)
{
    a->scan.asking = a->scan.stopped = a->scan.for_find = a->scan.pending = false;
    long limit = a->cfg->big_scan_pages;
    /* While the server is asked whether it filters, nothing is asked of the
     * user: serverview calls this again when the client is to scan. */
    /* A file is read locally: no server's time to spare, nothing to ask. */
    if (limit <= 0 || a->file || !store_is_filtered(a->store) || store_scan_done(a->store) ||
        serverview_negotiating(a) || serverview_active(a))
        return;
    /* No page of this view yet (the server's view just fell back): the
     * first one tells the count, and then the pages it costs. */
    a->scan.pending = store_count(a->store) < 0;
    if (a->scan.pending || !scan_big(a))
        return;
    long left = scan_pages_left(a);
    a->scan.asking = true;
    app_cancel_requests(a, true);
    struct buf cost = {0};
    walk_cost_text(&cost, left, scan_rate(a));
    /* One key answers (PROMPT_CONFIRM); prompt.c hands it to scan_gate_answer. */
    struct buf label = {0};
    buf_printf(&label, "scan %s? (y/n) ", buf_str(&cost));
    prompt_open(a, PROMPT_CONFIRM, buf_str(&label), "");
    buf_free(&label);
    buf_free(&cost);
}

void scan_gate_recheck(struct app *a)
{
    if (a->scan.pending && store_count(a->store) >= 0)
        scan_gate_check(a);
}

bool scan_gate_holds(const struct app *a)
{
    bool scanning = store_is_filtered(a->store) && !store_scan_done(a->store);
    /* --server-filter require: the client never scans what the server
     * would not filter (serverview says why when its negotiation ends). */
    bool refused =
        a->cfg->server_filter == CONFIG_SERVER_FILTER_REQUIRE && !a->file && !serverview_active(a);
    /* A scan does not start while a guess's first page is awaited, nor a
     * big one while the server may still spare it: its pages would also
     * slow the server's answers down. */
    bool waiting = serverview_guessing(a) || (serverview_negotiating(a) && scan_big(a));
    return a->scan.asking || (scanning && (a->scan.stopped || refused || waiting));
}

void scan_gate_find_start(struct app *a)
{
    a->scan.find_start = a->list.sel;
    a->scan.find_ok = false;
}

/* A find in the unfiltered view that has read big_scan_pages pages from
 * where it started without a match asks before it reads the rest. */
bool scan_gate_find(struct app *a, int64_t row)
{
    long limit = a->cfg->big_scan_pages;
    long size = a->scan.page_size > 0 ? a->scan.page_size : a->cfg->page_size;
    if (limit <= 0 || a->file || a->scan.find_ok || a->scan.asking ||
        store_is_filtered(a->store) || size <= 0)
        return false;
    int64_t done = row > a->scan.find_start ? row - a->scan.find_start : a->scan.find_start - row;
    if (done / size <= limit)
        return false;
    int64_t rows_left = a->find.dir > 0 ? store_count(a->store) - row : row;
    a->find.active = false; /* paused: the answer resumes it */
    store_find_cancel(a->store);
    a->scan.asking = a->scan.for_find = true;
    app_cancel_requests(a, true);
    struct buf cost = {0}, label = {0};
    walk_cost_text(&cost, walk_pages_for(rows_left, size), scan_rate(a));
    buf_printf(&label, "no match yet: read on, %s? (y/n) ", buf_str(&cost));
    prompt_open(a, PROMPT_CONFIRM, buf_str(&label), "");
    buf_free(&label);
    buf_free(&cost);
    return true;
}

void scan_gate_answer(struct app *a, bool yes)
{
    a->scan.asking = false;
    if (a->scan.for_find) {
        a->scan.for_find = false;
        a->scan.find_ok = yes;
        a->find.active = yes; /* from where it paused */
        app_message(a, MSG_INFO, yes ? "searching on (Esc stops)" : "search stopped");
        return;
    }
    if (yes) {
        app_message(a, MSG_INFO, "scanning every page for the filter (Esc stops)");
        return;
    }
    a->scan.stopped = true;
    app_message(a, MSG_INFO,
                "not scanned: matches among the pages loaded only (0 clears the filter)");
}

bool scan_gate_stop(struct app *a)
{
    if (a->scan.stopped || !store_is_filtered(a->store) || store_scan_done(a->store))
        return false;
    a->scan.stopped = true;
    app_cancel_requests(a, true);
    int64_t scanned = 0, total = 0;
    store_scan_progress(a->store, &scanned, &total);
    app_message(a, MSG_INFO, "scan stopped at %d%%: matches among the pages loaded only",
                total > 0 ? (int)(scanned * 100 / total) : 0);
    return true;
}
