/*
 * author.c - who is writing (see author.h)
 */
#include "desk/author.h"

#include <string.h>

#include "common/util.h"
#include "desk/agentauth.h"
#include "parsers/address.h"
#include "parsers/authres.h"
#include "parsers/mime.h"
#include "sql/store_participant.h"
#include "sql/store_ticket.h"

/* An agent's mail is the agent's when it answers one of our
 * notifications to that agent about this ticket (HMAC token), or when
 * our MTA vouches for the agent's domain. */
bool
author_agent_proved(struct desk *in, const struct mail *m,
    const struct conf_agent *a, int64_t ticket_id,
    const struct agentauth_key *key, const char **how_r)
{
	const char *id = in->conf->general.trusted_authserv_id;
	const char *at = strchr(a->address, '@');

	if (m->in_reply_to && agentauth_check_id(key, m->in_reply_to,
	    ticket_id, a->name)) {
		*how_r = "token";
		return true;
	}
	for (size_t i = 0; i < m->nreferences; i++)
		if (agentauth_check_id(key, m->references[i], ticket_id,
		    a->name)) {
			*how_r = "token";
			return true;
		}
	if (id != NULL && at != NULL) {
		for (size_t i = 0; i < m->nheaders; i++)
			if (str_casecmp(m->headers[i].name,
			    "Authentication-Results") == 0 &&
			    authres_pass_for_domain(m->headers[i].value, id,
			    at + 1)) {
				*how_r = "authentication-results";
				return true;
			}
	}
	return false;
}

int
author_is_participant(struct desk *in, const struct store_ticket *t,
    const char *addr, bool *yes_r, struct gc_err *err)
{
	struct store_participant *p;
	size_t n;
	int rc;

	/* the same mailbox in any writing: a client that writes the
	 * domain as an A-label is still the customer (address.h) */
	*yes_r = addr_same(addr, t->requester);
	if (*yes_r)
		return 0;
	if ((rc = store_participants(in->db, t->id, &p, &n, err)) != 0)
		return rc;
	for (size_t i = 0; i < n && !*yes_r; i++)
		*yes_r = addr_same(p[i].address, addr);
	store_participants_free(&p, n);
	return 0;
}
