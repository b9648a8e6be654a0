/*
 * outbox.c - the outbox worker (see outbox.h)
 */
#include "daemon/outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/backoff.h"
#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/oauth2.h"
#include "desk/undelivered.h"
#include "desk/vault.h"
#include "notify/smtp.h"
#include "notify/webhook.h"
#include "sql/outbox_db.h"
#include "sql/store_event.h"

struct outbox {
	const struct conf *conf;
	struct smtp_client *smtp;
	struct oauth2 *oauth2;      /* [smtp] auth = oauth2, else NULL */
};

void
outbox_new(struct outbox **out, const struct conf *conf)
{
	*out = xcalloc(1, sizeof(**out));
	(*out)->conf = conf;
	if (conf->smtp.oauth2.on)
		oauth2_new(&(*out)->oauth2, "smtp", &conf->smtp.oauth2,
		    (int)conf->smtp.timeout);
}

struct oauth2 *
outbox_oauth2(const struct outbox *ob)
{
	return ob->oauth2;
}

void
outbox_free(struct outbox **ob)
{
	if (*ob == NULL)
		return;
	smtp_close(&(*ob)->smtp);
	oauth2_free(&(*ob)->oauth2);
	free(*ob);
	*ob = NULL;
}

int
outbox_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err)
{
	return outbox_db_next_due(db, now, seconds_r, err);
}

/* Seconds before attempt number attempts + 1: outbox_retry_base doubled
 * each time up to outbox_retry_max (0: never doubled). */
static long long
backoff(const struct conf_general *g, long long attempts)
{
	long long base = g->outbox_retry_base > 0 ? g->outbox_retry_base : 1;

	return backoff_delay(base, g->outbox_retry_max > 0 ?
	    g->outbox_retry_max : base, attempts > 0 ?
	    (unsigned long long)attempts : 0);
}

void
outbox_smtp_params(const struct conf *c, const struct oauth2 *o,
    struct smtp_params *p)
{
	const struct conf_smtp *s = &c->smtp;

	*p = (struct smtp_params){
		.url = s->url, .user = s->user,
		.password = s->password, .ca_file = s->tls_ca_file,
		.timeout_sec = (int)s->timeout,
		.require_tls = s->require_tls,
		.no_tls = s->tls_none,
		.helo_name = s->helo_name,
		.oauth2_mech = o == NULL ? NULL :
		    oauth2_mechanism(o) == OAUTH2_OAUTHBEARER ?
		    "OAUTHBEARER" : "XOAUTH2",
	};
}

static int
smtp_ready(struct outbox *ob, struct gc_err *err)
{
	const struct conf_smtp *s = &ob->conf->smtp;
	struct smtp_params p;

	if (ob->smtp != NULL)
		return 0;
	outbox_smtp_params(ob->conf, ob->oauth2, &p);
	if (s->tls_none)
		log_warn("smtp: tls = none: our mail%s in clear text",
		    s->user ? " and the SMTP password go" : " goes");
	return smtp_open(&ob->smtp, &p, err);
}

/* smtp_send_rcpts() with auth = oauth2's access token: a login the
 * server refuses (nothing was sent) gets one fresh token and one more
 * try. A token that cannot be had is a temporary failure of the
 * server's kind (every recipient waits). */
static int
send_rcpts(struct outbox *ob, const struct outbox_db_row *row,
    struct smtp_rcpt *r, size_t n, struct gc_err *err)
{
	int rc;

	if ((rc = smtp_ready(ob, err)) != 0)
		return rc;
	for (int tries = 0;; tries++) {
		if (ob->oauth2 != NULL) {
			const char *tok;

			if (oauth2_token(ob->oauth2, &tok, err) != 0 ||
			    smtp_set_bearer(ob->smtp, tok, err) != 0)
				return GC_ETEMP;
		}
		rc = smtp_send_rcpts(ob->smtp, row->mail_from, r, n,
		    (const char *)row->data, row->len, err);
		if (ob->oauth2 == NULL || !smtp_login_refused(ob->smtp))
			return rc;
		if (!oauth2_rejected(ob->oauth2) || tries > 0)
			return rc;
		log_info("smtp: %s; refreshing the access token once",
		    err->msg);
		gc_err_clear(err);
	}
}

