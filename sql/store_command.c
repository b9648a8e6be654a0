/*
 * store_command.c - what agents' #commands change on a ticket (see
 * store_command.h)
 *
 * Each function is one named prepared statement.
 */
#include "sql/store_command.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_message.h"
#include "sql/store_util.h"

static const struct db_stmt st_set_queue = { "cmd_set_queue",
	"UPDATE tickets SET queue = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_tags = { "cmd_tags",
	"SELECT unnest(tags) FROM tickets WHERE id = $1", 1 };
static const struct db_stmt st_tag_add = { "cmd_tag_add",
	"UPDATE tickets SET tags = array_append(tags, $2), updated_at = $3 "
	"WHERE id = $1 AND NOT ($2 = ANY (tags))", 3 };
static const struct db_stmt st_tag_del = { "cmd_tag_del",
	"UPDATE tickets SET tags = array_remove(tags, $2), updated_at = $3 "
	"WHERE id = $1", 3 };
static const struct db_stmt st_part_del = { "cmd_participant_del",
	"DELETE FROM ticket_participants WHERE ticket_id = $1 "
	"AND address = lower($2) AND role = 'cc' RETURNING 1", 2 };
static const struct db_stmt st_set_remind = { "cmd_set_remind",
	"UPDATE tickets SET remind_at = $2::timestamptz, remind_by = CASE WHEN "
	"$2::timestamptz IS NULL "
	"THEN NULL ELSE $3 END, updated_at = $4 WHERE id = $1", 4 };
static const struct db_stmt st_remind_take = { "cmd_remind_take",
	"UPDATE tickets t SET remind_at = NULL, remind_by = NULL FROM "
	"(SELECT id, remind_at, remind_by FROM tickets WHERE remind_at <= $1 "
	"ORDER BY remind_at LIMIT $2 FOR UPDATE SKIP LOCKED) AS d "
	"WHERE t.id = d.id RETURNING d.id, coalesce(d.remind_by, ''), "
	EPOCH("d.remind_at"), 2 };
static const struct db_stmt st_set_eta = { "cmd_set_eta",
	"UPDATE tickets SET eta = $2, updated_at = $3 WHERE id = $1", 3 };
/* the notification's time bounds the mail it told of; the row id breaks
 * ties between mails of the same second */
static const struct db_stmt st_split_source = { "cmd_split_source",
	"SELECT m.id, encode(m.raw, 'hex'), EXISTS (SELECT 1 FROM messages x "
	"WHERE x.dedup_key = $3 || m.id::text) FROM messages m "
	"WHERE m.ticket_id = $1 AND m.direction = 'in' "
	"AND m.author = 'customer' AND m.raw IS NOT NULL "
	"AND m.received_at <= coalesce((SELECT o.created_at FROM outbox o "
	"WHERE o.message_id = $2 AND o.ticket_id = $1 "
	"AND o.purpose = 'notify_agent'), 'infinity') "
	"ORDER BY m.received_at DESC, m.id DESC LIMIT 1", 3 };

int
store_ticket_set_queue(struct db *db, int64_t id, const char *queue,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_set_queue, NULL, err, 3, ids, queue, ts);
}

int
store_ticket_tags(struct db *db, int64_t id, char ***out, size_t *n_r,
    struct gc_err *err)
{
	I64(ids, id);
	PGresult *res;
	int rc;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_tags, &res, err, 1, ids)) != 0)
		return rc;
	store_strings_of(res, out, n_r);
	PQclear(res);
	return 0;
}

int
store_ticket_tag(struct db *db, int64_t id, const char *tag, bool add,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, add ? &st_tag_add : &st_tag_del, NULL, err, 3,
	    ids, tag, ts);
}

