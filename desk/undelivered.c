/*
 * undelivered.c - an answer of ours that did not reach the customer: the
 * ticket open again, its agents told (see undelivered.h)
 */
#include "desk/undelivered.h"

#include <stdio.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/util.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/timers.h"
#include "sql/store_event.h"
#include "sql/store_ticket.h"

bool
undelivered_is_answer(const char *purpose)
{
	return purpose != NULL && (strcmp(purpose, "update") == 0 ||
	    strcmp(purpose, "resolution") == 0 ||
	    strcmp(purpose, "rca") == 0 ||
	    strcmp(purpose, "canned_reply") == 0);
}

int
undelivered_answer(struct desk *in, int64_t ticket_id, const char *purpose,
    const char *message_id, const char *recipient, const char *error,
    struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	const char *who;
	bool seen;
	int rc;

	if (!undelivered_is_answer(purpose) || ticket_id <= 0 ||
	    message_id == NULL)
		return 0;
	if ((rc = store_ticket_by_id(in->db, ticket_id, &t, err)) != 0)
		return rc == GC_ENOTFOUND ? (gc_err_clear(err), 0) : rc;
	who = recipient != NULL ? recipient : t.requester;
	if (t.requester == NULL || who == NULL ||
	    str_casecmp(who, t.requester) != 0 ||
	    strcmp(t.status, "closed") == 0) {
		store_ticket_clear(&t);
		return 0;
	}
	/* once per mail of ours, however many reports come back */
	if ((rc = store_event_seen(in->db, t.id, "answer_undelivered",
	    message_id, &seen, err)) != 0 || seen ||
	    (rc = record_event(in, t.id, "answer_undelivered", NULL, ev_json(
	    "message_id", message_id, "purpose", purpose, "recipient", who,
	    "error", error, NULL), err)) != 0) {
		store_ticket_clear(&t);
		return rc;
	}
	if (strcmp(t.status, "pending") == 0 ||
	    strcmp(t.status, "resolved") == 0) {
		if ((rc = store_ticket_set_status(in->db, t.id, "open",
		    in->now, err)) == 0)
			rc = record_event(in, t.id, "status_changed", NULL,
			    ev_json("from", t.status, "to", "open", "reason",
			    "undelivered", NULL), err);
		if (rc == 0)
			rc = timers_refresh(in, t.id, err);
		if (rc != 0) {
			store_ticket_clear(&t);
			return rc;
		}
		snprintf(t.status, sizeof(t.status), "open");
	}
	log_warn("ticket %s: our %s to %s was not delivered (%s): the "
	    "ticket is open, its agents are told", t.number, purpose, who,
	    error != NULL ? error : "no reason given");
	mb = reply_mailbox(in->conf, &t, NULL);
	rc = mb == NULL ? 0 : reply_agents_undelivered(in, &t, mb, who,
	    purpose, error != NULL ? error : "", err);
	store_ticket_clear(&t);
	return rc;
}
