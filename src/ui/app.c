/* app.c — the single struct app, the stack of modes, the event loop and ui_run.
 *
 * One loop waits on the terminal, a signal self-pipe and the network together
 * (api_wait → curl multi), then drains the finished requests (api_poll) and
 * the typed keys (get_wch in nodelay mode). Nothing on this path blocks on
 * the network: pages the store wants are requested and arrive when they do.
 * A key goes to the pane of the mode on top of the stack; a frame is drawn
 * only when a handler reports a change or what the frame shows changed
 * (frame_inputs), so a wake that changes nothing visible draws nothing. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "omslog/caps.h"
#include "omslog/datetime.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/ui.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

#define APP_ESCDELAY_MS 25
#define APP_MS_PER_S 1000
#define APP_WHEEL_ROWS 3
#define APP_MAX_WANTED 64
/* Share of the body the list gets above the detail pane, in percent. */
#define APP_LIST_SHARE 55
#define APP_SPLIT_SHARE 50
/* Below this width the list beside the detail pane has no room left for the
 * message column: side by side falls back to stacked. */
#define APP_SPLIT_MIN_COLS 120
#define APP_MIN_LIST_ROWS 3
#define PERCENT 100

/* A shell reports a program killed by signal N as 128 + N; quitting on a
 * signal returns the same number, after the terminal is restored. */
#define APP_EXIT_SIGNAL_BASE 128

static volatile sig_atomic_t sig_quit;
static volatile sig_atomic_t sig_winch;
static volatile sig_atomic_t sig_tstp;
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t curses_active;
/* A quit signal is answered by the event loop between two steps; should a
 * step run long (a huge regular-expression scan, say), this one-shot timer
 * ends omslog anyway, terminal restored, with the same exit status. */
#define APP_QUIT_GRACE_MS 300
#define APP_NS_PER_MS 1000000L
static timer_t quit_timer;
static volatile sig_atomic_t quit_timer_ok;
static volatile sig_atomic_t quit_hold; /* the pager has the terminal */

/* Only flags and a byte down the self-pipe here: the event loop does the
 * work, outside signal context and never in the middle of a screen update. */
static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH || sig == SIGCONT)
        sig_winch = 1; /* after a stop the size may have changed unseen */
    else if (sig == SIGTSTP)
        sig_tstp = 1;
    else {
        sig_quit = sig;
        /* timer_settime is async-signal-safe; the loop normally quits first. */
        if (quit_timer_ok && !quit_hold) {
            struct itimerspec its = {{0, 0}, {0, APP_QUIT_GRACE_MS * APP_NS_PER_MS}};
            timer_settime(quit_timer, 0, &its, NULL);
        }
    }
    if (sig_pipe[1] >= 0) {
        ssize_t w = write(sig_pipe[1], "!", 1);
        (void)w; /* a full pipe already wakes the loop */
    }
    errno = saved;
}

/* Terminal settings from before curses, for on_fatal. */
static struct termios saved_tty;
static volatile sig_atomic_t saved_tty_ok;

/* Put the terminal back from signal context. endwin() is not
 * async-signal-safe (it allocates, uses stdio and curses state a crash may
 * have corrupted), so only write(2) and tcsetattr(3) here: leave the
 * alternate screen, show the cursor, turn mouse reports and keypad mode
 * off, reset attributes and restore the tty modes. */
static void terminal_reset_raw(void)
{
    static const char reset[] = "\033[0m\033[?25h\033[?1000l\033[?1002l\033[?1006l"
                                "\033[?1l\033>\033[?1049l\r\n";
    if (curses_active) {
        ssize_t w = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)w; /* nothing better to do from a signal handler */
        if (saved_tty_ok)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    }
}

/* A crash must not leave the terminal in curses mode. SA_RESETHAND has
 * already put back the default action. */
static void on_fatal(int sig)
{
    terminal_reset_raw();
    raise(sig);
}

/* The loop did not answer a quit signal within APP_QUIT_GRACE_MS: it is
 * stuck in a long computation. Leave as the loop would have. */
static void on_quit_overdue(int sig)
{
    (void)sig;
    terminal_reset_raw();
    _exit(APP_EXIT_SIGNAL_BASE + sig_quit);
}

void app_quit_watchdog_hold(bool hold)
{
    quit_hold = hold;
}

static void restore_terminal_at_exit(void)
{
    if (curses_active) {
        endwin();
        curses_active = 0;
    }
}

/* Installed before newterm, so ncurses keeps its own handlers out (it only
 * installs them over SIG_DFL): its SIGTSTP handler redraws from signal
 * context, possibly in the middle of one of our screen updates. */
static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
static const int wake_signals[] = {SIGWINCH, SIGCONT, SIGTSTP};
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

struct saved_signals {
    struct sigaction alarm;
    struct sigaction quit[ARRAY_LEN(quit_signals)];
    struct sigaction wake[ARRAY_LEN(wake_signals)];
    struct sigaction fatal[ARRAY_LEN(fatal_signals)];
    sigset_t mask;
};

static void signals_install(struct saved_signals *old)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < ARRAY_LEN(quit_signals); i++)
        sigaction(quit_signals[i], &sa, &old->quit[i]);
    for (size_t i = 0; i < ARRAY_LEN(wake_signals); i++) {
        sigaction(wake_signals[i], NULL, &old->wake[i]);
        /* A shell without job control starts us with SIGTSTP ignored:
         * then Ctrl-Z must not stop us either. */
        if (wake_signals[i] == SIGTSTP && old->wake[i].sa_handler == SIG_IGN)
            continue;
        sigaction(wake_signals[i], &sa, NULL);
    }
    sa.sa_handler = on_quit_overdue;
    sigaction(SIGALRM, &sa, &old->alarm);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    quit_hold = 0;
    quit_timer_ok = timer_create(CLOCK_MONOTONIC, &ev, &quit_timer) == 0;
    sa.sa_handler = on_fatal;
    sa.sa_flags = (int)SA_RESETHAND;
    for (size_t i = 0; i < ARRAY_LEN(fatal_signals); i++)
        sigaction(fatal_signals[i], &sa, &old->fatal[i]);
    /* A blocked signal mask is inherited across exec: signals the caller
     * blocked (a hang-up, a resize, Ctrl-Z) must reach us all the same, or
     * the terminal would be left in curses mode or drawn at a stale size. */
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < ARRAY_LEN(quit_signals); i++)
        sigaddset(&set, quit_signals[i]);
    for (size_t i = 0; i < ARRAY_LEN(wake_signals); i++)
        sigaddset(&set, wake_signals[i]);
    sigprocmask(SIG_UNBLOCK, &set, &old->mask);
}

static void signals_restore(const struct saved_signals *old)
{
    if (quit_timer_ok) {
        quit_timer_ok = 0;
        timer_delete(quit_timer);
    }
    sigaction(SIGALRM, &old->alarm, NULL);
    for (size_t i = 0; i < ARRAY_LEN(quit_signals); i++)
        sigaction(quit_signals[i], &old->quit[i], NULL);
    for (size_t i = 0; i < ARRAY_LEN(wake_signals); i++)
        sigaction(wake_signals[i], &old->wake[i], NULL);
    for (size_t i = 0; i < ARRAY_LEN(fatal_signals); i++)
        sigaction(fatal_signals[i], &old->fatal[i], NULL);
    sigprocmask(SIG_SETMASK, &old->mask, NULL);
}