int
store_participant_remove(struct db *db, int64_t ticket_id,
    const char *address, bool *removed_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc;

	*removed_r = false;
	if ((rc = db_execv(db, &st_part_del, &res, err, 2, tid, address)) != 0)
		return rc;
	*removed_r = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int
store_ticket_set_remind(struct db *db, int64_t id, time_t at,
    const char *agent, time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	TS(as, at);

	return db_execv(db, &st_set_remind, NULL, err, 4, ids, at ? as : NULL,
	    agent, ts);
}

int
store_remind_take(struct db *db, time_t now, int max,
    struct store_remind **out, size_t *n_r, struct gc_err *err)
{
	TS(ts, now);
	I64(lim, max);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_remind_take, &res, err, 2, ts, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		(*out)[i].ticket_id = db_get_ll(res, i, 0);
		snprintf((*out)[i].agent, sizeof((*out)[i].agent), "%s",
		    PQgetvalue(res, i, 1));
		(*out)[i].at = ts_of(res, i, 2);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
store_ticket_set_eta(struct db *db, int64_t id, time_t eta, time_t now,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	TS(es, eta);

	return db_execv(db, &st_set_eta, NULL, err, 3, ids, eta ? es : NULL,
	    ts);
}

int
store_split_source(struct db *db, int64_t ticket_id,
    const char *notification_mid, const char *key_prefix, int64_t *msg_id_r,
    char **raw_r, size_t *len_r, bool *done_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc;

	*raw_r = NULL;
	*len_r = 0;
	*done_r = false;
	if ((rc = db_execv(db, &st_split_source, &res, err, 3, tid,
	    notification_mid, key_prefix)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no customer mail");
	}
	*msg_id_r = db_get_ll(res, 0, 0);
	*raw_r = (char *)hex_decode(db_get(res, 0, 1), len_r);
	*done_r = strcmp(db_get(res, 0, 2), "t") == 0;
	PQclear(res);
	return 0;
}

/* The last answer to the customer of ticket $1 by another agent than
 * $3, queued after the mail $2 names: one of our mails (the order of the
 * outbox), or else a stored message (the order of the messages). */
static const struct db_stmt st_crossed = { "cmd_crossed_answer",
	"WITH seen AS (SELECT (SELECT o.id FROM outbox o WHERE o.message_id "
	"= $2) AS out_id, (SELECT min(s.id) FROM messages s WHERE "
	"s.message_id = $2 AND s.ticket_id = $1) AS msg_id) "
	"SELECT json_build_object('agent', m.agent, 'at', "
	EPOCH("m.received_at") ", 'text', m.text, 'sealed', "
	SEALED_JSON("m") ")::text FROM seen, messages m LEFT JOIN outbox a "
	"ON a.id = m.outbox_id WHERE m.ticket_id = $1 AND m.direction = 'out' "
	"AND m.author = 'agent' AND NOT m.internal AND m.agent IS DISTINCT "
	"FROM $3 AND CASE WHEN seen.out_id IS NOT NULL THEN a.id > "
	"seen.out_id ELSE m.id > seen.msg_id END ORDER BY m.id DESC LIMIT 1",
	3 };
static const struct db_stmt st_held_set = { "cmd_answer_held_set",
	"UPDATE messages SET internal = $2::boolean, purpose = CASE WHEN "
	"$2::boolean THEN '" STORE_HELD_ANSWER "' END WHERE id = $1 AND "
	"author = 'agent' AND direction = 'in'", 2 };
static const struct db_stmt st_held_find = { "cmd_answer_held_find",
	"SELECT m.id, coalesce(m.message_id, ''), encode(m.raw, 'hex') "
	"FROM messages m WHERE "
	"m.ticket_id = $1 AND m.author = 'agent' AND m.direction = 'in' AND "
	"m.agent = $2 AND m.purpose = '" STORE_HELD_ANSWER "' ORDER BY m.id "
	"DESC LIMIT 1", 2 };

int
store_crossed_answer(struct db *db, int64_t ticket_id, const char *seen_mid,
    const char *agent, char **json_r, struct gc_err *err)
{
	PGresult *res;
	int rc;

	*json_r = NULL;
	if (seen_mid == NULL || seen_mid[0] == '\0')
		return 0;
	I64(tid, ticket_id);
	if ((rc = db_execv(db, &st_crossed, &res, err, 3, tid, seen_mid,
	    agent)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
store_answer_held(struct db *db, int64_t message_id, bool held,
    struct gc_err *err)
{
	I64(id, message_id);

	return db_execv(db, &st_held_set, NULL, err, 2, id, held ? "true" :
	    "false");
}

int
store_answer_held_find(struct db *db, int64_t ticket_id, const char *agent,
    int64_t *id_r, char *mid, size_t midlen, char **raw_r, size_t *len_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	I64(tid, ticket_id);
	*id_r = 0;
	if ((rc = db_execv(db, &st_held_find, &res, err, 2, tid, agent)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no answer held");
	}
	*id_r = db_get_ll(res, 0, 0);
	snprintf(mid, midlen, "%s", PQgetvalue(res, 0, 1));
	*raw_r = (char *)hex_decode(db_get(res, 0, 2), len_r);
	PQclear(res);
	return 0;
}
