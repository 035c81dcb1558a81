/* decode_fast.c — see include/omslog/decode_fast.h
 *
 * Why a second decoder: jansson builds a tree (a hash table per object, an
 * allocation per value) that decode.c then copies out of; on this project's
 * machines that tree alone runs at about 100 MB/s, under the 150 MB/s asked of
 * page decoding. Here a page is read once, left to right, and each field the
 * data model keeps is copied straight into the entry that owns it.
 *
 * Why it may refuse valid JSON: anything it is not sure to treat exactly as
 * jansson + decode.c would (see the header) goes to that full decoder, which
 * stays the reference and the only author of error messages. So every
 * function here answers "done" or "not mine" (false), never an error text. */
#include "omslog/decode_fast.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "omslog/datetime.h"
#include "omslog/util.h"

/* More decimal digits than this could overflow int64_t (jansson's json_int_t
 * is long long); such integers are left to the full decoder. */
#define FAST_INT_DIGITS_MAX 18
#define FAST_ENTRIES_MIN 16

#define FAST_UESC_LEN 6 /* \uXXXX */
#define FAST_UESC_HEX_DIGITS 4
#define FAST_HIGH_SURROGATE_MIN 0xD800u
#define FAST_HIGH_SURROGATE_MAX 0xDBFFu
#define FAST_LOW_SURROGATE_MIN 0xDC00u
#define FAST_LOW_SURROGATE_MAX 0xDFFFu
#define FAST_SURROGATE_BASE 0x10000u
#define FAST_SURROGATE_SHIFT 10
#define FAST_UNICODE_MAX 0x10FFFFu

#define FAST_ASCII_CONTROL_END 0x20u /* bytes below this must be escaped */
#define FAST_ASCII_END 0x80u
#define FAST_UTF8_CONT_MASK 0xC0u
#define FAST_UTF8_CONT_BITS 0x80u
#define FAST_UTF8_CONT_PAYLOAD 0x3Fu
#define FAST_UTF8_CONT_SHIFT 6
#define FAST_UTF8_2_MAX_CP 0x7FFu
#define FAST_UTF8_3_MAX_CP 0xFFFFu
#define FAST_UTF8_2_LEAD 0xC0u
#define FAST_UTF8_3_LEAD 0xE0u
#define FAST_UTF8_4_LEAD 0xF0u

/* Eight bytes at a time: a byte-wise "is any byte one of these" test on a
 * 64-bit word (only where the first such byte can be found by counting
 * trailing zero bits: little-endian). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                       \
    (defined(__GNUC__) || defined(__clang__))
#define FAST_SWAR 1
#define FAST_WORD_BYTES 8
#define FAST_BITS_PER_BYTE 8
#define FAST_ONES 0x0101010101010101ull
#define FAST_HIGHS 0x8080808080808080ull
#endif

struct fast {
    const char *p, *end;
    int depth;
    bool ws; /* whitespace seen outside strings (since the last reset) */
};

/* ------------------------------------------------------------------------ */
/* Lexing. */

static bool fast_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void fast_skip_ws(struct fast *f)
{
    const char *p = f->p;
    while (p < f->end && fast_is_ws(*p))
        p++;
    if (p != f->p)
        f->ws = true;
    f->p = p;
}

/* Skip whitespace and take c; false when the next byte is something else. */
static bool fast_take(struct fast *f, char c)
{
    fast_skip_ws(f);
    if (f->p >= f->end || *f->p != c)
        return false;
    f->p++;
    return true;
}

static bool fast_peek(struct fast *f, char c)
{
    fast_skip_ws(f);
    return f->p < f->end && *f->p == c;
}

/* The code unit of the four hex digits at p (known to be hex digits). */
static unsigned fast_hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < FAST_UESC_HEX_DIGITS; i++)
        v = v * 16 + (unsigned)hex_digit_value(p[i]);
    return v;
}

