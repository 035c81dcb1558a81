/* filter.c — see include/omslog/filter.h
 *
 * The search is always compiled with regcomp (a literal is escaped first), so
 * literal and regex searches share one case-insensitive matcher and
 * filter_search_match can report match offsets for highlighting. Case folding
 * of non-ASCII letters is whatever glibc's regex does in the current (UTF-8)
 * LC_CTYPE; the tests show which cases work. */
#include "omslog/filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/util.h"

#define FILTER_REGEX_FLAGS (REG_EXTENDED | REG_ICASE)
/* regerror texts are short; this also bounds what goes into the error line. */
#define FILTER_REGERROR_MAX 128
/* Columns of the typed pattern quoted back in an error message. */
#define FILTER_ERROR_PATTERN_COLS 80

/* Characters with a meaning in a POSIX ERE outside brackets; a backslash before
 * any of them makes it literal. ']' and '}' are ordinary on their own. */
static const char ere_special[] = ".[\\()*+?{|^$";

void filter_init(struct filter *f)
{
    memset(f, 0, sizeof *f);
    f->min_level = FILTER_LEVEL_NONE;
    f->exact_level = FILTER_LEVEL_NONE;
}

static void clear_search(struct filter *f)
{
    if (f->has_regex)
        regfree(&f->regex);
    free(f->search);
    f->search = NULL;
    f->has_regex = false;
    f->search_literal = false;
}

static void free_names(char ***names, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < *n; i++)
        free((*names)[i]);
    free(*names);
    *names = NULL;
    *n = 0;
    *cap = 0;
}

void filter_clear_apps(struct filter *f)
{
    free_names(&f->apps, &f->n_apps, &f->apps_cap);
    free_names(&f->excluded_apps, &f->n_excluded, &f->excluded_cap);
}

void filter_clear_patterns(struct filter *f)
{
    for (size_t i = 0; i < f->n_patterns; i++) {
        regfree(&f->patterns[i].regex);
        free(f->patterns[i].text);
    }
    free(f->patterns);
    f->patterns = NULL;
    f->n_patterns = 0;
    f->patterns_cap = 0;
}

void filter_free(struct filter *f)
{
    filter_clear_apps(f);
    filter_clear_patterns(f);
    clear_search(f);
    filter_init(f);
}

/* Add name to a list unless it is there: a duplicate would only clutter
 * describe. */
static void add_name(char ***names, size_t *n, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return;
    ARRAY_GROW(*names, *cap, *n + 1);
    (*names)[(*n)++] = xstrdup(name);
}

void filter_add_app(struct filter *f, const char *app)
{
    add_name(&f->apps, &f->n_apps, &f->apps_cap, app);
}

void filter_exclude_app(struct filter *f, const char *app)
{
    add_name(&f->excluded_apps, &f->n_excluded, &f->excluded_cap, app);
}

void filter_add_app_item(struct filter *f, const char *item)
{
    if (item[0] == '!')
        filter_exclude_app(f, item + 1);
    else
        filter_add_app(f, item);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

void filter_set_apps_csv(struct filter *f, const char *csv)
{
    filter_clear_apps(f);
    if (!csv)
        return;
    const char *p = csv;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && is_blank(*a))
            a++;
        while (b > a && is_blank(b[-1]))
            b--;
        bool excluded = a < b && *a == '!';
        if (excluded) /* "! wms" excludes wms too */
            for (a++; a < b && is_blank(*a);)
                a++;
        if (b > a) {
            char *item = xstrndup(a, (size_t)(b - a));
            if (excluded)
                filter_exclude_app(f, item);
            else
                filter_add_app(f, item);
            free(item);
        }
        if (*end == '\0')
            break;
        p = end + 1;
    }
}

/* Compile pattern (escaped first when literal) into re. Returns regcomp's code. */
static int compile(regex_t *re, const char *pattern, bool literal)
{
    if (!literal)
        return regcomp(re, pattern, FILTER_REGEX_FLAGS);
    struct buf esc;
    buf_init(&esc);
    for (const char *p = pattern; *p; p++) {
        if (strchr(ere_special, *p))
            buf_putc(&esc, '\\');
        buf_putc(&esc, *p);
    }
    int rc = regcomp(re, buf_str(&esc), FILTER_REGEX_FLAGS);
    buf_free(&esc);
    return rc;
}

