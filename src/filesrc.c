/* filesrc.c — an exported file as a source of pages (see filesrc.h).
 *
 * Opening reads the file once, block by block, into a window (struct scan)
 * that holds at least the item being looked at: a line of JSON Lines, or one
 * element of a json array. Each item gets a shape check (shape_scan: strings,
 * nesting, the top-level keys an entry must have), not a decode, so that a
 * million-line file opens in about a second; the decoder runs when a page is
 * asked for. A gzip file is inflated into an unlinked temporary file on the
 * way, and the index points into that. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "omslog/decode.h"
#include "omslog/filesrc.h"
#include "omslog/util.h"

/* Bytes read at a time while indexing, and the read-back window of pages. */
#define FILESRC_BLOCK ((size_t)1024 * 1024)
/* A file whose first items are all bad is not an export: stop there. */
#define FILESRC_GIVE_UP 1000
#define GZIP_MAGIC0 0x1f
#define GZIP_MAGIC1 0x8b
#define FILESRC_TMP_TEMPLATE "omslog-open-XXXXXX"

struct fs_item {
    int64_t id;
    uint64_t off;
    uint32_t len;
    uint32_t line; /* saturates at UINT32_MAX */
};

struct filesrc {
    char *path;
    int fd; /* the file, or the temporary file a gzip one was inflated into */
    bool gz, reordered;
    struct fs_item *items;
    size_t n, cap;
    struct filesrc_bad bad;
    /* Read-back window: bytes [win_off, win_off + win.len) of fd. */
    struct buf win;
    uint64_t win_off;
};

/* ---- the shape check ---- */

enum shape_key { KEY_ID, KEY_LEVEL, KEY_LOGGER, KEY_MESSAGE, KEY_APP, KEY_CREATED, KEY_COUNT };
static const char *const shape_keys[KEY_COUNT] = {"id",      "level",    "logger_name",
                                                  "message", "app_name", "created_at"};
#define SHAPE_ALL ((1u << KEY_COUNT) - 1)

