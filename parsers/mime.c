/*
 * mime.c - the mail parser's public face (see mime.h) for a mail already
 * parsed: default limits, header lookup, its arena, freeing it.
 * mail_parse() itself is at the end of mime_walk.c; mime_int.h lists the
 * files of the parser and their jobs.
 */
#include "parsers/mime.h"

#include <stdlib.h>

#include "parsers/mime_int.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

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

const struct mail_header *
mime_header_find(const struct mail *m, const char *name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (same_name(m->headers[i].name, name))
			return &m->headers[i];
	return NULL;
}

const char *
mail_header_get(const struct mail *m, const char *name)
{
	const struct mail_header *h = mime_header_find(m, name);

	return h != NULL ? h->value : NULL;
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
