/* app.h — the browser's private interface (src/ui/ only): the single struct
 * app, the named actions of the key table, and each pane's state with its
 * draw and handle functions, reached through one table of operations
 * (app.c). The open modes are a stack: the top one gets the keys, and
 * handle says what needs redrawing. Panes draw straight onto stdscr inside
 * the rectangle the layout gives them, so a resize only means a new layout. */
#ifndef OMSLOG_UI_APP_H
#define OMSLOG_UI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omslog/api.h"
#include "omslog/buf.h"
#include "omslog/caps.h"
#include "omslog/config.h"
#include "omslog/filesrc.h"
#include "omslog/filter.h"
#include "omslog/seek.h"
#include "omslog/store.h"

/* ---- actions and the key table (keys.c) ---- */

enum action {
    ACT_NONE,
    ACT_QUIT,
    ACT_DOWN, /* the movements, ACT_DOWN to ACT_LAST, stay together */
    ACT_UP,
    ACT_PAGE_DOWN,
    ACT_PAGE_UP,
    ACT_HALF_DOWN,
    ACT_HALF_UP,
    ACT_FIRST,
    ACT_LAST,
    ACT_FOCUS,
    ACT_BACK,
    ACT_ZOOM,
    ACT_SPLIT,
    ACT_JUMP,
    ACT_TIME_JUMP,
    ACT_NEXT_ERROR,
    ACT_PREV_ERROR,
    ACT_NEXT_WARNING,
    ACT_PREV_WARNING,
    ACT_MIN_LEVEL,
    ACT_LEVEL_PROMPT,
    ACT_APP_PROMPT,
    ACT_PATTERN_PROMPT,
    ACT_CLEAR_FILTERS,
    ACT_SEARCH,
    ACT_SEARCH_NEXT,
    ACT_SEARCH_PREV,
    ACT_RELOAD,
    ACT_FOLLOW,
    ACT_YANK,
    ACT_SAVE,
    ACT_PAGER,
    ACT_FOLD,
    ACT_NEXT_FRAME,
    ACT_PREV_FRAME,
    ACT_WRAP,
    ACT_UTC,
    ACT_SUMMARY,
    ACT_MARK,
    ACT_MARKS,
    ACT_HELP,
    ACT_REDRAW,
    ACT_COUNT
};

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESCAPE 27
#define KEY_TAB '\t'
#define KEY_RETURN '\r'
#define KEY_NEWLINE '\n'
#define KEY_DEL 127

struct key_binding {
    int key;           /* a character or a KEY_* code */
    bool function_key; /* key is a KEY_* code (get_wch returned KEY_CODE_YES) */
    enum action action;
    int arg;          /* e.g. the level of ACT_MIN_LEVEL */
    const char *name; /* as shown in the help: "j", "Down", "Ctrl-D" */
    const char *help; /* one line; the first binding of an action carries it */
};

const struct key_binding *keys_table(size_t *n);
/* The action of a key (ACT_NONE when unbound); *arg gets the binding's arg. */
enum action keys_lookup(int key, bool function_key, int *arg);
/* The help screen: one line per action ("j, Down      next entry"), '\n'-separated. */
void keys_help_text(struct buf *out);

/* ---- looks (theme.c) ---- */

enum style {
    STYLE_NORMAL,
    STYLE_LEVEL_NOTSET, /* the six level styles follow enum level_class */
    STYLE_LEVEL_DEBUG,
    STYLE_LEVEL_INFO,
    STYLE_LEVEL_WARNING,
    STYLE_LEVEL_ERROR,
    STYLE_LEVEL_CRITICAL,
    STYLE_BAR,
    STYLE_BAR_ERROR,
    STYLE_PLACEHOLDER,
    STYLE_FAILED,
    STYLE_MATCH,
    STYLE_NEW,
    STYLE_LABEL,
    STYLE_TRACE_HEADER,
    STYLE_TRACE_FRAME,
    STYLE_TRACE_CODE,
    STYLE_TRACE_EXCEPTION,
    STYLE_FOLDED,
    STYLE_TITLE,
    STYLE_PRODUCTION, /* the header's name of a production profile */
    STYLE_COUNT
};