/* Ctrl-Z: give the terminal back as it was, stop for real (the default
 * action), and when continued (fg) take it over again. Another process
 * group owned the terminal meanwhile, so a resize then was never signalled
 * to us: the SIGCONT handler makes the loop ask for the size and redraw. */
static void app_suspend(void)
{
    endwin();
    struct sigaction dfl = {0}, ours;
    sigemptyset(&dfl.sa_mask);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGTSTP, &dfl, &ours);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &ours, NULL);
    sig_winch = 1;
}

/* ---- helpers used by the panes ---- */

void app_message(struct app *a, enum message_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_kind = kind;
}

void app_message_clear(struct app *a)
{
    a->message[0] = '\0';
    a->message_kind = MSG_INFO;
}

/* ---- the stack of open modes ---- */

void app_mode_push(struct app *a, enum mode m)
{
    if (app_mode_open(a, m))
        app_mode_pop(a, m);
    if (a->n_modes < ARRAY_LEN(a->modes))
        a->modes[a->n_modes++] = m;
}

void app_mode_pop(struct app *a, enum mode m)
{
    /* The browser at the bottom stays. */
    for (size_t i = 1; i < a->n_modes; i++)
        if (a->modes[i] == m) {
            a->n_modes = i;
            return;
        }
}

bool app_mode_open(const struct app *a, enum mode m)
{
    for (size_t i = 0; i < a->n_modes; i++)
        if (a->modes[i] == m)
            return true;
    return false;
}

const struct log_entry *app_selected(struct app *a)
{
    return store_row(a->store, a->list.sel);
}

static void clamp_top(struct app *a)
{
    int64_t rows = store_rows(a->store);
    int64_t h = a->list.r.h > 0 ? a->list.r.h : 1;
    if (a->list.top > rows - h)
        a->list.top = rows - h;
    if (a->list.top < 0)
        a->list.top = 0;
}

void app_select(struct app *a, int64_t row, bool center)
{
    int64_t rows = store_rows(a->store);
    int64_t h = a->list.r.h > 0 ? a->list.r.h : 1;
    if (row >= rows)
        row = rows - 1;
    if (row < 0)
        row = 0;
    a->list.sel = row;
    const struct log_entry *e = store_row(a->store, row);
    a->list.sel_id = e ? e->id : 0;
    if (center)
        a->list.top = row - h / 2;
    else if (row < a->list.top)
        a->list.top = row;
    else if (row >= a->list.top + h)
        a->list.top = row - h + 1;
    clamp_top(a);
}

/* Keep the selection on the same entry when rows move (new entries at the
 * top, matches found above it, a filter change). */
static void app_anchor_selection(struct app *a)
{
    int64_t shift = 0;
    int64_t r = a->list.sel_id ? store_row_of_id(a->store, a->list.sel_id) : -1;
    if (r >= 0)
        shift = r - a->list.sel;
    else if (!store_is_filtered(a->store))
        shift = store_count_delta(a->store);
    if (shift) {
        a->list.sel += shift;
        /* At the very top new entries appear above the (unmoved) screen. */
        if (a->list.top > 0)
            a->list.top += shift;
    }
    app_select(a, a->list.sel, false);
}

void app_set_filter(struct app *a)
{
    serverview_set_filter(a);
    source_summary_restart(a);
    store_find_cancel(a->store);
    a->find.active = false;
    /* The selection stays on its entry, or lands on the match nearest to it
     * (the nearest older, else the nearest newer), not on the first row. */
    int64_t r = a->list.sel_id ? store_row_nearest_id(a->store, a->list.sel_id) : -1;
    a->list.top = 0;
    app_select(a, r >= 0 ? r : 0, r >= 0);
    struct buf d = {0};
    filter_describe(&a->filter, &d);
    if (d.len)
        app_message(a, MSG_INFO, "filter: %s", d.data);
    else
        app_message(a, MSG_INFO, "showing all entries");
    buf_free(&d);
    scan_gate_check(a);
}

/* ---- the app and & filters ---- */

/* Known app names the unknown-app question lists, closest first. */
#define APP_UNKNOWN_NAMES_SHOWN 3
/* Bytes of one (sanitised) name in the question: with the rest it fits the
 * prompt's label. */
#define APP_UNKNOWN_NAME_MAX 40

/* name made safe and short for the question. */
static void question_name(struct buf *q, const char *name)
{
    struct buf clean = {0};
    sanitize_append(&clean, name, strlen(name), SANITIZE_ONE_LINE);
    size_t n = utf8_prefix(buf_str(&clean), clean.len, APP_UNKNOWN_NAME_MAX);
    buf_append(q, buf_str(&clean), n);
    if (n < clean.len)
        buf_appends(q, "…");
    buf_free(&clean);
}

void app_submit_apps(struct app *a, const char *csv)
{
    struct filter next;
    filter_init(&next);
    filter_set_apps_csv(&next, csv);
    const char *const *seen;
    size_t n_seen = store_apps_seen(a->store, &seen);
    const char *unknown = filter_unknown_app(&next, seen, n_seen);
    if (!unknown) {
        free(a->pending_apps);
        a->pending_apps = NULL;
        filter_set_apps_csv(&a->filter, csv);
        app_set_filter(a);
        filter_free(&next);
        return;
    }
    /* A typo would scan the whole log for nothing: ask first, naming the
     * known apps closest to what was typed. Names are server text. */
    const char **ranked = xcalloc(n_seen, sizeof *ranked);
    memcpy(ranked, seen, n_seen * sizeof *ranked);
    filter_rank_names(unknown, ranked, n_seen);
    struct buf q = {0};
    buf_appends(&q, "no app \"");
    question_name(&q, unknown);
    buf_appends(&q, "\" among ");
    for (size_t i = 0; i < n_seen && i < APP_UNKNOWN_NAMES_SHOWN; i++) {
        if (i)
            buf_appends(&q, ", ");
        question_name(&q, ranked[i]);
    }
    buf_appends(&q, n_seen > APP_UNKNOWN_NAMES_SHOWN ? "…" : "");
    buf_appends(&q, "; scan anyway? y/n ");
    free(a->pending_apps);
    a->pending_apps = xstrdup(csv);
    prompt_open(a, PROMPT_APP_UNKNOWN, buf_str(&q), "");
    buf_free(&q);
    free(ranked);
    filter_free(&next);
}

void app_answer_apps(struct app *a, bool yes)
{
    char *csv = a->pending_apps;
    a->pending_apps = NULL;
    if (csv && yes) {
        filter_set_apps_csv(&a->filter, csv);
        app_set_filter(a);
    } else if (csv) {
        app_message(a, MSG_INFO, "app filter unchanged");
    }
    free(csv);
}

void app_submit_pattern(struct app *a, const char *spec)
{
    if (!*spec) {
        if (!a->filter.n_patterns) {
            app_message(a, MSG_INFO, "no & filter to clear");
            return;
        }
        filter_clear_patterns(&a->filter);
        app_set_filter(a);
        return;
    }
    struct omslog_error err = {0};
    bool negate = spec[0] == '!';
    if (filter_add_pattern(&a->filter, spec + negate, false, negate, &err) != OMSLOG_OK) {
        app_message(a, MSG_ERROR, "%s", err.msg);
        return;
    }
    app_set_filter(a);
}

/* ---- finding (e/E, w/W, n/N) ---- */

static bool pred_min_level(const struct log_entry *e, int min)
{
    return e->level >= min;
}

