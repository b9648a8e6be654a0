/*
 * gdpr_db.c - the statements of retention, export and erasure (see
 * gdpr_db.h)
 */
#include "sql/gdpr_db.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sql/store_util.h"

void
gdpr_db_ids_clear(struct gdpr_ids *ids)
{
	free(ids->v);
	ids->v = NULL;
	ids->n = 0;
}

static void
ids_from(struct gdpr_ids *out, PGresult *res)
{
	int n = PQntuples(res);

	out->n = (size_t)n;
	out->v = n ? xcalloc((size_t)n, sizeof(*out->v)) : NULL;
	for (int i = 0; i < n; i++)
		out->v[i] = db_get_ll(res, i, 0);
}

/* ----- Which tickets ------------------------------------------------ */

static const struct db_stmt st_claim_expired = { "gdpr_claim_expired",
	"SELECT t.id FROM tickets t WHERE t.status = 'closed' "
	"AND t.anonymised_at IS NULL AND t.closed_at < $5 "
	"AND t.closed_at < CASE "
	"WHEN t.queue = ANY ($1::text[]) THEN ($2::timestamptz[])"
	"[array_position($1::text[], t.queue)] ELSE $3::timestamptz END "
	"ORDER BY t.closed_at, t.id LIMIT $4 FOR UPDATE SKIP LOCKED", 5 };

int
gdpr_db_claim_expired(struct db *db, const char *const *queues,
    const time_t *cutoffs, size_t nqueues, time_t dflt, int limit,
    struct gdpr_ids *out, struct gc_err *err)
{
	char *q = array_literal(queues, nqueues), lim[16], l[32];
	struct buf c = BUF_INIT(64 * 1024 * 1024);
	time_t latest = dflt;
	PGresult *res;
	TS(d, dflt);
	int rc;

	memset(out, 0, sizeof(*out));
	(void)!buf_addc(&c, '{');
	for (size_t i = 0; i < nqueues; i++) {
		TS(t, cutoffs[i]);

		(void)!buf_printf(&c, "%s%s", i ? "," : "",
		    cutoffs[i] ? t : "NULL");
		if (cutoffs[i] > latest)
			latest = cutoffs[i];
	}
	(void)!buf_addc(&c, '}');
	snprintf(lim, sizeof(lim), "%d", limit);
	/* the latest cutoff bounds the walk of the index */
	time_iso8601(l, sizeof(l), latest);
	rc = db_execv(db, &st_claim_expired, &res, err, 5, q, buf_str(&c),
	    dflt ? d : NULL, lim, l);
	free(q);
	buf_free(&c);
	if (rc != 0)
		return rc;
	ids_from(out, res);
	PQclear(res);
	return 0;
}

/* The tickets where one of the writings $1 is requester, participant or
 * author. */
#define PERSON_TICKETS \
	"(SELECT id FROM tickets WHERE lower(requester) = ANY ($1::text[]) " \
	"UNION SELECT ticket_id FROM ticket_participants " \
	"WHERE address = ANY ($1::text[]) " \
	"UNION SELECT ticket_id FROM messages " \
	"WHERE lower(from_addr) = ANY ($1::text[]))"

static const struct db_stmt st_person_claim = { "gdpr_person_claim",
	"SELECT t.id FROM tickets t WHERE t.id IN " PERSON_TICKETS " "
	"AND t.anonymised_at IS NULL AND t.id > $2 ORDER BY t.id LIMIT $3 "
	"FOR UPDATE", 3 };
static const struct db_stmt st_person_list = { "gdpr_person_list",
	"SELECT p.id FROM " PERSON_TICKETS " AS p (id) WHERE p.id > $2 "
	"ORDER BY p.id LIMIT $3", 3 };

