/*
 * compose_html.c - the HTML alternative of a mail of ours, made from its
 * rendered text (see compose_text_html() in compose.h)
 *
 * The text is read line by line into blocks: paragraphs (lines joined by
 * <br>), lists (lines starting "- ", "* " or "• "), quoted blocks (lines
 * starting ">", converted again inside <blockquote>, up to MAX_QUOTE
 * levels) and blank lines between them. Every byte of text is escaped;
 * http, https and mailto addresses become links, whose href is the same
 * escaped text. A fragment marker (COMPOSE_HTML_MARK, a digit,
 * COMPOSE_HTML_MARK) is replaced by the caller's fragment, already safe
 * HTML: alone on its line, as a block of its own. Nothing else in the
 * output comes from the text, so nothing the text holds can make an
 * element or an attribute.
 */
#include "notify/compose.h"

#include <string.h>

#include "common/util.h"

#define MAX_QUOTE 8

struct hctx {
	struct buf *out;
	const char *const *frags;
	size_t nfrags;
	int rc;
};

static void
put(struct hctx *h, const char *s, size_t n)
{
	if (h->rc == 0 && n > 0)
		h->rc = buf_add(h->out, s, n);
}

static void
puts_(struct hctx *h, const char *s)
{
	put(h, s, strlen(s));
}

/* The fragment a marker at s names, its length in *n; NULL if none. */
static const char *
marker(const struct hctx *h, const char *s, size_t len, size_t *n)
{
	if (len >= 3 && s[0] == COMPOSE_HTML_MARK && s[2] == COMPOSE_HTML_MARK &&
	    s[1] >= '0' && s[1] <= '9' && (size_t)(s[1] - '0') < h->nfrags) {
		*n = 3;
		return h->frags[s[1] - '0'] ? h->frags[s[1] - '0'] : "";
	}
	return NULL;
}

/* What escape() writes for a byte: NULL when it goes as it is, "" when
 * it is dropped (controls other than TAB never reach the reader), an
 * entity for the five specials. */
static const char *const html_out[256] = {
	[0x00] = "", [0x01] = "", [0x02] = "", [0x03] = "", [0x04] = "",
	[0x05] = "", [0x06] = "", [0x07] = "", [0x08] = "",
	[0x0a] = "", [0x0b] = "", [0x0c] = "", [0x0d] = "", [0x0e] = "",
	[0x0f] = "", [0x10] = "", [0x11] = "", [0x12] = "", [0x13] = "",
	[0x14] = "", [0x15] = "", [0x16] = "", [0x17] = "", [0x18] = "",
	[0x19] = "", [0x1a] = "", [0x1b] = "", [0x1c] = "", [0x1d] = "",
	[0x1e] = "", [0x1f] = "",
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\''] = "&#39;",
};

static void
escape(struct hctx *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;

	while (i < n) {
		/* a run of plain characters in one copy */
		for (run = i; run < n && html_out[p[run]] == NULL; run++)
			;
		if (run > i)
			put(h, s + i, run - i);
		if (run < n && html_out[p[run]][0] != '\0')
			puts_(h, html_out[p[run]]);
		i = run + 1;
	}
}

static size_t
link_len(const char *s, size_t n)
{
	static const char *const schemes[] = { "https://", "http://",
		"mailto:", NULL };
	size_t k = 0, end;

	for (int i = 0; schemes[i]; i++) {
		size_t l = strlen(schemes[i]);

		if (n > l && str_ncasecmp(s, schemes[i], l) == 0) {
			k = l;
			break;
		}
	}
	if (k == 0)
		return 0;
	for (end = k; end < n; end++) {
		unsigned char c = (unsigned char)s[end];

		if (c <= 0x20 || c == '<' || c == '>' || c == '"' ||
		    c == '\'' || c == COMPOSE_HTML_MARK)
			break;
	}
	while (end > k && strchr(".,;:!?)]", s[end - 1]))
		end--;
	return end > k ? end : 0;
}

/* The bytes that may start a marker or a link (see link_len()). */
static const bool may_start[256] = {
	[(unsigned char)COMPOSE_HTML_MARK] = true,
	['h'] = true, ['H'] = true, ['m'] = true, ['M'] = true,
};

/* One line of text: escaped, links made, markers replaced. */
static void
inline_text(struct hctx *h, const char *s, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		size_t l = 0;
		const char *frag;

		/* only a marker or a link's scheme starts something */
		while (i < n && !may_start[(unsigned char)s[i]])
			i++;
		if (i == n)
			break;
		if ((frag = marker(h, s + i, n - i, &l)) != NULL) {
			escape(h, s + run, i - run);
			puts_(h, frag);
		} else if (/* every scheme of link_len() starts so */
		    (s[i] == 'h' || s[i] == 'H' || s[i] == 'm' ||
		    s[i] == 'M') && (i == 0 || !((s[i - 1] >= 'a' &&
		    s[i - 1] <= 'z') || (s[i - 1] >= 'A' &&
		    s[i - 1] <= 'Z'))) && (l = link_len(s + i, n - i)) > 0) {
			escape(h, s + run, i - run);
			puts_(h, "<a href=\"");
			escape(h, s + i, l);
			puts_(h, "\">");
			escape(h, s + i, l);
			puts_(h, "</a>");
		} else {
			i++;
			continue;
		}
		i += l;
		run = i;
	}
	escape(h, s + run, n - run);
}

