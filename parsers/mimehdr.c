/*
 * mimehdr.c - parameterised MIME header values (see mimehdr.h)
 *
 * Written here rather than with libetpan's mailmime_content_parse() and
 * mailmime_disposition_parse(): run over the 5,300 Content-Type and
 * Content-Disposition values of the test corpus, those stop at the first
 * malformed parameter (";;", "name=My file.txt", a missing ';'), and for
 * several multiparts that loses the boundary parameter, hence the parts.
 *
 * Two steps: split the value into raw pieces (name, section, extended
 * flag, value), then merge the pieces by name (RFC 2231 sections in
 * order, charset conversion).
 */
#include "parsers/mimehdr.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "parsers/charset.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

struct piece {
	char *name;             /* lowercase base name */
	int section;            /* -1 when none */
	bool extended;          /* name*... = charset'lang'%XX form */
	const char *value;
	size_t len;
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Token characters of a parameter name (RFC 2045 token, plus '*'). */
static bool
is_namechar(char c)
{
	return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f &&
	    strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skip blanks and (nested) comments. */
static size_t
skip_cfws(const char *p, size_t i, size_t len)
{
	while (i < len) {
		if (is_wsp(p[i])) {
			i++;
		} else if (p[i] == '(') {
			int depth = 0;

			for (; i < len; i++) {
				if (p[i] == '\\' && i + 1 < len)
					i++;
				else if (p[i] == '(')
					depth++;
				else if (p[i] == ')' && --depth == 0) {
					i++;
					break;
				}
			}
		} else {
			break;
		}
	}
	return i;
}

/* Does p[i..len) start with a blank then "token=" (a parameter that lost
 * its ';')? Returns the token's offset or 0. */
static size_t
param_after_blank(const char *p, size_t i, size_t len)
{
	size_t j;

	if (i >= len || !is_wsp(p[i]))
		return 0;
	while (i < len && is_wsp(p[i]))
		i++;
	j = i;
	while (j < len && is_namechar(p[j]))
		j++;
	if (j == i)
		return 0;
	while (j < len && is_wsp(p[j]))
		j++;
	return j < len && p[j] == '=' ? i : 0;
}

/* The end of an unquoted value [vs, ve): trailing blanks and a trailing
 * " (comment)" go; "file(1).txt" keeps its parentheses. */
static size_t
trim_value(const char *p, size_t vs, size_t ve)
{
	size_t k;

	while (ve > vs && is_wsp(p[ve - 1]))
		ve--;
	if (ve > vs && p[ve - 1] == ')') {
		for (k = ve - 1; k > vs; k--)
			if (p[k] == '(' && is_wsp(p[k - 1]))
				break;
		if (k > vs) {
			ve = k;
			while (ve > vs && is_wsp(p[ve - 1]))
				ve--;
		}
	}
	return ve;
}

/* Split "name*2*" into base name, section and extended flag. */
static void
split_name(struct piece *pc, struct arena *a, const char *n, size_t len)
{
	char *name = arena_strndup(a, n, len);
	char *star = strchr(name, '*');

	str_tolower(name);
	pc->name = name;
	pc->section = -1;
	pc->extended = false;
	if (star == NULL)
		return;
	*star++ = '\0';
	if (*star >= '0' && *star <= '9') {
		long sec = 0;

		while (*star >= '0' && *star <= '9') {
			if (sec < 100000)
				sec = sec * 10 + (*star - '0');
			star++;
		}
		pc->section = sec > MIMEHDR_MAX_SECTIONS ?
		    MIMEHDR_MAX_SECTIONS + 1 : (int)sec;
		if (*star == '*')
			pc->extended = true;
	} else {
		pc->extended = true;
	}
}

/* Read one quoted string starting after the opening quote; returns the
 * offset after the closing quote (or len). */
static size_t
read_quoted(struct buf *b, const char *p, size_t i, size_t len)
{
	for (; i < len; i++) {
		if (p[i] == '"')
			return i + 1;
		if (p[i] == '\\' && i + 1 < len)
			i++;
		(void)!buf_add(b, p + i, 1);
	}
	return len;
}

static size_t
split_pieces(struct piece *pcs, struct arena *a, const char *p, size_t i,
    size_t len)
{
	size_t n = 0;

	while (i < len && n < MIMEHDR_MAX_PARAMS * 2) {
		size_t ns, ne;

		while (i < len && (p[i] == ';' || is_wsp(p[i])))
			i++;
		i = skip_cfws(p, i, len);
		if (i >= len)
			break;
		ns = i;
		while (i < len && is_namechar(p[i]))
			i++;
		ne = i;
		i = skip_cfws(p, i, len);
		if (ne == ns || i >= len || p[i] != '=') {
			/* Not a parameter: skip to the next ';'. */
			if (ne == ns)
				i++;
			while (i < len && p[i] != ';' &&
			    param_after_blank(p, i, len) == 0)
				i++;
			continue;
		}
		i = skip_cfws(p, i + 1, len);
		split_name(&pcs[n], a, p + ns, ne - ns);
		if (i < len && p[i] == '"') {
			struct buf b;

			buf_init(&b, len);
			i = read_quoted(&b, p, i + 1, len);
			pcs[n].len = b.len;
			pcs[n].value = arena_strndup(a, buf_str(&b), b.len);
			buf_free(&b);
			/* Garbage after the quote up to ';' is dropped. */
			while (i < len && p[i] != ';' &&
			    param_after_blank(p, i, len) == 0)
				i++;
		} else {
			size_t vs = i, ve;

			while (i < len && p[i] != ';' &&
			    param_after_blank(p, i, len) == 0)
				i++;
			ve = trim_value(p, vs, i);
			pcs[n].value = arena_strndup(a, p + vs, ve - vs);
			pcs[n].len = ve - vs;
		}
		n++;
	}
	return n;
}

static void
pct_decode(struct buf *b, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int hi = -1, lo = -1;

		if (v[i] == '%' && i + 2 < len) {
			hi = hex_digit(v[i + 1]);
			lo = hex_digit(v[i + 2]);
		}
		if (hi >= 0 && lo >= 0) {
			char c = (char)(hi << 4 | lo);

			(void)!buf_add(b, &c, 1);
			i += 2;
		} else {
			(void)!buf_add(b, v + i, 1);
		}
	}
}

/* "charset'lang'rest": the charset (arena copy, NULL when the form is not
 * there) and the offset of rest. */
static const char *
split_charset(size_t *rest_r, struct arena *a, const char *v, size_t len)
{
	const char *q1 = memchr(v, '\'', len), *q2;

	*rest_r = 0;
	if (q1 == NULL)
		return NULL;
	q2 = memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - v));
	if (q2 == NULL)
		return NULL;
	*rest_r = (size_t)(q2 + 1 - v);
	return q1 == v ? NULL : arena_strndup(a, v, (size_t)(q1 - v));
}

