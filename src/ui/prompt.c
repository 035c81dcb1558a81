/* prompt.c — the one-line editor on the status line: jump, level, app, &, search,
 * save path and yes/no questions. Each kind keeps its own history (Up/Down);
 * the app prompt completes names seen so far with Tab. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "app.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

#define KEY_BACKSPACE_ASCII 8

void prompt_init(struct prompt *p)
{
    memset(p, 0, sizeof *p);
}

void prompt_free(struct prompt *p)
{
    for (int k = 0; k < PROMPT_KIND_COUNT; k++)
        for (size_t i = 0; i < p->hist[k].n; i++)
            free(p->hist[k].items[i]);
    buf_free(&p->text);
    free(p->complete_base);
    memset(p, 0, sizeof *p);
}

static void history_add(struct prompt_history *h, const char *s)
{
    if (!*s || (h->n && strcmp(h->items[h->n - 1], s) == 0))
        return;
    if (h->n == PROMPT_HISTORY_MAX) {
        free(h->items[0]);
        memmove(&h->items[0], &h->items[1], (h->n - 1) * sizeof h->items[0]);
        h->n--;
    }
    h->items[h->n++] = xstrdup(s);
}

static void complete_reset(struct prompt *p)
{
    free(p->complete_base);
    p->complete_base = NULL;
    p->complete_index = 0;
}

void prompt_open(struct app *a, enum prompt_kind kind, const char *label, const char *initial)
{
    struct prompt *p = &a->prompt;
    p->kind = kind;
    snprintf(p->label, sizeof p->label, "%s", label);
    buf_reset(&p->text);
    buf_appends(&p->text, initial ? initial : "");
    p->hist_pos = p->hist[kind].n;
    complete_reset(p);
    app_mode_push(a, MODE_PROMPT);
    curs_set(1);
}

static void prompt_close(struct app *a)
{
    app_mode_pop(a, MODE_PROMPT);
    complete_reset(&a->prompt);
    curs_set(0);
}

void prompt_draw(struct app *a)
{
    struct prompt *p = &a->prompt;
    int y = a->rows - 1;
    struct buf line = {0};
    buf_appends(&line, p->label);
    /* What the user typed is shown sanitised too: a pasted escape stays inert. */
    sanitize_append(&line, p->text.data ? p->text.data : "", p->text.len, SANITIZE_ONE_LINE);
    int w = text_width(line.data, line.len);
    if (w >= a->cols) {
        /* Show the end, where the cursor is: skip the shortest prefix that
         * leaves less than cols columns, measured once (a wide character
         * may pass the first width, hence the second). */
        int skipped;
        size_t skip = text_prefix_for_width(line.data, line.len, w - a->cols + 1, &skipped);
        if (w - skipped >= a->cols)
            skip = text_prefix_for_width(line.data, line.len, w - a->cols + 2, &skipped);
        draw_text(y, 0, line.data + skip, line.len - skip, a->cols, A_NORMAL, true);
        move(y, a->cols - 1);
    } else {
        draw_text(y, 0, line.data, line.len, a->cols, A_NORMAL, true);
        move(y, w);
    }
    buf_free(&line);
}

static void delete_last_char(struct buf *b)
{
    if (!b->len)
        return;
    b->len = utf8_prefix(b->data, b->len, b->len - 1);
    b->data[b->len] = '\0';
}

static void set_text(struct prompt *p, const char *s)
{
    buf_reset(&p->text);
    buf_appends(&p->text, s);
}

/* Tab in the app prompt: complete the last comma-separated item from the
 * apps seen; repeated Tabs cycle through the candidates. */
static void complete_app(struct app *a)
{
    struct prompt *p = &a->prompt;
    if (!p->complete_base) {
        p->complete_base = xstrdup(buf_str(&p->text));
        p->complete_index = 0;
    }
    const char *base = p->complete_base;
    const char *comma = strrchr(base, ',');
    size_t head = comma ? (size_t)(comma - base) + 1 : 0;
    while (base[head] == ' ')
        head++;
    const char *partial = base + head;
    const char *const *apps;
    size_t n = store_apps_seen(a->store, &apps);
    size_t matches = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(apps[i], partial, strlen(partial)) == 0)
            matches++;
    if (!matches) {
        app_message(a, MSG_INFO, "no app seen starts with \"%s\"", partial);
        return;
    }
    size_t want = (size_t)p->complete_index % matches, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(apps[i], partial, strlen(partial)) != 0)
            continue;
        if (k++ == want) {
            buf_reset(&p->text);
            buf_append(&p->text, base, head);
            buf_appends(&p->text, apps[i]);
            break;
        }
    }
    p->complete_index++;
    if (matches > 1)
        app_message(a, MSG_INFO, "%zu apps match (Tab for the next)", matches);
}

