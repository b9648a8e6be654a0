/*
 * html_text.c - HTML to readable text in one pass (see html.h)
 *
 * No tree: a tokenizer reads tags, text and character references, and a
 * stack of the open elements (capped, HTML mail can nest thousands of
 * elements deep) calls html_out_enter() and html_out_leave() as a walk
 * of libxml2's tree
 * did, closing elements the way a forgiving parser does: an end tag
 * closes every element opened after its own, a paragraph ends where a
 * block starts, a link where another starts, "<x/>" at once, and the end
 * of the input closes them all. Script, style, title, textarea, xmp and
 * iframe hold raw text up to their end tag; the content of head,
 * template, object, svg and math is skipped. Character references are
 * those of HTML 4.01 (html_entities.c) and numeric ones. What the
 * elements and the text make of the output is html_write.c's.
 *
 * Cost: a few instructions per byte of input, against a hundred for
 * libxml2's parser, which this replaced for text (html_safe.c, which
 * writes HTML, still builds libxml2's tree).
 */
#include "parsers/html.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "parsers/html_int.h"
#include "parsers/utf8.h"

#define STACK_MAX 4096          /* open elements tracked; deeper ones are
                                 * read as text containers only */
#define TAG_NAME_MAX 32         /* longer tag names are cut */
#define SEARCH_MAX 64           /* open elements an implied or explicit
                                 * close looks through: hostile nesting
                                 * must not make each tag cost the
                                 * depth (libxml2's parser paid it) */
#define ATTR_MAX 8192           /* of href and src, kept */

struct elem {
	char name[TAG_NAME_MAX + 1];
	enum html_kind kind;
	int rank;               /* end_rank() of its name */
};

struct tok {
	const char *p, *end;
	struct elem *stack;
	size_t depth;           /* open elements, stack[0..depth) */
	size_t lost;            /* opened past STACK_MAX, not tracked */
	bool started;           /* a start tag was read */
	bool body_over;         /* </body> or </html> was read */
	struct html_out o;
	struct buf tmp;         /* decoded text and attribute values */
};

static enum html_kind
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
		return HTML_BR;
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		return HTML_CELL;
	for (i = 0; skip[i] != NULL; i++)
		if (strcmp(name, skip[i]) == 0)
			return HTML_SKIP;
	for (i = 0; para[i] != NULL; i++)
		if (strcmp(name, para[i]) == 0)
			return HTML_PARA;
	for (i = 0; block[i] != NULL; i++)
		if (strcmp(name, block[i]) == 0)
			return HTML_BLOCK;
	return HTML_INLINE;
}

static bool
is_void(const char *name)
{
	static const char *const v[] = { "area", "base", "basefont", "br",
	    "col", "embed", "frame", "hr", "img", "input", "isindex",
	    "keygen", "link", "meta", "param", "source", "track", "wbr",
	    NULL };

	for (int i = 0; v[i] != NULL; i++)
		if (strcmp(name, v[i]) == 0)
			return true;
	return false;
}

/* Elements whose content is raw text up to their end tag. */
static bool
is_raw(const char *name)
{
	return strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
	    strcmp(name, "title") == 0 || strcmp(name, "textarea") == 0 ||
	    strcmp(name, "xmp") == 0 || strcmp(name, "iframe") == 0;
}

/* Close the open elements down to depth (depth elements stay open). */
static void
pop_to(struct tok *t, size_t depth)
{
	while (t->depth > depth) {
		struct elem *e = &t->stack[--t->depth];

		html_out_leave(&t->o, e->name, e->kind, (int)t->depth + 1);
	}
}

/* The innermost open element named name, as a depth (its place + 1);
 * 0 when none within SEARCH_MAX. With through_inline, only inline
 * elements may lie above it. */
static size_t
find_open(const struct tok *t, const char *name, bool through_inline)
{
	size_t stop = t->depth > SEARCH_MAX ? t->depth - SEARCH_MAX : 0;

	for (size_t i = t->depth; i > stop; i--) {
		if (strcmp(t->stack[i - 1].name, name) == 0)
			return i;
		if (through_inline && t->stack[i - 1].kind != HTML_INLINE)
			return 0;
	}
	return 0;
}

/* How far an end tag reaches: it closes the elements opened after its
 * own only when none of them ranks higher (a stray "</b>" does not close
 * a div, nor "</div>" a table cell), as libxml2's parser did. */
