/* trace.c — see include/omslog/trace.h
 *
 * A line-by-line state machine over Python's traceback format. It never
 * rejects input: whatever does not fit the format is TRACE_TEXT, so a
 * truncated, prefixed or hand-written trace still displays. */
#include "omslog/trace.h"

#include <stdlib.h>
#include <string.h>

#include "omslog/utf8.h"
#include "omslog/util.h"

static const char TRACE_HEADER_TEXT[] = "Traceback (most recent call last):";
static const char TRACE_CHAIN_CONTEXT[] =
    "During handling of the above exception, another exception occurred:";
static const char TRACE_CHAIN_CAUSE[] =
    "The above exception was the direct cause of the following exception:";
static const char FRAME_FILE_TAG[] = "File \"";
static const char FRAME_LINE_TAG[] = "\", line ";
static const char FRAME_IN_TAG[] = ", in ";
/* Python prints "line None" for frames without a line number. */
static const char FRAME_NO_LINENO[] = "None";
static const char FROZEN_PREFIX[] = "<frozen ";

#define LIT_LEN(s) (sizeof(s) - 1)

/* Without a Traceback header, an "Ident: message" line counts as an exception
 * only when the name ends like Python's exception classes conventionally do;
 * otherwise "Note: the order was split" would become an exception type. */
static const char *const exception_suffixes[] = {
    "Error", "Exception", "Warning", "Exit", "Interrupt",
};

enum parse_state {
    STATE_OUTSIDE,   /* not inside a traceback */
    STATE_HEADER,    /* after "Traceback ...", before the first frame */
    STATE_FRAME,     /* after a frame line: indented lines are its code */
    STATE_EXCEPTION, /* after the exception line: continuation lines */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool has_prefix(const char *s, size_t len, const char *prefix, size_t plen)
{
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

/* Length without trailing spaces and tabs. */
static size_t rtrim_len(const char *s, size_t len)
{
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    return len;
}

static bool line_equals(const char *s, size_t len, const char *lit, size_t litlen)
{
    len = rtrim_len(s, len);
    return len == litlen && memcmp(s, lit, len) == 0;
}

static bool is_header(const char *s, size_t len)
{
    return line_equals(s, len, TRACE_HEADER_TEXT, LIT_LEN(TRACE_HEADER_TEXT));
}

static bool is_chain(const char *s, size_t len)
{
    return line_equals(s, len, TRACE_CHAIN_CONTEXT, LIT_LEN(TRACE_CHAIN_CONTEXT)) ||
           line_equals(s, len, TRACE_CHAIN_CAUSE, LIT_LEN(TRACE_CHAIN_CAUSE));
}

/* Does s[i..len) hold a line number followed by the end of the line or
 * ", in func"? */
static bool frame_tail_ok(const char *s, size_t len, size_t i)
{
    if (has_prefix(s + i, len - i, FRAME_NO_LINENO, LIT_LEN(FRAME_NO_LINENO))) {
        i += LIT_LEN(FRAME_NO_LINENO);
    } else {
        if (i >= len || !is_digit(s[i]))
            return false;
        while (i < len && is_digit(s[i]))
            i++;
    }
    return rtrim_len(s + i, len - i) == 0 ||
           has_prefix(s + i, len - i, FRAME_IN_TAG, LIT_LEN(FRAME_IN_TAG));
}

/* `  File "path", line N, in func`: returns true and the path's position.
 * The path is printed unescaped, so it may itself contain `", line `; the
 * last occurrence that is followed by a valid tail is the real one. */
static bool parse_frame(const char *s, size_t len, size_t *path_off, size_t *path_len)
{
    size_t i = 0;
    while (i < len && is_blank(s[i]))
        i++;
    if (!has_prefix(s + i, len - i, FRAME_FILE_TAG, LIT_LEN(FRAME_FILE_TAG)))
        return false;
    size_t path = i + LIT_LEN(FRAME_FILE_TAG);
    bool found = false;
    for (size_t j = path; j + LIT_LEN(FRAME_LINE_TAG) <= len; j++) {
        if (has_prefix(s + j, len - j, FRAME_LINE_TAG, LIT_LEN(FRAME_LINE_TAG)) &&
            frame_tail_ok(s, len, j + LIT_LEN(FRAME_LINE_TAG))) {
            *path_off = path;
            *path_len = j - path;
            found = true;
        }
    }
    return found;
}

/* Is s[0..len) a path component "python2", "python3" or "python3.11"? */
static bool is_python_dir(const char *s, size_t len)
{
    static const char name[] = "python";
    if (len < LIT_LEN(name) + 1 || memcmp(s, name, LIT_LEN(name)) != 0)
        return false;
    size_t i = LIT_LEN(name);
    if (s[i] != '2' && s[i] != '3')
        return false;
    for (i++; i < len; i++)
        if (!is_digit(s[i]) && s[i] != '.')
            return false;
    return true;
}

static bool is_separator(char c)
{
    /* Backslash too: tracebacks from Windows workers carry C:\...\Lib\... */
    return c == '/' || c == '\\';
}

static bool component_is(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return false;
    }
    return true;
}

bool trace_is_library_path(const char *path, size_t len)
{
    if (!path)
        return false;
    if (has_prefix(path, len, FROZEN_PREFIX, LIT_LEN(FROZEN_PREFIX)))
        return true;
    /* Walk the directory components (the file name itself never counts:
     * ".../lib/python3.11" as a file is not a directory of the stdlib). */
    const char *prev = NULL;
    size_t prev_len = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_separator(path[i]))
            continue;
        const char *comp = path + start;
        size_t clen = i - start;
        if (component_is(comp, clen, "site-packages") || component_is(comp, clen, "dist-packages"))
            return true;
        if (prev && is_python_dir(comp, clen) &&
            (component_is(prev, prev_len, "lib") || component_is(prev, prev_len, "lib64")))
            return true;
        prev = comp;
        prev_len = clen;
        start = i + 1;
    }
    return false;
}

