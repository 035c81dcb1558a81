/* searchcaps.h — whether `list --search TEXT` may send the text to the
 * server's search (Django REST Framework's SearchFilter, `search=`) as a
 * pre-filter, and the probe that proves which of our search fields the server
 * searches. Pure: no network; the driver sends the requests it is given and
 * feeds the answers back.
 *
 * Contract:
 * - Our search is a case-insensitive substring (or a regular expression) in
 *   message, logger_name, app_name or trace (filter.h). SearchFilter splits
 *   its value into terms at whitespace and commas and keeps a row when every
 *   term is in (UPPER(field) LIKE) any of its search_fields, whichever the
 *   server was configured with. A row holding our text in a field the server
 *   searches holds every term there, so the server's answer is a superset of
 *   our matches exactly when each of our fields is among its search_fields
 *   (the probe below) and the text is one whose terms mean the same to
 *   both (searchcaps_text): literal, printable ASCII (PostgreSQL's case
 *   folding differs from glibc's outside ASCII), no quote or backslash (DRF
 *   3.15 reads quoted phrases), at least one term. Every row the server sends
 *   still goes through the whole client filter.
 * - The probe, for each field F not known: from a sample (the unfiltered
 *   pages from 1 on, at most SEARCHCAPS_SAMPLE_PAGES), an entry E and a token
 *   (searchcaps_choose) that is in E's F and in none of E's other fields,
 *   even where a non-ASCII character could fold to one of its letters. Then
 *   one request: search=TOKEN&id__lte=E.id with one row (id__lte honoured):
 *   E first proves F searched, an older row or none proves it is not, a
 *   newer row tells nothing. Without id__lte: search=TOKEN with a page deep
 *   enough to hold E; E among the rows proves it, E missing from a last page
 *   or from rows reaching below E's id disproves it, else unknown. A field
 *   with no token, or whose request failed, stays unknown (no pushdown).
 *   The fields are probed trace first, and the probe stops at the first
 *   field that is not proven searched: one is enough to keep the search on
 *   the client, and that one is the reason given (searchcaps_probe_why).
 *   The caller probes only where `search` itself is proven honoured (caps.h):
 *   a server ignoring it would send E back for any token.
 * - Limits: a server that also searches a field the API does not show could
 *   find the token there; a server that drops rows consistently is caught
 *   only where its first page misses a row the unfiltered first page shows
 *   (searchcaps_check_sample).
 * - Ownership: a probe owns copies of its names and tokens; the params of a
 *   request stay valid until the next call on it. */
#ifndef OMSLOG_SEARCHCAPS_H
#define OMSLOG_SEARCHCAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/caps.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/filter.h"
#include "omslog/url.h"

/* The fields our search looks at (filter.h), in its order. */
enum searchcaps_field {
    SEARCHCAPS_MESSAGE,
    SEARCHCAPS_LOGGER,
    SEARCHCAPS_APP,
    SEARCHCAPS_TRACE,
    SEARCHCAPS_N_FIELDS,
};
_Static_assert(SEARCHCAPS_N_FIELDS == CAPS_SEARCH_FIELDS, "caps.h holds a verdict per field");

/* Unfiltered pages read at most for a sample; a token's length bound. */
#define SEARCHCAPS_SAMPLE_PAGES 4
#define SEARCHCAPS_TOKEN_MAX 48

/* The field's name in the API ("logger_name"). */
const char *searchcaps_field_name(enum searchcaps_field f);

/* Whether a search text may be sent to the server. */
enum searchcaps_text {
    SEARCHCAPS_TEXT_OK,
    SEARCHCAPS_TEXT_REGEX,     /* a regular expression runs on the client only */
    SEARCHCAPS_TEXT_NOT_ASCII, /* a character outside printable ASCII */
    SEARCHCAPS_TEXT_QUOTE,     /* a quote or a backslash */
    SEARCHCAPS_TEXT_NO_TERM,   /* only spaces and commas: no term */
};
enum searchcaps_text searchcaps_text(const char *text, bool literal);
/* Why a text is not sent, for "search not pushed: ..." (static text). */
const char *searchcaps_text_why(enum searchcaps_text t);

/* A probe's token: entry id and row (0 = the newest) in the sample. */
struct searchcaps_token {
    int64_t id;
    long row;
    char text[SEARCHCAPS_TOKEN_MAX];
};
/* The token for field f from entries[0..n) (newest first, entries[0] at row
 * row0): of the first entry that has one, the longest run (at least 3, cut
 * to fit) of ASCII letters, digits, '_', '.' or '-' with a letter in it,
 * found in f and absent from the other fields, where a non-ASCII character
 * there may stand for any one letter (the server's folding is not ours). */
bool searchcaps_choose(const struct log_entry *entries, size_t n, long row0,
                       enum searchcaps_field f, struct searchcaps_token *out);
/* The verdict on the token's field from the answer to its request:
 * CAPS_HONOURED (searched), CAPS_IGNORED (not searched) or CAPS_UNKNOWN. */
enum caps_verdict searchcaps_answer(const struct searchcaps_token *t, bool by_lte,
                                    const struct log_page *page);

/* The first page of the pushed query (searched, newest first) against the
 * unfiltered first page (all): every row of all that f (the whole client
 * filter) matches and that is not older than searched's oldest row (any,
 * when searched is the last page) must be in searched; rows f rejects are
 * fine (a superset). false: a row is missing; *why (static text) says so. */
bool searchcaps_check_sample(const struct filter *f, const struct log_page *all,
                             const struct log_page *searched, const char **why);

/* One probe run, one request at a time. */
struct searchcaps_probe;
struct searchcaps_request {
    long page, size; /* size 0: the server's */
    const struct url_param *params;
    size_t n_params;
};
/* known: verdicts already held (caps.h remembers them per origin with the
 * other verdicts; only the UNKNOWN fields are probed, NULL: none known);
 * search_name: the server's name for search; lte_name: its id__lte, NULL
 * when that is not honoured; page_size: the sample's (0: the server's). */
struct searchcaps_probe *searchcaps_probe_new(const enum caps_verdict known[SEARCHCAPS_N_FIELDS],
                                              const char *search_name, const char *lte_name,
                                              long page_size);
void searchcaps_probe_free(struct searchcaps_probe *s);
/* The unfiltered page 1 the caller has already: the first sample page. Call
 * before the first searchcaps_probe_next, or not at all. */
void searchcaps_probe_sample(struct searchcaps_probe *s, const struct log_page *page);
/* The next request: true with *q; false when done. */
bool searchcaps_probe_next(struct searchcaps_probe *s, struct searchcaps_request *q);
/* The answer to the last request: err OMSLOG_OK with page, else a failure. */
void searchcaps_probe_feed(struct searchcaps_probe *s, const struct log_page *page,
                           const struct omslog_error *err);
/* The verdicts so far (all of them once searchcaps_probe_next said done). */
const enum caps_verdict *searchcaps_probe_fields(const struct searchcaps_probe *s);
/* NULL when every field is proven searched (the text may be pushed); else
 * why not, as a phrase to follow with the field's name ("the server does
 * not search"), and which field in *field. */
const char *searchcaps_probe_why(const struct searchcaps_probe *s, enum searchcaps_field *field);
/* Requests handed out. */
long searchcaps_probe_requests(const struct searchcaps_probe *s);

#endif