/* The length of the well-formed UTF-8 sequence at p (a byte >= 0x80), or 0.
 * As strict as jansson: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
static size_t fast_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], cp, min;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, cp = c & 0x1F, min = FAST_ASCII_END;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, cp = c & 0x0F, min = FAST_UTF8_2_MAX_CP + 1;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, cp = c & 0x07, min = FAST_UTF8_3_MAX_CP + 1;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & FAST_UTF8_CONT_MASK) != FAST_UTF8_CONT_BITS)
            return 0;
        cp = cp << FAST_UTF8_CONT_SHIFT | (p[i] & FAST_UTF8_CONT_PAYLOAD);
    }
    if (cp < min || cp > FAST_UNICODE_MAX ||
        (cp >= FAST_HIGH_SURROGATE_MIN && cp <= FAST_LOW_SURROGATE_MAX))
        return 0;
    return n;
}

#ifdef FAST_SWAR
/* High bit set in each byte that is '"', '\\', a control character or not
 * ASCII; bytes above the first such byte may be flagged falsely (borrows), so
 * only the lowest flag is used. */
static uint64_t fast_special(uint64_t v)
{
    uint64_t q = v ^ (FAST_ONES * (unsigned char)'"');
    uint64_t b = v ^ (FAST_ONES * (unsigned char)'\\');
    uint64_t ctl = (v - FAST_ONES * FAST_ASCII_CONTROL_END) & ~v;
    return (((q - FAST_ONES) & ~q) | ((b - FAST_ONES) & ~b) | ctl | v) & FAST_HIGHS;
}
#endif

/* The first byte at or after p that is '"', '\\', a control character or not
 * ASCII; end when there is none. The bulk of a page is string text, so this
 * is the decoder's inner loop. */
static const char *fast_plain_run(const char *p, const char *end)
{
#ifdef FAST_SWAR
    while (end - p >= FAST_WORD_BYTES) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        uint64_t m = fast_special(v);
        if (m)
            return p + __builtin_ctzll(m) / FAST_BITS_PER_BYTE;
        p += FAST_WORD_BYTES;
    }
#endif
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < FAST_ASCII_CONTROL_END || c >= FAST_ASCII_END)
            break;
    }
    return p;
}

static bool fast_is_high(unsigned cu)
{
    return cu >= FAST_HIGH_SURROGATE_MIN && cu <= FAST_HIGH_SURROGATE_MAX;
}

static bool fast_is_low(unsigned cu)
{
    return cu >= FAST_LOW_SURROGATE_MIN && cu <= FAST_LOW_SURROGATE_MAX;
}

/* Whether a well-formed \uXXXX stands at p (within end). */
static bool fast_is_uescape(const char *p, const char *end)
{
    if (end - p < (ptrdiff_t)FAST_UESC_LEN || p[0] != '\\' || p[1] != 'u')
        return false;
    for (size_t i = 2; i < FAST_UESC_LEN; i++)
        if (hex_digit_value(p[i]) < 0)
            return false;
    return true;
}

/* The length of the \u escape at p: 6, or 12 for a surrogate pair; 0 when it
 * is malformed or a lone surrogate. The full decoder rewrites lone ones to
 * U+FFFD in the text it keeps as raw_json too; they are rare (Python writes
 * them for broken text), so they are left to it. */
static size_t fast_uescape_len(const char *p, const char *end)
{
    if (!fast_is_uescape(p, end))
        return 0;
    unsigned cu = fast_hex4(p + 2);
    if (!fast_is_high(cu) && !fast_is_low(cu))
        return FAST_UESC_LEN;
    if (fast_is_high(cu) && fast_is_uescape(p + FAST_UESC_LEN, end) &&
        fast_is_low(fast_hex4(p + FAST_UESC_LEN + 2)))
        return 2 * FAST_UESC_LEN;
    return 0;
}

/* A string whose opening quote is at f->p: validated (escapes, UTF-8, no raw
 * control characters) and stepped over. Its text between the quotes is
 * s[0..len); *escaped tells whether it holds a backslash. */