void theme_init(bool color);
attr_t theme_attr(enum style s);
enum style theme_level_style(int level);

/* ---- drawing helpers (draw.c); text must already be sanitised ---- */

/* Draw s cut to cols columns at (y, x), padding with spaces when pad.
 * Returns the columns drawn. */
int draw_text(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad);
/* A byte range [start, end) of a text to highlight. */
struct draw_range {
    size_t start, end;
};
/* Every match of the search in text[0..len) (NUL-terminated), ascending and
 * disjoint, at most max of them; returns how many. */
#define DRAW_MATCH_MAX 64
size_t draw_search_ranges(const struct filter *search, const char *text, size_t len,
                          struct draw_range *out, size_t max);
/* draw_text with each range drawn in hl_attr. */
int draw_text_ranges(int y, int x, const char *s, size_t len, int cols, attr_t attr, bool pad,
                     const struct draw_range *hl, size_t n_hl, attr_t hl_attr);
void draw_fill(int y, int x, int cols, attr_t attr);
/* The most bytes of text a cols-wide cell shows: DRAW_BYTES_PER_COL per
 * column, room for a character and the zero-width ones a terminal stacks
 * on it. draw_text elides what lies beyond (an ellipsis marks the cut), so
 * drawing costs what fits, however long the text; callers sanitise no
 * more than this (plus one byte, to show the cut). */
#define DRAW_BYTES_PER_COL 32
size_t draw_cell_bytes(int cols);
/* How many bytes of raw server text to sanitise for a one-line cell that
 * shows at most need bytes: enough that draw_text shows the cut when there
 * is more, however long the text. */
size_t draw_raw_prefix(const char *raw, size_t need);
/* Sanitise raw server text into out (cleared first). */
void draw_sanitize(struct buf *out, const char *raw, unsigned flags);
/* 1234567 → "1,234,567" */
const char *draw_count(int64_t n, char buf[32]);

struct rect {
    int y, x, h, w;
};

/* ---- panes, modes and movement ---- */

/* What handling a key did (htop's HandlerResult), as flags. */
enum reaction {
    REACT_IGNORED = 0,      /* not this pane's key: the one below may take it */
    REACT_HANDLED = 1 << 0, /* taken */
    REACT_REDRAW = 1 << 1,  /* the frame must be drawn again */
};
#define REACT_CHANGED (REACT_HANDLED | REACT_REDRAW)

/* A key as the panes see it: the raw key for those that edit text or pick
 * by digit (prompt, yank menu), its action in the key table for the rest. */
struct input {
    int key;
    bool fn; /* key is a KEY_* code */
    enum action act;
    int arg;
};

/* The browser (list and detail) is always at the bottom of the stack. */
enum mode { MODE_BROWSE, MODE_HELP, MODE_SUMMARY, MODE_MARKS, MODE_YANK, MODE_PROMPT, MODE_COUNT };

struct app;

struct pane_ops {
    void (*draw)(struct app *a);
    unsigned (*handle)(struct app *a, const struct input *in); /* enum reaction flags */
    bool covers_body; /* the modes below need not be drawn */
    bool owns_footer; /* drawn on the status line instead of it */
};

/* While true (the pager owns the terminal), a quit signal waits for the
 * loop instead of ending omslog after APP_QUIT_GRACE_MS. */
void app_quit_watchdog_hold(bool hold);

void app_mode_push(struct app *a, enum mode m);
/* Closes m and whatever was opened above it; nothing when m is not open. */
void app_mode_pop(struct app *a, enum mode m);
bool app_mode_open(const struct app *a, enum mode m);

/* The one movement routine: applies a movement action (down, up, page, half
 * a page, first, last) to *pos within [0, last] when `visible` rows show (a
 * page is visible - 1 rows, half a page visible / 2, at least one each).
 * *step gets the relative move before clamping (0 for first and last), so
 * that a pane can move its view by as much. False when act is no movement. */
