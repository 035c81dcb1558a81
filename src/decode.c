/* decode.c — see include/omslog/decode.h
 *
 * One json_loadb per body, then a walk over the tree. Each entry's text is one
 * allocation: its JSON text cut from the body (compacted only when the server
 * pretty-prints), the fields without escapes pointing into it, the others
 * copied after it, their JSON left out where escaping them gives it back
 * (see entry.h). The body is
 * copied only in the rare case that it holds a lone surrogate escape that must
 * be rewritten before jansson sees it. Nothing else is formatted unless there
 * is an error to report. */
#include "omslog/decode.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/datetime.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

/* Bytes of server text quoted in an error message before "...". */
#define DECODE_EXCERPT_MAX 40
/* Bytes of jansson's own error text kept (it quotes the offending token). */
#define DECODE_PARSER_TEXT_MAX 80
/* Room for "entry 1234" / "entry #7 of the page". */
#define DECODE_WHO_MAX 64

/* "\uXXXX": a backslash, 'u' and four hex digits. */
#define DECODE_UESC_LEN 6
#define DECODE_UESC_HEX_OFFSET 2
#define DECODE_UESC_HEX_DIGITS 4
#define DECODE_HIGH_SURROGATE_MIN 0xD800u
#define DECODE_HIGH_SURROGATE_MAX 0xDBFFu
#define DECODE_LOW_SURROGATE_MIN 0xDC00u
#define DECODE_LOW_SURROGATE_MAX 0xDFFFu
/* The hex digits of U+FFFD REPLACEMENT CHARACTER, as long as any other. */
#define DECODE_REPLACEMENT_HEX "fffd"

#define DECODE_ASCII_PRINT_MIN 0x20
#define DECODE_ASCII_PRINT_MAX 0x7e

/* ------------------------------------------------------------------------ */
/* Lone surrogates: Python's json module writes them, jansson refuses them. */

static int decode_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < DECODE_UESC_HEX_DIGITS; i++) {
        int d = hex_digit_value(p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 0;
}

/* The code unit of a well-formed "\uXXXX" at p (within end), or -1. */
static long decode_uescape_at(const char *p, const char *end)
{
    unsigned cu;
    if (end - p < DECODE_UESC_LEN || p[0] != '\\' || p[1] != 'u' ||
        decode_hex4(p + DECODE_UESC_HEX_OFFSET, &cu) != 0)
        return -1;
    return (long)cu;
}

static int decode_is_high(long cu)
{
    return cu >= (long)DECODE_HIGH_SURROGATE_MIN && cu <= (long)DECODE_HIGH_SURROGATE_MAX;
}

static int decode_is_low(long cu)
{
    return cu >= (long)DECODE_LOW_SURROGATE_MIN && cu <= (long)DECODE_LOW_SURROGATE_MAX;
}

/* Returns a malloc'd copy of body with every unpaired surrogate escape
 * replaced by "\ufffd" (same length, so jansson's positions stay right), or
 * NULL when there is none. In valid JSON a backslash occurs only inside a
 * string and always starts a two-byte-or-longer escape, so stepping from one
 * backslash to the next and skipping each escape tracks the string states
 * exactly ("\\ud800" is an escaped backslash and then text). In invalid JSON
 * jansson fails at or before the first misplaced backslash, whatever is
 * rewritten after it. */
static char *decode_fix_surrogates(const char *body, size_t len)
{
    char *copy = NULL;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            break;
        long cu = decode_uescape_at(bs, end);
        if (cu < 0) {
            /* A short escape such as \n or \\ (or garbage); a backslash that
             * ends the body ends the scan (no pointer past the end). */
            p = end - bs < 2 ? end : bs + 2;
            continue;
        }
        p = bs + DECODE_UESC_LEN;
        if (decode_is_high(cu) && decode_is_low(decode_uescape_at(p, end))) {
            p += DECODE_UESC_LEN; /* a proper pair */
            continue;
        }
        if (!decode_is_high(cu) && !decode_is_low(cu))
            continue;
        if (!copy) {
            copy = xmalloc(len);
            memcpy(copy, body, len);
        }
        memcpy(copy + (bs - body) + DECODE_UESC_HEX_OFFSET, DECODE_REPLACEMENT_HEX,
               DECODE_UESC_HEX_DIGITS);
    }
    return copy;
}

/* ------------------------------------------------------------------------ */
/* Error text helpers. */

