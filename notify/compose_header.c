/*
 * compose_header.c - header lines written for compose.c: the header
 * writer, text values cleaned, RFC 2047 encoded-words, address lists,
 * message ids and the filename parameter checked or encoded
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
 * Errors while appending to the output buffer are sticky in the writer
 * (w->rc), so that callers check them once per header.
 */
#include "notify/compose_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "common/util.h"

#define EW_MAX 75               /* longest encoded-word (RFC 2047) */
#define EW_OVERHEAD 12          /* "=?utf-8?B?" + "?=" */
#define EW_MIN_ROOM 24          /* fold first when less room is left */
#define PLAIN_WORD_MAX 70       /* longer ASCII words get encoded */
#define TEXT_MAX 4096           /* cap on one cleaned header value */
#define SEP_MAX 8               /* longer runs of spaces are shortened */

/* ----- UTF-8 cleaning --------------------------------------------- */

/*
 * A header-safe copy of s: invalid UTF-8 becomes U+FFFD, TAB, CR and LF
 * become a space, other C0 and C1 controls and DEL are dropped; leading
 * and trailing spaces are trimmed and, with collapse, inner runs of
 * spaces become one. At most TEXT_MAX bytes, cut on a character.
 */
char *
hw_clean_text(struct arena *a, const char *s, bool collapse)
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

void
hw_raw(struct hw *w, const char *s, size_t n)
{
	if (w->rc == 0)
		w->rc = buf_add(w->out, s, n);
	w->col += n;
}

void
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
void
hw_item(struct hw *w, const char *sep, const char *text, size_t n)
{
	size_t seplen = strlen(sep);

	if (w->col > w->start && seplen > 0 &&
	    w->col + seplen + n > LINE_MAX_COL)
		hw_fold(w);
	hw_raw(w, sep, seplen);
	hw_raw(w, text, n);
}

void
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
			o += enc_b64(word + o, p + i, take);
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
void
hw_unstructured(struct hw *w, const char *s)
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
	char *s = hw_clean_text(a, name, true);
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

/* Characters an address in UTF-8 may not hold: those that show as a
 * space or nothing at all, turn the text around, or say that something
 * was lost (U+FFFD is what a broken sequence became on the way in). An
 * address is read by people, and one that hides what it is gets no
 * mail from us. */
static bool
addr_char_ok(uint32_t cp)
{
	return !(cp <= 0xa0 || cp == 0xad || cp == 0x34f || cp == 0x61c ||
	    cp == 0x115f || cp == 0x1160 || cp == 0x1680 || cp == 0x180e ||
	    (cp >= 0x2000 && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
	    cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    cp == 0xfeff || cp == 0xffa0 || (cp >= 0xfff0 && cp <= 0xffff) ||
	    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe ||
	    (cp >= 0xe0000 && cp <= 0xe0fff));
}

int
compose_addr_check(const char *addr, struct gc_err *err)
{
	const unsigned char *u = (const unsigned char *)addr;
	const char *at = NULL;
	size_t n;

	if (addr == NULL || *addr == '\0')
		return gc_err_set(err, GC_EINVAL, "empty address");
	n = strlen(addr);
	if (n > COMPOSE_MAX_ADDR)
		return gc_err_set(err, GC_EINVAL,
		    "address longer than %d bytes", COMPOSE_MAX_ADDR);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];

		if (c >= 0x80) {
			uint32_t cp;
			size_t k = utf8_decode(&cp, u + i, n - i);

			if (k == 0)
				return gc_err_set(err, GC_EINVAL,
				    "address with a byte that is not UTF-8");
			if (!addr_char_ok(cp))
				return gc_err_set(err, GC_EINVAL,
				    "address with an invisible or control "
				    "character (U+%04X)", (unsigned)cp);
			i += k - 1;
			continue;
		}
		if (c <= 0x20 || c == 0x7f)
			return gc_err_set(err, GC_EINVAL,
			    "address with a space or control character");
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

bool
compose_addr_utf8(const char *addr)
{
	for (const unsigned char *p = (const unsigned char *)addr;
	    p != NULL && *p != '\0'; p++)
		if (*p >= 0x80)
			return true;
	return false;
}

const char *
compose_addr_domain(const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL;

	return at ? at + 1 : NULL;
}

bool
hw_msgid_ok(const char *id)
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

int
hw_addr_list(struct hw *w, struct arena *a, const char *hname,
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
		    *hw_clean_text(a, list[i].name, true) != '\0') {
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


/* The filename parameter: a quoted-string when it is short plain ASCII,
 * otherwise RFC 2231 percent-encoding, in numbered sections. */
void
hw_filename(struct hw *w, struct arena *a, const char *filename)
{
	char *s = hw_clean_text(a, filename, false);
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
