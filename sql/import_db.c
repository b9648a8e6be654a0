/*
 * import_db.c - statements of the import of ticket history (see
 * import_db.h)
 */
#include "sql/import_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

static const struct db_stmt st_ref_find = { "import_ref_find",
	"SELECT ticket_id FROM ticket_refs WHERE source = $1 AND "
	"external_id = $2", 2 };
static const struct db_stmt st_ref_add = { "import_ref_add",
	"INSERT INTO ticket_refs (source, external_id, ticket_id, "
	"imported_at) VALUES ($1, $2, $3, $4)", 4 };
static const struct db_stmt st_ref_lookup = { "import_ref_lookup",
	"SELECT t.number FROM ticket_refs r JOIN tickets t ON t.id = "
	"r.ticket_id WHERE r.external_id = $1 AND r.source = ANY "
	"($2::text[]) ORDER BY array_position($2::text[], r.source) LIMIT 1",
	2 };
/* An imported ticket's dates, the first and last answers of its agents
 * among them (the SLA's acknowledgement and last update). A ticket
 * imported pending waits on its customer since its last change, as one
 * made pending here would (its SLA clock stopped, and [sla] pending_*
 * see it). Its SLA clock starts at the import (the row's created_at
 * until this statement: 046_sla_start.sql). */
static const struct db_stmt st_dates = { "import_ticket_dates",
	"WITH u AS (UPDATE tickets SET status = $2, created_at = $3, "
	"sla_start_at = created_at, updated_at = $4, "
	"resolved_at = CASE WHEN $2 IN ('resolved', 'closed') THEN "
	"coalesce($5::timestamptz, $4) END, "
	"closed_at = CASE WHEN $2 = 'closed' THEN coalesce($5::timestamptz, "
	"$4) END, first_response_at = $6::timestamptz, last_update_at = "
	"$7::timestamptz WHERE id = $1) "
	"INSERT INTO ticket_pauses (ticket_id, start_at) SELECT $1, $4 "
	"WHERE $2 = 'pending' AND NOT EXISTS (SELECT 1 FROM ticket_pauses "
	"WHERE ticket_id = $1 AND end_at IS NULL)", 7 };
static const struct db_stmt st_message = { "import_message",
	"INSERT INTO messages (ticket_id, direction, author, mailbox, "
	"from_addr, from_name, subject, sent_date, received_at, text, "
	"new_text, dedup_key, agent, internal) "
	"VALUES ($1, CASE WHEN $2 = 'customer' THEN 'in' ELSE 'out' END, $2, "
	"$3, $4, $5, $6, $7, $7, $8, $8, 'import:' || $9 || ':' || $10 || ':' "
	"|| coalesce('id:' || $11, encode(sha256(convert_to("
	"extract(epoch FROM $7::timestamptz)"
	"::bigint || E'\\n' || "
	"coalesce($4, '') || E'\\n' || $8, 'UTF8')), 'hex')), "
	"CASE WHEN $2 = 'agent' THEN coalesce($5, $4, 'import') END, $12) "
	"ON CONFLICT (dedup_key) DO NOTHING RETURNING id", 12 };

static int
one_id(struct db *db, const struct db_stmt *st, int64_t *id_r,
    struct gc_err *err, const char *a, const char *b)
{
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, st, &res, err, 2, a, b)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no imported ticket %s",
		    b);
	}
	*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

int
import_ref_find(struct db *db, const char *source, const char *ref,
    int64_t *ticket_id_r, struct gc_err *err)
{
	return one_id(db, &st_ref_find, ticket_id_r, err, source, ref);
}

int
import_ref_lookup(struct db *db, const char *ref, const char *sources,
    char *number_r, size_t len, struct gc_err *err)
{
	char *v = NULL;
	int rc = db_value(db, &st_ref_lookup, &v, err, 2, ref, sources);

	if (rc == 0 && v == NULL)
		rc = gc_err_set(err, GC_ENOTFOUND, "no imported ticket %s",
		    ref);
	if (rc == 0)
		snprintf(number_r, len, "%s", v);
	free(v);
	return rc;
}

int
import_ref_add(struct db *db, const char *source, const char *ref,
    int64_t ticket_id, time_t now, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(at, now);

	return db_execv(db, &st_ref_add, NULL, err, 4, source, ref, tid, at);
}

int
import_ticket_dates(struct db *db, int64_t ticket_id, const char *status,
    time_t created, time_t updated, time_t closed, time_t first_answer,
    time_t last_answer, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(c, created);
	TS(u, updated);
	TS(x, closed);
	TS(f, first_answer);
	TS(l, last_answer);

	return db_execv(db, &st_dates, NULL, err, 7, tid, status, c, u,
	    closed ? x : NULL, first_answer ? f : NULL, last_answer ? l :
	    NULL);
}

int
import_message_add(struct db *db, const struct import_message *m,
    bool *added_r, struct gc_err *err)
{
	I64(tid, m->ticket_id);
	TS(at, m->date);
	PGresult *res;
	int rc;

	rc = db_execv(db, &st_message, &res, err, 12, tid, m->author,
	    m->mailbox, m->from, m->from_name, m->subject, at, m->text,
	    m->source, m->ref, m->id, m->internal ? "true" : "false");
	if (rc != 0)
		return rc;
	*added_r = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}
