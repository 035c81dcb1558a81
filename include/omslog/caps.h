/* caps.h — what the server can filter: the candidate query parameters, the
 * few tiny requests (page 1, one entry a page) that probe them, and the
 * verdict drawn from the answers. Pure: no network, no terminal; the caller
 * sends the probes (cli.c) and feeds back what came.
 *
 * Contract:
 * - A parameter is used only when its probe proved it honoured: an
 *   impossible value (level__gte=1000000, app_name=<no such app>) must give
 *   count 0 where the unfiltered log is not empty. The full count back means
 *   ignored (DRF ignores unknown parameters); 400 means known but the value
 *   refused; anything else, or an empty log, tells nothing (unknown).
 * - A verdict is never trusted alone: every row still goes through the
 *   client-side filter (filter.h), and caps_check_sample compares the first
 *   filtered page with the unfiltered one. A parameter caught answering
 *   wrongly is a liar: dropped, and the caller scans instead. A server that
 *   consistently hides rows the sample does not show cannot be caught
 *   without a scan.
 * - Caps are remembered per origin (caps_save / caps_load, a small text file
 *   with the verdicts and the time of the probe; never the token).
 * - Names: each parameter has a default name (caps_name). A server that
 *   spells one differently is configured with `param.DEFAULT = NAME`
 *   (config.h), applied by caps_use_names; created_at__* has a second
 *   spelling, created_date__* (caps_alt_name), probed only when the first is
 *   ignored and not configured (caps_try_alt). Requests use caps_param_name;
 *   the cache file remembers which name a verdict is for, and a verdict for
 *   another name than the one configured now is forgotten. */
#ifndef OMSLOG_CAPS_H
#define OMSLOG_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/buf.h"
#include "omslog/entry.h"
#include "omslog/error.h"
#include "omslog/filter.h"

enum caps_param {
    CAPS_LEVEL,
    CAPS_LEVEL_IN,
    CAPS_LEVEL_GTE,
    CAPS_LEVEL_LTE,
    CAPS_APP,
    CAPS_APP_IN,
    CAPS_LOGGER,
    CAPS_ID_LT,
    CAPS_ID_LTE,
    CAPS_ID_GT,
    CAPS_ID_GTE,
    CAPS_CREATED_GTE,
    CAPS_CREATED_LTE,
    CAPS_CREATED_GT,
    CAPS_CREATED_LT,
    CAPS_SEARCH,
    CAPS_N_PARAMS,
};

enum caps_verdict {
    CAPS_UNKNOWN, /* not probed, or the answer told nothing */
    CAPS_HONOURED,
    CAPS_IGNORED, /* the unfiltered count came back */
    CAPS_REFUSED, /* 400: the server knows it but refused the value */
    CAPS_LIAR,    /* accepted, answered wrongly: never used again */
};

/* Highest level a level__in list names for a minimum level: levels above it
 * are checked to be absent (caps_level_in_complete) before level__in stands
 * for a minimum. */
#define CAPS_LEVEL_IN_MAX 100
/* Seconds a remembered probe is trusted. */
#define CAPS_MAX_AGE_S (24L * 60 * 60)
/* Longest parameter name (configured or probed), terminator included. */
#define CAPS_NAME_MAX 64
/* Our search fields (searchcaps.h names them, in filter.h's order). */
#define CAPS_SEARCH_FIELDS 4

struct caps {
    enum caps_verdict v[CAPS_N_PARAMS];
    /* The server's name for each parameter when not the default: ""
     * means caps_name's. The verdict is for this name. */
    char name[CAPS_N_PARAMS][CAPS_NAME_MAX];
    bool configured[CAPS_N_PARAMS]; /* the name came from the config: never swapped */
    int64_t probed_at;              /* seconds since the epoch, 0: never */
    /* Whether the server's search (under CAPS_SEARCH's name) looks in each of
     * our search fields: honoured, ignored or unknown (searchcaps.h). */
    enum caps_verdict search_field[CAPS_SEARCH_FIELDS];
};

/* The query parameter's default name ("level__gte"). */
const char *caps_name(enum caps_param p);
/* The parameter whose default name is name[0..n), or -1. */
int caps_param_find(const char *name, size_t n);
/* Whether name can be sent as a query parameter name: 1..CAPS_NAME_MAX-1
 * letters, digits, '_', '-' or '.'. */
bool caps_name_valid(const char *name);
/* The name to send for p: the configured or probed one, else the default. */
const char *caps_param_name(const struct caps *c, enum caps_param p);
/* The second spelling of p (created_date__gte for created_at__gte), or NULL. */
const char *caps_alt_name(enum caps_param p);
/* Apply the configured names (names[p] NULL or "": the default) after a
 * load: a verdict for another name than the one now configured (or for an
 * override no longer configured) is forgotten (search's with its fields). */
void caps_use_names(struct caps *c, char *const names[CAPS_N_PARAMS]);
/* When p's name was ignored and p has a second spelling not tried yet nor
 * configured: switch to it, verdict unknown, and return true (probe p
 * again). */
bool caps_try_alt(struct caps *c, enum caps_param p);
const char *caps_verdict_name(enum caps_verdict v);
/* The impossible value its probe sends: no entry can match it. */
const char *caps_probe_value(enum caps_param p);

