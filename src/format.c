/* format.c — see include/omslog/format.h
 *
 * Each entry is rendered into a buffer and written with one fwrite, so a
 * stream error is sticky in ferror() and reported once by format_end.
 *
 * Choices the header leaves open:
 *   - table: the header row is written before the first entry, so an empty
 *     result (or a failed first request) prints nothing on stdout. When the
 *     fixed columns leave MESSAGE less than TABLE_MESSAGE_WANT_COLS, LOGGER and
 *     APP shrink to their minimums; if MESSAGE still has less than its minimum,
 *     LOGGER, APP and TIME are dropped in that order; ID, LEVEL and
 *     MESSAGE always show. An ID or level name ("Level -2147483648") wider
 *     than its column borrows from MESSAGE on that row rather than being cut.
 *   - text: single-line fields are sanitised with no flags (a newline shows as
 *     \n); message and trace keep newlines and tabs (a tab is harmless to a
 *     terminal) and are indented two spaces, blank lines unindented.
 *   - csv: the header row is written by format_begin. Fields are the server's
 *     data unchanged; decode's C0 80 stand-in for U+0000 is written as the NUL
 *     byte it stands for, so the file stays valid UTF-8 and a CSV reader gets
 *     the server's string back exactly (Python's csv module reads NUL since
 *     3.11). A field holding a NUL is quoted, so readers that split on it
 *     still see where the field ends.
 *   - json/jsonl of an entry without JSON text (built in code): the struct's
 *     fields in the API's order, compact like jansson's output, C0 80 turned
 *     back into \u0000; bytes are otherwise copied as they are (so invalid
 *     UTF-8 in such an entry would give invalid JSON). */
#include "omslog/format.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/url.h"
#include "omslog/util.h"

#define FORMAT_DEFAULT_WIDTH 120
#define FORMAT_MIN_WIDTH 40
#define TABLE_SEP "  "
#define TABLE_SEP_COLS 2
#define TABLE_ID_COLS 9
#define TABLE_TIME_COLS 19      /* "2026-11-26 23:54:24" */
#define TABLE_UTC_SUFFIX_COLS 1 /* the "Z" */
#define TABLE_LEVEL_COLS 8      /* "CRITICAL", "Level 25" */
#define TABLE_APP_COLS 16
#define TABLE_APP_MIN_COLS 8
#define TABLE_LOGGER_COLS 24
#define TABLE_LOGGER_MIN_COLS 12
#define TABLE_MESSAGE_MIN_COLS 10
/* Below this, LOGGER and APP give up columns to MESSAGE (down to their minimum). */
#define TABLE_MESSAGE_WANT_COLS 30

#define CSV_EOL "\r\n"
#define JSON_HEX_ESCAPE_MAX 8 /* "\u00XX" + NUL */

enum table_col { COL_ID, COL_TIME, COL_LEVEL, COL_APP, COL_LOGGER, COL_MESSAGE, COL_COUNT };

static const char *const table_titles[COL_COUNT] = {
    [COL_ID] = "ID",   [COL_TIME] = "TIME",     [COL_LEVEL] = "LEVEL",
    [COL_APP] = "APP", [COL_LOGGER] = "LOGGER", [COL_MESSAGE] = "MESSAGE",
};

/* Column widths for one table; 0 means the column is not shown. */
struct table_layout {
    int cols[COL_COUNT];
};

static const struct {
    const char *name;
    enum format_kind kind;
} format_names[] = {
    {"table", FORMAT_TABLE}, {"json", FORMAT_JSON}, {"jsonl", FORMAT_JSONL},
    {"csv", FORMAT_CSV},     {"text", FORMAT_TEXT},
};

int format_parse(const char *name, enum format_kind *out)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(format_names); i++)
        if (strcmp(name, format_names[i].name) == 0) {
            *out = format_names[i].kind;
            return 0;
        }
    return -1;
}

static int table_width(int width)
{
    if (width <= 0)
        return FORMAT_DEFAULT_WIDTH;
    return width < FORMAT_MIN_WIDTH ? FORMAT_MIN_WIDTH : width;
}

/* Columns before MESSAGE, with their separators. */
static int fixed_cols(const struct table_layout *l)
{
    int sum = 0;
    for (int c = 0; c < COL_MESSAGE; c++)
        if (l->cols[c] > 0)
            sum += l->cols[c] + TABLE_SEP_COLS;
    return sum;
}

