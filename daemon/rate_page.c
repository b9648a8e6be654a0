/*
 * rate_page.c - GET and POST /rate/TOKEN (see rate_page.h)
 *
 * One mutex around the handler: ratings are rare, and the connection and
 * the key it loads once are shared by the listener's connections.
 */
#include "daemon/rate_page.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "daemon/page_conn.h"
#include "desk/agentauth.h"
#include "desk/rating.h"
#include "sql/db.h"
#include "sql/store_ticket.h"

struct rate_page {
	pthread_mutex_t mu;
	struct page_conn pc;
	time_t (*now)(void *);
	void *now_arg;
};

void
rate_page_new(struct rate_page **out, const struct conf *c,
    time_t (*now)(void *), void *now_arg)
{
	struct rate_page *rp = xcalloc(1, sizeof(*rp));

	pthread_mutex_init(&rp->mu, NULL);
	page_conn_init(&rp->pc, c);
	rp->now = now;
	rp->now_arg = now_arg;
	*out = rp;
}

void
rate_page_free(struct rate_page **rpp)
{
	struct rate_page *rp = *rpp;

	if (rp == NULL)
		return;
	pthread_mutex_destroy(&rp->mu);
	page_conn_clear(&rp->pc);
	free(rp);
	*rpp = NULL;
}

static char *
page(const char *title, const char *text, const char *form_label)
{
	return xasprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>%s</title>"
	    "</head>\n<body><h1>%s</h1>\n<p>%s</p>\n%s%s%s</body></html>\n",
	    title, title, text, form_label ? "<form method=\"post\">"
	    "<button type=\"submit\">" : "", form_label ? form_label : "",
	    form_label ? "</button></form>\n" : "");
}

static unsigned
answer(struct rate_page *rp, const char *token, bool post, char **page_r)
{
	static const char *const words[] = { "", "1 (poor)", "2 (fair)",
		"3 (good)", "4 (very good)", "5 (excellent)" };
	struct store_ticket t = { 0 };
	struct gc_err err = { 0 };
	time_t now = rp->now(rp->now_arg);
	struct desk in = { 0 };
	int64_t id;
	int score, rc;
	char text[256];

	if ((rc = page_conn_ready(&rp->pc, &err)) != 0)
		goto unavailable;
	if (!rating_token_check(&rp->pc.key, token, now, &id, &score)) {
		*page_r = page("Link not valid", "This rating link is not "
		    "valid, or too old. You can still rate by replying to our "
		    "mail with a digit from 1 to 5.", NULL);
		return 404;
	}
	if (post && (rc = db_begin(rp->pc.db, &err)) != 0)
		goto unavailable;
	rc = store_ticket_by_id(rp->pc.db, id, &t, &err);
	if (rc == 0 && strcmp(t.status, "resolved") != 0 &&
	    strcmp(t.status, "closed") != 0) {
		if (post)
			db_rollback(rp->pc.db);
		snprintf(text, sizeof(text), "Ticket %s is not resolved: it "
		    "can be rated once it is.", t.number);
		*page_r = page("Not resolved", text, NULL);
		store_ticket_clear(&t);
		return 409;
	}
	if (rc == GC_ENOTFOUND) {
		if (post)
			db_rollback(rp->pc.db);
		*page_r = page("Link not valid", "This ticket does not exist.",
		    NULL);
		return 404;
	}
	if (rc != 0)
		goto failed;
	if (!post) {
		snprintf(text, sizeof(text), "Your rating of ticket %s: %s.",
		    t.number, words[score]);
		*page_r = page("Your rating", text, "Confirm");
		store_ticket_clear(&t);
		return 200;
	}
	in.db = rp->pc.db;
	in.now = now;
	if ((rc = rating_record(&in, &t, score, NULL, "link", t.requester,
	    &err)) != 0 || (rc = db_commit(rp->pc.db, &err)) != 0)
		goto failed;
	snprintf(text, sizeof(text), "Your rating of ticket %s, %s, is "
	    "recorded. Thank you!", t.number, words[score]);
	*page_r = page("Thank you", text, NULL);
	store_ticket_clear(&t);
	return 200;
failed:
	if (post)
		db_rollback(rp->pc.db);
	store_ticket_clear(&t);
unavailable:
	log_error("http: rating: %s", err.msg);
	*page_r = page("Try again later", "The rating cannot be recorded "
	    "now; the link still works later.", NULL);
	return 503;
}

unsigned
rate_page_answer(struct rate_page *rp, const char *token, bool post,
    char **page_r)
{
	unsigned code;

	pthread_mutex_lock(&rp->mu);
	code = answer(rp, token, post, page_r);
	pthread_mutex_unlock(&rp->mu);
	return code;
}
