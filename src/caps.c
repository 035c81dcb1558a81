/* caps.c — see include/omslog/caps.h */
#include "omslog/caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "omslog/fileio.h"
#include "omslog/searchcaps.h"
#include "omslog/util.h"

#define CAPS_FILE_MAGIC "omslog-caps 1"
#define CAPS_FILE_MAX 4096
/* A search field's line: "search.trace ignored". */
#define CAPS_SEARCH_FIELD_PREFIX "search."

static const struct {
    const char *name, *probe;
} caps_params[CAPS_N_PARAMS] = {
    [CAPS_LEVEL] = {"level", "-1"},
    [CAPS_LEVEL_IN] = {"level__in", "-1"},
    [CAPS_LEVEL_GTE] = {"level__gte", "1000000"},
    [CAPS_LEVEL_LTE] = {"level__lte", "-1"},
    [CAPS_APP] = {"app_name", "omslog-probe-no-such-app"},
    [CAPS_APP_IN] = {"app_name__in", "omslog-probe-no-such-app"},
    [CAPS_LOGGER] = {"logger_name", "omslog-probe-no-such-logger"},
    [CAPS_ID_LT] = {"id__lt", "0"},
    [CAPS_ID_LTE] = {"id__lte", "0"},
    [CAPS_ID_GT] = {"id__gt", "9000000000000000000"},
    [CAPS_ID_GTE] = {"id__gte", "9000000000000000000"},
    [CAPS_CREATED_GTE] = {"created_at__gte", "9999-12-31T00:00:00Z"},
    [CAPS_CREATED_LTE] = {"created_at__lte", "1970-01-01T00:00:00Z"},
    [CAPS_CREATED_GT] = {"created_at__gt", "9999-12-31T00:00:00Z"},
    [CAPS_CREATED_LT] = {"created_at__lt", "1970-01-01T00:00:00Z"},
    [CAPS_SEARCH] = {"search", "omslogprobenosuchterm"},
};

static const char *const caps_verdicts[] = {
    [CAPS_UNKNOWN] = "unknown", [CAPS_HONOURED] = "honoured", [CAPS_IGNORED] = "ignored",
    [CAPS_REFUSED] = "refused", [CAPS_LIAR] = "liar",
};

const char *caps_name(enum caps_param p)
{
    return (unsigned)p < CAPS_N_PARAMS ? caps_params[p].name : "?";
}

static const char *const caps_alt_names[CAPS_N_PARAMS] = {
    [CAPS_CREATED_GTE] = "created_date__gte",
    [CAPS_CREATED_LTE] = "created_date__lte",
    [CAPS_CREATED_GT] = "created_date__gt",
    [CAPS_CREATED_LT] = "created_date__lt",
};

int caps_param_find(const char *name, size_t n)
{
    for (int i = 0; i < CAPS_N_PARAMS; i++)
        if (strlen(caps_params[i].name) == n && memcmp(caps_params[i].name, name, n) == 0)
            return i;
    return -1;
}

bool caps_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CAPS_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

const char *caps_param_name(const struct caps *c, enum caps_param p)
{
    if ((unsigned)p >= CAPS_N_PARAMS)
        return "?";
    return c && c->name[p][0] ? c->name[p] : caps_params[p].name;
}

const char *caps_alt_name(enum caps_param p)
{
    return (unsigned)p < CAPS_N_PARAMS ? caps_alt_names[p] : NULL;
}

static void caps_set_name(struct caps *c, enum caps_param p, const char *name)
{
    snprintf(c->name[p], sizeof c->name[p], "%s", name ? name : "");
}

void caps_use_names(struct caps *c, char *const names[CAPS_N_PARAMS])
{
    for (int p = 0; p < CAPS_N_PARAMS; p++) {
        const char *want = names && names[p] && caps_name_valid(names[p]) ? names[p] : "";
        const char *alt = caps_alt_names[p];
        /* Without a configured name the probed second spelling stands. */
        bool keep = *want ? strcmp(c->name[p], want) == 0
                          : !c->name[p][0] || (alt && strcmp(c->name[p], alt) == 0);
        if (!keep) {
            c->v[p] = CAPS_UNKNOWN;
            caps_set_name(c, (enum caps_param)p, want);
            if (p == CAPS_SEARCH) /* the fields were another parameter's */
                memset(c->search_field, 0, sizeof c->search_field);
        }
        c->configured[p] = *want != '\0';
    }
}