struct shape {
    bool object;
    unsigned good; /* bit per key whose value has the right type */
    int64_t id;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_delim(char c)
{
    return is_ws(c) || c == ',' || c == ':' || c == '{' || c == '}' || c == '[' || c == ']' ||
           c == '"';
}

/* Index of the quote closing the string opened at p[i], or n: the next
 * quote (memchr: most of an export is string bytes) not escaped by an odd
 * run of backslashes. */
static size_t string_end(const char *p, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n;) {
        const char *q = memchr(p + j, '"', n - j);
        if (!q)
            return n;
        size_t k = (size_t)(q - p), bs = 0;
        while (k - bs > i + 1 && p[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            return k;
        j = k + 1;
    }
    return n;
}

static int key_of(const char *k, size_t len)
{
    for (int i = 0; i < KEY_COUNT; i++)
        if (strlen(shape_keys[i]) == len && memcmp(shape_keys[i], k, len) == 0)
            return i;
    return -1;
}

/* A top-level number token for key: id and level must be whole numbers. */
static void shape_number(struct shape *sh, int key, const char *t, size_t len)
{
    char num[24];
    int64_t v;
    if ((key != KEY_ID && key != KEY_LEVEL) || len == 0 || len >= sizeof num)
        return;
    memcpy(num, t, len);
    num[len] = '\0';
    if (parse_int64(num, &v) != 0 || (key == KEY_LEVEL && (v < INT_MIN || v > INT_MAX)))
        return;
    if (key == KEY_ID)
        sh->id = v;
    sh->good |= 1u << key;
}

/* Scan one JSON value at p[0..n) (leading white space allowed): its end
 * (> 0), 0 when it runs past n, -1 when the brackets do not match. Only
 * strings and nesting are followed, and the top-level keys of an object;
 * the decoder checks the rest when the entry is read. */
static long shape_scan(const char *p, size_t n, struct shape *sh)
{
    memset(sh, 0, sizeof *sh);
    size_t i = 0;
    while (i < n && is_ws(p[i]))
        i++;
    if (i == n)
        return 0;
    sh->object = p[i] == '{';
    long depth = 0;
    bool expect_key = false;
    int key = -1;
    for (; i < n; i++) {
        char c = p[i];
        if (c == '"') {
            size_t end = string_end(p, n, i);
            if (end == n)
                return 0;
            if (depth == 1 && sh->object && expect_key) {
                key = key_of(p + i + 1, end - i - 1);
                expect_key = false;
            } else if (depth == 1 && key >= 0) {
                if (key != KEY_ID && key != KEY_LEVEL)
                    sh->good |= 1u << key;
                key = -1;
            } else if (depth == 0) {
                return (long)end + 1;
            }
            i = end;
        } else if (c == '{' || c == '[') {
            if (depth == 1)
                key = -1; /* a container is no id, level or text */
            depth++;
            expect_key = depth == 1 && c == '{';
        } else if (c == '}' || c == ']') {
            if (--depth <= 0)
                return depth == 0 ? (long)i + 1 : -1;
        } else if (c == ',') {
            expect_key = depth == 1 && sh->object;
        } else if (!is_ws(c) && c != ':') {
            size_t j = i;
            while (j < n && !is_delim(p[j]))
                j++;
            if (depth == 0)
                return j == n ? 0 : (long)j;
            if (depth == 1 && key >= 0)
                shape_number(sh, key, p + i, j - i);
            key = -1;
            i = j - 1;
        }
    }
    return 0;
}

/* ---- bad items ---- */

static void bad_note(struct filesrc *f, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the smallest FILESRC_BAD_SHOWN line numbers and the message of the
 * first line. */
static void bad_note(struct filesrc *f, int64_t line, const char *fmt, ...)
{
    struct filesrc_bad *b = &f->bad;
    b->count++;
    size_t at = b->n_lines;
    while (at > 0 && b->lines[at - 1] > line)
        at--;
    if (at >= FILESRC_BAD_SHOWN)
        return;
    if (at == 0) {
        char msg[OMSLOG_ERROR_MSG_MAX / 2]; /* room for "line N: " before it */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(b->first, sizeof b->first, "line %" PRId64 ": %s", line, msg);
    }
    size_t keep = b->n_lines < FILESRC_BAD_SHOWN ? b->n_lines : FILESRC_BAD_SHOWN - 1;
    memmove(b->lines + at + 1, b->lines + at, (keep - at) * sizeof *b->lines);
    b->lines[at] = line;
    b->n_lines = keep + 1;
}

static const char *shape_fault(const struct shape *sh)
{
    static const char *const missing[KEY_COUNT] = {
        "no whole-number \"id\"",          "no whole-number \"level\"",
        "\"logger_name\" is not a string", "\"message\" is not a string",
        "\"app_name\" is not a string",    "\"created_at\" is not a string"};
    if (!sh->object)
        return "not a JSON object";
    for (int k = 0; k < KEY_COUNT; k++)
        if (!(sh->good & (1u << k)))
            return missing[k];
    return "not a log entry";
}

/* ---- indexing ---- */

struct scan {
    struct filesrc *f;
    int in_fd;
    gzFile gz;
    char *buf;
    size_t cap, start, end; /* the unread bytes are buf[start..end) */
    uint64_t base;          /* file offset of buf[0] */
    bool eof, first_block;
    int64_t line; /* line number of buf[start] */
};

static int scan_read(struct scan *s, struct omslog_error *err)
{
    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->base += s->start;
        s->end -= s->start;
        s->start = 0;
    }
    if (s->end == s->cap) {
        s->cap *= 2;
        s->buf = xrealloc(s->buf, s->cap);
    }
    size_t want = s->cap - s->end;
    if (want > FILESRC_BLOCK)
        want = FILESRC_BLOCK;
    ssize_t got;
    if (s->gz) {
        int r = gzread(s->gz, s->buf + s->end, (unsigned)want);
        int zerr = Z_OK;
        const char *zmsg = r < 0 ? gzerror(s->gz, &zerr) : NULL;
        if (r < 0)
            return error_set(err, OMSLOG_ERR_IO, "cannot decompress %s: %s", s->f->path, zmsg);
        if (r == 0 && (gzerror(s->gz, &zerr), zerr == Z_BUF_ERROR))
            /* Cut short (a download that stopped): what came before is kept. */
            bad_note(s->f, s->line, "the compressed file ends early; the rest is missing");
        got = r;
        if (got > 0 && write(s->f->fd, s->buf + s->end, (size_t)got) != got)
            return error_set(err, OMSLOG_ERR_IO,
                             "cannot write the decompressed %s to a temporary file (TMPDIR): %s",
                             s->f->path, strerror(errno));
    } else {
        do
            got = read(s->in_fd, s->buf + s->end, want);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return error_set(err, OMSLOG_ERR_IO, "cannot read %s: %s", s->f->path,
                             strerror(errno));
    }
    if (s->first_block && got > 0 && memchr(s->buf + s->end, '\0', (size_t)got))
        return error_set(err, OMSLOG_ERR_PROTOCOL,
                         "%s is not an omslog export: it holds binary data (NUL bytes); "
                         "write one with omslog list --format jsonl",
                         s->f->path);
    s->first_block = false;
    s->end += (size_t)got;
    s->eof = got == 0;
    return 0;
}

static void scan_count_lines(struct scan *s, size_t from, size_t to)
{
    for (const char *p = s->buf + from; (p = memchr(p, '\n', (size_t)(s->buf + to - p))); p++)
        s->line++;
}

/* One item, bytes p[0..len) at file offset off, on line `line`. */
static void index_item(struct filesrc *f, const char *p, size_t len, uint64_t off, int64_t line)
{
    size_t blank = 0;
    while (blank < len && is_ws(p[blank]))
        blank++;
    if (blank == len)
        return; /* a blank line is no entry, and no fault */
    struct shape sh;
    long end = shape_scan(p, len, &sh);
    size_t rest = end > 0 ? (size_t)end : len;
    while (rest < len && is_ws(p[rest]))
        rest++;
    if (end <= 0 || rest < len) {
        bad_note(f, line, end == 0 ? "not JSON (cut short?)" : "not JSON");
        return;
    }
    if (!sh.object || sh.good != SHAPE_ALL) {
        bad_note(f, line, "%s", shape_fault(&sh));
        return;
    }
    ARRAY_GROW(f->items, f->cap, f->n + 1);
    f->items[f->n++] = (struct fs_item){sh.id, off, (uint32_t)len,
                                        line > UINT32_MAX ? UINT32_MAX : (uint32_t)line};
}

static bool scan_given_up(const struct scan *s)
{
    return s->f->n == 0 && s->f->bad.count >= FILESRC_GIVE_UP;
}

/* JSON Lines: every line an item. */
static int scan_lines(struct scan *s, struct omslog_error *err)
{
    bool skipping = false; /* the rest of a line longer than FILESRC_ITEM_MAX */
    while (!scan_given_up(s)) {
        char *from = s->buf + s->start;
        char *nl = memchr(from, '\n', s->end - s->start);
        size_t len = nl ? (size_t)(nl - from) : s->end - s->start;
        if (!nl && !s->eof) {
            if (len >= FILESRC_ITEM_MAX && !skipping) {
                bad_note(s->f, s->line, "longer than %zu MiB", FILESRC_ITEM_MAX >> 20);
                skipping = true;
            }
            if (skipping)
                s->start = s->end;
            if (scan_read(s, err))
                return err->status;
            continue;
        }
        if (!skipping)
            index_item(s->f, from, len, s->base + s->start, s->line);
        skipping = false;
        if (!nl)
            break;
        s->line++;
        s->start += len + 1;
    }
    return 0;
}

/* Skip white space, reading on; false at the end of the file. */
static bool scan_skip_ws(struct scan *s, struct omslog_error *err)
{
    for (;;) {
        while (s->start < s->end && is_ws(s->buf[s->start])) {
            if (s->buf[s->start] == '\n')
                s->line++;
            s->start++;
        }
        if (s->start < s->end)
            return true;
        if (s->eof || scan_read(s, err))
            return false;
    }
}

/* A json array: every element an item. Anything that breaks the array's
 * syntax ends the scan there (reported as a bad line). */
static int scan_array(struct scan *s, struct omslog_error *err)
{
    s->start++; /* '[' */
    bool want_comma = false;
    while (scan_skip_ws(s, err) && !scan_given_up(s)) {
        char c = s->buf[s->start];
        if (c == ']')
            return 0;
        if (want_comma) {
            if (c != ',')
                break;
            s->start++;
            want_comma = false;
            continue;
        }
        struct shape sh;
        long end = shape_scan(s->buf + s->start, s->end - s->start, &sh);
        if (end == 0 && !s->eof && s->end - s->start < FILESRC_ITEM_MAX) {
            if (scan_read(s, err))
                return err->status;
            continue;
        }
        if (end <= 0)
            break;
        int64_t line = s->line;
        index_item(s->f, s->buf + s->start, (size_t)end, s->base + s->start, line);
        scan_count_lines(s, s->start, s->start + (size_t)end);
        s->start += (size_t)end;
        want_comma = true;
    }
    if (err->status)
        return err->status;
    if (!scan_given_up(s))
        bad_note(s->f, s->line, "the json array %s here; the rest of the file is skipped",
                 s->start < s->end ? "breaks off" : "is not closed");
    return 0;
}

static int scan_file(struct scan *s, struct omslog_error *err)
{
    s->cap = FILESRC_BLOCK;
    s->buf = xmalloc(s->cap);
    s->first_block = true;
    s->line = 1;
    if (!scan_skip_ws(s, err))
        return err->status;
    return s->buf[s->start] == '[' ? scan_array(s, err) : scan_lines(s, err);
}

/* ---- order ---- */

/* Newest first (id descending); the same id in file order. */
static int item_cmp(const void *a, const void *b)
{
    const struct fs_item *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? 1 : -1;
    return (x->line > y->line) - (x->line < y->line);
}

static void index_order(struct filesrc *f)
{
    bool descending = true;
    for (size_t i = 1; i < f->n && descending; i++)
        descending = f->items[i].id < f->items[i - 1].id;
    if (descending)
        return;
    f->reordered = true;
    qsort(f->items, f->n, sizeof *f->items, item_cmp);
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (k > 0 && f->items[i].id == f->items[k - 1].id) {
            bad_note(f, f->items[i].line,
                     "a second entry with id %" PRId64 " (the first: line %u)", f->items[i].id,
                     f->items[k - 1].line);
            continue;
        }
        f->items[k++] = f->items[i];
    }
    f->n = k;
}

/* ---- open ---- */

/* The gzip stream of fd inflated into an unlinked temporary file, which
 * becomes f->fd. */
static int open_gzip(struct filesrc *f, struct scan *s, int fd, struct omslog_error *err)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    if (!dir || !*dir)
        dir = "/tmp";
    if (snprintf(tmpl, sizeof tmpl, "%s/%s", dir, FILESRC_TMP_TEMPLATE) >= (int)sizeof tmpl)
        return error_set(err, OMSLOG_ERR_IO, "TMPDIR is too long");
    f->fd = mkstemp(tmpl);
    if (f->fd < 0)
        return error_set(err, OMSLOG_ERR_IO,
                         "cannot create a temporary file in %s to decompress into: %s", dir,
                         strerror(errno));
    unlink(tmpl);
    int dup_fd = dup(fd);
    s->gz = dup_fd >= 0 ? gzdopen(dup_fd, "rb") : NULL;
    if (!s->gz) {
        if (dup_fd >= 0)
            close(dup_fd);
        return error_set(err, OMSLOG_ERR_INTERNAL, "cannot start decompressing %s", f->path);
    }
    gzbuffer(s->gz, (unsigned)FILESRC_BLOCK);
    f->gz = true;
    return 0;
}