static bool
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static size_t
item_prefix(const char *s, size_t n)
{
	if (n >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ')
		return 2;
	if (n >= 4 && memcmp(s, "\xe2\x80\xa2 ", 4) == 0)
		return 4;
	return 0;
}

static size_t
line_end(const char *s, size_t n, size_t i)
{
	const char *nl = memchr(s + i, '\n', n - i);

	return nl ? (size_t)(nl - s) : n;
}

static void blocks(struct hctx *h, const char *s, size_t n, int depth);

/* Lines starting ">" from i: one level stripped, converted again. */
static size_t
quote_block(struct hctx *h, const char *s, size_t n, size_t i, int depth)
{
	struct buf inner = BUF_INIT(n + 1);

	while (i < n && s[i] == '>') {
		size_t e = line_end(s, n, i), b = i + 1;

		if (b < e && s[b] == ' ')
			b++;
		if (buf_add(&inner, s + b, e - b) != 0 ||
		    buf_addc(&inner, '\n') != 0)
			h->rc = GC_ELIMIT;
		i = e < n ? e + 1 : n;
	}
	puts_(h, "<blockquote style=\"margin:0 0 0 .8ex;border-left:2px "
	    "solid #ccc;padding-left:1ex\">\n");
	if (depth < MAX_QUOTE)
		blocks(h, inner.data ? inner.data : "", inner.len, depth + 1);
	else {
		puts_(h, "<p>");
		inline_text(h, buf_str(&inner), inner.len);
		puts_(h, "</p>\n");
	}
	puts_(h, "</blockquote>\n");
	buf_free(&inner);
	return i;
}

static void
blocks(struct hctx *h, const char *s, size_t n, int depth)
{
	size_t i = 0;

	while (i < n && h->rc == 0) {
		size_t e = line_end(s, n, i), l, fl = 0;
		const char *frag;

		if (blank_line(s + i, e - i)) {
			i = e < n ? e + 1 : n;
		} else if (s[i] == '>') {
			i = quote_block(h, s, n, i, depth);
		} else if ((l = item_prefix(s + i, e - i)) > 0) {
			puts_(h, "<ul>\n");
			while (i < n && (l = item_prefix(s + i,
			    (e = line_end(s, n, i)) - i)) > 0) {
				puts_(h, "<li>");
				inline_text(h, s + i + l, e - i - l);
				i = e < n ? e + 1 : n;
				/* an indented line continues the item */
				while (i < n && (s[i] == ' ' || s[i] == '\t') &&
				    !blank_line(s + i, (e = line_end(s, n, i)) -
				    i)) {
					puts_(h, "\n");
					inline_text(h, s + i, e - i);
					i = e < n ? e + 1 : n;
				}
				puts_(h, "</li>\n");
			}
			puts_(h, "</ul>\n");
		} else if ((frag = marker(h, s + i, e - i, &fl)) != NULL &&
		    blank_line(s + i + fl, e - i - fl)) {
			puts_(h, "<div>");
			puts_(h, frag);
			puts_(h, "</div>\n");
			i = e < n ? e + 1 : n;
		} else {
			/* a paragraph: up to a blank line or another block */
			bool first = true;

			puts_(h, "<p>");
			while (i < n) {
				e = line_end(s, n, i);
				if (blank_line(s + i, e - i) || s[i] == '>' ||
				    item_prefix(s + i, e - i) > 0 ||
				    ((frag = marker(h, s + i, e - i, &fl)) &&
				    blank_line(s + i + fl, e - i - fl)))
					break;
				if (!first)
					puts_(h, "<br>\n");
				first = false;
				inline_text(h, s + i, e - i);
				i = e < n ? e + 1 : n;
			}
			puts_(h, "</p>\n");
		}
	}
}

int
compose_html_escape(struct buf *out, const char *s, size_t n)
{
	struct hctx h = { out, NULL, 0, 0 };

	escape(&h, s, n);
	return h.rc;
}

int
compose_text_html(struct buf *out, const char *text, const char *title,
    const char *const *frags, size_t nfrags)
{
	struct hctx h = { out, frags, nfrags, 0 };
	const char *t = text ? text : "";

	puts_(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	escape(&h, title ? title : "", title ? strlen(title) : 0);
	puts_(&h, "</title></head>\n<body style=\"font-family:sans-serif;"
	    "font-size:14px;line-height:1.4\">\n");
	blocks(&h, t, strlen(t), 0);
	puts_(&h, "</body></html>\n");
	return h.rc;
}
