/* trace.h — Python tracebacks parsed into lines the detail pane can highlight.
 *
 * Contract: trace_parse never fails and never copies the text: lines point
 * into the caller's string by offset, so the text must outlive the struct
 * trace. trace_free releases the line array. Works on any text: lines that
 * are not part of a recognised traceback are TRACE_TEXT. */
#ifndef OMSLOG_TRACE_H
#define OMSLOG_TRACE_H

#include <stdbool.h>
#include <stddef.h>

enum trace_line_kind {
    TRACE_TEXT,      /* anything else */
    TRACE_HEADER,    /* "Traceback (most recent call last):" */
    TRACE_FRAME,     /*   File "/app/x.py", line 12, in handler */
    TRACE_CODE,      /*     the source line under a frame (and ^^^^ markers) */
    TRACE_EXCEPTION, /* "ValueError: bad" — the exception line(s) ending a traceback */
    TRACE_CHAIN,     /* "During handling of the above exception, ..." and
                        "The above exception was the direct cause of ..." */
};

struct trace_line {
    size_t start; /* byte offset into the text */
    size_t len;   /* without the newline */
    enum trace_line_kind kind;
    int frame;    /* index of the frame this line belongs to, or -1 */
    bool library; /* part of a standard-library or site-packages frame (foldable) */
};

struct trace {
    struct trace_line *lines;
    size_t n;
    size_t n_frames;
};

/* Frames are numbered 0..n_frames-1 across all tracebacks of the text (a
 * chained trace is one sequence for [ and ]). Lines end at LF; a CR before it
 * is not part of len; a final newline adds no line; empty text has n == 0.
 * Frame lines are recognised without a header too (logging's stack_info), but
 * only a traceback started by a header ends in TRACE_EXCEPTION lines. */
void trace_parse(const char *text, size_t len, struct trace *out);
void trace_free(struct trace *t);
/* The exception type of the last traceback in text, without its module path
 * ("NoWarehouseAvailable" from "oms.errors.NoWarehouseAvailable: ..."), copied
 * into out (NUL-terminated, cut between characters by utf8_prefix; nothing
 * is written when n is 0). Returns 0, or -1 when there is none.
 * The type is the text before the first ':' of the last traceback's first
 * TRACE_EXCEPTION line, when it is a dotted identifier. Without any exception
 * line (a last traceback cut short has none: -1), the last non-empty line is
 * tried the same way, but without a "Traceback" header in the text its name
 * must end in Error, Exception, Warning, Exit or Interrupt ("Note: x" is no
 * exception). */
int trace_exception_type(const char *text, size_t len, char *out, size_t n);
/* Is this a frame path of the standard library or a third-party package?
 * (".../lib/python3.X/...", "site-packages", "dist-packages", "<frozen ...>") */
bool trace_is_library_path(const char *path, size_t len);

#endif
