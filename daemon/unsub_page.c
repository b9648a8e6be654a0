/*
 * unsub_page.c - GET and POST /unsubscribe/TOKEN (see unsub_page.h)
 */
#include "daemon/unsub_page.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "daemon/page_conn.h"
#include "desk/status.h"
#include "desk/status_render.h"
#include "sql/db.h"
#include "sql/status_db.h"

struct unsub_page {
	pthread_mutex_t mu;
	struct page_conn pc;
	char *title;
	time_t (*now)(void *);
	void *now_arg;
	const struct status_words *w;   /* its language's */
};

void
unsub_page_new(struct unsub_page **out, const struct conf *c,
    time_t (*now)(void *), void *now_arg)
{
	struct unsub_page *up = xcalloc(1, sizeof(*up));

	pthread_mutex_init(&up->mu, NULL);
	page_conn_init(&up->pc, c);
	up->title = xstrdup(c->status.title ? c->status.title : "Status");
	up->now = now;
	up->now_arg = now_arg;
	up->w = status_words(c->status.language);
	*out = up;
}

void
unsub_page_free(struct unsub_page **upp)
{
	struct unsub_page *up = *upp;

	if (up == NULL)
		return;
	pthread_mutex_destroy(&up->mu);
	page_conn_clear(&up->pc);
	free(up->title);
	free(up);
	*upp = NULL;
}

/* what: the title and text of the answer (struct status_words) */
static char *
page(const struct unsub_page *up, const char *const what[2], bool form)
{
	return xasprintf("<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">"
	    "<title>%s</title></head>\n<body><h1>%s</h1>\n<p>%s</p>\n%s%s%s"
	    "</body></html>\n", up->w->lang, what[0], what[0], what[1],
	    form ? "<form method=\"post\"><button type=\"submit\">" : "",
	    form ? up->w->u_button : "", form ? "</button></form>\n" : "");
}

/* A token of ours is STATUS_TOKEN_LEN lower-case hex digits: anything
 * else is not looked up. */
static bool
token_shape(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");

	return n == STATUS_TOKEN_LEN && t[n] == '\0';
}

static unsigned
answer(struct unsub_page *up, const char *token, bool post, char **page_r)
{
	struct gc_err err = { 0 };
	char addr[256] = "";
	bool done = false;
	int rc;

	if (!token_shape(token)) {
		*page_r = page(up, up->w->u_bad, false);
		return 404;
	}
	if ((rc = page_conn_db(&up->pc, &err)) != 0)
		goto unavailable;
	if (!post) {
		*page_r = page(up, up->w->u_ask, true);
		return 200;
	}
	if ((rc = status_db_unsubscribe(up->pc.db, NULL, token,
	    up->now(up->now_arg), &done, addr, &err)) != 0)
		goto unavailable;
	if (!done) {
		*page_r = page(up, up->w->u_none, false);
		return 404;
	}
	log_info("status: %s unsubscribed by the one-click link", addr);
	*page_r = page(up, up->w->u_done, false);
	return 200;
unavailable:
	log_error("http: unsubscribe: %s", err.msg);
	*page_r = page(up, up->w->u_later, false);
	return 503;
}

unsigned
unsub_page_answer(struct unsub_page *up, const char *token, bool post,
    char **page_r)
{
	unsigned code;

	pthread_mutex_lock(&up->mu);
	code = answer(up, token, post, page_r);
	pthread_mutex_unlock(&up->mu);
	return code;
}
