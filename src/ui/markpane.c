/* markpane.c — marks in the browser: m marks or unmarks the selected entry,
 * M opens the list of marked entries (Enter jumps to one, d unmarks, s saves
 * them as JSONL, y copies them as one Markdown ticket). The set and its file are omslog/marks.h's;
 * this pane only shows it and fetches what it does not know: a marked entry may be on no loaded
 * page (marked before a restart, or scrolled far away), so its summary is fetched while it is
 * shown and its JSON while it is saved, without ever blocking the loop. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "omslog/datetime.h"
#include "omslog/fileio.h"
#include "omslog/format.h"
#include "omslog/level.h"
#include "omslog/marks.h"
#include "omslog/sanitize.h"
#include "omslog/util.h"

#define MARKS_DEFAULT_FILE "omslog-marks.jsonl"
#define MARKS_APP_W 12

void marks_init(struct app *a)
{
    struct marks_pane *p = &a->marks;
    char *origin = source_marks_origin(a);
    struct omslog_error err = {0};
    char *path = origin ? marks_file_path(origin, &err) : NULL;
    p->set = marks_new(path);
    if (!path && origin)
        app_message(a, MSG_ERROR, "%s", err.msg);
    else if (marks_load(p->set, &err) != OMSLOG_OK)
        app_message(a, MSG_ERROR, "%s", err.msg);
    free(path);
    free(origin);
}

static void marks_save_reset(struct marks_pane *p)
{
    for (size_t i = 0; i < p->save_n; i++)
        log_entry_free(&p->save_entries[i]);
    free(p->save_entries);
    free(p->save_ids);
    free(p->save_failed);
    free(p->save_path);
    p->save_entries = NULL;
    p->save_ids = NULL;
    p->save_failed = NULL;
    p->save_path = NULL;
    p->save_n = 0;
    p->saving = false;
    p->save_ticket = false;
}

void marks_free_pane(struct app *a)
{
    marks_save_reset(&a->marks);
    marks_free(a->marks.set);
    a->marks.set = NULL;
}

bool marks_is_marked(const struct app *a, int64_t id)
{
    return a->marks.set && marks_has(a->marks.set, id);
}

static void marks_persist(struct app *a)
{
    struct omslog_error err = {0};
    if (marks_save(a->marks.set, &err) != OMSLOG_OK)
        app_message(a, MSG_ERROR, "marks not saved: %s", err.msg);
}

void marks_toggle_selected(struct app *a)
{
    const struct log_entry *e = app_selected(a);
    if (!e) {
        app_message(a, MSG_ERROR, "nothing to mark: the entry is not loaded yet");
        return;
    }
    int r = marks_toggle(a->marks.set, e->id);
    if (r < 0) {
        app_message(a, MSG_ERROR, "%d entries are marked, the most kept: unmark some (M, d)",
                    MARKS_MAX);
        return;
    }
    if (r > 0)
        marks_set_summary(a->marks.set, e);
    a->marks.gen++;
    app_message(a, MSG_INFO, "%s log %" PRId64 " (%zu marked)", r ? "marked" : "unmarked", e->id,
                marks_count(a->marks.set));
    marks_persist(a);
}

void marks_open(struct app *a)
{
    if (!marks_count(a->marks.set)) {
        app_message(a, MSG_INFO, "no marked entries: m marks the selected one");
        return;
    }
    a->marks.sel = 0;
    a->marks.top = 0;
    app_mode_push(a, MODE_MARKS);
}

/* The rows the pane shows (below its title) with the selection among them:
 * the pane's drawing and its fetching agree on what is on screen. */
static int marks_scroll(struct app *a)
{
    struct marks_pane *p = &a->marks;
    int64_t n = (int64_t)marks_count(p->set);
    int body = a->rows - 3 > 1 ? a->rows - 3 : 1;
    p->visible = body;
    if (p->sel >= n)
        p->sel = n > 0 ? n - 1 : 0;
    if (p->sel < p->top)
        p->top = p->sel;
    if (p->sel >= p->top + body)
        p->top = p->sel - body + 1;
    return body;
}

