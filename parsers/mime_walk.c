/*
 * mime_walk.c - mail_parse(): each message (nested ones too) read in
 * steps: its header block, its envelope, the tree of its parts (found on
 * their boundaries, typed, their transfer encoding undone, nested
 * messages parsed in turn), then its body text and attachments
 *
 * The MIME structure is walked by our own code, and so are the header
 * blocks, parameters (mimehdr.c) and transfer encodings (codec.c).
 * libetpan's mailmime_parse() was measured on the corpus and on hostile
 * input before this choice: it does not crash on the corpus, but it has
 * no depth limit (it recurses once per level) and its time grows with the
 * square of the nesting: 118 ms for 1,000 nested multiparts, 2.5 s for
 * 5,000, 37 s for 20,000 (a 700 KB mail). A mail must never hang the
 * daemon, so we walk the tree ourselves, with limits on depth and part
 * count checked as we go.
 *
 * A multipart body is split on its own boundary only. A child's range
 * never holds a delimiter of an ancestor (the ancestor split there
 * already), so a missing close delimiter ends the part where the parent's
 * next delimiter is. Each level scans its own range once: the total cost
 * is at most (depth limit) x (input size).
 */
#include "parsers/mime_int.h"

#include <ctype.h>
#include <stdlib.h>

#include "parsers/charset.h"
#include "parsers/codec.h"
#include "parsers/mimehdr.h"
#include "parsers/quote.h"
#include "parsers/utf8.h"

#define ARENA_CHUNK (16 * 1024)
#define BOUNDARY_MAX 256        /* longer boundary: no multipart */

static int walk(struct ctx *c, struct walk *w, const struct fields *f,
    const char *body, const char *end, size_t parent, unsigned depth,
    bool digest);
static int parse_message(struct ctx *c, struct mail *m, const char *p,
    size_t len, unsigned depth);

static size_t
push_part(struct walk *w)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->parts = xrealloc(w->parts, w->cap * sizeof(*w->parts));
		w->nodes = xrealloc(w->nodes, w->cap * sizeof(*w->nodes));
	}
	memset(&w->parts[w->n], 0, sizeof(w->parts[w->n]));
	memset(&w->nodes[w->n], 0, sizeof(w->nodes[w->n]));
	w->nodes[w->n].first_child = NONE;
	w->nodes[w->n].last_child = NONE;
	w->nodes[w->n].next = NONE;
	return w->n++;
}

static void
link_child(struct walk *w, size_t parent, size_t child)
{
	struct node *p = &w->nodes[parent];

	w->parts[child].parent = parent;
	if (p->last_child == NONE)
		p->first_child = child;
	else
		w->nodes[p->last_child].next = child;
	p->last_child = child;
}