static bool fast_string(struct fast *f, const char **s, size_t *len, bool *escaped)
{
    const char *start = f->p + 1, *p = start, *end = f->end;
    bool esc = false;
    for (;;) {
        p = fast_plain_run(p, end);
        if (p >= end)
            return false;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (end - p < 2)
                return false;
            esc = true;
            if (p[1] == 'u') {
                size_t n = fast_uescape_len(p, end);
                if (n == 0)
                    return false;
                p += n;
            } else if (strchr("\"\\/bfnrt", p[1]) && p[1] != '\0') {
                p += 2;
            } else {
                return false;
            }
        } else if (c < FAST_ASCII_CONTROL_END) {
            return false;
        } else {
            size_t n = fast_utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (n == 0)
                return false;
            p += n;
        }
    }
    *s = start;
    *len = (size_t)(p - start);
    *escaped = esc;
    f->p = p + 1;
    return true;
}

static char *fast_put_utf8(char *d, unsigned cp)
{
    if (cp == 0) {
        memcpy(d, DECODE_NUL_STANDIN, DECODE_NUL_STANDIN_LEN);
        return d + DECODE_NUL_STANDIN_LEN;
    }
    if (cp < FAST_ASCII_END) {
        *d++ = (char)cp;
    } else if (cp <= FAST_UTF8_2_MAX_CP) {
        *d++ = (char)(FAST_UTF8_2_LEAD | cp >> FAST_UTF8_CONT_SHIFT);
        *d++ = (char)(FAST_UTF8_CONT_BITS | (cp & FAST_UTF8_CONT_PAYLOAD));
    } else if (cp <= FAST_UTF8_3_MAX_CP) {
        *d++ = (char)(FAST_UTF8_3_LEAD | cp >> (2 * FAST_UTF8_CONT_SHIFT));
        *d++ = (char)(FAST_UTF8_CONT_BITS | (cp >> FAST_UTF8_CONT_SHIFT & FAST_UTF8_CONT_PAYLOAD));
        *d++ = (char)(FAST_UTF8_CONT_BITS | (cp & FAST_UTF8_CONT_PAYLOAD));
    } else {
        *d++ = (char)(FAST_UTF8_4_LEAD | cp >> (3 * FAST_UTF8_CONT_SHIFT));
        *d++ = (char)(FAST_UTF8_CONT_BITS |
                      (cp >> (2 * FAST_UTF8_CONT_SHIFT) & FAST_UTF8_CONT_PAYLOAD));
        *d++ = (char)(FAST_UTF8_CONT_BITS | (cp >> FAST_UTF8_CONT_SHIFT & FAST_UTF8_CONT_PAYLOAD));
        *d++ = (char)(FAST_UTF8_CONT_BITS | (cp & FAST_UTF8_CONT_PAYLOAD));
    }
    return d;
}

/* The code point of the validated \u escape at s (a pair is one). */
static unsigned fast_uescape(const char *s, size_t *used)
{
    unsigned cu = fast_hex4(s + 2);
    *used = FAST_UESC_LEN;
    if (!fast_is_high(cu))
        return cu;
    *used = 2 * FAST_UESC_LEN;
    return FAST_SURROGATE_BASE + ((cu - FAST_HIGH_SURROGATE_MIN) << FAST_SURROGATE_SHIFT) +
           (fast_hex4(s + FAST_UESC_LEN + 2) - FAST_LOW_SURROGATE_MIN);
}

/* Decode the validated string text s[0..len) into dst, which has room for
 * len bytes: no escape decodes to more bytes than it is written with. */
static size_t fast_unescape(char *dst, const char *s, size_t len)
{
    char *d = dst;
    const char *end = s + len;
    while (s < end) {
        const char *bs = memchr(s, '\\', (size_t)(end - s));
        size_t run = bs ? (size_t)(bs - s) : (size_t)(end - s);
        memcpy(d, s, run);
        d += run;
        s += run;
        if (!bs)
            break;
        char c = s[1];
        size_t used = 2;
        switch (c) {
        case 'b':
            *d++ = '\b';
            break;
        case 'f':
            *d++ = '\f';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 'r':
            *d++ = '\r';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'u':
            d = fast_put_utf8(d, fast_uescape(s, &used));
            break;
        default: /* '"', '\\', '/' */
            *d++ = c;
            break;
        }
        s += used;
    }
    return (size_t)(d - dst);
}