bool caps_try_alt(struct caps *c, enum caps_param p)
{
    const char *alt = caps_alt_name(p);
    if (!alt || c->configured[p] || c->v[p] != CAPS_IGNORED || strcmp(c->name[p], alt) == 0)
        return false;
    caps_set_name(c, p, alt);
    c->v[p] = CAPS_UNKNOWN;
    return true;
}

const char *caps_verdict_name(enum caps_verdict v)
{
    return (unsigned)v <= CAPS_LIAR ? caps_verdicts[v] : "?";
}

const char *caps_probe_value(enum caps_param p)
{
    return (unsigned)p < CAPS_N_PARAMS ? caps_params[p].probe : "";
}

enum caps_verdict caps_verdict(int64_t baseline, const struct caps_answer *a)
{
    if (a->status == 400)
        return CAPS_REFUSED;
    if (a->status != 200 || baseline <= 0 || a->count < 0)
        return CAPS_UNKNOWN;
    if (a->count == 0)
        return CAPS_HONOURED;
    /* The log may grow between the two requests: a count at or above the
     * baseline is the unfiltered log. Anything between filtered rows that an
     * impossible value cannot match. */
    return a->count >= baseline ? CAPS_IGNORED : CAPS_LIAR;
}

/* An app name the server would read as the same one: django-filter strips
 * text and splits __in at commas, so such names stay on the client. */
static bool caps_app_pushable(const char *app, bool in_list)
{
    size_t n = strlen(app);
    if (n == 0 || app[0] == ' ' || app[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)app[i] < 0x20 || (in_list && app[i] == ','))
            return false;
    return true;
}

size_t caps_wanted(const struct filter *f, enum caps_param *out)
{
    size_t n = 0;
    if (f->exact_level != FILTER_LEVEL_NONE) {
        out[n++] = CAPS_LEVEL;
    } else if (f->min_level != FILTER_LEVEL_NONE) {
        out[n++] = CAPS_LEVEL_GTE;
        out[n++] = CAPS_LEVEL_IN;
        out[n++] = CAPS_LEVEL_LTE; /* level__gte's twin (caps_twin) */
    }
    if (f->n_apps == 1 && caps_app_pushable(f->apps[0], false))
        out[n++] = CAPS_APP;
    if (f->n_apps >= 1) {
        bool ok = true;
        for (size_t i = 0; i < f->n_apps; i++)
            ok = ok && caps_app_pushable(f->apps[i], true);
        if (ok)
            out[n++] = CAPS_APP_IN;
    }
    return n;
}

void caps_level_in_value(struct buf *out, int lo, int hi)
{
    for (int l = lo < 0 ? 0 : lo; l <= hi; l++)
        buf_printf(out, l > (lo < 0 ? 0 : lo) ? ",%d" : "%d", l);
}

void caps_pushed_filter(const struct caps_push *p, const struct filter *f, struct filter *out)
{
    filter_init(out);
    if (p->level_pushed) {
        out->min_level = f->min_level;
        out->exact_level = f->exact_level;
    }
    if (p->apps_pushed)
        for (size_t i = 0; i < f->n_apps; i++)
            filter_add_app(out, f->apps[i]);
}

bool caps_twin(const struct caps *c, const struct caps_push *p, size_t i, struct caps_twin *out)
{
    memset(out, 0, sizeof *out);
    if (i >= p->n_used)
        return false;
    enum caps_param u = p->used[i];
    out->alone_key = p->keys[i];
    out->alone_value = p->values[i];
    struct buf b = {0};
    int level = atoi(p->values[i]); /* the first of a level__in list */
    if (u == CAPS_LEVEL_GTE && c->v[CAPS_LEVEL_LTE] == CAPS_HONOURED) {
        out->twin_key = caps_param_name(c, CAPS_LEVEL_LTE);
        buf_printf(&b, "%d", level - 1);
        out->sum = true;
    } else if (u == CAPS_LEVEL_IN) {
        /* Also proves no level lies outside 0..CAPS_LEVEL_IN_MAX. */
        out->twin_key = caps_param_name(c, CAPS_LEVEL_IN);
        caps_level_in_value(&b, 0, level - 1);
        if (level <= 0)
            buf_appends(&b, ","); /* matches nothing (django-filter: blank items) */
        out->sum = true;
    } else if (u == CAPS_APP && c->v[CAPS_APP_IN] == CAPS_HONOURED) {
        out->twin_key = caps_param_name(c, CAPS_APP_IN);
        buf_appends(&b, p->values[i]);
    } else if (u == CAPS_APP_IN && c->v[CAPS_APP] == CAPS_HONOURED && !strchr(p->values[i], ',')) {
        out->twin_key = caps_param_name(c, CAPS_APP);
        buf_appends(&b, p->values[i]);
    } else {
        buf_free(&b);
        return false;
    }
    out->twin_value = buf_steal(&b);
    return true;
}