static bool pred_find(const struct log_entry *e, void *ctx)
{
    struct app *a = ctx;
    switch (a->find.kind) {
    case FIND_ERROR:
        return pred_min_level(e, LEVEL_ERROR);
    case FIND_WARNING:
        return pred_min_level(e, LEVEL_WARNING);
    default:
        return filter_match(&a->search, e);
    }
}

bool app_find_match(struct app *a, const struct log_entry *e)
{
    return pred_find(e, a);
}

static void app_progress_find(struct app *a)
{
    findserver_progress(a);
    if (!a->find.active || findserver_busy(a))
        return;
    int64_t row;
    enum store_find_result r = store_find(a->store, a->find.from, a->find.dir, pred_find, a, &row);
    if (r == STORE_FIND_PENDING && findserver_start(a)) { /* the server says where it is */
        store_find_cancel(a->store);
        return;
    }
    if (r == STORE_FIND_PENDING) {
        a->find.from = row - a->find.dir;
        scan_gate_find(a, row);
        return;
    }
    a->find.active = false;
    if (r == STORE_FIND_FOUND) {
        a->list.last_dir = a->find.dir;
        app_select(a, row, false);
        app_message_clear(a);
        return;
    }
    static const char *const what[] = {"ERROR", "WARNING", "match"};
    app_message(a, MSG_INFO, "no %s %s%s", what[a->find.kind], a->find.dir > 0 ? "below" : "above",
                store_failed_pages(a->store) ? " (some pages failed to load: r retries)" : "");
}

void app_start_find(struct app *a, enum find_kind kind, int dir)
{
    store_find_cancel(a->store);
    findserver_cancel(a);
    a->find.active = true;
    a->find.kind = kind;
    a->find.dir = dir;
    a->find.from = a->list.sel;
    scan_gate_find_start(a);
    app_progress_find(a);
}

/* ---- jumping to an id ---- */

static void time_jump_cancel(struct app *a)
{
    if (a->tjump.req > 0)
        source_cancel(a, a->tjump.req);
    a->tjump.req = 0;
    if (a->tjump.locating)
        store_locate_cancel(a->store);
    a->tjump.seeking = a->tjump.waiting_scan = a->tjump.locating = false;
}

/* A jump to an id or a time is under way (a move or Esc cancels it). */
static bool jump_busy(const struct app *a)
{
    return a->jump.id || a->tjump.seeking || a->tjump.waiting_scan || a->tjump.locating;
}

static void jump_cancel(struct app *a)
{
    time_jump_cancel(a);
    if (a->jump.entry_req > 0)
        source_cancel(a, a->jump.entry_req);
    a->jump.entry_req = 0;
    a->jump.id = 0;
    a->jump.counting = false;
    a->jump.locating = false;
    a->jump.missing = false;
    store_locate_cancel(a->store);
    serverview_jump_cancel(a);
}

/* The entry itself (/{id}/): whether it exists, and passes the filters. */
static bool jump_fetch_entry(struct app *a)
{
    struct omslog_error err = {0};
    int req = source_request_entry(a, a->jump.id, &err);
    if (req < 0) {
        app_message(a, MSG_ERROR, "%s", err.msg);
        store_locate_cancel(a->store);
        a->jump.locating = false;
        a->jump.id = 0;
        return false;
    }
    a->jump.entry_req = req;
    a->jump.requests++;
    return true;
}

/* Where the server's rows are the view's, one request of id__lte=ID says
 * where the id is (serverview_jump_start); else the entry, then a locate by
 * the ids the pages show. */
void app_start_jump(struct app *a, int64_t id)
{
    jump_cancel(a);
    a->jump.hidden_id = 0;
    int64_t row = store_row_of_id(a->store, id);
    if (row >= 0) {
        app_select(a, row, true);
        app_message(a, MSG_INFO, "log %" PRId64, id);
        return;
    }
    a->jump.id = id;
    a->jump.requests = 0;
    if (serverview_jump_start(a, id)) {
        a->jump.counting = true;
        a->jump.requests = 1;
    } else if (!jump_fetch_entry(a)) {
        return;
    }
    app_message(a, MSG_INFO, "looking for log %" PRId64 "…", id);
}

static void jump_hidden(struct app *a, int64_t id)
{
    struct buf d = {0};
    filter_describe(&a->filter, &d);
    app_message(a, MSG_ERROR,
                "log %" PRId64 " is hidden by the filters (%s) — press c to clear them", id,
                buf_str(&d));
    buf_free(&d);
    a->jump.hidden_id = id;
}

/* The entry's answer; a locate the count started goes on unless it is
 * hidden (or failed). */
static void jump_entry_result(struct app *a, struct api_result *r)
{
    if (r->id != a->jump.entry_req)
        return;
    a->jump.entry_req = 0;
    int64_t id = a->jump.id;
    bool started = a->jump.locating;
    if (r->err.status == OMSLOG_ERR_NOT_FOUND) {
        /* Where it would be: the locate ends ABSENT beside its neighbours. */
        if (!started)
            store_locate_start(a->store, id);
        a->jump.locating = true;
        a->jump.missing = true;
        return;
    }
    if (r->err.status == OMSLOG_OK && (store_is_filtered(a->store) || serverview_active(a)) &&
        !filter_match(&a->filter, &r->entry)) {
        jump_hidden(a, id);
    } else if (r->err.status == OMSLOG_OK) {
        if (!started)
            store_locate_start(a->store, id);
        a->jump.locating = true;
        return;
    } else {
        app_message(a, MSG_ERROR, "%s", r->err.msg);
    }
    store_locate_cancel(a->store);
    a->jump.locating = false;
    a->jump.id = 0;
}

/* id__lte=ID answered: the locate looks where its count says. Not among
 * a server-filtered view's rows, the entry tells hidden from missing. An
 * answer that failed its check: the entry and a locate by ids instead. */
static void jump_progress_count(struct app *a)
{
    if (!a->jump.counting || serverview_jump_waiting(a))
        return;
    a->jump.counting = false;
    int64_t c, first;
    if (!serverview_jump_answer(a, &c, &first)) {
        jump_fetch_entry(a);
        return;
    }
    store_locate_start(a->store, a->jump.id);
    store_locate_hint_count(a->store, c, first);
    a->jump.locating = true;
    /* The view's rows are the log's: not among them is not in the log. */
    a->jump.missing = !serverview_active(a);
    if (first != a->jump.id && serverview_active(a))
        jump_fetch_entry(a);
}

/* " (N requests)": what the jump asked of the server (none: nothing). */
static const char *jump_cost(const struct app *a, char *buf, size_t size)
{
    long n = a->jump.requests + store_locate_requests(a->store);
    if (n <= 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, " (%ld request%s)", n, n == 1 ? "" : "s");
    return buf;
}

/* An id not in the log: select the entry nearest to where it would be. */
static void jump_nearest(struct app *a, int64_t id, int64_t row)
{
    const char *where = a->jump.missing ? "" : " in the list";
    const struct log_entry *e = row >= 0 ? store_row(a->store, row) : NULL;
    if (!e) {
        app_message(a, MSG_ERROR, "log %" PRId64 " not found%s", id, where);
        return;
    }
    char cost[32];
    app_select(a, row, true);
    app_message(a, MSG_ERROR, "log %" PRId64 " not found%s; showing %" PRId64 "%s", id, where,
                e->id, jump_cost(a, cost, sizeof cost));
}

