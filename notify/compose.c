/*
 * compose.c - RFC 5322 / MIME message composition (see compose.h)
 *
 * Every header is written through a small "header writer" that tracks
 * the column and folds before an item that would pass column 78. Text
 * values are first cleaned (valid UTF-8, no controls), then cut into
 * items: plain ASCII words stay as they are, and each run of words that
 * cannot stay plain (non-ASCII, "=?", longer than a line) becomes a
 * series of encoded-words sized to the room left on the line, each at
 * most 75 characters and each holding whole UTF-8 characters, so that
 * every encoded-word decodes on its own.
 *
 * Temporary strings live in an arena freed before compose_message()
 * returns. Errors while appending to the output buffer are sticky in the
 * writer (w->rc), so the code below checks them once per header.
 */
#include "notify/compose.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/utf8.h"
#include "common/util.h"

#define LINE_MAX_COL 78         /* fold before passing this column */
#define EW_MAX 75               /* longest encoded-word (RFC 2047) */
#define EW_OVERHEAD 12          /* "=?utf-8?B?" + "?=" */
#define EW_MIN_ROOM 24          /* fold first when less room is left */
#define PLAIN_WORD_MAX 70       /* longer ASCII words get encoded */
#define TEXT_MAX 4096           /* cap on one cleaned header value */
#define SEP_MAX 8               /* longer runs of spaces are shortened */
#define QP_LINE 76              /* quoted-printable line length */
#define B64_LINE 76             /* base64 line length */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ----- UTF-8 cleaning --------------------------------------------- */

/*
 * A header-safe copy of s: invalid UTF-8 becomes U+FFFD, TAB, CR and LF
 * become a space, other C0 and C1 controls and DEL are dropped; leading
 * and trailing spaces are trimmed and, with collapse, inner runs of
 * spaces become one. At most TEXT_MAX bytes, cut on a character.
 */
static char *
clean_text(struct arena *a, const char *s, bool collapse)
{
	size_t n = s ? strlen(s) : 0, o = 0;
	char *out = arena_alloc(a, (n * 3 < TEXT_MAX ? n * 3 : TEXT_MAX) + 4);
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(&cp, p + i, n - i);
		const char *src = (const char *)p + i;

		if (len == 0) {
			src = "\xef\xbf\xbd";
			len = 3;
			i++;
		} else {
			i += len;
			if (cp == '\t' || cp == '\r' || cp == '\n')
				src = " ";
			else if (cp < 0x20 || cp == 0x7f ||
			    (cp >= 0x80 && cp < 0xa0))
				continue;
		}
		if (src[0] == ' ' &&
		    (o == 0 || (collapse && out[o - 1] == ' ')))
			continue;
		if (o + len > TEXT_MAX)
			break;
		memcpy(out + o, src, len);
		o += len;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
}

/* ----- Header writer ---------------------------------------------- */

struct hw {
	struct buf *out;
	size_t col;         /* column of the next byte on the current line */
	size_t start;       /* column right after "Name:" */
	int rc;             /* first buf error, sticky */
};

static void
hw_raw(struct hw *w, const char *s, size_t n)
{
	if (w->rc == 0)
		w->rc = buf_add(w->out, s, n);
	w->col += n;
}

static void
hw_start(struct hw *w, const char *name)
{
	w->col = 0;
	hw_raw(w, name, strlen(name));
	hw_raw(w, ":", 1);
	w->start = w->col;
}

static void
hw_fold(struct hw *w)
{
	hw_raw(w, "\r\n", 2);
	w->col = 0;
}

/* sep (whitespace, never empty after the first item) then text; folds
 * first when the item would pass the line width and something already
 * stands on the line. */
static void
hw_item(struct hw *w, const char *sep, const char *text, size_t n)
{
	size_t seplen = strlen(sep);

	if (w->col > w->start && seplen > 0 &&
	    w->col + seplen + n > LINE_MAX_COL)
		hw_fold(w);
	hw_raw(w, sep, seplen);
	hw_raw(w, text, n);
}

static void
hw_end(struct hw *w)
{
	hw_raw(w, "\r\n", 2);
}