static void marks_row_text(struct app *a, const struct mark *k, struct buf *row, struct buf *tmp)
{
    buf_reset(row);
    buf_printf(row, " %10" PRId64 "  ", k->id);
    if (!k->known) {
        buf_appends(row, k->gone ? "(not found on the server)" : "loading…");
        return;
    }
    char when[DATETIME_TEXT_MAX], lname[LEVEL_NAME_MAX];
    const char *std = level_std_name(k->level);
    buf_printf(row, "%s  %-8s  ", datetime_format(k->created, a->utc, 0, when),
               std ? std : level_format(k->level, lname));
    draw_sanitize(tmp, k->app, SANITIZE_ONE_LINE);
    buf_printf(row, "%-*s  ", MARKS_APP_W, buf_str(tmp));
    draw_sanitize(tmp, k->msg, SANITIZE_ONE_LINE);
    buf_append(row, tmp->data, tmp->len);
}

void marks_draw(struct app *a)
{
    struct marks_pane *p = &a->marks;
    int64_t n = (int64_t)marks_count(p->set);
    int body = marks_scroll(a);
    char title[160], cnt[32];
    snprintf(title, sizeof title,
             " %s marked entries, oldest first — Enter jumps, d unmarks, s saves JSONL, "
             "y copies a ticket, q closes",
             draw_count(n, cnt));
    draw_text(1, 0, title, strlen(title), a->cols, theme_attr(STYLE_TITLE), true);
    struct buf row = {0}, tmp = {0};
    for (int i = 0; i < body; i++) {
        int y = 2 + i;
        const struct mark *k = marks_at(p->set, (size_t)(p->top + i));
        if (!k) {
            draw_fill(y, 0, a->cols, A_NORMAL);
            continue;
        }
        marks_row_text(a, k, &row, &tmp);
        attr_t attr = k->known ? theme_attr(theme_level_style(k->level)) : A_NORMAL;
        if (p->top + i == p->sel)
            attr |= A_REVERSE;
        draw_text(y, 0, row.data, row.len, a->cols, attr, true);
    }
    buf_free(&row);
    buf_free(&tmp);
}

/* ---- fetching what the pane and a save need ---- */

static bool marks_in_flight(const struct marks_pane *p, int64_t id)
{
    for (size_t i = 0; i < p->n_fetch; i++)
        if (p->fetch[i].id == id)
            return true;
    return false;
}

/* The loaded entry of id, if a page holding it is cached in the view. */
static const struct log_entry *marks_cached(struct app *a, int64_t id)
{
    int64_t row = store_row_of_id(a->store, id);
    return row >= 0 ? store_row(a->store, row) : NULL;
}

/* Ask for id unless it is asked for already; false when there is no room. */
static bool marks_request(struct app *a, int64_t id)
{
    struct marks_pane *p = &a->marks;
    if (marks_in_flight(p, id))
        return true;
    if (p->n_fetch >= MARKS_PANE_FETCH)
        return false;
    struct omslog_error err = {0};
    int req = source_request_entry(a, id, &err);
    if (req < 0) {
        app_message(a, MSG_ERROR, "%s", err.msg);
        marks_set_gone(p->set, id);
        return true;
    }
    p->fetch[p->n_fetch++] = (struct marks_fetch){id, req};
    return true;
}

static void marks_pump_shown(struct app *a)
{
    struct marks_pane *p = &a->marks;
    marks_scroll(a);
    for (int i = 0; i < p->visible; i++) {
        const struct mark *k = marks_at(p->set, (size_t)(p->top + i));
        if (!k)
            break;
        if (k->known || k->gone)
            continue;
        const struct log_entry *e = marks_cached(a, k->id);
        if (e) {
            marks_set_summary(p->set, e);
            p->gen++;
        } else if (!marks_request(a, k->id)) {
            return;
        }
    }
}

static void marks_save_finish(struct app *a);
static void marks_gather(struct app *a, const char *path, bool confirmed, bool ticket);

