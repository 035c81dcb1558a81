/* error.h — errors as values, and omslog's exit statuses.
 *
 * Contract: every fallible function takes a struct omslog_error * (may be NULL
 * when the caller does not care) and fills it with a status and one line of
 * plain words: what failed and what to check. The status doubles as the
 * process exit status of the command-line modes, so the numbers are part of the
 * documented interface (README.md, doc/omslog.1) and never change. */
#ifndef OMSLOG_ERROR_H
#define OMSLOG_ERROR_H

enum omslog_status {
    OMSLOG_OK = 0,
    OMSLOG_ERR_INTERNAL = 1,    /* a bug or out of resources */
    OMSLOG_ERR_USAGE = 2,       /* bad command line */
    OMSLOG_ERR_CONFIG = 3,      /* bad configuration, unsafe permissions, missing url */
    OMSLOG_ERR_AUTH = 4,        /* 401 / 403 */
    OMSLOG_ERR_NOT_FOUND = 5,   /* 404: no such log id, or page past the end */
    OMSLOG_ERR_BAD_REQUEST = 6, /* 400: the server rejected a parameter */
    OMSLOG_ERR_RATE_LIMIT = 7,  /* 429 after all retries */
    OMSLOG_ERR_SERVER = 8,      /* 5xx after all retries, or another unexpected status */
    OMSLOG_ERR_CONNECT = 9,     /* connection refused / reset / unreachable */
    OMSLOG_ERR_DNS = 10,        /* host name did not resolve */
    OMSLOG_ERR_TLS = 11,        /* certificate or handshake failure */
    OMSLOG_ERR_TIMEOUT = 12,    /* connect, overall or low-speed timeout */
    OMSLOG_ERR_PROTOCOL = 13,   /* not JSON, truncated body, wrong shape */
    OMSLOG_ERR_ORIGIN = 14,     /* redirect (or URL) to another origin refused */
    OMSLOG_ERR_IO = 15,         /* local file or output error */
};

#define OMSLOG_ERROR_MSG_MAX 512

struct omslog_error {
    enum omslog_status status;
    char msg[OMSLOG_ERROR_MSG_MAX];
};

/* Set status and message (printf-style). A NULL e is ignored. Returns status,
 * so callers can write `return error_set(err, OMSLOG_ERR_USAGE, "...")`. A
 * message longer than the buffer is cut between characters (utf8_prefix);
 * e->msg may be one of the arguments. */
int error_set(struct omslog_error *e, enum omslog_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_clear(struct omslog_error *e);

#endif