bool caps_twin_ok(const struct caps_twin *t, int64_t total, int64_t alone, int64_t twin)
{
    if (alone < 0 || twin < 0)
        return false;
    /* The log may grow between the requests (never shrinks at the top): a sum
     * above the count is growth, below it rows left out. */
    return t->sum ? alone <= INT64_MAX - twin && alone + twin >= total : alone == twin;
}

bool caps_window_twin(const struct caps *c, const struct log_time *since,
                      const struct log_time *until, struct caps_window_twin *out)
{
    memset(out, 0, sizeof *out);
    if (since) {
        if (c->v[CAPS_CREATED_LTE] != CAPS_HONOURED)
            return false;
        out->used[out->n] = CAPS_CREATED_LTE;
        datetime_format_iso(datetime_before(*since), out->value[out->n]);
        out->n++;
    }
    if (until) {
        if (c->v[CAPS_CREATED_GTE] != CAPS_HONOURED)
            return false;
        struct log_time after = *until;
        if (++after.usec > 999999) {
            after.usec = 0;
            after.sec++;
        }
        out->used[out->n] = CAPS_CREATED_GTE;
        datetime_format_iso(after, out->value[out->n]);
        out->n++;
    }
    for (size_t i = 0; i < out->n; i++)
        out->key[i] = caps_param_name(c, out->used[i]);
    return out->n > 0;
}

bool caps_window_twin_ok(const struct caps_window_twin *t, int64_t total, int64_t window,
                         const int64_t *counts)
{
    if (window < 0)
        return false;
    int64_t sum = window;
    for (size_t i = 0; i < t->n; i++) {
        if (counts[i] < 0 || counts[i] > INT64_MAX - sum)
            return false;
        sum += counts[i];
    }
    return sum >= total; /* above: the log grew between the requests */
}

static void caps_push_add(const struct caps *c, struct caps_push *p, enum caps_param param,
                          char *value)
{
    p->used[p->n_used] = param;
    p->keys[p->n_used] = xstrdup(caps_param_name(c, param));
    p->values[p->n_used] = value;
    p->n_used++;
}

void caps_push_plan(const struct caps *c, const struct filter *f, struct caps_push *out)
{
    memset(out, 0, sizeof *out);
    struct buf b = {0};
    bool ok[CAPS_N_PARAMS] = {0};
    for (int i = 0; i < CAPS_N_PARAMS; i++)
        ok[i] = c->v[i] == CAPS_HONOURED;
    if (f->exact_level != FILTER_LEVEL_NONE && ok[CAPS_LEVEL]) {
        buf_printf(&b, "%d", f->exact_level);
        caps_push_add(c, out, CAPS_LEVEL, buf_steal(&b));
        out->level_pushed = true;
    } else if (f->exact_level == FILTER_LEVEL_NONE && f->min_level != FILTER_LEVEL_NONE) {
        if (ok[CAPS_LEVEL_GTE]) {
            buf_printf(&b, "%d", f->min_level);
            caps_push_add(c, out, CAPS_LEVEL_GTE, buf_steal(&b));
            out->level_pushed = true;
        } else if (ok[CAPS_LEVEL_IN] && f->min_level <= CAPS_LEVEL_IN_MAX) {
            /* With exact `level` alone a minimum could be the merge by id of
             * one stream per level present; not done yet: the caller scans. */
            caps_level_in_value(&b, f->min_level, CAPS_LEVEL_IN_MAX);
            caps_push_add(c, out, CAPS_LEVEL_IN, buf_steal(&b));
            out->level_pushed = out->level_in = true;
        }
    }
    if (f->n_apps == 1 && ok[CAPS_APP] && caps_app_pushable(f->apps[0], false)) {
        caps_push_add(c, out, CAPS_APP, xstrdup(f->apps[0]));
        out->apps_pushed = true;
    } else if (f->n_apps >= 1 && ok[CAPS_APP_IN]) {
        bool pushable = true;
        for (size_t i = 0; i < f->n_apps; i++) {
            pushable = pushable && caps_app_pushable(f->apps[i], true);
            buf_printf(&b, "%s%s", i ? "," : "", f->apps[i]);
        }
        if (pushable) {
            caps_push_add(c, out, CAPS_APP_IN, buf_steal(&b));
            out->apps_pushed = true;
        }
    }
    buf_free(&b);
}