static size_t
count_of(const char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

static const struct db_stmt st_lower = { "gdpr_lower", "SELECT lower($1)",
	1 };

int
gdpr_db_lower(struct db *db, const char *s, char **out, struct gc_err *err)
{
	return db_value(db, &st_lower, out, err, 1, s);
}

int
gdpr_db_person_tickets(struct db *db, const char *const *person, bool claim,
    int64_t after, int limit, struct gdpr_ids *out, struct gc_err *err)
{
	char lim[16], *w = array_literal(person, count_of(person));
	PGresult *res;
	I64(a, after);
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(lim, sizeof(lim), "%d", limit);
	rc = db_execv(db, claim ? &st_person_claim : &st_person_list,
	    &res, err, 3, w, a, lim);
	free(w);
	if (rc != 0)
		return rc;
	ids_from(out, res);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_addresses = { "gdpr_addresses",
	"SELECT DISTINCT lower(x.a) FROM ("
	"SELECT requester FROM tickets WHERE id = ANY ($1::bigint[]) "
	"UNION ALL SELECT address FROM ticket_participants "
	"WHERE ticket_id = ANY ($1::bigint[]) "
	"UNION ALL SELECT unnest(from_addr || to_addrs || cc_addrs) "
	"FROM messages WHERE ticket_id = ANY ($1::bigint[]) "
	"UNION ALL SELECT unnest(rcpts) FROM outbox "
	"WHERE ticket_id = ANY ($1::bigint[]) "
	"UNION ALL SELECT r.address FROM outbox_rcpt r JOIN outbox o "
	"ON o.id = r.outbox_id WHERE o.ticket_id = ANY ($1::bigint[]) "
	"UNION ALL SELECT actor FROM events WHERE ticket_id = ANY "
	"($1::bigint[]) AND actor LIKE '%@%') AS x (a) "
	"WHERE x.a IS NOT NULL", 1 };

int
gdpr_db_addresses(struct db *db, const struct gdpr_ids *ids, char ***out,
    size_t *n_r, struct gc_err *err)
{
	char *l = id_array_literal(ids->v, ids->n);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	rc = db_execv(db, &st_addresses, &res, err, 1, l);
	free(l);
	if (rc != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++)
		(*out)[i] = xstrdup(PQgetvalue(res, i, 0));
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

static const struct db_stmt st_events = { "gdpr_events",
	"SELECT id, data::text FROM events WHERE ticket_id = ANY "
	"($1::bigint[]) AND (data::text LIKE '%@%' OR data ?| $2::text[]) "
	"ORDER BY id", 2 };

int
gdpr_db_events(struct db *db, const struct gdpr_ids *ids,
    const char *const *keys, int64_t **ids_r, char ***data_r, size_t *n_r,
    struct gc_err *err)
{
	char *l = id_array_literal(ids->v, ids->n);
	char *k = array_literal(keys, count_of(keys));
	PGresult *res;
	int rc, n;

	*ids_r = NULL;
	*data_r = NULL;
	*n_r = 0;
	rc = db_execv(db, &st_events, &res, err, 2, l, k);
	free(l);
	free(k);
	if (rc != 0)
		return rc;
	n = PQntuples(res);
	*ids_r = xcalloc((size_t)n + 1, sizeof(**ids_r));
	*data_r = xcalloc((size_t)n + 1, sizeof(**data_r));
	for (int i = 0; i < n; i++) {
		(*ids_r)[i] = db_get_ll(res, i, 0);
		(*data_r)[i] = xstrdup(PQgetvalue(res, i, 1));
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

/* ----- Anonymisation ------------------------------------------------ */

/* Parameters of every statement below: $1 the tickets, $2 and $3 the
 * mapping of addresses to pseudonyms, $4 the time. */
#define MAP(c) "gdpr_map(" c ", $2::text[], $3::text[])"
#define MAP_ALL(c) "gdpr_map_all(" c ", $2::text[], $3::text[])"

/* The ticket, closed if it was not (a forgotten person's open ticket),
 * and its "anonymised" event ($5 reason, $6 actor). */
static const struct db_stmt st_an_tickets = { "gdpr_an_tickets",
	"WITH t AS (SELECT id, status FROM tickets WHERE id = ANY "
	"($1::bigint[])), u AS (UPDATE tickets k SET "
	"requester = " MAP("k.requester") ", requester_name = NULL, "
	"subject = '[anonymised]', anonymised_at = $4, status = 'closed', "
	"closed_at = coalesce(k.closed_at, $4) FROM t WHERE k.id = t.id "
	"RETURNING k.id, t.status AS was) "
	"INSERT INTO events (ticket_id, at, kind, actor, data) "
	"SELECT id, $4, 'anonymised', $6, jsonb_build_object('reason', "
	"$5::text) || CASE WHEN was <> 'closed' THEN jsonb_build_object("
	"'closed_from', was) ELSE '{}' END FROM u", 6 };
/* No escalation of a ticket left without content. */
static const struct db_stmt st_an_timers = { "gdpr_an_timers",
	"UPDATE sla_timers SET next_at = NULL WHERE ticket_id = ANY "
	"($1::bigint[]) AND next_at IS NOT NULL", 1 };
static const struct db_stmt st_an_participants = { "gdpr_an_participants",
	"UPDATE ticket_participants SET address = " MAP("address") ", "
	"name = NULL WHERE ticket_id = ANY ($1::bigint[])", 3 };
/* Every column of a message that holds personal data, in this one
 * statement. The Message-IDs and the dedup key stay: machine identifiers
 * that recognise a late copy of a mail. */
static const struct db_stmt st_an_messages = { "gdpr_an_messages",
	"UPDATE messages SET from_addr = " MAP("from_addr") ", "
	"from_name = NULL, to_addrs = " MAP_ALL("to_addrs") ", "
	"cc_addrs = " MAP_ALL("cc_addrs") ", subject = '[anonymised]', "
	"text = '', new_text = NULL, raw = NULL, raw_sha256 = NULL, "
	"sealed_text = NULL, sealed_new_text = NULL, sealed_tsv = NULL "
	"WHERE ticket_id = ANY ($1::bigint[])", 3 };
/* Kept: size and content type. */
static const struct db_stmt st_an_attachments = { "gdpr_an_attachments",
	"UPDATE attachments a SET filename = NULL, content_id = NULL, "
	"content = NULL, sha256 = NULL FROM messages m "
	"WHERE a.message_id = m.id AND m.ticket_id = ANY ($1::bigint[])",
	1 };
/* Our mails of the ticket: their content goes; one not sent yet is
 * never sent. */
static const struct db_stmt st_an_outbox = { "gdpr_an_outbox",
	"UPDATE outbox SET data = '\\x'::bytea, rcpts = " MAP_ALL("rcpts")
	", last_error = CASE WHEN status = 'pending' THEN 'anonymised' END, "
	"status = CASE WHEN status = 'pending' THEN 'dead' ELSE status END "
	"WHERE ticket_id = ANY ($1::bigint[])", 3 };
static const struct db_stmt st_an_outbox_rcpt = { "gdpr_an_outbox_rcpt",
	"UPDATE outbox_rcpt r SET address = " MAP("r.address") ", "
	"last_error = NULL, status = CASE WHEN r.status = 'pending' "
	"THEN 'dead' ELSE r.status END, done_at = coalesce(r.done_at, $4) "
	"FROM outbox o WHERE r.outbox_id = o.id "
	"AND o.ticket_id = ANY ($1::bigint[])", 4 };
static const struct db_stmt st_an_quarantine = { "gdpr_an_quarantine",
	"UPDATE quarantine SET raw = '\\x'::bytea, detail = NULL "
	"WHERE ticket_id = ANY ($1::bigint[])", 1 };
static const struct db_stmt st_an_ratings = { "gdpr_an_ratings",
	"UPDATE ticket_ratings SET comment = NULL, sealed_comment = NULL "
	"WHERE ticket_id = ANY ($1::bigint[]) AND (comment IS NOT NULL OR "
	"sealed_comment IS NOT NULL)", 1 };
static const struct db_stmt st_an_actors = { "gdpr_an_actors",
	"UPDATE events SET actor = " MAP("actor") " WHERE ticket_id = ANY "
	"($1::bigint[]) AND actor LIKE '%@%'", 3 };
/* The events' data rewritten in C: $1 ids, $2 the JSON of each. */
static const struct db_stmt st_an_event_data = { "gdpr_an_event_data",
	"UPDATE events e SET data = u.d FROM unnest($1::bigint[], "
	"$2::jsonb[]) AS u (id, d) WHERE e.id = u.id", 2 };
/* The loop breaker's log past the hour it counts: $1 and $2 the
 * mapping, $3 the time, $4 the forgotten person's writings, whose rows
 * all go. */
static const struct db_stmt st_an_auto_reply = { "gdpr_an_auto_reply",
	"UPDATE auto_reply_log SET address = gdpr_map(address, $1::text[], "
	"$2::text[]) WHERE address = ANY ($1::text[]) AND (at < "
	"$3::timestamptz - interval '1 hour' OR address = ANY ($4::text[]))",
	4 };
static const struct db_stmt st_an_org_key = { "gdpr_an_org_key",
	"DELETE FROM organisation_keys WHERE key = ANY ($1::text[])", 1 };
/* The forgotten person's mails held in the quarantine without a ticket
 * (found by one of their writings anywhere in the mail's bytes, each
 * byte past ASCII compared in the escaped form of both). */
static const struct db_stmt st_an_held = { "gdpr_an_held",
	"UPDATE quarantine SET raw = '\\x'::bytea, detail = NULL "
	"WHERE ticket_id IS NULL AND octet_length(raw) > 0 "
	"AND EXISTS (SELECT 1 FROM unnest($1::text[]) AS w (a) "
	"WHERE strpos(lower(encode(raw, 'escape')), "
	"encode(convert_to(w.a, 'UTF8'), 'escape')) > 0)", 1 };

static int
count_exec(struct db *db, const struct db_stmt *st, const char *const *p,
    long long *rows, struct gc_err *err)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(db, st, p, NULL, NULL, &res, err)) != 0)
		return rc;
	*rows += strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int
gdpr_db_anonymise(struct db *db, const struct gdpr_db_batch *b,
    long long *rows_r, struct gc_err *err)
{
	static const struct db_stmt *const each[] = { &st_an_timers,
		&st_an_participants, &st_an_messages, &st_an_attachments,
		&st_an_outbox, &st_an_outbox_rcpt, &st_an_quarantine,
		&st_an_ratings, &st_an_actors, NULL };
	char *ids = id_array_literal(b->tickets->v, b->tickets->n);
	char *addr = array_literal(b->addr, b->naddr);
	char *pseudo = array_literal(b->pseudo, b->naddr);
	char *evids = id_array_literal(b->ev_id, b->nev);
	char *evdata = array_literal(b->ev_data, b->nev);
	TS(now, b->now);
	const char *p[6] = { ids, addr, pseudo, now, b->reason, b->actor };
	const char *pe[2] = { evids, evdata };
	char *person = b->person != NULL ? array_literal(b->person,
	    count_of(b->person)) : xstrdup("{}");
	const char *pa1[1] = { person };
	int rc;

	*rows_r = 0;
	/* the events' data first: the "anonymised" events are not theirs */
	rc = b->nev ? count_exec(db, &st_an_event_data, pe, rows_r, err) : 0;
	if (rc == 0)
		rc = count_exec(db, &st_an_tickets, p, rows_r, err);
	for (size_t i = 0; rc == 0 && each[i] != NULL; i++)
		rc = count_exec(db, each[i], p, rows_r, err);
	if (rc == 0) {
		const char *pa[4] = { addr, pseudo, now, person };

		rc = count_exec(db, &st_an_auto_reply, pa, rows_r, err);
	}
	if (rc == 0 && b->person != NULL)
		rc = count_exec(db, &st_an_org_key, pa1, rows_r, err);
	if (rc == 0 && b->person != NULL)
		rc = count_exec(db, &st_an_held, pa1, rows_r, err);
	free(person);
	free(ids);
	free(addr);
	free(pseudo);
	free(evids);
	free(evdata);
	return rc;
}

/* ----- Export ------------------------------------------------------- */

int
gdpr_db_begin_snapshot(struct db *db, struct gc_err *err)
{
	return db_command(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, "
	    "READ ONLY", err);
}

static const struct db_stmt st_ticket_json = { "gdpr_ticket_json",
	"SELECT json_build_object('number', t.number, 'status', t.status, "
	"'priority', t.priority, 'plan', t.plan, 'queue', t.queue, "
	"'mailbox', t.mailbox, 'requester', t.requester, 'requester_name', "
	"t.requester_name, 'subject', t.subject, 'language', t.language, "
	"'organisation', t.organisation, 'tags', t.tags, 'created_at', "
	"iso_utc(t.created_at), 'updated_at', iso_utc(t.updated_at), "
	"'resolved_at', iso_utc(t.resolved_at), 'closed_at', "
	"iso_utc(t.closed_at), 'participants', coalesce((SELECT "
	"json_agg(json_build_object('address', p.address, 'name', p.name, "
	"'role', p.role, 'added_at', iso_utc(p.added_at)) ORDER BY "
	"p.added_at, p.address) FROM ticket_participants p "
	"WHERE p.ticket_id = t.id), '[]'), 'satisfaction', (SELECT "
	"json_build_object('rating', r.score, 'comment', r.comment, "
	"'sealed_comment', " SEALED_COMMENT_JSON("r") ", 'at', "
	"iso_utc(r.rated_at)) FROM ticket_ratings r WHERE r.ticket_id = t.id))"
	"::text FROM tickets t WHERE t.id = $1", 1 };

int
gdpr_db_ticket_json(struct db *db, int64_t id, char **out,
    struct gc_err *err)
{
	I64(i, id);

	return db_value(db, &st_ticket_json, out, err, 1, i);
}

static const struct db_stmt st_messages_json = { "gdpr_messages_json",
	"SELECT m.id, json_build_object('direction', m.direction, 'author', "
	"m.author, 'from', m.from_addr, 'from_name', m.from_name, 'to', "
	"m.to_addrs, 'cc', m.cc_addrs, 'subject', m.subject, 'message_id', "
	"m.message_id, 'in_reply_to', m.in_reply_to, 'references', m.refs, "
	"'date', iso_utc(m.sent_date), 'received_at', iso_utc(m.received_at), "
	"'internal', m.internal, 'agent', m.agent, 'text', m.text, "
	"'new_text', m.new_text, 'sealed', " SEALED_JSON("m") ")::text "
	"FROM messages m WHERE m.ticket_id = $1 "
	"AND m.id > $2 ORDER BY m.id LIMIT $3", 3 };
static const struct db_stmt st_events_json = { "gdpr_events_json",
	"SELECT e.id, json_build_object('at', iso_utc(e.at), 'kind', e.kind, "
	"'actor', e.actor, 'data', e.data)::text FROM events e "
	"WHERE e.ticket_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3", 3 };

static int
page(struct db *db, const struct db_stmt *st, int64_t ticket, int64_t after,
    int limit, int64_t **ids_r, char ***json_r, size_t *n_r,
    struct gc_err *err)
{
	char lim[16];
	PGresult *res;
	I64(t, ticket);
	I64(a, after);
	int rc, n;

	*ids_r = NULL;
	*json_r = NULL;
	*n_r = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_execv(db, st, &res, err, 3, t, a, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*ids_r = xcalloc((size_t)n + 1, sizeof(**ids_r));
	*json_r = xcalloc((size_t)n + 1, sizeof(**json_r));
	for (int i = 0; i < n; i++) {
		(*ids_r)[i] = db_get_ll(res, i, 0);
		(*json_r)[i] = xstrdup(PQgetvalue(res, i, 1));
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
gdpr_db_messages_json(struct db *db, int64_t ticket, int64_t after,
    int limit, int64_t **ids_r, char ***json_r, size_t *n_r,
    struct gc_err *err)
{
	return page(db, &st_messages_json, ticket, after, limit, ids_r, json_r,
	    n_r, err);
}

int
gdpr_db_events_json(struct db *db, int64_t ticket, int64_t after,
    int limit, int64_t **ids_r, char ***json_r, size_t *n_r,
    struct gc_err *err)
{
	return page(db, &st_events_json, ticket, after, limit, ids_r, json_r,
	    n_r, err);
}

/* A bytea column of row 0, unescaped. */
static void
bytes_of(PGresult *res, int col, unsigned char **data_r, size_t *len_r)
{
	unsigned char *v;
	size_t len;

	*data_r = NULL;
	*len_r = 0;
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, col))
		return;
	v = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, col),
	    &len);
	if (v == NULL)
		fatal("PQunescapeBytea: out of memory");
	*data_r = xmalloc(len + 1);
	memcpy(*data_r, v, len);
	*len_r = len;
	PQfreemem(v);
}

static const struct db_stmt st_message_raw = { "gdpr_message_raw",
	"SELECT raw, dedup_key FROM messages WHERE id = $1", 1 };

int
gdpr_db_message_raw(struct db *db, int64_t msg, unsigned char **data_r,
    size_t *len_r, char **key_r, struct gc_err *err)
{
	PGresult *res;
	I64(m, msg);
	int rc;

	*data_r = NULL;
	*len_r = 0;
	*key_r = NULL;
	if ((rc = db_execv(db, &st_message_raw, &res, err, 1, m)) != 0)
		return rc;
	bytes_of(res, 0, data_r, len_r);
	if (PQntuples(res) > 0)
		*key_r = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

static const struct db_stmt st_attachment = { "gdpr_attachment",
	"SELECT a.id, json_build_object('filename', a.filename, "
	"'content_type', a.content_type, 'disposition', a.disposition, "
	"'content_id', a.content_id, 'size', a.size, 'sha256', "
	"encode(a.sha256, 'hex'))::text, a.content, a.sha256 "
	"FROM attachments a "
	"WHERE a.message_id = $1 AND a.id > $2 ORDER BY a.id LIMIT 1", 2 };

int
gdpr_db_attachment(struct db *db, int64_t msg, int64_t after,
    int64_t *id_r, char **meta_r, unsigned char **data_r, size_t *len_r,
    unsigned char sha_r[32], struct gc_err *err)
{
	PGresult *res;
	I64(m, msg);
	I64(a, after);
	unsigned char *sha;
	size_t n;
	int rc;

	*id_r = 0;
	*meta_r = NULL;
	*data_r = NULL;
	*len_r = 0;
	memset(sha_r, 0, 32);
	if ((rc = db_execv(db, &st_attachment, &res, err, 2, m, a)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		*id_r = db_get_ll(res, 0, 0);
		*meta_r = xstrdup(PQgetvalue(res, 0, 1));
		bytes_of(res, 2, data_r, len_r);
		bytes_of(res, 3, &sha, &n);
		if (n == 32)
			memcpy(sha_r, sha, 32);
		free(sha);
	}
	PQclear(res);
	return 0;
}

/* ----- Status-page subscriptions ---------------------------------- */

static const struct db_stmt st_subs_json = { "gdpr_subs_json",
	"SELECT count(*), coalesce(json_agg(json_build_object('address', "
	"address, "
	"'subscribed_at', iso_utc(subscribed_at), 'unsubscribed_at', "
	"iso_utc(unsubscribed_at)) ORDER BY id), '[]')::text "
	"FROM status_subscribers WHERE lower(address) = ANY ($1::text[])", 1 };

/* st over a person's writings ($1): its count and its JSON array. */
static int
person_json(struct db *db, const struct db_stmt *st,
    const char *const *person, char **out, long long *n_r,
    struct gc_err *err)
{
	char *w = array_literal(person, count_of(person));
	PGresult *res;
	int rc;

	*out = NULL;
	*n_r = 0;
	rc = db_execv(db, st, &res, err, 1, w);
	free(w);
	if (rc != 0)
		return rc;
	*n_r = db_get_ll(res, 0, 0);
	*out = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int
gdpr_db_subscriptions_json(struct db *db, const char *const *person,
    char **out, long long *n_r, struct gc_err *err)
{
	return person_json(db, &st_subs_json, person, out, n_r, err);
}

/* The address becomes the pseudonym and the subscription ends: no more
 * mail, and the row of a status post sent keeps its reference. */
static const struct db_stmt st_subs_forget = { "gdpr_subs_forget",
	"WITH u AS (UPDATE status_subscribers SET address = $2, "
	"unsubscribed_at = coalesce(unsubscribed_at, to_timestamp($3)) "
	"WHERE lower(address) = ANY ($1::text[]) RETURNING 1) "
	"SELECT count(*) FROM u", 3 };

int
gdpr_db_forget_subscriptions(struct db *db, const char *const *person,
    const char *pseudonym, time_t now, long long *rows_r,
    struct gc_err *err)
{
	char at[24], *w = array_literal(person, count_of(person));
	PGresult *res;
	int rc;

	*rows_r = 0;
	snprintf(at, sizeof(at), "%lld", (long long)now);
	rc = db_execv(db, &st_subs_forget, &res, err, 3, w, pseudonym, at);
	free(w);
	if (rc != 0)
		return rc;
	*rows_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

/* ----- Blocked senders --------------------------------------------- */

static const struct db_stmt st_blocked_json = { "gdpr_blocked_json",
	"SELECT count(*), coalesce(json_agg(json_build_object('address', "
	"address, 'added_by', added_by, 'created_at', iso_utc(created_at)) "
	"ORDER BY address), '[]')::text FROM blocked_senders "
	"WHERE address = ANY ($1::text[])", 1 };

int
gdpr_db_blocked_json(struct db *db, const char *const *person, char **out,
    long long *n_r, struct gc_err *err)
{
	return person_json(db, &st_blocked_json, person, out, n_r, err);
}

static const struct db_stmt st_blocked_forget = { "gdpr_blocked_forget",
	"WITH d AS (DELETE FROM blocked_senders WHERE address = "
	"ANY ($1::text[]) RETURNING 1) SELECT count(*) FROM d", 1 };

int
gdpr_db_forget_blocked(struct db *db, const char *const *person,
    long long *rows_r, struct gc_err *err)
{
	char *w = array_literal(person, count_of(person));
	PGresult *res;
	int rc;

	*rows_r = 0;
	rc = db_execv(db, &st_blocked_forget, &res, err, 1, w);
	free(w);
	if (rc != 0)
		return rc;
	*rows_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}