static void app_progress_locate(struct app *a)
{
    jump_progress_count(a);
    if (!a->jump.locating || a->jump.entry_req > 0)
        return;
    int64_t row;
    int64_t id = a->jump.id;
    char cost[32];
    switch (store_locate_step(a->store, &row)) {
    case STORE_LOCATE_PENDING:
        return;
    case STORE_LOCATE_FOUND:
        app_select(a, row, true);
        app_message(a, MSG_INFO, "log %" PRId64 "%s", id, jump_cost(a, cost, sizeof cost));
        break;
    case STORE_LOCATE_HIDDEN:
        jump_hidden(a, id);
        break;
    case STORE_LOCATE_ABSENT:
        jump_nearest(a, id, row);
        break;
    default:
        app_message(a, MSG_ERROR_PAGE,
                    "could not load the pages around log %" PRId64 " (r retries)", id);
        break;
    }
    a->jump.locating = false;
    a->jump.missing = false;
    a->jump.id = 0;
}

/* ---- jumping to a time (@) ---- */

/* The view's params (a plan holds at most 4) and the seek's one. */
#define TIME_JUMP_PARAMS_MAX 8

/* created_at__lte when this server was proven to honour it, or before the
 * background probe has said (serverview's verdicts, remembered per origin):
 * the seek checks the answer and bisects when it was not applied. */
static const char *time_jump_lte(struct app *a)
{
    const char *name = serverview_param_to_try(a, CAPS_CREATED_LTE);
    if (!name)
        return NULL;
    snprintf(a->tjump.lte, sizeof a->tjump.lte, "%s", name);
    return a->tjump.lte;
}

/* The time asked for, as the status line echoes it. */
static const char *time_jump_at(struct app *a, char buf[DATETIME_TEXT_MAX])
{
    return datetime_format(a->tjump.at, a->utc, a->tjump.at.usec != 0, buf);
}

static void time_jump_select(struct app *a, int64_t row, const struct seek_result *r,
                             const char *what)
{
    char at[DATETIME_TEXT_MAX], when[DATETIME_TEXT_MAX];
    app_select(a, row, true);
    const struct log_entry *e = store_row(a->store, row);
    int64_t id = e ? e->id : r->id;
    struct log_time created = e ? e->created : r->created;
    char order[96] = "";
    if (r->unordered)
        snprintf(order, sizeof order, "; page %ld breaks the time order, it may be off",
                 r->unordered_page);
    app_message(a, MSG_INFO, "@ %s: %slog %" PRId64 " at %s (%ld request%s)%s",
                time_jump_at(a, at), what, id, datetime_format(created, a->utc, 1, when),
                r->requests, r->requests == 1 ? "" : "s", order);
}

/* The seek's entry was not loaded: a locate by its id, from the row the
 * seek named (an answer the pages contradict does not mislead it). */
static void time_jump_locate(struct app *a)
{
    int64_t row;
    enum store_locate_result lr = store_locate_step(a->store, &row);
    if (lr == STORE_LOCATE_PENDING)
        return;
    a->tjump.locating = false;
    if (lr == STORE_LOCATE_IDLE) /* the view changed under it */
        return;
    struct seek_result r;
    seek_result(&a->tjump.seek, &r, NULL);
    r.requests += store_locate_requests(a->store);
    const char *what = r.found ? "" : "nothing that old; oldest: ";
    if (lr == STORE_LOCATE_FOUND) {
        time_jump_select(a, row, &r, what);
    } else if (lr == STORE_LOCATE_ABSENT) { /* gone since (purged): beside where it was */
        int64_t shift = store_count(a->store) > r.count ? store_count(a->store) - r.count : 0;
        time_jump_select(a, row >= 0 ? row : r.row + shift, &r, what);
    } else {
        app_message(a, MSG_ERROR_PAGE,
                    "could not load the pages around log %" PRId64 " (r retries)", r.id);
    }
}

/* Filtered: the newest match at or before the entry found, once the
 * filter's scan has passed it (or the entry itself when it matches). */
static void time_jump_progress(struct app *a)
{
    if (a->tjump.locating)
        time_jump_locate(a);
    if (!a->tjump.waiting_scan)
        return;
    int64_t row = store_row_of_id(a->store, a->tjump.id);
    if (row < 0 && !store_scan_done(a->store))
        return;
    a->tjump.waiting_scan = false;
    struct seek_result r;
    seek_result(&a->tjump.seek, &r, NULL);
    if (row < 0)
        row = store_row_nearest_id(a->store, a->tjump.id);
    const struct log_entry *e = row >= 0 ? store_row(a->store, row) : NULL;
    char at[DATETIME_TEXT_MAX];
    if (row < 0)
        app_message(a, MSG_INFO, "@ %s: no entry matches the filters", time_jump_at(a, at));
    else
        time_jump_select(
            a, row, &r,
            !r.found || (e && e->id > a->tjump.id) ? "nothing that old; oldest match: " : "");
}

/* The seek is over: select what it found. */
static void time_jump_found(struct app *a)
{
    struct seek_result r;
    struct omslog_error err = {0};
    char at[DATETIME_TEXT_MAX];
    int rc = seek_result(&a->tjump.seek, &r, &err);
    if (r.lte_wrong) /* not tried again */
        serverview_param_wrong(a, CAPS_CREATED_LTE, r.lte_refused);
    if (rc != OMSLOG_OK) {
        app_message(a, MSG_ERROR, "@ %s: %s", time_jump_at(a, at), err.msg);
        return;
    }
    if (r.row < 0) {
        app_message(a, MSG_INFO, "@ %s: the log is empty", time_jump_at(a, at));
        return;
    }
    a->tjump.id = r.id;
    if (store_is_filtered(a->store) || r.id < 0) {
        a->tjump.waiting_scan = r.id >= 0;
        if (r.id < 0) /* nothing that old and the oldest not read: the last row */
            time_jump_select(a, store_rows(a->store) - 1, &r, "nothing that old; oldest: ");
        time_jump_progress(a);
        return;
    }
    /* Rows move down by what arrived since the count the seek saw. */
    int64_t shift = store_count(a->store) > r.count ? store_count(a->store) - r.count : 0;
    int64_t row = store_row_of_id(a->store, r.id);
    if (row >= 0) {
        time_jump_select(a, row, &r, r.found ? "" : "nothing that old; oldest: ");
        return;
    }
    store_locate_start(a->store, r.id);
    store_locate_hint(a->store, r.row + shift);
    a->tjump.locating = true;
    time_jump_locate(a);
}

/* Send the seek's next request, or finish it. */
static void time_jump_step(struct app *a)
{
    while (a->tjump.seeking && a->tjump.req == 0) {
        struct seek_request q;
        if (!seek_next(&a->tjump.seek, &q)) {
            a->tjump.seeking = false;
            time_jump_found(a);
            return;
        }
        /* The seek runs over the view's own query: the server's filtered
         * one when the server filters (its rows are the view's rows). */
        const struct url_param *view;
        size_t n_view;
        serverview_page_params(a, &view, &n_view);
        struct url_param p[TIME_JUMP_PARAMS_MAX];
        size_t n = 0;
        for (size_t i = 0; i < n_view && n + 1 < TIME_JUMP_PARAMS_MAX; i++)
            p[n++] = view[i];
        if (q.param_key)
            p[n++] = (struct url_param){q.param_key, q.param_value};
        struct omslog_error err = {0};
        int id = source_request_page(a, q.page, q.size, p, n, &err);
        if (id < 0) {
            seek_feed(&a->tjump.seek, NULL, &err);
            continue;
        }
        a->tjump.req = id;
        a->tjump.asked_size = q.param_key ? -1 : q.size;
    }
}