bool move_apply(enum action act, int64_t *pos, int64_t last, int64_t visible, int64_t *step);
bool action_moves(enum action act);

struct list_pane {
    struct rect r;
    int64_t top;
    int64_t sel;
    int64_t sel_id; /* id of the selected entry, 0 while unknown */
    int last_dir;   /* scroll direction, for prefetching */
};

struct dline {
    char *text; /* sanitised, owned */
    size_t len;
    enum style style;
    int frame; /* trace frame index, or -1 */
};

struct detail_pane {
    struct rect r;
    int64_t id; /* entry shown, 0 for none */
    int built_width;
    bool built_wrap, built_fold, built_utc;
    struct dline *lines;
    size_t n, cap;
    size_t top;
    bool wrap;
    bool fold;
    size_t *frame_lines; /* display line of each frame's "File" line */
    size_t n_frames;
};

enum prompt_kind {
    PROMPT_JUMP,
    PROMPT_LEVEL,
    PROMPT_APP,
    PROMPT_SEARCH,
    PROMPT_SAVE,
    PROMPT_MARKS_SAVE,
    PROMPT_CONFIRM,
    PROMPT_TIME,
    PROMPT_PATTERN,     /* & */
    PROMPT_APP_UNKNOWN, /* y/n: filter by an app no entry seen carries */
    PROMPT_KIND_COUNT
};

#define PROMPT_HISTORY_MAX 50

struct prompt_history {
    char *items[PROMPT_HISTORY_MAX];
    size_t n;
};

struct prompt {
    enum prompt_kind kind;
    char label[256]; /* long enough for the unknown-app question */
    struct buf text;
    size_t hist_pos; /* n = editing a new line */
    struct prompt_history hist[PROMPT_KIND_COUNT];
    int complete_index;  /* Tab cycles through candidates */
    char *complete_base; /* what was typed before the first Tab */
};

struct summary_pane {
    bool loaded; /* sum holds a summary to free */
    struct store_summary sum;
    /* Levels and apps counted by the server (serverview_summary_*): exact
     * over the whole view, whose size is exact_total. */
    bool exact, counting;
    int64_t exact_total;
    /* A file's summary is counted a slice a turn of the loop
     * (source_summary_step): the tally of its rows [0, file_counted) so
     * far; NULL when no count is pending. */
    struct store_tally *tally;
    int64_t file_counted;
    size_t sel;
    size_t top;
};

struct yank_menu {
    size_t sel;
};

/* The marked entries (M): their summaries are fetched while shown, their
 * JSON while being saved, at most MARKS_PANE_FETCH requests at a time. */
#define MARKS_PANE_FETCH 8

struct marks_fetch {
    int64_t id;
    int req;
};

struct marks_pane {
    struct marks *set; /* NULL: marks are unavailable (message says why) */
    int64_t sel, top;
    int visible; /* rows shown at the last draw */
    struct marks_fetch fetch[MARKS_PANE_FETCH];
    size_t n_fetch;
    unsigned gen; /* bumped on every change the screen shows */
    /* s: a save in progress gathers a copy of each marked entry (oldest
     * first, as save_ids), from the page cache or fetched. */
    bool saving;
    bool save_overwrite;
    bool save_ticket; /* y: copy them as one ticket instead of saving */
    char *save_path;
    int64_t *save_ids;
    struct log_entry *save_entries; /* id 0 while not had yet */
    bool *save_failed;
    size_t save_n;
    bool confirm; /* the open PROMPT_CONFIRM is about the marks' file */
};

enum find_kind { FIND_ERROR, FIND_WARNING, FIND_SEARCH };

/* What a status-line message is, so that code decides on the kind and never
 * on the text: a page error clears itself once every page has loaded. */
enum message_kind {
    MSG_INFO,
    MSG_ERROR,
    MSG_ERROR_PAGE, /* pages failed to load: over when none has */
};