/* A string value at f->p as a malloc'd C string. */
static bool fast_string_dup(struct fast *f, char **out)
{
    const char *s;
    size_t len;
    bool escaped;
    if (f->p >= f->end || *f->p != '"' || !fast_string(f, &s, &len, &escaped))
        return false;
    char *str = xmalloc(len + 1);
    size_t n = len;
    if (escaped)
        n = fast_unescape(str, s, len);
    else
        memcpy(str, s, len);
    str[n] = '\0';
    *out = str;
    return true;
}

/* An object key: a string without escapes (an escaped key could spell a
 * known name, or hold a NUL that jansson refuses: left to the full decoder). */
static bool fast_key(struct fast *f, const char **key, size_t *len)
{
    bool escaped;
    if (!fast_peek(f, '"') || !fast_string(f, key, len, &escaped) || escaped)
        return false;
    return fast_take(f, ':');
}

static bool fast_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number at f->p in JSON's grammar. *is_int: no fraction; then *value is
 * its value. Exponents, and numbers too long to be sure of how jansson reads
 * them (overflow), are not ours. */
static bool fast_number(struct fast *f, bool *is_int, int64_t *value)
{
    const char *p = f->p, *end = f->end;
    bool neg = p < end && *p == '-';
    if (neg)
        p++;
    const char *digits = p;
    if (p < end && *p == '0')
        p++;
    else
        while (p < end && fast_is_digit(*p))
            p++;
    size_t ndigits = (size_t)(p - digits);
    if (ndigits == 0 || ndigits > FAST_INT_DIGITS_MAX)
        return false;
    *is_int = true;
    if (p < end && *p == '.') {
        const char *frac = ++p;
        while (p < end && fast_is_digit(*p))
            p++;
        if (p == frac)
            return false;
        *is_int = false;
    }
    if ((p < end && (*p == 'e' || *p == 'E')) || p - f->p > DECODE_FAST_NUMBER_MAX)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < ndigits; i++)
        v = v * 10 + (digits[i] - '0'); /* at most 18 digits: no overflow */
    *value = neg ? -v : v;
    f->p = p;
    return true;
}

static bool fast_literal(struct fast *f, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
        return false;
    f->p += n;
    return true;
}

static bool fast_skip_value(struct fast *f);

/* A container whose opener ('{' or '[') is at f->p, its members or
 * elements validated and stepped over. */
static bool fast_skip_container(struct fast *f, bool object)
{
    char close = object ? '}' : ']';
    if (++f->depth > DECODE_FAST_DEPTH_MAX)
        return false;
    f->p++;
    if (fast_take(f, close)) {
        f->depth--;
        return true;
    }
    for (;;) {
        const char *key;
        size_t klen;
        if (object && !fast_key(f, &key, &klen))
            return false;
        if (!fast_skip_value(f))
            return false;
        if (fast_take(f, close))
            break;
        if (!fast_take(f, ','))
            return false;
    }
    f->depth--;
    return true;
}

/* Any value (whitespace before it skipped), validated and stepped over. */
static bool fast_skip_value(struct fast *f)
{
    fast_skip_ws(f);
    if (f->p >= f->end)
        return false;
    switch (*f->p) {
    case '"': {
        const char *s;
        size_t len;
        bool escaped;
        return fast_string(f, &s, &len, &escaped);
    }
    case '{':
        return fast_skip_container(f, true);
    case '[':
        return fast_skip_container(f, false);
    case 't':
        return fast_literal(f, "true");
    case 'f':
        return fast_literal(f, "false");
    case 'n':
        return fast_literal(f, "null");
    default: {
        bool is_int;
        int64_t v;
        return fast_number(f, &is_int, &v);
    }
    }
}

/* An integer value (whitespace before it skipped). */
static bool fast_integer(struct fast *f, int64_t *out)
{
    bool is_int;
    fast_skip_ws(f);
    return fast_number(f, &is_int, out) && is_int;
}

