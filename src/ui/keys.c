/* keys.c — the one key table: the event loop dispatches from it and the help
 * screen is generated from it, so the two cannot drift apart. Also what its
 * movement actions do, for every pane (move_apply). */
#include <string.h>

#include "app.h"
#include "omslog/level.h"
#include "omslog/util.h"

#define HELP_KEYS_COLS 24

#define CH(k, act, arg, name, help)                                                               \
    {                                                                                             \
        (k), false, (act), (arg), (name), (help)                                                  \
    }
#define FN(k, act, arg, name, help)                                                               \
    {                                                                                             \
        (k), true, (act), (arg), (name), (help)                                                   \
    }

static const struct key_binding key_table[] = {
    CH('j', ACT_DOWN, 0, "j", "next entry (in the detail pane: scroll down)"),
    FN(KEY_DOWN, ACT_DOWN, 0, "Down", NULL),
    CH('k', ACT_UP, 0, "k", "previous entry (in the detail pane: scroll up)"),
    FN(KEY_UP, ACT_UP, 0, "Up", NULL),
    FN(KEY_NPAGE, ACT_PAGE_DOWN, 0, "PgDn", "page down"),
    CH(' ', ACT_PAGE_DOWN, 0, "Space", NULL),
    FN(KEY_PPAGE, ACT_PAGE_UP, 0, "PgUp", "page up"),
    CH('b', ACT_PAGE_UP, 0, "b", NULL),
    CH(KEY_CTRL('d'), ACT_HALF_DOWN, 0, "Ctrl-D", "half a page down"),
    CH(KEY_CTRL('u'), ACT_HALF_UP, 0, "Ctrl-U", "half a page up"),
    CH('g', ACT_FIRST, 0, "g", "first (newest) entry"),
    FN(KEY_HOME, ACT_FIRST, 0, "Home", NULL),
    CH('G', ACT_LAST, 0, "G", "last (oldest) entry: loads the last page directly"),
    FN(KEY_END, ACT_LAST, 0, "End", NULL),
    CH(KEY_RETURN, ACT_FOCUS, 0, "Enter", "focus the detail pane (Tab, q or Esc return)"),
    CH(KEY_NEWLINE, ACT_FOCUS, 0, NULL, NULL),
    FN(KEY_ENTER, ACT_FOCUS, 0, NULL, NULL),
    CH(KEY_TAB, ACT_FOCUS, 0, "Tab", NULL),
    CH(KEY_ESCAPE, ACT_BACK, 0, "Esc", "back to the list; cancel a search or jump"),
    CH('z', ACT_ZOOM, 0, "z", "zoom the detail pane to the full screen"),
    CH('v', ACT_SPLIT, 0, "v", "detail below the list / side by side"),
    CH(':', ACT_JUMP, 0, ":", "jump to a log id"),
    CH('#', ACT_JUMP, 0, "#", NULL),
    CH('@', ACT_TIME_JUMP, 0, "@",
       "jump to a time: 10:00, -2h, yesterday 14:00, 2023-12-02T10:00Z"),
    CH('e', ACT_NEXT_ERROR, 0, "e", "next ERROR or CRITICAL entry"),
    CH('E', ACT_PREV_ERROR, 0, "E", "previous ERROR or CRITICAL entry"),
    CH('w', ACT_NEXT_WARNING, 0, "w", "next WARNING-or-above entry"),
    CH('W', ACT_PREV_WARNING, 0, "W", "previous WARNING-or-above entry"),
    CH('0', ACT_MIN_LEVEL, FILTER_LEVEL_NONE, "0", "show all levels"),
    CH('1', ACT_MIN_LEVEL, LEVEL_DEBUG, "1", "show DEBUG and above"),
    CH('2', ACT_MIN_LEVEL, LEVEL_INFO, "2", "show INFO and above"),
    CH('3', ACT_MIN_LEVEL, LEVEL_WARNING, "3", "show WARNING and above"),
    CH('4', ACT_MIN_LEVEL, LEVEL_ERROR, "4", "show ERROR and above"),
    CH('5', ACT_MIN_LEVEL, LEVEL_CRITICAL, "5", "show CRITICAL only"),
    CH('l', ACT_LEVEL_PROMPT, 0, "l", "level filter: name or number and above, =name exactly"),
    CH('a', ACT_APP_PROMPT, 0, "a", "app filter: comma-separated, !app excludes, Tab completes"),
    CH('&', ACT_PATTERN_PROMPT, 0, "&", "only entries matching a regex (&!regex hides them)"),
    CH('c', ACT_CLEAR_FILTERS, 0, "c", "clear all filters"),
    CH('/', ACT_SEARCH, 0, "/", "search (regular expression, case-insensitive)"),
    CH('n', ACT_SEARCH_NEXT, 0, "n", "next match"),
    CH('N', ACT_SEARCH_PREV, 0, "N", "previous match"),
    CH('r', ACT_RELOAD, 0, "r", "reload from the first page; retry failed pages"),
    CH('F', ACT_FOLLOW, 0, "F", "follow mode: poll for new entries (tail -f at the top)"),
    CH('y', ACT_YANK, 0, "y", "copy: JSON, message, trace, URL, curl, ticket, text"),
    CH('s', ACT_SAVE, 0, "s", "save the entry as JSON"),
    CH('o', ACT_PAGER, 0, "o", "open the trace in $PAGER"),
    CH('f', ACT_FOLD, 0, "f", "fold / unfold library frames in the trace"),
    CH(']', ACT_NEXT_FRAME, 0, "]", "next trace frame"),
    CH('[', ACT_PREV_FRAME, 0, "[", "previous trace frame"),
    CH(KEY_CTRL('w'), ACT_WRAP, 0, "Ctrl-W", "wrap long lines in the detail pane on/off"),
    CH('u', ACT_UTC, 0, "u", "local time / UTC"),
    CH('S', ACT_SUMMARY, 0, "S", "summary: counts per level, app, exception"),
    CH('m', ACT_MARK, 0, "m", "mark / unmark the entry (marks are kept per server)"),
    CH('M', ACT_MARKS, 0, "M", "marked entries: Enter jumps, d unmarks, s saves, y copies"),
    CH('?', ACT_HELP, 0, "?", "this help"),
    FN(KEY_F(1), ACT_HELP, 0, "F1", NULL),
    CH(KEY_CTRL('l'), ACT_REDRAW, 0, "Ctrl-L", "redraw the screen"),
    CH('q', ACT_QUIT, 0, "q", "quit (in the detail pane: back to the list)"),
    CH(KEY_CTRL('c'), ACT_QUIT, 0, "Ctrl-C", NULL),
};