static int
end_rank(const char *name)
{
	static const struct {
		const char *name;
		int rank;
	} r[] = { { "div", 150 }, { "td", 160 }, { "th", 160 },
	    { "tr", 170 }, { "thead", 180 }, { "tbody", 180 },
	    { "tfoot", 180 }, { "table", 190 }, { "head", 200 },
	    { "body", 200 }, { "html", 220 } };

	for (size_t i = 0; i < sizeof(r) / sizeof(*r); i++)
		if (strcmp(name, r[i].name) == 0)
			return r[i].rank;
	return 100;
}

static void
open_elem(struct tok *t, const char *name, const char *attr,
    bool self_closing)
{
	enum html_kind k = kind_of(name);
	size_t at;

	t->started = true;
	/* a block ends the paragraph it starts in; a link, the link */
	if ((k == HTML_PARA || k == HTML_BLOCK) &&
	    (at = find_open(t, "p", true)) > 0)
		pop_to(t, at - 1);
	if (strcmp(name, "a") == 0 && (at = find_open(t, "a", false)) > 0)
		pop_to(t, at - 1);
	if (t->depth == STACK_MAX) {
		/* too deep to follow: breaks and images still show, the
		 * rest is text; its end tag is matched by count */
		if (k == HTML_BR)
			html_out_break(&t->o);
		else if (strcmp(name, "img") == 0)
			html_out_image(&t->o, attr);
		else if (!is_void(name) && !self_closing)
			t->lost++;
		return;
	}
	html_out_enter(&t->o, name, k, (int)t->depth + 1, attr);
	if (is_void(name) || k == HTML_BR)
		return;
	if (self_closing) {
		html_out_leave(&t->o, name, k, (int)t->depth + 1);
		return;
	}
	memcpy(t->stack[t->depth].name, name, strlen(name) + 1);
	t->stack[t->depth].kind = k;
	t->stack[t->depth].rank = end_rank(name);
	t->depth++;
}

static void
close_elem(struct tok *t, const char *name)
{
	int rank = end_rank(name);
	size_t at = 0;

	if (t->lost > 0) {
		t->lost--;
		return;
	}
	if (strcmp(name, "body") == 0 || strcmp(name, "html") == 0)
		t->body_over = true;
	for (size_t i = t->depth; i > 0 && t->depth - i < SEARCH_MAX; i--) {
		if (strcmp(t->stack[i - 1].name, name) == 0) {
			at = i;
			break;
		}
		if (t->stack[i - 1].rank > rank)
			return;     /* a misplaced end tag: ignored */
	}
	if (at > 0)
		pop_to(t, at - 1);
	else if (strcmp(name, "p") == 0 || strcmp(name, "br") == 0)
		/* "</p>" alone is an empty paragraph, "</br>" a break */
		html_out_enter(&t->o, name, kind_of(name), (int)t->depth + 1, NULL);
}

/* ----- Tokens ----------------------------------------------------- */

static bool
is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* A character reference at p ('&'): its UTF-8 appended to b and the
 * bytes it took returned; 0 when it is none (the '&' is then text). */
