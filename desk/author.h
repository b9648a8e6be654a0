/*
 * author.h - who is writing: a proven agent, a participant of the
 * ticket, or a stranger
 *
 * A From: header proves nothing: an agent's mail is the agent's only when
 * it answers one of our notifications to that agent about this ticket
 * (its HMAC token in In-Reply-To/References), or when our MTA vouches for
 * the agent's domain in Authentication-Results ([general]
 * trusted_authserv_id).
 */
#ifndef GC_DESK_AUTHOR_H
#define GC_DESK_AUTHOR_H

#include <stdbool.h>
#include <stdint.h>

#include "desk/desk.h"

struct agentauth_key;
struct store_ticket;

/* true when the mail is proven the agent's; *how_r says by what
 * ("token" or "authentication-results"). */
bool author_agent_proved(struct desk *in, const struct mail *m,
    const struct conf_agent *a, int64_t ticket_id,
    const struct agentauth_key *key, const char **how_r);

/* Whether addr is the ticket's requester or one of its participants, in
 * any writing of the same mailbox (parsers/address.h: case, A-labels). */
int author_is_participant(struct desk *in, const struct store_ticket *t,
    const char *addr, bool *yes_r, struct gc_err *err);

#endif
