/*
 * pending_db.c - tickets waiting on their customer (see pending_db.h)
 */
#include "sql/pending_db.h"

#include "sql/store_util.h"

/* A wait under way, of a ticket still pending. */
#define WAIT "p.end_at IS NULL AND t.id = p.ticket_id AND " \
	"t.status = 'pending'"

static const struct db_stmt st_remind = { "pending_remind_take",
	"UPDATE ticket_pauses SET reminded_at = $2 WHERE ctid IN (SELECT "
	"p.ctid FROM ticket_pauses p, tickets t WHERE " WAIT " AND "
	"p.reminded_at IS NULL AND p.start_at <= $1 ORDER BY p.start_at "
	"LIMIT $3 FOR UPDATE OF p, t SKIP LOCKED) RETURNING ticket_id", 3 };

int
pending_db_remind_take(struct db *db, time_t since, time_t now, int max,
    int64_t *ids, size_t *n_r, struct gc_err *err)
{
	TS(s, since);
	TS(ts, now);
	I64(lim, max);
	PGresult *res;
	int rc;

	*n_r = 0;
	if ((rc = db_execv(db, &st_remind, &res, err, 3, s, ts, lim)) != 0)
		return rc;
	store_ids_of(res, max, ids, n_r);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_undo = { "pending_remind_undo",
	"UPDATE ticket_pauses SET reminded_at = NULL WHERE ticket_id = $1 "
	"AND end_at IS NULL", 1 };

int
pending_db_remind_undo(struct db *db, int64_t ticket_id, struct gc_err *err)
{
	I64(id, ticket_id);

	return db_execv(db, &st_undo, NULL, err, 1, id);
}

/* Each by its index (042): never reminded, by when the wait began;
 * reminded, by when. */
static const struct db_stmt st_close = { "pending_to_close",
	"SELECT t.id FROM ticket_pauses p, tickets t WHERE " WAIT " AND "
	"p.reminded_at IS NULL AND p.start_at <= $1 ORDER BY p.start_at "
	"LIMIT $2 FOR UPDATE OF t SKIP LOCKED", 2 };
static const struct db_stmt st_close_reminded = { "pending_to_close_r",
	"SELECT t.id FROM ticket_pauses p, tickets t WHERE " WAIT " AND "
	"p.reminded_at IS NOT NULL AND p.reminded_at <= $1 ORDER BY "
	"p.reminded_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED", 2 };

int
pending_db_to_close(struct db *db, bool reminded, time_t before, int max,
    int64_t *ids, size_t *n_r, struct gc_err *err)
{
	TS(b, before);
	I64(lim, max);
	PGresult *res;
	int rc;

	*n_r = 0;
	if ((rc = db_execv(db, reminded ? &st_close_reminded : &st_close,
	    &res, err, 2, b, lim)) != 0)
		return rc;
	store_ids_of(res, max, ids, n_r);
	PQclear(res);
	return 0;
}
