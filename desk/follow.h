/*
 * follow.h - the customer's link to follow a ticket
 *
 * When [http] public_url is set, our mails to the customer side
 * (acknowledgement, answers, resolution, closing) end with a link,
 * <public_url>/ticket/TOKEN, to a page that says where the ticket
 * stands: its status, priority, deadlines and their times, the ETA an
 * agent gave, and the dates of what happened (daemon/follow_page.h).
 * The page quotes no message: what was written stays in the mails.
 *
 * A token is "<ticket id>-<HMAC>": the HMAC of the agents' key
 * (agentauth.h) binds the ticket and its customer's address. It does not
 * expire, as a tracking number does not, but it dies with that address:
 * once the ticket is anonymised (GDPR retention or `gdpr forget`) or
 * given to another customer, no link of before opens it.
 */
#ifndef GC_DESK_FOLLOW_H
#define GC_DESK_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desk/desk.h"

#define FOLLOW_TOKEN_MAX 64

struct agentauth_key;
struct store_ticket;

void follow_token(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, const char *requester);
/* The ticket a token names, when it has the form of one (its HMAC is
 * checked by follow_token_ok(), against the ticket's customer). */
bool follow_token_id(const char *token, int64_t *ticket_r);
bool follow_token_ok(const struct agentauth_key *k, const char *token,
    int64_t ticket_id, const char *requester);

/* The paragraph with the link, in lang, ending in a blank line; "" when
 * [http] public_url is not set. malloc'd. */
char *follow_line(struct desk *in, const struct store_ticket *t,
    const char *lang);

#endif
