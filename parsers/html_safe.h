/*
 * html_safe.h - the HTML of a mail cut down to what may reach a reader
 *
 * html_safe() parses HTML with libxml2's forgiving parser (no network)
 * and writes an HTML fragment rebuilt from the tree by an allow-list:
 * - elements kept, without any attribute: p, div, span, br, b, strong,
 *   i, em, u, s, ul, ol, li, blockquote, pre, code; a few layout
 *   elements become div (tables, rows, sections, headings) or a span
 *   (cells); any other element is dropped but its text kept;
 * - a keeps only href, and only an http:, https: or mailto: one (blanks
 *   and controls removed before the check, as browsers do); any other
 *   link loses its href and stays as text;
 * - dropped with everything inside: script, style, head, title, forms
 *   and their controls, iframes, frames, objects, embeds, SVG, MathML,
 *   templates, media, canvas, noscript, meta, link, base; comments,
 *   processing instructions and doctypes;
 * - images: no remote resource ever; an inline image (src="cid:ID")
 *   becomes the text "[image: NAME]" (the attachment's file name when
 *   html_safe_mail() knows it, else ID), any other image nothing;
 * - text escaped (& < > " '), controls other than LF and TAB removed,
 *   invalid UTF-8 replaced; nesting of kept elements is cut at
 *   HTML_SAFE_MAX_NEST (deeper ones give their text only).
 * The output is balanced by construction (tags are written from the
 * tree, never copied), in time linear in the input: the walk is
 * iterative and writes each node once.
 *
 * Flags, for an agent's reply relayed to a customer:
 * HTML_SAFE_NO_HISTORY drops the quoted history mail clients append
 * (blockquote type="cite", Gmail's and Thunderbird's quote blocks,
 * Outlook's reply header and everything after it); HTML_SAFE_NO_COMMANDS
 * drops the lines starting with '#' before the first other text (the
 * #commands block, commands.h), a line running across inline elements
 * up to a line feed, a <br> or the edge of a block.
 *
 * Ownership: results live in the caller's arena.
 */
#ifndef GC_PARSERS_HTML_SAFE_H
#define GC_PARSERS_HTML_SAFE_H

#include <stddef.h>

#include "common/mem.h"
#include "parsers/mime.h"

#define HTML_SAFE_MAX_NEST 64

#define HTML_SAFE_NO_HISTORY 0x1
#define HTML_SAFE_NO_COMMANDS 0x2

/* Sanitise len bytes of UTF-8 HTML. Returns 0, or GC_ELIMIT when the
 * output would pass max bytes (*out is then NULL). */
int html_safe(char **out, struct arena *a, const char *html, size_t len,
    size_t max, unsigned flags);

/* The same for the HTML body of m (its first text/html part that is
 * not an attachment, in the mail itself), converted from its charset,
 * cid: images named after m's attachments. *out is NULL when m has no
 * HTML body. */
int html_safe_mail(char **out, struct arena *a, const struct mail *m,
    size_t max, unsigned flags);

#endif
