/* searchcaps.c — see include/omslog/searchcaps.h */
#include "omslog/searchcaps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/utf8.h"
#include "omslog/util.h"

/* A token shorter than this is too likely to be in another field. */
#define SEARCHCAPS_TOKEN_MIN 3
/* Runs of one entry's field tried as a token, longest first. */
#define SEARCHCAPS_TRIES 8
/* Rows newer than the probed entry that may have come since the sample:
 * the page asked without id__lte is this much deeper than the entry's row. */
#define SEARCHCAPS_GROWTH_SLACK 10
#define SEARCHCAPS_ID_TEXT_MAX 24

static const char *const field_names[SEARCHCAPS_N_FIELDS] = {
    [SEARCHCAPS_MESSAGE] = "message",
    [SEARCHCAPS_LOGGER] = "logger_name",
    [SEARCHCAPS_APP] = "app_name",
    [SEARCHCAPS_TRACE] = "trace",
};

const char *searchcaps_field_name(enum searchcaps_field f)
{
    return f < SEARCHCAPS_N_FIELDS ? field_names[f] : "?";
}

enum searchcaps_text searchcaps_text(const char *text, bool literal)
{
    if (!literal)
        return SEARCHCAPS_TEXT_REGEX;
    bool term = false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p > 0x7e)
            return SEARCHCAPS_TEXT_NOT_ASCII;
        if (*p == '"' || *p == '\'' || *p == '\\')
            return SEARCHCAPS_TEXT_QUOTE;
        if (*p != ' ' && *p != ',')
            term = true;
    }
    return term ? SEARCHCAPS_TEXT_OK : SEARCHCAPS_TEXT_NO_TERM;
}

const char *searchcaps_text_why(enum searchcaps_text t)
{
    switch (t) {
    case SEARCHCAPS_TEXT_OK:
        return "";
    case SEARCHCAPS_TEXT_REGEX:
        return "a regular expression runs on the client only";
    case SEARCHCAPS_TEXT_NOT_ASCII:
        return "the text is not all printable ASCII (the server folds case differently)";
    case SEARCHCAPS_TEXT_QUOTE:
        return "the text has a quote or a backslash (the server may read them)";
    case SEARCHCAPS_TEXT_NO_TERM:
        return "the text has no word for the server (only spaces and commas)";
    }
    return "";
}

static const char *field_text(const struct log_entry *e, enum searchcaps_field f)
{
    const char *t = NULL;
    switch (f) {
    case SEARCHCAPS_MESSAGE:
        t = e->message;
        break;
    case SEARCHCAPS_LOGGER:
        t = e->logger_name;
        break;
    case SEARCHCAPS_APP:
        t = e->app_name;
        break;
    case SEARCHCAPS_TRACE:
        t = e->trace;
        break;
    case SEARCHCAPS_N_FIELDS:
        break;
    }
    return t ? t : "";
}

static bool ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool token_char(unsigned char c)
{
    return ascii_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Could a server find t[0..tn) in text? ASCII compares without case; a
 * non-ASCII character (or a byte standing alone) may stand for any one
 * character of t, since the server's case folding is not known. */
static bool could_contain(const char *text, const char *t, size_t tn)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += utf8_next(text + i, n - i)) {
        size_t p = i, k = 0;
        while (k < tn && p < n) {
            unsigned char c = (unsigned char)text[p];
            if (c < 0x80) {
                if (ascii_lower(c) != ascii_lower((unsigned char)t[k]))
                    break;
                p++;
            } else {
                p += utf8_next(text + p, n - p);
            }
            k++;
        }
        if (k == tn)
            return true;
    }
    return false;
}

struct run {
    size_t at, len;
};

/* The runs of token characters in text with a letter and at least
 * SEARCHCAPS_TOKEN_MIN of them, cut to fit a token; malloc'd array. */
