/* fuzz_sanitize.c — the sanitiser and the width functions on arbitrary bytes.
 *
 * fuzz-sources: src/sanitize.c src/utf8.c src/buf.c src/util.c
 *
 * The whole input is the text; every flag combination is tried on it. Checks
 * sanitize.h's contract on the output of sanitize_append:
 *   - valid UTF-8; no C0 byte except LF/TAB when kept (and never with
 *     SANITIZE_ONE_LINE); no DEL; no C1 code point; no ESC; no bidi control
 *     or line/paragraph separator; no ZWJ, and no other byte dropped;
 *   - it appends (what was in the buffer stays) and it is idempotent: clean
 *     text passes through unchanged, so sanitising twice changes nothing;
 *   - sanitize_into, for every capacity: the longest prefix of
 *     sanitize_append's output made of whole units that fits, terminated,
 *     nothing written past the capacity, and *used the input it stands for.
 * And on the sanitised text, the width functions:
 *   - text_prefix_for_width: a prefix at a character boundary, as wide as it
 *     says, no wider than cols, and the longest one (the next character would
 *     not fit);
 *   - text_fit: valid UTF-8 no wider than cols (exactly cols with pad), the
 *     text itself when it fits, else a prefix of it plus "…".
 * The raw bytes also go through the width functions, for memory safety. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/sanitize.h"

#include "fuzz_util.h"

#define ZWJ_UTF8 "\xe2\x80\x8d" /* U+200D, dropped by the sanitiser */

#define ALL_FLAGS (SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB | SANITIZE_ONE_LINE)
#define ESC_BYTE 0x1b
#define DEL_BYTE 0x7f
#define C1_FIRST 0x80u
#define C1_LAST 0x9fu
#define PREFIX "> "
static const char ellipsis[] = "\xe2\x80\xa6";
/* Fixed widths tried besides the text's own width and its neighbours. */
static const int fixed_cols[] = {-1, 0, 1, 2, 3, 5, 8, 80};

int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Occurrences of needle in [s, s+n). */
static size_t count_of(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), c = 0;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0) {
            c++;
            i += k - 1;
        }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The width functions need a UTF-8 LC_CTYPE, as the program sets one. */
    if (sanitize_locale_init() != 0) {
        fprintf(stderr, "fuzz_sanitize: no UTF-8 locale available\n");
        abort();
    }
    return 0;
}

static bool is_hidden_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
           cp == 0x200f || cp == 0x061c || cp == 0x2028 || cp == 0x2029;
}

static void check_clean(const char *s, size_t len, unsigned flags)
{
    bool one_line = (flags & SANITIZE_ONE_LINE) != 0;
    bool keep_nl = !one_line && (flags & SANITIZE_KEEP_NEWLINE);
    bool keep_tab = !one_line && (flags & SANITIZE_KEEP_TAB);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = fuzz_utf8_char(p + i, len - i, &cp);
        FUZZ_CHECK(n > 0, "output is valid UTF-8");
        FUZZ_CHECK(cp != ESC_BYTE, "no ESC");
        if (cp < 0x20)
            FUZZ_CHECK((cp == '\n' && keep_nl) || (cp == '\t' && keep_tab),
                       "no C0 control except a kept LF or TAB");
        FUZZ_CHECK(cp != DEL_BYTE, "no DEL");
        FUZZ_CHECK(cp < C1_FIRST || cp > C1_LAST, "no C1 control");
        FUZZ_CHECK(!is_hidden_control(cp), "no bidi control or line separator");
        i += n;
    }
}

static size_t char_len(const char *s, size_t len)
{
    uint32_t cp;
    size_t n = fuzz_utf8_char((const unsigned char *)s, len, &cp);
    FUZZ_CHECK(n > 0, "sanitised text is valid UTF-8");
    return n;
}

