/*
 * blocked_db.c - the blocked senders (see blocked_db.h)
 */
#include "sql/blocked_db.h"

#include <stdlib.h>

#include "common/mem.h"
#include "sql/store_util.h"

static const struct db_stmt st_add = { "blocked_add",
	"INSERT INTO blocked_senders (address, added_by, ticket_id, "
	"created_at) VALUES (lower($1), $2, nullif($3::bigint, 0), $4) "
	"ON CONFLICT (address) DO NOTHING RETURNING 1", 4 };

int
blocked_db_add(struct db *db, const char *address, const char *by,
    int64_t ticket_id, time_t now, bool *added_r, struct gc_err *err)
{
	I64(ids, ticket_id);
	TS(ts, now);
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_add, &res, err, 4, address, by, ids,
	    ts)) != 0)
		return rc;
	*added_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

static const struct db_stmt st_remove = { "blocked_remove",
	"DELETE FROM blocked_senders WHERE address = lower($1) RETURNING 1",
	1 };

int
blocked_db_remove(struct db *db, const char *address, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	if ((rc = db_execv(db, &st_remove, &res, err, 1, address)) != 0)
		return rc;
	n = PQntuples(res);
	PQclear(res);
	return n == 1 ? 0 : gc_err_set(err, GC_ENOTFOUND, "%s is not a "
	    "blocked sender", address);
}

static const struct db_stmt st_list = { "blocked_list",
	"SELECT coalesce(json_agg(json_build_object('address', b.address, "
	"'added_by', b.added_by, 'ticket', t.number, 'created_at', "
	"iso_utc(b.created_at)) ORDER BY b.address), '[]'::json)::text "
	"FROM blocked_senders b LEFT JOIN tickets t ON t.id = b.ticket_id",
	0 };

int
blocked_db_list(struct db *db, char **json_r, struct gc_err *err)
{
	return db_value(db, &st_list, json_r, err, 0);
}
