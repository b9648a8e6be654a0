/*
 * mime_header.c - header blocks read into fields (mail headers and part
 * headers alike), and the charset their raw 8-bit bytes are read in
 */
#include "parsers/mime_int.h"

#include <stdlib.h>
#include <strings.h>

#include "common/log.h"
#include "parsers/charset.h"
#include "parsers/chardet.h"
#include "parsers/mimehdr.h"
#include "parsers/utf8.h"

#define STRAY_LOOKAHEAD 8

/* Does a field line come within STRAY_LOOKAHEAD lines from p, before a
 * blank line? */
static bool
field_follows(const struct ctx *c, const char *p, const char *end)
{
	const char *le, *colon;
	int i;

	for (i = 0; i < STRAY_LOOKAHEAD && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		if (field_name_len(p, le, &colon) > 0)
			return true;
		p = next;
	}
	return false;
}

/* Does a header block of a message start within STRAY_LOOKAHEAD lines
 * from p: a field line, then (before a blank line, within HEADER_PROBE
 * lines) one of the fields every mail has? */
#define HEADER_PROBE 64

static bool
header_follows(const struct ctx *c, const char *p, const char *end)
{
	static const char *const known[] = {
		"from", "to", "subject", "date", "message-id", "received",
		"return-path", "mime-version", "content-type", "sender",
		"delivered-to", "reply-to",
	};
	const char *le, *colon;
	size_t n, k;
	int i;

	for (i = 0; i < STRAY_LOOKAHEAD && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		if (field_name_len(p, le, &colon) > 0)
			break;
		p = next;
	}
	for (i = 0; i < HEADER_PROBE && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		n = field_name_len(p, le, &colon);
		for (k = 0; n > 0 && k < sizeof(known) / sizeof(known[0]);
		    k++)
			if (strlen(known[k]) == n &&
			    strncasecmp(p, known[k], n) == 0)
				return true;
		p = next;
	}
	return false;
}

static void
add_bytes(struct buf *b, const char *p, size_t n)
{
	size_t i, run = 0;

	/* NUL bytes are dropped; CR and LF inside a line become spaces. */
	for (i = 0; i < n; i++) {
		if (p[i] != '\0' && p[i] != '\r' && p[i] != '\n') {
			run++;
			continue;
		}
		if (run > 0)
			(void)!buf_add(b, p + i - run, run);
		run = 0;
		if (p[i] != '\0')
			(void)!buf_addc(b, ' ');
	}
	if (run > 0)
		(void)!buf_add(b, p + n - run, run);
}

static void
push_field(struct ctx *c, struct field **v, size_t *n, size_t *cap,
    const char *name, size_t namelen, struct buf *val)
{
	struct field *f;
	const char *s = buf_str(val);
	size_t len = val->len;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	while (len > 0 && mime_is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && mime_is_blank(s[len - 1]))
		len--;
	f = &(*v)[(*n)++];
	f->name = arena_strndup(c->a, name, namelen);
	f->value = arena_strndup(c->a, s, len);
	f->len = len;
	f->plain = utf8_valid(f->value, len) && memchr(f->value, 0x1b, len) ==
	    NULL;
	buf_reset(val);
}

/* An mbox separator line, "From " or the escaped ">From " of a message
 * taken out of an mbox without unescaping. */
static bool
is_mbox_from(const char *ls, const char *le)
{
	if (le - ls >= 1 && ls[0] == '>')
		ls++;
	return le - ls >= 5 && memcmp(ls, "From ", 5) == 0;
}

/* Read the header block at [p, end). *body_r gets the start of the body.
 * top: skip leading blank lines and an mbox "From " line first. */