void marks_pump(struct app *a)
{
    struct marks_pane *p = &a->marks;
    if (!p->set)
        return;
    if (app_mode_open(a, MODE_MARKS))
        marks_pump_shown(a);
    if (!p->saving)
        return;
    bool done = true;
    for (size_t i = 0; i < p->save_n; i++) {
        if (p->save_entries[i].id || p->save_failed[i])
            continue;
        done = false;
        if (!marks_request(a, p->save_ids[i]))
            return;
    }
    if (done)
        marks_save_finish(a);
}

/* e: the entry id, NULL when it could not be had. */
static void marks_save_got(struct marks_pane *p, int64_t id, const struct log_entry *e)
{
    for (size_t i = 0; i < p->save_n; i++)
        if (p->save_ids[i] == id && !p->save_entries[i].id && !p->save_failed[i]) {
            if (e)
                log_entry_copy(&p->save_entries[i], e);
            else
                p->save_failed[i] = true;
        }
}

bool marks_entry_result(struct app *a, struct api_result *r)
{
    struct marks_pane *p = &a->marks;
    size_t i = 0;
    while (i < p->n_fetch && p->fetch[i].req != r->id)
        i++;
    if (i == p->n_fetch)
        return false;
    int64_t id = p->fetch[i].id;
    p->fetch[i] = p->fetch[--p->n_fetch];
    if (r->err.status == OMSLOG_OK) {
        marks_set_summary(p->set, &r->entry);
        marks_save_got(p, id, &r->entry);
    } else {
        if (r->err.status != OMSLOG_ERR_NOT_FOUND)
            app_message(a, MSG_ERROR, "log %" PRId64 ": %s", id, r->err.msg);
        marks_set_gone(p->set, id);
        marks_save_got(p, id, NULL);
    }
    p->gen++;
    return true;
}

/* ---- s: the marked entries as JSONL ---- */

/* y: the gathered entries as one Markdown ticket, oldest first. */
static void marks_ticket_finish(struct app *a)
{
    struct marks_pane *p = &a->marks;
    const struct log_entry **list = xcalloc(p->save_n, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < p->save_n; i++)
        if (p->save_entries[i].id)
            list[n++] = &p->save_entries[i];
    if (!n) {
        app_message(a, MSG_ERROR, "nothing copied: none of the marked entries could be loaded");
    } else {
        struct buf out = {0};
        format_ticket(&out, list, n, source_endpoint(a), a->utc);
        char name[64];
        snprintf(name, sizeof name, "%zu marked entries as a ticket", n);
        yank_deliver(a, name, &out);
        if (n < p->save_n)
            app_message(a, MSG_ERROR,
                        "copied %zu marked entries as a ticket; %zu could not be "
                        "loaded",
                        n, p->save_n - n);
        buf_free(&out);
    }
    free(list);
    marks_save_reset(p);
    p->gen++;
}

static void marks_save_finish(struct app *a)
{
    struct marks_pane *p = &a->marks;
    if (p->save_ticket) {
        marks_ticket_finish(a);
        return;
    }
    struct buf out = {0};
    size_t saved = 0;
    for (size_t i = 0; i < p->save_n; i++)
        if (p->save_entries[i].id) {
            if (!log_entry_json(&p->save_entries[i], &out))
                buf_appends(&out, "{}");
            buf_putc(&out, '\n');
            saved++;
        }
    struct omslog_error err = {0};
    if (!saved)
        app_message(a, MSG_ERROR, "nothing saved: none of the marked entries could be loaded");
    else if (fileio_write(p->save_path, out.data, out.len, p->save_overwrite, &err) != FILEIO_OK)
        app_message(a, MSG_ERROR, "%s", err.msg);
    else if (saved < p->save_n)
        app_message(a, MSG_ERROR, "saved %zu marked entries to %s; %zu could not be loaded", saved,
                    p->save_path, p->save_n - saved);
    else
        app_message(a, MSG_INFO, "saved %zu marked entries to %s", saved, p->save_path);
    buf_free(&out);
    marks_save_reset(p);
    p->gen++;
}

