/* filter.h — which entries the user wants to see. Always applied client-side:
 * the server is never trusted to have filtered.
 *
 * Contract: a filter is initialised with filter_init and released with
 * filter_free (it owns its app names and compiled pattern). An empty filter
 * matches everything. Levels: min_level means "that level and above";
 * exact_level means exactly that number. Apps match app_name exactly (any of
 * several). The search is a case-insensitive POSIX extended regular
 * expression (or a literal string) over message, logger_name, app_name and trace. */
#ifndef OMSLOG_FILTER_H
#define OMSLOG_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "omslog/buf.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#define FILTER_LEVEL_NONE (-1)

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
};

void filter_init(struct filter *f);
void filter_free(struct filter *f);
/* Deep copy into an uninitialised dst. */
void filter_copy(struct filter *dst, const struct filter *src);
void filter_add_app(struct filter *f, const char *app);
/* "a,b, c" → three apps (empty items skipped); replaces the current list. */
void filter_set_apps_csv(struct filter *f, const char *csv);
void filter_clear_apps(struct filter *f);
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
/* One short line for a header: "level>=ERROR app=web,erp /timeout/" ("" when none).
 * A literal search shows in quotes ("time.out"); apps and search are sanitised
 * (SANITIZE_ONE_LINE), so the line is safe to print. */
void filter_describe(const struct filter *f, struct buf *out);

#endif
