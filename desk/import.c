/*
 * import.c - another help desk's tickets into ours (see import.h)
 */
#include "desk/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "desk/record.h"
#include "desk/timers.h"
#include "desk/tracking.h"
#include "parsers/langguess.h"
#include "sla/org.h"
#include "sla/policy.h"
#include "sql/import_db.h"
#include "sql/store_ticket.h"

static bool
is_open(const char *status)
{
	return strcmp(status, "resolved") != 0 &&
	    strcmp(status, "closed") != 0;
}

static int
add_messages(struct desk *in, const char *source,
    const struct history_ticket *ht, int64_t id, const char *mailbox,
    struct import_stats *st, struct gc_err *err)
{
	for (size_t i = 0; i < ht->nmessages; i++) {
		const struct history_message *hm = &ht->messages[i];
		struct import_message m = { .ticket_id = id, .source = source,
			.ref = ht->ref, .id = hm->id, .author = hm->author,
			.internal = hm->internal, .mailbox = mailbox,
			.from = hm->from, .from_name = hm->from_name,
			.subject = ht->subject, .date = hm->date,
			.text = hm->text };
		bool added;
		int rc;

		if ((rc = import_message_add(in->db, &m, &added, err)) != 0)
			return gc_err_prefix(err, "ticket %s (line %zu)",
			    ht->ref, hm->line), rc;
		if (added)
			st->messages_new++;
		else
			st->messages_known++;
	}
	return 0;
}

/* The last instant of a ticket's history: its last message, or its
 * closing, or its creation. */
static time_t
last_change(const struct history_ticket *ht)
{
	time_t t = ht->closed > ht->created ? ht->closed : ht->created;

	for (size_t i = 0; i < ht->nmessages; i++)
		if (ht->messages[i].date > t)
			t = ht->messages[i].date;
	return t;
}

/* The first and last answers an agent gave the customer in a ticket's
 * history (notes among agents aside); 0 when none. */
static void
answers(const struct history_ticket *ht, time_t *first, time_t *last)
{
	*first = *last = 0;
	for (size_t i = 0; i < ht->nmessages; i++) {
		const struct history_message *hm = &ht->messages[i];

		if (hm->internal || hm->author == NULL ||
		    strcmp(hm->author, "agent") != 0)
			continue;
		if (*first == 0 || hm->date < *first)
			*first = hm->date;
		if (hm->date > *last)
			*last = hm->date;
	}
}

/* The language the ticket's first customer message (and its subject) is
 * written in, as a new mail's is guessed (parsers/langguess.h); dflt
 * when it does not say. */
static const char *
imported_language(const struct history_ticket *ht, const char *dflt)
{
	const char *text = NULL, *lang;

	for (size_t i = 0; i < ht->nmessages && text == NULL; i++)
		if (strcmp(ht->messages[i].author, "customer") == 0)
			text = ht->messages[i].text;
	lang = lang_guess(ht->subject, text, NULL);
	return lang != NULL ? lang : dflt;
}

static int
new_ticket(struct desk *in, const struct conf_mailbox *mb,
    const char *source, const struct history_ticket *ht, int64_t *id_r,
    struct gc_err *err)
{
	struct store_ticket_new tn = { 0 };
	char prefix[64], suffix[64], number[64], *created, *qualified;
	const char *org = NULL, *plan, *priority, *lang = mb->language;
	const struct org *o;
	time_t first, last;
	int rc;

	/* plan and language of the requester's organisation in the config */
	plan = sla_policy_plan_for(in->policy, ht->requester, &org);
	o = org ? org_table_find(sla_policy_orgs(in->policy), org) : NULL;
	if (o != NULL && o->language != NULL)
		lang = o->language;
	else if (in->conf->general.detect_language)
		lang = imported_language(ht, lang);
	priority = sla_policy_priority_name(in->policy, ht->priority);
	if (priority == NULL)
		return gc_err_set(err, GC_ECONFIG, "ticket %s: the policy has "
		    "no priority %s", ht->ref, ht->priority);
	if (tracking_split(prefix, sizeof(prefix), suffix, sizeof(suffix),
	    &tn.number_width, &tn.number_zero,
	    in->conf->general.tracking_format, in->now) != 0)
		return gc_err_set(err, GC_ECONFIG, "tracking_format \"%s\" "
		    "cannot be used", in->conf->general.tracking_format);
	tn.number_prefix = prefix;
	tn.number_suffix = suffix;
	tn.status = "new";
	tn.priority = priority;
	tn.plan = plan;
	tn.queue = mb->queue;
	tn.mailbox = mb->name;
	tn.requester = ht->requester;
	tn.requester_name = ht->requester_name;
	tn.subject = ht->subject;
	tn.language = ht->language ? ht->language : lang;
	tn.organisation = org;
	tn.now = in->now;
	tn.created_json = created = ev_json("imported_from", source,
	    "ref", ht->ref, "from", ht->requester, "subject", ht->subject,
	    NULL);
	tn.qualified_json = qualified = ev_json("priority", priority,
	    "plan", plan, "queue", mb->queue, "organisation", org, NULL);
	rc = store_ticket_insert(in->db, &tn, id_r, number, sizeof(number),
	    err);
	free(created);
	free(qualified);
	answers(ht, &first, &last);
	if (rc == 0)
		rc = import_ticket_dates(in->db, *id_r, ht->status,
		    ht->created, last_change(ht), ht->closed, first, last,
		    err);
	if (rc == 0)
		rc = import_ref_add(in->db, source, ht->ref, *id_r, in->now,
		    err);
	if (rc == 0)
		rc = record_event(in, *id_r, "imported", NULL, ev_json(
		    "source", source, "ref", ht->ref, "status", ht->status,
		    NULL), err);
	/* the past is not escalated: the SLA clock of an open ticket starts
	 * now (sla_start_at), and a pending one's waits with its pause */
	if (rc == 0 && is_open(ht->status))
		rc = timers_refresh(in, *id_r, err);
	return rc;
}

int
import_history(struct desk *in, const struct conf_mailbox *mb,
    enum history_format f, const struct history *h,
    struct import_stats *st, struct gc_err *err)
{
	const char *source = history_format_name(f);

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < h->ntickets; i++) {
		const struct history_ticket *ht = &h->tickets[i];
		int64_t id;
		int rc;

		if (ht->bad) {
			st->tickets_bad++;
			continue;
		}
		rc = import_ref_find(in->db, source, ht->ref, &id, err);
		if (rc == 0) {
			st->tickets_known++;
		} else if (rc == GC_ENOTFOUND) {
			gc_err_clear(err);
			if ((rc = new_ticket(in, mb, source, ht, &id, err)) != 0)
				return rc;
			st->tickets_new++;
		} else {
			return rc;
		}
		if ((rc = add_messages(in, source, ht, id, mb->name, st,
		    err)) != 0)
			return rc;
	}
	return 0;
}