/* ----- Encoded-words ---------------------------------------------- */

/* Characters a Q-encoded word may carry as they are, in any context
 * (RFC 2047 5(3), the strictest: phrases). */
static bool
q_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
q_len(const unsigned char *p, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (q_plain(p[i]) || p[i] == ' ') ? 1 : 3;
	return len;
}

static size_t
b_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static size_t
b64_encode(char *out, const unsigned char *p, size_t n)
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

/*
 * Write s[0..n) (valid UTF-8) as encoded-words, the first preceded by
 * sep, the others by a space, each sized to the room on its line.
 */
static void
put_encoded(struct hw *w, const char *sep, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Q reads better in mostly-Latin text: take it unless it is much
	 * longer than B. */
	bool q = q_len(p, n) <= b_len(n) + b_len(n) / 3;
	size_t i = 0;

	while (i < n) {
		size_t seplen = strlen(sep), room, max, take = 0, enc = 0;
		char word[EW_MAX + 1];
		size_t o = 0;

		/* Folding right after "Name:" is allowed too: an
		 * encoded-word cannot be shortened below a character. */
		if (w->col > 0 && w->col + seplen + EW_MIN_ROOM > LINE_MAX_COL)
			hw_fold(w);
		room = LINE_MAX_COL - (w->col + seplen);
		max = (room < EW_MAX ? room : EW_MAX) - EW_OVERHEAD;
		/* Take whole characters while their encoding fits. */
		while (i + take < n) {
			size_t len = utf8_decode(NULL, p + i + take,
			    n - i - take);
			size_t e;

			if (len == 0)
				len = 1;    /* cannot happen: text is clean */
			e = q ? enc + q_len(p + i + take, len) :
			    b_len(take + len);
			if (e > max && take > 0)
				break;
			take += len;
			enc = e;
		}
		memcpy(word, q ? "=?utf-8?Q?" : "=?utf-8?B?", 10);
		o = 10;
		if (q) {
			static const char hx[] = "0123456789ABCDEF";

			for (size_t k = i; k < i + take; k++) {
				if (p[k] == ' ') {
					word[o++] = '_';
				} else if (q_plain(p[k])) {
					word[o++] = (char)p[k];
				} else {
					word[o++] = '=';
					word[o++] = hx[p[k] >> 4];
					word[o++] = hx[p[k] & 15];
				}
			}
		} else {
			o += b64_encode(word + o, p + i, take);
		}
		word[o++] = '?';
		word[o++] = '=';
		hw_raw(w, sep, seplen);
		hw_raw(w, word, o);
		i += take;
		sep = " ";
	}
}

/* ----- Structured pieces ------------------------------------------ */

static bool
needs_encoding(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 ||
		    (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			return true;
	return n > PLAIN_WORD_MAX;
}

/*
 * Unstructured text (Subject, extra values): plain words where
 * possible, runs of words that need it as encoded-words. The whitespace
 * between two encoded words is encoded inside the run, because a
 * decoder drops whitespace between adjacent encoded-words.
 */
static void
put_unstructured(struct hw *w, const char *s)
{
	const char *p = s;
	bool first = true;

	while (*p) {
		const char *sp = p, *wd, *we, *run_end;
		char sep[SEP_MAX + 1];
		size_t seplen;

		while (*p == ' ')
			p++;
		seplen = (size_t)(p - sp);
		if (*p == '\0')
			break;
		wd = p;
		while (*p && *p != ' ')
			p++;
		we = p;
		if (first || seplen == 0) {
			sep[0] = ' ';
			seplen = 1;
		} else {
			if (seplen > SEP_MAX)
				seplen = SEP_MAX;
			memcpy(sep, sp, seplen);
		}
		sep[seplen] = '\0';
		first = false;
		if (!needs_encoding(wd, (size_t)(we - wd))) {
			hw_item(w, sep, wd, (size_t)(we - wd));
			continue;
		}
		/* Extend the run over the following words that also need
		 * encoding. */
		run_end = we;
		for (;;) {
			const char *q = run_end, *qs;

			while (*q == ' ')
				q++;
			if (*q == '\0')
				break;
			qs = q;
			while (*q && *q != ' ')
				q++;
			if (!needs_encoding(qs, (size_t)(q - qs)))
				break;
			run_end = q;
		}
		put_encoded(w, sep, wd, (size_t)(run_end - wd));
		p = run_end;
	}
}

static bool
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c);
}

