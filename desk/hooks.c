/*
 * hooks.c - ticket events to the [webhook] sections (see hooks.h)
 */
#include "desk/hooks.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "conf/hooks_conf.h"
#include "sql/hooks_db.h"
#include "sql/store_util.h"

/* The queues whose subjects stay out (conf_queue_redacted()), as an
 * array literal; malloc'd. */
static char *
redacted_queues(const struct conf *c)
{
	const char **v = xcalloc(c->nqueues + 1, sizeof(*v));
	size_t n = 0;
	char *lit;

	if (conf_queue_redacted(c, CONF_SECURITY_QUEUE))
		v[n++] = CONF_SECURITY_QUEUE;
	for (size_t i = 0; i < c->nqueues; i++)
		if (strcmp(c->queues[i].name, CONF_SECURITY_QUEUE) != 0 &&
		    conf_queue_redacted(c, c->queues[i].name))
			v[n++] = c->queues[i].name;
	lit = array_literal(v, n);
	free(v);
	return lit;
}

int
hooks_event(struct desk *in, int64_t ticket_id, const char *kind,
    const char *actor, const char *data_json, struct gc_err *err)
{
	const struct conf *c = in->conf;
	char *redacted = NULL;
	int bit, rc = 0;

	/* the customers' pages record events with no config in hand
	 * (daemon/rate_page.c): none of theirs is a webhook's */
	if (c == NULL || c->nwebhooks == 0 || ticket_id == 0 ||
	    (bit = conf_hook_bit(kind)) < 0)
		return 0;
	for (size_t i = 0; rc == 0 && i < c->nwebhooks; i++) {
		const struct conf_webhook *w = &c->webhooks[i];
		char *queues;

		/* the queue is the ticket's, read by the statement */
		if (!(w->mask & (1u << bit)))
			continue;
		if (redacted == NULL)
			redacted = redacted_queues(c);
		queues = w->queues.n > 0 ? array_literal((const char *const *)
		    w->queues.v, w->queues.n) : NULL;
		rc = hooks_db_queue(in->db, ticket_id, w->url, kind, actor,
		    data_json, queues, redacted, in->now, err);
		free(queues);
	}
	free(redacted);
	return rc;
}
