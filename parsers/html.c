/*
 * html.c - HTML to readable text with libxml2 (see html.h)
 *
 * libxml2 builds the tree; we walk it without recursion (HTML mail can
 * nest thousands of elements deep) and write into a capped buffer through
 * a small "pending" state: a requested line break or space is written
 * only when more text comes, which collapses runs of breaks and drops
 * trailing ones.
 */
#include "parsers/html.h"

#include <limits.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/html_int.h"
#include "parsers/utf8.h"

#define SNIFF_BYTES 4096
#define MAX_BREAKS 2            /* at most one blank line in a row */
#define ANCHOR_TEXT_MAX 4096

struct out {
	struct buf b;
	struct buf atext;       /* text of the current link */
	xmlNode *anchor;        /* the <a> being written, or NULL */
	int breaks;             /* line breaks wanted before more text */
	int break_quote;        /* quote depth when they were asked for */
	bool space;             /* a space wanted before more text */
	bool line_start;        /* nothing written on this line yet */
	bool bullet;            /* "- " wanted before more text */
	int quote;              /* blockquote depth */
	int pre;                /* <pre> depth */
	bool failed;            /* the cap was reached */
};

enum kind { E_INLINE, E_SKIP, E_BLOCK, E_PARA, E_CELL, E_BR };

static enum kind
kind_of(const char *name)
{
	static const char *const skip[] = { "script", "style", "head",
	    "title", "template", "iframe", "object", "embed", "svg", "math",
	    NULL };
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4",
	    "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "hr",
	    NULL };
	static const char *const block[] = { "div", "li", "tr", "dt", "dd",
	    "address", "article", "aside", "center", "fieldset",
	    "figcaption", "figure", "footer", "form", "header", "main",
	    "nav", "section", "caption", "details", "summary", NULL };
	int i;

	if (strcmp(name, "br") == 0)
		return E_BR;
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		return E_CELL;
	for (i = 0; skip[i] != NULL; i++)
		if (strcmp(name, skip[i]) == 0)
			return E_SKIP;
	for (i = 0; para[i] != NULL; i++)
		if (strcmp(name, para[i]) == 0)
			return E_PARA;
	for (i = 0; block[i] != NULL; i++)
		if (strcmp(name, block[i]) == 0)
			return E_BLOCK;
	return E_INLINE;
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (!o->failed && buf_add(&o->b, s, n) != 0)
		o->failed = true;
}

static void
note_quote(struct out *o)
{
	if (o->breaks == 0 || o->quote < o->break_quote)
		o->break_quote = o->quote;
}

static void
want_break(struct out *o, int n)
{
	if (o->b.len == 0)
		return;         /* no blank lines at the top */
	note_quote(o);
	if (o->breaks < n)
		o->breaks = n;
}

static void
add_break(struct out *o)
{
	if (o->b.len == 0)
		return;
	note_quote(o);
	o->breaks++;
}

/* Write what is pending before more text. */
static void
flush_pending(struct out *o)
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

static bool
is_ws(const unsigned char *p)
{
	return *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
	    *p == '\f' || *p == '\v' || (p[0] == 0xc2 && p[1] == 0xa0);
}

static void
emit(struct out *o, const char *s, size_t n)
{
	flush_pending(o);
	put(o, s, n);
	if (o->anchor != NULL)
		(void)!buf_add(&o->atext, s, n);
}

