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
#include "common/seal.h"
#include "common/util.h"
#include "daemon/page_conn.h"
#include "desk/agentauth.h"
#include "desk/rating.h"
#include "parsers/utf8.h"
#include "sql/db.h"
#include "sql/store_ticket.h"

struct rate_page {
	pthread_mutex_t mu;
	struct page_conn pc;
	struct conf vault;          /* the [storage] keys alone: a comment
	                               is sealed as the customers' mails */
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
	rp->vault.storage.on = c->storage.on;
	seal_keyring_copy(&rp->vault.storage.keys, &c->storage.keys);
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
	seal_keyring_free(&rp->vault.storage.keys);
	free(rp);
	*rpp = NULL;
}

/* What the page says, in the ticket's language. */
struct words {
	const char *lang;
	const char *scores[6];
	const char *not_resolved_title, *not_resolved;   /* %s: number */
	const char *yours_title, *yours;                 /* %s number, score */
	const char *comment_label, *confirm;
	const char *thanks_title, *thanks, *thanks_comment;
	const char *too_long_title, *too_long;
	const char *unreadable_title, *unreadable;
};

static const struct words en = {
	"en",
	{ "", "1 (poor)", "2 (fair)", "3 (good)", "4 (very good)",
	  "5 (excellent)" },
	"Not resolved", "Ticket %s is not resolved: it can be rated once it "
	"is.",
	"Your rating", "Your rating of ticket %s: %s.",
	"A comment, if you wish (what went well, what did not):", "Confirm",
	"Thank you", "Your rating of ticket %s, %s, is recorded. Thank you!",
	"Your comment too.",
	"Comment too long", "Your comment is too long (at most 4000 "
	"characters): nothing was recorded. Go back to shorten it.",
	"Comment not readable", "Your comment could not be read as text: "
	"nothing was recorded. Go back to write it again.",
};

static const struct words fr = {
	"fr",
	{ "", "1 (mauvais)", "2 (passable)", "3 (bien)", "4 (très bien)",
	  "5 (excellent)" },
	"Non résolu", "Le ticket %s n'est pas résolu : il pourra être noté "
	"une fois résolu.",
	"Votre note", "Votre note du ticket %s : %s.",
	"Un commentaire, si vous le souhaitez (ce qui a bien marché, ce qui "
	"n'a pas marché) :", "Confirmer",
	"Merci", "Votre note du ticket %s, %s, est enregistrée. Merci !",
	"Votre commentaire aussi.",
	"Commentaire trop long", "Votre commentaire est trop long (4000 "
	"caractères au plus) : rien n'a été enregistré. Revenez en arrière "
	"pour le raccourcir.",
	"Commentaire illisible", "Votre commentaire n'a pas pu être lu comme "
	"du texte : rien n'a été enregistré. Revenez en arrière pour "
	"l'écrire à nouveau.",
};

/* A page; form: the comment's label and the button (GET), or NULL. */
static char *
page(const char *lang, const char *title, const char *text,
    const struct words *form)
{
	char *f = form == NULL ? xstrdup("") : xasprintf("<form method=\"post\">"
	    "<p><label for=\"comment\">%s</label></p>\n<p><textarea "
	    "id=\"comment\" name=\"comment\" rows=\"6\" cols=\"60\" "
	    "maxlength=\"%d\"></textarea></p>\n<p><button type=\"submit\">"
	    "%s</button></p></form>\n", form->comment_label,
	    RATING_COMMENT_MAX, form->confirm);
	char *p = xasprintf("<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">"
	    "<title>%s</title></head>\n<body><h1>%s</h1>\n<p>%s</p>\n%s"
	    "</body></html>\n", lang, title, title, text, f);

	free(f);
	return p;
}

/* The comment of a rating's form (application/x-www-form-urlencoded:
 * "comment=..."), decoded into *out (NULL when none or blank): 0, or
 * -1 when it is not text (a bad %-escape, not UTF-8). */
static int
form_comment(const char *form, char **out)
{
	const char *p = form;
	char *c = NULL;

	*out = NULL;
	while (*p != '\0') {
		const char *end = p + strcspn(p, "&");

		if (strncmp(p, "comment=", 8) == 0) {
			size_t n = 0;

			free(c);
			c = xmalloc((size_t)(end - p) + 1);
			for (const char *q = p + 8; q < end; q++) {
				int hi, lo;

				if (*q == '+') {
					c[n++] = ' ';
				} else if (*q != '%') {
					c[n++] = *q;
				} else if (end - q >= 3 &&
				    (hi = hex_digit(q[1])) >= 0 &&
				    (lo = hex_digit(q[2])) >= 0) {
					c[n++] = (char)(hi * 16 + lo);
					q += 2;
				} else {
					free(c);
					return -1;
				}
			}
			c[n] = '\0';
			if (strlen(c) != n || !utf8_valid(c, n)) {
				free(c);
				return -1;
			}
		}
		p = *end == '&' ? end + 1 : end;
	}
	if (c != NULL) {
		/* its lines, none of the controls a form may carry */
		char *s;

		utf8_strip_controls(c, true, true);
		s = str_trim(c);
		memmove(c, s, strlen(s) + 1);
		if (c[0] == '\0') {
			free(c);
			c = NULL;
		}
	}
	*out = c;
	return 0;
}