static size_t count_lines(const char *text, size_t len)
{
    if (len == 0)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    /* The last line has no newline of its own unless the text ends in one. */
    return text[len - 1] == '\n' ? n : n + 1;
}

void trace_parse(const char *text, size_t len, struct trace *out)
{
    out->lines = NULL;
    out->n = 0;
    out->n_frames = 0;
    if (!text || len == 0)
        return;

    size_t cap = count_lines(text, len);
    out->lines = xcalloc(cap, sizeof *out->lines);

    enum parse_state state = STATE_OUTSIDE;
    bool in_traceback = false; /* a header was seen and no blank line since */
    bool frame_library = false;
    int frame = -1;
    size_t pos = 0;
    while (pos < len && out->n < cap) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t llen = end - pos;
        if (llen > 0 && text[pos + llen - 1] == '\r')
            llen--;
        const char *s = text + pos;

        struct trace_line *line = &out->lines[out->n++];
        line->start = pos;
        line->len = llen;
        line->kind = TRACE_TEXT;
        line->frame = -1;
        line->library = false;

        size_t path_off, path_len;
        bool blank = rtrim_len(s, llen) == 0;
        if (is_header(s, llen)) {
            line->kind = TRACE_HEADER;
            state = STATE_HEADER;
            in_traceback = true;
        } else if (is_chain(s, llen)) {
            line->kind = TRACE_CHAIN;
            state = STATE_OUTSIDE;
            in_traceback = false;
        } else if (blank) {
            /* Python never prints blank lines inside a traceback: it ended. */
            state = STATE_OUTSIDE;
            in_traceback = false;
        } else if (state == STATE_EXCEPTION) {
            /* A multi-line message (or 3.11 notes) continues to the blank line. */
            line->kind = TRACE_EXCEPTION;
        } else if (parse_frame(s, llen, &path_off, &path_len)) {
            /* Frames are recognised without a header too: logging's
             * stack_info prints them under "Stack (most recent call last):". */
            frame = (int)out->n_frames++;
            frame_library = trace_is_library_path(s + path_off, path_len);
            line->kind = TRACE_FRAME;
            line->frame = frame;
            line->library = frame_library;
            state = STATE_FRAME;
        } else if (state == STATE_FRAME && is_blank(s[0])) {
            /* Source line, 3.11 ^^^/~~~ markers, "[Previous line repeated]". */
            line->kind = TRACE_CODE;
            line->frame = frame;
            line->library = frame_library;
        } else if ((state == STATE_FRAME || state == STATE_HEADER) && in_traceback &&
                   !is_blank(s[0])) {
            line->kind = TRACE_EXCEPTION;
            state = STATE_EXCEPTION;
        } else if (state == STATE_FRAME) {
            state = STATE_OUTSIDE;
        }
        pos = end + 1;
    }
}