/* Append s[0..len) keeping printable ASCII and writing every other byte as
 * \xNN, so server text cannot reach a terminal raw; at most max input bytes,
 * then "...". With quoting, '"' and '\' are escaped too, so the excerpt can
 * sit between double quotes unambiguously. */
static void decode_append_excerpt(struct buf *b, const char *s, size_t len, size_t max,
                                  int quoting)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = len < max ? len : max;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= DECODE_ASCII_PRINT_MIN && c <= DECODE_ASCII_PRINT_MAX &&
            !(quoting && (c == '"' || c == '\\'))) {
            buf_putc(b, (char)c);
        } else {
            char esc[] = {'\\', 'x', hex[c >> 4], hex[c & 0xF]};
            buf_append(b, esc, sizeof esc);
        }
    }
    if (len > max)
        buf_appends(b, "...");
}

/* Word the error in err (status OMSLOG_ERR_INTERNAL for DECODE_INTERNAL,
 * OMSLOG_ERR_PROTOCOL for the server's faults) and return why. */
static enum decode_failure decode_fail(struct omslog_error *err, enum decode_failure why,
                                       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum decode_failure decode_fail(struct omslog_error *err, enum decode_failure why,
                                       const char *fmt, ...)
{
    if (err) {
        char msg[OMSLOG_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        error_set(err, why == DECODE_INTERNAL ? OMSLOG_ERR_INTERNAL : OMSLOG_ERR_PROTOCOL, "%s",
                  msg);
    }
    return why;
}

static const char *decode_type_text(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/* Which entry an error is about. Its text is made only when there is an
 * error: formatting it for every entry was about a sixth of what decoding
 * costs beyond jansson's own parse. */
struct decode_who {
    size_t index; /* 1-based position in the page, 0 for a single entry */
    bool named;   /* the id is known: the best name */
    int64_t id;
};

/* "entry 1234", "entry #7 of the page" or "entry"; "" for page-level fields
 * (who NULL). */
static const char *decode_who_text(const struct decode_who *who, char buf[DECODE_WHO_MAX])
{
    if (!who)
        buf[0] = '\0';
    else if (who->named)
        snprintf(buf, DECODE_WHO_MAX, "entry %lld", (long long)who->id);
    else if (who->index)
        snprintf(buf, DECODE_WHO_MAX, "entry #%zu of the page", who->index);
    else
        snprintf(buf, DECODE_WHO_MAX, "entry");
    return buf;
}

/* "<who>: field "<name>" is <type>, expected <what>" ("field ..." alone for
 * page-level fields). */
static enum decode_failure decode_wrong_type(struct omslog_error *err,
                                             const struct decode_who *who, const char *name,
                                             const json_t *v, const char *expected)
{
    char w[DECODE_WHO_MAX];
    return decode_fail(err, DECODE_BAD_FIELD, "%s%sfield \"%s\" is %s, expected %s",
                       decode_who_text(who, w), who ? ": " : "", name, decode_type_text(v),
                       expected);
}

static enum decode_failure decode_missing(struct omslog_error *err, const struct decode_who *who,
                                          const char *name)
{
    char w[DECODE_WHO_MAX];
    return decode_fail(err, DECODE_BAD_FIELD, "%s%sfield \"%s\" is missing",
                       decode_who_text(who, w), who ? ": " : "", name);
}

/* ------------------------------------------------------------------------ */
/* Loading and strings. */

/* On success *text is the text jansson parsed: body itself, or a fixed copy
 * (*fixed, to be freed by the caller) when lone surrogates were rewritten. */
static enum decode_failure decode_load(const char *body, size_t len, json_t **root,
                                       const char **text, char **fixed_out,
                                       struct omslog_error *err)
{
    *root = NULL;
    *fixed_out = NULL;
    *text = body;
    if (!body) {
        if (len)
            return decode_fail(err, DECODE_INTERNAL, "decode: no body but a length of %zu", len);
        body = "";
    }
    /* jansson would say "unexpected token near end of file" here. */
    if (len == 0)
        return decode_fail(err, DECODE_NOT_JSON, "response is not JSON (empty body)");
    char *fixed = decode_fix_surrogates(body, len);
    json_error_t jerr;
    /* DECODE_ANY so that a bare scalar gets "not a JSON object" rather than a
     * parser complaint; ALLOW_NUL for "\u0000" inside strings. */
    *root = json_loadb(fixed ? fixed : body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (*root) {
        *fixed_out = fixed;
        *text = fixed ? fixed : body;
        return DECODE_OK;
    }
    free(fixed);
    if (err) {
        struct buf b = {0};
        buf_appends(&b, "response is not JSON (");
        decode_append_excerpt(&b, jerr.text, strnlen(jerr.text, sizeof jerr.text - 1),
                              DECODE_PARSER_TEXT_MAX, 0);
        buf_printf(&b, ", line %d column %d)", jerr.line, jerr.column);
        decode_fail(err, DECODE_NOT_JSON, "%s", buf_str(&b));
        buf_free(&b);
    }
    return DECODE_NOT_JSON;
}

static size_t decode_count_nuls(const char *s, size_t len)
{
    size_t count = 0;
    const char *end = s + len;
    while (s < end && (s = memchr(s, '\0', (size_t)(end - s))) != NULL) {
        count++;
        s++;
    }
    return count;
}

/* Copy s[0..len) to dst, NULs as C0 80; returns the bytes written. */
static size_t decode_copy_nul_escaped(char *dst, const char *s, size_t len)
{
    char *d = dst;
    const char *end = s + len;
    while (s < end) {
        const char *nul = memchr(s, '\0', (size_t)(end - s));
        size_t run = nul ? (size_t)(nul - s) : (size_t)(end - s);
        memcpy(d, s, run);
        d += run;
        s += run;
        if (nul) {
            memcpy(d, ENTRY_NUL_STANDIN, ENTRY_NUL_STANDIN_LEN);
            d += ENTRY_NUL_STANDIN_LEN;
            s++;
        }
    }
    return (size_t)(d - dst);
}

/* Bytes a JSON string takes as a C string, without the terminator. */
static size_t decode_string_size(const json_t *v)
{
    size_t len = json_string_length(v);
    /* nuls <= len, and a string of SIZE_MAX / 2 bytes cannot have been parsed. */
    return len + decode_count_nuls(json_string_value(v), len) * (ENTRY_NUL_STANDIN_LEN - 1);
}

/* Write v as a C string (NULs as C0 80) at dst, which has room for
 * decode_string_size(v) + 1 bytes (v NULL: ""); returns the bytes written,
 * terminator included. */
static size_t decode_put_string(char *dst, const json_t *v)
{
    size_t n = v ? decode_copy_nul_escaped(dst, json_string_value(v), json_string_length(v)) : 0;
    dst[n] = '\0';
    return n + 1;
}

/* A malloc'd C string of a JSON string (NULs as C0 80). */
static char *decode_strdup(const json_t *v)
{
    char *out = xmalloc(decode_string_size(v) + 1);
    decode_put_string(out, v);
    return out;
}

static void decode_buf_append_string(struct buf *b, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    buf_reserve(b, len * ENTRY_NUL_STANDIN_LEN);
    b->len += decode_copy_nul_escaped(b->data + b->len, s, len);
    b->data[b->len] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Entries. */

/* The entry's string fields (enum entry_text_field), in the order they are
 * checked. */
static const char *const decode_text_names[ENTRY_TEXT_FIELDS] = {
    "logger_name", "message", "app_name", "trace", "created_at",
};

/* Check a string field; *out is its value, or NULL for a null or missing
 * nullable one (which reads as ""). */
static enum decode_failure decode_string_field(const json_t *obj, const struct decode_who *who,
                                               const char *name, bool nullable, const json_t **out,
                                               struct omslog_error *err)
{
    const json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (nullable && (!v || json_is_null(v)))
        return DECODE_OK;
    if (!v)
        return decode_missing(err, who, name);
    if (!json_is_string(v))
        return decode_wrong_type(err, who, name, v, nullable ? "a string or null" : "a string");
    *out = v;
    return DECODE_OK;
}

static enum decode_failure decode_bad_time(struct omslog_error *err, const struct decode_who *who,
                                           const json_t *v)
{
    /* Quote the server's original bytes (with any NUL) for the message. */
    struct buf b = {0};
    decode_append_excerpt(&b, json_string_value(v), json_string_length(v), DECODE_EXCERPT_MAX, 1);
    char w[DECODE_WHO_MAX];
    enum decode_failure why =
        decode_fail(err, DECODE_BAD_FIELD, "%s: field \"%s\" is not an ISO 8601 time: \"%s\"",
                    decode_who_text(who, w), decode_text_names[ENTRY_CREATED], buf_str(&b));
    buf_free(&b);
    return why;
}

/* ------------------------------------------------------------------------ */
/* Raw entry text. json/jsonl output wants the server's object exactly, so we
 * cut each entry out of the body (already validated by jansson) instead of
 * re-serialising it: byte-exact numbers and escapes, and a third less work. */

struct decode_span {
    size_t start, end;
    bool compact; /* no whitespace (or stray NUL) outside strings: copy as is */
};

static bool decode_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t decode_skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && decode_is_ws(s[i]))
        i++;
    return i;
}

/* s[i] is the opening quote; returns the index after the closing one. The
 * bulk of a body is string text (messages, traces), so this jumps from quote
 * to quote with memchr: a quote ends the string unless an odd number of
 * backslashes stands before it. */
static size_t decode_skip_string(const char *s, size_t i, size_t len)
{
    size_t from = i + 1;
    while (from < len) {
        const char *q = memchr(s + from, '"', len - from);
        if (!q)
            break;
        size_t k = (size_t)(q - s), b = k;
        while (b > i + 1 && s[b - 1] == '\\')
            b--;
        if ((k - b) % 2 == 0)
            return k + 1;
        from = k + 1;
    }
    return len;
}

/* A number, true, false or null at s[i]; returns the index after it. */
static size_t decode_skip_scalar(const char *s, size_t i, size_t len, bool *compact)
{
    while (i < len && s[i] != '\0' && !strchr(",}]", s[i]) && !decode_is_ws(s[i]))
        i++;
    /* jansson's lexer swallows one NUL right after a number or literal
     * ("[1\0,2]" loads as [1,2]); so must we, or the scan would stop. */
    if (i < len && s[i] == '\0') {
        *compact = false;
        i++;
    }
    return i;
}

/* The value at s[i] (whitespace before it skipped); returns the index after
 * it and clears *compact when it holds whitespace or a NUL outside strings. */
static size_t decode_skip_value(const char *s, size_t i, size_t len, bool *compact)
{
    i = decode_skip_ws(s, i, len);
    if (i >= len)
        return len;
    if (s[i] == '"')
        return decode_skip_string(s, i, len);
    if (s[i] != '{' && s[i] != '[')
        return decode_skip_scalar(s, i, len, compact);
    size_t depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            i = decode_skip_string(s, i, len);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return i + 1;
        else if (decode_is_ws(c) || c == '\0')
            *compact = false;
        i++;
    }
    return len;
}

/* The elements of an array whose '[' is at s[i]: appended to *out / *n / *cap.
 * Returns the index after the ']'. */
static size_t decode_array_spans(const char *s, size_t i, size_t len, struct decode_span **out,
                                 size_t *n, size_t *cap)
{
    *n = 0;
    i++;
    while ((i = decode_skip_ws(s, i, len)) < len && s[i] != ']') {
        size_t start = i;
        bool compact = true;
        i = decode_skip_value(s, i, len, &compact);
        if (i == start)
            return len; /* no progress: not what jansson parsed; give up */
        ARRAY_GROW(*out, *cap, *n + 1);
        (*out)[(*n)++] = (struct decode_span){start, i, compact};
        i = decode_skip_ws(s, i, len);
        if (i < len && s[i] == ',')
            i++;
    }
    return i + 1;
}

/* Spans of the elements of the top-level "results" array (the last one, as
 * jansson keeps the last of duplicate keys). Returns the number found; the
 * caller uses them only when that is the number jansson found. */
static size_t decode_results_spans(const char *s, size_t len, struct decode_span **out)
{
    static const char key[] = "\"results\"";
    size_t n = 0, cap = 0;
    *out = NULL;
    size_t i = decode_skip_ws(s, 0, len);
    if (i >= len || s[i] != '{')
        return 0;
    i++;
    while ((i = decode_skip_ws(s, i, len)) < len && s[i] == '"') {
        size_t kstart = i;
        i = decode_skip_string(s, i, len);
        bool is_results = i - kstart == sizeof key - 1 && memcmp(s + kstart, key, i - kstart) == 0;
        i = decode_skip_ws(s, i, len);
        if (i >= len || s[i] != ':')
            break;
        i = decode_skip_ws(s, i + 1, len);
        bool unused = true;
        if (is_results && i < len && s[i] == '[')
            i = decode_array_spans(s, i, len, out, &n, &cap);
        else
            i = decode_skip_value(s, i, len, &unused);
        i = decode_skip_ws(s, i, len);
        if (i < len && s[i] == ',')
            i++;
    }
    return n;
}

/* Copy valid JSON text to out (room for len bytes) without the whitespace
 * (and stray NUL bytes) outside strings, so that an entry from a
 * pretty-printing server is one line of jsonl output; returns the length. */
static size_t decode_compact_into(char *out, const char *s, size_t len)
{
    size_t o = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            out[o++] = c;
            if (c == '\\' && i + 1 < len)
                out[o++] = s[++i];
            else if (c == '"')
                in_string = false;
        } else if (!decode_is_ws(c) && c != '\0') {
            /* jansson skips a stray NUL after a number; so must we, or the C
             * string would end there. */
            out[o++] = c;
            in_string = c == '"';
        }
    }
    return o;
}

