/*
 * html_int.h - what the two readers of HTML share (not for users: they
 * read parsers/html.h and parsers/html_safe.h)
 *
 *   html.c          the tree: html_read(), html_walk()
 *   html_safe.c     HTML to sanitised HTML, on that tree and walk
 *   html_text.c     HTML to text, in one pass without a tree: the
 *                   tokenizer and its stack of open elements
 *   html_write.c    the text it writes: breaks, quotes, lists, links
 *   html_entities.c the character references of HTML 4.01
 */
#ifndef GC_PARSERS_HTML_INT_H
#define GC_PARSERS_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"
#include "parsers/xml_dyn.h"

/* len bytes of UTF-8 HTML parsed by libxml2's forgiving parser (no
 * network, no error output, meta charsets ignored); NULL for empty or
 * hopeless input. Free with xmlFreeDoc(). */
htmlDocPtr html_read(const char *html, size_t len);

/* Depth-first walk from root without recursion (HTML mail can nest
 * thousands of elements deep): enter(ctx, node) on the way down, which
 * says whether to walk the node's children, leave(ctx, node) on the way
 * up (for every node entered). */
void html_walk(xmlNode *root, bool (*enter)(void *, xmlNode *),
    void (*leave)(void *, xmlNode *), void *ctx);

/* What an element does to the text (html_text.c's kind_of()). */
enum html_kind {
	HTML_INLINE,            /* nothing, but <a> and <img> */
	HTML_SKIP,              /* its content is not text */
	HTML_BLOCK,             /* a line of its own (div, li, tr...) */
	HTML_PARA,              /* a paragraph: a blank line around */
	HTML_CELL,              /* a space before */
	HTML_BR,                /* a line break */
};

/* The text being written (html_write.c). Capped: past the cap, failed
 * is set and nothing more is written. */
struct html_out {
	struct buf b;
	struct buf atext;       /* text of the current link */
	int anchor;             /* stack depth of the <a> being written,
	                         * 0: none */
	char *href;             /* its target (heap) */
	int breaks;             /* line breaks wanted before more text */
	int break_quote;        /* quote depth when they were asked for */
	bool space;             /* a space wanted before more text */
	bool line_start;        /* nothing written on this line yet */
	bool bullet;            /* "- " wanted before more text */
	int quote;              /* blockquote depth */
	int pre;                /* <pre> depth */
	bool failed;            /* the cap was reached */
};

/* An empty text of at most max bytes. */
void html_out_init(struct html_out *o, size_t max);

/* n bytes of decoded text (NULs are dropped). */
void html_out_text(struct html_out *o, const char *s, size_t n);

/* An element opens (depth: its place on the stack, from 1; attr: the
 * href of <a>, the src of <img>, else NULL). */
void html_out_enter(struct html_out *o, const char *name,
    enum html_kind k, int depth, const char *attr);

/* An element closes (depth: where it was on the stack). */
void html_out_leave(struct html_out *o, const char *name,
    enum html_kind k, int depth);

/* A line break (<br>, and the newlines of <pre>). */
void html_out_break(struct html_out *o);

/* An image outside any element tracked (too deep). */
void html_out_image(struct html_out *o, const char *src);

/* The text, in the arena (*out), and o freed: 0, or GC_ELIMIT when it
 * grew past its cap (*out NULL). */
int html_out_finish(struct html_out *o, struct arena *a, char **out);

/* The code point of the character entity reference name (without '&'
 * and ';', case matters), 0 when HTML 4.01 has none of that name. */
unsigned html_entity(const char *name);

#endif