static bool fast_key_is(const char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* ------------------------------------------------------------------------ */
/* Entries. */

enum fast_field {
    FAST_ID = 1u << 0,
    FAST_LEVEL = 1u << 1,
    FAST_LOGGER = 1u << 2,
    FAST_MESSAGE = 1u << 3,
    FAST_APP = 1u << 4,
    FAST_TRACE = 1u << 5,
    FAST_CREATED = 1u << 6,
};
#define FAST_REQUIRED (FAST_ID | FAST_LEVEL | FAST_LOGGER | FAST_MESSAGE | FAST_APP | FAST_CREATED)

static const struct fast_string_field {
    const char *name;
    unsigned bit;
    size_t offset;
} fast_string_fields[] = {
    {"logger_name", FAST_LOGGER, offsetof(struct log_entry, logger_name)},
    {"message", FAST_MESSAGE, offsetof(struct log_entry, message)},
    {"app_name", FAST_APP, offsetof(struct log_entry, app_name)},
    {"trace", FAST_TRACE, offsetof(struct log_entry, trace)},
    {"created_at", FAST_CREATED, offsetof(struct log_entry, created_at)},
};
#define FAST_STRING_FIELDS (sizeof fast_string_fields / sizeof fast_string_fields[0])

/* One member of an entry: the key is read, the value is next. */
static bool fast_entry_member(struct fast *f, const char *key, size_t klen, struct log_entry *e,
                              unsigned *seen)
{
    unsigned bit = 0;
    if (fast_key_is(key, klen, "id") || fast_key_is(key, klen, "level")) {
        bool is_id = klen == 2;
        bit = is_id ? FAST_ID : FAST_LEVEL;
        int64_t v;
        if ((*seen & bit) || !fast_integer(f, &v))
            return false;
        if (is_id)
            e->id = v;
        else if (v < INT_MIN || v > INT_MAX)
            return false;
        else
            e->level = (int)v;
        *seen |= bit;
        return true;
    }
    for (size_t i = 0; i < FAST_STRING_FIELDS; i++) {
        const struct fast_string_field *sf = &fast_string_fields[i];
        if (!fast_key_is(key, klen, sf->name))
            continue;
        char **slot = (char **)(void *)((char *)e + sf->offset);
        if (*seen & sf->bit)
            return false;
        *seen |= sf->bit;
        fast_skip_ws(f);
        if (sf->bit == FAST_TRACE && f->p < f->end && *f->p == 'n')
            return fast_literal(f, "null"); /* stays NULL: "" below */
        return fast_string_dup(f, slot);
    }
    return fast_skip_value(f);
}

/* The raw text of the entry: as sent when it is compact, else compacted. */
static char *fast_raw_dup(const char *s, size_t len, bool has_ws)
{
    if (has_ws)
        return decode_fast_compact_dup(s, len);
    char *out = xmalloc(len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* An entry object (whitespace before it skipped); e is zeroed and owns
 * whatever was filled in, also on failure. */
static bool fast_entry(struct fast *f, struct log_entry *e)
{
    if (!fast_peek(f, '{'))
        return false;
    const char *start = f->p;
    f->ws = false;
    if (++f->depth > DECODE_FAST_DEPTH_MAX)
        return false;
    f->p++;
    unsigned seen = 0;
    if (!fast_take(f, '}')) {
        for (;;) {
            const char *key;
            size_t klen;
            if (!fast_key(f, &key, &klen) || !fast_entry_member(f, key, klen, e, &seen))
                return false;
            if (fast_take(f, '}'))
                break;
            if (!fast_take(f, ','))
                return false;
        }
    }
    f->depth--;
    if ((seen & FAST_REQUIRED) != FAST_REQUIRED || datetime_parse(e->created_at, &e->created) != 0)
        return false;
    if (!e->trace)
        e->trace = xstrdup("");
    e->raw_json = fast_raw_dup(start, (size_t)(f->p - start), f->ws);
    return true;
}

/* Only whitespace after the top-level value. */
static bool fast_at_end(struct fast *f)
{
    fast_skip_ws(f);
    return f->p == f->end;
}

int decode_fast_entry(const char *body, size_t len, struct log_entry *out)
{
    memset(out, 0, sizeof *out);
    if (!body)
        return -1;
    struct fast f = {body, body + len, 0, false};
    if (fast_entry(&f, out) && fast_at_end(&f))
        return 0;
    log_entry_free(out);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Pages. */

enum fast_page_field {
    FAST_COUNT = 1u << 0,
    FAST_NEXT = 1u << 1,
    FAST_PREVIOUS = 1u << 2,
    FAST_RESULTS = 1u << 3,
};

static bool fast_results(struct fast *f, struct log_page *p)
{
    size_t cap = 0;
    if (!fast_take(f, '['))
        return false;
    if (fast_take(f, ']'))
        return true;
    for (;;) {
        if (p->n == cap) {
            cap = cap ? cap * 2 : FAST_ENTRIES_MIN;
            p->entries = xrealloc(p->entries, cap * sizeof *p->entries);
        }
        struct log_entry *e = &p->entries[p->n];
        memset(e, 0, sizeof *e);
        bool ok = fast_entry(f, e);
        p->n++; /* owned by the page from here on, also when !ok */
        if (!ok)
            return false;
        if (fast_take(f, ']'))
            break;
        if (!fast_take(f, ','))
            return false;
    }
    /* Give back the doubling's slack: pages are cached for long. */
    p->entries = xrealloc(p->entries, p->n * sizeof *p->entries);
    return true;
}

/* next / previous: a string or null. */
static bool fast_link(struct fast *f, char **out)
{
    fast_skip_ws(f);
    if (f->p < f->end && *f->p == 'n')
        return fast_literal(f, "null");
    return fast_string_dup(f, out);
}

static bool fast_page_member(struct fast *f, const char *key, size_t klen, struct log_page *p,
                             unsigned *seen)
{
    unsigned bit = fast_key_is(key, klen, "count")      ? FAST_COUNT
                   : fast_key_is(key, klen, "next")     ? FAST_NEXT
                   : fast_key_is(key, klen, "previous") ? FAST_PREVIOUS
                   : fast_key_is(key, klen, "results")  ? FAST_RESULTS
                                                        : 0;
    if (bit == 0)
        return fast_skip_value(f);
    if (*seen & bit)
        return false;
    *seen |= bit;
    switch (bit) {
    case FAST_COUNT:
        return fast_integer(f, &p->count) && p->count >= 0;
    case FAST_NEXT:
        return fast_link(f, &p->next);
    case FAST_PREVIOUS:
        return fast_link(f, &p->previous);
    default:
        return fast_results(f, p);
    }
}

int decode_fast_page(const char *body, size_t len, struct log_page *out)
{
    memset(out, 0, sizeof *out);
    if (!body)
        return -1;
    struct fast f = {body, body + len, 0, false};
    unsigned seen = 0;
    bool ok = fast_take(&f, '{');
    if (ok && !fast_take(&f, '}')) {
        for (;;) {
            const char *key;
            size_t klen;
            if (!fast_key(&f, &key, &klen) || !fast_page_member(&f, key, klen, out, &seen)) {
                ok = false;
                break;
            }
            if (fast_take(&f, '}'))
                break;
            if (!fast_take(&f, ',')) {
                ok = false;
                break;
            }
        }
    }
    if (ok && fast_at_end(&f) && (seen & FAST_COUNT) && (seen & FAST_RESULTS))
        return 0;
    log_page_free(out);
    return -1;
}

/* ------------------------------------------------------------------------ */

char *decode_fast_compact_dup(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
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
        } else if (!fast_is_ws(c) && c != '\0') {
            /* jansson skips a stray NUL after a number; so must the full
             * decoder, or the C string would end there. */
            out[o++] = c;
            in_string = c == '"';
        }
    }
    out[o] = '\0';
    return out;
}
