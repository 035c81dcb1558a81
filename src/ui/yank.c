/* yank.c — getting an entry out of the browser: the y menu (copy through
 * clipboard_deliver: the tmux buffer, OSC 52, a clipboard program or a file,
 * and the status line says which), s (save as JSON, never overwriting without
 * asking) and o (the trace in $PAGER). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "omslog/clipboard.h"
#include "omslog/fileio.h"
#include "omslog/format.h"
#include "omslog/sanitize.h"
#include "omslog/url.h"
#include "omslog/util.h"

#define YANK_BOX_W 46
#define YANK_DEFAULT_PAGER "less"
/* Text copied or paged keeps its lines and tabs; nothing else acts. */
#define YANK_TEXT_FLAGS (SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB)

enum yank_item {
    YANK_JSON,
    YANK_MESSAGE,
    YANK_TRACE,
    YANK_URL,
    YANK_CURL,
    YANK_TICKET,
    YANK_TEXT,
    YANK_ITEMS
};

static const char *const yank_labels[YANK_ITEMS] = {
    "1  entry as JSON",
    "2  message",
    "3  trace",
    "4  API URL of the entry",
    "5  curl command (token from $OMSLOG_TOKEN)",
    "6  ticket (Markdown: summary, fields, URL)",
    "7  text (as omslog get prints it)",
};

/* What the status line calls each item once copied. */
static const char *const yank_names[YANK_ITEMS] = {
    "entry as JSON", "message", "trace", "API URL", "curl command", "ticket", "text",
};

void yank_open(struct app *a)
{
    if (!app_selected(a)) {
        app_message(a, MSG_ERROR, "nothing to copy: the entry is not loaded yet");
        return;
    }
    a->yank.sel = 0;
    app_mode_push(a, MODE_YANK);
}

void yank_draw(struct app *a)
{
    int w = YANK_BOX_W + 4 < a->cols ? YANK_BOX_W + 4 : a->cols;
    int h = YANK_ITEMS + 2;
    int y0 = (a->rows - h) / 2 > 0 ? (a->rows - h) / 2 : 0;
    int x0 = (a->cols - w) / 2 > 0 ? (a->cols - w) / 2 : 0;
    const char *title = " copy to clipboard (Enter, 1-7; Esc) ";
    draw_text(y0, x0, title, strlen(title), w, theme_attr(STYLE_TITLE), true);
    for (int i = 0; i < YANK_ITEMS; i++) {
        attr_t attr = (size_t)i == a->yank.sel ? A_REVERSE : A_NORMAL;
        draw_fill(y0 + 1 + i, x0, w, attr);
        draw_text(y0 + 1 + i, x0 + 1, yank_labels[i], strlen(yank_labels[i]), w - 1, attr, true);
    }
    draw_fill(y0 + h - 1, x0, w, theme_attr(STYLE_TITLE));
}

/* Server text as a paste may carry it: only newlines and tabs stay as they
 * are; every other control is made visible as on the screen, so that a
 * paste into a shell cannot end bracketed paste (ESC [ 201 ~) and run what
 * follows. The JSON copy needs none of this: JSON escapes its controls. */
static void yank_text(struct buf *out, const char *raw)
{
    if (raw)
        sanitize_append(out, raw, strlen(raw), YANK_TEXT_FLAGS);
}

/* The entry as `omslog get ID` prints it: the same writer, into memory. */
static void yank_get_text(struct buf *out, const struct log_entry *e, bool utc)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    if (!f)
        return;
    struct format_writer w;
    format_begin(&w, FORMAT_TEXT, f, 0, utc);
    format_entry(&w, e);
    format_end(&w);
    fclose(f);
    buf_append(out, data, len);
    free(data);
}