static unsigned
answer(struct rate_page *rp, const char *token, bool post, const char *form,
    bool form_over, char **page_r)
{
	const struct words *w = &en;
	struct store_ticket t = { 0 };
	struct gc_err err = { 0 };
	time_t now = rp->now(rp->now_arg);
	struct desk in = { 0 };
	char *comment = NULL, text[512];
	int64_t id;
	int score, rc;
	unsigned code;

	if ((rc = page_conn_ready(&rp->pc, &err)) != 0)
		goto unavailable;
	if (!rating_token_check(&rp->pc.key, token, now, &id, &score)) {
		*page_r = page("en", "Link not valid / Lien non valable",
		    "This rating link is not valid, or too old. You can "
		    "still rate by replying to our mail with a digit from 1 "
		    "to 5.<br>Ce lien de notation n'est pas valable, ou trop "
		    "ancien. Vous pouvez encore noter en répondant à notre "
		    "mail par un chiffre de 1 à 5.", NULL);
		return 404;
	}
	if (post && (rc = db_begin(rp->pc.db, &err)) != 0)
		goto unavailable;
	rc = store_ticket_by_id(rp->pc.db, id, &t, &err);
	if (rc == GC_ENOTFOUND) {
		if (post)
			db_rollback(rp->pc.db);
		*page_r = page("en", "Link not valid / Lien non valable",
		    "This ticket does not exist.<br>Ce ticket n'existe pas.",
		    NULL);
		return 404;
	}
	if (rc != 0)
		goto failed;
	if (strcmp(t.language, "fr") == 0)
		w = &fr;
	if (strcmp(t.status, "resolved") != 0 &&
	    strcmp(t.status, "closed") != 0) {
		snprintf(text, sizeof(text), w->not_resolved, t.number);
		*page_r = page(w->lang, w->not_resolved_title, text, NULL);
		code = 409;
		goto refused;
	}
	if (!post) {
		snprintf(text, sizeof(text), w->yours, t.number,
		    w->scores[score]);
		*page_r = page(w->lang, w->yours_title, text, w);
		store_ticket_clear(&t);
		return 200;
	}
	/* a comment refused is told, and nothing of the rating stored: the
	 * customer goes back to their words */
	if (form_over) {
		*page_r = page(w->lang, w->too_long_title, w->too_long, NULL);
		code = 413;
		goto refused;
	}
	if (form_comment(form, &comment) != 0) {
		*page_r = page(w->lang, w->unreadable_title, w->unreadable,
		    NULL);
		code = 400;
		goto refused;
	}
	in.db = rp->pc.db;
	in.conf = &rp->vault;
	in.now = now;
	if ((rc = rating_record(&in, &t, score, comment, "link", t.requester,
	    &err)) != 0 || (rc = db_commit(rp->pc.db, &err)) != 0)
		goto failed;
	snprintf(text, sizeof(text), w->thanks, t.number, w->scores[score]);
	if (comment != NULL)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " %s", w->thanks_comment);
	*page_r = page(w->lang, w->thanks_title, text, NULL);
	free(comment);
	store_ticket_clear(&t);
	return 200;
refused:
	if (post)
		db_rollback(rp->pc.db);
	store_ticket_clear(&t);
	return code;
failed:
	if (post)
		db_rollback(rp->pc.db);
	free(comment);
	store_ticket_clear(&t);
unavailable:
	log_error("http: rating: %s", err.msg);
	*page_r = page("en", "Try again later / Réessayez plus tard", "The "
	    "rating cannot be recorded now; the link still works later.<br>"
	    "La note ne peut pas être enregistrée maintenant ; le lien "
	    "marchera plus tard.", NULL);
	return 503;
}

unsigned
rate_page_answer(struct rate_page *rp, const char *token, bool post,
    const char *form, bool form_over, char **page_r)
{
	unsigned code;

	pthread_mutex_lock(&rp->mu);
	code = answer(rp, token, post, form, form_over, page_r);
	pthread_mutex_unlock(&rp->mu);
	return code;
}
