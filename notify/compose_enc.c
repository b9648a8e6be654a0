/*
 * compose_enc.c - the transfer encodings of composed messages: the body
 * made CRLF and valid UTF-8, the 7bit test, quoted-printable and base64
 */
#include "notify/compose_int.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

#define QP_LINE 76              /* quoted-printable line length */
#define B64_LINE 76             /* base64 line length */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The body with CRLF line endings, valid UTF-8 and a final CRLF. */
char *
enc_normalize_body(struct arena *a, const char *body, size_t *len_r)
{
	size_t n = body ? strlen(body) : 0, o = 0, i = 0;
	const unsigned char *p = (const unsigned char *)body;
	char *out = arena_alloc(a, n * 3 + 3);

	while (i < n) {
		uint32_t cp;
		size_t len;

		if (p[i] == '\r' || p[i] == '\n') {
			i += (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') ?
			    2 : 1;
			out[o++] = '\r';
			out[o++] = '\n';
			continue;
		}
		if (p[i] < 0x80) {
			/* ASCII up to the next line end or other byte, in
			 * one copy */
			size_t run = i + 1;

			while (run < n && p[run] < 0x80 && p[run] != '\r' &&
			    p[run] != '\n')
				run++;
			memcpy(out + o, p + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		len = utf8_decode(&cp, p + i, n - i);
		if (len == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, len);
		o += len;
		i += len;
	}
	if (o < 2 || out[o - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* 7bit is enough: printable ASCII or TAB, lines of at most 78 bytes. */
bool
enc_is_7bit(const char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			col = 0;
			i++;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return false;
		if (++col > LINE_MAX_COL)
			return false;
	}
	return true;
}

/* Quoted-printable (RFC 2045 6.7) of CRLF text; soft breaks never split
 * an escape nor a UTF-8 character. */
int
enc_qp(struct buf *out, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0, i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		char enc[12];
		size_t elen = 0, clen;
		uint32_t cp;

		size_t j = i;

		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			rc = buf_add(out, "\r\n", 2);
			col = 0;
			i += 2;
			continue;
		}
		/* a run of characters that stand for themselves, added at
		 * once (the same output as one at a time below) */
		while (j < n && col + (j - i) < QP_LINE - 1) {
			unsigned char c = p[j];

			if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' ||
			    c == '\t') && j + 1 < n && p[j + 1] != '\r'))
				j++;
			else
				break;
		}
		if (j > i) {
			rc = buf_add(out, p + i, j - i);
			col += j - i;
			i = j;
			continue;
		}
		clen = utf8_decode(&cp, p + i, n - i);
		if (clen == 0)
			clen = 1;
		for (size_t k = i; k < i + clen; k++) {
			unsigned char c = p[k];
			bool eol = k + 1 >= n || p[k + 1] == '\r';

			if ((c >= 33 && c <= 126 && c != '=') ||
			    ((c == ' ' || c == '\t') && !eol)) {
				enc[elen++] = (char)c;
			} else {
				enc[elen++] = '=';
				enc[elen++] = hx[c >> 4];
				enc[elen++] = hx[c & 15];
			}
		}
		if (col + elen > QP_LINE - 1) {
			rc = buf_add(out, "=\r\n", 3);
			col = 0;
		}
		if (rc == 0)
			rc = buf_add(out, enc, elen);
		col += elen;
		i += clen;
	}
	return rc;
}

int
enc_base64(struct buf *out, const unsigned char *p, size_t n)
{
	char line[B64_LINE + 2];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i += B64_LINE / 4 * 3) {
		size_t take = n - i < B64_LINE / 4 * 3 ? n - i :
		    B64_LINE / 4 * 3;
		size_t o = enc_b64(line, p + i, take);

		line[o++] = '\r';
		line[o++] = '\n';
		rc = buf_add(out, line, o);
	}
	return rc;
}

size_t
enc_b64(char *out, const unsigned char *p, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
		    p[i + 2];

		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}
