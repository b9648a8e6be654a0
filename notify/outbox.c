/*
 * outbox.c - the outbox worker (see outbox.h)
 */
#include "notify/outbox.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "notify/smtp.h"
#include "sql/store.h"

struct outbox {
	const struct conf *conf;
	struct smtp_client *smtp;
};

void
outbox_new(struct outbox **out, const struct conf *conf)
{
	*out = xcalloc(1, sizeof(**out));
	(*out)->conf = conf;
}

void
outbox_free(struct outbox **ob)
{
	if (*ob == NULL)
		return;
	smtp_close(&(*ob)->smtp);
	free(*ob);
	*ob = NULL;
}

static const struct db_stmt st_take = { "outbox_take",
	"SELECT id, kind, mail_from, array_to_string(rcpts, E'\\n'), url, "
	"data, attempts, ticket_id, message_id, purpose FROM outbox "
	"WHERE status = 'pending' AND next_attempt_at <= $1 "
	"ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", 1 };
static const struct db_stmt st_sent = { "outbox_sent",
	"UPDATE outbox SET status = 'sent', sent_at = $2, "
	"attempts = attempts + 1, last_error = NULL WHERE id = $1", 2 };
static const struct db_stmt st_failed = { "outbox_failed",
	"UPDATE outbox SET status = $2, attempts = attempts + 1, "
	"last_error = $3, next_attempt_at = $4 WHERE id = $1", 4 };
static const struct db_stmt st_next_due = { "outbox_next_due",
	"SELECT extract(epoch FROM min(next_attempt_at))::bigint FROM outbox "
	"WHERE status = 'pending'", 0 };

int
outbox_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_next_due, &v, err, 0);

	*seconds_r = -1;
	if (v != NULL) {
		long long due = strtoll(v, NULL, 10) - (long long)now;

		*seconds_r = due < 0 ? 0 : due;
	}
	free(v);
	return rc;
}

static int
deliver_mail(struct outbox *ob, const char *from, char *rcpt_lines,
    const unsigned char *data, size_t len, struct gc_err *err)
{
	const struct conf_smtp *s = &ob->conf->smtp;
	const char *rcpts[256];
	size_t n = 0;
	int rc;

	for (char *p = rcpt_lines, *nl; p && *p && n < 256; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		rcpts[n++] = p;
	}
	if (n == 0)
		return gc_err_set(err, GC_EINVAL, "no recipient");
	if (ob->smtp == NULL) {
		struct smtp_params p = {
			.url = s->url, .user = s->user,
			.password = s->password, .ca_file = s->tls_ca_file,
			.timeout_sec = (int)s->timeout,
			.require_tls = s->require_tls,
			.helo_name = s->helo_name,
		};

		if ((rc = smtp_open(&ob->smtp, &p, err)) != 0)
			return rc;
	}
	rc = smtp_send(ob->smtp, from, rcpts, n, (const char *)data, len, err);
	if (rc == GC_ETEMP)
		smtp_close(&ob->smtp);   /* reconnect on the next one */
	return rc;
}

static char *
event_data(const char *message_id, const char *purpose, const char *error,
    int attempts)
{
	json_t *o = json_object();
	char *s;

	if (message_id)
		json_object_set_new(o, "message_id", json_string(message_id));
	json_object_set_new(o, "purpose", json_string(purpose));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	json_object_set_new(o, "attempts", json_integer(attempts));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

/* Take and deliver one due row; *took_r false when none was due. */
static int
flush_one(struct outbox *ob, struct db *db, time_t now, bool *took_r,
    struct outbox_stats *stats, struct gc_err *err)
{
	const struct conf_general *g = &ob->conf->general;
	char ts[32], next_ts[32], *rcpts, *ev;
	struct gc_err derr = { 0 };
	unsigned char *data;
	const char *kind, *status, *purpose, *mid;
	long long attempts, backoff;
	int64_t ticket_id;
	PGresult *res;
	size_t len;
	int rc, drc;

	*took_r = false;
	time_iso8601(ts, sizeof(ts), now);
	if ((rc = db_begin(db, err)) != 0)
		return rc;
	if ((rc = db_execv(db, &st_take, &res, err, 1, ts)) != 0) {
		db_rollback(db);
		return rc;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(db);
		return 0;
	}
	*took_r = true;
	kind = PQgetvalue(res, 0, 1);
	data = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 5),
	    &len);
	if (data == NULL)
		fatal("PQunescapeBytea: out of memory");
	attempts = db_get_ll(res, 0, 6) + 1;
	ticket_id = db_get_ll(res, 0, 7);
	mid = db_get(res, 0, 8);
	purpose = PQgetvalue(res, 0, 9);
	rcpts = xstrdup(PQgetvalue(res, 0, 3));
	if (strcmp(kind, "webhook") == 0)
		drc = webhook_post(PQgetvalue(res, 0, 4), (const char *)data,
		    len, NULL, (int)ob->conf->smtp.timeout, &derr);
	else
		drc = deliver_mail(ob, PQgetvalue(res, 0, 2), rcpts, data,
		    len, &derr);
	PQfreemem(data);
	free(rcpts);

	if (drc == 0) {
		rc = db_execv(db, &st_sent, NULL, err, 2, PQgetvalue(res, 0, 0),
		    ts);
		stats->sent++;
		ev = event_data(mid, purpose, NULL, (int)attempts);
		if (rc == 0 && ticket_id)
			rc = store_event(db, ticket_id, now, "mail_sent", NULL,
			    ev, err);
		log_info("outbox %s: %s %s sent", PQgetvalue(res, 0, 0), kind,
		    mid ? mid : purpose);
	} else {
		bool dead = drc != GC_ETEMP ||
		    attempts >= g->outbox_max_attempts;

		backoff = g->outbox_retry_base;
		for (long long i = 1; i < attempts &&
		    backoff < g->outbox_retry_max; i++)
			backoff *= 2;
		if (backoff > g->outbox_retry_max)
			backoff = g->outbox_retry_max;
		time_iso8601(next_ts, sizeof(next_ts), now + backoff);
		status = dead ? "dead" : "pending";
		rc = db_execv(db, &st_failed, NULL, err, 4,
		    PQgetvalue(res, 0, 0), status, derr.msg, next_ts);
		ev = event_data(mid, purpose, derr.msg, (int)attempts);
		if (rc == 0 && ticket_id)
			rc = store_event(db, ticket_id, now, dead ?
			    "delivery_failed" : "delivery_retry", NULL, ev,
			    err);
		if (dead) {
			stats->dead++;
			log_error("outbox %s: %s %s failed for good after %lld "
			    "attempt(s): %s", PQgetvalue(res, 0, 0), kind,
			    mid ? mid : purpose, attempts, derr.msg);
		} else {
			stats->retried++;
			log_warn("outbox %s: %s %s: %s (attempt %lld, next in "
			    "%llds)", PQgetvalue(res, 0, 0), kind,
			    mid ? mid : purpose, derr.msg, attempts, backoff);
		}
	}
	free(ev);
	PQclear(res);
	if (rc == 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	return rc;
}

int
outbox_flush(struct outbox *ob, struct db *db, time_t now, int max,
    struct outbox_stats *stats, struct gc_err *err)
{
	memset(stats, 0, sizeof(*stats));
	for (int i = 0; i < max; i++) {
		bool took;
		int rc = flush_one(ob, db, now, &took, stats, err);

		if (rc != 0)
			return rc;
		if (!took)
			break;
		/* a server that refuses connections: stop for this round
		 * instead of failing every row in turn */
		if (stats->retried > 0 && ob->smtp == NULL)
			break;
	}
	return 0;
}
