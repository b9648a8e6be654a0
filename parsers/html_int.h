/*
 * html_int.h - what the two readers of HTML share (not for users: they
 * read parsers/html.h and parsers/html_safe.h)
 *
 *   html.c          the tree: html_read(), html_walk()
 *   html_safe.c     HTML to sanitised HTML, on that tree and walk
 *   html_text.c     HTML to text, in one pass without a tree
 *   html_entities.c the character references of HTML 4.01
 */
#ifndef GC_PARSERS_HTML_INT_H
#define GC_PARSERS_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>

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

/* The code point of the character entity reference name (without '&'
 * and ';', case matters), 0 when HTML 4.01 has none of that name. */
unsigned html_entity(const char *name);

#endif