/* compile, with a bad pattern reported in err as "invalid <what> pattern". */
static int compile_checked(regex_t *re, const char *pattern, bool literal, const char *what,
                           struct omslog_error *err)
{
    int rc = compile(re, pattern, literal);
    if (rc == 0)
        return OMSLOG_OK;
    char why[FILTER_REGERROR_MAX];
    regerror(rc, re, why, sizeof why);
    /* The pattern is user input: quote it back safely and briefly. */
    struct buf shown, clean;
    buf_init(&shown);
    buf_init(&clean);
    sanitize_append(&clean, pattern, strlen(pattern), SANITIZE_ONE_LINE);
    text_fit(&shown, buf_str(&clean), clean.len, FILTER_ERROR_PATTERN_COLS, 0);
    error_set(err, OMSLOG_ERR_USAGE, "invalid %s pattern \"%s\": %s", what, buf_str(&shown), why);
    buf_free(&shown);
    buf_free(&clean);
    return OMSLOG_ERR_USAGE;
}

int filter_set_search(struct filter *f, const char *pattern, bool literal,
                      struct omslog_error *err)
{
    if (!pattern || !*pattern) {
        clear_search(f);
        return OMSLOG_OK;
    }
    regex_t re;
    if (compile_checked(&re, pattern, literal, "search", err) != OMSLOG_OK)
        return OMSLOG_ERR_USAGE;
    char *copy = xstrdup(pattern);
    clear_search(f);
    f->search = copy;
    f->regex = re;
    f->has_regex = true;
    f->search_literal = literal;
    return OMSLOG_OK;
}

int filter_add_pattern(struct filter *f, const char *text, bool literal, bool negate,
                       struct omslog_error *err)
{
    if (!text || !*text)
        return error_set(err, OMSLOG_ERR_USAGE, "%s needs a pattern", negate ? "&!" : "&");
    regex_t re;
    if (compile_checked(&re, text, literal, "&", err) != OMSLOG_OK)
        return OMSLOG_ERR_USAGE;
    ARRAY_GROW(f->patterns, f->patterns_cap, f->n_patterns + 1);
    struct filter_pattern *p = &f->patterns[f->n_patterns++];
    p->text = xstrdup(text);
    p->negate = negate;
    p->literal = literal;
    p->regex = re;
    return OMSLOG_OK;
}

/* A regex_t cannot be copied; recompiling what compiled once succeeds
 * unless memory runs out, which is treated like any allocation failure. */
static void recompile_failed(void)
{
    fprintf(stderr, "omslog: cannot recompile a filter pattern\n");
    abort();
}

void filter_copy_view(struct filter *dst, const struct filter *src)
{
    filter_init(dst);
    dst->min_level = src->min_level;
    dst->exact_level = src->exact_level;
    for (size_t i = 0; i < src->n_apps; i++)
        filter_add_app(dst, src->apps[i]);
    for (size_t i = 0; i < src->n_excluded; i++)
        filter_exclude_app(dst, src->excluded_apps[i]);
    for (size_t i = 0; i < src->n_patterns; i++) {
        const struct filter_pattern *p = &src->patterns[i];
        if (filter_add_pattern(dst, p->text, p->literal, p->negate, NULL) != OMSLOG_OK)
            recompile_failed();
    }
    dst->has_created_min = src->has_created_min;
    dst->has_created_max = src->has_created_max;
    dst->created_min = src->created_min;
    dst->created_max = src->created_max;
}

void filter_copy(struct filter *dst, const struct filter *src)
{
    filter_copy_view(dst, src);
    if (src->search && filter_set_search(dst, src->search, src->search_literal, NULL) != OMSLOG_OK)
        recompile_failed();
}

bool filter_is_active(const struct filter *f)
{
    return f->min_level != FILTER_LEVEL_NONE || f->exact_level != FILTER_LEVEL_NONE ||
           f->n_apps > 0 || f->n_excluded > 0 || f->n_patterns > 0 || f->has_created_min ||
           f->has_created_max || f->search != NULL;
}

static bool regex_find(const regex_t *re, const char *text, size_t *match_start, size_t *match_len)
{
    regmatch_t m[1];
    if (!text || regexec(re, text, 1, m, 0) != 0)
        return false;
    if (match_start)
        *match_start = (size_t)m[0].rm_so;
    if (match_len)
        *match_len = (size_t)(m[0].rm_eo - m[0].rm_so);
    return true;
}

bool filter_search_match(const struct filter *f, const char *text, size_t *match_start,
                         size_t *match_len)
{
    return f->has_regex && regex_find(&f->regex, text, match_start, match_len);
}