static void check_prefix(const char *s, size_t len, int cols)
{
    int width = -1;
    size_t n = text_prefix_for_width(s, len, cols, &width);
    FUZZ_CHECK(n <= len, "the prefix is inside the text");
    FUZZ_CHECK(n == len || ((unsigned char)s[n] & 0xc0) != 0x80,
               "the prefix ends at a character boundary");
    FUZZ_CHECK(width == text_width(s, n), "the prefix is as wide as it says");
    FUZZ_CHECK(width >= 0 && (cols < 0 ? width == 0 : width <= cols), "the prefix fits in cols");
    if (n < len && cols >= 0) {
        size_t next = char_len(s + n, len - n);
        FUZZ_CHECK(text_width(s, n + next) > cols, "the prefix is the longest that fits");
    }
    FUZZ_CHECK(text_prefix_for_width(s, len, cols, NULL) == n, "width may be NULL");
}

static void check_fit(const char *s, size_t len, int cols, int pad)
{
    struct buf out;
    buf_init(&out);
    text_fit(&out, s, len, cols, pad);
    if (cols <= 0) {
        FUZZ_CHECK(out.len == 0, "nothing fits in no columns");
        buf_free(&out);
        return;
    }
    FUZZ_CHECK(out.data != NULL && out.data[out.len] == '\0', "the buffer is terminated");
    FUZZ_CHECK(fuzz_utf8_valid(out.data, out.len, false), "fitted text is valid UTF-8");
    int w = text_width(out.data, out.len);
    FUZZ_CHECK(w <= cols, "fitted text is no wider than cols");
    if (pad)
        FUZZ_CHECK(w == cols, "padded text is exactly cols wide");
    size_t body = out.len;
    if (pad)
        while (body > 0 && out.data[body - 1] == ' ')
            body--;
    if (text_width(s, len) <= cols) {
        FUZZ_CHECK(out.len >= len && memcmp(out.data, s, len) == 0,
                   "text that fits is kept whole");
        FUZZ_CHECK(pad || out.len == len, "text that fits gets nothing added");
    } else {
        size_t el = sizeof ellipsis - 1;
        /* body is the output without the padding spaces that follow the "…". */
        FUZZ_CHECK(body >= el && memcmp(out.data + body - el, ellipsis, el) == 0,
                   "cut text ends in an ellipsis");
        FUZZ_CHECK(body - el <= len && memcmp(out.data, s, body - el) == 0,
                   "cut text is a prefix of the text");
    }
    buf_free(&out);
}

static void check_widths(const char *s, size_t len)
{
    int w = text_width(s, len);
    FUZZ_CHECK(w >= 0, "a width is never negative");
    for (size_t k = 0; k < sizeof fixed_cols / sizeof fixed_cols[0]; k++) {
        check_prefix(s, len, fixed_cols[k]);
        check_fit(s, len, fixed_cols[k], 0);
        check_fit(s, len, fixed_cols[k], 1);
    }
    if (w < INT_MAX) {
        for (int c = w - 1; c <= w + 1; c++) {
            check_prefix(s, len, c);
            check_fit(s, len, c, 0);
            check_fit(s, len, c, 1);
        }
    }
}

/* Capacities tried for sanitize_into besides 1..INTO_SMALL_MAX and around the
 * full length. */
#define INTO_SMALL_MAX 16
#define INTO_CANARY 0x5a