/* A file name for display: the last path component, NULL if empty. */
static const char *
base_name(const char *name)
{
	const char *b = name;
	const char *q;

	if (name == NULL)
		return NULL;
	for (q = name; *q != '\0'; q++)
		if (*q == '/' || *q == '\\')
			b = q + 1;
	if (b[0] == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return NULL;
	return b;
}

static bool
is_message_type(const char *ct)
{
	return strcmp(ct, "message/rfc822") == 0 ||
	    strcmp(ct, "message/global") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0;
}

/* message/partial; number=1: the start of a message split in several
 * mails (RFC 2046 5.2.2), readable as a (truncated) message. */
static bool
is_first_fragment(const char *type, const struct mimehdr *ct)
{
	const struct mimehdr_param *n;

	if (strcmp(type, "message/partial") != 0)
		return false;
	n = mimehdr_param(ct, "number");
	return n != NULL && strcmp(n->value, "1") == 0;
}

/* ----- Content-Transfer-Encoding as written ----------------------- */

static bool
is_identity(const char *e)
{
	return strcmp(e, "7bit") == 0 || strcmp(e, "8bit") == 0 ||
	    strcmp(e, "binary") == 0;
}

static bool
is_decoded(const char *e)
{
	return strcmp(e, "base64") == 0 ||
	    strcmp(e, "quoted-printable") == 0 ||
	    strcmp(e, "x-uuencode") == 0 || strcmp(e, "uuencode") == 0 ||
	    strcmp(e, "x-uue") == 0;
}

/* The usual name of an encoding written unusually ("Base-64",
 * "x-base64", "\"base64\"", "quoted_printable", "qp", "b"), or v. */
static const char *
encoding_name(const char *v)
{
	static const char *const b64[] = {
		"base64", "base-64", "x-base64", "base_64", "b64", "b",
		"base64encoded",
	};
	static const char *const qp[] = {
		"quoted-printable", "quoted_printable", "quotedprintable",
		"x-quoted-printable", "qp", "q", "quoted-printed",
	};
	char norm[32];
	size_t i, n = 0;

	for (; *v != '\0' && n + 1 < sizeof(norm); v++)
		if (*v != '"' && *v != '\'' && *v != ';' && *v != '.')
			norm[n++] = *v;
	norm[n] = '\0';
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++)
		if (strcmp(norm, b64[i]) == 0)
			return "base64";
	for (i = 0; i < sizeof(qp) / sizeof(qp[0]); i++)
		if (strcmp(norm, qp[i]) == 0)
			return "quoted-printable";
	if (strcmp(norm, "7-bit") == 0 || strcmp(norm, "7bits") == 0)
		return "7bit";
	if (strcmp(norm, "8-bit") == 0 || strcmp(norm, "8bits") == 0)
		return "8bit";
	return NULL;
}

static const char *sniff_encoding(const char *p, const char *end);

/* The part's transfer encoding, lowercase, NULL when none: written
 * unusually it is read as what it means; with several fields (a mailer
 * that adds its own), one that needs decoding wins over an identity one
 * when the body [body, end) looks encoded that way. */
static const char *
transfer_encoding(struct ctx *c, const struct fields *f,
    const struct mimehdr *cte, const char *body, const char *end)
{
	const char *e = cte->value, *n;
	size_t i;

	if (e[0] == '\0')
		return NULL;
	if (!is_identity(e) && !is_decoded(e)) {
		n = encoding_name(e);
		if (n != NULL)
			e = n;
	}
	if (!is_identity(e))
		return e;
	for (i = 0; i < f->n; i++) {
		const char *name = f->v[i].name;
		struct mimehdr h;

		/* 25 characters: most fields are over at once */
		if (strlen(name) != 25 ||
		    !same_name(name, "Content-Transfer-Encoding"))
			continue;
		mimehdr_parse(&h, c->a, f->v[i].value, f->v[i].len);
		n = encoding_name(h.value);
		if (n == NULL)
			n = h.value;
		if (is_decoded(n)) {
			const char *sniffed = sniff_encoding(body, end);

			return sniffed != NULL && strcmp(sniffed, n) == 0 ?
			    n : e;
		}
	}
	return e;
}

/* Decoded data that is no text: a NUL, or more than one control byte
 * in sixteen, in its first 512 bytes. */
static bool
looks_binary(const unsigned char *p, size_t len)
{
	size_t i, ctl = 0;

	if (len > 512)
		len = 512;
	for (i = 0; i < len; i++) {
		if (p[i] == 0)
			return true;
		if (p[i] < 32 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\f' && p[i] != 0x1b)
			ctl++;
	}
	return ctl * 16 > len;
}

/* An encoding nobody knows ("x-token", "none", "8bit base64"): the
 * body says which it is. Only base64 characters on every line (and a
 * line long enough): base64; "=XX" escapes or soft line breaks and no
 * other '=': quoted-printable; else none. One pass over the body. */
static const char *
sniff_encoding(const char *p, const char *end)
{
	size_t line = 0, longest = 0, esc = 0, nb64 = 0;
	bool b64 = true, qp = true;

	for (; p < end && (b64 || qp); p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\n' || ch == '\r') {
			if (line > longest)
				longest = line;
			line = 0;
			continue;
		}
		line++;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		    ch == '=')
			nb64++;
		else if ((ch != ' ' && ch != '\t') || (p + 1 < end &&
		    p[1] != ' ' && p[1] != '\t' && p[1] != '\r' &&
		    p[1] != '\n'))
			b64 = false;    /* blanks only at the end of a line */
		if (ch == '=') {
			bool hex = end - p >= 3 &&
			    isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2]);
			bool soft = end - p >= 2 && (p[1] == '\n' ||
			    p[1] == '\r');

			if (hex || soft)
				esc++;
			else
				qp = false;
		}
		if (ch >= 0x80)
			qp = false;
	}
	if (line > longest)
		longest = line;
	if (b64 && longest >= 16 && nb64 % 4 == 0)
		return "base64";
	if (qp && esc > 0)
		return "quoted-printable";
	return NULL;
}

