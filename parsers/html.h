/*
 * html.h - HTML mail bodies turned into readable text
 *
 * html_to_text() reads HTML in one pass, forgiving as a browser is
 * (html_text.c), and writes the text a reader would see:
 * - scripts, styles, the head and other invisible elements are dropped;
 * - block elements (p, div, li, tr, h1..h6, ...) start new lines, <br>
 *   breaks a line, list items get "- ", table cells are separated by a
 *   space; at most one blank line in a row;
 * - links keep their target: "text <url>" (http, https, mailto, ftp),
 *   unless the text already is the url;
 * - blockquotes are prefixed "> " per level, as plain-text mail quotes
 *   (so that quote stripping works the same on HTML-only mail);
 * - white space is collapsed outside <pre>, non-breaking spaces become
 *   spaces.
 * The input must be UTF-8 (convert it with charset.h first; meta charset
 * declarations inside are ignored). The output is valid UTF-8 without
 * NUL, with LF line ends and no trailing blanks.
 *
 * html_sniff_charset() finds a <meta> charset declaration near the start
 * of an HTML part that declares none in its MIME header.
 *
 * Ownership: results are allocated in the caller's arena. Pure code, no
 * global state.
 */
#ifndef GC_PARSERS_HTML_H
#define GC_PARSERS_HTML_H

#include <stddef.h>

#include "common/mem.h"

/* Convert len bytes of UTF-8 HTML (NUL bytes and invalid UTF-8 are
 * allowed; they do not reach the text). Returns 0, or GC_ELIMIT when
 * the text would pass max bytes (*out is then NULL). */
int html_to_text(char **out, struct arena *a, const char *html, size_t len,
    size_t max);

/* The charset named by a <meta charset=...> or <meta http-equiv=
 * "Content-Type" content="...; charset=..."> in the first 4 KB, copied
 * into the arena, lowercased; NULL if none. */
const char *html_sniff_charset(struct arena *a, const char *html,
    size_t len);

#endif