/* The view's page 1 as the store has it (its count and newest row): the
 * seek needs no page 1 of its own. Not where the client filters: its rows
 * are not the server's. */
static void time_jump_top(struct app *a, struct seek_opts *o)
{
    int64_t n = store_count(a->store);
    const struct log_entry *e = n > 0 ? store_row(a->store, 0) : NULL;
    if (store_is_filtered(a->store) || n < 0 || (n > 0 && !e))
        return;
    o->have_top = true;
    o->top_count = n;
    if (e) {
        o->top_id = e->id;
        o->top_created = e->created;
    }
}

/* A page result: true when it was the seek's. A page of the bisection is a
 * page of the list too: the store keeps it. */
static bool time_jump_result(struct app *a, struct api_result *r)
{
    if (!a->tjump.req || r->id != a->tjump.req)
        return false;
    a->tjump.req = 0;
    seek_feed(&a->tjump.seek, r->err.status == OMSLOG_OK ? &r->page : NULL, &r->err);
    if (r->err.status == OMSLOG_OK && a->tjump.asked_size == a->cfg->page_size) {
        store_page_loaded(a->store, r->page_no, &r->page);
        app_anchor_selection(a);
    }
    time_jump_step(a);
    return true;
}

void app_start_time_jump(struct app *a, const char *text)
{
    struct log_time t;
    struct omslog_error err = {0};
    if (datetime_parse_user(text, datetime_now(), a->utc, &t, &err) != OMSLOG_OK) {
        app_message(a, MSG_ERROR, "%s", err.msg);
        return;
    }
    jump_cancel(a);
    a->tjump.at = t;
    struct seek_opts o = {.key = SEEK_BY_TIME,
                          .time = t,
                          .lte_param = time_jump_lte(a),
                          .page_size = a->cfg->page_size};
    time_jump_top(a, &o);
    seek_init(&a->tjump.seek, &o);
    a->tjump.seeking = true;
    char at[DATETIME_TEXT_MAX];
    app_message(a, MSG_INFO, "@ %s: looking for the newest entry at or before it…",
                time_jump_at(a, at));
    time_jump_step(a);
}

/* ---- follow mode on screen ----
 *
 * New entries appear above. With the newest entry selected the selection
 * moves to each new newest one (tail -f), unless the detail pane has the
 * focus (someone is reading). Scrolled away, the selection stays on its
 * entry (app_anchor_selection) and the header counts the rows newer than
 * the newest one seen on the first row. */

/* Before results land: is the selection to follow the newest entry? */
static bool follow_tailing(const struct app *a)
{
    return a->follow && a->list.sel == 0 && a->list.sel_id != 0 && !a->focus_detail;
}

/* After results landed (tail: follow_tailing was true before them). */
static void follow_track(struct app *a, bool tail)
{
    if (!a->follow) {
        a->follow_new = 0;
        return;
    }
    if (tail && a->list.sel != 0)
        app_select(a, 0, false);
    const struct log_entry *newest = store_row(a->store, 0);
    if (newest && (a->list.sel == 0 || !a->follow_seen_id))
        a->follow_seen_id = newest->id;
    int64_t row = a->follow_seen_id ? store_row_of_id(a->store, a->follow_seen_id) : -1;
    a->follow_new = row > 0 ? row : 0;
}

static void follow_toggle(struct app *a)
{
    a->follow = !a->follow;
    a->follow_seen_id = 0;
    a->follow_new = 0;
    if (a->follow) {
        a->new_mark_id = store_max_id(a->store);
        a->next_follow_ms = now_ms();
        app_message(a, MSG_INFO, "following: new entries every %lds appear at the top",
                    a->cfg->follow_s);
        follow_track(a, false);
    } else {
        app_message(a, MSG_INFO, "follow off");
    }
}

/* ---- network ----
 *
 * The app keeps no table of requests: http holds the requests in flight and
 * enforces the one limit (api_room), the store knows which pages are asked
 * for and under which request id, and the jump its one entry request. */

static void app_set_window(struct app *a)
{
    store_set_window(a->store, a->list.top, a->list.r.h > 0 ? a->list.r.h : 1, a->list.last_dir);
}

/* Cancel the page requests the store hands back: all, or those of no use. */
void app_cancel_requests(struct app *a, bool all)
{
    int ids[APP_MAX_WANTED];
    size_t n;
    do {
        n = store_take_requests(a->store, all, ids, ARRAY_LEN(ids));
        for (size_t i = 0; i < n; i++)
            source_cancel(a, ids[i]);
    } while (n == ARRAY_LEN(ids));
}

/* Responses to requests sent before a reload describe the server as it was:
 * drop them, so that a page that failed then cannot fail the reload. */
void app_cancel_pages(struct app *a)
{
    app_cancel_requests(a, true);
}

/* Ask for a page the store wants, with the view's params: as a keyset
 * page (id__lt below a cached page's last entry, store.h) where the server
 * honours id__lt, so a deep page costs the server no OFFSET scan; by its
 * number where no cached page is near (G, jumps) or for a file. */
static void app_request_page(struct app *a, long page)
{
    if (serverview_merging(a)) /* built from the level streams instead */
        return;
    const struct url_param *params;
    size_t n_params;
    serverview_page_params(a, &params, &n_params);
    const char *lt =
        !a->file && serverview_honours(a, CAPS_ID_LT) ? serverview_param(a, CAPS_ID_LT) : NULL;
    struct omslog_error err = {0};
    struct store_keyset ks;
    if (lt && store_keyset_for(a->store, page, &ks)) {
        int id = source_request_below(a, lt, ks.below_id, ks.page, params, n_params, &err);
        if (id >= 0) {
            store_page_requested_below(a->store, page, id, &ks);
            return;
        }
    } else {
        int id = source_request_page(a, page, 0, params, n_params, &err);
        if (id >= 0) {
            store_page_requested(a->store, page, id);
            return;
        }
    }
    store_page_failed(a->store, page, &err);
    app_message(a, MSG_ERROR_PAGE, "%s", err.msg);
}

static void app_schedule(struct app *a)
{
    /* Pages the user scrolled away from make room for the ones now needed. */
    app_cancel_requests(a, false);
    /* A filter the client scans: the server may spare the scan, so its
     * negotiation goes first; otherwise the pages on screen do. */
    bool scanning = store_is_filtered(a->store);
    if (scanning)
        serverview_schedule(a);
    long room = source_room(a);
    if (room <= 0 || scan_gate_holds(a))
        return;
    if (room > APP_MAX_WANTED)
        room = APP_MAX_WANTED;
    long pages[APP_MAX_WANTED];
    size_t n = store_wanted_pages(a->store, pages, (size_t)room);
    if (n && !store_in_flight(a->store))
        scan_gate_sent(a);
    for (size_t i = 0; i < n; i++)
        app_request_page(a, pages[i]);
    if (!scanning)
        serverview_schedule(a);
}

