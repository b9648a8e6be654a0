/*
 * mime.c - the mail parser (see mime.h): mail_parse() and the public
 * accessors, and the steps for one message, nested ones too (the files
 * of each step are listed in mime_int.h)
 *
 * Who does what:
 * - libetpan's RFC 5322 parsers (mailimf) read the structured fields
 *   (mime_envelope.c);
 * - the MIME structure is walked by our own code (mime_walk.c), and so
 *   are the header blocks, parameters (mimehdr.c) and transfer encodings
 *   (codec.c). libetpan's mailmime_parse() was measured on the corpus and
 *   on hostile input before this choice: it does not crash on the corpus,
 *   but it has no depth limit (it recurses once per level) and its time
 *   grows with the square of the nesting: 118 ms for 1,000 nested
 *   multiparts, 2.5 s for 5,000, 37 s for 20,000 (a 700 KB mail). A mail
 *   must never hang the daemon, so we walk the tree ourselves, with
 *   limits on depth and part count checked as we go.
 */
#include "parsers/mime.h"

#include <stdlib.h>

#include "parsers/mime_int.h"
#include "parsers/quote.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

#define ARENA_CHUNK (16 * 1024)

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
	m->new_text = quote_strip(c->a, m->text);
	mime_build_attachments(c, m, w);
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

int
mime_parse_message(struct ctx *c, struct mail *m, const char *p, size_t len,
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
	if (rc == 0 && f.n == 0 && blank(p, len))
		rc = gc_err_set(c->err, GC_EPARSE, "nothing but blanks");
	if (rc == 0) {
		m->header_bytes = (size_t)(body - p);
		w.fallback = mime_header_charset(c, &f);
		w.base = depth;
		mime_make_headers(c, &m->headers, &m->nheaders, &f, w.fallback);
		mime_read_envelope(c, m);
		rc = mime_walk(c, &w, &f, body, p + len, 0, depth, false);
	}
	if (rc == 0)
		rc = finish(c, m, &w);
	free(w.parts);
	free(w.nodes);
	c->eol = saved_eol;
	return rc;
}

/* ----- Public API ------------------------------------------------- */

struct mail_limits
mail_limits_default(void)
{
	struct mail_limits l;

	l.max_mail_bytes = MAIL_DEFAULT_MAX_MAIL_BYTES;
	l.max_header_bytes = MAIL_DEFAULT_MAX_HEADER_BYTES;
	l.max_depth = MAIL_DEFAULT_MAX_DEPTH;
	l.max_parts = MAIL_DEFAULT_MAX_PARTS;
	l.max_text_bytes = MAIL_DEFAULT_MAX_TEXT_BYTES;
	return l;
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
	rc = mime_parse_message(&c, m, copy, len, 0);
	if (rc != 0) {
		arena_free(a);
		free(a);
		return rc;
	}
	*out = m;
	return 0;
}

const char *
mail_header_get(const struct mail *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (same_name(m->headers[i].name, name))
			return m->headers[i].value;
	return NULL;
}

const char *
mail_header_text(struct mail *m, const char *name)
{
	const char *v = mail_header_get(m, name);
	char *s;

	if (v == NULL)
		return NULL;
	s = rfc2047_decode(m->pool, v, strlen(v), NULL, NULL);
	utf8_strip_controls(s, false, false);
	return utf8_squeeze_spaces(s);
}

struct arena *
mail_arena(struct mail *m)
{
	return m->pool;
}

void
mail_free(struct mail **mp)
{
	struct arena *a;

	if (mp == NULL || *mp == NULL)
		return;
	if ((*mp)->nested) {
		*mp = NULL;
		return;
	}
	a = (*mp)->pool;
	arena_free(a);
	free(a);
	*mp = NULL;
}