static void shrink(struct table_layout *l, int total, enum table_col c, int min)
{
    int short_by = TABLE_MESSAGE_WANT_COLS - (total - fixed_cols(l));
    if (short_by <= 0)
        return;
    int can = l->cols[c] - min;
    l->cols[c] -= short_by < can ? short_by : can;
}

static void table_layout_compute(struct table_layout *l, int width, bool utc)
{
    int total = table_width(width);
    l->cols[COL_ID] = TABLE_ID_COLS;
    l->cols[COL_TIME] = TABLE_TIME_COLS + (utc ? TABLE_UTC_SUFFIX_COLS : 0);
    l->cols[COL_LEVEL] = TABLE_LEVEL_COLS;
    l->cols[COL_APP] = TABLE_APP_COLS;
    l->cols[COL_LOGGER] = TABLE_LOGGER_COLS;
    shrink(l, total, COL_LOGGER, TABLE_LOGGER_MIN_COLS);
    shrink(l, total, COL_APP, TABLE_APP_MIN_COLS);
    /* Least useful first when even the shrunk columns leave too little. */
    static const enum table_col drop_order[] = {COL_LOGGER, COL_APP, COL_TIME};
    for (size_t i = 0; i < ARRAY_LEN(drop_order); i++)
        if (total - fixed_cols(l) < TABLE_MESSAGE_MIN_COLS)
            l->cols[drop_order[i]] = 0;
    l->cols[COL_MESSAGE] = total - fixed_cols(l);
}

static void append_spaces(struct buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, ' ');
}

/* One cell: text sanitised to one line, cut (with an ellipsis) or padded to
 * exactly cols columns; right-aligned cells are padded on the left. */
static void table_cell(struct buf *line, struct buf *tmp, const char *text, int cols, bool right,
                       bool pad)
{
    buf_reset(tmp);
    if (text)
        sanitize_append(tmp, text, strlen(text), SANITIZE_ONE_LINE);
    if (right) {
        int w = text_width(buf_str(tmp), tmp->len);
        if (w < cols)
            append_spaces(line, cols - w);
    }
    text_fit(line, buf_str(tmp), tmp->len, cols, pad && !right);
}

/* Write a row of cells; the widths of this row may differ from the layout's
 * when an ID or a level name is wider than its column. */
static void table_row(struct buf *line, const struct table_layout *l,
                      const char *const cells[COL_COUNT])
{
    struct buf tmp;
    buf_init(&tmp);
    int cols[COL_COUNT];
    memcpy(cols, l->cols, sizeof cols);
    /* An ID or a level name wider than its column is shown whole. */
    static const int wide[] = {COL_ID, COL_LEVEL};
    for (size_t i = 0; i < ARRAY_LEN(wide); i++) {
        int c = wide[i];
        int need = cells[c] ? text_width(cells[c], strlen(cells[c])) : 0;
        if (cols[c] <= 0 || need <= cols[c])
            continue;
        int borrow = need - cols[c];
        if (borrow > cols[COL_MESSAGE])
            borrow = cols[COL_MESSAGE];
        cols[c] += borrow;
        cols[COL_MESSAGE] -= borrow;
    }
    bool first = true;
    for (int c = 0; c < COL_COUNT; c++) {
        if (cols[c] <= 0 && c != COL_MESSAGE)
            continue;
        if (!first)
            buf_appends(line, TABLE_SEP);
        first = false;
        table_cell(line, &tmp, cells[c], cols[c], c == COL_ID, c != COL_MESSAGE);
    }
    /* No trailing blanks (a short last cell, or a message ending in spaces). */
    while (line->len > 0 && line->data[line->len - 1] == ' ')
        line->data[--line->len] = '\0';
    buf_putc(line, '\n');
    buf_free(&tmp);
}

static void table_header(struct format_writer *w, struct buf *out)
{
    struct table_layout l;
    table_layout_compute(&l, w->width, w->utc);
    table_row(out, &l, table_titles);
}

