/*
 * rfc2047.h - decoding header values ("encoded words") to UTF-8
 *
 * rfc2047_decode() turns an unfolded header value into UTF-8 text:
 * - encoded words =?charset[*lang]?B|Q?text?= are decoded and converted
 *   from their charset (charset.h: aliases, unknown ones best effort);
 * - adjacent encoded words are joined: the white space between them is
 *   dropped and the bytes of consecutive words in the same charset are
 *   converted together (a character may be split across two words);
 * - the malformed forms seen in real mail are accepted: words glued to
 *   surrounding text, inside quoted strings, with spaces in Q text,
 *   lowercase b/q; a word that does not parse is left as it is;
 * - text outside encoded words that is not valid UTF-8 (raw 8-bit
 *   headers) is read in fallback_charset when it fits, else in the
 *   charset guessed (charset_convert_guess()); ISO-2022-JP written raw
 *   (its escapes unencoded) is decoded too.
 * The result is valid UTF-8 without NUL bytes; other control characters
 * are left for the caller to strip (utf8_strip_controls()).
 *
 * Ownership: the result is allocated in the caller's arena. Pure code.
 */
#ifndef GC_PARSERS_RFC2047_H
#define GC_PARSERS_RFC2047_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"

/* Decode len bytes at in. *unknown_r (may be NULL) becomes true when an
 * encoded word named a charset that no converter knows. */
char *rfc2047_decode(struct arena *a, const char *in, size_t len,
    const char *fallback_charset, bool *unknown_r);

#endif