static char *
nul_free(struct arena *a, const char *s, size_t len)
{
	char *d = arena_alloc(a, len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] != '\0')
			d[n++] = s[i];
	d[n] = '\0';
	return d;
}

/* Merge the pieces named name into one parameter. */
static void
merge(struct mimehdr_param *out, struct arena *a, const struct piece *pcs,
    size_t n, const char *name)
{
	const struct piece *plain = NULL, *single = NULL;
	const struct piece *sec[MIMEHDR_MAX_SECTIONS + 1] = { NULL };
	const char *charset = NULL;
	struct buf b;
	size_t i, nsec = 0;
	bool any_ext = false;

	for (i = 0; i < n; i++) {
		const struct piece *pc = &pcs[i];

		if (strcmp(pc->name, name) != 0)
			continue;
		if (pc->section < 0 && !pc->extended && plain == NULL)
			plain = pc;
		else if (pc->section < 0 && pc->extended && single == NULL)
			single = pc;
		else if (pc->section >= 0 &&
		    pc->section <= MIMEHDR_MAX_SECTIONS &&
		    sec[pc->section] == NULL)
			sec[pc->section] = pc;
	}
	while (nsec <= MIMEHDR_MAX_SECTIONS && sec[nsec] != NULL)
		nsec++;

	out->name = name;
	out->decoded = false;
	out->unknown_charset = false;
	buf_init(&b, 64 * 1024);
	if (single != NULL) {
		size_t rest;

		charset = split_charset(&rest, a, single->value, single->len);
		pct_decode(&b, single->value + rest, single->len - rest);
		any_ext = true;
	} else if (nsec > 0) {
		for (i = 0; i < nsec; i++) {
			const char *v = sec[i]->value;
			size_t len = sec[i]->len, rest = 0;

			if (sec[i]->extended) {
				if (i == 0)
					charset = split_charset(&rest, a, v,
					    len);
				pct_decode(&b, v + rest, len - rest);
				any_ext = true;
			} else {
				(void)!buf_add(&b, v, len);
			}
		}
	} else if (plain != NULL) {
		(void)!buf_add(&b, plain->value, plain->len);
	}
	if (any_ext && charset != NULL) {
		struct buf u;

		buf_init(&u, b.len * 4 + 16);
		if (charset_convert(&u, &out->unknown_charset, charset,
		    buf_str(&b), b.len) == 0) {
			out->value = arena_strndup(a, buf_str(&u), u.len);
			out->decoded = true;
		} else {
			out->value = utf8_sanitize(a, buf_str(&b), b.len, NULL);
		}
		buf_free(&u);
	} else if (any_ext) {
		out->value = utf8_sanitize(a, buf_str(&b), b.len, NULL);
	} else {
		/* Plain bytes, left for mimehdr_param_text() to read. */
		out->value = nul_free(a, buf_str(&b), b.len);
	}
	buf_free(&b);
}

