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

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')   /* '-': the URL-safe alphabet */
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

size_t
codec_base64_decode(unsigned char *out, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, n = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		int v = b64val(p[i]);

		if (p[i] == '=') {
			/* Padding ends a quantum; data may follow when parts
			 * were glued together, so only reset the state. */
			acc = 0;
			bits = 0;
			continue;
		}
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