/* The data of an event about a row (address NULL: about the whole row;
 * sent: the recipients taken, n of them). */
static char *
event_data(const struct outbox_db_row *row, const char *address,
    const char *error, long long attempts, time_t next_at,
    const char *const *sent, size_t nsent)
{
	struct evjson *e = ev_new();

	ev_str(e, "message_id", row->message_id);
	ev_str(e, "purpose", row->purpose);
	ev_str(e, "address", address);
	if (sent != NULL)
		ev_strs(e, "recipients", sent, nsent);
	ev_str(e, "error", error);
	ev_int(e, "attempts", attempts);
	ev_time(e, "next_at", next_at);
	return ev_end(e);
}

static int
event(struct db *db, const struct outbox_db_row *row, time_t now,
    const char *kind, char *data, struct gc_err *err)
{
	int rc = 0;

	if (row->ticket_id)
		rc = store_event(db, row->ticket_id, now, kind, NULL, data,
		    err);
	free(data);
	return rc;
}

/* The log fields of a row's lines: its Message-ID and what became of
 * it (NULL outcome: none, the fields cleared). */
static void
row_fields(const struct outbox_db_row *row, const char *outcome)
{
	struct log_fields lf = { .message_id = row->message_id,
		.outcome = outcome };

	log_set_fields(outcome ? &lf : NULL);
}

/* The data of a row's "mail_sent" event (sent: the n recipients that
 * took it; NULL for a webhook). */
static char *
sent_data(const struct outbox_db_row *row, const char *const *sent,
    size_t n)
{
	return event_data(row, NULL, NULL, row->attempts + 1, 0, sent, n);
}

/* A row sent whole at its first transaction: marked sent with its
 * "mail_sent" event in one deferred statement (sql/outbox_db.h). */
static int
sent_whole(struct db *db, const struct outbox_db_row *row, time_t now,
    const char *const *sent, size_t n, struct gc_err *err)
{
	char *data = sent_data(row, sent, n);
	int rc = outbox_db_sent(db, row->id, now, data, err);

	free(data);
	return rc;
}

/* ----- Webhooks: one POST, one fate ------------------------------- */

/* How long a webhook may wait on its receiver's limit (429): as long as
 * its attempts would have spread over (outbox_max_attempts' backoffs),
 * and at least a day, since a limit normally lifts within minutes: a
 * receiver that limits us for longer is down under another name, and
 * the webhook is given up (dead, "delivery_failed") as one out of
 * attempts is; `outbox retry --dead` sends it again. */
#define LIMIT_WAIT_MIN 86400

static long long
limit_wait_most(const struct conf_general *g)
{
	long long span = 0;

	for (long long k = 1; k < g->outbox_max_attempts &&
	    span < LIMIT_WAIT_MIN * 365LL; k++)
		span += backoff(g, k);
	return span > LIMIT_WAIT_MIN ? span : LIMIT_WAIT_MIN;
}

/* The receiver limits us (429, or 503 with Retry-After): what it said,
 * or our backoff when it said nothing, at most outbox_retry_max. Every
 * webhook to it waits as long (posting them now would only be refused
 * and prolong the limit), none counts an attempt: a storm of
 * escalations to a chat service that takes one a second goes through
 * in turn instead of going dead. */
static int
webhook_limited(struct outbox *ob, struct db *db, time_t now,
    const struct outbox_db_row *row, long long said,
    const struct gc_err *why, struct outbox_stats *stats,
    struct gc_err *err)
{
	const struct conf_general *g = &ob->conf->general;
	long long wait = said > 0 ? said : backoff(g, row->attempts + 1),
	    most = g->outbox_retry_max > 0 ? g->outbox_retry_max : 3600, n;
	int rc;

