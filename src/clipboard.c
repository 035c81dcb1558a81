/* clipboard.c — see include/omslog/clipboard.h */
#include "omslog/clipboard.h"

#include <stdint.h>

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