bool caps_push_guess(const struct caps *c, const struct filter *f, struct caps_push *out)
{
    struct caps g = *c;
    enum caps_param want[CAPS_N_PARAMS];
    size_t n = caps_wanted(f, want);
    for (size_t i = 0; i < n; i++)
        if (g.v[want[i]] == CAPS_UNKNOWN)
            g.v[want[i]] = CAPS_HONOURED;
    caps_push_plan(&g, f, out);
    bool guessed = false;
    for (size_t i = 0; i < out->n_used; i++)
        guessed = guessed || c->v[out->used[i]] != CAPS_HONOURED;
    return guessed;
}

void caps_push_free(struct caps_push *p)
{
    for (size_t i = 0; i < p->n_used; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    memset(p, 0, sizeof *p);
}

bool caps_check_sample(const struct filter *f, const struct log_page *all,
                       const struct log_page *filtered, bool complete, const char **why)
{
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < filtered->n; i++) {
        if (!filter_match(f, &filtered->entries[i])) {
            *why = "it sent an entry that does not match";
            return false;
        }
        if (filtered->entries[i].id < oldest)
            oldest = filtered->entries[i].id;
    }
    for (size_t i = 0; i < all->n; i++) {
        const struct log_entry *e = &all->entries[i];
        if ((complete || e->id >= oldest) && filter_match(f, e) &&
            !log_page_has(filtered, e->id)) {
            *why = "it left out an entry that matches";
            return false;
        }
    }
    return true;
}

void caps_format(const struct caps *c, struct buf *out)
{
    buf_printf(out, "%s\nprobed_at %lld\n", CAPS_FILE_MAGIC, (long long)c->probed_at);
    for (int i = 0; i < CAPS_N_PARAMS; i++)
        if (c->v[i] != CAPS_UNKNOWN)
            buf_printf(out, "%s%s%s %s\n", caps_name(i), c->name[i][0] ? "=" : "", c->name[i],
                       caps_verdict_name(c->v[i]));
    for (int f = 0; f < CAPS_SEARCH_FIELDS; f++)
        if (c->search_field[f] != CAPS_UNKNOWN)
            buf_printf(out, "%s%s %s\n", CAPS_SEARCH_FIELD_PREFIX,
                       searchcaps_field_name((enum searchcaps_field)f),
                       caps_verdict_name(c->search_field[f]));
}

static const char *caps_search_field_i(int i)
{
    return searchcaps_field_name((enum searchcaps_field)i);
}

static int caps_lookup(const char *word, size_t n, const char *(*name)(int), int max)
{
    for (int i = 0; i < max; i++)
        if (strlen(name(i)) == n && memcmp(name(i), word, n) == 0)
            return i;
    return -1;
}

static const char *caps_param_name_i(int i)
{
    return caps_name((enum caps_param)i);
}

static const char *caps_verdict_name_i(int i)
{
    return caps_verdict_name((enum caps_verdict)i);
}