static void submit_level(struct app *a, const char *s)
{
    if (!*s) {
        a->filter.min_level = a->filter.exact_level = FILTER_LEVEL_NONE;
        app_set_filter(a);
        return;
    }
    bool exact = s[0] == '=';
    int level;
    if (level_parse(exact ? s + 1 : s, &level) != 0) {
        app_message(a, MSG_ERROR,
                    "unknown level \"%s\": use a name (debug, info, warning, error, "
                    "critical) or a number",
                    s);
        return;
    }
    a->filter.min_level = exact ? FILTER_LEVEL_NONE : level;
    a->filter.exact_level = exact ? level : FILTER_LEVEL_NONE;
    app_set_filter(a);
}

static void submit(struct app *a, enum prompt_kind kind, const char *s)
{
    switch (kind) {
    case PROMPT_JUMP: {
        while (*s == ' ' || *s == '#')
            s++;
        int64_t id;
        if (parse_int64(s, &id) != 0 || id <= 0) {
            app_message(a, MSG_ERROR, "not a log id: \"%s\"", s);
            return;
        }
        app_start_jump(a, id);
        return;
    }
    case PROMPT_LEVEL:
        submit_level(a, s);
        return;
    case PROMPT_TIME:
        app_start_time_jump(a, s);
        return;
    case PROMPT_APP:
        app_submit_apps(a, s);
        return;
    case PROMPT_APP_UNKNOWN:
        app_answer_apps(a, s[0] == 'y' || s[0] == 'Y');
        return;
    case PROMPT_PATTERN:
        app_submit_pattern(a, s);
        return;
    case PROMPT_SEARCH: {
        struct omslog_error err = {0};
        if (filter_set_search(&a->search, s, false, &err) != OMSLOG_OK) {
            app_message(a, MSG_ERROR, "%s", err.msg);
            return;
        }
        if (*s)
            app_start_find(a, FIND_SEARCH, 1);
        else
            app_message(a, MSG_INFO, "search cleared");
        return;
    }
    case PROMPT_SAVE:
        yank_save_answer(a, s, false);
        return;
    case PROMPT_MARKS_SAVE:
        marks_save_answer(a, s, false);
        return;
    case PROMPT_CONFIRM: {
        if (a->scan.asking) {
            scan_gate_answer(a, s[0] == 'y' || s[0] == 'Y');
            return;
        }
        bool marks = a->marks.confirm;
        a->marks.confirm = false;
        if ((s[0] == 'y' || s[0] == 'Y') && marks)
            marks_save_answer(a, a->save_path, true);
        else if (s[0] == 'y' || s[0] == 'Y')
            yank_save_answer(a, a->save_path, true);
        else
            app_message(a, MSG_INFO, "not saved");
        free(a->save_path);
        a->save_path = NULL;
        return;
    }
    default:
        return;
    }
}

static void prompt_key(struct app *a, int key, bool function_key)
{
    struct prompt *p = &a->prompt;
    struct prompt_history *h = &p->hist[p->kind];
    if (function_key) {
        switch (key) {
        case KEY_BACKSPACE:
            delete_last_char(&p->text);
            break;
        case KEY_ENTER:
            goto enter;
        case KEY_UP:
            if (p->hist_pos > 0)
                set_text(p, h->items[--p->hist_pos]);
            break;
        case KEY_DOWN:
            if (p->hist_pos < h->n) {
                p->hist_pos++;
                set_text(p, p->hist_pos < h->n ? h->items[p->hist_pos] : "");
            }
            break;
        default:
            break;
        }
        if (key != KEY_BACKSPACE)
            return;
        complete_reset(p);
        return;
    }
    if (key == KEY_RETURN || key == KEY_NEWLINE)
        goto enter;
    if (key == KEY_ESCAPE || key == KEY_CTRL('c') || key == KEY_CTRL('g')) {
        prompt_close(a);
        if (p->kind == PROMPT_CONFIRM) {
            free(a->save_path);
            a->save_path = NULL;
            a->marks.confirm = false;
        }
        app_answer_apps(a, false);
        app_message(a, MSG_INFO, "cancelled");
        if (p->kind == PROMPT_CONFIRM && a->scan.asking)
            scan_gate_answer(a, false);
        return;
    }
    if (key == KEY_TAB) {
        if (p->kind == PROMPT_APP)
            complete_app(a);
        return;
    }
    complete_reset(p);
    if (key == KEY_DEL || key == KEY_BACKSPACE_ASCII) {
        delete_last_char(&p->text);
        return;
    }
    if (key == KEY_CTRL('u')) {
        buf_reset(&p->text);
        return;
    }
    if (key < ' ')
        return;
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(mb, (wchar_t)key, &st);
    if (n != (size_t)-1)
        buf_append(&p->text, mb, n);
    if (p->kind == PROMPT_CONFIRM || p->kind == PROMPT_APP_UNKNOWN)
        goto enter; /* one key answers */
    return;
enter:;
    char *text = xstrdup(buf_str(&p->text));
    enum prompt_kind kind = p->kind;
    if (kind != PROMPT_CONFIRM && kind != PROMPT_APP_UNKNOWN)
        history_add(h, text);
    prompt_close(a);
    submit(a, kind, text);
    free(text);
}

/* Every key edits, moves through the history or closes: always a redraw. */
unsigned prompt_handle(struct app *a, const struct input *in)
{
    prompt_key(a, in->key, in->fn);
    return REACT_CHANGED;
}