/* A display name: atoms, a quoted-string, or encoded-words. */
static void
put_phrase(struct hw *w, struct arena *a, const char *name, const char *sep)
{
	char *s = clean_text(a, name, true);
	size_t n = strlen(s);
	bool atoms = true, ascii = true;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			ascii = false;
		if (c != ' ' && !is_atext(c))
			atoms = false;
	}
	if (strstr(s, "=?") != NULL)
		atoms = ascii = false;
	if (atoms) {
		const char *p = s;

		for (;;) {
			const char *e = strchr(p, ' ');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			if (len > PLAIN_WORD_MAX) {
				atoms = false;
				break;
			}
			if (e == NULL)
				break;
			p = e + 1;
		}
	}
	if (atoms) {
		const char *p = s;

		for (;;) {
			const char *e = strchr(p, ' ');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			hw_item(w, sep, p, len);
			sep = " ";
			if (e == NULL)
				break;
			p = e + 1;
		}
	} else if (ascii && n <= PLAIN_WORD_MAX) {
		char q[2 * PLAIN_WORD_MAX + 3];
		size_t o = 0;

		q[o++] = '"';
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				q[o++] = '\\';
			q[o++] = s[i];
		}
		q[o++] = '"';
		hw_item(w, sep, q, o);
	} else {
		put_encoded(w, sep, s, n);
	}
}

int
compose_addr_check(const char *addr, struct gc_err *err)
{
	const char *at = NULL;
	size_t n;

	if (addr == NULL || *addr == '\0')
		return gc_err_set(err, GC_EINVAL, "empty address");
	n = strlen(addr);
	if (n > COMPOSE_MAX_ADDR)
		return gc_err_set(err, GC_EINVAL,
		    "address longer than %d bytes", COMPOSE_MAX_ADDR);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c <= 0x20 || c >= 0x7f)
			return gc_err_set(err, GC_EINVAL,
			    "address with a space, control or non-ASCII "
			    "character");
		if (strchr("<>()[],;:\\\"", c))
			return gc_err_set(err, GC_EINVAL,
			    "address with a forbidden character '%c'", c);
		if (c == '@') {
			if (at != NULL)
				return gc_err_set(err, GC_EINVAL,
				    "address with more than one '@'");
			at = addr + i;
		}
	}
	if (at == NULL || at == addr || at[1] == '\0')
		return gc_err_set(err, GC_EINVAL,
		    "address is not local@domain");
	if (at[1] == '.' || addr[n - 1] == '.' || strstr(at, "..") != NULL)
		return gc_err_set(err, GC_EINVAL, "address with a bad domain");
	return 0;
}

const char *
compose_addr_domain(const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL;

	return at ? at + 1 : NULL;
}

static bool
msgid_ok(const char *id)
{
	size_t n;

	if (id == NULL || *id == '\0')
		return false;
	n = strlen(id);
	if (n > COMPOSE_MAX_MSGID)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
			return false;
	}
	return true;
}

static int
put_addr_list(struct hw *w, struct arena *a, const char *hname,
    const struct compose_addr *list, size_t n, struct gc_err *err)
{
	hw_start(w, hname);
	for (size_t i = 0; i < n; i++) {
		const char *addr = list[i].addr;
		char *item;
		const char *sep = " ";
		int rc;

		if ((rc = compose_addr_check(addr, err)) != 0) {
			gc_err_prefix(err, "%s", hname);
			return rc;
		}
		if (list[i].name != NULL &&
		    *clean_text(a, list[i].name, true) != '\0') {
			put_phrase(w, a, list[i].name, sep);
			item = arena_printf(a, "<%s>%s", addr,
			    i + 1 < n ? "," : "");
		} else {
			item = arena_printf(a, "%s%s", addr,
			    i + 1 < n ? "," : "");
		}
		hw_item(w, sep, item, strlen(item));
	}
	hw_end(w);
	return 0;
}

