/* error.c — see include/omslog/error.h */
#include "omslog/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "omslog/util.h"

#define UTF8_CONT_MASK 0xC0
#define UTF8_CONT_BITS 0x80
#define UTF8_LEAD4 0xF0
#define UTF8_LEAD3 0xE0
#define UTF8_LEAD2 0xC0

/* vsnprintf cuts at a byte count: drop a UTF-8 sequence left incomplete at
 * the end of msg (len bytes), so a long message quoting non-ASCII server text
 * still reaches the terminal as valid UTF-8. */
static void error_trim_utf8(char *msg, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)msg[i - 1] & UTF8_CONT_MASK) == UTF8_CONT_BITS)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)msg[i - 1];
    size_t need = lead >= UTF8_LEAD4 ? 4 : lead >= UTF8_LEAD3 ? 3 : lead >= UTF8_LEAD2 ? 2 : 1;
    if (len - (i - 1) < need)
        msg[i - 1] = '\0';
}

int error_set(struct omslog_error *e, enum omslog_status status, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->status = status;
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof e->msg)
            error_trim_utf8(e->msg, sizeof e->msg - 1);
    }
    return (int)status;
}

void error_clear(struct omslog_error *e)
{
    if (e) {
        e->status = OMSLOG_OK;
        e->msg[0] = '\0';
    }
}

const char *error_status_name(enum omslog_status status)
{
    static const char *const names[] = {
        [OMSLOG_OK] = "ok",
        [OMSLOG_ERR_INTERNAL] = "internal",
        [OMSLOG_ERR_USAGE] = "usage",
        [OMSLOG_ERR_CONFIG] = "config",
        [OMSLOG_ERR_AUTH] = "auth",
        [OMSLOG_ERR_NOT_FOUND] = "not-found",
        [OMSLOG_ERR_BAD_REQUEST] = "bad-request",
        [OMSLOG_ERR_RATE_LIMIT] = "rate-limited",
        [OMSLOG_ERR_SERVER] = "server",
        [OMSLOG_ERR_CONNECT] = "connect",
        [OMSLOG_ERR_DNS] = "dns",
        [OMSLOG_ERR_TLS] = "tls",
        [OMSLOG_ERR_TIMEOUT] = "timeout",
        [OMSLOG_ERR_PROTOCOL] = "protocol",
        [OMSLOG_ERR_ORIGIN] = "origin",
        [OMSLOG_ERR_IO] = "io",
    };
    if ((unsigned)status < ARRAY_LEN(names) && names[status])
        return names[status];
    return "unknown";
}