static void table_entry(struct format_writer *w, const struct log_entry *e, struct buf *out)
{
    struct table_layout l;
    table_layout_compute(&l, w->width, w->utc);
    char id[32], level[LEVEL_NAME_MAX], time[DATETIME_TEXT_MAX];
    snprintf(id, sizeof id, "%" PRId64, e->id);
    const char *cells[COL_COUNT] = {
        [COL_ID] = id,
        [COL_TIME] = datetime_format(e->created, w->utc, 0, time),
        [COL_LEVEL] = level_format(e->level, level),
        [COL_APP] = e->app_name,
        [COL_LOGGER] = e->logger_name,
        [COL_MESSAGE] = e->message,
    };
    if (w->count == 0)
        table_header(w, out);
    table_row(out, &l, cells);
}

/* "key: value\n" with value sanitised (a newline in it shows as \n). */
static void text_field(struct buf *out, const char *key, const char *value)
{
    buf_appends(out, key);
    buf_appends(out, ": ");
    if (value)
        sanitize_append(out, value, strlen(value), 0);
    buf_putc(out, '\n');
}

/* "key:\n" then the value's lines indented, or "  <none>" when empty. */
static void text_block(struct buf *out, const char *key, const char *value, const char *none)
{
    buf_appends(out, key);
    buf_appends(out, ":\n");
    if (!value || !*value) {
        buf_printf(out, "  %s\n", none);
        return;
    }
    struct buf clean;
    buf_init(&clean);
    sanitize_append(&clean, value, strlen(value), SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB);
    const char *p = buf_str(&clean), *end = p + clean.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (stop > p) {
            buf_appends(out, "  ");
            buf_append(out, p, (size_t)(stop - p));
        }
        buf_putc(out, '\n');
        p = nl ? nl + 1 : end;
    }
    buf_free(&clean);
}

static void text_entry(struct format_writer *w, const struct log_entry *e, struct buf *out)
{
    char level[LEVEL_NAME_MAX], time[DATETIME_TEXT_MAX];
    if (w->count > 0)
        buf_putc(out, '\n'); /* a blank line between entries */
    buf_printf(out, "id: %" PRId64 "\n", e->id);
    buf_printf(out, "level: %s (%d)\n", level_format(e->level, level), e->level);
    buf_printf(out, "created_at: %s (", datetime_format(e->created, w->utc, 0, time));
    if (e->created_at)
        sanitize_append(out, e->created_at, strlen(e->created_at), SANITIZE_ONE_LINE);
    buf_appends(out, ")\n");
    text_field(out, "app_name", e->app_name);
    text_field(out, "logger_name", e->logger_name);
    text_block(out, "message", e->message, "(empty)");
    text_block(out, "trace", e->trace, "(none)");
}

/* A JSON string, or null for NULL. Valid UTF-8 passes through as is. */
static void json_string(struct buf *out, const char *s)
{
    if (!s) {
        buf_appends(out, "null");
        return;
    }
    buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char hex[JSON_HEX_ESCAPE_MAX];
        switch (*p) {
        case '"':
            buf_appends(out, "\\\"");
            break;
        case '\\':
            buf_appends(out, "\\\\");
            break;
        case '\n':
            buf_appends(out, "\\n");
            break;
        case '\r':
            buf_appends(out, "\\r");
            break;
        case '\t':
            buf_appends(out, "\\t");
            break;
        default:
            if (strncmp((const char *)p, ENTRY_NUL_STANDIN, ENTRY_NUL_STANDIN_LEN) == 0) {
                buf_appends(out, "\\u0000");
                p++;
            } else if (*p < 0x20) {
                snprintf(hex, sizeof hex, "\\u%04x", (unsigned)*p);
                buf_appends(out, hex);
            } else {
                buf_putc(out, (char)*p);
            }
        }
    }
    buf_putc(out, '"');
}

/* The server's created_at, or an ISO 8601 UTC rendering of the parsed time. */
static const char *created_text(const struct log_entry *e, char buf[DATETIME_TEXT_MAX])
{
    if (e->created_at)
        return e->created_at;
    datetime_format(e->created, 1, 1, buf);
    char *space = strchr(buf, ' ');
    if (space)
        *space = 'T';
    return buf;
}

