/*
 * utf8.c - UTF-8 validation and sanitising (see utf8.h)
 *
 * Well-formed means RFC 3629 / Unicode table 3-7: no overlong forms, no
 * surrogates, nothing past U+10FFFF. Invalid input is replaced following
 * the Unicode "maximal subpart" practice (the same as WHATWG decoders): a
 * lead byte followed by a valid but truncated run of continuation bytes is
 * one U+FFFD, any other bad byte is one U+FFFD on its own. The decoding
 * itself is common/utf8.h's; what is here is built on it.
 */
#include "parsers/utf8.h"

#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/utf8.h"

/* How many bytes of a bad sequence at s make one replacement: the lead
 * byte plus the continuation bytes that were valid so far (at least 1). */
static size_t
bad_len(const unsigned char *s, size_t len)
{
	size_t need = utf8_lead_len(s[0]), i;

	if (need < 2)
		return 1;
	if (len < 2 || !utf8_second_ok(s[0], s[1]))
		return 1;
	for (i = 2; i < need && i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			break;
	return i;
}

size_t
utf8_seqlen(const unsigned char *s, size_t len)
{
	return utf8_decode(NULL, s, len);
}

/* The length of the run of ASCII bytes at p (NUL included), read eight
 * bytes at a time: most mail text is ASCII. */
static size_t
ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i + 8 <= len) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if ((w & UINT64_C(0x8080808080808080)) != 0)
			break;
		i += 8;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (p[i] < 0x80) {
			i += ascii_run(p + i, len - i);
			continue;
		}
		n = utf8_seqlen(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

int
utf8_sanitize_buf(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	int rc;

	/* Copy runs of good bytes at once; stop at NUL and bad bytes. */
	while (i < len) {
		size_t n;

		if (p[i] != 0 && p[i] < 0x80) {
			size_t k = i + 1;

			/* ASCII without NUL, eight bytes at a time */
			while (k + 8 <= len) {
				uint64_t w;

				memcpy(&w, p + k, 8);
				if (((w - UINT64_C(0x0101010101010101)) |
				    w) & UINT64_C(0x8080808080808080))
					break;
				k += 8;
			}
			while (k < len && p[k] != 0 && p[k] < 0x80)
				k++;
			run += k - i;
			i = k;
			continue;
		}
		n = p[i] == 0 ? 0 : utf8_seqlen(p + i, len - i);
		if (n > 0) {
			i += n;
			run += n;
			continue;
		}
		rc = run > 0 ? buf_add(b, p + i - run, run) : 0;
		if (rc != 0)
			return rc;
		run = 0;
		if (p[i] == 0) {
			i++;
			continue;
		}
		rc = buf_add(b, UTF8_REPLACEMENT, 3);
		if (rc != 0)
			return rc;
		i += bad_len(p + i, len - i);
	}
	return run > 0 ? buf_add(b, p + i - run, run) : 0;
}

char *
utf8_sanitize(struct arena *a, const char *s, size_t len, size_t *len_r)
{
	struct buf b;
	char *out;

	if (utf8_valid(s, len) && memchr(s, '\0', len) == NULL) {
		if (len_r != NULL)
			*len_r = len;
		return arena_strndup(a, s, len);
	}
	/* Worst case: every byte becomes a 3-byte replacement. */
	buf_init(&b, len * 3 + 1);
	if (utf8_sanitize_buf(&b, s, len) != 0)
		fatal("utf8_sanitize: buffer cap too small");
	out = arena_strndup(a, buf_str(&b), b.len);
	if (len_r != NULL)
		*len_r = b.len;
	buf_free(&b);
	return out;
}

int
utf8_put(struct buf *b, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return buf_add(b, UTF8_REPLACEMENT, 3);
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, tmp, n);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Some byte of x is below n (n <= 128). */
static uint64_t
has_less(uint64_t x, unsigned n)
{
	return (x - ONES * n) & ~x & HIGHS;
}

/* Some byte of x is b. */
static uint64_t
has_byte(uint64_t x, unsigned b)
{
	uint64_t y = x ^ (ONES * b);

	return (y - ONES) & ~y & HIGHS;
}

char *
utf8_strip_controls(char *s, bool keep_lf, bool keep_tab)
{
	unsigned char *r = (unsigned char *)s, *w, *end = r + strlen(s);

	/* Read only up to the first byte that changes (usually none);
	 * words without a byte below 0x20, 0x7f or 0xc2 are skipped eight
	 * bytes at a time. */
	for (;;) {
		unsigned char c;

		while (end - r >= 8) {
			uint64_t x;

			memcpy(&x, r, 8);
			if ((has_less(x, 0x20) | has_byte(x, 0x7f) |
			    has_byte(x, 0xc2)) != 0)
				break;
			r += 8;
		}
		c = *r;

		if ((c >= 0x20 && c < 0x7f) || (c >= 0x80 && c != 0xc2) ||
		    (c == '\n' && keep_lf) || (c == '\t' && keep_tab) ||
		    (c == 0xc2 && (r[1] < 0x80 || r[1] > 0x9f))) {
			r++;
			continue;
		}
		break;
	}
	if (*r == '\0')
		return s;
	w = r;
	while (*r != '\0') {
		unsigned char c = *r;

		if (c == '\n' && keep_lf) {
			*w++ = *r++;
		} else if (c == '\t') {
			*w++ = keep_tab ? '\t' : ' ';
			r++;
		} else if (c < 0x20 || c == 0x7f) {
			r++;
		} else if (c == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f) {
			r += 2;     /* C1 control */
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

char *
utf8_squeeze_spaces(char *s)
{
	char *r = s, *w = s;
	bool space = true;  /* drops leading spaces */

	for (; *r != '\0'; r++) {
		if (*r == ' ') {
			if (!space)
				*w++ = ' ';
			space = true;
		} else {
			*w++ = *r;
			space = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

size_t
utf8_truncate(char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	/* Back up over continuation bytes to a character start. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
	return max;
}
