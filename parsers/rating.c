/*
 * rating.c - a satisfaction rating at the top of a reply (see rating.h)
 */
#include "parsers/rating.h"

#include <string.h>

bool
rating_parse(const char *text, int *score_r, const char **comment_r)
{
	const char *p = text, *q;
	int score;

	if (p == NULL)
		return false;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p < '1' || *p > '5')
		return false;
	score = *p++ - '0';
	if (p[0] == '/' && p[1] == '5')
		p += 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '.' || *p == '!') {
		/* "5." or "5!" alone on its line */
		for (q = p + 1; *q == ' ' || *q == '\t' || *q == '\r'; q++)
			;
		if (*q != '\n' && *q != '\0')
			return false;
		p = q;
	} else if (*p != '\0' && *p != '\r' && *p != '\n' &&
	    strchr("-:,)", *p) == NULL) {
		return false;   /* "3 more users...": a sentence, not a score */
	}
	while (*p != '\0' && strchr(" \t\r\n.!-:,)", *p) != NULL)
		p++;
	*score_r = score;
	*comment_r = p;
	return true;
}