const struct key_binding *keys_table(size_t *n)
{
    *n = ARRAY_LEN(key_table);
    return key_table;
}

enum action keys_lookup(int key, bool function_key, int *arg)
{
    for (size_t i = 0; i < ARRAY_LEN(key_table); i++)
        if (key_table[i].key == key && key_table[i].function_key == function_key) {
            if (arg)
                *arg = key_table[i].arg;
            return key_table[i].action;
        }
    return ACT_NONE;
}

void keys_help_text(struct buf *out)
{
    size_t n = ARRAY_LEN(key_table);
    for (size_t i = 0; i < n; i++) {
        const struct key_binding *k = &key_table[i];
        if (!k->help)
            continue;
        /* Every key of the same action (and argument) on one line. */
        struct buf keys = {0};
        for (size_t j = 0; j < n; j++) {
            const struct key_binding *o = &key_table[j];
            if (o->action != k->action || o->arg != k->arg || !o->name)
                continue;
            if (keys.len)
                buf_appends(&keys, ", ");
            buf_appends(&keys, o->name);
        }
        buf_printf(out, "  %-*s %s\n", HELP_KEYS_COLS, buf_str(&keys), k->help);
        buf_free(&keys);
    }
}

bool action_moves(enum action act)
{
    return act >= ACT_DOWN && act <= ACT_LAST;
}

bool move_apply(enum action act, int64_t *pos, int64_t last, int64_t visible, int64_t *step)
{
    int64_t page = visible > 1 ? visible - 1 : 1;
    int64_t half = visible / 2 > 0 ? visible / 2 : 1;
    int64_t by = 0, to;
    switch (act) {
    case ACT_DOWN:
        by = 1;
        break;
    case ACT_UP:
        by = -1;
        break;
    case ACT_PAGE_DOWN:
        by = page;
        break;
    case ACT_PAGE_UP:
        by = -page;
        break;
    case ACT_HALF_DOWN:
        by = half;
        break;
    case ACT_HALF_UP:
        by = -half;
        break;
    case ACT_FIRST:
    case ACT_LAST:
        break;
    default:
        return false; /* not a movement (action_moves) */
    }
    if (last < 0)
        last = 0;
    if (act == ACT_FIRST)
        to = 0;
    else if (act == ACT_LAST)
        to = last;
    else if (by > 0 && *pos > INT64_MAX - by)
        to = last; /* a server may claim up to INT64_MAX rows */
    else if (by < 0 && *pos < INT64_MIN - by)
        to = 0;
    else
        to = *pos + by;
    *pos = to < 0 ? 0 : to > last ? last : to;
    if (step)
        *step = by;
    return true;
}
