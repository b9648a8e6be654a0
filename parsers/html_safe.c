/*
 * html_safe.c - HTML sanitised by an allow-list (see html_safe.h)
 *
 * libxml2 builds the tree from whatever bytes came; we walk it without
 * recursion and write a new fragment: only the tags of the allow-list,
 * written by us from the element's name, with no attribute but a
 * checked href; text escaped. Nothing of the input is copied as markup,
 * so what the parser made of broken input (unclosed tags, nested
 * comments, NUL bytes) can at worst become text. Which kept element
 * needs a closing tag is remembered in the node's _private pointer
 * (the tag written), the one field libxml2 leaves to its user.
 */
#include "parsers/html_safe.h"

#include <limits.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/charset.h"
#include "parsers/html.h"
#include "parsers/html_int.h"
#include "parsers/utf8.h"

enum act { A_UNWRAP, A_KEEP, A_DIV, A_CELL, A_VOID, A_DROP, A_LINK, A_IMG };

struct san {
	struct buf b;
	unsigned flags;
	const struct mail *m;   /* for cid: names, or NULL */
	int open;               /* kept elements open */
	bool seen_text;         /* visible text written */
	bool in_command;        /* inside a #command line being dropped */
	bool failed;            /* the cap was reached */
};

static bool
in_list(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static enum act
act_of(const char *name)
{
	static const char *const keep[] = { "p", "div", "span", "b",
	    "strong", "i", "em", "u", "s", "ul", "ol", "li", "blockquote",
	    "pre", "code", NULL };
	static const char *const div[] = { "table", "tbody", "thead",
	    "tfoot", "tr", "section", "article", "header", "footer", "main",
	    "nav", "aside", "center", "address", "dl", "dt", "dd", "h1",
	    "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "caption",
	    "details", "summary", "fieldset", NULL };
	static const char *const drop[] = { "script", "style", "head",
	    "title", "template", "iframe", "frame", "frameset", "object",
	    "embed", "applet", "svg", "math", "form", "input", "button",
	    "select", "textarea", "option", "optgroup", "datalist",
	    "noscript", "canvas", "audio", "video", "source", "track", "meta",
	    "link", "base", "param", "picture", "map", "area", "xml",
	    "noembed", "noframes", "dialog", "portal", "slot", NULL };

	if (strcmp(name, "a") == 0)
		return A_LINK;
	if (strcmp(name, "img") == 0)
		return A_IMG;
	if (strcmp(name, "br") == 0 || strcmp(name, "hr") == 0)
		return A_VOID;
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		return A_CELL;
	if (in_list(name, keep))
		return A_KEEP;
	if (in_list(name, div))
		return A_DIV;
	if (in_list(name, drop))
		return A_DROP;
	return A_UNWRAP;
}

/* Does the element start or end a line of text? */
static bool
line_edge(const char *name)
{
	static const char *const blocks[] = { "p", "div", "ul", "ol", "li",
	    "blockquote", "pre", NULL };
	enum act k = act_of(name);

	return k == A_DIV || k == A_VOID || k == A_CELL ||
	    (k == A_KEEP && in_list(name, blocks));
}

static void
put(struct san *s, const char *p, size_t n)
{
	if (!s->failed && buf_add(&s->b, p, n) != 0)
		s->failed = true;
}

static void
puts_(struct san *s, const char *p)
{
	put(s, p, strlen(p));
}

static void
escape(struct san *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		switch (c) {
		case '&': puts_(s, "&amp;"); break;
		case '<': puts_(s, "&lt;"); break;
		case '>': puts_(s, "&gt;"); break;
		case '"': puts_(s, "&quot;"); break;
		case '\'': puts_(s, "&#39;"); break;
		default:
			if ((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t')
				put(s, p + i, 1);
		}
	}
}

static bool
blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] > 0x20)
			return false;
	return true;
}

static void
text(struct san *s, const char *p)
{
	size_t n = strlen(p);

	/* the #commands block: lines starting '#' before any other text;
	 * a line goes on, across inline elements ("#assign <b>bob</b>"),
	 * up to a line feed, a <br> or the edge of a block */
	while ((s->flags & HTML_SAFE_NO_COMMANDS) && !s->seen_text && n > 0) {
		size_t i = 0;
		const char *nl;

		if (!s->in_command) {
			while (i < n && (unsigned char)p[i] <= 0x20)
				i++;
			if (i == n || p[i] != '#')
				break;
		}
		nl = memchr(p + i, '\n', n - i);
		s->in_command = nl == NULL;
		i = nl ? (size_t)(nl - p) + 1 : n;
		p += i;
		n -= i;
	}
	if (!blank(p, n))
		s->seen_text = true;
	escape(s, p, n);
}