	if (wait > most)
		wait = most;
	rc = outbox_db_webhooks_wait(db, row->url, now + wait, why->msg, &n,
	    err);
	if (rc == 0)
		rc = event(db, row, now, "delivery_retry", event_data(row,
		    NULL, why->msg, row->attempts, now + wait, NULL, 0), err);
	stats->retried++;
	row_fields(row, "retry");
	log_warn("outbox %" PRId64 ": webhook %s: %s: the receiver limits "
	    "us; %lld webhook(s) to it wait %llds (not counted as "
	    "attempts)", row->id, row->purpose, why->msg, n, wait);
	row_fields(row, NULL);
	return rc;
}

static int
flush_webhook(struct outbox *ob, struct db *db, time_t now,
    const struct outbox_db_row *row, struct outbox_stats *stats,
    struct gc_err *err)
{
	const struct conf_general *g = &ob->conf->general;
	struct gc_err derr = { 0 };
	long long attempts = row->attempts + 1, wait, span;
	bool dead, given_up = false;
	int drc, rc;

	struct webhook_sign sign = { row->id, g->webhook_secret, now };
	long long limited;

	drc = webhook_post(row->url, (const char *)row->data, row->len, &sign,
	    NULL, (int)ob->conf->smtp.timeout, &limited, &derr);
	if (drc == 0) {
		rc = sent_whole(db, row, now, NULL, 0, err);
		stats->sent++;
		row_fields(row, "sent");
		log_info("outbox %" PRId64 ": webhook %s sent", row->id,
		    row->purpose);
		row_fields(row, NULL);
		return rc;
	}
	if (drc == GC_ETEMP && limited >= 0) {
		char msg[GC_ERRMSG_SIZE];

		if (now - row->created < (span = limit_wait_most(g)))
			return webhook_limited(ob, db, now, row, limited,
			    &derr, stats, err);
		/* limited longer than a webhook waits: given up as one out
		 * of attempts is */
		snprintf(msg, sizeof(msg), "%s", derr.msg);
		gc_err_set(&derr, GC_ETEMP, "%s; the receiver still limits us "
		    "%llds after the event, longer than a webhook waits "
		    "(%llds): given up", msg, (long long)(now - row->created),
		    span);
		given_up = true;
	}
	dead = given_up || drc != GC_ETEMP ||
	    attempts >= g->outbox_max_attempts;
	wait = backoff(g, attempts);
	rc = outbox_db_row_failed(db, row->id, dead ? "dead" : "pending",
	    derr.msg, now + wait, err);
	if (rc == 0)
		rc = event(db, row, now, dead ? "delivery_failed" :
		    "delivery_retry", event_data(row, NULL, derr.msg, attempts,
		    dead ? 0 : now + wait, NULL, 0), err);
	row_fields(row, dead ? "dead" : "retry");
	if (dead) {
		stats->dead++;
		log_error("outbox %" PRId64 ": webhook %s failed for good "
		    "after %lld attempt(s): %s", row->id, row->purpose,
		    attempts, derr.msg);
	} else {
		stats->retried++;
		log_warn("outbox %" PRId64 ": webhook %s: %s (attempt %lld, "
		    "next in %llds)", row->id, row->purpose, derr.msg,
		    attempts, wait);
	}
	row_fields(row, NULL);
	return rc;
}

/* ----- Mails: one SMTP transaction, each recipient its fate ------- */

static int
flush_mail(struct outbox *ob, struct desk *in, time_t now,
    const struct outbox_db_row *row, bool *stop_r,
    struct outbox_stats *stats, struct gc_err *err)
{
	struct db *db = in->db;
	const struct conf_general *g = &ob->conf->general;
	const char *what = row->message_id ? row->message_id : row->purpose;
	struct outbox_db_result *res = NULL, *done = NULL;
	struct outbox_db_rcpt *due = NULL;
	struct smtp_rcpt *r = NULL;
	const char **sent = NULL;
	struct gc_err derr = { 0 };
	size_t n = 0, nsent = 0, ndone = 0;
	char status[16] = "";
	int drc, rc;