static int
walk_child(struct ctx *c, struct walk *w, size_t parent, const char *ps,
    const char *pe, unsigned depth, bool digest)
{
	struct fields f;
	const char *body;
	int rc;

	rc = mime_read_fields(c, &f, &body, ps, pe, false);
	if (rc != 0)
		return rc;
	return walk(c, w, &f, body, pe, parent, depth, digest);
}

/* Is the line [ls, le) a delimiter of boundary b? *closing_r: "--b--". */
static bool
is_delimiter(const char *ls, const char *le, const char *b, size_t blen,
    bool *closing_r)
{
	const char *r;

	if ((size_t)(le - ls) < blen + 2 || ls[0] != '-' || ls[1] != '-' ||
	    memcmp(ls + 2, b, blen) != 0)
		return false;
	r = ls + 2 + blen;
	*closing_r = le - r >= 2 && r[0] == '-' && r[1] == '-';
	if (*closing_r)
		r += 2;
	while (r < le && mime_is_blank(*r))
		r++;
	return r == le;
}

/* Split [body, end) on boundary b and walk each part. *found_r: at least
 * one delimiter line was seen. */
static int
split_multipart(struct ctx *c, struct walk *w, size_t idx, const char *b,
    const char *body, const char *end, unsigned depth, bool digest,
    bool *found_r)
{
	const char *p = body, *ps = NULL, *le, *next;
	size_t blen = strlen(b);
	bool closing;
	int rc;

	*found_r = false;
	while (p < end) {
		next = line_next(c, p, end, &le);
		if (le - p >= 2 && p[0] == '-' && p[1] == '-' &&
		    is_delimiter(p, le, b, blen, &closing)) {
			if (ps != NULL) {
				rc = walk_child(c, w, idx, ps,
				    before_break(c, ps, p), depth + 1, digest);
				if (rc != 0)
					return rc;
			}
			*found_r = true;
			if (closing)
				return 0;
			ps = next;
		}
		p = next;
	}
	if (ps != NULL)
		return walk_child(c, w, idx, ps, end, depth + 1, digest);
	return 0;
}