/* Where a string field's value stands in an entry's text: the bytes between
 * its quotes, s[start..end), end being the closing quote. */
struct decode_range {
    size_t start, end;
    bool found;
};

/* The text field a key (quotes included) names, or -1. */
static int decode_text_key(const char *key, size_t len)
{
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++) {
        const char *name = decode_text_names[f];
        size_t n = strlen(name);
        if (len == n + 2 && key[0] == '"' && memcmp(key + 1, name, n) == 0)
            return f;
    }
    return -1;
}

/* The string values of the text fields of the object s[0..len) (valid
 * JSON), the last of duplicate keys as jansson keeps. A field found here is
 * only a candidate: the caller checks its bytes against jansson's value. */
static void decode_field_ranges(const char *s, size_t len, struct decode_range at[])
{
    memset(at, 0, ENTRY_TEXT_FIELDS * sizeof *at);
    size_t i = decode_skip_ws(s, 0, len);
    if (i >= len || s[i] != '{')
        return;
    i++;
    while ((i = decode_skip_ws(s, i, len)) < len && s[i] == '"') {
        size_t kstart = i;
        i = decode_skip_string(s, i, len);
        int f = decode_text_key(s + kstart, i - kstart);
        i = decode_skip_ws(s, i, len);
        if (i >= len || s[i] != ':')
            return;
        size_t vstart = decode_skip_ws(s, i + 1, len);
        bool unused = true;
        i = decode_skip_value(s, vstart, len, &unused);
        if (f >= 0) {
            bool quoted = vstart < len && s[vstart] == '"' && i - vstart >= 2 && s[i - 1] == '"';
            at[f] = (struct decode_range){vstart + 1, i - 1, quoted};
        }
        i = decode_skip_ws(s, i, len);
        if (i < len && s[i] == ',')
            i++;
    }
}