static struct run *token_runs(const char *text, size_t *n_out)
{
    struct run *runs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; text[i];) {
        if (!token_char((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (text[i] && token_char((unsigned char)text[i]))
            i++;
        size_t len = i - start;
        if (len > SEARCHCAPS_TOKEN_MAX - 1)
            len = SEARCHCAPS_TOKEN_MAX - 1;
        bool letter = false;
        for (size_t k = 0; k < len && !letter; k++)
            letter = ascii_letter((unsigned char)text[start + k]);
        if (len < SEARCHCAPS_TOKEN_MIN || !letter)
            continue;
        ARRAY_GROW(runs, cap, n + 1);
        runs[n++] = (struct run){start, len};
    }
    *n_out = n;
    return runs;
}

/* A token for f from e alone. */
static bool choose_in(const struct log_entry *e, enum searchcaps_field f, char *out)
{
    const char *text = field_text(e, f);
    size_t n;
    struct run *runs = token_runs(text, &n);
    bool found = false;
    for (int tries = 0; tries < SEARCHCAPS_TRIES && n > 0 && !found; tries++) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (runs[i].len > runs[best].len)
                best = i;
        const char *t = text + runs[best].at;
        size_t tn = runs[best].len;
        found = true;
        for (int g = 0; g < SEARCHCAPS_N_FIELDS && found; g++)
            if (g != (int)f && could_contain(field_text(e, (enum searchcaps_field)g), t, tn))
                found = false;
        if (found) {
            memcpy(out, t, tn);
            out[tn] = '\0';
        }
        runs[best] = runs[--n];
    }
    free(runs);
    return found;
}

bool searchcaps_choose(const struct log_entry *entries, size_t n, long row0,
                       enum searchcaps_field f, struct searchcaps_token *out)
{
    for (size_t i = 0; i < n; i++)
        if (choose_in(&entries[i], f, out->text)) {
            out->id = entries[i].id;
            out->row = row0 + (long)i;
            return true;
        }
    return false;
}

enum caps_verdict searchcaps_answer(const struct searchcaps_token *t, bool by_lte,
                                    const struct log_page *page)
{
    if (by_lte) {
        if (page->n == 0)
            return page->count == 0 ? CAPS_IGNORED : CAPS_UNKNOWN;
        int64_t first = page->entries[0].id;
        if (first == t->id)
            return CAPS_HONOURED;
        return first < t->id ? CAPS_IGNORED : CAPS_UNKNOWN; /* newer: id__lte did not hold */
    }
    for (size_t i = 0; i < page->n; i++)
        if (page->entries[i].id == t->id)
            return CAPS_HONOURED;
    bool last = page->next == NULL;
    bool below = page->n > 0 && page->entries[page->n - 1].id < t->id;
    return last || below ? CAPS_IGNORED : CAPS_UNKNOWN;
}

bool searchcaps_check_sample(const struct filter *f, const struct log_page *all,
                             const struct log_page *searched, const char **why)
{
    bool last = searched->next == NULL;
    if (searched->n == 0 && !last) {
        *why = "its first page is empty but not the last";
        return false;
    }
    int64_t oldest = searched->n ? searched->entries[searched->n - 1].id : INT64_MAX;
    for (size_t i = 0; i < all->n; i++) {
        const struct log_entry *e = &all->entries[i];
        if ((last || e->id >= oldest) && filter_match(f, e) && !log_page_has(searched, e->id)) {
            *why = "an entry of the first page that matches is missing from its answer";
            return false;
        }
    }
    return true;
}

/* ---- the probe ---- */

struct searchcaps_probe {
    enum caps_verdict v[SEARCHCAPS_N_FIELDS];
    bool has_token[SEARCHCAPS_N_FIELDS];
    struct searchcaps_token tok[SEARCHCAPS_N_FIELDS];
    char *search_name, *lte_name;
    long page_size;
    long sample_pages, rows_seen;
    bool sample_done;
    bool stopped; /* a field is known not to be proven: no more requests */
    int next;     /* the field probed next, counting down; -1: none left */
    int asked;    /* the field of the request out, -1: a sample page */
    bool waiting; /* a request is out */
    struct url_param params[2];
    char id_text[SEARCHCAPS_ID_TEXT_MAX];
    long requests;
};

struct searchcaps_probe *searchcaps_probe_new(const enum caps_verdict known[SEARCHCAPS_N_FIELDS],
                                              const char *search_name, const char *lte_name,
                                              long page_size)
{
    struct searchcaps_probe *s = xcalloc(1, sizeof *s);
    bool any = false;
    for (int f = 0; f < SEARCHCAPS_N_FIELDS; f++) {
        s->v[f] = known ? known[f] : CAPS_UNKNOWN;
        if (s->v[f] == CAPS_UNKNOWN)
            any = true;
        else if (s->v[f] != CAPS_HONOURED)
            s->stopped = true;
    }
    s->search_name = xstrdup(search_name);
    s->lte_name = lte_name ? xstrdup(lte_name) : NULL;
    s->page_size = page_size > 0 ? page_size : 0;
    s->sample_done = !any || s->stopped;
    s->next = SEARCHCAPS_N_FIELDS - 1;
    return s;
}

void searchcaps_probe_free(struct searchcaps_probe *s)
{
    if (!s)
        return;
    free(s->search_name);
    free(s->lte_name);
    free(s);
}

/* Every field still unknown has its token. */
static bool tokens_complete(const struct searchcaps_probe *s)
{
    for (int f = 0; f < SEARCHCAPS_N_FIELDS; f++)
        if (s->v[f] == CAPS_UNKNOWN && !s->has_token[f])
            return false;
    return true;
}

void searchcaps_probe_sample(struct searchcaps_probe *s, const struct log_page *page)
{
    for (int f = 0; f < SEARCHCAPS_N_FIELDS; f++)
        if (s->v[f] == CAPS_UNKNOWN && !s->has_token[f])
            s->has_token[f] = searchcaps_choose(page->entries, page->n, s->rows_seen,
                                                (enum searchcaps_field)f, &s->tok[f]);
    s->rows_seen += (long)page->n;
    s->sample_pages++;
    if (tokens_complete(s) || page->n == 0 || page->next == NULL ||
        s->sample_pages >= SEARCHCAPS_SAMPLE_PAGES)
        s->sample_done = true;
}

bool searchcaps_probe_next(struct searchcaps_probe *s, struct searchcaps_request *q)
{
    if (s->waiting || s->stopped)
        return false;
    if (!s->sample_done) {
        *q = (struct searchcaps_request){.page = s->sample_pages + 1, .size = s->page_size};
        s->asked = -1;
        s->waiting = true;
        s->requests++;
        return true;
    }
    if (!tokens_complete(s)) {
        s->stopped = true;
        return false;
    }
    while (s->next >= 0 && s->v[s->next] != CAPS_UNKNOWN)
        s->next--;
    if (s->next < 0)
        return false;
    const struct searchcaps_token *t = &s->tok[s->next];
    s->params[0] = (struct url_param){s->search_name, t->text};
    *q = (struct searchcaps_request){.page = 1, .params = s->params, .n_params = 1};
    if (s->lte_name) {
        snprintf(s->id_text, sizeof s->id_text, "%" PRId64, t->id);
        s->params[q->n_params++] = (struct url_param){s->lte_name, s->id_text};
        q->size = 1;
    } else {
        q->size = t->row + 1 + SEARCHCAPS_GROWTH_SLACK;
    }
    s->asked = s->next;
    s->waiting = true;
    s->requests++;
    return true;
}

void searchcaps_probe_feed(struct searchcaps_probe *s, const struct log_page *page,
                           const struct omslog_error *err)
{
    if (!s->waiting)
        return;
    s->waiting = false;
    bool ok = err->status == OMSLOG_OK && page;
    if (s->asked < 0) {
        if (ok)
            searchcaps_probe_sample(s, page);
        else
            s->sample_done = true;
        return;
    }
    int f = s->asked;
    s->v[f] = ok ? searchcaps_answer(&s->tok[f], s->lte_name != NULL, page) : CAPS_UNKNOWN;
    if (s->v[f] != CAPS_HONOURED)
        s->stopped = true; /* this field keeps the search on the client */
}

const enum caps_verdict *searchcaps_probe_fields(const struct searchcaps_probe *s)
{
    return s->v;
}

const char *searchcaps_probe_why(const struct searchcaps_probe *s, enum searchcaps_field *field)
{
    for (int f = SEARCHCAPS_N_FIELDS - 1; f >= 0; f--)
        if (s->v[f] != CAPS_HONOURED && s->v[f] != CAPS_UNKNOWN) {
            *field = (enum searchcaps_field)f;
            return "the server does not search";
        }
    for (int f = SEARCHCAPS_N_FIELDS - 1; f >= 0 && s->sample_done; f--)
        if (s->v[f] == CAPS_UNKNOWN && !s->has_token[f]) {
            *field = (enum searchcaps_field)f;
            return "no entry of the first pages has a word of its own in";
        }
    for (int f = SEARCHCAPS_N_FIELDS - 1; f >= 0; f--)
        if (s->v[f] == CAPS_UNKNOWN) {
            *field = (enum searchcaps_field)f;
            return "cannot tell whether the server searches";
        }
    return NULL;
}

long searchcaps_probe_requests(const struct searchcaps_probe *s)
{
    return s->requests;
}