static int
walk(struct ctx *c, struct walk *w, const struct fields *f,
    const char *body, const char *end, size_t parent, unsigned depth,
    bool digest)
{
	const struct field *fct = mime_field_get(f, "Content-Type");
	const struct field *fcte =
	    mime_field_get(f, "Content-Transfer-Encoding");
	const struct field *fcd = mime_field_get(f, "Content-Disposition");
	const struct field *fcid = mime_field_get(f, "Content-ID");
	const struct mimehdr_param *bp, *cs;
	struct mimehdr ct, cte, cd;
	struct mail_part *part;
	const char *type, *fallback = w->fallback, *name;
	size_t idx;
	bool sniffed = false;
	int rc;

	if (depth > c->lim.max_depth)
		return gc_err_set(c->err, GC_ELIMIT,
		    "MIME nesting deeper than %zu levels", c->lim.max_depth);
	if (++c->nparts > c->lim.max_parts)
		return gc_err_set(c->err, GC_ELIMIT,
		    "more than %zu MIME parts", c->lim.max_parts);
	idx = push_part(w);
	if (idx != 0)
		link_child(w, parent, idx);

	mimehdr_parse(&ct, c->a, fct ? fct->value : "", fct ? fct->len : 0);
	mimehdr_parse(&cte, c->a, fcte ? fcte->value : "",
	    fcte ? fcte->len : 0);
	mimehdr_parse(&cd, c->a, fcd ? fcd->value : "", fcd ? fcd->len : 0);
	type = mime_content_type(ct.value, digest);
	cs = mimehdr_param(&ct, "charset");
	if (cs != NULL && cs->value[0] != '\0' &&
	    !charset_is_unknown(cs->value))
		fallback = cs->value;

	part = &w->parts[idx];
	part->content_type = type;
	part->depth = depth - w->base;
	if (cs != NULL && cs->value[0] != '\0') {
		char *l = utf8_sanitize(c->a, cs->value, strlen(cs->value),
		    NULL);

		str_tolower(l);
		part->charset = utf8_strip_controls(l, false, false);
	}
	part->encoding = transfer_encoding(c, f, &cte, body, end);
	part->disposition = cd.value[0] != '\0' ? cd.value : NULL;
	name = mimehdr_param_text(&cd, "filename", c->a, fallback, NULL);
	if (name == NULL)
		name = mimehdr_param_text(&ct, "name", c->a, fallback, NULL);
	part->filename = base_name(name);
	if (fcid != NULL)
		part->content_id = mime_squash(c, fcid->value, fcid->len,
		    false);
	mime_make_headers(c, &part->headers, &part->nheaders, f, fallback);
	/* A disposition that is not even a token ("=?utf-8?Q?x?=") says
	 * nothing; an unknown one means attachment (RFC 2183). */
	w->nodes[idx].attach_like = (part->disposition != NULL &&
	    mime_is_token(part->disposition) &&
	    strcmp(part->disposition, "inline") != 0) ||
	    part->filename != NULL;

	if (mime_starts(type, "multipart/")) {
		bool found = false;

		bp = mimehdr_param(&ct, "boundary");
		if (bp != NULL && bp->value[0] != '\0' &&
		    strlen(bp->value) <= BOUNDARY_MAX) {
			const struct mimehdr_param *st;

			st = mimehdr_param(&ct, "start");
			if (st != NULL)
				w->nodes[idx].start = mime_squash(c, st->value,
				    strlen(st->value), false);
			rc = split_multipart(c, w, idx, bp->value, body, end,
			    depth, strcmp(type, "multipart/digest") == 0,
			    &found);
			if (rc != 0)
				return rc;
		}
		if (found)
			return 0;
		/* No usable boundary: the body is read as plain text. */
		part = &w->parts[idx];
		part->content_type = "text/plain";
	}

	part = &w->parts[idx];
	if (part->encoding != NULL && !is_identity(part->encoding) &&
	    !is_decoded(part->encoding)) {
		part->encoding = sniff_encoding(body, end);
		sniffed = part->encoding != NULL;
	}
	if (part->encoding != NULL && (strcmp(part->encoding, "base64") == 0 ||
	    strcmp(part->encoding, "quoted-printable") == 0 ||
	    strcmp(part->encoding, "x-uuencode") == 0 ||
	    strcmp(part->encoding, "uuencode") == 0 ||
	    strcmp(part->encoding, "x-uue") == 0)) {
		part->data = codec_decode(c->a, part->encoding, body,
		    (size_t)(end - body), &part->len);
		/* An encoding we guessed that gives no text ("x-gzip64"):
		 * the part is kept as data, not shown. */
		if (sniffed && mime_starts(part->content_type, "text/") &&
		    looks_binary(part->data, part->len))
			part->content_type = "application/octet-stream";
	} else {
		/* Identity encodings point into our copy of the input. */
		part->data = (const unsigned char *)body;
		part->len = (size_t)(end - body);
	}
	if ((is_message_type(type) || is_first_fragment(type, &ct)) &&
	    part->len > 0) {
		struct mail *sub = arena_alloc(c->a, sizeof(*sub));
		const unsigned char *d = part->data;
		size_t dl = part->len;

		sub->pool = c->a;
		sub->nested = true;
		rc = parse_message(c, sub, (const char *)d, dl, depth + 1);
		if (rc == GC_ELIMIT)
			return rc;
		if (rc == 0)
			w->parts[idx].message = sub;
		gc_err_clear(c->err);
	}
	return 0;
}

