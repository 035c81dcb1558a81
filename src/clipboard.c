/* clipboard.c — see include/omslog/clipboard.h */
#include "omslog/clipboard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "omslog/fileio.h"

#define ESC "\033"
#define BEL "\007"
/* OSC 52 with the "c" (clipboard) selection. */
#define OSC52_START ESC "]52;c;"
#define OSC52_END BEL
/* tmux forwards "ESC P tmux; ... ESC \" to the outer terminal after
 * un-doubling each ESC inside it (tmux needs allow-passthrough on). */
#define TMUX_START ESC "Ptmux;"
#define TMUX_END ESC "\\"

#define B64_GROUP_IN 3
#define B64_GROUP_OUT 4
#define B64_PAD '='
#define B64_SEXTET 0x3F

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define CURL_PREFIX "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
#define CTRL_LIMIT 0x20
#define DEL_BYTE 0x7F

void base64_encode(struct buf *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len == 0)
        return; /* buf_reserve would leave a fresh buffer unterminated */
    buf_reserve(out, (len + B64_GROUP_IN - 1) / B64_GROUP_IN * B64_GROUP_OUT);
    size_t i = 0;
    for (; i + B64_GROUP_IN <= len; i += B64_GROUP_IN) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char quad[B64_GROUP_OUT] = {
            b64_alphabet[v >> 18 & B64_SEXTET], b64_alphabet[v >> 12 & B64_SEXTET],
            b64_alphabet[v >> 6 & B64_SEXTET], b64_alphabet[v & B64_SEXTET]};
        buf_append(out, quad, sizeof quad);
    }
    size_t rest = len - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (rest == 2)
            v |= (uint32_t)p[i + 1] << 8;
        char quad[B64_GROUP_OUT] = {
            b64_alphabet[v >> 18 & B64_SEXTET], b64_alphabet[v >> 12 & B64_SEXTET],
            rest == 2 ? b64_alphabet[v >> 6 & B64_SEXTET] : B64_PAD, B64_PAD};
        buf_append(out, quad, sizeof quad);
    }
}

int osc52_sequence(struct buf *out, const char *data, size_t len, int in_tmux)
{
    /* Terminals cap OSC 52 payloads anyway; a huge trace would only flood
     * the tty and then be dropped. */
    if (len > CLIPBOARD_MAX_BYTES)
        return -1;
    if (in_tmux)
        /* The one ESC inside the passthrough is doubled; base64 has none. */
        buf_appends(out, TMUX_START ESC);
    buf_appends(out, OSC52_START);
    base64_encode(out, data, len);
    buf_appends(out, OSC52_END);
    if (in_tmux)
        buf_appends(out, TMUX_END);
    return 0;
}

void curl_command(struct buf *out, const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_appends(out, CURL_PREFIX "'");
    for (const char *p = url ? url : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\'') {
            /* Close the quote, add an escaped quote, reopen. */
            buf_appends(out, "'\\''");
        } else if (c < CTRL_LIMIT || c == DEL_BYTE) {
            /* A pasted newline would run the command early, and no control
             * byte is valid in a URL: percent-encode it. */
            char esc[] = {'%', hex[c >> 4], hex[c & 0xF]};
            buf_append(out, esc, sizeof esc);
        } else {
            buf_putc(out, (char)c);
        }
    }
    buf_putc(out, '\'');
}

#define CLIPBOARD_DIR_MODE 0700
#define CLIPBOARD_STATE_DIR ".local/state"
#define CLIPBOARD_APP_DIR "omslog"
#define CLIPBOARD_POLL_MS 10
#define CLIPBOARD_EXEC_FAILED 127
#define MS_PER_SEC 1000
#define NS_PER_MS 1000000

void clipboard_env_init(struct clipboard_env *env)
{
    const char *term = getenv("TERM");
    const char *vte = getenv("VTE_VERSION");
    *env = (struct clipboard_env){
        .tmux = getenv("TMUX"),
        .wayland_display = getenv("WAYLAND_DISPLAY"),
        .display = getenv("DISPLAY"),
        .xdg_state_home = getenv("XDG_STATE_HOME"),
        .home = getenv("HOME"),
        .path = getenv("PATH"),
        .osc52 = !(vte && *vte) && !(term && strcmp(term, "linux") == 0),
        .tty_fd = STDOUT_FILENO,
        .timeout_ms = 0,
    };
}

