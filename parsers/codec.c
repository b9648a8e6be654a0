/*
 * codec.c - transfer-encoding decoders (see codec.h)
 *
 * Written here rather than taken from libetpan: libetpan's decoders return
 * MMAPString objects (registered in a process-wide table, and backed by
 * temporary files past a size threshold), and its quoted-printable decoder
 * turns a malformed "=XY" into a NUL byte. Ours write into a caller's
 * buffer, never fail and keep malformed escapes as they are.
 */
#include "parsers/codec.h"

#include <string.h>

/* 1 + the value of each base64 character, 0 for the others. '-' and
 * '_' are the URL-safe alphabet's 62 and 63. */
static const unsigned char b64tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64, ['-'] = 63, ['_'] = 64,
};

/* The value of c, or -1. */
static int
b64val(unsigned char c)
{
	return (int)b64tab[c] - 1;
}

size_t
codec_base64_decode(unsigned char *out, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0;
	unsigned acc = 0;
	int bits = 0;

	while (i < len) {
		int v;

		/* Fast path: four base64 characters on a quantum boundary
		 * (the bulk of every line) make three bytes at once. */
		if (bits == 0 && i + 4 <= len) {
			int a = b64val(p[i]), b = b64val(p[i + 1]);
			int c = b64val(p[i + 2]), d = b64val(p[i + 3]);

			if ((a | b | c | d) >= 0) {
				unsigned q = (unsigned)a << 18 |
				    (unsigned)b << 12 | (unsigned)c << 6 |
				    (unsigned)d;

				out[n++] = (unsigned char)(q >> 16);
				out[n++] = (unsigned char)(q >> 8);
				out[n++] = (unsigned char)q;
				i += 4;
				continue;
			}
		}
		v = b64val(p[i]);
		if (p[i] == '=') {
			/* Padding ends a quantum; data may follow when parts
			 * were glued together, so only reset the state. */
			acc = 0;
			bits = 0;
			i++;
			continue;
		}
		i++;
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	out[n] = '\0';
	return n;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
codec_qp_decode(unsigned char *out, const char *in, size_t len, bool header)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '=') {
			size_t j = i + 1;
			int hi, lo;

			hi = j + 1 < len ? hexval(p[j]) : -1;
			lo = hi >= 0 ? hexval(p[j + 1]) : -1;
			if (lo >= 0) {
				out[n++] = (unsigned char)(hi << 4 | lo);
				i += 3;
				continue;
			}
			/* Soft line break: "=" [blanks] EOL, or "=" at the
			 * very end. */
			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (!header && (j == len || p[j] == '\n' ||
			    p[j] == '\r')) {
				if (j < len && p[j] == '\r')
					j++;
				if (j < len && p[j] == '\n')
					j++;
				i = j;
				continue;
			}
			out[n++] = '=';
			i++;
			continue;
		}
		if (c == '_' && header) {
			out[n++] = ' ';
			i++;
			continue;
		}
		if ((c == ' ' || c == '\t') && !header) {
			/* Blanks before a line end are padding: drop them. */
			size_t j = i;

			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j < len && (p[j] == '\n' || p[j] == '\r')) {
				i = j;
				continue;
			}
			memcpy(out + n, p + i, j - i);
			n += j - i;
			i = j;
			continue;
		}
		out[n++] = c;
		i++;
	}
	out[n] = '\0';
	return n;
}

/* ----- uuencode --------------------------------------------------- */

#define UU(c) (((unsigned char)(c) - 0x20) & 0x3f)

static const char *
line_end(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

static const char *
next_line(const char *p, const char *end)
{
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	return p;
}

size_t
codec_uu_decode(unsigned char *out, const char *in, size_t len,
    struct arena *a, const char **name_r)
{
	const char *p = in, *end = in + len;
	size_t n = 0;
	bool begun = false;

	if (name_r != NULL)
		*name_r = NULL;
	while (p < end) {
		const char *le = line_end(p, end);
		size_t ll = (size_t)(le - p);

		if (!begun) {
			if (ll >= 6 && memcmp(p, "begin ", 6) == 0) {
				const char *q = p + 6;

				begun = true;
				/* "begin MODE NAME" */
				while (q < le && *q != ' ')
					q++;
				while (q < le && *q == ' ')
					q++;
				if (name_r != NULL && a != NULL && q < le)
					*name_r = arena_strndup(a, q,
					    (size_t)(le - q));
			}
			p = next_line(le, end);
			continue;
		}
		if (ll >= 3 && memcmp(p, "end", 3) == 0)
			break;
		if (ll > 0) {
			size_t want = UU(p[0]), got = 0;
			const char *q = p + 1;

			while (got < want && q + 4 <= le) {
				unsigned char b0 = UU(q[0]), b1 = UU(q[1]);
				unsigned char b2 = UU(q[2]), b3 = UU(q[3]);
				unsigned char o[3];
				size_t k;

				o[0] = (unsigned char)(b0 << 2 | b1 >> 4);
				o[1] = (unsigned char)(b1 << 4 | b2 >> 2);
				o[2] = (unsigned char)(b2 << 6 | b3);
				for (k = 0; k < 3 && got < want; k++, got++)
					out[n++] = o[k];
				q += 4;
			}
		}
		p = next_line(le, end);
	}
	out[n] = '\0';
	return n;
}

unsigned char *
codec_decode(struct arena *a, const char *encoding, const char *in,
    size_t len, size_t *len_r)
{
	unsigned char *out = arena_alloc(a, len + 1);
	size_t n;

	if (encoding != NULL && strcmp(encoding, "base64") == 0)
		n = codec_base64_decode(out, in, len);
	else if (encoding != NULL && strcmp(encoding, "quoted-printable") == 0)
		n = codec_qp_decode(out, in, len, false);
	else if (encoding != NULL && (strcmp(encoding, "x-uuencode") == 0 ||
	    strcmp(encoding, "uuencode") == 0 ||
	    strcmp(encoding, "x-uue") == 0))
		n = codec_uu_decode(out, in, len, NULL, NULL);
	else {
		memcpy(out, in, len);
		out[len] = '\0';
		n = len;
	}
	*len_r = n;
	return out;
}