/* ----- One message, and the mail ---------------------------------- */

static int
finish(struct ctx *c, struct mail *m, struct walk *w)
{
	int rc;

	mime_select_body(w, 0);
	rc = mime_build_text(c, m, w);
	if (rc == 0 && m->text[0] == '\0' && mime_fallback_body(w))
		rc = mime_build_text(c, m, w);
	if (rc == 0 && m->text[0] == '\0')
		rc = mime_forwarded_text(c, m, w);
	if (rc != 0)
		return rc;
	mime_build_attachments(c, m, w);
	mime_name_images(c, m);
	m->new_text = quote_strip(c->a, m->text);
	m->parts = arena_memdup(c->a, w->parts, w->n * sizeof(*w->parts));
	m->nparts = w->n;
	return 0;
}

static char
eol_of(const char *p, size_t len)
{
	if (memchr(p, '\n', len) != NULL)
		return '\n';
	return memchr(p, '\r', len) != NULL ? '\r' : '\n';
}

static int
parse_message(struct ctx *c, struct mail *m, const char *p, size_t len,
    unsigned depth)
{
	struct walk w;
	struct fields f;
	const char *body;
	char saved_eol = c->eol;
	int rc;

	memset(&w, 0, sizeof(w));
	c->eol = eol_of(p, len);
	rc = mime_read_fields(c, &f, &body, p, p + len, true);
	if (rc == 0 && f.n == 0 && mime_blank(p, len))
		rc = gc_err_set(c->err, GC_EPARSE, "nothing but blanks");
	if (rc == 0) {
		m->header_bytes = (size_t)(body - p);
		w.fallback = mime_header_charset(c, &f);
		w.base = depth;
		mime_make_headers(c, &m->headers, &m->nheaders, &f, w.fallback);
		mime_read_envelope(c, m);
		rc = walk(c, &w, &f, body, p + len, 0, depth, false);
	}
	if (rc == 0)
		rc = finish(c, m, &w);
	free(w.parts);
	free(w.nodes);
	c->eol = saved_eol;
	return rc;
}

int
mail_parse(struct mail **out, const char *raw, size_t len,
    const struct mail_limits *lim, struct gc_err *err)
{
	struct mail_limits def = mail_limits_default();
	struct arena *a;
	struct mail *m;
	struct ctx c;
	char *copy;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.lim = def;
	if (lim != NULL) {
		if (lim->max_mail_bytes)
			c.lim.max_mail_bytes = lim->max_mail_bytes;
		if (lim->max_header_bytes)
			c.lim.max_header_bytes = lim->max_header_bytes;
		if (lim->max_depth)
			c.lim.max_depth = lim->max_depth;
		if (lim->max_parts)
			c.lim.max_parts = lim->max_parts;
		if (lim->max_text_bytes)
			c.lim.max_text_bytes = lim->max_text_bytes;
	}
	if (c.lim.max_depth > MAIL_DEPTH_HARD_MAX)
		c.lim.max_depth = MAIL_DEPTH_HARD_MAX;
	if (len > c.lim.max_mail_bytes)
		return gc_err_set(err, GC_ELIMIT, "mail over %zu bytes",
		    c.lim.max_mail_bytes);
	if (raw == NULL || len == 0)
		return gc_err_set(err, GC_EPARSE, "empty mail");

	a = xmalloc(sizeof(*a));
	arena_init(a, ARENA_CHUNK);
	c.a = a;
	c.err = err;
	m = arena_alloc(a, sizeof(*m));
	m->pool = a;
	copy = arena_memdup(a, raw, len);
	rc = parse_message(&c, m, copy, len, 0);
	if (rc != 0) {
		arena_free(a);
		free(a);
		return rc;
	}
	*out = m;
	return 0;
}

