/*
 * rating.h - a customer's satisfaction rating at the top of a reply
 *
 * The resolution mail asks for a digit from 1 (poor) to 5 (excellent)
 * on the first line of the reply. A rating is read only there: the first
 * line that is not blank must start with one digit 1-5 (or "N/5"),
 * alone on the line ("4", "4.", "5!") or followed by a separator and a
 * comment ("4 - quick", "4: quick", "4, quick", "4) quick"); the comment
 * is the rest of that line and the lines after. Anything else is no
 * rating: "10", "0", "6", "5;", "five", "3 more users have it", and a
 * digit further in the text ("I rate this 5 stars but 1 for speed" is a
 * plain reply, not a rating), so that no number written in passing is
 * taken for a score.
 *
 * Pure; the comment points into the caller's text.
 */
#ifndef GC_RATING_H
#define GC_RATING_H

#include <stdbool.h>

/* Whether text starts with a rating: then *score_r (1-5) and *comment_r
 * (the rest, leading blanks and separators skipped; may be ""). */
bool rating_parse(const char *text, int *score_r, const char **comment_r);

#endif