void trace_free(struct trace *t)
{
    if (!t)
        return;
    free(t->lines);
    t->lines = NULL;
    t->n = 0;
    t->n_frames = 0;
}

static bool is_ident_char(char c)
{
    /* Bytes >= 0x80: Python 3 identifiers may be non-ASCII. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* The exception name at the start of an exception line: the text before the
 * first ':' (or the whole line), when it is a dotted identifier. Sets the
 * position of its last component. */
static bool exception_name(const char *s, size_t len, size_t *name_off, size_t *name_len)
{
    const char *colon = memchr(s, ':', len);
    size_t end = rtrim_len(s, colon ? (size_t)(colon - s) : len);
    if (end == 0)
        return false;
    size_t comp = 0;
    for (size_t i = 0; i <= end; i++) {
        if (i == end || s[i] == '.') {
            /* Empty or digit-led components are not identifiers. */
            if (i == comp || is_digit(s[comp]))
                return false;
            if (i < end)
                comp = i + 1;
        } else if (!is_ident_char(s[i])) {
            return false;
        }
    }
    *name_off = comp;
    *name_len = end - comp;
    return true;
}

static bool has_exception_suffix(const char *s, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(exception_suffixes); i++) {
        size_t n = strlen(exception_suffixes[i]);
        if (len >= n && memcmp(s + len - n, exception_suffixes[i], n) == 0)
            return true;
    }
    return false;
}

/* Copy at most n - 1 bytes, never ending inside a UTF-8 sequence. */
static void copy_truncated(char *out, size_t n, const char *s, size_t len)
{
    if (n == 0)
        return;
    len = utf8_prefix(s, len, n - 1);
    memcpy(out, s, len);
    out[len] = '\0';
}

int trace_exception_type(const char *text, size_t len, char *out, size_t n)
{
    if (n > 0)
        out[0] = '\0';
    struct trace t;
    trace_parse(text, len, &t);

    /* The first line of the last exception block: later lines of the block
     * are the message's continuation, not a type. */
    const struct trace_line *exc = NULL;
    bool has_header = false;
    for (size_t i = 0; i < t.n; i++) {
        if (t.lines[i].kind == TRACE_HEADER) {
            /* A later traceback cut before its exception line has no type;
             * the previous traceback's would be the wrong answer. */
            has_header = true;
            exc = NULL;
        }
        if (t.lines[i].kind == TRACE_EXCEPTION &&
            (i == 0 || t.lines[i - 1].kind != TRACE_EXCEPTION))
            exc = &t.lines[i];
    }
    bool need_suffix = false;
    if (!exc) {
        /* Not a full traceback: maybe just "pkg.SomeError: message". */
        for (size_t i = t.n; i > 0; i--) {
            if (rtrim_len(text + t.lines[i - 1].start, t.lines[i - 1].len) > 0) {
                exc = &t.lines[i - 1];
                break;
            }
        }
        need_suffix = !has_header;
    }

    int rc = -1;
    size_t off, nlen;
    if (exc && exception_name(text + exc->start, exc->len, &off, &nlen)) {
        const char *name = text + exc->start + off;
        if (!need_suffix || has_exception_suffix(name, nlen)) {
            copy_truncated(out, n, name, nlen);
            rc = 0;
        }
    }
    trace_free(&t);
    return rc;
}
