/*
 * rate_page.h - the pages of the rating links (GET and POST /rate/TOKEN)
 *
 * The links of a resolution mail (desk/rating.h) lead here, through the
 * [http] listener's thread: GET shows what the link would store and a
 * button; only the POST of that button stores the rating, so that the
 * mail scanners that fetch every link of a mail never vote. The handler
 * keeps its own database connection (struct db is not shared between
 * threads) and its own copies of what it needs of the config, so that a
 * reload of the config in the main thread changes nothing under it.
 *
 * The page speaks the ticket's language (French or English). GET offers
 * a comment beside the button; the POST stores it with the rating
 * (sealed at rest with [storage] key_file, as the customers' mails), one
 * line or several, without controls, cut at RATING_COMMENT_MAX bytes.
 *
 * Answers: 200 with a page; 404 for a token that is not one of ours
 * (altered, forged, too old); 409 when the ticket is not resolved or
 * closed; 413 for a form past RATE_BODY_MAX and 400 for a comment that
 * is not text (a bad %-escape, not UTF-8, a NUL), nothing stored; 503
 * when the database cannot be reached (the link works later).
 */
#ifndef GC_RATE_PAGE_H
#define GC_RATE_PAGE_H

#include <stdbool.h>
#include <time.h>

#include "conf/conf.h"

struct rate_page;

void rate_page_new(struct rate_page **out, const struct conf *c,
    time_t (*now)(void *), void *now_arg);
void rate_page_free(struct rate_page **rp);

/* A POST's form at most (a comment of RATING_COMMENT_MAX bytes, each
 * %-escaped, and room to spare); past it, 413. */
#define RATE_BODY_MAX (16 * 1024)

/* The answer to token (the URL after "/rate/"): the HTTP status, and a
 * malloc'd HTML page in *page_r. post: store the rating, with the
 * comment of form (its body, NUL-terminated; form_over: it was cut at
 * RATE_BODY_MAX). */
unsigned rate_page_answer(struct rate_page *rp, const char *token, bool post,
    const char *form, bool form_over, char **page_r);

#endif