/* Whether s[0..len) is v's value byte for byte (no escape was decoded), so
 * the field can be those bytes; v must hold no NUL, which is a C string's end. */
static bool decode_same_text(const char *s, size_t len, const json_t *v)
{
    return v && json_string_length(v) == len && memcmp(s, json_string_value(v), len) == 0 &&
           !memchr(s, '\0', len);
}

/* How a field is held in its entry's text (entry.h). */
enum decode_hold {
    DECODE_HOLD_COPY,   /* a copy after the JSON text */
    DECODE_HOLD_ALIAS,  /* the JSON text's own bytes */
    DECODE_HOLD_ESCAPE, /* a copy, its JSON left out: escaping it gives it back */
};

static enum decode_hold decode_hold_of(const char *s, const struct decode_range *at,
                                       const json_t *v)
{
    if (!v || !at->found)
        return DECODE_HOLD_COPY;
    const char *raw = s + at->start;
    size_t n = at->end - at->start;
    if (decode_same_text(raw, n, v))
        return DECODE_HOLD_ALIAS;
    if (log_entry_escapes_as(json_string_value(v), json_string_length(v), raw, n))
        return DECODE_HOLD_ESCAPE;
    return DECODE_HOLD_COPY;
}

/* Move the JSON text src[0..len) to t->bytes (src may be t->bytes itself: the
 * text only shrinks) leaving out the contents of ESCAPE fields and ending
 * ALIAS fields with '\0' (off[f]: where they start); sets the splices. */
