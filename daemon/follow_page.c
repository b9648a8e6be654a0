/*
 * follow_page.c - GET /ticket/TOKEN (see follow_page.h)
 */
#include "daemon/follow_page.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/page_conn.h"
#include "desk/agentauth.h"
#include "desk/follow.h"
#include "desk/reply.h"
#include "notify/compose.h"
#include "sql/db.h"
#include "sql/views.h"

#define PAGE_MAX (256 * 1024)

struct follow_page {
	pthread_mutex_t mu;
	struct page_conn pc;
	char *zone, *support_name;
	long long expiry;         /* seconds after closing; 0: never */
	char **redacted;          /* the queues whose subject is withheld */
	size_t nredacted;
	time_t (*now)(void *);
	void *now_arg;
};

void
follow_page_new(struct follow_page **out, const struct conf *c,
    const char *zone, time_t (*now)(void *), void *now_arg)
{
	struct follow_page *fp = xcalloc(1, sizeof(*fp));

	fp->expiry = c->http.ticket_link_expiry;
	/* a copy: the config may be reloaded while the page is served */
	fp->redacted = xcalloc(c->nqueues + 2, sizeof(*fp->redacted));
	for (size_t i = 0; i < c->nqueues; i++)
		if (conf_queue_redacted(c, c->queues[i].name))
			fp->redacted[fp->nredacted++] = xstrdup(
			    c->queues[i].name);
	/* the queue redacted without a section of its own: asked of
	 * conf_queue_redacted(), which holds that default */
	if (conf_queue(c, CONF_SECURITY_QUEUE) == NULL &&
	    conf_queue_redacted(c, CONF_SECURITY_QUEUE))
		fp->redacted[fp->nredacted++] = xstrdup(CONF_SECURITY_QUEUE);
	fp->now = now;
	fp->now_arg = now_arg;
	pthread_mutex_init(&fp->mu, NULL);
	page_conn_init(&fp->pc, c);
	fp->zone = xstrdup(zone && zone[0] ? zone : "UTC");
	fp->support_name = xstrdup(c->general.support_name ?
	    c->general.support_name : "Support");
	*out = fp;
}

void
follow_page_free(struct follow_page **fpp)
{
	struct follow_page *fp = *fpp;

	if (fp == NULL)
		return;
	pthread_mutex_destroy(&fp->mu);
	page_conn_clear(&fp->pc);
	for (size_t i = 0; i < fp->nredacted; i++)
		free(fp->redacted[i]);
	free(fp->redacted);
	free(fp->zone);
	free(fp->support_name);
	free(fp);
	*fpp = NULL;
}

/* ----- The page ---------------------------------------------------- */

struct words {
	const char *title, *subject, *status, *priority, *merged, *opened,
	    *eta,
	    *deadlines, *due, *met, *not_met, *history, *times, *gone,
	    *gone_text, *later, *later_text, *more, *expired,
	    *expired_text, *withheld;
};

static const struct words en = {
	"Ticket", "Subject", "Status", "Priority",
	"Merged into (its mails carry its own link)", "Opened",
	"Expected solution", "Our commitments", "due", "done",
	"not done yet", "What happened", "Times in", "Link not valid",
	"This link is not valid. The mails about your ticket carry its "
	"number: reply to one of them to reach us.", "Try again later",
	"This page cannot be shown now; the link still works later.",
	"To add something, reply to one of our mails about this ticket.",
	"Link expired",
	"This ticket was closed a while ago and its page is no longer "
	"shown. The mails about your ticket carry its number: reply to one "
	"of them to reach us.",
	"(withheld: the mails about your ticket carry it)"
};

static const struct words fr = {
	"Ticket", "Objet", "Statut", "Priorité",
	"Fusionné dans (ses mails portent son propre lien)", "Ouvert le",
	"Solution prévue", "Nos engagements", "échéance", "fait",
	"pas encore", "Ce qui s'est passé", "Heures en", "Lien non valide",
	"Ce lien n'est pas valide. Les mails de votre ticket portent son "
	"numéro : répondez à l'un d'eux pour nous joindre.",
	"Réessayez plus tard",
	"Cette page ne peut pas être affichée maintenant ; le lien "
	"fonctionnera plus tard.",
	"Pour ajouter quelque chose, répondez à l'un de nos mails sur ce "
	"ticket.",
	"Lien expiré",
	"Ce ticket a été clos il y a un moment et sa page n'est plus "
	"affichée. Les mails de votre ticket portent son numéro : répondez "
	"à l'un d'eux pour nous joindre.",
	"(masqué : les mails de votre ticket le portent)"
};

