/*
 * store_participant.c - who takes part in a ticket's conversation (see
 * store_participant.h)
 */
#include "sql/store_participant.h"

#include <stdlib.h>
#include <string.h>

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

/* The participants as st_parts orders them (k 2), the thread's newest
 * Message-IDs (k 0) and its customer's last (k 1), in one statement. */
static const struct db_stmt st_reply_ctx = { "reply_context",
	"SELECT 2 AS k, 0::bigint AS id, address AS a, name, role, added_at "
	"FROM ticket_participants WHERE ticket_id = $1 UNION ALL "
	"SELECT 0, id, message_id, NULL, NULL, NULL FROM (SELECT id, "
	"message_id FROM messages WHERE ticket_id = $1 AND message_id IS NOT "
	"NULL AND NOT internal ORDER BY id DESC LIMIT $2) t UNION ALL "
	"(SELECT 1, id, message_id, NULL, NULL, NULL FROM messages WHERE "
	"ticket_id = $1 AND direction = 'in' AND author = 'customer' AND "
	"message_id IS NOT NULL ORDER BY id DESC LIMIT 1) "
	"ORDER BY k, role DESC, added_at, id, a", 2 };

int
store_reply_context(struct db *db, int64_t ticket_id, size_t max_ids,
    struct store_reply_context *o, struct gc_err *err)
{
	I64(tid, ticket_id);
	I64(lim, max_ids);
	PGresult *res;
	int rc, n;

	memset(o, 0, sizeof(*o));
	if ((rc = db_execv(db, &st_reply_ctx, &res, err, 2, tid, lim)) != 0)
		return rc;
	n = PQntuples(res);
	o->parts = xcalloc((size_t)n + 1, sizeof(*o->parts));
	o->ids = xcalloc((size_t)n + 1, sizeof(*o->ids));
	for (int i = 0; i < n; i++) {
		const char *k = db_get(res, i, 0), *a = db_get(res, i, 2);
		struct store_participant *p = &o->parts[o->nparts];

		if (strcmp(k, "0") == 0) {
			o->ids[o->nids++] = xstrdup(a);
		} else if (strcmp(k, "1") == 0) {
			free(o->last);
			o->last = xstrdup(a);
		} else {
			p->address = xstrdup(a);
			p->name = db_get(res, i, 3) ? xstrdup(db_get(res, i, 3)) :
			    NULL;
			copy_field(p->role, sizeof(p->role), db_get(res, i, 4));
			o->nparts++;
		}
	}
	PQclear(res);
	return 0;
}

void
store_reply_context_clear(struct store_reply_context *o)
{
	store_participants_free(&o->parts, o->nparts);
	for (size_t i = 0; i < o->nids; i++)
		free(o->ids[i]);
	free(o->ids);
	free(o->last);
	memset(o, 0, sizeof(*o));
}
