/*
 * enriched.h - text/enriched and text/richtext bodies as plain text
 *
 * Some mailers (NeXT Mail, old Eudora, Mutt users) send text/enriched
 * (RFC 1896) or its ancestor text/richtext (RFC 1341) as the only body.
 * enriched_to_text() keeps the words and the line breaks a reader would
 * see:
 * - formatting commands (<bold>, </italic>, <indent>, ...) are dropped,
 *   whatever their name; "<<" is a "<";
 * - text/enriched: a single line break is a space, n > 1 line breaks in
 *   a row are n - 1 line breaks; inside <nofill> every break is kept;
 *   the text of <param> ... </param> is dropped;
 * - text/richtext: line breaks are spaces, <nl> breaks a line, <np>
 *   starts a new page (a blank line), <lt> is a "<"; <comment> ...
 *   </comment> is dropped (these commands are also read in enriched
 *   text, where they mean nothing else);
 * - a "<" that does not open a command within ENRICHED_COMMAND_MAX bytes
 *   is kept as it is;
 * - blanks at the end of a line and blank lines at both ends go.
 * The input must be UTF-8 (convert it with charset.h first); only ASCII
 * is removed or added, so the output is UTF-8 too. CRLF and bare CR line
 * ends are read as LF; the output has LF line ends.
 *
 * Ownership: the result is allocated in the caller's arena. Pure code,
 * one pass, linear in the input.
 */
#ifndef GC_PARSERS_ENRICHED_H
#define GC_PARSERS_ENRICHED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"

#define ENRICHED_COMMAND_MAX 62     /* RFC 1896: names are <= 60 chars */

/* Convert len bytes of text/enriched (richtext false) or text/richtext
 * (richtext true). Returns 0, or GC_ELIMIT when the text would pass max
 * bytes (*out is then NULL). */
int enriched_to_text(char **out, struct arena *a, const char *s, size_t len,
    bool richtext, size_t max);

#endif
