/* filter.h — which entries the user wants to see. Always applied client-side:
 * the server is never trusted to have filtered.
 *
 * Contract: a filter is initialised with filter_init and released with
 * filter_free (it owns its app names and compiled patterns). An empty filter
 * matches everything; the parts below all have to hold (AND). Levels:
 * min_level means "that level and above"; exact_level means exactly that
 * number. Apps match app_name exactly (any of several); excluded apps never
 * match, and exclusions alone mean "every app but these". The search and
 * each & pattern are case-insensitive POSIX extended regular expressions (or
 * literal strings) over message, logger_name, app_name and trace; an entry
 * must match every pattern and no negated one. created_min/created_max bound
 * the entry's time (inclusive). Only levels and apps (not exclusions,
 * patterns or times) are ever meant for a server (caps.h). */
#ifndef OMSLOG_FILTER_H
#define OMSLOG_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "omslog/buf.h"
#include "omslog/datetime.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#define FILTER_LEVEL_NONE (-1)

/* One & pattern: an entry must match it (negate: must not). */
struct filter_pattern {
    char *text; /* as typed, without the leading '!' */
    bool negate;
    bool literal;
    regex_t regex;
};

struct filter {
    int min_level;   /* FILTER_LEVEL_NONE or a level */
    int exact_level; /* FILTER_LEVEL_NONE or a level */
    char **apps;
    size_t n_apps;
    size_t apps_cap;
    char *search; /* the pattern as typed, NULL when none */
    bool has_regex;
    regex_t regex;
    bool search_literal; /* search was given as a literal (needed to recompile on copy) */
    char **excluded_apps;
    size_t n_excluded, excluded_cap;
    struct filter_pattern *patterns;
    size_t n_patterns, patterns_cap;
    bool has_created_min, has_created_max;
    struct log_time created_min, created_max;
};

void filter_init(struct filter *f);
void filter_free(struct filter *f);
/* Deep copy into an uninitialised dst. */
void filter_copy(struct filter *dst, const struct filter *src);
/* The same without the search: what chooses the rows of a view. */
void filter_copy_view(struct filter *dst, const struct filter *src);
void filter_add_app(struct filter *f, const char *app);
void filter_exclude_app(struct filter *f, const char *app);
/* "wms" adds an app, "!wms" excludes one. */
void filter_add_app_item(struct filter *f, const char *item);
/* "a,b, !c" → two apps and one exclusion (empty items skipped); replaces the
 * current apps and exclusions. */
void filter_set_apps_csv(struct filter *f, const char *csv);
/* Clears the apps and the exclusions. */
void filter_clear_apps(struct filter *f);
/* The & filter (less's &): keep only the entries matching text, or with
 * negate hide them. literal: the text as typed, not a regular expression.
 * On a bad or empty pattern returns OMSLOG_ERR_USAGE with err and changes
 * nothing. */
int filter_add_pattern(struct filter *f, const char *text, bool literal, bool negate,
                       struct omslog_error *err);
void filter_clear_patterns(struct filter *f);
/* Levenshtein distance (bytes), for "did you mean" lists. */
size_t filter_edit_distance(const char *a, const char *b);
/* Sort names (in place, stable) by edit distance to name, closest first. */
void filter_rank_names(const char *name, const char **names, size_t n);
/* The first app or excluded app of f that is not among known (n_known
 * names), or NULL when all are known or nothing is known yet. */
const char *filter_unknown_app(const struct filter *f, const char *const *known, size_t n_known);
/* literal: match the text as typed; otherwise a regular expression. NULL or ""
 * clears the search. On a bad pattern returns OMSLOG_ERR_USAGE with the regex
 * error in err and leaves the previous search in place. */
int filter_set_search(struct filter *f, const char *pattern, bool literal,
                      struct omslog_error *err);
bool filter_is_active(const struct filter *f);
bool filter_match(const struct filter *f, const struct log_entry *e);
/* Does the search (only) match this text? false when there is no search. */
bool filter_search_match(const struct filter *f, const char *text, size_t *match_start,
                         size_t *match_len);
/* One short line for a header: "level>=ERROR app=web,erp,!wms &/timeout/ &!/ok/
 * /retry/" ("" when none). A literal search or pattern shows in quotes
 * ("time.out"); times in UTC ("created>=2023-12-02 10:00:00Z"); apps and
 * patterns are sanitised (SANITIZE_ONE_LINE), so the line is safe to print. */
void filter_describe(const struct filter *f, struct buf *out);

#endif
