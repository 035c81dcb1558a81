/* entry.c — see include/omslog/entry.h */
#include "omslog/entry.h"

#include <stdlib.h>
#include <string.h>

#include "omslog/util.h"

void log_entry_free(struct log_entry *e)
{
    if (!e)
        return;
    free(e->logger_name);
    free(e->message);
    free(e->app_name);
    free(e->trace);
    free(e->created_at);
    free(e->raw_json);
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

/* A zeroed source entry has NULL strings; keep them NULL in the copy. */
static char *entry_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void log_entry_copy(struct log_entry *dst, const struct log_entry *src)
{
    dst->id = src->id;
    dst->level = src->level;
    dst->created = src->created;
    dst->logger_name = entry_dup(src->logger_name);
    dst->message = entry_dup(src->message);
    dst->app_name = entry_dup(src->app_name);
    dst->trace = entry_dup(src->trace);
    dst->created_at = entry_dup(src->created_at);
    dst->raw_json = entry_dup(src->raw_json);
}