static bool file_is_gzip(int fd)
{
    unsigned char m[2];
    return pread(fd, m, sizeof m, 0) == (ssize_t)sizeof m && m[0] == GZIP_MAGIC0 &&
           m[1] == GZIP_MAGIC1;
}

static int open_input(struct filesrc *f, const char *path, int *fd, struct omslog_error *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return error_set(err, OMSLOG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(*fd, &st) != 0)
        return error_set(err, OMSLOG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return error_set(err, OMSLOG_ERR_IO, "%s is a directory, not an exported file", path);
    if (!S_ISREG(st.st_mode))
        return error_set(err, OMSLOG_ERR_IO,
                         "%s is not a regular file (a pipe or a device): save the export to a "
                         "file first",
                         path);
    f->fd = *fd;
    return 0;
}

static int open_finish(struct filesrc *f, struct omslog_error *err)
{
    index_order(f);
    if (f->n > 0)
        return 0;
    if (f->bad.count == 0)
        return error_set(err, OMSLOG_ERR_PROTOCOL, "%s holds no log entries (an empty export?)",
                         f->path);
    return error_set(err, OMSLOG_ERR_PROTOCOL,
                     "%s is not an omslog export (list --format jsonl or json): no log entry "
                     "in it; %s",
                     f->path, f->bad.first);
}

struct filesrc *filesrc_open(const char *path, struct omslog_error *err)
{
    struct omslog_error local;
    if (!err)
        err = &local;
    struct filesrc *f = xcalloc(1, sizeof *f);
    f->path = xstrdup(path);
    f->fd = -1;
    struct scan s = {.f = f, .in_fd = -1};
    error_clear(err);
    int rc = open_input(f, path, &s.in_fd, err);
    if (!rc && file_is_gzip(s.in_fd))
        rc = open_gzip(f, &s, s.in_fd, err);
    if (!rc)
        rc = scan_file(&s, err);
    if (s.gz)
        gzclose(s.gz);
    if (s.in_fd >= 0 && s.in_fd != f->fd)
        close(s.in_fd);
    free(s.buf);
    if (!rc)
        rc = open_finish(f, err);
    if (rc) {
        filesrc_free(f);
        return NULL;
    }
    f->items = xrealloc(f->items, (f->n ? f->n : 1) * sizeof *f->items);
    f->cap = f->n;
    return f;
}

void filesrc_free(struct filesrc *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->items);
    free(f->path);
    buf_free(&f->win);
    free(f);
}