void marks_save_answer(struct app *a, const char *path, bool confirmed)
{
    struct marks_pane *p = &a->marks;
    size_t n = marks_count(p->set);
    if (!path || !n) {
        app_message(a, MSG_ERROR, "nothing saved: no marked entries");
        return;
    }
    if (!*path)
        path = MARKS_DEFAULT_FILE;
    struct stat st;
    if (!confirmed && lstat(path, &st) == 0) {
        free(a->save_path);
        a->save_path = xstrdup(path);
        p->confirm = true;
        prompt_open(a, PROMPT_CONFIRM, "file exists — overwrite? (y/N) ", "");
        return;
    }
    marks_gather(a, path, confirmed, false);
}

/* Collect a copy of every marked entry (from the page cache, the rest
 * fetched without blocking); marks_save_finish then saves them (path) or
 * copies them as a ticket. */
static void marks_gather(struct app *a, const char *path, bool confirmed, bool ticket)
{
    struct marks_pane *p = &a->marks;
    size_t n = marks_count(p->set);
    marks_save_reset(p);
    p->saving = true;
    p->save_ticket = ticket;
    p->save_overwrite = confirmed;
    p->save_path = path ? xstrdup(path) : NULL;
    p->save_n = n;
    p->save_ids = xcalloc(n, sizeof *p->save_ids);
    p->save_entries = xcalloc(n, sizeof *p->save_entries);
    p->save_failed = xcalloc(n, sizeof *p->save_failed);
    for (size_t i = 0; i < n; i++) {
        p->save_ids[i] = marks_at(p->set, i)->id;
        const struct log_entry *e = marks_cached(a, p->save_ids[i]);
        if (e)
            log_entry_copy(&p->save_entries[i], e);
    }
    app_message(a, MSG_INFO, "%s %zu marked entries…", ticket ? "copying" : "saving", n);
    marks_pump(a);
}

/* ---- keys ---- */

static unsigned marks_unmark(struct app *a)
{
    struct marks_pane *p = &a->marks;
    const struct mark *k = marks_at(p->set, (size_t)p->sel);
    if (!k)
        return REACT_HANDLED;
    int64_t id = k->id;
    marks_remove(p->set, id);
    p->gen++;
    app_message(a, MSG_INFO, "unmarked log %" PRId64 " (%zu marked)", id, marks_count(p->set));
    marks_persist(a);
    if (!marks_count(p->set))
        app_mode_pop(a, MODE_MARKS);
    return REACT_CHANGED;
}

unsigned marks_handle(struct app *a, const struct input *in)
{
    struct marks_pane *p = &a->marks;
    int key = in->key;
    int64_t n = (int64_t)marks_count(p->set);
    if (action_moves(in->act)) {
        int64_t before = p->sel;
        move_apply(in->act, &p->sel, n - 1, p->visible, NULL);
        return p->sel == before ? REACT_HANDLED : REACT_CHANGED;
    }
    if (in->fn ? key == KEY_ENTER : key == KEY_RETURN || key == KEY_NEWLINE) {
        const struct mark *k = marks_at(p->set, (size_t)p->sel);
        app_mode_pop(a, MODE_MARKS);
        if (k) {
            a->focus_detail = false;
            a->zoom = false;
            app_start_jump(a, k->id);
        }
        return REACT_CHANGED;
    }
    if (in->fn)
        return REACT_HANDLED;
    switch (key) {
    case 'd':
        return marks_unmark(a);
    case 'y':
        if (!p->saving && n > 0)
            marks_gather(a, NULL, false, true);
        return REACT_CHANGED;
    case 's':
        prompt_open(a, PROMPT_MARKS_SAVE,
                    "save the marked entries (JSONL) as: ", MARKS_DEFAULT_FILE);
        return REACT_CHANGED;
    case 'q':
    case 'M':
    case KEY_ESCAPE:
        app_mode_pop(a, MODE_MARKS);
        return REACT_CHANGED;
    default:
        /* Help and redraw work here as everywhere. */
        if (in->act == ACT_HELP) {
            help_open(a);
            return REACT_CHANGED;
        }
        if (in->act == ACT_REDRAW) {
            clearok(curscr, TRUE);
            return REACT_CHANGED;
        }
        return REACT_HANDLED;
    }
}