static size_t
char_ref(struct buf *b, const char *p, const char *end)
{
	const char *q = p + 1;
	uint32_t cp = 0;

	if (q < end && *q == '#') {
		bool hex = q + 1 < end && (q[1] | 0x20) == 'x';
		size_t digits = 0;

		q += hex ? 2 : 1;
		for (; q < end; q++, digits++) {
			unsigned d;

			if (*q >= '0' && *q <= '9')
				d = (unsigned)(*q - '0');
			else if (hex && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
				d = (unsigned)((*q | 0x20) - 'a' + 10);
			else
				break;
			if (cp <= 0x10ffff)
				cp = cp * (hex ? 16 : 10) + d;
		}
		if (digits == 0)
			return 0;
		if (q < end && *q == ';')
			q++;
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
	} else {
		char name[TAG_NAME_MAX + 1];
		size_t n = 0;

		while (q < end && n < TAG_NAME_MAX &&
		    (is_alpha((unsigned char)*q) || (*q >= '0' && *q <= '9')))
			name[n++] = *q++;
		name[n] = '\0';
		if (n == 0 || q >= end || *q != ';' ||
		    (cp = html_entity(name)) == 0)
			return 0;
		q++;
	}
	(void)!utf8_put(b, cp);
	return (size_t)(q - p);
}

/* Text before any tag, after </body> or </html>, or right in <html>,
 * is a paragraph of its own, as libxml2's parser made it (the first
 * tag opens an implied body). */
static void
implied_paragraph(struct tok *t, const char *p, const char *e)
{
	if (t->depth > 0 ? strcmp(t->stack[t->depth - 1].name, "html") != 0 :
	    t->started && !t->body_over)
		return;     /* in an element, or in the implied body */
	for (; p < e; p++)
		if (!is_space((unsigned char)*p))
			break;
	if (p < e)
		open_elem(t, "p", NULL, false);
}

/* Text from p to e, character references decoded. */
static void
text_run(struct tok *t, const char *p, const char *e)
{
	const char *amp;

	if (p >= e)
		return;
	implied_paragraph(t, p, e);
	if ((amp = memchr(p, '&', (size_t)(e - p))) == NULL) {
		html_out_text(&t->o, p, (size_t)(e - p));
		return;
	}
	buf_reset(&t->tmp);
	while (p < e) {
		size_t n;

		if (amp == NULL) {
			(void)!buf_add(&t->tmp, p, (size_t)(e - p));
			break;
		}
		(void)!buf_add(&t->tmp, p, (size_t)(amp - p));
		if ((n = char_ref(&t->tmp, amp, e)) == 0) {
			(void)!buf_addc(&t->tmp, '&');
			n = 1;
		}
		p = amp + n;
		amp = p < e ? memchr(p, '&', (size_t)(e - p)) : NULL;
	}
	html_out_text(&t->o, buf_str(&t->tmp), t->tmp.len);
}

/* Where the end tag "</name" (any case, then a blank, '/' or '>')
 * starts at or after p; end when there is none. */
static const char *
find_end_tag(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n + 2 && p[1] == '/' &&
		    strncasecmp(p + 2, name, n) == 0 &&
		    ((size_t)(end - p) == n + 2 || is_space((unsigned char)
		    p[n + 2]) || p[n + 2] == '/' || p[n + 2] == '>'))
			return p;
		p++;
	}
	return end;
}

/* The name of a tag at p (a letter), lowercased into name; the bytes
 * after it. A name past TAG_NAME_MAX is cut (such tags are inline). */
static const char *
tag_name(const char *p, const char *end, char *name)
{
	size_t n = 0;

	while (p < end && !is_space((unsigned char)*p) && *p != '/' &&
	    *p != '>' && *p != '\0') {
		if (n < TAG_NAME_MAX)
			name[n++] = (char)((*p >= 'A' && *p <= 'Z') ?
			    *p | 0x20 : *p);
		p++;
	}
	name[n] = '\0';
	return p;
}

/* The attributes of a start tag from p: the value of want (NULL: none)
 * decoded into t->tmp, *self_closing when it ends with "/>"; returns
 * the bytes after its '>', NULL when it never closes (a browser drops
 * such a tag). */
static const char *
attributes(struct tok *t, const char *p, const char *end,
    const char *want, bool *found, bool *self_closing)
{
	*found = false;
	*self_closing = false;
	buf_reset(&t->tmp);
	while (p < end) {
		char an[TAG_NAME_MAX + 1];
		const char *v, *ve;
		size_t n = 0;

		if (*p == '>')
			return p + 1;
		if (*p == '/' && p + 1 < end && p[1] == '>') {
			*self_closing = true;
			return p + 2;
		}
		if (is_space((unsigned char)*p) || *p == '/') {
			p++;
			continue;
		}
		/* a name: up to a blank, '=', '>' or "/" */
		do {
			if (n < TAG_NAME_MAX)
				an[n++] = (char)((*p >= 'A' && *p <= 'Z') ?
				    *p | 0x20 : *p);
			p++;
		} while (p < end && !is_space((unsigned char)*p) &&
		    *p != '=' && *p != '>' && *p != '/');
		an[n] = '\0';
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p < end && (*p == '"' || *p == '\'')) {
			char q = *p++;

			v = p;
			ve = memchr(p, q, (size_t)(end - p));
			if (ve == NULL)
				ve = end;
			p = ve < end ? ve + 1 : end;
		} else {
			v = p;
			while (p < end && !is_space((unsigned char)*p) &&
			    *p != '>')
				p++;
			ve = p;
		}
		if (want != NULL && !*found && strcmp(an, want) == 0 &&
		    (size_t)(ve - v) <= ATTR_MAX) {
			*found = true;
			while (v < ve) {
				size_t k = 0;

				if (*v == '&')
					k = char_ref(&t->tmp, v, ve);
				if (k == 0) {
					if (*v != '\0')
						(void)!buf_addc(&t->tmp, *v);
					k = 1;
				}
				v += k;
			}
		}
	}
	return NULL;
}

/* Past a comment, a doctype, a processing instruction or a CDATA
 * section at p ("<!" or "<?"). */