static bool is_set(const char *s)
{
    return s && *s;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / NS_PER_MS;
}

/* The first executable dir/name along search (colon-separated); false when
 * there is none. An empty element means the current directory, as in $PATH. */
static bool find_program(const char *search, const char *name, char *out, size_t n)
{
    for (const char *p = search; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        int w = snprintf(out, n, "%.*s/%s", (int)dlen, dlen ? p : ".", name);
        if (w > 0 && (size_t)w < n && access(out, X_OK) == 0)
            return true;
        if (!colon)
            break;
        p = colon + 1;
    }
    return false;
}

/* Kill and reap a child that outlived its time. */
static void reap_killed(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Write text to fd (non-blocking) until done or the deadline; true when all
 * of it went. A reader that closed its end ends the write early (EPIPE). */
static bool feed_pipe(int fd, const char *text, size_t len, long deadline)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        poll(&pfd, 1, (int)(left < INT_MAX ? left : INT_MAX));
    }
    return true;
}

/* Wait for pid until the deadline: 1 exited (status in *status), 0 timed out. */
static int wait_until(pid_t pid, int *status, long deadline)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return 1; /* already reaped elsewhere: nothing left to wait for */
        if (now_ms() >= deadline)
            return 0;
        struct timespec nap = {0, CLIPBOARD_POLL_MS * NS_PER_MS};
        nanosleep(&nap, NULL);
    }
}

/* Runs argv (argv[0] looked up along env->path) with text on its stdin and
 * stdout/stderr on /dev/null. Returns 0 when it exited 0, else -1 with the
 * reason ("not found", "exit status 1", "timed out after 2 s") in why. */
