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
 * (agentauth.h) binds the ticket, its customer's address and the
 * ticket's link epoch (above 0 only once revoked: the links of tickets
 * never revoked keep the form they always had). A link dies:
 * - with that address: once the ticket is anonymised (GDPR retention or
 *   `gdpr forget`) or given to another customer;
 * - when ops revoke the ticket's links (`ticket revoke-links`, migration
 *   039): every link sent before, the next mails carrying new ones;
 * - [http] ticket_link_expiry (90 days) after the ticket was closed
 *   (the page says so: daemon/follow_page.c). While the ticket lives,
 *   its link works, as its tracking number does.
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
    int64_t ticket_id, const char *requester, int epoch);
/* The ticket a token names, when it has the form of one (its HMAC is
 * checked by follow_token_ok(), against the ticket's customer). */
bool follow_token_id(const char *token, int64_t *ticket_r);
bool follow_token_ok(const struct agentauth_key *k, const char *token,
    int64_t ticket_id, const char *requester, int epoch);

/* The paragraph with the link, in lang, ending in a blank line; "" when
 * [http] public_url is not set. malloc'd. */
char *follow_line(struct desk *in, const struct store_ticket *t,
    const char *lang);

#endif
