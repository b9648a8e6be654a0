/*
 * follow.c - the customer's link to follow a ticket (see follow.h)
 */
#include "desk/follow.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "desk/agentauth.h"
#include "desk/mailout.h"
#include "sql/store_ticket.h"

static void
mac(char *out, const struct agentauth_key *k, int64_t ticket_id,
    const char *requester, int epoch)
{
	/* epoch 0: the form of the links sent before revocation existed */
	char *msg = epoch > 0 ? xasprintf("follow:%" PRId64 ":%s:%d",
	    ticket_id, requester ? requester : "", epoch) :
	    xasprintf("follow:%" PRId64 ":%s", ticket_id,
	    requester ? requester : "");

	/* the address as the ticket keeps it, case aside */
	for (char *p = msg; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	agentauth_mac(out, k, msg);
	free(msg);
}

void
follow_token(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, const char *requester, int epoch)
{
	char m[AGENTAUTH_MAC_LEN + 1];

	mac(m, k, ticket_id, requester, epoch);
	snprintf(out, len, "%" PRId64 "-%s", ticket_id, m);
}

bool
follow_token_id(const char *token, int64_t *ticket_r)
{
	long long id = 0;
	const char *p = token;
	int n = 0;

	if (token == NULL || strlen(token) >= FOLLOW_TOKEN_MAX)
		return false;
	while (*p >= '0' && *p <= '9' && n < 18) {
		id = id * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || *p != '-' || id <= 0 ||
	    strlen(p + 1) != AGENTAUTH_MAC_LEN)
		return false;
	*ticket_r = (int64_t)id;
	return true;
}

bool
follow_token_ok(const struct agentauth_key *k, const char *token,
    int64_t ticket_id, const char *requester, int epoch)
{
	char want[AGENTAUTH_MAC_LEN + 1];
	const char *m;
	int64_t id;

	if (!follow_token_id(token, &id) || id != ticket_id)
		return false;
	m = strchr(token, '-') + 1;
	mac(want, k, ticket_id, requester, epoch);
	return CRYPTO_memcmp(want, m, AGENTAUTH_MAC_LEN) == 0;
}

char *
follow_line(struct desk *in, const struct store_ticket *t, const char *lang)
{
	const char *url = in->conf->http.public_url;
	const struct agentauth_key *key;
	struct gc_err err = { 0 };
	char tok[FOLLOW_TOKEN_MAX];
	size_t n;

	if (url == NULL || url[0] == '\0' || in->conf->http.listen == NULL ||
	    t->requester == NULL)
		return xstrdup("");
	if (mailout_agent_key(in->out, in->db, &key, &err) != 0)
		return xstrdup("");   /* the mail goes without the link */
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	follow_token(tok, sizeof(tok), key, t->id, t->requester,
	    t->link_epoch);
	return xasprintf(strcmp(lang, "fr") == 0 ? "Suivre ce ticket : "
	    "%.*s/ticket/%s\n\n" : "Follow this ticket: %.*s/ticket/%s\n\n",
	    (int)n, url, tok);
}
