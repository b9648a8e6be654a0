/*
 * store_event.c - a ticket's events and the mails of ours queued with
 * them (see store_event.h)
 */
#include "sql/store_event.h"

#include <stdio.h>
#include <stdlib.h>

#include "sql/store_util.h"

static const struct db_stmt st_event = { "event_insert",
	"INSERT INTO events (ticket_id, at, kind, actor, data) "
	"VALUES ($1, $2, $3, $4, $5::jsonb)", 5 };

static const struct db_stmt st_event_seen = { "event_seen",
	"SELECT 1 FROM events WHERE ticket_id = $1 AND kind = $2 AND "
	"data->>'message_id' = $3 LIMIT 1", 3 };

int
store_event_seen(struct db *db, int64_t ticket_id, const char *kind,
    const char *message_id, bool *seen_r, struct gc_err *err)
{
	I64(id, ticket_id);
	PGresult *res;
	int rc;

	*seen_r = false;
	if ((rc = db_execv(db, &st_event_seen, &res, err, 3, id, kind,
	    message_id)) != 0)
		return rc;
	*seen_r = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int
store_event(struct db *db, int64_t ticket_id, time_t at, const char *kind,
    const char *actor, const char *data_json, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, at);

	return db_deferv(db, &st_event, err, 5, ticket_id ? tid : NULL, ts,
	    kind, actor, data_json ? data_json : "{}");
}

/* ----- Our mails, in one round trip ------------------------------- */

/* The message of the ticket that a mail of ours is, when it is one ($10,
 * the author, not NULL), tied to its outbox row o; S its sealed text, T
 * its blind index (desk/vault_index.h). */
#define MAIL_OUT_MESSAGE_S(S, T) \
	"m AS (INSERT INTO messages (ticket_id, direction, author, from_addr, " \
	"from_name, to_addrs, cc_addrs, subject, message_id, in_reply_to, " \
	"refs, sent_date, received_at, text, dedup_key, outbox_id, agent, " \
	"internal, purpose, sealed_text, sealed_tsv) SELECT $3, 'out', $10, " \
	"$5, $11, " \
	"$12, $13, $14, " \
	"$4, $15, $16, $9, $9, $17, 'out:' || $4, o.id, $18, $19, $2, " \
	S "::bytea, " T "::tsvector FROM o " \
	"WHERE $10::text IS NOT NULL), "

/* The slot of a ticket's first mail (store_outbox.first_slot): the mail
 * leaves now, and later ones count it (sql/008_held_mail.sql). Nothing is
 * logged for a mail the auto_reply_cap kept. */
#define MAIL_OUT_FIRST_SLOT \
	"l AS (INSERT INTO ticket_send_log (ticket_id, at) SELECT $3, $9 " \
	"FROM o), "

#define MAIL_OUT_PLAIN(SLOT) \
	"WITH o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, " \
	"mail_from, rcpts, url, data, next_attempt_at, created_at, " \
	"send_rank) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $23) " \
	"RETURNING id), " \
	MAIL_OUT_MESSAGE_S("$21", "$22") SLOT \
	"e AS (INSERT INTO events (ticket_id, at, kind, data) VALUES ($3, $9, " \
	"'mail_queued', $20::jsonb)) SELECT id FROM o"

static const struct db_stmt st_mail_out = { "mail_out",
	MAIL_OUT_PLAIN(""), 23 };
static const struct db_stmt st_mail_out_first = { "mail_out_first",
	MAIL_OUT_PLAIN(MAIL_OUT_FIRST_SLOT), 23 };

/* The same with the mail's slot under ticket_send_cap ($CAP) taken
 * first (sql/026_agent_reply_cost.sql), from the rows of FROM: its first
 * attempt, and a mail_held event after its mail_queued one when the hour
 * is full. */
#define SLOT_TAKE(CAP, FROM) \
	"sl AS (SELECT ticket_send_slot_take($3, $9, " CAP ") AS at " FROM \
	"), "
#define SLOT_HELD(CAP) \
	"h AS (INSERT INTO events (ticket_id, at, kind, data) SELECT $3, $9, " \
	"'mail_held', jsonb_build_object('message_id', $4, 'purpose', $2, " \
	"'until', iso_utc(sl.at), 'reason', 'ticket_send_cap', 'cap', " \
	CAP "::bigint) FROM sl, e WHERE sl.at > $9::timestamptz) "

static const struct db_stmt st_mail_out_slot = { "mail_out_slot",
	"WITH " SLOT_TAKE("$23", "")
	"o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, "
	"mail_from, rcpts, url, data, next_attempt_at, created_at, send_rank) "
	"SELECT $1, $2, $3, $4, $5, $6, $7, $8, sl.at, $9, $24 FROM sl "
	"RETURNING id), "
	MAIL_OUT_MESSAGE_S("$21", "$22")
	"e AS (INSERT INTO events (ticket_id, at, kind, data) VALUES ($3, $9, "
	"'mail_queued', $20::jsonb) RETURNING id), " SLOT_HELD("$23")
	"SELECT id FROM o", 24 };

/* The same, unless one of the automatic mail's recipients ($21, an
 * array) already got $22 automatic mails in the hour: then only an
 * "auto_reply_capped" event is written (the loop breaker). */
