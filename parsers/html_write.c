/*
 * html_write.c - the text that HTML makes (html_int.h), for html_text.c's
 * tokenizer
 *
 * The text goes into a capped buffer through a small "pending" state: a
 * requested line break or space is written only when more text comes,
 * which collapses runs of breaks and drops trailing ones. Blockquotes
 * become "> " prefixes, list items "- ", links " <url>" after their text
 * (unless the text is the url), inline images of the mail
 * "[image: ID]".
 */
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/html_int.h"
#include "parsers/utf8.h"

#define MAX_BREAKS 2            /* at most one blank line in a row */
#define ANCHOR_TEXT_MAX 4096

static void
put(struct html_out *o, const char *s, size_t n)
{
	if (!o->failed && buf_add(&o->b, s, n) != 0)
		o->failed = true;
}

static void
note_quote(struct html_out *o)
{
	if (o->breaks == 0 || o->quote < o->break_quote)
		o->break_quote = o->quote;
}

static void
want_break(struct html_out *o, int n)
{
	if (o->b.len == 0)
		return;         /* no blank lines at the top */
	note_quote(o);
	if (o->breaks < n)
		o->breaks = n;
}

void
html_out_break(struct html_out *o)
{
	if (o->b.len == 0)
		return;
	note_quote(o);
	o->breaks++;
}

/* Write what is pending before more text. */
static void
flush_pending(struct html_out *o)
{
	int i, q, n = o->breaks < MAX_BREAKS ? o->breaks : MAX_BREAKS;

	if (n > 0) {
		while (o->b.len > 0 && o->b.data[o->b.len - 1] == ' ')
			o->b.data[--o->b.len] = '\0';
		for (i = 0; i < n; i++) {
			put(o, "\n", 1);
			/* a blank line inside a quote stays quoted */
			if (i + 1 < n)
				for (q = 0; q < o->break_quote &&
				    q < o->quote; q++)
					put(o, ">", 1);
		}
		o->breaks = 0;
		o->line_start = true;
	}
	if (o->line_start) {
		if (o->quote > 0) {
			for (q = 0; q < o->quote; q++)
				put(o, ">", 1);
			put(o, " ", 1);
		}
		o->line_start = false;
		o->space = false;
	}
	if (o->bullet) {
		put(o, "- ", 2);
		o->bullet = false;
		o->space = false;
	}
	if (o->space) {
		put(o, " ", 1);
		o->space = false;
	}
}

/* The length of the white space at p (0: none): ASCII blanks, and the
 * no-break space U+00A0. */
static size_t
ws_len(const unsigned char *p, const unsigned char *e)
{
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
	    *p == '\f' || *p == '\v')
		return 1;
	return p[0] == 0xc2 && p + 1 < e && p[1] == 0xa0 ? 2 : 0;
}

static void
emit(struct html_out *o, const char *s, size_t n)
{
	flush_pending(o);
	put(o, s, n);
	if (o->anchor > 0)
		(void)!buf_add(&o->atext, s, n);
}

void
html_out_text(struct html_out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *q;
	size_t w;

	if (o->pre > 0) {
		/* white space kept; line breaks go through the pending
		 * state so that quote prefixes follow them */
		while (p < e) {
			for (q = p; q < e && *q != '\n' && *q != '\r' &&
			    *q != '\0'; q++)
				;
			if (q > p)
				emit(o, (const char *)p, (size_t)(q - p));
			if (q == e)
				break;
			if (*q == '\r' && q + 1 < e && q[1] == '\n')
				q++;
			if (*q != '\0')
				html_out_break(o);
			p = q + 1;
		}
		return;
	}
	while (p < e) {
		if ((w = ws_len(p, e)) > 0) {
			p += w;
			o->space = true;
			continue;
		}
		if (*p == '\0') {
			p++;
			continue;
		}
		for (q = p; q < e && *q != '\0' && ws_len(q, e) == 0; q++)
			;
		emit(o, (const char *)p, (size_t)(q - p));
		p = q;
	}
}

static bool
is_link_target(const char *href)
{
	return str_casestarts(href, "http://") ||
	    str_casestarts(href, "https://") ||
	    str_casestarts(href, "mailto:") || str_casestarts(href, "ftp://");
}

