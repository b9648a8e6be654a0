/*
 * charset.h - converting text in a declared charset to UTF-8
 *
 * Mail declares charsets by label ("iso-8859-1", "ks_c_5601-1987", "utf8",
 * "x-unknown", ...). A label is mapped to an iconv converter through an
 * alias table that follows the usual mislabels (the WHATWG Encoding
 * Standard's choices): latin-1 and us-ascii are read as windows-1252,
 * gb2312/gbk as GB18030, euc-kr/ks_c_5601-1987 as windows-949, Shift_JIS as
 * windows-31j, big5 as Big5-HKSCS, iso-8859-8-i as ISO-8859-8. Labels
 * missing from the table are tried on iconv as they are (when they only
 * hold characters a charset name may hold).
 *
 * Undeclared text (charset NULL) and us-ascii text is taken as ISO-2022-JP
 * (or -KR) when it holds their escape sequences (also when labelled
 * UTF-8), as UTF-8 when it is valid UTF-8, and otherwise in the legacy
 * charset chardet.h guesses (windows-1252 when nothing speaks for
 * another). A label that no converter knows (including "x-unknown") gets
 * the same best effort and is flagged through *unknown_r. Bytes the
 * converter refuses become U+FFFD, unless the whole text is valid UTF-8:
 * then it was mislabelled UTF-8
 * (8-bit text declared as ISO-2022-JP, say) and is read as such.
 * The output is always valid UTF-8 without NUL bytes.
 *
 * Ownership: charset_convert() appends to the caller's struct buf;
 * charset_to_utf8() returns a string in the caller's arena. Pure code (iconv
 * is used as a library; no I/O of ours), safe to call from any thread.
 */
#ifndef GC_PARSERS_CHARSET_H
#define GC_PARSERS_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"

/* True when charset_convert() would treat the label as unknown. */
bool charset_is_unknown(const char *label);

/* Append the len bytes at in, written in charset (NULL: undeclared), to
 * out as UTF-8. *unknown_r (may be NULL) is set to true when the label was
 * unknown and a best effort was made; it is never reset to false.
 * Returns 0, or GC_ELIMIT when out's cap is reached (out then holds a
 * valid UTF-8 prefix of the text). */
int charset_convert(struct buf *out, bool *unknown_r, const char *charset,
    const char *in, size_t len) __attribute__((warn_unused_result));

/* Raw 8-bit text with at most a hint of its charset (header fields sent
 * unencoded: declared is the charset the mail declares for its body, or
 * NULL): valid UTF-8 first, then ISO-2022 announced by its escapes, then
 * the declared charset when it reads every byte, else the charset
 * chardet.h guesses. Appends to out as charset_convert() does. */
int charset_convert_guess(struct buf *out, const char *declared,
    const char *in, size_t len) __attribute__((warn_unused_result));

/* True when label names a charset (not us-ascii, UTF-8 or an unknown
 * one) that reads each of the len bytes at in. */
bool charset_fits(const char *label, const char *in, size_t len);

/* The same into a new arena string, at most max bytes long (GC_ELIMIT
 * past it, *out NULL). *len_r may be NULL. */
int charset_to_utf8(char **out, size_t *len_r, bool *unknown_r,
    struct arena *a, const char *charset, const char *in, size_t len,
    size_t max);

#endif