/* A file's requests, answered at the next source_poll (source.c). */
#define SOURCE_QUEUE_MAX 32
struct source_req {
    int id;
    enum api_kind kind;
    long page;
    int64_t entry;
    long size; /* rows a page */
};
struct source_queue {
    struct source_req req[SOURCE_QUEUE_MAX];
    size_t n;
    int last_id;
};
struct serverview;
struct findserver;

struct app {
    const struct config *cfg;
    struct api *api;      /* NULL when browsing a file */
    struct filesrc *file; /* omslog open: the entries come from it, not from api */
    bool reprobe;         /* --reprobe: the remembered verdicts are not used */
    struct source_queue fileq;
    struct store *store;
    struct serverview *sv; /* server-side filtering (serverview.c) */
    struct findserver *fs; /* finds the server answers (findserver.c) */
    int rows, cols;

    enum mode modes[MODE_COUNT]; /* the open modes, bottom first */
    size_t n_modes;

    bool focus_detail;
    bool zoom;
    bool split;
    size_t help_top;
    bool quit;
    bool utc;
    bool color;

    struct list_pane list;
    struct detail_pane detail;
    struct prompt prompt;
    struct summary_pane summary;
    struct yank_menu yank;
    struct marks_pane marks;

    struct filter filter; /* level and app: the view */
    struct filter search; /* the / pattern: n/N and highlighting */

    char message[OMSLOG_ERROR_MSG_MAX];
    enum message_kind message_kind;

    struct {
        bool asking;        /* the y/n question of a big scan is open */
        bool stopped;       /* declined or stopped: the scan asks for nothing */
        bool for_find;      /* the question is about a find (e, w, n, /), not a filter */
        bool find_ok;       /* this find was allowed to read on */
        bool pending;       /* a check waits for the count (scan_gate_recheck) */
        int64_t find_start; /* the row this find started from */
        long page_size;     /* entries of a full page, as seen */
        long pages_loaded;  /* pages arrived, in busy_ms of requests in flight: the rate */
        int64_t busy_ms, busy_since, last_ms;
    } scan;

    bool follow;
    int64_t next_follow_ms;
    int64_t new_mark_id; /* entries above this id are new (follow mode) */
    /* Follow mode: the newest entry the user has seen on the first row, and
     * how many rows of the view are newer ("+12 new" until g). */
    int64_t follow_seen_id;
    int64_t follow_new;

    char *pending_apps; /* the app filter waiting for its y/n (PROMPT_APP_UNKNOWN) */

    struct {
        bool active;
        enum find_kind kind;
        int dir;
        int64_t from;
    } find;

    struct {
        int64_t id;    /* the id being looked for, 0 when none */
        int entry_req; /* request for /{id}/, 0 when none */
        bool counting; /* serverview's id__lte=ID is out */
        long requests; /* sent for this jump (the locate's pages aside) */
        bool locating;
        bool missing;      /* the server said 404: locating where it would be */
        int64_t hidden_id; /* hidden by the filters: c clears them and jumps */
    } jump;

    /* @: the seek for the newest entry at or before a time (seek.h) over
     * the unfiltered log, then its row; under a filter, the nearest older
     * match once the filter's scan is done. */
    struct {
        bool seeking, waiting_scan;
        bool locating; /* the entry found, by its id (store locate) */
        struct seek seek;
        int req; /* the seek's request in flight, 0: none */
        long asked_size;
        struct log_time at;
        int64_t id;              /* the entry found */
        char lte[CAPS_NAME_MAX]; /* created_at__lte as the server calls it */
    } tjump;

    char *save_path; /* waiting for an overwrite confirmation */

    /* Text the frame is built in, kept from frame to frame so that drawing
     * allocates nothing once these have grown. Freed in app_free. */
    struct buf status_line; /* status.c: the header or the status line */
    struct buf status_aux;  /* status.c: the filter description, the search */
    struct buf help_text;   /* help.c: the help screen */