static void decode_place_json(struct log_entry_text *t, const char *src, size_t len,
                              const struct decode_range at[], const enum decode_hold hold[],
                              size_t off[])
{
    int order[ENTRY_TEXT_FIELDS], n = 0;
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++) {
        if (hold[f] == DECODE_HOLD_COPY)
            continue;
        int k = n++;
        for (; k > 0 && at[order[k - 1]].start > at[f].start; k--)
            order[k] = order[k - 1];
        order[k] = f;
    }
    size_t o = 0, pos = 0;
    t->nsplices = 0;
    for (int k = 0; k < n; k++) {
        int f = order[k];
        /* Up to the closing quote (ALIAS) or through the opening one. */
        size_t upto = hold[f] == DECODE_HOLD_ALIAS ? at[f].end : at[f].start;
        memmove(t->bytes + o, src + pos, upto - pos);
        o += upto - pos;
        if (hold[f] == DECODE_HOLD_ALIAS) {
            off[f] = o - (at[f].end - at[f].start);
            t->bytes[o] = '\0';
            t->splice[t->nsplices++] = (struct log_entry_splice){o, -1};
            o++;
            pos = upto + 1;
        } else {
            t->splice[t->nsplices++] = (struct log_entry_splice){o, f};
            pos = at[f].end; /* the closing quote is copied next */
        }
    }
    memmove(t->bytes + o, src + pos, len - pos);
    t->json_len = o + (len - pos);
    t->bytes[t->json_len] = '\0';
}