	if (row->rcpts != NULL) {
		/* first try, plain recipients: no recipient rows unless one
		 * of them is not sent now */
		n = row->nrcpts;
		due = xcalloc(n, sizeof(*due));
		for (size_t i = 0; i < n; i++) {
			due[i].position = (int)i + 1;
			due[i].address = xstrdup(row->rcpts[i]);
		}
	} else if ((rc = outbox_db_rcpts_take(db, row->id, now,
	    (int)ob->conf->smtp.max_rcpts, &due, &n, err)) != 0)
		return rc;
	if (n == 0) {
		/* nothing due: bring the row in line (no recipient at all
		 * makes it dead) */
		rc = outbox_db_rcpts_done(db, row->id, now, NULL, 0, status,
		    sizeof(status), err);
		if (rc == 0 && strcmp(status, "dead") == 0) {
			stats->dead++;
			log_error("outbox %" PRId64 ": mail %s: no recipient "
			    "to deliver to", row->id, what);
			rc = event(db, row, now, "delivery_failed",
			    event_data(row, NULL, "no recipient",
			    row->attempts, 0, NULL, 0), err);
		}
		return rc;
	}

	r = xcalloc(n, sizeof(*r));
	res = xcalloc(n, sizeof(*res));
	done = xcalloc(n, sizeof(*done));
	sent = xcalloc(n, sizeof(*sent));
	for (size_t i = 0; i < n; i++)
		r[i].addr = due[i].address;
	drc = send_rcpts(ob, row, r, n, &derr);
	if (drc == GC_ETEMP || ob->smtp == NULL) {
		/* the server, not the recipients: try again later, and
		 * leave the rows behind for the next pass */
		for (size_t i = 0; i < n; i++) {
			r[i].outcome = SMTP_TEMPFAIL;
			snprintf(r[i].error, sizeof(r[i].error), "%s",
			    derr.msg);
		}
		smtp_close(&ob->smtp);
		*stop_r = true;
	}

	for (size_t i = 0; i < n; i++) {
		long long attempts = due[i].attempts + 1;

		res[i].position = due[i].position;
		res[i].error = r[i].error;
		switch (r[i].outcome) {
		case SMTP_SENT:
			res[i].status = "sent";
			res[i].error = NULL;
			sent[nsent++] = due[i].address;
			break;
		case SMTP_REFUSED:
			res[i].status = "refused";
			break;
		case SMTP_AGAIN:
			/* left as it is: due again, at once */
			res[i].status = NULL;
			break;
		case SMTP_TEMPFAIL:
			if (attempts >= g->outbox_max_attempts) {
				res[i].status = "dead";
			} else {
				res[i].status = "pending";
				res[i].next_at = now + backoff(g, attempts);
			}
			break;
		}
		if (res[i].status != NULL)
			done[ndone++] = res[i];
	}
	if (row->rcpts != NULL && nsent == n) {
		rc = sent_whole(db, row, now, sent, nsent, err);
		snprintf(status, sizeof(status), "sent");
	} else {
		if (row->rcpts != NULL)
			rc = outbox_db_rcpts_make(db, row->id, now,
			    (const char *const *)row->rcpts, n, err);
		if (rc == 0)
			rc = outbox_db_rcpts_done(db, row->id, now, done, ndone,
			    status, sizeof(status), err);
		if (rc == 0 && nsent > 0)
			rc = event(db, row, now, "mail_sent", sent_data(row,
			    sent, nsent), err);
	}
	if (rc == 0 && nsent > 0) {
		row_fields(row, "sent");
		log_info("outbox %" PRId64 ": mail %s sent to %zu "
		    "recipient(s)", row->id, what, nsent);
		row_fields(row, NULL);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *st = res[i].status, *kind;
		long long attempts = due[i].attempts + 1;

		if (st == NULL || strcmp(st, "sent") == 0)
			continue;
		if (strcmp(st, "refused") == 0) {
			kind = "delivery_refused";
			stats->refused++;
			row_fields(row, "refused");
			log_error("outbox %" PRId64 ": mail %s refused for %s: "
			    "%s", row->id, what, due[i].address, r[i].error);
		} else if (strcmp(st, "dead") == 0) {
			kind = "delivery_failed";
			row_fields(row, "dead");
			log_error("outbox %" PRId64 ": mail %s to %s failed "
			    "for good after %lld attempt(s): %s", row->id, what,
			    due[i].address, attempts, r[i].error);
		} else {
			kind = "delivery_retry";
			row_fields(row, "retry");
			log_warn("outbox %" PRId64 ": mail %s to %s: %s "
			    "(attempt %lld, next in %llds)", row->id, what,
			    due[i].address, r[i].error, attempts,
			    (long long)(res[i].next_at - now));
		}
		row_fields(row, NULL);
		rc = event(db, row, now, kind, event_data(row, due[i].address,
		    r[i].error, attempts, res[i].next_at, NULL, 0), err);
		/* an answer the customer will not get: the desk's move */
		if (rc == 0 && strcmp(kind, "delivery_retry") != 0)
			rc = undelivered_answer(in, row->ticket_id,
			    row->purpose, row->message_id, due[i].address,
			    r[i].error, err);
	}
	if (rc == 0) {
		bool retry = false;

		for (size_t i = 0; i < n; i++)
			retry |= res[i].status != NULL &&
			    strcmp(res[i].status, "pending") == 0;
		if (strcmp(status, "sent") == 0)
			stats->sent++;
		else if (strcmp(status, "dead") == 0)
			stats->dead++;
		if (retry)
			stats->retried++;
	}
	free(sent);
	free(done);
	free(res);
	free(r);
	outbox_db_rcpts_free(&due, n);
	return rc;
}