static void json_object(struct buf *out, const struct log_entry *e)
{
    if (log_entry_json(e, out))
        return;
    char time[DATETIME_TEXT_MAX];
    buf_printf(out, "{\"id\":%" PRId64 ",\"level\":%d,\"logger_name\":", e->id, e->level);
    json_string(out, e->logger_name);
    buf_appends(out, ",\"message\":");
    json_string(out, e->message);
    buf_appends(out, ",\"app_name\":");
    json_string(out, e->app_name);
    buf_appends(out, ",\"trace\":");
    json_string(out, e->trace);
    buf_appends(out, ",\"created_at\":");
    json_string(out, created_text(e, time));
    buf_putc(out, '}');
}

static bool has_nul_standin(const char *s)
{
    return strstr(s, ENTRY_NUL_STANDIN) != NULL;
}

static void csv_field(struct buf *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n") && !has_nul_standin(s)) {
        buf_appends(out, s);
        return;
    }
    buf_putc(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_putc(out, '"');
        if (strncmp(p, ENTRY_NUL_STANDIN, ENTRY_NUL_STANDIN_LEN) == 0) {
            buf_putc(out, '\0');
            p += ENTRY_NUL_STANDIN_LEN - 1;
            continue;
        }
        buf_putc(out, *p);
    }
    buf_putc(out, '"');
}

static void csv_entry(const struct log_entry *e, struct buf *out)
{
    char level[LEVEL_NAME_MAX], time[DATETIME_TEXT_MAX];
    buf_printf(out, "%" PRId64 ",%d,", e->id, e->level);
    csv_field(out, level_format(e->level, level));
    buf_putc(out, ',');
    csv_field(out, created_text(e, time));
    buf_putc(out, ',');
    csv_field(out, e->app_name);
    buf_putc(out, ',');
    csv_field(out, e->logger_name);
    buf_putc(out, ',');
    csv_field(out, e->message);
    buf_putc(out, ',');
    csv_field(out, e->trace);
    buf_appends(out, CSV_EOL);
}

static void write_buf(struct format_writer *w, const struct buf *b)
{
    if (b->len > 0)
        fwrite(b->data, 1, b->len, w->out);
}

void format_begin(struct format_writer *w, enum format_kind kind, FILE *out, int width, bool utc)
{
    w->kind = kind;
    w->out = out;
    w->width = width;
    w->utc = utc;
    w->count = 0;
    if (kind == FORMAT_CSV)
        fputs("id,level,level_name,created_at,app_name,logger_name,message,trace" CSV_EOL, out);
}

void format_entry(struct format_writer *w, const struct log_entry *e)
{
    struct buf b;
    buf_init(&b);
    switch (w->kind) {
    case FORMAT_TABLE:
        table_entry(w, e, &b);
        break;
    case FORMAT_TEXT:
        text_entry(w, e, &b);
        break;
    case FORMAT_JSON:
        buf_appends(&b, w->count == 0 ? "[\n" : ",\n");
        json_object(&b, e);
        break;
    case FORMAT_JSONL:
        json_object(&b, e);
        buf_putc(&b, '\n');
        break;
    case FORMAT_CSV:
        csv_entry(e, &b);
        break;
    }
    write_buf(w, &b);
    buf_free(&b);
    w->count++;
}

int format_end(struct format_writer *w)
{
    if (w->kind == FORMAT_JSON)
        fputs(w->count == 0 ? "[]\n" : "\n]\n", w->out);
    int rc = fflush(w->out);
    return rc != 0 || ferror(w->out) ? -1 : 0;
}

#define TICKET_FENCE_MIN 3
#define TICKET_TEXT_FLAGS (SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB)

/* A fenced code block around text (already sanitised): the fence is one
 * backtick longer than the longest run inside, and at least three. */
