/*
 * html.c - libxml2's tree of an HTML document and a walk of it without
 * recursion (html_int.h), for html_safe.c; and the sniffing of a <meta>
 * charset (html.h). The text of HTML is read by html_text.c.
 */
#include "parsers/html.h"

#include <limits.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/html_int.h"
#include "parsers/utf8.h"

#define SNIFF_BYTES 4096

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