static const char *
skip_markup(const char *p, const char *end)
{
	const char *e;

	if ((size_t)(end - p) >= 4 && memcmp(p, "<!--", 4) == 0) {
		for (e = p + 4; e + 2 < end; e++)
			if (e[0] == '-' && e[1] == '-' && e[2] == '>')
				return e + 3;
		return end;
	}
	e = memchr(p, '>', (size_t)(end - p));
	return e != NULL ? e + 1 : end;
}

/* Past the content of a skipped element opened just before p (head,
 * template, object, svg, math): to its matching end tag, the same name
 * nesting; a head ends too where body or another element starts. */
static const char *
skip_content(const char *p, const char *end, const char *name)
{
	static const char *const in_head[] = { "title", "style", "script",
	    "meta", "link", "base", "noscript", "object", "template",
	    "basefont", "bgsound", NULL };
	bool head = strcmp(name, "head") == 0;
	size_t nest = 1;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		char tn[TAG_NAME_MAX + 1];
		const char *q;
		bool close = p + 1 < end && p[1] == '/';

		if (p + 1 < end && (p[1] == '!' || p[1] == '?')) {
			p = skip_markup(p, end);
			continue;
		}
		q = p + 1 + close;
		if (q >= end || !is_alpha((unsigned char)*q)) {
			p++;
			continue;
		}
		q = tag_name(q, end, tn);
		if (strcmp(tn, name) == 0) {
			if (!close)
				nest++;
			else if (--nest == 0)
				return p;   /* the end tag is read as one */
		} else if (head && !close) {
			int i;

			for (i = 0; in_head[i] != NULL; i++)
				if (strcmp(tn, in_head[i]) == 0)
					break;
			if (in_head[i] == NULL)
				return p;   /* body content: head is over */
		}
		if (!close && is_raw(tn)) {
			/* raw text may hold anything, tags included */
			const char *gt = memchr(q, '>', (size_t)(end - q));

			p = find_end_tag(gt != NULL ? gt : end, end, tn);
			continue;
		}
		p = q;
	}
	return end;
}

static void
tokenize(struct tok *t)
{
	const char *p = t->p, *end = t->end;

	while (p < end && !t->o.failed) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		char name[TAG_NAME_MAX + 1];
		const char *q;

		if (lt == NULL)
			lt = end;
		if (lt > p)
			text_run(t, p, lt);
		p = lt;
		if (p >= end)
			break;
		if (p + 1 < end && (p[1] == '!' || p[1] == '?')) {
			p = skip_markup(p, end);
		} else if (p + 2 < end && p[1] == '/' &&
		    !is_alpha((unsigned char)p[2])) {
			/* "</>" is nothing, "</ x>" a comment (what a browser
			 * shows: spam hides words with them) */
			p = p[2] == '>' ? p + 3 : skip_markup(p, end);
		} else if (p + 2 < end && p[1] == '/' &&
		    is_alpha((unsigned char)p[2])) {
			q = tag_name(p + 2, end, name);
			q = memchr(q, '>', (size_t)(end - q));
			p = q != NULL ? q + 1 : end;
			close_elem(t, name);
		} else if (p + 1 < end && is_alpha((unsigned char)p[1])) {
			const char *want;
			bool found, selfc;

			q = tag_name(p + 1, end, name);
			want = strcmp(name, "a") == 0 ? "href" :
			    strcmp(name, "img") == 0 ? "src" : NULL;
			if ((p = attributes(t, q, end, want, &found,
			    &selfc)) == NULL)
				break;
			open_elem(t, name, found ? buf_str(&t->tmp) : NULL,
			    selfc);
			if (selfc || is_void(name))
				continue;
			if (is_raw(name)) {
				q = find_end_tag(p, end, name);
				if (kind_of(name) != HTML_SKIP)
					text_run(t, p, q);
				p = q;
			} else if (kind_of(name) == HTML_SKIP) {
				p = skip_content(p, end, name);
			}
		} else {
			text_run(t, p, p + 1);      /* a '<' of the text */
			p++;
		}
	}
	pop_to(t, 0);
}

int
html_to_text(char **out, struct arena *a, const char *html, size_t len,
    size_t max)
{
	struct tok t;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	t.p = html;
	t.end = html + len;
	t.stack = xcalloc(STACK_MAX, sizeof(*t.stack));
	html_out_init(&t.o, max);
	buf_init(&t.tmp, len + 16);
	tokenize(&t);
	free(t.stack);
	buf_free(&t.tmp);
	return html_out_finish(&t.o, a, out);
}
