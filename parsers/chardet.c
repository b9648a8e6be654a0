/*
 * chardet.c - guessing the charset of undeclared 8-bit text (see
 * chardet.h)
 *
 * Each candidate reads the sample itself, byte by byte, without iconv:
 * opening the converters of eight charsets for every guess made glibc
 * load and unload their modules each time (milliseconds a guess). The
 * double-byte charsets check their byte structure (a byte sequence the
 * charset does not have costs ERROR_COST) and score each character by
 * where it sits in the charset: kana, Hangul, punctuation, the
 * ideographs most frequent in Chinese (simplified and traditional) and
 * Japanese text and the most frequent Hangul syllables (tables of their
 * codes in each charset, sorted, searched by bisection), rare and
 * user-defined areas. The single-byte ones map bytes to code points and
 * score letters in context (a Cyrillic or accented letter glued to ASCII
 * letters, an uppercase letter inside a word). The tables are in
 * chardet_tables.c.
 */
#include "parsers/chardet.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parsers/chardet_tables.h"
#include "parsers/utf8.h"

#define ERROR_COST 8

static bool
in_table(const uint16_t *t, size_t n, unsigned code)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] == code)
			return true;
		if (t[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#define IN(t, code) in_table(chardet_##t, chardet_##t##_n, (code))

/* ----- Double-byte charsets --------------------------------------- */

/* Each returns the score of the character at p (its length in *n_r), or
 * -ERROR_COST with *n_r = 1 when the charset has no such sequence; a
 * character cut by the end of the sample is not scored (*n_r = 0). */

static int
gb18030_char(const unsigned char *p, size_t left, size_t *n_r)
{
	unsigned b = p[0], t, code;

	*n_r = 1;
	if (b == 0x80 || b == 0xff)
		return -ERROR_COST;
	if (left < 2)
		return *n_r = 0, 0;
	t = p[1];
	if (t >= 0x30 && t <= 0x39) {           /* four bytes: rare */
		if (left < 4)
			return *n_r = 0, 0;
		if (p[2] < 0x81 || p[2] == 0xff || p[3] < 0x30 || p[3] > 0x39)
			return -ERROR_COST;
		*n_r = 4;
		return -2;
	}
	if (t < 0x40 || t == 0x7f || t == 0xff)
		return -ERROR_COST;
	*n_r = 2;
	code = b << 8 | t;
	if (t < 0xa1 || b < 0xa1)
		return -1;                      /* GBK extensions */
	if (IN(freq_gb, code))
		return 4;
	if (b <= 0xa3)
		return 1;                       /* punctuation, full width */
	if (b <= 0xa9)
		return -1;                      /* kana, Greek, box drawing */
	if (b <= 0xaf || b >= 0xf8)
		return -4;                      /* user-defined */
	return 0;                               /* other hanzi */
}

static int
big5_char(const unsigned char *p, size_t left, size_t *n_r)
{
	unsigned b = p[0], t, code;

	*n_r = 1;
	if (b < 0x81 || b == 0xff)
		return -ERROR_COST;
	if (left < 2)
		return *n_r = 0, 0;
	t = p[1];
	if (!((t >= 0x40 && t <= 0x7e) || (t >= 0xa1 && t <= 0xfe)))
		return -ERROR_COST;
	*n_r = 2;
	code = b << 8 | t;
	if (b < 0xa1 || b > 0xf9)
		return -2;                      /* HKSCS additions */
	if (IN(freq_big5, code))
		return 4;
	if (code < 0xa3c0)
		return 1;                       /* punctuation, symbols */
	if (code < 0xa440)
		return -2;
	if (code <= 0xc67e || code >= 0xc940)
		return 0;                       /* hanzi */
	return -1;                              /* kana and such */
}

static int
sjis_char(const unsigned char *p, size_t left, size_t *n_r)
{
	unsigned b = p[0], t, code;

	*n_r = 1;
	if (b >= 0xa1 && b <= 0xdf)
		return -1;                      /* half-width katakana */
	if (!((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)))
		return -ERROR_COST;
	if (left < 2)
		return *n_r = 0, 0;
	t = p[1];
	if (t < 0x40 || t == 0x7f || t > 0xfc)
		return -ERROR_COST;
	*n_r = 2;
	code = b << 8 | t;
	if (code >= 0x829f && code <= 0x82f1)
		return 4;                       /* hiragana */
	if ((code >= 0x8340 && code <= 0x8396) || code == 0x815b)
		return 3;                       /* katakana */
	if (b == 0x81 || b == 0x82)
		return 1;                       /* punctuation, full width */
	if (IN(freq_sjis, code))
		return 4;
	if (b == 0x85 || b == 0x86 || (b >= 0xf0 && b <= 0xf9))
		return -4;                      /* unassigned, user-defined */
	if (b >= 0x88)
		return 0;                       /* kanji */
	return -1;                              /* Greek, Cyrillic, NEC */
}

static int
eucjp_char(const unsigned char *p, size_t left, size_t *n_r)
{
	unsigned b = p[0], t, code;

	*n_r = 1;
	if (b == 0x8e || b == 0x8f) {
		size_t need = b == 0x8e ? 2 : 3, i;

		if (left < need)
			return *n_r = 0, 0;
		for (i = 1; i < need; i++)
			if (p[i] < 0xa1 || p[i] == 0xff)
				return -ERROR_COST;
		*n_r = need;
		return b == 0x8e ? -1 : -2;     /* half-width kana, 0212 */
	}
	if (b < 0xa1 || b == 0xff)
		return -ERROR_COST;
	if (left < 2)
		return *n_r = 0, 0;
	t = p[1];
	if (t < 0xa1 || t == 0xff)
		return -ERROR_COST;
	*n_r = 2;
	code = b << 8 | t;
	if (b == 0xa4)
		return 4;                       /* hiragana */
	if (b == 0xa5 || code == 0xa1bc)
		return 3;                       /* katakana */
	if (b <= 0xa3)
		return 1;
	if (IN(freq_eucjp, code))
		return 4;
	if (b <= 0xa8)
		return -1;                      /* Greek, Cyrillic, box */
	if (b <= 0xaf || b >= 0xf5)
		return -3;                      /* NEC rows, user-defined */
	return 0;                               /* kanji */
}

static int
cp949_char(const unsigned char *p, size_t left, size_t *n_r)
{
	unsigned b = p[0], t, code;

	*n_r = 1;
	if (b < 0x81 || b == 0xff)
		return -ERROR_COST;
	if (left < 2)
		return *n_r = 0, 0;
	t = p[1];
	if (!((t >= 0x41 && t <= 0x5a) || (t >= 0x61 && t <= 0x7a) ||
	    (t >= 0x81 && t <= 0xfe)))
		return -ERROR_COST;
	*n_r = 2;
	code = b << 8 | t;
	if (t < 0xa1 || b < 0xa1)
		return b <= 0xc6 ? 0 : -ERROR_COST;     /* UHC hangul */
	if (b >= 0xb0 && b <= 0xc8)
		return IN(freq_kr, code) ? 5 : 1;       /* hangul */
	if (b == 0xa1 || b == 0xa3)
		return 1;                       /* punctuation, full width */
	if (b == 0xc9 || b == 0xfe)
		return -4;                      /* user-defined */
	if (b >= 0xca)
		return 0;                       /* hanja */
	return -1;                              /* jamo, kana, symbols */
}

/* ----- Single-byte charsets --------------------------------------- */

static bool
ascii_letter(uint32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static bool
latin_letter(uint32_t cp)
{
	return (cp >= 0xc0 && cp <= 0xff && cp != 0xd7 && cp != 0xf7) ||
	    cp == 0x160 || cp == 0x161 || cp == 0x17d || cp == 0x17e ||
	    cp == 0x152 || cp == 0x153 || cp == 0x178;
}

static bool
cyrillic_letter(uint32_t cp)
{
	return cp >= 0x400 && cp <= 0x4ff;
}

static bool
cyrillic_lower(uint32_t cp)
{
	return (cp >= 0x430 && cp <= 0x44f) || cp == 0x451;
}

/* Punctuation of Western text that windows-1252 reads in 0x80-0xbf. */
static bool
western_punct(uint32_t cp)
{
	return (cp >= 0x2018 && cp <= 0x201e) || cp == 0x2013 ||
	    cp == 0x2014 || cp == 0x2026 || cp == 0x20ac || cp == 0xa0 ||
	    cp == 0xab || cp == 0xbb || cp == 0xb0 || cp == 0xa9 ||
	    cp == 0xae || cp == 0x2122 || cp == 0xa7 || cp == 0xa3;
}

/* How much cp (between prev and next) speaks for the single-byte
 * charset that read it. */
static int
sb_score(uint32_t prev, uint32_t cp, uint32_t next)
{
	bool latin_word = ascii_letter(prev) || ascii_letter(next);

	if (cp < 0x80)
		return 0;
	if (cp == 0)
		return -ERROR_COST;
	if (latin_letter(cp)) {
		if (latin_word)
			return 3;
		return latin_letter(prev) || latin_letter(next) ? -1 : 1;
	}
	if (cp >= 0xa1 && cp <= 0xbf && !latin_word &&
	    !latin_letter(prev) && !latin_letter(next) &&
	    !cyrillic_letter(prev) && !cyrillic_letter(next))
		return 2;       /* symbols among symbols: a drawn line */
	if (western_punct(cp))
		return 1;
	if (cyrillic_letter(cp)) {
		if (latin_word)
			return -3;
		if (cyrillic_lower(cp))
			return 2;
		return cyrillic_letter(prev) ? 0 : 1;
	}
	return -1;      /* C1 controls, rarer symbols, box drawing */
}

static long
sb_total(const uint16_t *map, const unsigned char *p, size_t len)
{
	uint32_t prev = ' ', cp, next;
	size_t i;
	long s = 0;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			continue;
		cp = map[p[i] - 0x80];
		if (cp == 0) {
			s -= ERROR_COST;
			continue;
		}
		prev = i > 0 ? (p[i - 1] < 0x80 ? p[i - 1] :
		    map[p[i - 1] - 0x80]) : ' ';
		next = i + 1 < len ? (p[i + 1] < 0x80 ? p[i + 1] :
		    map[p[i + 1] - 0x80]) : ' ';
		s += sb_score(prev, cp, next);
	}
	return s;
}

static long
db_total(int (*one)(const unsigned char *, size_t, size_t *),
    const unsigned char *p, size_t len)
{
	size_t i = 0, n;
	long s = 0;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		s += one(p + i, len - i, &n);
		if (n == 0)
			break;
		i += n;
	}
	return s;
}

struct candidate {
	const char *label;      /* returned, known to charset.h */
	int (*one)(const unsigned char *, size_t, size_t *);
	const uint16_t *map;    /* single-byte: 0x80-0xff */
};

/* In order of how common they are in mail: ties go to the first. */
static const struct candidate candidates[] = {
	{ "gb18030", gb18030_char, NULL },
	{ "big5", big5_char, NULL },
	{ "shift_jis", sjis_char, NULL },
	{ "euc-jp", eucjp_char, NULL },
	{ "euc-kr", cp949_char, NULL },
	{ "windows-1252", NULL, chardet_sb_cp1252 },
	{ "koi8-r", NULL, chardet_sb_koi8r },
	{ "windows-1251", NULL, chardet_sb_cp1251 },
};

const char *
chardet_guess(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t start, i;
	const char *best = NULL;
	long best_score = 0;

	for (start = 0; start < len && p[start] < 0x80; start++)
		;
	if (start == len || utf8_valid(in, len))
		return NULL;
	/* The sample: from a little before the first 8-bit byte. */
	start = start > 16 ? start - 16 : 0;
	if (len - start > CHARDET_SAMPLE)
		len = start + CHARDET_SAMPLE;
	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		const struct candidate *c = &candidates[i];
		long s = c->one != NULL ? db_total(c->one, p + start,
		    len - start) : sb_total(c->map, p + start, len - start);

		if (best == NULL || s > best_score) {
			best = c->label;
			best_score = s;
		}
	}
	return best_score > 0 ? best : "windows-1252";
}
