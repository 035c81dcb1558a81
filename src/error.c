/* error.c — see include/omslog/error.h */
#include "omslog/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "omslog/util.h"

int error_set(struct omslog_error *e, enum omslog_status status, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->status = status;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
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