#define MAIL_OUT_CAPPED(SLOT) \
	"WITH ok AS (SELECT coalesce(bool_and(auto_reply_take(a, $9, " \
	"$9::timestamptz - interval '1 hour', $22)), true) AS ok " \
	"FROM unnest($21::text[]) AS a), " \
	"o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, " \
	"mail_from, rcpts, url, data, next_attempt_at, created_at, " \
	"send_rank) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $25 " \
	"FROM ok WHERE ok.ok RETURNING id), " \
	MAIL_OUT_MESSAGE_S("$23", "$24") SLOT \
	"e AS (INSERT INTO events (ticket_id, at, kind, data) SELECT $3, $9, " \
	"CASE WHEN ok.ok THEN 'mail_queued' ELSE 'auto_reply_capped' END, " \
	"CASE WHEN ok.ok THEN $20::jsonb ELSE $20::jsonb || " \
	"'{\"reason\": \"auto_reply_cap\"}' END FROM ok) " \
	"SELECT id FROM o"

static const struct db_stmt st_mail_out_capped = { "mail_out_capped",
	MAIL_OUT_CAPPED(""), 25 };
/* With its slot taken first, when the loop breaker lets it go. */
static const struct db_stmt st_mail_out_capped_slot = {
	"mail_out_capped_slot",
	"WITH ok AS (SELECT coalesce(bool_and(auto_reply_take(a, $9, "
	"$9::timestamptz - interval '1 hour', $22)), true) AS ok "
	"FROM unnest($21::text[]) AS a), "
	SLOT_TAKE("$25", "FROM ok WHERE ok.ok")
	"o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, "
	"mail_from, rcpts, url, data, next_attempt_at, created_at, send_rank) "
	"SELECT $1, $2, $3, $4, $5, $6, $7, $8, sl.at, $9, $26 FROM sl "
	"RETURNING id), "
	MAIL_OUT_MESSAGE_S("$23", "$24")
	"e AS (INSERT INTO events (ticket_id, at, kind, data) SELECT $3, $9, "
	"CASE WHEN ok.ok THEN 'mail_queued' ELSE 'auto_reply_capped' END, "
	"CASE WHEN ok.ok THEN $20::jsonb ELSE $20::jsonb || "
	"'{\"reason\": \"auto_reply_cap\"}' END FROM ok RETURNING id), "
	SLOT_HELD("$25") "SELECT id FROM o", 26 };
static const struct db_stmt st_mail_out_capped_first = {
	"mail_out_capped_first", MAIL_OUT_CAPPED(MAIL_OUT_FIRST_SLOT), 25 };

int
store_mail_out(struct db *db, const struct store_outbox *o,
    const struct store_message *m, const char *ev_json,
    const char *const *capped, size_t ncapped, long long cap,
    int64_t *outbox_r, struct gc_err *err)
{
	I64(tid, o->ticket_id);
	TS(ts, o->now);
	char *rcpts = array_literal(o->rcpts, o->nrcpts);
	char *to = m ? array_literal(m->to, m->nto) : NULL;
	char *cc = m ? array_literal(m->cc, m->ncc) : NULL;
	char *refs = m ? array_literal(m->refs, m->nrefs) : NULL;
	char *caps = ncapped ? array_literal(capped, ncapped) : NULL;
	char capn[24], slotn[24], rankn[16];
	bool slot = !o->first_slot && o->slot_cap > 0 && o->ticket_id != 0;
	const char *p[26] = { o->kind, o->purpose, o->ticket_id ? tid : NULL,
		o->message_id, o->mail_from, rcpts, o->url, o->data, ts,
		m ? m->author : NULL, m ? m->from_name : NULL, to, cc,
		m ? (m->subject ? m->subject : "") : NULL,
		m ? m->in_reply_to : NULL, refs,
		m ? (m->text ? m->text : "") : NULL, m ? m->agent : NULL,
		m && m->internal ? "true" : "false",
		ev_json ? ev_json : "{}", caps, NULL, NULL, NULL, NULL, NULL };
	const struct db_stmt *st = ncapped ? (o->first_slot ?
	    &st_mail_out_capped_first : slot ? &st_mail_out_capped_slot :
	    &st_mail_out_capped) : (o->first_slot ? &st_mail_out_first :
	    slot ? &st_mail_out_slot : &st_mail_out);
	int lens[26] = { 0 }, bin[26] = { 0 };
	int sealed = ncapped ? 22 : 20;   /* $23 or $21, the index after */
	PGresult *res;
	int rc;

	snprintf(capn, sizeof(capn), "%lld", cap);
	if (ncapped)
		p[21] = capn;   /* $22, where the others have the index */
	snprintf(slotn, sizeof(slotn), "%lld", o->slot_cap);
	if (slot)
		p[ncapped ? 24 : 22] = slotn;   /* $25 or $23 */
	snprintf(rankn, sizeof(rankn), "%d", o->rank);
	p[st->nparams - 1] = rankn;      /* the last */
	lens[7] = (int)o->len;
	bin[7] = 1;
	if (m != NULL && m->sealed_text != NULL) {
		p[sealed] = (const char *)m->sealed_text;
		lens[sealed] = (int)m->sealed_text_len;
		bin[sealed] = 1;
		p[sealed + 1] = m->sealed_tsv;
	}
	if (outbox_r == NULL)
		rc = db_defer(db, st, p, lens, bin, err);
	else
		rc = db_exec(db, st, p, lens, bin, &res, err);
	free(caps);
	free(rcpts);
	free(to);
	free(cc);
	free(refs);
	if (rc != 0 || outbox_r == NULL)
		return rc;
	*outbox_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}