int
mime_read_fields(struct ctx *c, struct fields *out, const char **body_r,
    const char *p, const char *end, bool top)
{
	const char *start = p, *first, *ls, *le, *next, *colon = NULL;
	const char *name = NULL;
	size_t namelen = 0, n = 0, cap = 0;
	struct field *v = NULL;
	struct buf val;

	out->v = NULL;
	out->n = 0;
	if (top) {
		size_t stray = 0;

		if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		first = p;
		while (p < end) {
			next = line_next(c, p, end, &le);
			if (line_is_blankish(p, le) ||
			    (p == first && is_mbox_from(p, le))) {
				p = next;
				continue;
			}
			/* Stray lines before the first field (an mbox
			 * "From " line after a blank one, a line a tool
			 * added): skipped when a header block follows. */
			if (stray < STRAY_LOOKAHEAD && !mime_is_blank(*p) &&
			    field_name_len(p, le, &colon) == 0 &&
			    header_follows(c, next, end)) {
				stray++;
				p = next;
				continue;
			}
			break;
		}
	}
	buf_init(&val, c->lim.max_header_bytes + 1);
	while (p < end) {
		ls = p;
		next = line_next(c, p, end, &le);
		if ((size_t)(next - start) > c->lim.max_header_bytes) {
			buf_free(&val);
			free(v);
			return gc_err_set(c->err, GC_ELIMIT,
			    "header block over %zu bytes",
			    c->lim.max_header_bytes);
		}
		if (le == ls) {             /* the blank line */
			p = next;
			break;
		}
		if (mime_is_blank(*ls)) {
			if (name != NULL) {
				add_bytes(&val, ls, (size_t)(le - ls));
			} else if (!top) {
				break;      /* no header: the body starts */
			}
			p = next;
			continue;
		}
		if (field_name_len(ls, le, &colon) == 0) {
			/* A stray line among fields (folding that lost its
			 * blank) continues the field before it when more
			 * fields follow; otherwise the body starts here. */
			if (name == NULL || !field_follows(c, next, end))
				break;
			(void)!buf_addc(&val, ' ');
			add_bytes(&val, ls, (size_t)(le - ls));
			p = next;
			continue;
		}
		if (name != NULL)
			push_field(c, &v, &n, &cap, name, namelen, &val);
		name = ls;
		namelen = field_name_len(ls, le, &colon);
		add_bytes(&val, colon + 1, (size_t)(le - colon - 1));
		p = next;
	}
	if (name != NULL)
		push_field(c, &v, &n, &cap, name, namelen, &val);
	buf_free(&val);
	if (p >= end)
		p = end;
	*body_r = p;
	if (n > 0) {
		out->v = arena_memdup(c->a, v, n * sizeof(*v));
		out->n = n;
	}
	free(v);
	return 0;
}

const struct field *
mime_field_get(const struct fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (same_name(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

/* A raw value as UTF-8 text: 8-bit bytes in fallback, controls other
 * than TAB removed. */
static char *
field_text(struct ctx *c, const char *fallback, const char *v, size_t len,
    bool plain)
{
	char *s;

	if (plain) {
		s = arena_strndup(c->a, v, len);
	} else {
		struct buf b;

		buf_init(&b, len * 4 + 16);
		if (charset_convert_guess(&b, fallback, v, len) != 0)
			fatal("mime: buffer cap reached");
		s = arena_strndup(c->a, buf_str(&b), b.len);
		buf_free(&b);
	}
	return utf8_strip_controls(s, false, true);
}

void
mime_make_headers(struct ctx *c, const struct mail_header **out, size_t *n_r,
    const struct fields *f, const char *fallback)
{
	struct mail_header *h = arena_alloc(c->a, (f->n + 1) * sizeof(*h));
	size_t i;

	for (i = 0; i < f->n; i++) {
		/* names are printable ASCII by construction */
		h[i].name = f->v[i].name;
		h[i].value = field_text(c, fallback, f->v[i].value,
		    f->v[i].len, f->v[i].plain);
		h[i].converted = !f->v[i].plain;
	}
	*out = h;
	*n_r = f->n;
}

/* The charset to read raw 8-bit header bytes in: the one the message
 * declares for its body when it is a known one (charset_convert_guess()
 * guesses when there is none or it does not fit). */
static const char *
header_fallback(struct ctx *c, const struct fields *f)
{
	const struct field *ct = mime_field_get(f, "Content-Type");
	const struct mimehdr_param *cs;
	struct mimehdr h;

	if (ct == NULL)
		return NULL;
	mimehdr_parse(&h, c->a, ct->value, ct->len);
	cs = mimehdr_param(&h, "charset");
	if (cs == NULL || cs->value[0] == '\0' ||
	    charset_is_unknown(cs->value))
		return NULL;
	return cs->value;
}

/* The charset of the raw 8-bit bytes of a header block, decided once
 * for all its fields (and with all their text, the more to guess
 * from): the one declared for the body when it reads them all, else the
 * guess of chardet.h; the declared one (or NULL) when there are none. */
const char *
mime_header_charset(struct ctx *c, const struct fields *f)
{
	const char *declared = header_fallback(c, f), *guess;
	struct buf b;
	size_t i;

	buf_init(&b, CHARDET_SAMPLE + 1);
	for (i = 0; i < f->n && b.len < CHARDET_SAMPLE; i++) {
		const struct field *fl = &f->v[i];
		size_t n = fl->len;

		if (fl->plain)
			continue;
		if (n > CHARDET_SAMPLE - b.len)
			n = CHARDET_SAMPLE - b.len;
		(void)!buf_add(&b, fl->value, n);
		(void)!buf_addc(&b, '\n');
	}
	if (b.len == 0 || (declared != NULL &&
	    charset_fits(declared, buf_str(&b), b.len))) {
		buf_free(&b);
		return declared;
	}
	guess = chardet_guess(buf_str(&b), b.len);
	buf_free(&b);
	return guess != NULL ? guess : declared;
}