/* ----- Body ------------------------------------------------------- */

/* The body with CRLF line endings, valid UTF-8 and a final CRLF. */
static char *
normalize_body(struct arena *a, const char *body, size_t *len_r)
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
static bool
body_is_7bit(const char *s, size_t n)
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
static int
put_qp(struct buf *out, const char *s, size_t n)
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

static int
put_base64(struct buf *out, const unsigned char *p, size_t n)
{
	char line[B64_LINE + 2];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i += B64_LINE / 4 * 3) {
		size_t take = n - i < B64_LINE / 4 * 3 ? n - i :
		    B64_LINE / 4 * 3;
		size_t o = b64_encode(line, p + i, take);

		line[o++] = '\r';
		line[o++] = '\n';
		rc = buf_add(out, line, o);
	}
	return rc;
}

/* RFC 2045 token characters, for the media type of an attachment. */
static bool
is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
			return false;
	}
	return true;
}

static bool
media_type_ok(const char *t)
{
	const char *slash = t ? strchr(t, '/') : NULL;

	return slash != NULL && strlen(t) < 128 &&
	    is_token(t, (size_t)(slash - t)) &&
	    is_token(slash + 1, strlen(slash + 1));
}

/* The filename parameter: a quoted-string when it is short plain ASCII,
 * otherwise RFC 2231 percent-encoding, in numbered sections. */
static void
put_filename(struct hw *w, struct arena *a, const char *filename)
{
	char *s = clean_text(a, filename, false);
	size_t n = strlen(s);
	bool plain = n <= 60;

	for (size_t i = 0; i < n && plain; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '"' ||
		    s[i] == '\\')
			plain = false;
	if (plain) {
		char *item = arena_printf(a, "filename=\"%s\"", s);

		hw_item(w, " ", item, strlen(item));
		return;
	}
	for (size_t i = 0, sect = 0; i < n; sect++) {
		char item[128];
		size_t o = (size_t)snprintf(item, sizeof(item),
		    "filename*%zu*=%s", sect, sect == 0 ? "utf-8''" : "");

		while (i < n && o < 60) {
			unsigned char c = (unsigned char)s[i++];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') ||
			    strchr("!#$&+-.^_`|~", c)) {
				item[o++] = (char)c;
			} else {
				o += (size_t)snprintf(item + o,
				    sizeof(item) - o, "%%%02X", c);
			}
		}
		if (i < n)
			item[o++] = ';';
		hw_item(w, " ", item, o);
	}
}

/* ----- The message ------------------------------------------------ */

static bool
header_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > COMPOSE_MAX_HEADER_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= 32 || name[i] >= 127 || name[i] == ':')
			return false;
	return true;
}

/* Headers compose_message writes itself, or that only the transport
 * may set: an extra header may not be one of them. */