static void yank_payload(struct app *a, const struct log_entry *e, enum yank_item item,
                         struct buf *payload)
{
    const char *endpoint = source_endpoint(a); /* NULL: a file (yank_copy) */
    char *url = endpoint ? url_entry(endpoint, e->id) : NULL;
    switch (item) {
    case YANK_JSON:
        log_entry_json(e, payload);
        break;
    case YANK_MESSAGE:
        yank_text(payload, e->message);
        break;
    case YANK_TRACE:
        yank_text(payload, e->trace);
        break;
    case YANK_URL:
        buf_appends(payload, url ? url : "");
        break;
    case YANK_TICKET:
        format_ticket(payload, &e, 1, endpoint, a->utc);
        break;
    case YANK_TEXT:
        yank_get_text(payload, e, a->utc);
        break;
    default:
        curl_command(payload, url);
        break;
    }
    free(url);
}

void yank_deliver(struct app *a, const char *name, const struct buf *payload)
{
    struct clipboard_env env;
    clipboard_env_init(&env);
    /* OSC 52 goes straight to the terminal, between two screen updates. */
    refresh();
    char where[CLIPBOARD_WHERE_MAX];
    struct omslog_error err = {0};
    enum clipboard_dest dest = clipboard_deliver(payload->data ? payload->data : "", payload->len,
                                                 &env, where, sizeof where, &err);
    if (dest == CLIPBOARD_FAILED)
        app_message(a, MSG_ERROR, "%s not copied: %s", name, err.msg);
    else if (dest == CLIPBOARD_FILE) /* not what was asked for; and shown whole, path included */
        app_message(a, MSG_ERROR, "no clipboard: %s (%zu bytes) %s", name, payload->len, where);
    else if (dest == CLIPBOARD_OSC52) /* whether the terminal took it, only it knows */
        app_message(a, MSG_INFO, "copied %s (%zu bytes): %s", name, payload->len, where);
    else
        app_message(a, MSG_INFO, "copied %s (%zu bytes) %s", name, payload->len, where);
}

static void yank_copy(struct app *a, enum yank_item item)
{
    const struct log_entry *e = app_selected(a);
    if (!e)
        return;
    if ((item == YANK_URL || item == YANK_CURL) && !source_endpoint(a)) {
        app_message(a, MSG_ERROR, "%s: not available for entries from a file", yank_names[item]);
        return;
    }
    struct buf payload = {0};
    yank_payload(a, e, item, &payload);
    yank_deliver(a, yank_names[item], &payload);
    buf_free(&payload);
}

/* The menu reads raw keys: its digits pick an item, they do not filter. */
unsigned yank_handle(struct app *a, const struct input *in)
{
    struct yank_menu *y = &a->yank;
    int key = in->key;
    size_t sel = y->sel;
    bool choose = false;
    if (in->fn) {
        if (key == KEY_DOWN && sel + 1 < YANK_ITEMS)
            sel++;
        else if (key == KEY_UP && sel)
            sel--;
        else
            choose = key == KEY_ENTER;
    } else if (key >= '1' && key < '1' + YANK_ITEMS) {
        sel = (size_t)(key - '1');
        choose = true;
    } else if (key == 'j' && sel + 1 < YANK_ITEMS) {
        sel++;
    } else if (key == 'k' && sel) {
        sel--;
    } else if (key == KEY_RETURN || key == KEY_NEWLINE) {
        choose = true;
    } else if (key == KEY_ESCAPE || key == 'q' || key == 'y') {
        app_mode_pop(a, MODE_YANK);
        return REACT_CHANGED;
    }
    if (choose) {
        app_mode_pop(a, MODE_YANK);
        yank_copy(a, (enum yank_item)sel);
        return REACT_CHANGED;
    }
    if (sel == y->sel)
        return REACT_HANDLED;
    y->sel = sel;
    return REACT_CHANGED;
}

void yank_save_prompt(struct app *a)
{
    const struct log_entry *e = app_selected(a);
    if (!e) {
        app_message(a, MSG_ERROR, "nothing to save: the entry is not loaded yet");
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "omslog-%" PRId64 ".json", e->id);
    prompt_open(a, PROMPT_SAVE, "save as: ", path);
}

