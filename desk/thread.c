/*
 * thread.c - which ticket a mail belongs to (see thread.h)
 */
#include "desk/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "desk/tracking.h"
#include "parsers/history.h"
#include "parsers/mime.h"
#include "sql/import_db.h"
#include "sql/store_message.h"
#include "sql/store_ticket.h"

struct tag_lookup {
	struct desk *in;
	struct desk_tagged *tagged;
	struct store_ticket *t;
	int rc;
	bool found;
	char token[64];
	struct gc_err *err;
};

static int
first_tag(const char *token, void *arg)
{
	struct desk_tagged *d = arg;

	snprintf(d->token, sizeof(d->token), "%s", token);
	return 1;
}

void
thread_first_tag(const char *subject, char *token, size_t len)
{
	struct desk_tagged d = { "", false, NULL };

	if (subject != NULL)
		tracking_find_tags(subject, first_tag, &d);
	snprintf(token, len, "%s", d.token);
}

/* The ticket numbered token: the one read with the claim when it is that
 * tag's (taken once), else asked. */
static int
ticket_by_tag(struct tag_lookup *l, const char *token)
{
	struct desk_tagged *d = l->tagged;

	if (d == NULL || d->token[0] == '\0' || strcmp(d->token, token) != 0)
		return store_ticket_by_number(l->in->db, token, l->t, l->err);
	d->token[0] = '\0';
	if (!d->found)
		return gc_err_set(l->err, GC_ENOTFOUND, "no such ticket");
	d->found = false;
	*l->t = *d->t;
	memset(d->t, 0, sizeof(*d->t));
	return 0;
}

static int
try_tag(const char *token, void *arg)
{
	struct tag_lookup *l = arg;
	int rc = ticket_by_tag(l, token);

	if (rc == 0) {
		l->found = true;
		snprintf(l->token, sizeof(l->token), "%s", token);
		return 1;
	}
	if (rc != GC_ENOTFOUND) {
		l->rc = rc;
		return 1;
	}
	gc_err_clear(l->err);
	return 0;
}

/* An old number of a ticket imported from another help desk, as that
 * tool tagged its subjects: "[Ticket#N]" Zammad, "[#N]" osTicket, any
 * other "[NAME #N]" Request Tracker; the generic import's numbers in
 * any of them. */
static int
try_old_ref(const char *prefix, const char *ref, void *arg)
{
	struct tag_lookup *l = arg;
	const char *sources = str_casecmp(prefix, "Ticket") == 0 ?
	    "{zammad,generic}" : prefix[0] == '\0' ? "{osticket,generic}" :
	    "{rt,generic}";
	char number[64];
	int rc = import_ref_lookup(l->in->db, ref, sources, number,
	    sizeof(number), l->err);

	if (rc == GC_ENOTFOUND) {
		gc_err_clear(l->err);
		return 0;
	}
	if (rc != 0) {
		l->rc = rc;
		return 1;
	}
	return try_tag(number, arg);
}

/* By a known tag in the subject (wherever it is, after any prefixes),
 * else by In-Reply-To/References naming any mail of a ticket, ours or
 * the customer's. A merged ticket leads to the one it was merged into. */
int
thread_find(struct desk *in, const struct mail *m, struct desk_tagged *tagged,
    struct store_ticket *t, bool *found_r, char *tag_r, size_t taglen,
    struct gc_err *err)
{
	struct tag_lookup l = { in, tagged, t, 0, false, "", err };
	const char **ids;
	size_t n = 0;
	int64_t id;
	int rc;

	*found_r = false;
	tag_r[0] = '\0';
	tracking_find_tags(m->subject, try_tag, &l);
	if (l.rc != 0)
		return l.rc;
	if (l.found) {
		snprintf(tag_r, taglen, "%s", l.token);
	} else if (history_subject_refs(m->subject, try_old_ref, &l) > 0 &&
	    (l.rc != 0 || l.found)) {
		if (l.rc != 0)
			return l.rc;
	} else {
		ids = xcalloc(m->nreferences + 1, sizeof(*ids));
		if (m->in_reply_to != NULL)
			ids[n++] = m->in_reply_to;
		for (size_t i = 0; i < m->nreferences; i++)
			ids[n++] = m->references[i];
		rc = n ? store_ticket_by_message_ids(in->db, ids, n, &id,
		    err) : GC_ENOTFOUND;
		free(ids);
		if (rc == GC_ENOTFOUND) {
			gc_err_clear(err);
			return 0;
		}
		if (rc != 0 || (rc = store_ticket_by_id(in->db, id, t,
		    err)) != 0)
			return rc;
	}
	if ((rc = thread_follow_merges(in, t, err)) != 0)
		return rc;
	*found_r = true;
	return 0;
}

int
thread_follow_merges(struct desk *in, struct store_ticket *t,
    struct gc_err *err)
{
	int hops = 0;
	int rc;

	while (t->merged_into != 0 && hops++ < 16) {
		int64_t id = t->merged_into;

		store_ticket_clear(t);
		if ((rc = store_ticket_by_id(in->db, id, t, err)) != 0)
			return rc;
	}
	return 0;
}
