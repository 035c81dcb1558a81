/* decode_fast.h — the decoder's fast path: one pass over the body, no tree.
 *
 * Contract: decode_fast_page / decode_fast_entry return 0 and fill out (owned
 * by the caller, freed with log_page_free / log_entry_free) only for a body
 * that the full decoder (decode.c, on jansson) accepts, with a result equal to
 * the full decoder's field for field. For anything else they return -1 and
 * leave out zeroed: every malformed body, and a few rare valid forms left to
 * the full decoder (escapes in keys, lone UTF-16 surrogate escapes such as
 * "\ud800", a known key given twice, numbers with an
 * exponent or over DECODE_FAST_NUMBER_MAX characters, integers over 18 digits,
 * nesting deeper than DECODE_FAST_DEPTH_MAX, a NUL byte outside strings). The
 * caller then runs the full decoder, which explains any error. Never crashes,
 * whatever the bytes; the input need not be NUL-terminated.
 * tests/fuzz/fuzz_decode_fast.c checks the "equal" claim against the full
 * decoder on arbitrary bytes. */
#ifndef OMSLOG_DECODE_FAST_H
#define OMSLOG_DECODE_FAST_H

#include <stddef.h>

#include "omslog/entry.h"

/* U+0000 inside the C strings of the data model (see decode.h): modified
 * UTF-8's two bytes, written alike by both decoders. */
#define DECODE_NUL_STANDIN "\xC0\x80"
#define DECODE_NUL_STANDIN_LEN (sizeof DECODE_NUL_STANDIN - 1)

#define DECODE_FAST_DEPTH_MAX 64
#define DECODE_FAST_NUMBER_MAX 40

int decode_fast_page(const char *body, size_t len, struct log_page *out);
int decode_fast_entry(const char *body, size_t len, struct log_entry *out);

/* A malloc'd, NUL-terminated copy of valid JSON text without the whitespace
 * (and stray NUL bytes) outside strings, so that an entry from a
 * pretty-printing server is one line of jsonl output. */
char *decode_fast_compact_dup(const char *s, size_t len);

#endif