void yank_save_answer(struct app *a, const char *path, bool confirmed)
{
    const struct log_entry *e = app_selected(a);
    if (!e || !path) {
        app_message(a, MSG_ERROR, "nothing saved: the entry is no longer selected");
        return;
    }
    char def[64];
    if (!*path) {
        snprintf(def, sizeof def, "omslog-%" PRId64 ".json", e->id);
        path = def;
    }
    struct buf out = {0};
    if (!log_entry_json(e, &out))
        buf_appends(&out, "{}");
    buf_putc(&out, '\n');
    struct omslog_error err = {0};
    enum fileio_result r = fileio_write(path, out.data, out.len, confirmed, &err);
    buf_free(&out);
    if (r == FILEIO_EXISTS) {
        free(a->save_path);
        a->save_path = xstrdup(path);
        prompt_open(a, PROMPT_CONFIRM, "file exists — overwrite? (y/N) ", "");
    } else if (r == FILEIO_OK) {
        app_message(a, MSG_INFO, "saved log %" PRId64 " to %s", e->id, path);
    } else {
        app_message(a, MSG_ERROR, "%s", err.msg);
    }
}

/* Wait for the pager; when Ctrl-Z stops it, stop too, so the shell sees the
 * job stopped (and prints its prompt) only after the pager has put the
 * terminal back, and on fg let the pager go on. Stopping at once with the
 * default action instead would race the pager's own terminal restore with
 * the shell's output. Returns the wait status of the pager's end. */
static int yank_wait_pager(pid_t pid, bool may_stop)
{
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WUNTRACED);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 || !WIFSTOPPED(status))
            return status;
        if (may_stop) {
            struct sigaction dfl = {0}, ign;
            sigemptyset(&dfl.sa_mask);
            dfl.sa_handler = SIG_DFL;
            sigaction(SIGTSTP, &dfl, &ign);
            raise(SIGTSTP); /* returns on fg (or at once in an orphaned group) */
            sigaction(SIGTSTP, &ign, NULL);
        }
        kill(pid, SIGCONT);
    }
}

void yank_pager(struct app *a)
{
    const struct log_entry *e = app_selected(a);
    if (!e) {
        app_message(a, MSG_ERROR, "the entry is not loaded yet");
        return;
    }
    const char *text = e->trace && *e->trace ? e->trace : e->message;
    char path[] = "/tmp/omslog-trace-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        app_message(a, MSG_ERROR, "cannot create a temporary file: %s", strerror(errno));
        return;
    }
    struct buf out = {0};
    yank_text(&out, text);
    buf_putc(&out, '\n');
    bool ok = write(fd, out.data, out.len) == (ssize_t)out.len;
    close(fd);
    buf_free(&out);
    if (!ok) {
        unlink(path);
        app_message(a, MSG_ERROR, "cannot write the temporary file");
        return;
    }
    def_prog_mode();
    endwin();
    /* The pager gets Ctrl-C and Ctrl-Z, not us: we ignore both while it
     * runs and follow it instead (yank_wait_pager). */
    struct sigaction ign = {0}, old_int, old_quit, old_tstp;
    sigemptyset(&ign.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGTSTP, &ign, &old_tstp);
    app_quit_watchdog_hold(true); /* a SIGTERM now waits for the pager */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        /* Ctrl-Z was ignorable for us only if the shell let it be. */
        signal(SIGTSTP, old_tstp.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
        const char *pager = getenv("PAGER");
        if (!pager || !*pager)
            pager = YANK_DEFAULT_PAGER;
        execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", pager, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid > 0)
        status = yank_wait_pager(pid, old_tstp.sa_handler != SIG_IGN);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    app_quit_watchdog_hold(false);
    unlink(path);
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
    if (pid < 0)
        app_message(a, MSG_ERROR, "cannot start the pager: %s", strerror(errno));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        app_message(a, MSG_ERROR, "the pager could not be run: check $PAGER");
}