static void app_result(struct app *a, struct api_result *r)
{
    if (r->kind == API_ENTRY) {
        if (!marks_entry_result(a, r))
            jump_entry_result(a, r);
        return;
    }
    if (serverview_result(a, r) || time_jump_result(a, r) || findserver_result(a, r))
        return;
    /* A keyset request's page_no is of the entries below its anchor: the
     * store knows which of the view's pages it stands for. */
    long keyset_page = store_keyset_page(a->store, r->id);
    bool ignored = false;
    long page = keyset_page ? keyset_page : r->page_no;
    if (r->err.status == OMSLOG_OK) {
        scan_gate_page(a, &r->page);
        if (!keyset_page)
            store_page_loaded(a->store, page, &r->page);
        else if (!store_page_loaded_below(a->store, r->id, &r->page, &ignored))
            (ignored ? serverview_distrust : serverview_pause)(a, CAPS_ID_LT); /* by number */
        serverview_after_page(a);
        app_anchor_selection(a);
        if (a->message_kind == MSG_ERROR_PAGE && store_failed_pages(a->store) == 0 &&
            !a->jump.hidden_id)
            a->message[0] = '\0'; /* the trouble is over */
    } else {
        if (keyset_page)
            store_page_failed_below(a->store, r->id, &r->err);
        else
            store_page_failed(a->store, page, &r->err);
        app_message(a, MSG_ERROR_PAGE, "page %ld: %s", page, r->err.msg);
    }
}

/* ---- layout and drawing ---- */

/* The detail pane beside the list: asked for (v) and wide enough. */
static bool app_beside(const struct app *a)
{
    return a->split && a->cols >= APP_SPLIT_MIN_COLS;
}

void app_layout(struct app *a)
{
    getmaxyx(stdscr, a->rows, a->cols);
    int body = a->rows - 2;
    if (body < 1)
        body = 1;
    struct rect none = {1, 0, 0, 0};
    if (a->zoom) {
        a->list.r = none;
        a->detail.r = (struct rect){1, 0, body, a->cols};
    } else if (app_beside(a)) {
        int lw = a->cols * APP_SPLIT_SHARE / PERCENT;
        a->list.r = (struct rect){1, 0, body, lw};
        a->detail.r = (struct rect){1, lw + 1, body, a->cols - lw - 1};
    } else {
        int lh = body * APP_LIST_SHARE / PERCENT;
        if (lh < APP_MIN_LIST_ROWS)
            lh = body < APP_MIN_LIST_ROWS ? body : APP_MIN_LIST_ROWS;
        a->list.r = (struct rect){1, 0, lh, a->cols};
        a->detail.r = (struct rect){1 + lh, 0, body - lh, a->cols};
    }
    if (a->list.r.h > 0)
        app_select(a, a->list.sel, false);
}

/* OMSLOG_DEBUG_DRAWS=path: the number of frames drawn so far, rewritten
 * after every frame (whole, through a rename) so that a test can tell a
 * frame drawn for nothing from one that showed a change. */
static void app_count_frame(struct app *a)
{
    a->frames_drawn++;
    if (!a->draws_path)
        return;
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", a->draws_path) >= (int)sizeof tmp)
        return;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%lu\n", a->frames_drawn);
    if (fclose(f) == 0)
        rename(tmp, a->draws_path);
}

static void browse_draw(struct app *a)
{
    list_draw(a);
    if (app_beside(a) && !a->zoom)
        for (int y = 1; y < a->rows - 1; y++)
            mvaddch(y, a->list.r.w, ACS_VLINE);
    detail_draw(a);
}

/* ---- input ---- */

static unsigned app_mouse(struct app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return REACT_HANDLED;
    enum action wheel = ACT_NONE;
    if (ev.bstate & BUTTON4_PRESSED)
        wheel = ACT_UP;
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED)
        wheel = ACT_DOWN;
#endif
    if (wheel != ACT_NONE) {
        unsigned r = REACT_HANDLED;
        for (int i = 0; i < APP_WHEEL_ROWS; i++)
            r |= a->focus_detail ? detail_handle(a, wheel) : list_handle(a, wheel);
        return r;
    }
    if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)) {
        if (list_click(a, ev.y) && !(a->split && ev.x > a->list.r.w)) {
            a->focus_detail = false;
        } else if (ev.y >= a->detail.r.y && ev.y < a->detail.r.y + a->detail.r.h) {
            if (app_selected(a))
                a->focus_detail = true;
        }
    }
    return REACT_CHANGED;
}

/* Keys that change what the browser shows: focus, layout, time zone, the
 * other modes. */
static unsigned browse_view_action(struct app *a, enum action act)
{
    switch (act) {
    case ACT_QUIT:
        a->quit = true;
        break;
    case ACT_FOCUS:
        if (!app_selected(a))
            return REACT_HANDLED;
        a->focus_detail = true;
        break;
    case ACT_BACK:
        if (scan_gate_stop(a))
            break;
        if (a->find.active || jump_busy(a))
            app_message(a, MSG_INFO, "cancelled");
        a->find.active = false;
        store_find_cancel(a->store);
        jump_cancel(a);
        a->zoom = false;
        break;
    case ACT_ZOOM:
        a->zoom = !a->zoom;
        a->focus_detail = a->zoom && app_selected(a);
        break;
    case ACT_SPLIT:
        a->split = !a->split;
        if (a->split && a->cols < APP_SPLIT_MIN_COLS)
            app_message(a, MSG_INFO, "side by side needs %d columns: stacked until wider",
                        APP_SPLIT_MIN_COLS);
        break;
    case ACT_YANK:
        yank_open(a);
        break;
    case ACT_SAVE:
        yank_save_prompt(a);
        break;
    case ACT_PAGER:
        yank_pager(a);
        break;
    case ACT_UTC:
        a->utc = !a->utc;
        app_message(a, MSG_INFO, a->utc ? "times in UTC" : "times in local time");
        break;
    case ACT_SUMMARY:
        summary_open(a);
        break;
    case ACT_MARK:
        marks_toggle_selected(a);
        break;
    case ACT_MARKS:
        marks_open(a);
        break;
    case ACT_HELP:
        help_open(a);
        break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    default:
        return REACT_IGNORED;
    }
    return REACT_CHANGED;
}

/* Keys that choose which entries show or where the selection goes. */
static unsigned browse_find_action(struct app *a, enum action act, int arg)
{
    switch (act) {
    case ACT_JUMP:
        prompt_open(a, PROMPT_JUMP, "jump to log id: ", "");
        break;
    case ACT_TIME_JUMP:
        prompt_open(a, PROMPT_TIME,
                    a->utc ? "jump to time (UTC): " : "jump to time (local): ", "");
        break;
    case ACT_NEXT_ERROR:
    case ACT_PREV_ERROR:
        app_start_find(a, FIND_ERROR, act == ACT_NEXT_ERROR ? 1 : -1);
        break;
    case ACT_NEXT_WARNING:
    case ACT_PREV_WARNING:
        app_start_find(a, FIND_WARNING, act == ACT_NEXT_WARNING ? 1 : -1);
        break;
    case ACT_MIN_LEVEL:
        a->filter.min_level = arg;
        a->filter.exact_level = FILTER_LEVEL_NONE;
        app_set_filter(a);
        break;
    case ACT_LEVEL_PROMPT:
        prompt_open(a, PROMPT_LEVEL,
                    "level (name or number = and above, =name exactly; "
                    "empty clears): ",
                    "");
        break;
    case ACT_APP_PROMPT:
        prompt_open(a, PROMPT_APP, "app (comma-separated, Tab completes; empty clears): ", "");
        break;
    case ACT_PATTERN_PROMPT:
        prompt_open(a, PROMPT_PATTERN, "& (regex; &!regex hides; empty clears the & filters): &",
                    "");
        break;
    case ACT_CLEAR_FILTERS: {
        filter_free(&a->filter);
        filter_init(&a->filter);
        app_set_filter(a);
        int64_t hidden = a->jump.hidden_id;
        a->jump.hidden_id = 0;
        if (hidden)
            app_start_jump(a, hidden);
        break;
    }
    case ACT_SEARCH:
        prompt_open(a, PROMPT_SEARCH, "/", "");
        break;
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        if (!a->search.search)
            app_message(a, MSG_INFO, "no search yet: press / first");
        else
            app_start_find(a, FIND_SEARCH, act == ACT_SEARCH_NEXT ? 1 : -1);
        break;
    case ACT_RELOAD:
        app_cancel_pages(a);
        store_retry_failed(a->store);
        store_reload(a->store);
        app_message(a, MSG_INFO, "reloading…");
        break;
    case ACT_FOLLOW:
        if (a->file) {
            app_message(a, MSG_INFO, "follow needs a server: the entries are from a file");
            break;
        }
        follow_toggle(a);
        break;
    default:
        return REACT_IGNORED;
    }
    return REACT_CHANGED;
}

