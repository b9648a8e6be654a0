/*
 * utf8.c - decoding one UTF-8 character (see utf8.h): the sequences of
 * two to four bytes
 */
#include "utf8.h"

size_t
utf8_decode_multi(uint32_t *cp_r, const unsigned char *s, size_t len)
{
	size_t need = utf8_lead_len(s[0]), i;
	uint32_t cp;

	if (need == 1 && len > 0) {
		if (cp_r != NULL)
			*cp_r = s[0];
		return 1;
	}
	if (need < 2 || len < need || !utf8_second_ok(s[0], s[1]))
		return 0;
	cp = s[0] & (0xff >> (need + 1));
	for (i = 1; i < need; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xbf))
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp_r != NULL)
		*cp_r = cp;
	return need;
}
