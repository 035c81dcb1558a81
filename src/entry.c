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
    for (size_t i = 0; i < t->ncuts; i++) {
        buf_append(out, t->bytes + from, t->cut[i] - from);
        buf_putc(out, '"');
        from = t->cut[i] + 1;
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
