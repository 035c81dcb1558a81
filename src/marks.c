/* marks.c — see include/omslog/marks.h
 *
 * The set is a sorted array (binary search; an insert moves at most
 * MARKS_MAX elements). What changed since the file was last read is kept as
 * two small id lists, adds and removes, so that a save can apply exactly
 * this process's changes to whatever another process wrote meanwhile. */
#include "omslog/marks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/buf.h"
#include "omslog/fileio.h"
#include "omslog/util.h"

#define MARKS_LINE_MAX 64
#define MARKS_PREFIX "marks-"
#define MARKS_LOCK_SUFFIX ".lock"

struct idlist {
    int64_t *ids;
    size_t n, cap;
};

struct marks {
    char *path;
    struct mark *v;
    size_t n, cap;
    struct idlist adds, removes; /* since the last load or save */
};

static void idlist_put(struct idlist *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->ids[i] == id)
            return;
    ARRAY_GROW(l->ids, l->cap, l->n + 1);
    l->ids[l->n++] = id;
}

static void idlist_drop(struct idlist *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->ids[i] == id) {
            l->ids[i] = l->ids[--l->n];
            return;
        }
}

static void mark_clear(struct mark *k)
{
    free(k->app);
    free(k->msg);
    memset(k, 0, sizeof *k);
}

struct marks *marks_new(const char *path)
{
    struct marks *m = xcalloc(1, sizeof *m);
    m->path = path ? xstrdup(path) : NULL;
    return m;
}

static void marks_clear(struct marks *m)
{
    for (size_t i = 0; i < m->n; i++)
        mark_clear(&m->v[i]);
    m->n = 0;
}

void marks_free(struct marks *m)
{
    if (!m)
        return;
    marks_clear(m);
    free(m->v);
    free(m->adds.ids);
    free(m->removes.ids);
    free(m->path);
    free(m);
}

const char *marks_path(const struct marks *m)
{
    return m->path;
}

size_t marks_count(const struct marks *m)
{
    return m->n;
}

const struct mark *marks_at(const struct marks *m, size_t i)
{
    return i < m->n ? &m->v[i] : NULL;
}

/* The index of id, or of where it would go (*found false). */
static size_t marks_find(const struct marks *m, int64_t id, bool *found)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < m->n && m->v[lo].id == id;
    return lo;
}

bool marks_has(const struct marks *m, int64_t id)
{
    bool found;
    marks_find(m, id, &found);
    return found;
}

/* Insert without recording a change (loading, merging). */
static int marks_insert(struct marks *m, int64_t id)
{
    bool found;
    size_t at = marks_find(m, id, &found);
    if (found)
        return 0;
    if (m->n >= MARKS_MAX)
        return -1;
    ARRAY_GROW(m->v, m->cap, m->n + 1);
    memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof *m->v);
    memset(&m->v[at], 0, sizeof *m->v);
    m->v[at].id = id;
    m->n++;
    return 0;
}

static bool marks_delete(struct marks *m, int64_t id)
{
    bool found;
    size_t at = marks_find(m, id, &found);
    if (!found)
        return false;
    mark_clear(&m->v[at]);
    memmove(&m->v[at], &m->v[at + 1], (m->n - at - 1) * sizeof *m->v);
    m->n--;
    return true;
}

int marks_add(struct marks *m, int64_t id)
{
    if (marks_has(m, id))
        return 0;
    if (marks_insert(m, id) != 0)
        return -1;
    idlist_drop(&m->removes, id);
    idlist_put(&m->adds, id);
    return 0;
}

bool marks_remove(struct marks *m, int64_t id)
{
    if (!marks_delete(m, id))
        return false;
    idlist_drop(&m->adds, id);
    idlist_put(&m->removes, id);
    return true;
}

int marks_toggle(struct marks *m, int64_t id)
{
    if (marks_remove(m, id))
        return 0;
    return marks_add(m, id) == 0 ? 1 : -1;
}

void marks_set_summary(struct marks *m, const struct log_entry *e)
{
    bool found;
    size_t at = marks_find(m, e->id, &found);
    if (!found)
        return;
    struct mark *k = &m->v[at];
    free(k->app);
    free(k->msg);
    k->known = true;
    k->gone = false;
    k->level = e->level;
    k->created = e->created;
    k->app = xstrdup(e->app_name ? e->app_name : "");
    const char *msg = e->message ? e->message : "";
    size_t len = strcspn(msg, "\r\n");
    if (len > MARKS_MSG_MAX)
        len = MARKS_MSG_MAX;
    k->msg = xstrndup(msg, len);
}

void marks_set_gone(struct marks *m, int64_t id)
{
    bool found;
    size_t at = marks_find(m, id, &found);
    if (found)
        m->v[at].gone = true;
}

/* Read the ids of path into a fresh set in m (the summaries of ids already
 * known are kept). A missing file is empty. */