static const char *const timers[] = {
	"acknowledge", "Acknowledgement", "Prise en compte",
	"workaround", "Workaround", "Contournement",
	"resolve", "Resolution", "Résolution",
	"rca", "Root-cause analysis", "Analyse de cause",
	NULL };

static const char *const events[] = {
	"your_message", "Your message", "Votre message",
	"our_answer", "Our answer", "Notre réponse",
	"status_changed", "Status", "Statut",
	"priority_changed", "Priority", "Priorité",
	"eta_set", "Solution date given", "Date de solution annoncée",
	"workaround", "Workaround given", "Contournement fourni",
	"pending_reminded", "We reminded you that we wait for your answer",
	"Nous vous avons rappelé que nous attendons votre réponse",
	"followed_up", "Your later message opened ticket",
	"Votre message suivant a ouvert le ticket",
	NULL };

static void
esc(struct buf *b, const char *s)
{
	if (s != NULL && compose_html_escape(b, s, strlen(s)) != 0)
		log_warn("http: ticket page: cut at %zu bytes", b->len);
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A line of text added, or the page cut: the cap is far above any page
 * of 100 lines. */
static void
add(struct buf *b, const char *s)
{
	if (buf_addstr(b, s) != 0)
		log_warn("http: ticket page: cut at %zu bytes", b->len);
}

static void
head(struct buf *b, const char *lang, const char *title)
{
	add(b, "<!DOCTYPE html>\n<html lang=\"");
	add(b, lang);
	add(b, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"robots\" content=\"noindex\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>");
	esc(b, title);
	add(b, "</title><style>body{font-family:sans-serif;max-width:40em;"
	    "margin:2em auto;padding:0 1em;color:#222}"
	    "td,th{text-align:left;padding:.2em .8em .2em 0;"
	    "vertical-align:top}.met{color:#070}.due{color:#a50}"
	    "</style></head>\n<body>\n");
}

/* A page of one sentence, in English and French: without a ticket, its
 * language is not known. */
static char *
simple(const char *const *title, const char *const *text)
{
	struct buf b = BUF_INIT(PAGE_MAX);

	head(&b, "en", *title);
	for (int k = 0; k < 2; k++) {
		add(&b, k ? "<h1 lang=\"fr\">" : "<h1>");
		esc(&b, title[k]);
		add(&b, k ? "</h1>\n<p lang=\"fr\">" : "</h1>\n<p>");
		esc(&b, text[k]);
		add(&b, "</p>\n");
	}
	add(&b, "</body></html>\n");
	return buf_detach(&b, NULL);
}

static void
row(struct buf *b, const char *th, const char *td, const char *cls)
{
	add(b, "<tr><th>");
	esc(b, th);
	add(b, cls ? "</th><td class=\"" : "</th><td>");
	if (cls) {
		add(b, cls);
		add(b, "\">");
	}
	esc(b, td);
	add(b, "</td></tr>\n");
}

/* A redacted queue's ticket ([queue NAME] redact, by default security):
 * its subject stays out of the page, whoever holds the link. */
static bool
withheld(const struct follow_page *fp, const char *queue)
{
	for (size_t i = 0; queue != NULL && i < fp->nredacted; i++)
		if (strcmp(fp->redacted[i], queue) == 0)
			return true;
	return false;
}

static char *
render(const struct follow_page *fp, const json_t *t)
{
	bool is_fr = jstr(t, "language") && strcmp(jstr(t, "language"),
	    "fr") == 0;
	const struct words *w = is_fr ? &fr : &en;
	struct buf b = BUF_INIT(PAGE_MAX);
	const json_t *v;
	char title[128];
	size_t i;

	snprintf(title, sizeof(title), "%s %s", w->title, jstr(t, "number"));
	head(&b, is_fr ? "fr" : "en", title);
	add(&b, "<h1>");
	esc(&b, title);
	add(&b, "</h1>\n<table>\n");
	row(&b, w->subject, withheld(fp, jstr(t, "queue")) ? w->withheld :
	    jstr(t, "subject"), NULL);
	row(&b, w->status, reply_status_label(jstr(t, "status"),
	    is_fr ? "fr" : "en"),
	    NULL);
	row(&b, w->priority, jstr(t, "priority"), NULL);
	if (jstr(t, "merged_into") != NULL)
		row(&b, w->merged, jstr(t, "merged_into"), NULL);
	row(&b, w->opened, jstr(t, "created_at"), NULL);
	if (jstr(t, "eta") != NULL)
		row(&b, w->eta, jstr(t, "eta"), NULL);
	add(&b, "</table>\n");
	if (json_array_size(json_object_get(t, "timers")) > 0) {
		add(&b, "<h2>");
		esc(&b, w->deadlines);
		add(&b, "</h2>\n<table>\n");
		json_array_foreach(json_object_get(t, "timers"), i, v) {
			char what[160];
			const char *met = jstr(v, "met_at");
			const char *due = jstr(v, "due_at");

			if (met != NULL)
				snprintf(what, sizeof(what), "%s %s", w->met,
				    met);
			else if (due != NULL)
				snprintf(what, sizeof(what), "%s, %s %s",
				    w->not_met, w->due, due);
			else
				snprintf(what, sizeof(what), "%s", w->not_met);
			row(&b, word_in(timers, jstr(v, "kind"), is_fr), what,
			    met ? "met" : "due");
		}
		add(&b, "</table>\n");
	}
	add(&b, "<h2>");
	esc(&b, w->history);
	add(&b, "</h2>\n<table>\n");
	json_array_foreach(json_object_get(t, "history"), i, v) {
		const char *what = jstr(v, "what");
		char text[200];

		if (jstr(v, "to") != NULL && strcmp(what, "followed_up") == 0)
			snprintf(text, sizeof(text), "%s %s", word_in(events,
			    what, is_fr), jstr(v, "to"));
		else if (jstr(v, "to") != NULL && (strcmp(what,
		    "status_changed") == 0 || strcmp(what,
		    "priority_changed") == 0))
			snprintf(text, sizeof(text), "%s%s%s", word_in(events,
			    what, is_fr), is_fr ? " : " : ": ",
			    strcmp(what, "status_changed") == 0 ?
			    reply_status_label(jstr(v, "to"), is_fr ? "fr" :
			    "en") :
			    jstr(v, "to"));
		else
			snprintf(text, sizeof(text), "%s", word_in(events,
			    what, is_fr));
		row(&b, jstr(v, "at"), text, NULL);
	}
	add(&b, "</table>\n<p>");
	esc(&b, w->times);
	add(&b, " ");
	esc(&b, fp->zone);
	add(&b, ". ");
	esc(&b, w->more);
	add(&b, "</p>\n<p>");
	esc(&b, fp->support_name);
	add(&b, "</p>\n</body></html>\n");
	return buf_detach(&b, NULL);
}

static unsigned
answer(struct follow_page *fp, const char *token, char **page_r)
{
	struct gc_err err = { 0 };
	json_t *t = NULL;
	char *doc = NULL;
	long long closed;
	int64_t id;
	int rc;

	if (!follow_token_id(token, &id))
		goto invalid;
	if ((rc = page_conn_ready(&fp->pc, &err)) != 0 ||
	    ((rc = views_follow(fp->pc.db, (long long)id, fp->zone, &doc,
	    &err)) != 0 && rc != GC_ENOTFOUND))
		goto unavailable;
	if (rc == GC_ENOTFOUND || (t = json_loads(doc, 0, NULL)) == NULL ||
	    !follow_token_ok(&fp->pc.key, token, id, jstr(t, "requester"),
	    (int)json_integer_value(json_object_get(t, "link_epoch"))))
		goto invalid;
	closed = json_integer_value(json_object_get(t, "closed_epoch"));
	if (fp->expiry > 0 && json_is_integer(json_object_get(t,
	    "closed_epoch")) && (long long)fp->now(fp->now_arg) - closed >
	    fp->expiry) {
		json_decref(t);
		free(doc);
		*page_r = simple((const char *[]){ en.expired, fr.expired },
		    (const char *[]){ en.expired_text, fr.expired_text });
		return 410;
	}
	*page_r = render(fp, t);
	json_decref(t);
	free(doc);
	return 200;
invalid:
	json_decref(t);
	free(doc);
	*page_r = simple((const char *[]){ en.gone, fr.gone },
	    (const char *[]){ en.gone_text, fr.gone_text });
	return 404;
unavailable:
	log_error("http: ticket page: %s", err.msg);
	*page_r = simple((const char *[]){ en.later, fr.later },
	    (const char *[]){ en.later_text, fr.later_text });
	return 503;
}

unsigned
follow_page_answer(struct follow_page *fp, const char *token, char **page_r)
{
	unsigned code;

	pthread_mutex_lock(&fp->mu);
	code = answer(fp, token, page_r);
	pthread_mutex_unlock(&fp->mu);
	return code;
}
