/* sanitize.h — make untrusted text safe and measurable for a terminal.
 *
 * Contract: output is valid UTF-8 containing no byte that a terminal acts on.
 * Everything dangerous becomes a visible, distinct escape:
 *   ESC → \e   CR → \r   BS → \b   TAB → \t and LF → \n (unless kept by flags)
 *   other C0, DEL → \xNN         C1 U+0080–U+009F → \u{NN}  e.g. \u{9b}
 *   bidi controls U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C → \u{202e}
 *   line/paragraph separators U+2028/U+2029 → \u{2028} (U+FEFF passes through)
 *   U+200D ZERO WIDTH JOINER → dropped (terminals disagree on joined widths)
 *   invalid UTF-8 (bad lead, truncated, overlong, surrogate, > U+10FFFF) → \xNN per byte
 *   the pair C0 80 (decode's stand-in for U+0000) → \0
 * A literal backslash is passed through unchanged (it is harmless).
 * Functions append to a caller-owned struct buf and never fail.
 *
 * Width functions measure sanitised text in terminal columns by utf8.h's one
 * rule (wcwidth: zero-width and combining characters take no column, CJK and
 * emoji two; characters wcwidth rejects and invalid bytes one), so LC_CTYPE
 * must be a UTF-8 locale: call sanitize_locale_init() once at start. */
#ifndef OMSLOG_SANITIZE_H
#define OMSLOG_SANITIZE_H

#include <stddef.h>

#include "omslog/buf.h"

enum {
    SANITIZE_KEEP_NEWLINE = 1 << 0, /* pass LF through (multi-line views) */
    SANITIZE_KEEP_TAB = 1 << 1,     /* pass TAB through */
    SANITIZE_ONE_LINE = 1 << 2,     /* LF and TAB become a single space (list rows) */
};

/* Select a UTF-8 LC_CTYPE: the user's locale if it is UTF-8, else C.UTF-8.
 * Returns 0 when a UTF-8 locale is active afterwards. */
int sanitize_locale_init(void);

void sanitize_append(struct buf *out, const char *s, size_t len, unsigned flags);
/* The same into a caller's fixed array, for drawing without allocating:
 * sanitises s[0..len) into out[0..cap) and stops before the first character
 * whose text would not fit, so out holds a prefix of what sanitize_append
 * gives, cut between characters (never inside an escape). Always
 * NUL-terminates when cap > 0. Returns the bytes written (without the NUL)
 * and sets *used to the input bytes they stand for (len when all of s fit). */
size_t sanitize_into(char *out, size_t cap, const char *s, size_t len, unsigned flags,
                     size_t *used);

/* Display columns of valid UTF-8 text (as produced by sanitize_append). */
int text_width(const char *s, size_t len);
/* Append s cut to at most cols columns; if it did not fit, the last column
 * holds an ellipsis "…". pad: fill with spaces up to exactly cols. Never splits
 * a character, never leaves a wide character half in. */
void text_fit(struct buf *out, const char *s, size_t len, int cols, int pad);
/* Length in bytes of the longest prefix of s that fits in cols columns, and
 * its width in *width (may be NULL). Used for wrapping. */
size_t text_prefix_for_width(const char *s, size_t len, int cols, int *width);

#endif