static char *
prop(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* An http, https or mailto target, without blanks and controls; NULL
 * otherwise. Free with xmlFree(). */
static char *
safe_href(xmlNode *n)
{
	char *h = prop(n, "href"), *w;

	if (h == NULL)
		return NULL;
	w = h;
	for (const char *r = h; *r != '\0'; r++)
		if ((unsigned char)*r > 0x20 && *r != 0x7f)
			*w++ = *r;
	*w = '\0';
	if (str_casestarts(h, "http://") || str_casestarts(h, "https://") ||
	    str_casestarts(h, "mailto:"))
		return h;
	xmlFree(h);
	return NULL;
}

static void
image(struct san *s, xmlNode *n)
{
	char *src = prop(n, "src");
	const char *id, *name = NULL;

	if (src == NULL || !str_casestarts(src, "cid:")) {
		xmlFree(src);
		return;
	}
	id = src + 4;
	for (size_t i = 0; s->m != NULL && i < s->m->nattachments; i++)
		if (s->m->attachments[i].content_id != NULL &&
		    strcmp(s->m->attachments[i].content_id, id) == 0)
			name = s->m->attachments[i].filename;
	puts_(s, "[image: ");
	escape(s, name ? name : id, strnlen(name ? name : id, 255));
	puts_(s, "]");
	s->seen_text = true;
	xmlFree(src);
}

static bool
has_class(xmlNode *n, const char *cls)
{
	char *c = prop(n, "class");
	bool hit = c != NULL && strstr(c, cls) != NULL;

	xmlFree(c);
	return hit;
}

/* Quoted history: 1 drop the element, 2 drop it and what follows. */
static int
history(xmlNode *n, const char *name)
{
	static const char *const cut_ids[] = { "divRplyFwdMsg",
	    "appendonsend", "mail-editor-reference-message-container",
	    NULL };
	char *v;
	int r = 0;

	if (strcmp(name, "blockquote") == 0 && (v = prop(n, "type")) != NULL) {
		r = str_casecmp(v, "cite") == 0;
		xmlFree(v);
		if (r)
			return 1;
	}
	if (has_class(n, "gmail_quote") || has_class(n, "moz-cite-prefix") ||
	    has_class(n, "gmail_attr"))
		return 1;
	if ((v = prop(n, "id")) != NULL) {
		r = in_list(v, cut_ids) ? 2 : 0;
		xmlFree(v);
	}
	return r;
}

static void
open_tag(struct san *s, xmlNode *n, const char *tag)
{
	if (s->open >= HTML_SAFE_MAX_NEST)
		return;
	s->open++;
	put(s, "<", 1);
	puts_(s, tag);
	put(s, ">", 1);
	n->_private = (void *)tag;
}

/* Opening a node; returns whether to walk its children. */
static bool
enter(void *ctx, xmlNode *n)
{
	struct san *s = ctx;
	const char *name;
	char *href;

	switch (n->type) {
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
		return true;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			text(s, (const char *)n->content);
		return false;
	case XML_ELEMENT_NODE:
		break;
	default:
		return false;   /* comments, doctype, PIs, entities */
	}
	n->_private = NULL;
	name = (const char *)n->name;
	if (s->flags & HTML_SAFE_NO_HISTORY) {
		int h = history(n, name);

		while (h == 2 && n->next != NULL) {
			xmlNode *x = n->next;

			xmlUnlinkNode(x);
			xmlFreeNode(x);
		}
		if (h != 0)
			return false;
	}
	if (line_edge(name))
		s->in_command = false;
	switch (act_of(name)) {
	case A_DROP:
		return false;
	case A_IMG:
		image(s, n);
		return false;
	case A_VOID:
		puts_(s, name[0] == 'b' ? "<br>" : "<hr>");
		return false;
	case A_KEEP:
		open_tag(s, n, name);
		return true;
	case A_DIV:
		open_tag(s, n, "div");
		return true;
	case A_CELL:
		open_tag(s, n, "span");
		return true;
	case A_LINK:
		if ((href = safe_href(n)) != NULL &&
		    s->open < HTML_SAFE_MAX_NEST) {
			s->open++;
			puts_(s, "<a href=\"");
			escape(s, href, strlen(href));
			puts_(s, "\">");
			n->_private = (void *)"a";
		}
		xmlFree(href);
		return true;
	case A_UNWRAP:
		return true;
	}
	return true;
}

static void
leave(void *ctx, xmlNode *n)
{
	struct san *s = ctx;
	const char *tag;

	if (n->type != XML_ELEMENT_NODE)
		return;
	if (line_edge((const char *)n->name))
		s->in_command = false;
	if (n->_private == NULL)
		return;
	tag = n->_private;
	put(s, "</", 2);
	puts_(s, tag);
	put(s, ">", 1);
	if (strcmp(tag, "span") == 0 && (strcmp((const char *)n->name,
	    "td") == 0 || strcmp((const char *)n->name, "th") == 0))
		put(s, " ", 1);
	n->_private = NULL;
	s->open--;
}

static int
sanitize(char **out, struct arena *a, const char *html, size_t len,
    size_t max, unsigned flags, const struct mail *m)
{
	struct san s = { .flags = flags, .m = m };
	htmlDocPtr doc;
	char *clean;
	size_t clen;
	int rc = 0;

	*out = NULL;
	if (len > INT_MAX)
		return GC_ELIMIT;
	buf_init(&s.b, max);
	/* NUL bytes would end libxml2's reading early: they go first */
	clean = utf8_sanitize(a, html, len, &clen);
	doc = html_read(clean, clen);
	if (doc != NULL) {
		html_walk((xmlNode *)doc, enter, leave, &s);
		xmlFreeDoc(doc);
	}
	if (s.failed)
		rc = GC_ELIMIT;
	else
		*out = utf8_sanitize(a, buf_str(&s.b), s.b.len, NULL);
	buf_free(&s.b);
	return rc;
}

int
html_safe(char **out, struct arena *a, const char *html, size_t len,
    size_t max, unsigned flags)
{
	return sanitize(out, a, html, len, max, flags, NULL);
}

int
html_safe_mail(char **out, struct arena *a, const struct mail *m,
    size_t max, unsigned flags)
{
	*out = NULL;
	for (size_t i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];
		const char *cs;
		char *u;
		size_t ulen;
		int rc;

		if (p->data == NULL || p->is_attachment ||
		    strcmp(p->content_type, "text/html") != 0)
			continue;
		cs = p->charset ? p->charset : html_sniff_charset(a,
		    (const char *)p->data, p->len);
		rc = charset_to_utf8(&u, &ulen, NULL, a, cs,
		    (const char *)p->data, p->len, max);
		if (rc != 0)
			return rc;
		return sanitize(out, a, u, ulen, max, flags, m);
	}
	return 0;
}