static void check_into_cap(const char *raw, size_t size, unsigned flags, const char *clean,
                           size_t clean_len, size_t cap)
{
    /* An exact-size array plus one canary byte: ASan catches an overrun,
     * the canary a write that stays inside the allocation. */
    char *out = malloc(cap + 1);
    if (!out)
        abort();
    memset(out, INTO_CANARY, cap + 1);
    size_t used = SIZE_MAX;
    size_t n = sanitize_into(out, cap, raw, size, flags, &used);
    FUZZ_CHECK(n < cap && out[n] == '\0', "sanitize_into terminates inside the array");
    FUZZ_CHECK(out[cap] == INTO_CANARY, "sanitize_into writes nothing past cap");
    FUZZ_CHECK(used <= size, "sanitize_into uses no more than the input");
    FUZZ_CHECK(n <= clean_len && memcmp(out, clean, n) == 0,
               "sanitize_into gives a prefix of sanitize_append");
    struct buf part;
    buf_init(&part);
    sanitize_append(&part, raw, used, flags);
    FUZZ_CHECK(part.len == n && (n == 0 || memcmp(part.data, out, n) == 0),
               "sanitize_into's output is the used input sanitised");
    if (used < size) {
        /* Stopped early: the next unit did not fit. */
        struct buf more;
        buf_init(&more);
        sanitize_append(&more, raw, size, flags);
        FUZZ_CHECK(more.len > n, "sanitize_into stops only when out of room");
        buf_free(&more);
        FUZZ_CHECK(clean_len + 1 > cap, "sanitize_into stops only when the rest did not fit");
    } else {
        FUZZ_CHECK(n == clean_len, "sanitize_into takes all when all fits");
    }
    buf_free(&part);
    free(out);
}

static void check_into(const char *raw, size_t size, unsigned flags, const char *clean,
                       size_t clean_len)
{
    for (size_t cap = 1; cap <= INTO_SMALL_MAX; cap++)
        check_into_cap(raw, size, flags, clean, clean_len, cap);
    for (size_t cap = clean_len > 2 ? clean_len - 2 : 1; cap <= clean_len + 2; cap++)
        check_into_cap(raw, size, flags, clean, clean_len, cap);
}

/* Raw bytes are outside the width functions' contract, but must not crash. */
static void check_raw_widths(const char *s, size_t len)
{
    (void)text_width(s, len);
    for (size_t k = 0; k < sizeof fixed_cols / sizeof fixed_cols[0]; k++) {
        size_t n = text_prefix_for_width(s, len, fixed_cols[k], NULL);
        FUZZ_CHECK(n <= len, "the prefix is inside the text");
        struct buf out;
        buf_init(&out);
        text_fit(&out, s, len, fixed_cols[k], 1);
        buf_free(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: sanitize_append must honour len. */
    char *raw = fuzz_memdup(data, size);

    for (unsigned flags = 0; flags <= ALL_FLAGS; flags++) {
        struct buf out;
        buf_init(&out);
        buf_appends(&out, PREFIX);
        sanitize_append(&out, raw, size, flags);
        FUZZ_CHECK(out.data[out.len] == '\0', "the buffer is terminated");
        FUZZ_CHECK(memcmp(out.data, PREFIX, strlen(PREFIX)) == 0, "sanitize_append appends");
        const char *clean = out.data + strlen(PREFIX);
        size_t clean_len = out.len - strlen(PREFIX);
        check_clean(clean, clean_len, flags);
        /* Every byte is kept, replaced by a space or escaped: none vanishes,
         * but for the zero-width joiner, which is dropped (sanitize.h). */
        FUZZ_CHECK(clean_len + count_of(raw, size, ZWJ_UTF8) * strlen(ZWJ_UTF8) >= size,
                   "no input byte is dropped but ZWJ");
        FUZZ_CHECK(!count_of(clean, clean_len, ZWJ_UTF8), "no ZWJ in the output");

        struct buf again;
        buf_init(&again);
        sanitize_append(&again, clean, clean_len, flags);
        FUZZ_CHECK(again.len == clean_len &&
                       (clean_len == 0 || memcmp(again.data, clean, clean_len) == 0),
                   "sanitising clean text changes nothing");
        buf_free(&again);

        /* sanitize_into shares the escaping with sanitize_append; these
         * flag sets cover every way a unit can come out (and keep the
         * target fast). */
        if (flags == 0 || flags == SANITIZE_ONE_LINE ||
            flags == (SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB))
            check_into(raw, size, flags, clean, clean_len);

        /* The list (one line) and the plain escape-everything forms are what
         * the width functions get in the program. */
        if (flags == 0 || flags == SANITIZE_ONE_LINE)
            check_widths(clean, clean_len);
        buf_free(&out);
    }
    check_raw_widths(raw, size);
    free(raw);
    return 0;
}
