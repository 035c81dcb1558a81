/* negotiate.h — one negotiation of server-side filtering, for any driver:
 * given a filter and what is remembered of the server (caps.h), it says
 * which requests to send next, takes their answers, and ends with a plan
 * (struct caps_push) or with "scan" (a plan that pushes nothing). Pure: no
 * network. `list` (cli.c) sends each round and waits for it; the browser
 * sends the requests as the transport has room and feeds the answers as
 * they arrive, like its pages.
 *
 * Contract:
 * - Rounds, each sent once the previous one is answered: (1) the unfiltered
 *   first page (the baseline count, and the sample to compare with); (2) the
 *   probes (page 1, one entry a page, an impossible value) of the params the
 *   filter wants and of the extra ones asked for, where not known yet;
 *   (3) the plan's check: its first filtered page against the unfiltered
 *   one, and each param's count against its twin's (caps_twin).
 * - Names: requests, the plan and negotiate_caps use the names in known
 *   (caps_use_names, caps_param_name). A probe ignored under a name with a
 *   second spelling not configured (caps_try_alt) is probed again under it,
 *   one more round of probes at most.
 * - A plan whose check fails is dropped (the result is a scan); when the
 *   server was caught sending wrong rows, the plan's params become
 *   CAPS_LIAR in negotiate_caps, which the driver saves.
 * - A failed unfiltered page ends it at once with a scan and nothing learnt.
 * - Every request is page 1; params and their strings are owned by the
 *   negotiation and stay valid until negotiate_free. */
#ifndef OMSLOG_NEGOTIATE_H
#define OMSLOG_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

#include "omslog/caps.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/filter.h"
#include "omslog/url.h"

struct negotiate;

struct negotiate_request {
    int serial; /* > 0: names the answer */
    long size;  /* page size; 0: the server's */
    const struct url_param *params;
    size_t n_params;
};

/* known: the remembered verdicts (NULL: none); extra: params to probe even
 * if the filter does not need them (e.g. id__lte for jumps). page_size: the
 * size of the unfiltered and the filtered first page (0: the server's). */
struct negotiate *negotiate_new(const struct filter *f, const struct caps *known,
                                const enum caps_param *extra, size_t n_extra, long page_size);
void negotiate_free(struct negotiate *n);
/* Before the first answer: probe the extra param p only when the unfiltered
 * count is above min_count (keyset paging pays only on a long log). */
void negotiate_extra_above(struct negotiate *n, enum caps_param p, int64_t min_count);

/* The next request to send now: true with *req filled; false when every
 * request of the round is out (wait for answers) or it is done. */
bool negotiate_next(struct negotiate *n, struct negotiate_request *req);
/* The answer to request serial: err->status OMSLOG_OK with page, else the
 * failure (page ignored). Takes page's contents (page is left empty; the
 * caller still log_page_free's it). false: not a request of this round. */
bool negotiate_answer(struct negotiate *n, int serial, const struct omslog_error *err,
                      struct log_page *page);
/* Requests handed out and not answered yet. */
size_t negotiate_waiting(const struct negotiate *n);
bool negotiate_done(const struct negotiate *n);

/* Once done (before, what is known so far): */
const struct caps *negotiate_caps(const struct negotiate *n);
/* Probes were sent (or a liar was caught): negotiate_caps is worth saving. */
bool negotiate_learnt(const struct negotiate *n);
/* Probes were sent this time (the verdicts are not only remembered ones). */
bool negotiate_probed(const struct negotiate *n);
/* The plan: n_used 0 means scan on the client. */
const struct caps_push *negotiate_plan(const struct negotiate *n);
/* The plan was checked and refused: why (static text), else NULL; *liar
 * when the server was caught answering wrongly. */
const char *negotiate_why(const struct negotiate *n, bool *liar);
/* The unfiltered count of the first round, -1 when unknown. */
int64_t negotiate_baseline(const struct negotiate *n);
/* Once done: the answer to the unfiltered first page (the one a walk from
 * page 1 without params would ask first), once: *err (OMSLOG_OK with the
 * page moved into *out, else the failure; *out left empty). false when it
 * was not asked, or taken already. */
bool negotiate_take_base(struct negotiate *n, struct log_page *out, struct omslog_error *err);
/* The plan's first page as checked (its count is the exact number of
 * matches), moved into *out once; false when there is none. */
bool negotiate_take_page(struct negotiate *n, struct log_page *out);

#endif