void
mimehdr_parse(struct mimehdr *out, struct arena *a, const char *in,
    size_t len)
{
	struct piece pcs[MIMEHDR_MAX_PARAMS * 2];
	struct mimehdr_param *params;
	struct buf mv;
	size_t i = 0, npcs, nparams = 0, k, stop;
	char *value;

	if (len == 0) {
		/* the absent header field, the common case */
		out->value = "";
		out->params = NULL;
		out->nparams = 0;
		return;
	}
	/* The main value: up to ';', or up to a parameter that lost its
	 * ';'. Blanks and comments inside are dropped. */
	buf_init(&mv, 1024);
	i = skip_cfws(in, 0, len);
	stop = i;
	while (stop < len && in[stop] != ';' &&
	    param_after_blank(in, stop, len) == 0)
		stop++;
	while (i < stop) {
		if (in[i] == '(') {
			i = skip_cfws(in, i, stop);
			continue;
		}
		if (!is_wsp(in[i]) && in[i] != '"' && in[i] != '\0')
			(void)!buf_add(&mv, in + i, 1);
		i++;
	}
	value = utf8_sanitize(a, buf_str(&mv), mv.len, NULL);
	buf_free(&mv);
	str_tolower(value);
	out->value = value;

	npcs = split_pieces(pcs, a, in, stop, len);
	params = arena_alloc(a, (npcs + 1) * sizeof(*params));
	for (k = 0; k < npcs && nparams < MIMEHDR_MAX_PARAMS; k++) {
		size_t j;
		bool seen = false;

		for (j = 0; j < nparams && !seen; j++)
			seen = strcmp(params[j].name, pcs[k].name) == 0;
		if (seen || pcs[k].name[0] == '\0')
			continue;
		merge(&params[nparams++], a, pcs, npcs, pcs[k].name);
	}
	out->params = params;
	out->nparams = nparams;
}

const struct mimehdr_param *
mimehdr_param(const struct mimehdr *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nparams; i++)
		if (strcmp(h->params[i].name, name) == 0)
			return &h->params[i];
	return NULL;
}

const char *
mimehdr_param_text(const struct mimehdr *h, const char *name,
    struct arena *a, const char *fallback_charset, bool *unknown_r)
{
	const struct mimehdr_param *p = mimehdr_param(h, name);
	char *s;

	if (p == NULL)
		return NULL;
	if (p->unknown_charset && unknown_r != NULL)
		*unknown_r = true;
	s = p->decoded ? arena_strdup(a, p->value) :
	    rfc2047_decode(a, p->value, strlen(p->value), fallback_charset,
	    unknown_r);
	utf8_strip_controls(s, false, false);
	s = str_trim(s);
	return s[0] != '\0' ? s : NULL;
}
