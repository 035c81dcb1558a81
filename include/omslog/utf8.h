/* utf8.h — the one reader of UTF-8 text: decode a character, cut between
 * characters, measure columns.
 *
 * Contract: text is UTF-8 in which U+0000 may be held as the pair C0 80
 * (ENTRY_NUL_STANDIN, see entry.h). Decoding is strict and does not depend
 * on the locale: an overlong form (other than that pair), a surrogate
 * (U+D800..U+DFFF), a value above U+10FFFF, a byte that cannot start a
 * character (80..BF, C0, C1, F5..FF) or a sequence cut short is not a
 * character, and its first byte stands alone: every function here steps
 * over it as a unit of one byte (sanitize.h shows it as \xNN). Pure
 * functions, no allocation.
 *
 * Width rule (utf8_width): what wcwidth() says for the character, so
 * combining and zero-width characters take 0 columns, CJK and emoji 2, and
 * U+0000 0 (POSIX's wcwidth(L'\0'); a terminal ignores a NUL byte); 1 column
 * where wcwidth gives none (the other C0 controls, DEL, C1 controls,
 * unassigned code points) and for a byte that stands alone. The stand-in
 * C0 80 measures as the U+0000 it holds. Text on the screen is sanitised
 * first (no NUL, no control is left), so the NUL rule only matters to a
 * caller measuring raw text. Non-ASCII widths need a UTF-8 LC_CTYPE
 * (sanitize_locale_init). */
#ifndef OMSLOG_UTF8_H
#define OMSLOG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The longest UTF-8 sequence, in bytes. */
#define UTF8_CHAR_MAX 4

/* The character at s[0..n), n > 0: its length in bytes with *cp set, or 0
 * when s does not start with one (*cp untouched). ASCII, a NUL byte
 * included, is one byte; C0 80 is U+0000 in two. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* The bytes of the unit at s[0..n), n > 0: a character's length, or 1 for
 * a byte that stands alone. Steps forward through any bytes. */
size_t utf8_next(const char *s, size_t n);

/* The length of the longest prefix of s[0..len) that has at most max bytes
 * and does not end inside a character: a character the cut would split is
 * left out whole (len when len <= max). A byte that stands alone is a unit
 * of its own, so invalid text is cut at exactly max bytes unless a valid
 * character straddles the cut. utf8_prefix(s, len, len - 1) drops the last
 * unit. */
size_t utf8_prefix(const char *s, size_t len, size_t max);

/* The columns of the unit at s[0..n), n > 0, by the width rule above; its
 * length in bytes goes to *len. */
int utf8_width(const char *s, size_t n, size_t *len);

#endif