/* Fill e->text (see entry.h) from the entry's JSON text src[0..len), compact
 * or to be compacted, and its field values v[] (NULL: ""). Each field is held
 * once where it can be (see enum decode_hold); the JSON text only when
 * log_entry_json could not give it back byte for byte. */
static void decode_build_text(struct log_entry *e, const char *src, size_t len, bool compact,
                              const json_t *const v[ENTRY_TEXT_FIELDS])
{
    struct decode_range at[ENTRY_TEXT_FIELDS];
    enum decode_hold hold[ENTRY_TEXT_FIELDS];
    decode_field_ranges(src, len, at);
    size_t size = len + 1;
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++) {
        /* Compacting moves the text: room for every copy, decided after it. */
        hold[f] = compact ? decode_hold_of(src, &at[f], v[f]) : DECODE_HOLD_COPY;
        if (hold[f] == DECODE_HOLD_ESCAPE)
            size -= at[f].end - at[f].start;
        if (hold[f] != DECODE_HOLD_ALIAS)
            size += (v[f] ? decode_string_size(v[f]) : 0) + 1;
    }
    struct log_entry_text *t = xmalloc(sizeof *t + size);
    size_t off[ENTRY_TEXT_FIELDS];
    if (compact) {
        decode_place_json(t, src, len, at, hold, off);
    } else {
        /* The same strings, moved: find them again where they are now. Any
         * way of holding them needs no more room than was reserved. */
        size_t n = decode_compact_into(t->bytes, src, len);
        decode_field_ranges(t->bytes, n, at);
        for (int f = 0; f < ENTRY_TEXT_FIELDS; f++)
            hold[f] = decode_hold_of(t->bytes, &at[f], v[f]);
        decode_place_json(t, t->bytes, n, at, hold, off);
    }
    size_t tail = t->json_len + 1;
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++) {
        if (hold[f] != DECODE_HOLD_ALIAS) {
            off[f] = tail;
            tail += decode_put_string(t->bytes + tail, v[f]);
        }
    }
    if (tail < size) /* room that compaction or aliasing left unused */
        t = xrealloc(t, sizeof *t + tail);
    t->size = tail;
    char **fields[ENTRY_TEXT_FIELDS] = {&e->logger_name, &e->message, &e->app_name, &e->trace,
                                        &e->created_at};
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++)
        *fields[f] = t->bytes + off[f];
    e->text = t;
}

/* index is the 1-based position in the page, or 0 for a single entry. span:
 * where the entry stands in text, or NULL to re-serialise it instead. */
static enum decode_failure decode_entry_object(const json_t *obj, size_t index, const char *text,
                                               const struct decode_span *span,
                                               struct log_entry *out, struct omslog_error *err)
{
    struct decode_who who = {index, false, 0};
    char w[DECODE_WHO_MAX];
    struct log_entry e = {0};

    if (!json_is_object(obj))
        return decode_fail(err, DECODE_BAD_SHAPE, "%s is %s, expected an object",
                           decode_who_text(&who, w), decode_type_text(obj));

