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

void filter_clear_apps(struct filter *f)
{
    for (size_t i = 0; i < f->n_apps; i++)
        free(f->apps[i]);
    free(f->apps);
    f->apps = NULL;
    f->n_apps = 0;
    f->apps_cap = 0;
}

void filter_free(struct filter *f)
{
    filter_clear_apps(f);
    clear_search(f);
    filter_init(f);
}

void filter_add_app(struct filter *f, const char *app)
{
    for (size_t i = 0; i < f->n_apps; i++)
        if (strcmp(f->apps[i], app) == 0)
            return; /* already there: a duplicate would only clutter describe */
    ARRAY_GROW(f->apps, f->apps_cap, f->n_apps + 1);
    f->apps[f->n_apps++] = xstrdup(app);
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
        if (b > a) {
            char *item = xstrndup(a, (size_t)(b - a));
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

int filter_set_search(struct filter *f, const char *pattern, bool literal,
                      struct omslog_error *err)
{
    if (!pattern || !*pattern) {
        clear_search(f);
        return OMSLOG_OK;
    }
    regex_t re;
    int rc = compile(&re, pattern, literal);
    if (rc != 0) {
        char why[FILTER_REGERROR_MAX];
        regerror(rc, &re, why, sizeof why);
        /* The pattern is user input: quote it back safely and briefly. */
        struct buf shown, clean;
        buf_init(&shown);
        buf_init(&clean);
        sanitize_append(&clean, pattern, strlen(pattern), SANITIZE_ONE_LINE);
        text_fit(&shown, buf_str(&clean), clean.len, FILTER_ERROR_PATTERN_COLS, 0);
        error_set(err, OMSLOG_ERR_USAGE, "invalid search pattern \"%s\": %s", buf_str(&shown),
                  why);
        buf_free(&shown);
        buf_free(&clean);
        return OMSLOG_ERR_USAGE;
    }
    char *copy = xstrdup(pattern);
    clear_search(f);
    f->search = copy;
    f->regex = re;
    f->has_regex = true;
    f->search_literal = literal;
    return OMSLOG_OK;
}

void filter_copy(struct filter *dst, const struct filter *src)
{
    filter_init(dst);
    dst->min_level = src->min_level;
    dst->exact_level = src->exact_level;
    for (size_t i = 0; i < src->n_apps; i++)
        filter_add_app(dst, src->apps[i]);
    if (src->search) {
        /* A regex_t cannot be copied; recompiling what compiled once succeeds
         * unless memory runs out, which is treated like any allocation failure. */
        if (filter_set_search(dst, src->search, src->search_literal, NULL) != OMSLOG_OK) {
            fprintf(stderr, "omslog: cannot recompile search pattern\n");
            abort();
        }
    }
}

bool filter_is_active(const struct filter *f)
{
    return f->min_level != FILTER_LEVEL_NONE || f->exact_level != FILTER_LEVEL_NONE ||
           f->n_apps > 0 || f->search != NULL;
}

bool filter_search_match(const struct filter *f, const char *text, size_t *match_start,
                         size_t *match_len)
{
    if (!f->has_regex || !text)
        return false;
    regmatch_t m[1];
    if (regexec(&f->regex, text, 1, m, 0) != 0)
        return false;
    if (match_start)
        *match_start = (size_t)m[0].rm_so;
    if (match_len)
        *match_len = (size_t)(m[0].rm_eo - m[0].rm_so);
    return true;
}

static bool app_matches(const struct filter *f, const char *app)
{
    if (f->n_apps == 0)
        return true;
    if (!app)
        return false;
    for (size_t i = 0; i < f->n_apps; i++)
        if (strcmp(f->apps[i], app) == 0)
            return true;
    return false;
}

bool filter_match(const struct filter *f, const struct log_entry *e)
{
    if (f->min_level != FILTER_LEVEL_NONE && e->level < f->min_level)
        return false;
    if (f->exact_level != FILTER_LEVEL_NONE && e->level != f->exact_level)
        return false;
    if (!app_matches(f, e->app_name))
        return false;
    if (f->search) {
        const char *fields[] = {e->message, e->logger_name, e->app_name, e->trace};
        for (size_t i = 0; i < ARRAY_LEN(fields); i++)
            if (filter_search_match(f, fields[i], NULL, NULL))
                return true;
        return false;
    }
    return true;
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

void filter_describe(const struct filter *f, struct buf *out)
{
    size_t start = out->len;
    if (f->min_level != FILTER_LEVEL_NONE)
        describe_level(out, ">=", f->min_level);
    if (f->exact_level != FILTER_LEVEL_NONE) {
        separate(out, start);
        describe_level(out, "=", f->exact_level);
    }
    if (f->n_apps > 0) {
        separate(out, start);
        buf_appends(out, "app=");
        for (size_t i = 0; i < f->n_apps; i++) {
            if (i > 0)
                buf_putc(out, ',');
            sanitize_append(out, f->apps[i], strlen(f->apps[i]), SANITIZE_ONE_LINE);
        }
    }
    if (f->search) {
        separate(out, start);
        char quote = f->search_literal ? '"' : '/';
        buf_putc(out, quote);
        sanitize_append(out, f->search, strlen(f->search), SANITIZE_ONE_LINE);
        buf_putc(out, quote);
    }
}