/* The browser's keys: the detail pane's first, then these, then the list's.
 * What changes here shows in the next frame; the keys that change nothing
 * say so (unbound ones, moves that cannot move). */
static unsigned browse_action(struct app *a, enum action act, int arg)
{
    if (act == ACT_NONE)
        return REACT_IGNORED;
    if (act != ACT_REDRAW)
        app_message_clear(a);
    if (action_moves(act) && !a->focus_detail) {
        a->find.active = false;
        store_find_cancel(a->store);
        if (jump_busy(a))
            jump_cancel(a);
    }
    unsigned r = detail_handle(a, act);
    if (r == REACT_IGNORED)
        r = browse_view_action(a, act);
    if (r == REACT_IGNORED)
        r = browse_find_action(a, act, arg);
    return r == REACT_IGNORED ? list_handle(a, act) : r;
}

static unsigned browse_handle(struct app *a, const struct input *in)
{
    if (in->fn && in->key == KEY_MOUSE)
        return app_mouse(a);
    return browse_action(a, in->act, in->arg);
}

/* Each mode's pane, reached only through this table (tig's view_ops). */
static const struct pane_ops pane_ops[MODE_COUNT] = {
    [MODE_BROWSE] = {browse_draw, browse_handle, true, false},
    [MODE_HELP] = {help_draw, help_handle, true, false},
    [MODE_SUMMARY] = {summary_draw, summary_handle, true, false},
    [MODE_MARKS] = {marks_draw, marks_handle, true, false},
    [MODE_YANK] = {yank_draw, yank_handle, false, false},
    [MODE_PROMPT] = {prompt_draw, prompt_handle, false, true},
};

/* The modes from the topmost that covers the body up, the status line
 * under any that draws over it. */
static void app_draw(struct app *a)
{
    app_layout(a);
    erase();
    status_draw_header(a);
    size_t from = a->n_modes - 1;
    while (from > 0 && !pane_ops[a->modes[from]].covers_body)
        from--;
    bool footer_owned = false;
    for (size_t i = from; i < a->n_modes; i++) {
        if (pane_ops[a->modes[i]].owns_footer)
            footer_owned = true;
        else
            pane_ops[a->modes[i]].draw(a);
    }
    if (!footer_owned)
        status_draw_footer(a);
    for (size_t i = from; i < a->n_modes; i++)
        if (pane_ops[a->modes[i]].owns_footer)
            pane_ops[a->modes[i]].draw(a);
    refresh();
    app_count_frame(a);
}

static void app_resize(struct app *a)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    app_layout(a);
    clearok(curscr, TRUE);
}

/* A key goes to the mode on top of the stack. */
static unsigned app_key(struct app *a, int key, bool fn)
{
    if (fn && key == KEY_RESIZE) {
        /* resizeterm (from the SIGWINCH path) queues this: the size is
         * already applied, and resizing again would queue another. */
        app_layout(a);
        return REACT_CHANGED;
    }
    if (a->debug_key_ms > 0) /* a long computation, for the quit watchdog's test */
        for (int64_t end = now_ms() + a->debug_key_ms; now_ms() < end;)
            ;
    struct input in = {key, fn, ACT_NONE, 0};
    in.act = keys_lookup(key, fn, &in.arg);
    return pane_ops[a->modes[a->n_modes - 1]].handle(a, &in);
}

static void drain_pipe(int fd)
{
    char tmp[64];
    while (read(fd, tmp, sizeof tmp) > 0)
        ;
}

/* ---- ui_run ---- */

/* The terminal hung up (or stdin was closed) without a SIGHUP reaching us,
 * e.g. under nohup: the descriptor then polls ready forever and would spin
 * the loop; there is nobody left to draw for. */
static bool terminal_gone(void)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* What a frame shows that changes without a key: the store's view (its
 * generation counts every change of its contents) and what the network, the
 * follow tick, a find or a jump in progress change. The loop draws when this
 * differs from the last frame's or a key's handler asked for a redraw:
 * otherwise the frame would come out the same. */
struct frame_inputs {
    uint64_t gen;
    int64_t count, rows, top, sel, scanned, total;
    size_t in_flight, failed;
    int64_t follow_new;
    bool inconsistent, scan_done, finding, summary_exact, summary_counting;
    int64_t summary_file_counted;
    unsigned marks_gen;
    /* A mode opened by a result, not a key (scan.c's question when a
     * negotiation ends), is drawn too. */
    size_t n_modes;
    enum mode top_mode;
    bool server_checking; /* the header's "server (checking)" */
    enum message_kind message_kind;
    char message[OMSLOG_ERROR_MSG_MAX];
};

static void frame_inputs_of(struct app *a, struct frame_inputs *f)
{
    f->gen = store_generation(a->store);
    f->count = store_count(a->store);
    f->rows = store_rows(a->store);
    f->top = a->list.top;
    f->sel = a->list.sel;
    store_scan_progress(a->store, &f->scanned, &f->total);
    f->in_flight = store_in_flight(a->store);
    f->failed = store_failed_pages(a->store);
    f->inconsistent = store_inconsistent(a->store);
    f->scan_done = store_scan_done(a->store);
    f->finding = a->find.active;
    f->follow_new = a->follow_new;
    f->summary_exact = a->summary.exact;
    f->summary_counting = a->summary.counting;
    f->summary_file_counted = source_summary_pending(a) ? a->summary.file_counted : -1;
    f->marks_gen = a->marks.gen;
    f->n_modes = a->n_modes;
    f->server_checking = serverview_checking(a);
    f->top_mode = a->n_modes ? a->modes[a->n_modes - 1] : MODE_BROWSE;
    f->message_kind = a->message_kind;
    memcpy(f->message, a->message, sizeof f->message);
}

