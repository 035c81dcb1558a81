/* entry.c — see include/omslog/entry.h */
#include "omslog/entry.h"

#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"

/* The string fields, for the loops below. */
#define ENTRY_FIELDS(e)                                                                           \
    {                                                                                             \
        &(e)->logger_name, &(e)->message, &(e)->app_name, &(e)->trace, &(e)->created_at,          \
            &(e)->raw_json                                                                        \
    }

void log_entry_free(struct log_entry *e)
{
    if (!e)
        return;
    if (e->text) {
        free(e->text); /* every field points into it */
    } else {
        char **fields[] = ENTRY_FIELDS(e);
        for (size_t i = 0; i < ARRAY_LEN(fields); i++)
            free(*fields[i]);
    }
    memset(e, 0, sizeof *e);
}

void log_page_free(struct log_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        log_entry_free(&p->entries[i]);
    free(p->entries);
    free(p->next);
    free(p->previous);
    memset(p, 0, sizeof *p);
}

bool log_page_has(const struct log_page *p, int64_t id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->entries[i].id == id)
            return true;
    return false;
}

void log_entry_copy(struct log_entry *dst, const struct log_entry *src)
{
    *dst = *src;
    char **to[] = ENTRY_FIELDS(dst);
    if (!src->text) {
        /* A zeroed source entry has NULL strings; keep them NULL in the copy. */
        for (size_t i = 0; i < ARRAY_LEN(to); i++)
            *to[i] = *to[i] ? xstrdup(*to[i]) : NULL;
        return;
    }
    size_t total = sizeof *src->text + src->text->size;
    dst->text = xmalloc(total);
    memcpy(dst->text, src->text, total);
    /* The same offsets into the new block (raw_json stays NULL). */
    for (size_t i = 0; i < ARRAY_LEN(to); i++)
        if (*to[i])
            *to[i] = dst->text->bytes + (*to[i] - src->text->bytes);
}

/* Bytes from s[i] on that a JSON string holds as they are. C0 starts the
 * stand-in C0 80 and E2 starts U+2028 / U+2029: looked at one by one. */
static size_t entry_plain_run(const char *s, size_t len, size_t i)
{
    size_t j = i;
    while (j < len) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x20 || c == '"' || c == '\\' || c == 0xC0 || c == 0xE2)
            break;
        j++;
    }
    return j - i;
}

/* The JSON text of the character at s[i] in out (*n bytes); returns the bytes
 * of s it stands for. */
static size_t entry_escape_one(const char *s, size_t len, size_t i, char out[6], size_t *n)
{
    static const char hex[] = "0123456789abcdef";
    static const char shorts[] = "\"\"\\\\b\bf\fn\nr\rt\t"; /* escape letter, then the byte */
    unsigned char c = (unsigned char)s[i];
    for (size_t k = 0; k + 1 < sizeof shorts; k += 2)
        if (c == (unsigned char)shorts[k + 1]) {
            out[0] = '\\';
            out[1] = shorts[k];
            *n = 2;
            return 1;
        }
    unsigned cp;
    size_t used;
    if (c < 0x20) {
        cp = c;
        used = 1;
    } else if (c == 0xC0 && i + 1 < len && (unsigned char)s[i + 1] == 0x80) {
        cp = 0; /* ENTRY_NUL_STANDIN */
        used = ENTRY_NUL_STANDIN_LEN;
    } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
               ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
        cp = (unsigned char)s[i + 2] == 0xA8 ? 0x2028u : 0x2029u;
        used = 3;
    } else {
        out[0] = (char)c;
        *n = 1;
        return 1;
    }
    out[0] = '\\';
    out[1] = 'u';
    for (int k = 0; k < 4; k++)
        out[2 + k] = hex[(cp >> (12 - 4 * k)) & 0xF];
    *n = 6;
    return used;
}

void log_entry_escape(struct buf *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t run = entry_plain_run(s, len, i);
        buf_append(out, s + i, run);
        i += run;
        if (i < len) {
            char esc[6];
            size_t n;
            i += entry_escape_one(s, len, i, esc, &n);
            buf_append(out, esc, n);
        }
    }
}

bool log_entry_escapes_as(const char *s, size_t len, const char *json, size_t json_len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        size_t run = entry_plain_run(s, len, i);
        if (run > json_len - o || memcmp(s + i, json + o, run) != 0)
            return false;
        i += run;
        o += run;
        if (i < len) {
            char esc[6];
            size_t n;
            i += entry_escape_one(s, len, i, esc, &n);
            if (n > json_len - o || memcmp(esc, json + o, n) != 0)
                return false;
            o += n;
        }
    }
    return o == json_len;
}

static const char *entry_field(const struct log_entry *e, int f)
{
    const char *const fields[ENTRY_TEXT_FIELDS] = {e->logger_name, e->message, e->app_name,
                                                   e->trace, e->created_at};
    return fields[f];
}

bool log_entry_json(const struct log_entry *e, struct buf *out)
{
    if (!e->text) {
        if (!e->raw_json)
            return false;
        buf_appends(out, e->raw_json);
        return true;
    }
    const struct log_entry_text *t = e->text;
    size_t from = 0;
    for (size_t i = 0; i < t->nsplices; i++) {
        const struct log_entry_splice *sp = &t->splice[i];
        buf_append(out, t->bytes + from, sp->at - from);
        if (sp->field < 0) {
            buf_putc(out, '"'); /* where a field's terminator stands */
            from = sp->at + 1;
        } else {
            const char *field = entry_field(e, sp->field);
            log_entry_escape(out, field, strlen(field));
            from = sp->at;
        }
    }
    buf_append(out, t->bytes + from, t->json_len - from);
    return true;
}

size_t log_entry_bytes(const struct log_entry *e)
{
    size_t n = sizeof *e;
    if (e->text)
        return n + sizeof *e->text + e->text->size;
    char *const *fields[] = ENTRY_FIELDS(e);
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        if (*fields[i])
            n += strlen(*fields[i]) + 1;
    return n;
}