static void ticket_block(struct buf *out, const struct buf *text)
{
    size_t longest = 0, run = 0;
    for (size_t i = 0; i < text->len; i++) {
        run = text->data[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t fence = longest + 1 > TICKET_FENCE_MIN ? longest + 1 : TICKET_FENCE_MIN;
    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_putc(out, '\n');
    buf_append(out, text->data ? text->data : "", text->len);
    if (text->len == 0 || text->data[text->len - 1] != '\n')
        buf_putc(out, '\n');
    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_putc(out, '\n');
}

/* "Title:" then value in a block, or "Title: none" when it is empty. */
static void ticket_text(struct buf *out, const char *title, const char *value)
{
    if (!value || !*value) {
        buf_printf(out, "\n%s: none\n", title);
        return;
    }
    struct buf clean;
    buf_init(&clean);
    sanitize_append(&clean, value, strlen(value), TICKET_TEXT_FLAGS);
    buf_printf(out, "\n%s:\n\n", title);
    ticket_block(out, &clean);
    buf_free(&clean);
}

static void ticket_entry(struct buf *out, const struct log_entry *e, const char *endpoint,
                         bool utc)
{
    char level[LEVEL_NAME_MAX], time[DATETIME_TEXT_MAX];
    level_format(e->level, level);
    datetime_format(e->created, utc, 0, time);
    buf_printf(out, "%s ", level);
    if (e->app_name)
        sanitize_append(out, e->app_name, strlen(e->app_name), SANITIZE_ONE_LINE);
    buf_printf(out, " %s #%" PRId64 "\n\n", time, e->id);
    /* The fields as `omslog get` shows them, minus the two blocks below. */
    struct buf fields;
    buf_init(&fields);
    buf_printf(&fields, "id: %" PRId64 "\nlevel: %s (%d)\ncreated_at: ", e->id, level, e->level);
    if (e->created_at)
        sanitize_append(&fields, e->created_at, strlen(e->created_at), SANITIZE_ONE_LINE);
    buf_putc(&fields, '\n');
    text_field(&fields, "app_name", e->app_name);
    text_field(&fields, "logger_name", e->logger_name);
    ticket_block(out, &fields);
    buf_free(&fields);
    ticket_text(out, "Message", e->message);
    ticket_text(out, "Trace", e->trace);
    char *url = endpoint ? url_entry(endpoint, e->id) : NULL;
    if (url) {
        buf_putc(out, '\n');
        sanitize_append(out, url, strlen(url), 0);
        buf_putc(out, '\n');
    }
    free(url);
}

static int ticket_older_first(const void *pa, const void *pb)
{
    const struct log_entry *a = *(const struct log_entry *const *)pa;
    const struct log_entry *b = *(const struct log_entry *const *)pb;
    if (a->created.sec != b->created.sec)
        return a->created.sec < b->created.sec ? -1 : 1;
    if (a->created.usec != b->created.usec)
        return a->created.usec < b->created.usec ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

void format_ticket(struct buf *out, const struct log_entry *const *entries, size_t n,
                   const char *endpoint, bool utc)
{
    const struct log_entry **sorted = xcalloc(n ? n : 1, sizeof *sorted);
    memcpy(sorted, entries, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, ticket_older_first);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_appends(out, "\n---\n\n");
        ticket_entry(out, sorted[i], endpoint, utc);
    }
    free(sorted);
}

/* Length of the longest prefix of s[0..n) that occurs somewhere in secret. */
static size_t longest_secret_run(const char *s, size_t n, const char *secret, size_t slen)
{
    size_t best = 0;
    for (size_t j = 0; j + best < slen; j++) {
        size_t k = 0;
        while (k < n && j + k < slen && s[k] == secret[j + k])
            k++;
        if (k > best)
            best = k;
    }
    return best;
}

void format_redacted(struct buf *out, const char *s, size_t len, const char *secret,
                     unsigned flags)
{
    size_t slen = secret ? strlen(secret) : 0;
    if (slen < FORMAT_REDACT_MIN_SECRET || len == 0) {
        sanitize_append(out, s, len, flags);
        return;
    }
    size_t min_run = slen < FORMAT_REDACT_MIN_RUN ? slen : FORMAT_REDACT_MIN_RUN;
    /* Mark first, then write: runs may overlap, and a later run may reach
     * past an earlier one, so skipping over each run as found could leave a
     * few bytes of the secret in the clear. */
    bool *hidden = xcalloc(len, sizeof *hidden);
    for (size_t i = 0; i < len; i++) {
        size_t run = longest_secret_run(s + i, len - i, secret, slen);
        if (run >= min_run)
            memset(hidden + i, 1, run * sizeof *hidden);
    }
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && hidden[j] == hidden[i])
            j++;
        if (hidden[i])
            buf_appends(out, FORMAT_REDACTED);
        else
            sanitize_append(out, s + i, j - i, flags);
        i = j;
    }
    free(hidden);
}