static bool frame_inputs_equal(const struct frame_inputs *x, const struct frame_inputs *y)
{
    return x->gen == y->gen && x->count == y->count && x->rows == y->rows && x->top == y->top &&
           x->sel == y->sel && x->scanned == y->scanned && x->total == y->total &&
           x->in_flight == y->in_flight && x->failed == y->failed &&
           x->inconsistent == y->inconsistent && x->scan_done == y->scan_done &&
           x->finding == y->finding && x->follow_new == y->follow_new &&
           x->summary_exact == y->summary_exact && x->summary_counting == y->summary_counting &&
           x->summary_file_counted == y->summary_file_counted && x->marks_gen == y->marks_gen &&
           x->n_modes == y->n_modes && x->top_mode == y->top_mode &&
           x->server_checking == y->server_checking && x->message_kind == y->message_kind &&
           strcmp(x->message, y->message) == 0;
}

static int app_loop(struct app *a)
{
    int fds[2] = {STDIN_FILENO, sig_pipe[0]};
    struct frame_inputs drawn, now_in;
    bool redraw = true;
    while (!a->quit) {
        if (sig_quit)
            break;
        if (sig_tstp) {
            sig_tstp = 0;
            app_suspend();
            redraw = true;
        }
        if (sig_winch) {
            sig_winch = 0;
            app_resize(a);
            redraw = true;
        }
        int64_t now = now_ms();
        if (a->follow && now >= a->next_follow_ms) {
            serverview_follow_poll(a);
            a->next_follow_ms = now + a->cfg->follow_s * APP_MS_PER_S;
        }
        /* A key may have changed the layout (v, z, a resize): the rows it
         * shows are wanted now, not after the next key. */
        app_layout(a);
        app_set_window(a);
        app_progress_locate(a);
        time_jump_progress(a);
        app_progress_find(a);
        /* A jump or find may have moved the list: want the rows now shown. */
        app_set_window(a);
        app_schedule(a);
        marks_pump(a);
        source_summary_step(a);
        follow_track(a, false); /* a key (g) may have reached the new entries */
        frame_inputs_of(a, &now_in);
        if (redraw || !frame_inputs_equal(&now_in, &drawn)) {
            app_draw(a);
            /* Drawing lays out again, which may clamp the selection. */
            frame_inputs_of(a, &drawn);
            redraw = false;
        }

        int timeout = -1;
        if (a->follow) {
            int64_t left = a->next_follow_ms - now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        int wake = serverview_wake_ms(a);
        if (wake >= 0 && (timeout < 0 || wake < timeout))
            timeout = wake;
        bool ready = false;
        if (source_wait(a, fds, 2, timeout, &ready) != 0)
            return error_set(NULL, OMSLOG_ERR_INTERNAL, "wait failed");
        drain_pipe(sig_pipe[0]);
        struct api_result res;
        bool tail = follow_tailing(a);
        while (source_poll(a, &res)) {
            app_result(a, &res);
            api_result_free(&res);
        }
        follow_track(a, tail);
        wint_t ch;
        int rc;
        bool got_key = false;
        while (!a->quit && (rc = get_wch(&ch)) != ERR) {
            if (app_key(a, (int)ch, rc == KEY_CODE_YES) & REACT_REDRAW)
                redraw = true;
            got_key = true;
        }
        if (ready && !got_key && terminal_gone()) {
            /* As if SIGHUP came: the exit status says so. */
            sig_quit = SIGHUP;
            break;
        }
    }
    return OMSLOG_OK;
}

static void app_free(struct app *a)
{
    summary_close(a);
    marks_free_pane(a);
    detail_free(&a->detail);
    prompt_free(&a->prompt);
    filter_free(&a->filter);
    filter_free(&a->search);
    serverview_free(a);
    findserver_free(a);
    store_free(a->store);
    free(a->save_path);
    free(a->pending_apps);
    buf_free(&a->status_line);
    buf_free(&a->status_aux);
    buf_free(&a->help_text);
}

/* The modes the browser runs the terminal in: keys as they come, no echo,
 * never waiting for a key, mouse clicks and the wheel. */
static void terminal_modes(bool color)
{
    set_escdelay(APP_ESCDELAY_MS);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    mouseinterval(0);
    theme_init(color);
}

/* A link's start: its filters first, then the entry (a jump reports an
 * entry the filters hide). */
static void app_open_at(struct app *a, const struct ui_start *start)
{
    if (!start)
        return;
    if (start->filter && filter_is_active(start->filter)) {
        filter_free(&a->filter);
        filter_copy_view(&a->filter, start->filter);
        app_set_filter(a);
    }
    if (start->jump_id > 0)
        app_start_jump(a, start->jump_id);
}

int ui_run_at(const struct config *cfg, struct api *api, const struct ui_start *start,
              struct omslog_error *err)
{
    bool in = isatty(STDIN_FILENO), out = isatty(STDOUT_FILENO);
    if (!in || !out)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "the browser needs a terminal, and %s: use 'omslog list' in scripts",
                         !out && !in ? "neither standard input nor standard output is one"
                         : !out      ? "standard output is not one (piped or redirected?)"
                                     : "standard input is not one (piped or redirected?)");
    struct app a;
    memset(&a, 0, sizeof a);
    a.cfg = cfg;
    a.api = api;
    a.file = start ? start->file : NULL;
    a.reprobe = start && start->reprobe;
    a.store = store_new(cfg->cache_pages, cfg->page_size, cfg->parallel);
    store_set_cache_bytes(a.store, (size_t)cfg->cache_bytes);
    a.utc = cfg->utc;
    a.draws_path = getenv("OMSLOG_DEBUG_DRAWS");
    const char *slow = getenv("OMSLOG_DEBUG_SLOW_KEYS");
    a.debug_key_ms = slow ? atoi(slow) : 0;
    const char *nc = getenv("NO_COLOR");
    a.color = !cfg->no_color && !(nc && *nc);
    filter_init(&a.filter);
    filter_init(&a.search);
    detail_init(&a.detail);
    prompt_init(&a.prompt);
    app_mode_push(&a, MODE_BROWSE);
    marks_init(&a);
    source_opened(&a);
    serverview_init(&a);

    if (pipe(sig_pipe) != 0) {
        app_free(&a);
        return error_set(err, OMSLOG_ERR_INTERNAL, "pipe: %s", strerror(errno));
    }
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    sig_quit = 0;
    sig_winch = 0;
    sig_tstp = 0;
    struct saved_signals old;
    signals_install(&old);
    static bool atexit_done;
    if (!atexit_done && atexit(restore_terminal_at_exit) == 0)
        atexit_done = true;

    int rc = OMSLOG_OK;
    saved_tty_ok = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        rc = error_set(err, OMSLOG_ERR_USAGE,
                       "cannot start the terminal UI: is TERM (%s) "
                       "right?",
                       getenv("TERM") ? getenv("TERM") : "unset");
    } else {
        curses_active = 1;
        terminal_modes(a.color);
        app_layout(&a);
        app_open_at(&a, start);
        rc = app_loop(&a);
        quit_hold = 1; /* the loop answered: no watchdog during cleanup */
        endwin();
        curses_active = 0;
        delscreen(scr);
        if (rc == OMSLOG_OK && sig_quit)
            rc = APP_EXIT_SIGNAL_BASE + sig_quit;
    }
    signals_restore(&old);
    for (int i = 0; i < 2; i++) {
        close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
    app_free(&a);
    return rc;
}

int ui_run(const struct config *cfg, struct api *api, struct omslog_error *err)
{
    return ui_run_at(cfg, api, NULL, err);
}

int ui_run_file(const struct config *cfg, struct filesrc *file, struct omslog_error *err)
{
    struct ui_start start = {.file = file};
    return ui_run_at(cfg, NULL, &start, err);
}