/* After a link: " <url>", unless its text already is the url. */
static void
end_anchor(struct html_out *o)
{
	char *h = o->href, *w, *shown;
	const char *r;

	o->anchor = 0;
	o->href = NULL;
	if (h == NULL)
		return;
	/* the url without blanks and controls */
	for (r = h, w = h; *r != '\0'; r++)
		if ((unsigned char)*r > 0x20 && *r != 0x7f)
			*w++ = *r;
	*w = '\0';
	shown = (char *)buf_str(&o->atext);
	shown = str_trim(shown);
	if (is_link_target(h) && strcmp(shown, h) != 0 &&
	    !(str_casestarts(h, "mailto:") && strcmp(shown, h + 7) == 0)) {
		if (o->atext.len > 0) {
			put(o, " <", 2);
		} else {
			flush_pending(o);
			put(o, "<", 1);
		}
		put(o, h, strlen(h));
		put(o, ">", 1);
	}
	free(h);
	buf_reset(&o->atext);
}

/* An inline image of the mail (src="cid:ID"): "[image: ID]", which
 * mime_name_images() turns into the attachment's file name. Other
 * images (remote, data: URLs) leave no trace. */
void
html_out_image(struct html_out *o, const char *src)
{
	struct buf b = BUF_INIT(300);
	const char *r;

	if (src != NULL && str_casestarts(src, "cid:")) {
		(void)!buf_addstr(&b, "[image: ");
		for (r = src + 4; *r != '\0' && b.len < 290; r++)
			if ((unsigned char)*r > 0x20 && *r != ']' && *r != '<' &&
			    *r != '>' && *r != 0x7f)
				(void)!buf_addc(&b, *r);
		(void)!buf_addc(&b, ']');
		o->space = o->space || !o->line_start;
		html_out_text(o, buf_str(&b), b.len);
		o->space = true;
	}
	buf_free(&b);
}

/* ----- Elements --------------------------------------------------- */

void
html_out_enter(struct html_out *o, const char *name, enum html_kind k,
    int depth, const char *attr)
{
	switch (k) {
	case HTML_SKIP:
		return;
	case HTML_BR:
		html_out_break(o);
		return;
	case HTML_CELL:
		o->space = true;
		return;
	case HTML_PARA:
		want_break(o, 2);
		if (strcmp(name, "blockquote") == 0)
			o->quote++;
		else if (strcmp(name, "pre") == 0)
			o->pre++;
		return;
	case HTML_BLOCK:
		want_break(o, 1);
		if (strcmp(name, "li") == 0)
			o->bullet = true;
		return;
	case HTML_INLINE:
		if (strcmp(name, "img") == 0) {
			html_out_image(o, attr);
		} else if (strcmp(name, "a") == 0 && o->anchor == 0) {
			o->anchor = depth;
			o->href = attr != NULL ? xstrdup(attr) : NULL;
			buf_reset(&o->atext);
		}
		return;
	}
}

void
html_out_leave(struct html_out *o, const char *name, enum html_kind k,
    int depth)
{
	switch (k) {
	case HTML_PARA:
		if (strcmp(name, "blockquote") == 0 && o->quote > 0)
			o->quote--;
		else if (strcmp(name, "pre") == 0 && o->pre > 0)
			o->pre--;
		want_break(o, 2);
		break;
	case HTML_BLOCK:
		o->bullet = false;
		want_break(o, 1);
		break;
	case HTML_INLINE:
		if (o->anchor == depth)
			end_anchor(o);
		break;
	default:
		break;
	}
}


/* Blanks at the end of each line go, and blank lines at the end: the
 * pending state already avoids writing them, but a control character
 * after a blank ("x \x7f<br>") hid one until the controls were
 * stripped. */
static char *
trim_blanks(char *s)
{
	char *r, *w = s, *blank = NULL;

	for (r = s; *r != '\0'; r++) {
		if (*r == '\n') {
			if (blank != NULL)
				w = blank;
			blank = NULL;
		} else if (*r == ' ' || *r == '\t') {
			if (blank == NULL)
				blank = w;
		} else {
			blank = NULL;
		}
		*w++ = *r;
	}
	if (blank != NULL)
		w = blank;
	while (w > s && w[-1] == '\n')
		w--;
	*w = '\0';
	return s;
}

void
html_out_init(struct html_out *o, size_t max)
{
	memset(o, 0, sizeof(*o));
	buf_init(&o->b, max);
	buf_init(&o->atext, ANCHOR_TEXT_MAX);
	o->line_start = true;
}

int
html_out_finish(struct html_out *o, struct arena *a, char **out)
{
	char *s;

	*out = NULL;
	if (o->anchor > 0)
		end_anchor(o);
	free(o->href);
	buf_free(&o->atext);
	if (o->failed) {
		buf_free(&o->b);
		return GC_ELIMIT;
	}
	s = utf8_sanitize(a, buf_str(&o->b), o->b.len, NULL);
	buf_free(&o->b);
	*out = trim_blanks(utf8_strip_controls(s, true, true));
	return 0;
}
