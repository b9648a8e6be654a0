/*
 * rating.h - customers' satisfaction ratings of resolved tickets
 *
 * The resolution mail asks for a rating from 1 (poor) to 5 (excellent).
 * The customer gives it
 *  - by a reply whose first line is the digit (parsers/rating.h says
 *    exactly what counts), the rest being a comment: the ticket is not
 *    reopened by it (it is closed if the reply also confirms), and
 *  - when [http] public_url is set, by one of five links of the mail,
 *    <public_url>/rate/TOKEN: GET shows a page with a comment box and a
 *    button, and only the POST of that button stores the rating (and
 *    the comment), so that the mail scanners that follow every link
 *    never vote; its agents are told at the next scheduler pass when it
 *    says something (rating_tell.h).
 * A token is "<ticket id>-<score>-<day>-<HMAC>": the HMAC of the agents'
 * key (agentauth.h) binds the ticket, the score and the day it was
 * issued; it is good for RATING_TOKEN_DAYS days after that day. A token
 * altered in any part, or too old, stores nothing.
 *
 * A ticket is rated only while resolved or closed. One rating per
 * ticket: a later answer replaces it, and the change is an event
 * ("rating_changed"), the first one a "rated" event; a robot's
 * auto-reply is never a rating (conversation.c never asks).
 */
#ifndef GC_DESK_RATING_H
#define GC_DESK_RATING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "desk/desk.h"

#define RATING_TOKEN_DAYS 180
#define RATING_TOKEN_MAX 96
#define RATING_COMMENT_MAX 4000   /* bytes of a comment kept */
#define RATING_TELL_BELOW 2       /* a score told to the agents without a
                                     comment (rating_tell.h) */

struct agentauth_key;
struct store_ticket;

void rating_token(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, int score, time_t now);
/* Whether token is one of ours, not altered and not too old at now;
 * then *ticket_r and *score_r. */
bool rating_token_check(const struct agentauth_key *k, const char *token,
    time_t now, int64_t *ticket_r, int *score_r);

/* The text of the rating links of a resolution mail, in lang; "" when
 * [http] public_url is not set. malloc'd. */
char *rating_links(struct desk *in, const struct store_ticket *t,
    const char *lang);

/* Store a rating (via "mail" or "link", actor who gave it) with its
 * event. GC_EINVAL when the ticket is neither resolved nor closed. */
int rating_record(struct desk *in, const struct store_ticket *t, int score,
    const char *comment, const char *via, const char *actor,
    struct gc_err *err);

/* A customer's reply to a resolved or closed ticket: *rated_r when its
 * text starts with a rating, then stored. */
int rating_mail(struct desk *in, const struct store_ticket *t,
    const char *text, const char *from, bool *rated_r, struct gc_err *err);

#endif
