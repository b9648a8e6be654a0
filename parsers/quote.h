/*
 * quote.h - the new part of a reply, without quoted history or signature
 *
 * quote_strip() reads a body text (UTF-8, LF line ends, as mail.text) and
 * returns what the writer added:
 * - the history below a reply header is cut: "On ... wrote:" and its
 *   translations ("Le ... a écrit :", "Am ... schrieb ...:", "El ...
 *   escribió:", ...), possibly wrapped over three lines; Outlook's
 *   "-----Original Message-----" and its translations; Outlook's header
 *   blocks "From: / Sent: / To: / Subject:" and "De : / Envoyé : / À : /
 *   Objet :" (with the "____" line above them); Yahoo's "--- On ...
 *   wrote:"; Gmail and Apple Mail forms are the "On ... wrote:" ones;
 * - when nothing but quotes comes before the reply header (a bottom-posted
 *   reply), the text after the quoted block is taken instead;
 * - quoted lines ("> ...") are removed (inline answers stay);
 * - the signature goes: from a "-- " line (or "--" with at most 15 lines
 *   after it), and a last "Sent from my iPhone"-style line;
 * - blank lines at both ends are trimmed.
 * A forwarded message ("---------- Forwarded message ---------", "Begin
 * forwarded message:") is new content for us and is kept.
 *
 * Ownership: the result is allocated in the caller's arena; it may be ""
 * (a mail that only quotes). Pure code.
 */
#ifndef GC_PARSERS_QUOTE_H
#define GC_PARSERS_QUOTE_H

#include "common/mem.h"

const char *quote_strip(struct arena *a, const char *text);

#endif