static bool name_in(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static bool app_matches(const struct filter *f, const char *app)
{
    if (f->n_apps == 0 && f->n_excluded == 0)
        return true;
    if (!app)
        return false;
    if (name_in(f->excluded_apps, f->n_excluded, app))
        return false;
    return f->n_apps == 0 || name_in(f->apps, f->n_apps, app);
}

/* Does re match any of the fields a search looks at? */
static bool entry_matches(const regex_t *re, const struct log_entry *e)
{
    const char *fields[] = {e->message, e->logger_name, e->app_name, e->trace};
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        if (regex_find(re, fields[i], NULL, NULL))
            return true;
    return false;
}

static int time_cmp(struct log_time x, struct log_time y)
{
    if (x.sec != y.sec)
        return x.sec < y.sec ? -1 : 1;
    return (x.usec > y.usec) - (x.usec < y.usec);
}

bool filter_match(const struct filter *f, const struct log_entry *e)
{
    if (f->min_level != FILTER_LEVEL_NONE && e->level < f->min_level)
        return false;
    if (f->exact_level != FILTER_LEVEL_NONE && e->level != f->exact_level)
        return false;
    if (!app_matches(f, e->app_name))
        return false;
    if (f->has_created_min && time_cmp(e->created, f->created_min) < 0)
        return false;
    if (f->has_created_max && time_cmp(e->created, f->created_max) > 0)
        return false;
    for (size_t i = 0; i < f->n_patterns; i++)
        if (entry_matches(&f->patterns[i].regex, e) == f->patterns[i].negate)
            return false;
    if (f->search)
        return entry_matches(&f->regex, e);
    return true;
}

size_t filter_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = xcalloc(lb + 1, sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

void filter_rank_names(const char *name, const char **names, size_t n)
{
    if (n < 2)
        return;
    size_t *dist = xcalloc(n, sizeof *dist);
    for (size_t i = 0; i < n; i++)
        dist[i] = filter_edit_distance(name, names[i]);
    /* Insertion sort: stable, and the lists are a few dozen names. */
    for (size_t i = 1; i < n; i++) {
        const char *s = names[i];
        size_t d = dist[i], j = i;
        for (; j > 0 && dist[j - 1] > d; j--) {
            names[j] = names[j - 1];
            dist[j] = dist[j - 1];
        }
        names[j] = s;
        dist[j] = d;
    }
    free(dist);
}

static bool known_name(const char *const *known, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(known[i], name) == 0)
            return true;
    return false;
}

const char *filter_unknown_app(const struct filter *f, const char *const *known, size_t n_known)
{
    if (n_known == 0)
        return NULL;
    for (size_t i = 0; i < f->n_apps; i++)
        if (!known_name(known, n_known, f->apps[i]))
            return f->apps[i];
    for (size_t i = 0; i < f->n_excluded; i++)
        if (!known_name(known, n_known, f->excluded_apps[i]))
            return f->excluded_apps[i];
    return NULL;
}

static void describe_level(struct buf *out, const char *op, int level)
{
    const char *name = level_std_name(level);
    if (name)
        buf_printf(out, "level%s%s", op, name);
    else
        buf_printf(out, "level%s%d", op, level);
}

static void separate(struct buf *out, size_t start)
{
    if (out->len > start)
        buf_putc(out, ' ');
}

static void describe_quoted(struct buf *out, const char *text, bool literal)
{
    char quote = literal ? '"' : '/';
    buf_putc(out, quote);
    sanitize_append(out, text, strlen(text), SANITIZE_ONE_LINE);
    buf_putc(out, quote);
}

static void describe_apps(const struct filter *f, struct buf *out)
{
    buf_appends(out, "app=");
    for (size_t i = 0; i < f->n_apps + f->n_excluded; i++) {
        bool ex = i >= f->n_apps;
        const char *name = ex ? f->excluded_apps[i - f->n_apps] : f->apps[i];
        buf_appends(out, i > 0 ? (ex ? ",!" : ",") : (ex ? "!" : ""));
        sanitize_append(out, name, strlen(name), SANITIZE_ONE_LINE);
    }
}

static void describe_time(struct buf *out, const char *op, struct log_time t)
{
    char text[DATETIME_TEXT_MAX];
    buf_printf(out, "created%s%s", op, datetime_format(t, 1, t.usec != 0, text));
}

void filter_describe(const struct filter *f, struct buf *out)
{
    size_t start = out->len;
    if (f->min_level != FILTER_LEVEL_NONE)
        describe_level(out, ">=", f->min_level);
    if (f->exact_level != FILTER_LEVEL_NONE) {
        separate(out, start);
        describe_level(out, "=", f->exact_level);
    }
    if (f->n_apps + f->n_excluded > 0) {
        separate(out, start);
        describe_apps(f, out);
    }
    for (size_t i = 0; i < f->n_patterns; i++) {
        separate(out, start);
        buf_appends(out, f->patterns[i].negate ? "&!" : "&");
        describe_quoted(out, f->patterns[i].text, f->patterns[i].literal);
    }
    if (f->has_created_min) {
        separate(out, start);
        describe_time(out, ">=", f->created_min);
    }
    if (f->has_created_max) {
        separate(out, start);
        describe_time(out, "<=", f->created_max);
    }
    if (f->search) {
        separate(out, start);
        describe_quoted(out, f->search, f->search_literal);
    }
}
