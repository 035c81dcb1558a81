/* clipboard.h — copying text to the user's clipboard with OSC 52 (works over
 * ssh and in tmux), and building the yank menu's payloads.
 *
 * Contract: functions append to a caller-owned buffer and never fail. The
 * curl command never contains the token: it reads it from $OMSLOG_TOKEN. */
#ifndef OMSLOG_CLIPBOARD_H
#define OMSLOG_CLIPBOARD_H

#include <stddef.h>

#include "omslog/buf.h"

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

#endif