/* A mail row's sealed bytes opened in place (desk/vault.h). */
static int
open_mail(struct outbox *ob, struct outbox_db_row *row, struct gc_err *err)
{
	char *ad = vault_ad_outbox(row->message_id), what[64];
	char *data = (char *)row->data;
	int rc;

	snprintf(what, sizeof(what), "outbox %" PRId64, row->id);
	rc = vault_open_buf(ob->conf, ad, &data, &row->len, what, err);
	row->data = (unsigned char *)data;
	free(ad);
	return rc;
}

/* Take and deliver one due row; *took_r false when none was due,
 * *stop_r true when the SMTP server could not be reached. */
static int
flush_one(struct outbox *ob, struct desk *in, time_t now, bool *took_r,
    bool *stop_r, struct outbox_stats *stats, struct gc_err *err)
{
	struct db *db = in->db;
	struct outbox_db_row row;
	bool found;
	int rc;

	*took_r = false;
	if ((rc = db_begin(db, err)) != 0)
		return rc;
	if ((rc = outbox_db_take(db, now, (int)ob->conf->smtp.max_rcpts,
	    &row, &found, err)) != 0 ||
	    !found) {
		db_rollback(db);
		return rc;
	}
	*took_r = true;
	if (strcmp(row.kind, "webhook") == 0)
		rc = flush_webhook(ob, db, now, &row, stats, err);
	else if (open_mail(ob, &row, err) != 0)
		/* sealed bytes that do not open are never sent */
		rc = outbox_db_row_failed(db, row.id, "dead", err->msg, now,
		    err);
	else
		rc = flush_mail(ob, in, now, &row, stop_r, stats, err);
	outbox_db_row_clear(&row);
	if (rc == 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	return rc;
}

int
outbox_flush(struct outbox *ob, struct desk *in, int max,
    struct outbox_stats *stats, struct gc_err *err)
{
	memset(stats, 0, sizeof(*stats));
	for (int i = 0; i < max; i++) {
		bool took, stop = false;
		int rc = flush_one(ob, in, in->now, &took, &stop, stats, err);

		if (rc != 0)
			return rc;
		if (!took)
			break;
		/* a server that cannot be reached: stop for this round
		 * instead of failing every row in turn (a refusal, even a
		 * temporary one, concerns its row only) */
		if (stop)
			break;
	}
	return 0;
}