const char *filesrc_path(const struct filesrc *f)
{
    return f->path;
}

int64_t filesrc_count(const struct filesrc *f)
{
    return (int64_t)f->n;
}

bool filesrc_compressed(const struct filesrc *f)
{
    return f->gz;
}

bool filesrc_reordered(const struct filesrc *f)
{
    return f->reordered;
}

const struct filesrc_bad *filesrc_bad(const struct filesrc *f)
{
    return &f->bad;
}

void filesrc_bad_describe(const struct filesrc *f, char *out, size_t n)
{
    const struct filesrc_bad *b = &f->bad;
    struct buf d = {0};
    if (b->count) {
        buf_printf(&d, "%" PRId64 " bad line%s skipped (line%s ", b->count,
                   b->count == 1 ? "" : "s", b->count == 1 ? "" : "s");
        for (size_t i = 0; i < b->n_lines; i++)
            buf_printf(&d, "%s%" PRId64, i ? ", " : "", b->lines[i]);
        buf_printf(&d, "%s): %s", (int64_t)b->n_lines < b->count ? ", …" : "", b->first);
    }
    snprintf(out, n, "%s", buf_str(&d));
    buf_free(&d);
}

/* ---- reading back ---- */

/* The bytes of item it, through the read-back window. */
static const char *item_bytes(struct filesrc *f, const struct fs_item *it,
                              struct omslog_error *err)
{
    if (it->off >= f->win_off && it->off + it->len <= f->win_off + f->win.len)
        return f->win.data + (it->off - f->win_off);
    size_t want = it->len > FILESRC_BLOCK ? it->len : FILESRC_BLOCK;
    /* Reading backwards (rows of a file sorted oldest first), the window
     * ends with the item, so that the next rows are in it too. */
    uint64_t start = it->off;
    if (it->off < f->win_off && it->len < want)
        start = it->off + it->len > want ? it->off + it->len - want : 0;
    buf_reset(&f->win);
    buf_reserve(&f->win, want);
    ssize_t got = pread(f->fd, f->win.data, want, (off_t)start);
    f->win_off = start;
    f->win.len = got > 0 ? (size_t)got : 0;
    if (got < 0 || f->win.len < it->off - start + it->len) {
        error_set(err, OMSLOG_ERR_IO, "cannot read %s back: %s", f->path,
                  got < 0 ? strerror(errno) : "it is shorter than when it was opened");
        return NULL;
    }
    return f->win.data + (it->off - start);
}

