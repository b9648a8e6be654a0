/*
 * store_participant.c - who takes part in a ticket's conversation (see
 * store_participant.h)
 */
#include "sql/store_participant.h"

#include <stdlib.h>

#include "sql/store_util.h"

static const struct db_stmt st_part_add = { "participant_add",
	"INSERT INTO ticket_participants (ticket_id, address, name, role, "
	"added_at) VALUES ($1, lower($2), $3, $4, $5) ON CONFLICT DO NOTHING",
	5 };
static const struct db_stmt st_parts = { "participants",
	"SELECT address, name, role FROM ticket_participants "
	"WHERE ticket_id = $1 ORDER BY role DESC, added_at, address", 1 };

int
store_participant_add(struct db *db, int64_t ticket_id, const char *address,
    const char *name, const char *role, time_t now, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, now);

	return db_execv(db, &st_part_add, NULL, err, 5, tid, address, name,
	    role, ts);
}

int
store_participants(struct db *db, int64_t ticket_id,
    struct store_participant **out, size_t *n_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_parts, &res, err, 1, tid)) != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		const char *name = db_get(res, i, 1);

		(*out)[i].address = xstrdup(db_get(res, i, 0));
		(*out)[i].name = name ? xstrdup(name) : NULL;
		copy_field((*out)[i].role, sizeof((*out)[i].role),
		    db_get(res, i, 2));
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_participants_free(struct store_participant **p, size_t n)
{
	if (*p == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*p)[i].address);
		free((*p)[i].name);
	}
	free(*p);
	*p = NULL;
}
