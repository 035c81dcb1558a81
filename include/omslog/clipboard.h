/* clipboard.h — getting text to wherever the user can paste it from, and
 * building the yank menu's payloads.
 *
 * Contract: clipboard_deliver tries, in order, what is there: inside tmux
 * ($TMUX set) `tmux load-buffer -w -`; outside tmux a plain OSC 52 to the
 * terminal, unless the terminal is known to ignore it; `wl-copy` (Wayland),
 * `xclip` then `xsel` (X) when a display is set; last a file under
 * $XDG_STATE_HOME/omslog/. It never claims more than it knows: OSC 52 is "sent
 * to the terminal", not "copied". Programs run directly (fork + execv, no
 * shell) with the text on a pipe to their stdin, never on a command line;
 * each is waited for at most timeout_ms (then killed), so a stuck program
 * cannot hang the caller for longer. A program that is missing, fails or
 * times out is noted and the next way is tried. No curses here.
 *
 * The other functions append to a caller-owned buffer and never fail. The
 * curl command never contains the token: it reads it from $OMSLOG_TOKEN. */
#ifndef OMSLOG_CLIPBOARD_H
#define OMSLOG_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "omslog/buf.h"
#include "omslog/error.h"

/* Standard base64 (RFC 4648, with padding). */
void base64_encode(struct buf *out, const void *data, size_t len);
/* ESC ] 52 ; c ; <base64> BEL. Inside tmux (in_tmux) the sequence is wrapped
 * in tmux's DCS passthrough so it reaches the outer terminal. Payloads larger
 * than CLIPBOARD_MAX_BYTES are refused (returns -1, nothing appended). */
#define CLIPBOARD_MAX_BYTES (1024 * 1024)
int osc52_sequence(struct buf *out, const char *data, size_t len, int in_tmux);
/* curl -sS -H "Authorization: Token $OMSLOG_TOKEN" 'URL' (URL single-quoted
 * safely for a POSIX shell; control bytes in it are percent-encoded so a paste
 * cannot run the line early). A NULL url is treated as "". */
void curl_command(struct buf *out, const char *url);

#define CLIPBOARD_TIMEOUT_MS 2000
#define CLIPBOARD_FILE_NAME "clipboard.txt"
#define CLIPBOARD_WHERE_MAX 512

/* What clipboard_deliver looks at; clipboard_env_init fills it from the
 * process (getenv, and OSC 52 on STDOUT_FILENO). Tests fill it themselves. */
struct clipboard_env {
    const char *tmux;            /* $TMUX: inside tmux when set and not empty */
    const char *wayland_display; /* $WAYLAND_DISPLAY */
    const char *display;         /* $DISPLAY */
    const char *xdg_state_home;  /* used when absolute */
    const char *home;            /* else $HOME/.local/state */
    const char *path;            /* where programs are looked up ($PATH; NULL: none) */
    bool osc52;                  /* outside tmux: the terminal may take OSC 52 */
    int tty_fd;                  /* where OSC 52 is written */
    int timeout_ms;              /* bound on each program (0: CLIPBOARD_TIMEOUT_MS) */
};

/* OSC 52 is assumed taken except by terminals known to ignore it: VTE's
 * (GNOME Terminal and kin set $VTE_VERSION) and the Linux console. */
void clipboard_env_init(struct clipboard_env *env);

enum clipboard_dest {
    CLIPBOARD_FAILED = -1,
    CLIPBOARD_TMUX,    /* the tmux buffer (and the outer clipboard where tmux sets it) */
    CLIPBOARD_OSC52,   /* sent to the terminal */
    CLIPBOARD_PROGRAM, /* wl-copy, xclip or xsel took it */
    CLIPBOARD_FILE,    /* written to a file, mode 0600 */
};

/* Delivers text[0..len). Returns where it went and writes a phrase saying so
 * into where[0..n) ("to the tmux buffer", "sent to the terminal (OSC 52)",
 * "to the clipboard with xclip", "written to PATH"), followed
 * by what failed before, e.g. " (tmux load-buffer: exit status 1)". Returns
 * CLIPBOARD_FAILED with err filled (and where holding the failures) only
 * when even the file could not be written. */
enum clipboard_dest clipboard_deliver(const char *text, size_t len,
                                      const struct clipboard_env *env, char *where, size_t n,
                                      struct omslog_error *err);

#endif