/* One probe's answer: HTTP status (200 with count, 400, other or 0 for a
 * transport failure). */
struct caps_answer {
    int status;
    int64_t count;
};
/* The verdict for a probe answer, given the unfiltered count (baseline). */
enum caps_verdict caps_verdict(int64_t baseline, const struct caps_answer *a);

/* The parameters a filter needs, best first, in *out (at most
 * CAPS_N_PARAMS): the probe plan. A minimum level wants level__gte, else
 * level__in (and level__lte, to check level__gte by); one app app_name, else
 * app_name__in; several apps app_name__in. */
size_t caps_wanted(const struct filter *f, enum caps_param *out);

/* What to send for a filter with the verdicts in c: params (key/value pairs,
 * values in vbuf — the strings live in *vbuf; free it with buf_free) and
 * which parts ran where. Returns how many params; *level_in is set when a
 * minimum level became level__in (then caps_level_in_complete must hold). */
struct caps_push {
    enum caps_param used[4];
    size_t n_used;
    char *keys[4], *values[4];
    bool level_in;
    bool level_pushed, apps_pushed;
};
void caps_push_plan(const struct caps *c, const struct filter *f, struct caps_push *out);
/* The plan caps_push_plan would make if every param the filter wants that
 * nothing is known of yet (CAPS_UNKNOWN) were honoured: what to ask for at
 * once, before the probes answer. Returns true when the plan uses such a
 * param (a guess), false when every param it uses is proven (or it uses
 * none). A guess proves nothing: a row of it that fails the filter means
 * "ignored or lying", not a liar; only the negotiation's verdicts count. */
bool caps_push_guess(const struct caps *c, const struct filter *f, struct caps_push *out);
void caps_push_free(struct caps_push *p);
/* The part of f that the plan pushed (levels and/or apps) into an
 * uninitialised out (filter_free it): what every server-filtered row must
 * pass, where the rest of f still runs on the client. */
void caps_pushed_filter(const struct caps_push *p, const struct filter *f, struct filter *out);

/* A cross-check of the plan's param i by counts, one request each for alone
 * (the param by itself) and twin: another honoured param that counts the
 * same rows (app_name and app_name__in: equal) or the rest of them
 * (level__gte=L and level__lte=L-1, level__in L.. and ..L-1: they add up to
 * the log's count). A "drop" liar fails it; one that drops the same rows
 * under both names does not. */
struct caps_twin {
    const char *alone_key, *alone_value, *twin_key;
    char *twin_value; /* malloc'd */
    bool sum;
};
bool caps_twin(const struct caps *c, const struct caps_push *p, size_t i, struct caps_twin *out);
bool caps_twin_ok(const struct caps_twin *t, int64_t total, int64_t alone, int64_t twin);

/* The twin counts of a time window sent as created_at__gte=since and/or
 * created_at__lte=until (NULL: that end not sent): the rows before since
 * (created_at__lte = since - 1 us) and after until (created_at__gte =
 * until + 1 us), counted with the same other params, add up with the
 * window's count to the log's (or more: it grows). A "drop" liar at either
 * end fails it. false when an end cannot be checked (its twin parameter not
 * honoured). */
struct caps_window_twin {
    size_t n;
    enum caps_param used[2]; /* what each count sends */
    const char *key[2];
    char value[2][DATETIME_TEXT_MAX];
};
bool caps_window_twin(const struct caps *c, const struct log_time *since,
                      const struct log_time *until, struct caps_window_twin *out);
/* window: the window's count; counts: the twins' (-1: failed). */
bool caps_window_twin_ok(const struct caps_window_twin *t, int64_t total, int64_t window,
                         const int64_t *counts);

/* The value of level__in that covers [lo, hi] ("lo,lo+1,...,hi"). */
void caps_level_in_value(struct buf *out, int lo, int hi);

/* Compare the server's first filtered page (filtered, newest first; complete:
 * it holds every match, no next page) with the unfiltered first page (all,
 * newest first): every filtered row must pass f, and every row of all that
 * passes f and is not older than the oldest filtered row (any such row when
 * complete) must be in filtered. false: the server answered wrongly; *why
 * (static text) says how. */
bool caps_check_sample(const struct filter *f, const struct log_page *all,
                       const struct log_page *filtered, bool complete, const char **why);

/* The cache file: "omslog-caps 1\nprobed_at N\nlevel__gte honoured\n...", a
 * parameter under another name as "created_at__gte=created_date__gte ...",
 * a search field as "search.trace ignored".
 * caps_parse fails (false) on anything else; a parsed file older than
 * max_age_s at now is also refused (expired). */
void caps_format(const struct caps *c, struct buf *out);
bool caps_parse(const char *text, size_t len, struct caps *c);
bool caps_fresh(const struct caps *c, int64_t now, long max_age_s);
/* $XDG_CACHE_HOME/omslog/ or ~/.cache/omslog/ + a file name for an origin
 * ("https://oms.example.com:8443" → "https_oms.example.com_8443"); malloc'd,
 * NULL when neither variable is set. getenv_fn NULL: getenv. */
char *caps_cache_path(const char *origin, const char *(*getenv_fn)(const char *));
/* Read / write the cache file (the directory made 0700, the file 0600). */
bool caps_load(const char *path, struct caps *c);
int caps_save(const char *path, const struct caps *c, struct omslog_error *err);

#endif