    unsigned long frames_drawn;
    const char *draws_path; /* OMSLOG_DEBUG_DRAWS: where frames_drawn goes */
    int debug_key_ms;       /* OMSLOG_DEBUG_SLOW_KEYS: each key busy for this long (tests) */
};

/* app.c */
void app_message(struct app *a, enum message_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_message_clear(struct app *a);
const struct log_entry *app_selected(struct app *a);
void app_select(struct app *a, int64_t row, bool center);
void app_set_filter(struct app *a);
void app_start_find(struct app *a, enum find_kind kind, int dir);
/* Whether e is what the find under way looks for (its kind's predicate). */
bool app_find_match(struct app *a, const struct log_entry *e);
void app_start_jump(struct app *a, int64_t id);
/* @: text is a time (datetime_parse_user) in the zone the screen shows. */
void app_start_time_jump(struct app *a, const char *text);
/* The a prompt's answer: applied, or first a y/n when it names an app no
 * entry seen so far carries; app_answer_apps takes that answer. */
void app_submit_apps(struct app *a, const char *csv);
void app_answer_apps(struct app *a, bool yes);
/* The & prompt's answer: one more pattern ("!re" hides), empty clears them. */
void app_submit_pattern(struct app *a, const char *spec);
void app_layout(struct app *a);
/* Cancel every page request the store made (its pages are of no use now). */
void app_cancel_pages(struct app *a);

/* serverview.c: server-side filtering in the browser. A filter change goes
 * through serverview_set_filter (the server's filtered query at once where
 * remembered verdicts prove it or, in a first session, once a guess's first
 * page has passed; else the client scans at once; a negotiation in the
 * background, sent once that first page has answered, checks, replaces or
 * drops it);
 * page requests carry serverview_page_params; every result is offered to
 * serverview_result first, and serverview_after_page runs after a page is
 * stored (it catches a liar or a wrong guess and falls back to the scan). */
void serverview_init(struct app *a);
void serverview_free(struct app *a);
void serverview_schedule(struct app *a);
/* Milliseconds until serverview_schedule has something to start (the
 * start-up probes, once the pages have been quiet a moment), -1: none. */
int serverview_wake_ms(const struct app *a);
void serverview_set_filter(struct app *a);
void serverview_page_params(const struct app *a, const struct url_param **params, size_t *n);
bool serverview_result(struct app *a, struct api_result *r);
void serverview_after_page(struct app *a);
bool serverview_honours(const struct app *a, enum caps_param p);
/* The name p is sent under when it is honoured, else NULL (what is not
 * known yet is looked up again in the per-origin cache first). */
const char *serverview_param(struct app *a, enum caps_param p);
/* The server filters the view now; serverview_describe says what ran where
 * ("server: level>=ERROR app=wms · client: ..."). */
bool serverview_active(const struct app *a);
/* The view is several exact levels merged (mergeview.c): its pages are built
 * here, not asked of the server by number; the server's query of the view is
 * not sv's params alone. */
bool serverview_merging(const struct app *a);
/* A negotiation for the current filter (or its census of levels) is under way
 * (a big scan waits for it). */
bool serverview_negotiating(const struct app *a);
/* The server's view shown is a guess not checked yet (its count too). */
bool serverview_checking(const struct app *a);
/* A guess's first page is awaited: the client's view shows what it has but
 * scans nothing meanwhile. */
bool serverview_guessing(const struct app *a);
void serverview_describe(const struct app *a, struct buf *out);
/* The name p is sent under when it is honoured or not known yet (the
 * caller checks the answer), else NULL. */
const char *serverview_param_to_try(struct app *a, enum caps_param p);
/* p, tried, was not applied (refused: a 400): remembered (ignored, refused,
 * or a liar when it had been proven), so it is not tried again. */
void serverview_param_wrong(struct app *a, enum caps_param p, bool refused);
/* :ID in a view whose rows are the server's (unfiltered, or filtered by the
 * server alone) where id__lte is honoured or not known yet: one request of
 * id__lte=ID (one entry, the view's params). true when sent; once
 * serverview_jump_waiting is false, serverview_jump_answer gives the count
 * of entries at or below the id and the newest of them (-1: none), or false
 * when the request failed or the answer shows the parameter was not applied
 * (an entry above the id: the verdict is remembered). */
bool serverview_jump_start(struct app *a, int64_t id);
void serverview_jump_cancel(struct app *a);
bool serverview_jump_waiting(const struct app *a);
bool serverview_jump_answer(const struct app *a, int64_t *count, int64_t *first_id);
/* Follow's tick: a poll of id__gt=newest where honoured (page 1 is read
 * again only when it counts new entries), else page 1 again. */
void serverview_follow_poll(struct app *a);
/* S: where the server counts by level and app (level= and app_name=
 * honoured, nothing filtered on the client), one tiny request per level
 * and app name; when all have answered, a->summary's levels and apps are
 * replaced by the exact counts (with an "other" line for the rest). */
void serverview_summary_start(struct app *a);
void serverview_summary_cancel(struct app *a);
/* The server's answers under p were proven wrong (e.g. a keyset page with an
 * id at or above its anchor, store.h): p is not used again, and the verdict
 * (liar) is saved. */
void serverview_distrust(struct app *a, enum caps_param p);
/* The answers under p did not add up in a way a change of the log explains
 * too (old entries purged meanwhile): p is not used again this session; the
 * remembered verdict stays. */
void serverview_pause(struct app *a, enum caps_param p);

/* census.c: on a server that filters exact levels only, whether a minimum
 * level is a single exact level there: the count of each known level (the
 * standard six and those in seen) under the query's params (copied), and the
 * query's total before and after them (merge_counts_complete's proof). One
 * entry a page each, sent within api_room by census_send. CENSUS_ONE: no row
 * at or above the minimum but those of *level (or none at all: *level is the
 * minimum then); CENSUS_MANY: several levels; CENSUS_UNPROVEN: the counts do
 * not add up (a level not known, rows purged or arriving meanwhile);
 * CENSUS_FAILED: a request failed. census_free cancels what is in flight. */
enum census_state { CENSUS_RUNNING, CENSUS_ONE, CENSUS_MANY, CENSUS_UNPROVEN, CENSUS_FAILED };
struct census;
struct census *census_new(const struct url_param *params, size_t n, const char *level_key,
                          int min_level, const int *seen, size_t n_seen);
void census_free(struct app *a, struct census *c);
void census_send(struct app *a, struct census *c);
/* A result: true when it was one of the census's (then see census_state). */
bool census_result(struct census *c, const struct api_result *r);
enum census_state census_state(const struct census *c, int *level);
/* CENSUS_MANY: the levels at or above the minimum that the log holds and
 * their counts (at most cap). Returns how many. */
size_t census_present(const struct census *c, int *levels, int64_t *counts, size_t cap);

/* mergeview.c: the view of a minimum level on a server that filters exact
 * levels only and holds several of them (CENSUS_MANY): its rows are the merge
 * by id (merge.h) of one stream per level present (level=L plus the plan's
 * params, each read page by page from the top, or by id__lt below its last
 * row where honoured), its count the sum of the census's counts. The store
 * shows it as a server-filtered view (store_set_server_filter with the level
 * pushed); mergeview_pump builds, in order from the top, the pages the store
 * wants (store_wanted_pages: the merge goes on past what was built for a page
 * far below, e.g. G), and hands them to store_page_loaded with the total as
 * their count; a page built before and evicted since is built again from the
 * streams' positions at its start (kept per page: 2 numbers per stream).
 * Memory: about a page per stream, plus those positions. Every row of stream
 * L must be of level L; one that is not makes the view a liar (MV_LIAR, with
 * the row's id in *liar). mergeview_free cancels what is in flight. */
enum mv_status { MV_OK, MV_LOADED, MV_LIAR, MV_FAILED };
struct mergeview;
struct mergeview *mergeview_new(const struct url_param *params, size_t n, const char *level_key,
                                const char *lt_key, const int *levels, const int64_t *counts,
                                size_t n_levels, long page_size);
void mergeview_free(struct app *a, struct mergeview *mv);
size_t mergeview_streams(const struct mergeview *mv);
int64_t mergeview_total(const struct mergeview *mv);
/* Send what the wanted pages need and build what can be built. MV_LOADED:
 * pages went to the store (serverview_after_page is the caller's). */
enum mv_status mergeview_pump(struct app *a, struct mergeview *mv, int64_t *liar);
/* A result: true when it was one of the streams' (then *st says what came of
 * it, as mergeview_pump). */
bool mergeview_result(struct app *a, struct mergeview *mv, const struct api_result *r,
                      enum mv_status *st, int64_t *liar);
/* Rows built so far, for the progress of a merge far below. */
int64_t mergeview_built(const struct mergeview *mv);
/* Pages between what was built and the last page wanted (the merge goes on
 * towards it): *target_rows its end, *requests the streams' so far. */
long mergeview_left(const struct mergeview *mv, int64_t *target_rows, long *requests);
/* A stream's page (by number) counted its level other than the census did
 * since the last call: the log changed, the levels are to be counted again. */
bool mergeview_changed(struct mergeview *mv);
/* Whether the merge is of these levels with these counts (a census again). */
bool mergeview_same(const struct mergeview *mv, const int *levels, const int64_t *counts,
                    size_t n);

/* The search's name on the server where the verdicts (this browser's, or
 * remembered per origin) say it searches every field ours does
 * (searchcaps.h), else NULL. serverview_search_fields: the verdicts per
 * field (NULL: no server to ask); serverview_search_learnt: a probe's,
 * remembered. */
const char *serverview_search_param(struct app *a);
const enum caps_verdict *serverview_search_fields(struct app *a);
void serverview_search_learnt(struct app *a, const enum caps_verdict *fields);
/* Whether a negotiation is under way, whose verdicts a caller waits for;
 * start: when none is and some of which[0..n) are not known, one that
 * probes them starts now. */
bool serverview_probing(struct app *a, const enum caps_param *which, size_t n, bool start);

/* findserver.c: a find (e/E, w/W, n/N) asked of the server where it can
 * answer (see there). findserver_start: the rows up to the match are not
 * loaded; true when the server was asked (the find waits for it), false
 * when the find is to scan. findserver_result takes its answers;
 * findserver_progress, called each turn, moves a find that waits for a probe
 * on and says how the match was found once the jump to it has ended. */
bool findserver_start(struct app *a);
bool findserver_busy(const struct app *a);
bool findserver_result(struct app *a, struct api_result *r);
void findserver_progress(struct app *a);
void findserver_cancel(struct app *a);
void findserver_free(struct app *a);

/* source.c: the server or the file, behind one interface (see api.h) */
long source_room(struct app *a);
/* Page `page` of `size` rows (0: the configured size) with query params; a
 * file cannot filter, so params there are refused. */
int source_request_page(struct app *a, long page, long size, const struct url_param *params,
                        size_t n, struct omslog_error *err);
/* Keyset: page `page` of the entries older than below_id (name: id__lt as
 * the server calls it), with the view's params; the server's only. */
int source_request_below(struct app *a, const char *name, int64_t below_id, long page,
                         const struct url_param *params, size_t n, struct omslog_error *err);
int source_request_entry(struct app *a, int64_t id, struct omslog_error *err);
void source_cancel(struct app *a, int id);
int source_wait(struct app *a, const int *fds, int n, int timeout_ms, bool *ready);
bool source_poll(struct app *a, struct api_result *out);
/* The list URL entries have, NULL for a file (no URL, no curl command). */
const char *source_endpoint(struct app *a);
/* Marks are kept per origin: the server's, or file:// + the file's path;
 * malloc'd, NULL to keep them in memory only. */
char *source_marks_origin(struct app *a);
void source_describe(struct app *a, struct buf *out);
void source_opened(struct app *a);
/* S: the server's summary counts the cache at once into out; a file's starts
 * a count of every entry (out stays empty until source_summary_step ends it
 * in a->summary.sum). */
void source_summary(struct app *a, struct store_summary *out);
/* One slice (SOURCE_SUMMARY_SLICE_MS) of a pending count; the loop does not
 * sleep while one is pending. */
void source_summary_step(struct app *a);
bool source_summary_pending(const struct app *a);
/* The filter changed: a pending count starts over under the new one. */
void source_summary_restart(struct app *a);
void source_summary_stop(struct app *a);

/* status.c */
void status_draw_header(struct app *a);
void status_draw_footer(struct app *a);

/* The handle functions return enum reaction flags. */

/* list.c */
void list_draw(struct app *a);
unsigned list_handle(struct app *a, enum action act);
bool list_click(struct app *a, int y);

/* detail.c */
void detail_init(struct detail_pane *d);
void detail_free(struct detail_pane *d);
void detail_draw(struct app *a);
unsigned detail_handle(struct app *a, enum action act);

/* help.c */
void help_open(struct app *a);
void help_draw(struct app *a);
unsigned help_handle(struct app *a, const struct input *in);

/* prompt.c */
void prompt_init(struct prompt *p);
void prompt_free(struct prompt *p);
void prompt_open(struct app *a, enum prompt_kind kind, const char *label, const char *initial);
void prompt_draw(struct app *a);
/* A key while the prompt is open (a character, else a KEY_* code). */
unsigned prompt_handle(struct app *a, const struct input *in);

/* summary.c */
void summary_open(struct app *a);
void summary_close(struct app *a);
void summary_draw(struct app *a);
unsigned summary_handle(struct app *a, const struct input *in);

/* marks.c: m, M and the pane of marked entries */
/* scan.c: a big client-side scan asks first (see there). */
void scan_gate_check(struct app *a);            /* after the filter changed */
void scan_gate_recheck(struct app *a);          /* a page was stored: the count may be known */
bool scan_gate_holds(const struct app *a);      /* no page is to be asked for now */
void scan_gate_answer(struct app *a, bool yes); /* the y/n answer (prompt.c) */
bool scan_gate_stop(struct app *a);             /* Esc: true when it stopped a scan */
void scan_gate_page(struct app *a, const struct log_page *p); /* a page arrived */
void scan_gate_sent(struct app *a);              /* requests went out with none in flight */
void scan_gate_find_start(struct app *a);        /* a find starts from the selection */
bool scan_gate_find(struct app *a, int64_t row); /* a find reached row: true if it must wait */
/* app.c: cancel the page requests the store hands back (all, or those of no use). */
void app_cancel_requests(struct app *a, bool all);

void marks_init(struct app *a);
void marks_free_pane(struct app *a);
void marks_toggle_selected(struct app *a);
bool marks_is_marked(const struct app *a, int64_t id);
void marks_open(struct app *a);
void marks_draw(struct app *a);
unsigned marks_handle(struct app *a, const struct input *in);
/* Requests the pane needs now (summaries shown, JSON to save). */
void marks_pump(struct app *a);
/* An entry request's result: true when it was the pane's. */
bool marks_entry_result(struct app *a, struct api_result *r);
void marks_save_answer(struct app *a, const char *path, bool confirmed);

/* yank.c */
void yank_open(struct app *a);
/* Copy payload to wherever a clipboard is (clipboard_deliver) and say where
 * it went in the status line; name says what it is ("message"). */
void yank_deliver(struct app *a, const char *name, const struct buf *payload);
void yank_draw(struct app *a);
unsigned yank_handle(struct app *a, const struct input *in);
void yank_save_prompt(struct app *a);
void yank_save_answer(struct app *a, const char *path, bool confirmed);
void yank_pager(struct app *a);

#endif