/* An entry that passed the shape check but not the decoder keeps its row. */
static void stand_in(struct log_entry *e, const struct fs_item *it, const char *why)
{
    char msg[OMSLOG_ERROR_MSG_MAX + 64];
    memset(e, 0, sizeof *e);
    e->id = it->id;
    snprintf(msg, sizeof msg, "line %u of the file is not a valid log entry: %s", it->line, why);
    e->message = xstrdup(msg);
    e->logger_name = xstrdup("");
    e->app_name = xstrdup("");
    e->trace = xstrdup("");
    e->created_at = xstrdup("");
}

static int item_decode(struct filesrc *f, const struct fs_item *it, struct log_entry *out,
                       struct omslog_error *err)
{
    const char *p = item_bytes(f, it, err);
    if (!p)
        return err->status;
    struct omslog_error why = {0};
    if (decode_entry(p, it->len, out, &why) != DECODE_OK)
        stand_in(out, it, why.msg);
    return 0;
}

int filesrc_page(struct filesrc *f, long page, long size, struct log_page *out,
                 struct omslog_error *err)
{
    struct omslog_error local;
    if (!err)
        err = &local;
    memset(out, 0, sizeof *out);
    if (page < 1 || size < 1 ||
        (uint64_t)(page - 1) >= (f->n + (uint64_t)size - 1) / (uint64_t)size)
        return error_set(err, OMSLOG_ERR_NOT_FOUND, "page %ld is past the end of %s", page,
                         f->path);
    size_t lo = (size_t)(page - 1) * (size_t)size;
    size_t hi = lo + (size_t)size < f->n ? lo + (size_t)size : f->n;
    out->count = (int64_t)f->n;
    out->entries = xcalloc(hi - lo, sizeof *out->entries);
    for (size_t i = lo; i < hi; i++) {
        if (item_decode(f, &f->items[i], &out->entries[out->n], err)) {
            log_page_free(out);
            return err->status;
        }
        out->n++;
    }
    /* Links as a DRF page carries them: their presence says whether pages
     * follow (a seek's bisection reads it); nothing follows them. */
    char link[40];
    if (hi < f->n) {
        snprintf(link, sizeof link, "?page=%ld", page + 1);
        out->next = xstrdup(link);
    }
    if (page > 1) {
        snprintf(link, sizeof link, "?page=%ld", page - 1);
        out->previous = xstrdup(link);
    }
    return 0;
}

