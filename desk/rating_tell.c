/*
 * rating_tell.c - a rating given on the rating page told to the
 * ticket's agents (see rating_tell.h)
 */
#include "desk/rating_tell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "desk/conversation.h"
#include "desk/reply.h"
#include "desk/step.h"
#include "desk/vault.h"
#include "sql/store_rating.h"
#include "sql/store_ticket.h"

/* The comment of r in clear into *out (NULL when none). */
static int
comment_of(struct desk *in, const struct store_rating *r, char **out,
    struct gc_err *err)
{
	unsigned char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (r->sealed_hex != NULL) {
		rc = vault_open_rating_comment(in->conf, r->ticket_id,
		    r->sealed_hex, &text, &len, err);
		*out = (char *)text;
		return rc;
	}
	if (r->comment != NULL)
		*out = xstrdup(r->comment);
	return 0;
}

static int
tell_one(struct desk *in, const struct store_rating *r, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	char *comment = NULL, *text = NULL;
	int rc;

	if ((rc = store_ticket_by_id(in->db, r->ticket_id, &t, err)) != 0 ||
	    (rc = comment_of(in, r, &comment, err)) != 0)
		goto out;
	mb = reply_mailbox(in->conf, &t, NULL);
	/* its words read as a reply's to the resolution (conversation.c):
	 * a rating reopens nothing unless it says so */
	if (comment != NULL && mb != NULL &&
	    strcmp(t.status, "resolved") == 0) {
		enum confirm_verdict v = conversation_verdict(in->conf,
		    comment);

		if (v == CONFIRM_YES)
			rc = conversation_validate(in, &t, mb, t.requester,
			    err);
		else if (v == CONFIRM_NO)
			rc = conversation_reopen(in, &t, mb, comment,
			    t.requester, err);
	}
	text = xasprintf("%d/5, given on the rating page%s%s\n", r->score,
	    comment != NULL ? ":\n\n" : ".", comment != NULL ? comment : "");
	if (rc == 0 && mb != NULL)
		rc = reply_agents(in, &t, mb, text, t.requester, NULL, NULL,
		    false, err);
	if (rc == 0)
		rc = store_rating_told(in->db, r->ticket_id, in->now, err);
out:
	free(text);
	free(comment);
	store_ticket_clear(&t);
	return rc;
}

static int
tell_step(struct desk *in, void *arg, struct gc_err *err)
{
	return tell_one(in, arg, err);
}

/* One under its savepoint (step.h): one that cannot be told waits for
 * the next pass, the others go on. */
static int
tell_careful(struct desk *in, const struct store_rating *r, int *told_r,
    struct gc_err *err)
{
	struct gc_err e;
	int rc;

	if ((rc = step_try(in, tell_step, (void *)r, &e, err)) != 0)
		return rc;
	if (e.code == 0)
		(*told_r)++;
	else
		log_warn("rating of ticket row %lld: its agents cannot be "
		    "told: %s (tried again at the next pass)",
		    (long long)r->ticket_id, e.msg);
	return 0;
}

int
rating_tell_tick(struct desk *in, int *told_r, struct gc_err *err)
{
	struct store_rating *r = NULL;
	size_t n = 0;
	int rc;

	*told_r = 0;
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	rc = store_rating_untold(in->db, RATING_TELL_BATCH, &r, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = tell_careful(in, &r[i], told_r, err);
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	store_ratings_free(&r, n);
	if (rc != 0)
		*told_r = 0;
	else if (*told_r > 0)
		log_info("scheduler: %d rating(s) from the rating page told to "
		    "their agents", *told_r);
	return rc;
}