static bool
header_reserved(const char *name)
{
	static const char *const reserved[] = { "From", "To", "Cc", "Bcc",
		"Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
		"References", "Auto-Submitted", "MIME-Version", "Sender",
		"Return-Path", "Received", NULL };

	if (str_casestarts(name, "Content-"))
		return true;
	for (int i = 0; reserved[i]; i++)
		if (str_casecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

static int
check_msg(const struct compose_msg *m, struct gc_err *err)
{
	int rc;

	if ((rc = compose_addr_check(m->from.addr, err)) != 0) {
		gc_err_prefix(err, "From");
		return rc;
	}
	if (m->nto + m->ncc == 0)
		return gc_err_set(err, GC_EINVAL, "no recipient");
	if (m->reply_to != NULL &&
	    (rc = compose_addr_check(m->reply_to->addr, err)) != 0) {
		gc_err_prefix(err, "Reply-To");
		return rc;
	}
	if (!msgid_ok(m->message_id))
		return gc_err_set(err, GC_EINVAL,
		    "Message-ID missing or not usable");
	for (size_t i = 0; i < m->nextra; i++) {
		if (!header_name_ok(m->extra[i].name))
			return gc_err_set(err, GC_EINVAL,
			    "bad extra header name");
		if (header_reserved(m->extra[i].name))
			return gc_err_set(err, GC_EINVAL,
			    "extra header %s is written by compose itself",
			    m->extra[i].name);
	}
	return 0;
}

static void
put_references(struct hw *w, struct arena *a, const struct compose_msg *m)
{
	size_t first = SIZE_MAX, count = 0, skip_to;
	bool any = false;

	for (size_t i = 0; i < m->nreferences; i++)
		if (msgid_ok(m->references[i]))
			count++;
	/* Past the cap: the first reference (the thread's root) and the
	 * most recent ones. */
	skip_to = count > COMPOSE_MAX_REFS ?
	    count - (COMPOSE_MAX_REFS - 1) : 0;
	count = 0;
	for (size_t i = 0; i < m->nreferences; i++) {
		char *item;

		if (!msgid_ok(m->references[i]))
			continue;
		if (first == SIZE_MAX)
			first = i;
		else if (count < skip_to) {
			count++;
			continue;
		}
		count++;
		if (!any)
			hw_start(w, "References");
		any = true;
		item = arena_printf(a, "<%s>", m->references[i]);
		hw_item(w, " ", item, strlen(item));
	}
	if (any)
		hw_end(w);
}

static void
put_headers(struct hw *w, struct arena *a, const struct compose_msg *m)
{
	char date[64];
	char *item;

	time_rfc5322(date, sizeof(date), m->date);
	hw_start(w, "Date");
	hw_item(w, " ", date, strlen(date));
	hw_end(w);

	hw_start(w, "Subject");
	put_unstructured(w, clean_text(a, m->subject, false));
	hw_end(w);

	item = arena_printf(a, "<%s>", m->message_id);
	hw_start(w, "Message-ID");
	hw_item(w, " ", item, strlen(item));
	hw_end(w);

	if (msgid_ok(m->in_reply_to)) {
		item = arena_printf(a, "<%s>", m->in_reply_to);
		hw_start(w, "In-Reply-To");
		hw_item(w, " ", item, strlen(item));
		hw_end(w);
	}
	put_references(w, a, m);

	if (m->auto_submitted != NULL &&
	    *clean_text(a, m->auto_submitted, true) != '\0') {
		hw_start(w, "Auto-Submitted");
		put_unstructured(w, clean_text(a, m->auto_submitted, true));
		hw_end(w);
	}
	for (size_t i = 0; i < m->nextra; i++) {
		hw_start(w, m->extra[i].name);
		put_unstructured(w, clean_text(a, m->extra[i].value, false));
		hw_end(w);
	}
	hw_start(w, "MIME-Version");
	hw_item(w, " ", "1.0", 3);
	hw_end(w);
}

static void
put_text_part_headers(struct hw *w, bool qp)
{
	static const char ct[] = "Content-Type: text/plain; charset=utf-8\r\n";

	hw_raw(w, ct, sizeof(ct) - 1);
	hw_start(w, "Content-Transfer-Encoding");
	hw_item(w, " ", qp ? "quoted-printable" : "7bit", qp ? 16 : 4);
	hw_end(w);
}

static int
put_attachment(struct hw *w, struct arena *a, const char *boundary,
    const struct compose_attachment *at)
{
	const char *type = media_type_ok(at->content_type) ?
	    at->content_type : "application/octet-stream";
	char *line = arena_printf(a, "\r\n--%s\r\n", boundary);

	hw_raw(w, line, strlen(line));
	hw_start(w, "Content-Type");
	hw_item(w, " ", type, strlen(type));
	hw_end(w);
	hw_start(w, "Content-Transfer-Encoding");
	hw_item(w, " ", "base64", 6);
	hw_end(w);
	hw_start(w, "Content-Disposition");
	hw_item(w, " ", "attachment", 10);
	if (at->filename != NULL && *clean_text(a, at->filename, false)) {
		hw_raw(w, ";", 1);
		put_filename(w, a, at->filename);
	}
	hw_end(w);
	hw_raw(w, "\r\n", 2);
	if (w->rc != 0)
		return w->rc;
	return put_base64(w->out, at->data, at->len);
}

int
compose_message(struct buf *out, const struct compose_msg *m,
    struct gc_err *err)
{
	struct arena a;
	struct hw w = { out, 0, 0, 0 };
	char *body;
	size_t blen;
	bool multi = m->nattachments > 0, qp;
	int rc;

	if ((rc = check_msg(m, err)) != 0)
		return rc;
	arena_init(&a, 8192);

	rc = put_addr_list(&w, &a, "From", &m->from, 1, err);
	if (rc == 0 && m->nto > 0)
		rc = put_addr_list(&w, &a, "To", m->to, m->nto, err);
	if (rc == 0 && m->ncc > 0)
		rc = put_addr_list(&w, &a, "Cc", m->cc, m->ncc, err);
	if (rc == 0 && m->reply_to != NULL)
		rc = put_addr_list(&w, &a, "Reply-To", m->reply_to, 1, err);
	if (rc != 0)
		goto done;
	put_headers(&w, &a, m);

	body = normalize_body(&a, m->body, &blen);
	qp = multi || !body_is_7bit(body, blen);
	if (!multi) {
		put_text_part_headers(&w, qp);
		hw_raw(&w, "\r\n", 2);
		if (w.rc == 0)
			w.rc = qp ? put_qp(out, body, blen) :
			    buf_add(out, body, blen);
	} else {
		unsigned char md[32];
		char hex[25], boundary[40], *line;
		unsigned int mdlen = 0;

		/* "=_" cannot occur in quoted-printable nor base64 text, so
		 * the boundary cannot occur in the parts. */
		EVP_Digest(m->message_id, strlen(m->message_id), md, &mdlen,
		    EVP_sha256(), NULL);
		hex_encode(hex, md, 12);
		snprintf(boundary, sizeof(boundary), "=_gc_%s", hex);
		line = arena_printf(&a, "Content-Type: multipart/mixed;\r\n"
		    " boundary=\"%s\"\r\n\r\n"
		    "This is a message in MIME format.\r\n"
		    "\r\n--%s\r\n", boundary, boundary);
		hw_raw(&w, line, strlen(line));
		put_text_part_headers(&w, true);
		hw_raw(&w, "\r\n", 2);
		if (w.rc == 0)
			w.rc = put_qp(out, body, blen);
		for (size_t i = 0; i < m->nattachments && w.rc == 0; i++)
			w.rc = put_attachment(&w, &a, boundary,
			    &m->attachments[i]);
		line = arena_printf(&a, "\r\n--%s--\r\n", boundary);
		hw_raw(&w, line, strlen(line));
	}
	if (w.rc != 0)      /* buf_add() fails only at the cap */
		rc = gc_err_set(err, GC_ELIMIT,
		    "message larger than %zu bytes", out->max);
done:
	arena_free(&a);
	return rc;
}

/* ----- Message-ID ------------------------------------------------- */

/* Keep letters, digits and "-_+."; no leading, trailing or double dot. */
static char *
clean_id_part(struct arena *a, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0, o = 0;
	char *out = arena_alloc(a, (n < max ? n : max) + 1);

	for (size_t i = 0; i < n && o < max; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '+' || c == '.'))
			continue;
		if (c == '.' && (o == 0 || out[o - 1] == '.'))
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == '.')
		o--;
	out[o] = '\0';
	return out;
}

char *
compose_message_id(struct arena *a, const char *domain, const char *hint)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	char tail[27];
	char *h, *d;
	size_t o = 0;
	unsigned int acc = 0, bits = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatal("RAND_bytes failed: no randomness for a Message-ID");
	for (size_t i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		bits += 8;
		while (bits >= 5) {
			tail[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		tail[o++] = b32[(acc << (5 - bits)) & 31];
	tail[o] = '\0';
	h = clean_id_part(a, hint, 96);
	d = clean_id_part(a, domain, 120);
	if (*d == '\0')
		d = "localhost";
	return *h ? arena_printf(a, "%s.%s@%s", h, tail, d) :
	    arena_printf(a, "%s@%s", tail, d);
}