static void
text(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;

	if (o->pre > 0) {
		/* white space kept; line breaks go through the pending
		 * state so that quote prefixes follow them */
		while (*p != '\0') {
			for (q = p; *q != '\0' && *q != '\n' && *q != '\r'; q++)
				;
			if (q > p)
				emit(o, (const char *)p, (size_t)(q - p));
			if (*q == '\0')
				break;
			if (q[0] == '\r' && q[1] == '\n')
				q++;
			add_break(o);
			p = q + 1;
		}
		return;
	}
	while (*p != '\0') {
		if (is_ws(p)) {
			p += *p == 0xc2 ? 2 : 1;
			o->space = true;
			continue;
		}
		for (q = p; *q != '\0' && !is_ws(q); q++)
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
end_anchor(struct out *o, xmlNode *n)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
	char *h, *w, *shown;
	const char *r;

	o->anchor = NULL;
	if (href == NULL)
		return;
	/* the url without blanks and controls */
	h = xstrdup((const char *)href);
	xmlFree(href);
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
static void
image(struct out *o, xmlNode *n)
{
	xmlChar *src = xmlGetProp(n, (const xmlChar *)"src");
	struct buf b = BUF_INIT(300);
	const char *r;

	if (src != NULL && str_casestarts((const char *)src, "cid:")) {
		(void)!buf_addstr(&b, "[image: ");
		for (r = (const char *)src + 4; *r != '\0' && b.len < 290; r++)
			if ((unsigned char)*r > 0x20 && *r != ']' && *r != '<' &&
			    *r != '>' && *r != 0x7f)
				(void)!buf_addc(&b, *r);
		(void)!buf_addc(&b, ']');
		o->space = o->space || !o->line_start;
		text(o, buf_str(&b));
		o->space = true;
	}
	buf_free(&b);
	xmlFree(src);
}

/* Opening an element; returns whether to walk its children. */
static bool
enter(struct out *o, xmlNode *n)
{
	const char *name;

	switch (n->type) {
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
		return true;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			text(o, (const char *)n->content);
		return false;
	case XML_ELEMENT_NODE:
		break;
	default:
		return false;   /* comments, doctype, PIs */
	}
	name = (const char *)n->name;
	switch (kind_of(name)) {
	case E_SKIP:
		return false;
	case E_BR:
		add_break(o);
		return false;
	case E_CELL:
		o->space = true;
		return true;
	case E_PARA:
		want_break(o, 2);
		if (strcmp(name, "blockquote") == 0)
			o->quote++;
		else if (strcmp(name, "pre") == 0)
			o->pre++;
		return true;
	case E_BLOCK:
		want_break(o, 1);
		if (strcmp(name, "li") == 0)
			o->bullet = true;
		return true;
	case E_INLINE:
		if (strcmp(name, "img") == 0) {
			image(o, n);
			return false;
		}
		if (strcmp(name, "a") == 0 && o->anchor == NULL) {
			o->anchor = n;
			buf_reset(&o->atext);
		}
		return true;
	}
	return true;
}

/* Closing an element (nothing to do for those enter() skipped). */
static void
leave(struct out *o, xmlNode *n)
{
	const char *name;

	if (n->type != XML_ELEMENT_NODE)
		return;
	name = (const char *)n->name;
	switch (kind_of(name)) {
	case E_PARA:
		if (strcmp(name, "blockquote") == 0 && o->quote > 0)
			o->quote--;
		else if (strcmp(name, "pre") == 0 && o->pre > 0)
			o->pre--;
		want_break(o, 2);
		break;
	case E_BLOCK:
		o->bullet = false;
		want_break(o, 1);
		break;
	case E_INLINE:
		if (o->anchor == n)
			end_anchor(o, n);
		break;
	default:
		break;
	}
}

void
html_walk(xmlNode *root, bool (*enter_fn)(void *, xmlNode *),
    void (*leave_fn)(void *, xmlNode *), void *ctx)
{
	xmlNode *n = root;

	while (n != NULL) {
		if (enter_fn(ctx, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			leave_fn(ctx, n);
			if (n == root)
				return;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == NULL)
				return;
		}
	}
}

static bool
enter_cb(void *o, xmlNode *n)
{
	return enter(o, n);
}

static void
leave_cb(void *o, xmlNode *n)
{
	leave(o, n);
}

htmlDocPtr
html_read(const char *html, size_t len)
{
	if (len == 0 || len > INT_MAX)
		return NULL;
	return htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD |
	    HTML_PARSE_COMPACT);
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

int
html_to_text(char **out, struct arena *a, const char *html, size_t len,
    size_t max)
{
	struct out o;
	htmlDocPtr doc;
	char *s;

	*out = NULL;
	if (len > INT_MAX)
		return GC_ELIMIT;
	memset(&o, 0, sizeof(o));
	buf_init(&o.b, max);
	buf_init(&o.atext, ANCHOR_TEXT_MAX);
	o.line_start = true;
	doc = html_read(html, len);
	if (doc != NULL) {
		html_walk((xmlNode *)doc, enter_cb, leave_cb, &o);
		xmlFreeDoc(doc);
	}
	buf_free(&o.atext);
	if (o.failed) {
		buf_free(&o.b);
		return GC_ELIMIT;
	}
	s = utf8_sanitize(a, buf_str(&o.b), o.b.len, NULL);
	buf_free(&o.b);
	*out = trim_blanks(utf8_strip_controls(s, true, true));
	return 0;
}

const char *
html_sniff_charset(struct arena *a, const char *html, size_t len)
{
	char win[SNIFF_BYTES + 1], *p, *e, *cs;
	size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES, i;

	for (i = 0; i < n; i++)
		win[i] = html[i] != '\0' ? html[i] : ' ';
	win[n] = '\0';
	p = (char *)str_casestr(win, "<meta");
	for (; p != NULL; p = (char *)str_casestr(e, "<meta")) {
		e = strchr(p, '>');
		if (e == NULL)
			break;
		*e++ = '\0';
		cs = (char *)str_casestr(p, "charset");
		if (cs == NULL)
			continue;
		cs += 7;
		while (*cs == ' ' || *cs == '\t' || *cs == '\n' || *cs == '\r')
			cs++;
		if (*cs != '=')
			continue;
		cs++;
		while (*cs == ' ' || *cs == '"' || *cs == '\'')
			cs++;
		for (i = 0; cs[i] != '\0' && i < 40 &&
		    (((cs[i] | 0x20) >= 'a' && (cs[i] | 0x20) <= 'z') ||
		    (cs[i] >= '0' && cs[i] <= '9') || cs[i] == '-' ||
		    cs[i] == '_' || cs[i] == '.' || cs[i] == ':'); i++)
			;
		if (i > 0) {
			char *r = arena_strndup(a, cs, i);

			str_tolower(r);
			return r;
		}
	}
	return NULL;
}