    const json_t *id = json_object_get(obj, "id");
    if (!id)
        return decode_missing(err, &who, "id");
    if (!json_is_integer(id))
        return decode_wrong_type(err, &who, "id", id, "an integer");
    e.id = (int64_t)json_integer_value(id);
    /* From here on the id is the best name for the entry. */
    who.named = true;
    who.id = e.id;

    const json_t *level = json_object_get(obj, "level");
    if (!level)
        return decode_missing(err, &who, "level");
    if (!json_is_integer(level))
        return decode_wrong_type(err, &who, "level", level, "an integer");
    json_int_t lv = json_integer_value(level);
    if (lv < INT_MIN || lv > INT_MAX)
        return decode_fail(err, DECODE_BAD_FIELD, "%s: field \"level\" is out of range (%lld)",
                           decode_who_text(&who, w), (long long)lv);
    e.level = (int)lv;

    const json_t *v[ENTRY_TEXT_FIELDS];
    for (int f = 0; f < ENTRY_TEXT_FIELDS; f++) {
        enum decode_failure why =
            decode_string_field(obj, &who, decode_text_names[f], f == ENTRY_TRACE, &v[f], err);
        if (why != DECODE_OK)
            return why;
    }

    char *dumped = NULL;
    if (!span) {
        /* jansson allocates with malloc (we never install other allocators). */
        dumped = json_dumps(obj, JSON_COMPACT);
        if (!dumped)
            return decode_fail(err, DECODE_INTERNAL, "%s: cannot re-serialise the entry",
                               decode_who_text(&who, w));
        decode_build_text(&e, dumped, strlen(dumped), true, v);
        free(dumped);
    } else {
        decode_build_text(&e, text + span->start, span->end - span->start, span->compact, v);
    }
    if (datetime_parse(e.created_at, &e.created) != 0) {
        log_entry_free(&e);
        return decode_bad_time(err, &who, v[ENTRY_CREATED]);
    }
    *out = e;
    return DECODE_OK;
}

/* What decode_entry / decode_page do with the top-level object. */
typedef enum decode_failure (*decode_object_fn)(const json_t *root, const char *text, size_t len,
                                                void *out, struct omslog_error *err);

/* Load body, insist on an object and hand it to fn (out was zeroed first). */
static enum decode_failure decode_body(const char *body, size_t len, decode_object_fn fn,
                                       void *out, struct omslog_error *err)
{
    json_t *root;
    const char *text;
    char *fixed;
    enum decode_failure why = decode_load(body, len, &root, &text, &fixed, err);
    if (why != DECODE_OK)
        return why;
    if (!json_is_object(root))
        why = decode_fail(err, DECODE_BAD_SHAPE, "response is not a JSON object");
    else
        why = fn(root, text, len, out, err);
    json_decref(root);
    free(fixed);
    return why;
}

static enum decode_failure decode_entry_root(const json_t *root, const char *text, size_t len,
                                             void *out, struct omslog_error *err)
{
    /* The whole body is the entry: its span is the body less the whitespace
     * around it (which is all there can be: jansson accepted it). */
    struct decode_span span = {0, len, true};
    span.start = decode_skip_ws(text, 0, len);
    span.end = decode_skip_value(text, span.start, len, &span.compact);
    return decode_entry_object(root, 0, text, &span, out, err);
}

enum decode_failure decode_entry(const char *body, size_t len, struct log_entry *out,
                                 struct omslog_error *err)
{
    error_clear(err);
    memset(out, 0, sizeof *out);
    return decode_body(body, len, decode_entry_root, out, err);
}

/* ------------------------------------------------------------------------ */
/* Pages. */

/* next / previous: a string, or null (missing is taken as null too: omslog
 * paginates by page number, not by these links). */
static enum decode_failure decode_link(const json_t *root, const char *name, char **out,
                                       struct omslog_error *err)
{
    const json_t *v = json_object_get(root, name);
    if (!v || json_is_null(v)) {
        *out = NULL;
        return DECODE_OK;
    }
    if (!json_is_string(v))
        return decode_wrong_type(err, NULL, name, v, "a string or null");
    *out = decode_strdup(v);
    return DECODE_OK;
}