static int marks_read(struct marks *m, struct omslog_error *err)
{
    int fd = open(m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return OMSLOG_OK;
        return error_set(err, OMSLOG_ERR_IO, "cannot read the marks in %s: %s", m->path,
                         strerror(errno));
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return error_set(err, OMSLOG_ERR_IO, "cannot read %s: %s", m->path, strerror(errno));
    }
    int rc = OMSLOG_OK;
    char line[MARKS_LINE_MAX];
    long lineno = 0;
    bool partial = false; /* the rest of a line too long for line[] */
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        bool whole = len > 0 && line[len - 1] == '\n';
        bool cont = partial;
        partial = !whole && !feof(f);
        if (cont)
            continue;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        int64_t id;
        if (partial || parse_int64(line, &id) != 0 || id <= 0) {
            if (rc == OMSLOG_OK)
                rc = error_set(err, OMSLOG_ERR_IO, "%s:%ld: not a log id (line skipped)", m->path,
                               lineno);
            continue;
        }
        if (marks_insert(m, id) != 0) {
            if (rc == OMSLOG_OK)
                rc = error_set(err, OMSLOG_ERR_IO, "%s:%ld: more than %d marks: the rest ignored",
                               m->path, lineno, MARKS_MAX);
            break;
        }
    }
    fclose(f);
    return rc;
}

/* The summaries of old's marks go to the same ids in m; old is emptied. */
static void marks_adopt(struct marks *m, struct marks *old)
{
    for (size_t i = 0; i < m->n; i++) {
        bool found;
        size_t at = marks_find(old, m->v[i].id, &found);
        if (found) {
            m->v[i] = old->v[at];
            memset(&old->v[at], 0, sizeof old->v[at]);
            old->v[at].id = m->v[i].id;
        }
    }
    marks_clear(old);
    free(old->v);
}

/* The file's ids replace the set's, then this set's changes since the last
 * load or save are applied again (apply: saving); summaries of ids still
 * marked stay. *full: an add found no room. */
static int marks_reread(struct marks *m, bool apply, bool *full, struct omslog_error *err)
{
    struct marks old = *m;
    m->v = NULL;
    m->n = m->cap = 0;
    int rc = marks_read(m, err);
    if (apply) {
        for (size_t i = 0; i < m->removes.n; i++)
            marks_delete(m, m->removes.ids[i]);
        for (size_t i = 0; i < m->adds.n; i++)
            *full |= marks_insert(m, m->adds.ids[i]) != 0;
    }
    marks_adopt(m, &old);
    return rc;
}

int marks_load(struct marks *m, struct omslog_error *err)
{
    m->adds.n = m->removes.n = 0;
    if (!m->path)
        return OMSLOG_OK;
    bool full = false;
    return marks_reread(m, false, &full, err);
}

/* path's directory, created (MARKS_DIR_MODE) with its parents as needed. */
static int marks_make_dir(const char *path, struct omslog_error *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = OMSLOG_OK;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; rc == OMSLOG_OK; p++) {
            bool end = *p == '\0';
            if (*p != '/' && !end)
                continue;
            *p = '\0';
            if (mkdir(dir, MARKS_DIR_MODE) != 0 && errno != EEXIST)
                rc = error_set(err, OMSLOG_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
            if (end)
                break;
            *p = '/';
        }
    }
    free(dir);
    return rc;
}

static int marks_lock(const char *path, struct omslog_error *err)
{
    struct buf lp = {0};
    buf_printf(&lp, "%s%s", path, MARKS_LOCK_SUFFIX);
    int fd = open(lp.data, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILEIO_MODE);
    if (fd < 0)
        error_set(err, OMSLOG_ERR_IO, "cannot lock %s: %s", lp.data, strerror(errno));
    else if (flock(fd, LOCK_EX) != 0) {
        error_set(err, OMSLOG_ERR_IO, "cannot lock %s: %s", lp.data, strerror(errno));
        close(fd);
        fd = -1;
    }
    buf_free(&lp);
    return fd;
}

int marks_save(struct marks *m, struct omslog_error *err)
{
    if (!m->path)
        return OMSLOG_OK;
    int rc = marks_make_dir(m->path, err);
    if (rc != OMSLOG_OK)
        return rc;
    int lock = marks_lock(m->path, err);
    if (lock < 0)
        return OMSLOG_ERR_IO;
    /* A corrupt file is reported at load; here its good lines are merged. */
    struct omslog_error ignored = {0};
    bool full = false;
    marks_reread(m, true, &full, &ignored);
    struct buf out = {0};
    buf_appends(&out, "# omslog marks: one log id a line\n");
    for (size_t i = 0; i < m->n; i++)
        buf_printf(&out, "%" PRId64 "\n", m->v[i].id);
    if (fileio_write(m->path, out.data, out.len, true, err) != FILEIO_OK)
        rc = OMSLOG_ERR_IO;
    else if (full)
        rc = error_set(err, OMSLOG_ERR_IO, "more than %d marks: some were not kept", MARKS_MAX);
    else {
        m->adds.n = 0;
        m->removes.n = 0;
    }
    buf_free(&out);
    close(lock); /* releases the lock */
    return rc;
}

char *marks_file_path(const char *origin, struct omslog_error *err)
{
    struct buf p = {0};
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state && state[0] == '/')
        buf_printf(&p, "%s/omslog/", state);
    else if (home && home[0] == '/')
        buf_printf(&p, "%s/.local/state/omslog/", home);
    else {
        error_set(err, OMSLOG_ERR_CONFIG,
                  "marks are not kept: neither XDG_STATE_HOME nor HOME is set");
        return NULL;
    }
    buf_appends(&p, MARKS_PREFIX);
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)origin; *s; s++) {
        bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                     (*s >= '0' && *s <= '9') || *s == '.' || *s == '-';
        if (plain)
            buf_putc(&p, (char)*s);
        else
            buf_printf(&p, "%%%c%c", hex[*s >> 4], hex[*s & 0xf]);
    }
    return buf_steal(&p);
}
