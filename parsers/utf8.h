/*
 * utf8.h - UTF-8 validation and sanitising
 *
 * Every string the parsers hand out is valid UTF-8 without NUL bytes. These
 * helpers are the last step on the way out: invalid or truncated sequences,
 * overlong forms, surrogates and code points past U+10FFFF each become one
 * U+FFFD REPLACEMENT CHARACTER; NUL bytes are dropped.
 *
 * Ownership: functions taking a struct arena return strings allocated in it
 * (they live until the arena is reset or freed); functions taking a struct
 * buf append to it and fail with GC_ELIMIT at its cap. Pure code, no I/O.
 */
#ifndef GC_PARSERS_UTF8_H
#define GC_PARSERS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mem.h"

#define UTF8_REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

/* Length of the well-formed sequence at s (1..4), or 0 when the bytes at s
 * do not start one (len is what is left of the input). */
size_t utf8_seqlen(const unsigned char *s, size_t len);

/* True when the len bytes at s are well-formed UTF-8. NUL is well-formed;
 * callers that also refuse NUL check for it themselves. */
bool utf8_valid(const char *s, size_t len);

/* Append the len bytes at s to b as UTF-8: each maximal invalid subpart
 * becomes U+FFFD, NUL bytes are dropped. 0 or GC_ELIMIT. */
int utf8_sanitize_buf(struct buf *b, const char *s, size_t len)
	__attribute__((warn_unused_result));

/* The same into a fresh NUL-terminated arena string; *len_r (may be NULL)
 * receives its length. */
char *utf8_sanitize(struct arena *a, const char *s, size_t len, size_t *len_r);

/* Append code point cp (<= U+10FFFF, not a surrogate) to b. */
int utf8_put(struct buf *b, uint32_t cp) __attribute__((warn_unused_result));

/* Remove C0 controls and DEL in place from a valid UTF-8 string. TAB
 * becomes a space unless keep_tab; LF is kept only when keep_lf. C1
 * controls (U+0080..U+009F) are dropped too. Returns s. */
char *utf8_strip_controls(char *s, bool keep_lf, bool keep_tab);

/* Collapse runs of spaces into one and trim both ends, in place (for
 * one-line values such as a subject or a display name). Returns s. */
char *utf8_squeeze_spaces(char *s);

/* Cut the valid UTF-8 string s so that it is at most max bytes long,
 * without splitting a character. Returns the new length. */
size_t utf8_truncate(char *s, size_t max);

#endif