bool caps_parse(const char *text, size_t len, struct caps *c)
{
    memset(c, 0, sizeof *c);
    const char *end = text + len;
    size_t magic = strlen(CAPS_FILE_MAGIC);
    if (len < magic + 1 || memcmp(text, CAPS_FILE_MAGIC "\n", magic + 1) != 0)
        return false;
    bool have_time = false;
    for (const char *p = text + magic + 1; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false; /* a cut file */
        const char *sp = memchr(p, ' ', (size_t)(nl - p));
        if (!sp)
            return false;
        char value[32];
        size_t vn = (size_t)(nl - sp - 1);
        if (vn == 0 || vn >= sizeof value)
            return false;
        memcpy(value, sp + 1, vn);
        value[vn] = '\0';
        size_t kn = (size_t)(sp - p);
        if (kn == 9 && memcmp(p, "probed_at", 9) == 0) {
            int64_t t;
            if (parse_int64(value, &t) != 0 || t <= 0)
                return false;
            c->probed_at = t;
            have_time = true;
        } else if (kn > strlen(CAPS_SEARCH_FIELD_PREFIX) &&
                   memcmp(p, CAPS_SEARCH_FIELD_PREFIX, strlen(CAPS_SEARCH_FIELD_PREFIX)) == 0) {
            size_t pn = strlen(CAPS_SEARCH_FIELD_PREFIX);
            int f = caps_lookup(p + pn, kn - pn, caps_search_field_i, CAPS_SEARCH_FIELDS);
            int v = caps_lookup(value, vn, caps_verdict_name_i, CAPS_LIAR + 1);
            if (f < 0 || v < 0)
                return false;
            c->search_field[f] = (enum caps_verdict)v;
        } else {
            const char *eq = memchr(p, '=', kn);
            int k = caps_lookup(p, eq ? (size_t)(eq - p) : kn, caps_param_name_i, CAPS_N_PARAMS);
            int v = caps_lookup(value, vn, caps_verdict_name_i, CAPS_LIAR + 1);
            if (k < 0 || v < 0)
                return false;
            if (eq) {
                size_t nn = kn - (size_t)(eq - p) - 1;
                if (nn == 0 || nn >= CAPS_NAME_MAX)
                    return false;
                memcpy(c->name[k], eq + 1, nn);
                c->name[k][nn] = '\0';
                if (!caps_name_valid(c->name[k]))
                    return false;
            }
            c->v[k] = (enum caps_verdict)v;
        }
        p = nl + 1;
    }
    return have_time;
}

bool caps_fresh(const struct caps *c, int64_t now, long max_age_s)
{
    return c->probed_at > 0 && c->probed_at <= now + 60 && now - c->probed_at < max_age_s;
}

char *caps_cache_path(const char *origin, const char *(*getenv_fn)(const char *))
{
    const char *(*get)(const char *) =
        getenv_fn ? getenv_fn : (const char *(*)(const char *))getenv;
    struct buf b = {0};
    const char *xdg = get("XDG_CACHE_HOME");
    const char *home = get("HOME");
    if (xdg && xdg[0] == '/')
        buf_printf(&b, "%s/omslog/", xdg);
    else if (home && *home)
        buf_printf(&b, "%s/.cache/omslog/", home);
    else
        return NULL;
    buf_appends(&b, "caps-");
    for (const char *s = origin; *s; s++) {
        char ch = *s;
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
        if (keep)
            buf_putc(&b, ch);
        else if (!(b.len && b.data[b.len - 1] == '_'))
            buf_putc(&b, '_');
    }
    return buf_steal(&b);
}

bool caps_load(const char *path, struct caps *c)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char text[CAPS_FILE_MAX];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    return n < sizeof text && caps_parse(text, n, c);
}

/* mkdir -p for the directory of path, each new part 0700. */
static int caps_mkdirs(const char *path, struct omslog_error *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = OMSLOG_OK;
    if (slash) {
        *slash = '\0';
        for (char *p = dir + 1; rc == OMSLOG_OK; p++) {
            bool last = *p == '\0';
            if (*p != '/' && !last)
                continue;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = error_set(err, OMSLOG_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
            if (last)
                break;
            *p = '/';
        }
    }
    free(dir);
    return rc;
}

int caps_save(const char *path, const struct caps *c, struct omslog_error *err)
{
    int rc = caps_mkdirs(path, err);
    if (rc != OMSLOG_OK)
        return rc;
    struct buf b = {0};
    caps_format(c, &b);
    enum fileio_result r = fileio_write(path, b.data, b.len, true, err);
    buf_free(&b);
    return r == FILEIO_OK ? OMSLOG_OK : OMSLOG_ERR_IO;
}
