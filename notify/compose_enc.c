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

#define ONES8 0x0101010101010101ULL
#define HIGH8 0x8080808080808080ULL
#define HAS_ZERO8(v) (((v) - ONES8) & ~(v) & HIGH8)

/* Whether the eight bytes at p are ASCII and neither CR nor LF. */
static inline bool
ascii_plain8(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return (w & HIGH8) == 0 && !HAS_ZERO8(w ^ (ONES8 * '\r')) &&
	    !HAS_ZERO8(w ^ (ONES8 * '\n'));
}

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

			while (run + 8 <= n && ascii_plain8(p + run))
				run += 8;
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

/* What a byte is to quoted-printable: QP_LIT stands for itself (33..126
 * but '='), QP_WS (space, TAB) stands for itself unless a line ends
 * after it, 0 is written =XX. */
#define QP_LIT 1
#define QP_WS 2
static const unsigned char qp_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,         /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0x10 */
	2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,         /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         /* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,         /* 0x70 */
};

/* Whether p[k], a QP_WS byte, is the last of its line. */
#define QP_EOL(p, k, n) ((k) + 1 >= (n) || (p)[(k) + 1] == '\r')

/* Quoted-printable (RFC 2045 6.7) of CRLF text; soft breaks never split
 * an escape nor a UTF-8 character. The output is gathered in a chunk on
 * the stack and added to out a few kilobytes at a time. */
int
enc_qp(struct buf *out, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char chunk[4096];
	size_t col = 0, i = 0, o = 0;
	int rc = 0;

	while (i < n) {
		size_t j = i, lim, clen;
		uint32_t cp;
		char enc[12];
		size_t elen = 0;

		/* room for the longest step: a run of QP_LINE bytes or a
		 * soft break and an escaped character */
		if (o > sizeof(chunk) - QP_LINE - 16) {
			rc = buf_add(out, chunk, o);
			if (rc != 0)
				return rc;
			o = 0;
		}
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			chunk[o++] = '\r';
			chunk[o++] = '\n';
			col = 0;
			i += 2;
			continue;
		}
		/* a run of characters that stand for themselves, up to the
		 * column of a soft break; eight literal bytes are checked
		 * at once */
		lim = col < QP_LINE - 1 ? i + (QP_LINE - 1 - col) : i;
		if (lim > n)
			lim = n;
		while (j + 8 <= lim && (qp_class[p[j]] & qp_class[p[j + 1]] &
		    qp_class[p[j + 2]] & qp_class[p[j + 3]] &
		    qp_class[p[j + 4]] & qp_class[p[j + 5]] &
		    qp_class[p[j + 6]] & qp_class[p[j + 7]]) == QP_LIT)
			j += 8;
		while (j < lim && (qp_class[p[j]] == QP_LIT ||
		    (qp_class[p[j]] == QP_WS && !QP_EOL(p, j, n))))
			j++;
		if (j > i) {
			memcpy(chunk + o, p + i, j - i);
			o += j - i;
			col += j - i;
			i = j;
			continue;
		}
		clen = p[i] < 0x80 ? 1 : utf8_decode(&cp, p + i, n - i);
		if (clen == 0)
			clen = 1;
		for (size_t k = i; k < i + clen; k++) {
			unsigned char c = p[k];

			if (qp_class[c] == QP_LIT ||
			    (qp_class[c] == QP_WS && !QP_EOL(p, k, n))) {
				enc[elen++] = (char)c;
			} else {
				enc[elen++] = '=';
				enc[elen++] = hx[c >> 4];
				enc[elen++] = hx[c & 15];
			}
		}
		if (col + elen > QP_LINE - 1) {
			memcpy(chunk + o, "=\r\n", 3);
			o += 3;
			col = 0;
		}
		memcpy(chunk + o, enc, elen);
		o += elen;
		col += elen;
		i += clen;
	}
	return o > 0 ? buf_add(out, chunk, o) : rc;
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
