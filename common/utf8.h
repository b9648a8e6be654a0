/*
 * utf8.h - decoding one UTF-8 character: the one reading of well-formed
 * UTF-8 that every module uses
 *
 * Well-formed means RFC 3629 / Unicode table 3-7: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF, no truncated
 * sequence. What to do with bytes that are not (refuse, replace, escape)
 * is the caller's business: parsers/utf8.h repairs, others refuse.
 *
 * ASCII is decoded inline, since most text is ASCII; longer sequences
 * go through utf8_decode_multi(). Pure code, no allocation.
 */
#ifndef GC_COMMON_UTF8_H
#define GC_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many bytes the sequence that lead starts has (1..4); 0 when lead
 * starts none (a continuation byte, C0, C1, F5..FF). */
static inline size_t
utf8_lead_len(unsigned char lead)
{
	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;
}

/* Can c be the second byte of a sequence led by lead (2..4 bytes long)?
 * The bounds of table 3-7 here are what rule out overlongs, surrogates
 * and code points past U+10FFFF. */
static inline bool
utf8_second_ok(unsigned char lead, unsigned char c)
{
	if (lead == 0xe0)
		return c >= 0xa0 && c <= 0xbf;
	if (lead == 0xed)
		return c >= 0x80 && c <= 0x9f;
	if (lead == 0xf0)
		return c >= 0x90 && c <= 0xbf;
	if (lead == 0xf4)
		return c >= 0x80 && c <= 0x8f;
	return c >= 0x80 && c <= 0xbf;
}

/* utf8_decode() for a sequence of two bytes or more (s[0] >= 0x80). */
size_t utf8_decode_multi(uint32_t *cp_r, const unsigned char *s, size_t len);

/* The character at s (len bytes left): its length (1..4), its code point
 * in *cp_r (may be NULL); 0 when the bytes at s are not a well-formed
 * sequence or len is 0, and *cp_r is then left alone. */
static inline size_t
utf8_decode(uint32_t *cp_r, const unsigned char *s, size_t len)
{
	if (len > 0 && s[0] < 0x80) {
		if (cp_r != NULL)
			*cp_r = s[0];
		return 1;
	}
	return len > 0 ? utf8_decode_multi(cp_r, s, len) : 0;
}

#endif
