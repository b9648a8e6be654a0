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

#include "common/util.h"

/* The value of each base64 character; XX (bit 7 set) for the others.
 * '-' and '_' are the URL-safe alphabet's 62 and 63. */
#define XX 0xff
static const unsigned char b64tab[256] = {
	/* 00 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 08 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 10 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 18 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 20 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 28 */ XX, XX, XX, 62, XX, 62, XX, 63,
	/* 30 */ 52, 53, 54, 55, 56, 57, 58, 59,
	/* 38 */ 60, 61, XX, XX, XX, XX, XX, XX,
	/* 40 */ XX,  0,  1,  2,  3,  4,  5,  6,
	/* 48 */  7,  8,  9, 10, 11, 12, 13, 14,
	/* 50 */ 15, 16, 17, 18, 19, 20, 21, 22,
	/* 58 */ 23, 24, 25, XX, XX, XX, XX, 63,
	/* 60 */ XX, 26, 27, 28, 29, 30, 31, 32,
	/* 68 */ 33, 34, 35, 36, 37, 38, 39, 40,
	/* 70 */ 41, 42, 43, 44, 45, 46, 47, 48,
	/* 78 */ 49, 50, 51, XX, XX, XX, XX, XX,
	/* 80 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 88 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 90 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* 98 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* a0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* a8 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* b0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* b8 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* c0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* c8 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* d0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* d8 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* e0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* e8 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* f0 */ XX, XX, XX, XX, XX, XX, XX, XX,
	/* f8 */ XX, XX, XX, XX, XX, XX, XX, XX,
};
#undef XX

size_t
codec_base64_decode(unsigned char *out, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0;
	unsigned acc = 0;
	int bits = 0;

	while (i < len) {
		unsigned v;

		/* Fast path: eight, then four, base64 characters on a quantum
		 * boundary (the bulk of every line) make six or three bytes
		 * at once. */
		while (bits == 0 && i + 8 <= len) {
			unsigned a = b64tab[p[i]], b = b64tab[p[i + 1]];
			unsigned c = b64tab[p[i + 2]], d = b64tab[p[i + 3]];
			unsigned e = b64tab[p[i + 4]], f = b64tab[p[i + 5]];
			unsigned g = b64tab[p[i + 6]], h = b64tab[p[i + 7]];
			unsigned q, r;

			if ((a | b | c | d | e | f | g | h) & 0x80)
				break;
			q = a << 18 | b << 12 | c << 6 | d;
			r = e << 18 | f << 12 | g << 6 | h;
			out[n] = (unsigned char)(q >> 16);
			out[n + 1] = (unsigned char)(q >> 8);
			out[n + 2] = (unsigned char)q;
			out[n + 3] = (unsigned char)(r >> 16);
			out[n + 4] = (unsigned char)(r >> 8);
			out[n + 5] = (unsigned char)r;
			n += 6;
			i += 8;
		}
		if (bits == 0 && i + 4 <= len) {
			unsigned a = b64tab[p[i]], b = b64tab[p[i + 1]];
			unsigned c = b64tab[p[i + 2]], d = b64tab[p[i + 3]];

			if (((a | b | c | d) & 0x80) == 0) {
				unsigned q = a << 18 | b << 12 | c << 6 | d;

				out[n++] = (unsigned char)(q >> 16);
				out[n++] = (unsigned char)(q >> 8);
				out[n++] = (unsigned char)q;
				i += 4;
				continue;
			}
		}
		if (i >= len)
			break;
		v = b64tab[p[i]];
		if (p[i] == '=') {
			/* Padding ends a quantum; data may follow when parts
			 * were glued together, so only reset the state. */
			acc = 0;
			bits = 0;
			i++;
			continue;
		}
		i++;
		if (v & 0x80)
			continue;
		acc = (acc << 6) | v;
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

size_t
codec_qp_decode(unsigned char *out, const char *in, size_t len, bool header)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = p[i];

		/* a run of bytes copied as they are */
		if (c != '=' && c != ' ' && c != '\t' && c != '_') {
			size_t k = i + 1;

			while (k < len && p[k] != '=' && p[k] != ' ' &&
			    p[k] != '\t' && p[k] != '_')
				k++;
			memcpy(out + n, p + i, k - i);
			n += k - i;
			i = k;
			continue;
		}
		if (c == '=') {
			size_t j = i + 1;
			int hi, lo;

			hi = j + 1 < len ? hex_digit((char)p[j]) : -1;
			lo = hi >= 0 ? hex_digit((char)p[j + 1]) : -1;
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