static enum decode_failure decode_page_object(const json_t *root, const char *text, size_t len,
                                              void *out, struct omslog_error *err)
{
    struct log_page *p = out;
    const json_t *count = json_object_get(root, "count");
    if (!count)
        return decode_missing(err, NULL, "count");
    if (!json_is_integer(count))
        return decode_wrong_type(err, NULL, "count", count, "a non-negative integer");
    if (json_integer_value(count) < 0)
        return decode_fail(err, DECODE_BAD_FIELD, "field \"count\" is negative (%lld)",
                           (long long)json_integer_value(count));
    p->count = (int64_t)json_integer_value(count);

    enum decode_failure why;
    if ((why = decode_link(root, "next", &p->next, err)) ||
        (why = decode_link(root, "previous", &p->previous, err)))
        return why;

    const json_t *results = json_object_get(root, "results");
    if (!results)
        return decode_missing(err, NULL, "results");
    if (!json_is_array(results))
        return decode_wrong_type(err, NULL, "results", results, "an array");
    size_t n = json_array_size(results);
    struct decode_span *spans;
    /* Should the scan ever disagree with jansson, re-serialise instead. */
    bool have_spans = decode_results_spans(text, len, &spans) == n;
    p->entries = xcalloc(n, sizeof *p->entries);
    for (size_t i = 0; i < n && why == DECODE_OK; i++) {
        why = decode_entry_object(json_array_get(results, i), i + 1, text,
                                  have_spans ? &spans[i] : NULL, &p->entries[i], err);
        if (why == DECODE_OK)
            p->n = i + 1;
    }
    free(spans);
    return why;
}

enum decode_failure decode_page(const char *body, size_t len, struct log_page *out,
                                struct omslog_error *err)
{
    error_clear(err);
    memset(out, 0, sizeof *out);
    enum decode_failure why = decode_body(body, len, decode_page_object, out, err);
    if (why != DECODE_OK)
        log_page_free(out); /* whatever was filled in before the fault */
    return why;
}

/* ------------------------------------------------------------------------ */
/* DRF error bodies. */

/* Keys whose messages read best without a "key: " prefix. */
static int decode_is_bare_key(const char *key)
{
    return strcmp(key, "detail") == 0 || strcmp(key, "non_field_errors") == 0;
}

static void decode_append_message(struct buf *b, const char *key, const json_t *msg)
{
    if (b->len)
        buf_appends(b, "; ");
    if (key && !decode_is_bare_key(key)) {
        buf_appends(b, key);
        buf_appends(b, ": ");
    }
    decode_buf_append_string(b, msg);
}

/* A string, or a non-empty array of strings: one "key: msg" each. */
static int decode_append_messages(struct buf *b, const char *key, const json_t *v)
{
    if (json_is_string(v)) {
        decode_append_message(b, key, v);
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return -1;
    size_t i;
    const json_t *msg;
    json_array_foreach(v, i, msg)
    {
        if (!json_is_string(msg))
            return -1;
        decode_append_message(b, key, msg);
    }
    return 0;
}

static int decode_validation_object(struct buf *b, const json_t *obj)
{
    if (json_object_size(obj) == 0)
        return -1;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (decode_append_messages(b, key, v) != 0)
            return -1;
    }
    return 0;
}

/* Copy at most n-1 bytes, backing off so no UTF-8 sequence is cut. */
static void decode_copy_truncated(char *out, size_t n, const char *s, size_t len)
{
    size_t cut = utf8_prefix(s, len, n - 1);
    memcpy(out, s, cut);
    out[cut] = '\0';
}

int decode_error_detail(const char *body, size_t len, char *out, size_t n)
{
    if (!out || n == 0)
        return -1;
    json_t *root;
    const char *text;
    char *fixed;
    if (decode_load(body, len, &root, &text, &fixed, NULL) != DECODE_OK)
        return -1;
    free(fixed);
    struct buf b = {0};
    int rc = -1;
    if (json_is_object(root)) {
        const json_t *detail = json_object_get(root, "detail");
        /* {"detail": ...} wins over any extra fields a handler adds. */
        if (json_is_string(detail)) {
            decode_buf_append_string(&b, detail);
            rc = 0;
        } else {
            rc = decode_validation_object(&b, root);
        }
    } else if (json_is_array(root)) {
        rc = decode_append_messages(&b, NULL, root);
    }
    if (rc == 0)
        decode_copy_truncated(out, n, buf_str(&b), b.len);
    buf_free(&b);
    json_decref(root);
    return rc;
}