static int run_program(const char *const argv[], const char *text, size_t len,
                       const struct clipboard_env *env, char *why, size_t n)
{
    char prog[PATH_MAX];
    if (!find_program(env->path, argv[0], prog, sizeof prog)) {
        snprintf(why, n, "not found");
        return -1;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(why, n, "%s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "%s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int null = open("/dev/null", O_WRONLY);
        dup2(fds[0], STDIN_FILENO);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        /* xclip and wl-copy stay behind to serve the selection: they must
         * not keep our sockets, pipes or terminal open (nor the write end of
         * their own stdin, or they would never see its end). */
        closefrom(STDERR_FILENO + 1);
        execv(prog, (char *const *)argv);
        _exit(CLIPBOARD_EXEC_FAILED);
    }
    close(fds[0]);
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    int timeout = env->timeout_ms > 0 ? env->timeout_ms : CLIPBOARD_TIMEOUT_MS;
    long deadline = now_ms() + timeout;
    feed_pipe(fds[1], text, len, deadline);
    close(fds[1]); /* end of input: the program can finish */
    int status = 0;
    if (!wait_until(pid, &status, deadline)) {
        reap_killed(pid);
        snprintf(why, n, "timed out after %d ms", timeout);
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CLIPBOARD_EXEC_FAILED)
        snprintf(why, n, "could not be run");
    else if (WIFEXITED(status))
        snprintf(why, n, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(why, n, "killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* Appends " (what: why)" to the failures noted so far. */
static void note_failure(struct buf *notes, const char *what, const char *why)
{
    buf_printf(notes, "%s%s: %s", notes->len ? "; " : "", what, why);
}

static int write_all(int fd, const char *s, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

static int send_osc52(const char *text, size_t len, const struct clipboard_env *env,
                      struct buf *notes)
{
    struct buf seq;
    buf_init(&seq);
    int rc = osc52_sequence(&seq, text, len, 0);
    if (rc != 0)
        note_failure(notes, "OSC 52", "too large for a terminal");
    else if ((rc = write_all(env->tty_fd, seq.data, seq.len)) != 0)
        note_failure(notes, "OSC 52", strerror(errno));
    buf_free(&seq);
    return rc;
}

/* mkdir -p for the state directory's missing parts, each 0700. */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        int rc = mkdir(path, CLIPBOARD_DIR_MODE);
        *p = c;
        if (rc != 0 && errno != EEXIST)
            return -1;
        if (c == '\0')
            return 0;
    }
}

static enum clipboard_dest write_state_file(const char *text, size_t len,
                                            const struct clipboard_env *env, struct buf *dest,
                                            struct omslog_error *err)
{
    struct buf dir;
    buf_init(&dir);
    if (is_set(env->xdg_state_home) && env->xdg_state_home[0] == '/')
        buf_printf(&dir, "%s/" CLIPBOARD_APP_DIR, env->xdg_state_home);
    else if (is_set(env->home))
        buf_printf(&dir, "%s/" CLIPBOARD_STATE_DIR "/" CLIPBOARD_APP_DIR, env->home);
    else {
        buf_free(&dir);
        error_set(err, OMSLOG_ERR_IO,
                  "no clipboard, and neither $XDG_STATE_HOME nor $HOME "
                  "is set for a file");
        return CLIPBOARD_FAILED;
    }
    enum clipboard_dest r = CLIPBOARD_FAILED;
    if (make_dirs(dir.data) != 0) {
        error_set(err, OMSLOG_ERR_IO, "no clipboard, and cannot create %s: %s", dir.data,
                  strerror(errno));
    } else {
        buf_appends(&dir, "/" CLIPBOARD_FILE_NAME);
        if (fileio_write(dir.data, text, len, true, err) == FILEIO_OK) {
            buf_printf(dest, "written to %s", dir.data);
            r = CLIPBOARD_FILE;
        }
    }
    buf_free(&dir);
    return r;
}

/* The programs tried for a display, in order, with the name a message uses. */
struct clipboard_program {
    bool wayland;
    const char *name;
    const char *const argv[4];
};

static const struct clipboard_program display_programs[] = {
    {true, "wl-copy", {"wl-copy", NULL}},
    {false, "xclip", {"xclip", "-selection", "clipboard", NULL}},
    {false, "xsel", {"xsel", "--clipboard", "--input", NULL}},
};

static enum clipboard_dest try_ways(const char *text, size_t len, const struct clipboard_env *env,
                                    struct buf *dest, struct buf *notes)
{
    char why[CLIPBOARD_WHERE_MAX];
    if (is_set(env->tmux)) {
        static const char *const tmux_argv[] = {"tmux", "load-buffer", "-w", "-", NULL};
        if (run_program(tmux_argv, text, len, env, why, sizeof why) == 0) {
            buf_appends(dest, "to the tmux buffer");
            return CLIPBOARD_TMUX;
        }
        note_failure(notes, "tmux load-buffer", why);
    } else if (env->osc52 && send_osc52(text, len, env, notes) == 0) {
        buf_appends(dest, "sent to the terminal (OSC 52)");
        return CLIPBOARD_OSC52;
    }
    for (size_t i = 0; i < sizeof display_programs / sizeof display_programs[0]; i++) {
        const struct clipboard_program *p = &display_programs[i];
        if (!is_set(p->wayland ? env->wayland_display : env->display))
            continue;
        if (run_program(p->argv, text, len, env, why, sizeof why) == 0) {
            buf_printf(dest, "to the clipboard with %s", p->name);
            return CLIPBOARD_PROGRAM;
        }
        note_failure(notes, p->name, why);
    }
    return CLIPBOARD_FAILED;
}

enum clipboard_dest clipboard_deliver(const char *text, size_t len,
                                      const struct clipboard_env *env, char *where, size_t n,
                                      struct omslog_error *err)
{
    /* A program that exits without reading must not kill us with SIGPIPE. */
    struct sigaction ign = {0}, old;
    sigemptyset(&ign.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    struct buf dest, notes;
    buf_init(&dest);
    buf_init(&notes);
    enum clipboard_dest r = try_ways(text ? text : "", len, env, &dest, &notes);
    if (r == CLIPBOARD_FAILED)
        r = write_state_file(text ? text : "", len, env, &dest, err);
    sigaction(SIGPIPE, &old, NULL);
    if (n > 0)
        snprintf(where, n, "%s%s%s%s", buf_str(&dest), notes.len ? " (" : "", buf_str(&notes),
                 notes.len ? ")" : "");
    buf_free(&dest);
    buf_free(&notes);
    return r;
}
