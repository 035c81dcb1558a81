/* fuzz_trace.c — trace_parse and trace_exception_type on arbitrary bytes.
 *
 * fuzz-sources: src/trace.c src/utf8.c src/util.c
 *
 * Checks trace.h's contract: the lines cover the text exactly (each ends at
 * LF, a CR before it excluded, a final newline adds none, empty text has
 * none), kinds are valid, frames are numbered 0..n_frames-1 in order with
 * code lines belonging to the frame above them, and only frame-owned lines
 * are library lines. trace_exception_type must write inside the caller's
 * buffer for every size (nothing at all for 0), give the same answer for
 * every size, cut long names between characters (the longest prefix that
 * fits and splits none, an invalid byte being a unit of its own), and return a
 * dotted-identifier component without its module path. */
#include <stdint.h>
#include <string.h>

#include "omslog/trace.h"

#include "fuzz_util.h"

/* Output sizes tried: none, only the terminator, cuts inside names and
 * multi-byte characters, and one big enough for any name a test sends. */
static const size_t type_sizes[] = {0, 1, 2, 3, 4, 9};
#define TYPE_FULL_SIZE 4096
#define UTF8_MAX_CONT 3

/* Does pos fall between two units of s[0..len)? Units are found with
 * fuzz_util's own decoder, not utf8.c's: a character, the stand-in C0 80, or
 * any other byte on its own. */
static bool unit_boundary(const char *s, size_t len, size_t pos)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < pos) {
        uint32_t cp;
        size_t k = p[i] == 0xc0 && i + 1 < len && p[i + 1] == 0x80
                       ? 2
                       : fuzz_utf8_char(p + i, len - i, &cp);
        i += k ? k : 1;
    }
    return i == pos;
}

static void check_lines(const struct trace *t, const char *text, size_t len)
{
    size_t pos = 0;
    size_t frames_seen = 0;
    int cur_frame = -1;
    for (size_t k = 0; k < t->n; k++) {
        const struct trace_line *l = &t->lines[k];
        FUZZ_CHECK(pos < len, "no line after the end of the text");
        FUZZ_CHECK(l->start == pos, "lines cover the text in order");
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t want = end - pos;
        if (want > 0 && text[end - 1] == '\r')
            want--;
        FUZZ_CHECK(l->len == want, "a line runs to its LF, less a CR before it");
        FUZZ_CHECK(l->kind >= TRACE_TEXT && l->kind <= TRACE_CHAIN, "a known kind");
        FUZZ_CHECK(l->frame >= -1 && (l->frame < 0 || (size_t)l->frame < t->n_frames),
                   "a frame index in range");
        if (l->kind == TRACE_FRAME) {
            FUZZ_CHECK(l->frame == (int)frames_seen, "frames are numbered in order");
            frames_seen++;
            cur_frame = l->frame;
        } else if (l->kind == TRACE_CODE) {
            FUZZ_CHECK(l->frame == cur_frame && cur_frame >= 0,
                       "a code line belongs to the frame above it");
        } else {
            FUZZ_CHECK(l->frame == -1, "only frame and code lines have a frame");
        }
        FUZZ_CHECK(!l->library || l->frame >= 0, "only frame lines are library lines");
        pos = end + 1;
    }
    FUZZ_CHECK(frames_seen == t->n_frames, "n_frames counts the frame lines");
    FUZZ_CHECK(pos >= len, "every line of the text is a line");
    FUZZ_CHECK(len > 0 || t->n == 0, "empty text has no lines");
}

static bool is_ident_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

static void check_exception_type(const char *text, size_t len)
{
    char *full = malloc(TYPE_FULL_SIZE);
    if (!full)
        abort();
    int full_rc = trace_exception_type(text, len, full, TYPE_FULL_SIZE);
    FUZZ_CHECK(full_rc == 0 || full_rc == -1, "returns 0 or -1");
    size_t full_len = 0;
    if (full_rc == 0) {
        FUZZ_CHECK(memchr(full, '\0', TYPE_FULL_SIZE) != NULL, "the type is terminated");
        full_len = strlen(full);
        FUZZ_CHECK(full_len > 0, "a type is not empty");
        FUZZ_CHECK(fuzz_contains(text, len, full, full_len), "the type is taken from the text");
        FUZZ_CHECK(!(full[0] >= '0' && full[0] <= '9'), "a type does not start with a digit");
        for (size_t i = 0; i < full_len; i++)
            FUZZ_CHECK(is_ident_byte((unsigned char)full[i]),
                       "a type is an identifier without its module path");
    }

    for (size_t k = 0; k < sizeof type_sizes / sizeof type_sizes[0]; k++) {
        size_t n = type_sizes[k];
        /* Exact size (malloc(0) for none): ASan sees any write outside. */
        char *out = malloc(n);
        if (!out && n)
            abort();
        int rc = trace_exception_type(text, len, out, n);
        FUZZ_CHECK(rc == full_rc, "the answer does not depend on the buffer size");
        if (rc == 0 && n > 0 && full_len < TYPE_FULL_SIZE - 1) {
            size_t got = strnlen(out, n);
            FUZZ_CHECK(got < n, "the type is NUL-terminated inside the buffer");
            FUZZ_CHECK(got <= full_len && memcmp(out, full, got) == 0,
                       "a short buffer gets a prefix of the type");
            if (full_len <= n - 1) {
                FUZZ_CHECK(got == full_len, "a type that fits is copied whole");
            } else {
                FUZZ_CHECK(unit_boundary(full, full_len, got),
                           "a long type is cut between characters");
                for (size_t p = got + 1; p <= n - 1; p++)
                    FUZZ_CHECK(!unit_boundary(full, full_len, p),
                               "a long type is cut at the last boundary within n-1 bytes");
                /* So it drops at most the start of one character. */
                FUZZ_CHECK(got + UTF8_MAX_CONT >= n - 1, "a long type is cut at n-1 bytes");
            }
        }
        free(out);
    }
    free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated: the parser must honour len. */
    char *text = fuzz_memdup(data, size);

    struct trace t;
    trace_parse(text, size, &t);
    check_lines(&t, text, size);
    trace_free(&t);
    FUZZ_CHECK(t.lines == NULL && t.n == 0 && t.n_frames == 0, "trace_free empties the struct");

    check_exception_type(text, size);
    (void)trace_is_library_path(text, size);
    free(text);
    return 0;
}
