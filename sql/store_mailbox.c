/*
 * store_mailbox.c - a mail on its way in (see store_mailbox.h)
 */
#include "sql/store_mailbox.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_ticket.h"
#include "sql/store_util.h"

/* ----- Dedup and locks -------------------------------------------- */

/* Whether sender ($N) or its domain is in blocked_senders
 * (037_blocked_senders.sql); false for NULL. */
#define BLOCKED(n) "EXISTS (SELECT 1 FROM blocked_senders WHERE address " \
	"IN (lower(" n "), '@' || split_part(lower(" n "), '@', -1)))"

static const struct db_stmt st_claim = { "claim",
	"SELECT c.seen, c.ticket_id, c.ours, b.x FROM intake_claim($1, $2) c, "
	"(SELECT " BLOCKED("$3") " AS x) b", 3 };
static const struct db_stmt st_claim_tagged = { "claim_tagged",
	"SELECT c.seen, c.ticket_id, c.ours, b.x, t.* FROM intake_claim($1, "
	"$2) c CROSS JOIN (SELECT " BLOCKED("$4") " AS x) b LEFT JOIN "
	"(SELECT " STORE_TICKET_COLS " FROM tickets WHERE number = $3) t "
	"ON true", 4 };

int
store_claim(struct db *db, const char *key, const char *message_id,
    const char **where_r, int64_t *ticket_id_r, bool *ours_r,
    struct gc_err *err)
{
	return store_claim_tagged(db, key, message_id, NULL, NULL, where_r,
	    ticket_id_r, ours_r, NULL, NULL, NULL, err);
}

int
store_claim_tagged(struct db *db, const char *key, const char *message_id,
    const char *tag, const char *sender, const char **where_r,
    int64_t *ticket_id_r, bool *ours_r, bool *blocked_r,
    struct store_ticket *t, bool *found_r, struct gc_err *err)
{
	PGresult *res;
	const char *seen;
	int rc;

	*where_r = NULL;
	*ticket_id_r = 0;
	*ours_r = false;
	if (found_r != NULL)
		*found_r = false;
	if (blocked_r != NULL)
		*blocked_r = false;
	if (tag == NULL)
		rc = db_execv(db, &st_claim, &res, err, 3, key, message_id,
		    sender);
	else
		rc = db_execv(db, &st_claim_tagged, &res, err, 4, key,
		    message_id, tag, sender);
	if (rc != 0)
		return rc;
	if (tag != NULL && !PQgetisnull(res, 0, 4)) {
		store_ticket_row(res, 4, t);
		*found_r = true;
	}
	if (blocked_r != NULL)
		*blocked_r = PQgetvalue(res, 0, 3)[0] == 't';
	seen = db_get(res, 0, 0);
	if (seen != NULL)
		*where_r = strcmp(seen, "message") == 0 ? "message" :
		    "quarantine";
	*ticket_id_r = db_get_ll(res, 0, 1);
	*ours_r = PQgetvalue(res, 0, 2)[0] == 't';
	PQclear(res);
	return 0;
}

static const struct db_stmt st_mbox_lock = { "mbox_lock",
	"SELECT pg_try_advisory_lock(hashtextextended('mailbox:' || $1, 0))",
	1 };

int
store_try_mailbox_lock(struct db *db, const char *mailbox, bool *got_r,
    struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_mbox_lock, &v, err, 1, mailbox);

	*got_r = v != NULL && v[0] == 't';
	free(v);
	return rc;
}

/* ----- IMAP state ------------------------------------------------- */

static const struct db_stmt st_imap_get = { "imap_state_get",
	"SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = $1", 1 };
static const struct db_stmt st_imap_set = { "imap_state_set",
	"INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at) "
	"VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox) DO UPDATE SET "
	"uidvalidity = excluded.uidvalidity, last_uid = CASE WHEN "
	"imap_state.uidvalidity = excluded.uidvalidity THEN "
	"greatest(imap_state.last_uid, excluded.last_uid) ELSE "
	"excluded.last_uid END, updated_at = excluded.updated_at", 4 };

int
store_imap_state_get(struct db *db, const char *mailbox,
    uint32_t *uidvalidity_r, uint32_t *last_uid_r, bool *found_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*found_r = false;
	*uidvalidity_r = *last_uid_r = 0;
	if ((rc = db_execv(db, &st_imap_get, &res, err, 1, mailbox)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		*found_r = true;
		*uidvalidity_r = (uint32_t)db_get_ll(res, 0, 0);
		*last_uid_r = (uint32_t)db_get_ll(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

int
store_imap_state_set(struct db *db, const char *mailbox, uint32_t uidvalidity,
    uint32_t last_uid, time_t now, struct gc_err *err)
{
	I64(v, uidvalidity);
	I64(u, last_uid);
	TS(ts, now);

	return db_execv(db, &st_imap_set, NULL, err, 4, mailbox, v, u, ts);
}