int filesrc_entry(struct filesrc *f, int64_t id, struct log_entry *out, struct omslog_error *err)
{
    struct omslog_error local;
    if (!err)
        err = &local;
    memset(out, 0, sizeof *out);
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->items[mid].id > id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->n || f->items[lo].id != id)
        return error_set(err, OMSLOG_ERR_NOT_FOUND, "log %" PRId64 " is not in %s", id, f->path);
    return item_decode(f, &f->items[lo], out, err);
}

int filesrc_each_range(struct filesrc *f, int64_t from, int64_t n,
                       void (*fn)(const struct log_entry *e, void *ctx), void *ctx,
                       struct omslog_error *err)
{
    struct omslog_error local;
    if (!err)
        err = &local;
    if (n <= 0)
        return 0;
    int64_t end = from > INT64_MAX - n ? INT64_MAX : from + n;
    if (from < 0)
        from = 0;
    if (end <= from || (uint64_t)from >= f->n)
        return 0;
    for (size_t i = (size_t)from; i < f->n && (uint64_t)i < (uint64_t)end; i++) {
        struct log_entry e;
        if (item_decode(f, &f->items[i], &e, err))
            return err->status;
        fn(&e, ctx);
        log_entry_free(&e);
    }
    return 0;
}

int filesrc_each(struct filesrc *f, void (*fn)(const struct log_entry *e, void *ctx), void *ctx,
                 struct omslog_error *err)
{
    return filesrc_each_range(f, 0, (int64_t)f->n, fn, ctx, err);
}
