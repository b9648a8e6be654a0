/*
 * status_db.c - the status page's statements (see status_db.h)
 *
 * A post and the version bump are one statement, so that whatever is
 * published makes the page out of date in the same transaction.
 */
#include "sql/status_db.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

#define INC_COLS "i.id, i.ticket_id, i.title, i.components, " \
	EPOCH("i.eta") ", " EPOCH("i.opened_at") ", " EPOCH("i.resolved_at")
#define MNT_COLS "m.id, m.title, m.components, " EPOCH("m.starts_at") ", " \
	EPOCH("m.ends_at") ", " EPOCH("m.created_at") ", " \
	EPOCH("m.cancelled_at")

static const struct db_stmt st_inc_load = { "status_inc_load",
	"SELECT " INC_COLS " FROM status_incidents i "
	"WHERE i.resolved_at IS NULL OR i.resolved_at >= $1 "
	"ORDER BY i.opened_at, i.id", 1 };
static const struct db_stmt st_mnt_load = { "status_mnt_load",
	"SELECT " MNT_COLS " FROM status_maintenance m "
	"WHERE m.ends_at >= $1 OR m.cancelled_at >= $1 "
	"ORDER BY m.starts_at, m.id", 1 };
static const struct db_stmt st_mnt_list = { "status_mnt_list",
	"SELECT " MNT_COLS " FROM status_maintenance m "
	"WHERE m.ends_at >= $1 ORDER BY m.starts_at, m.id", 1 };
static const struct db_stmt st_post_load = { "status_post_load",
	"SELECT * FROM (SELECT p.id, p.kind, p.incident_id, "
	"p.maintenance_id, p.body, " EPOCH("p.eta") ", " EPOCH("p.at") " "
	"FROM status_posts p WHERE p.at >= $1 ORDER BY p.at DESC, p.id DESC "
	"LIMIT $2) x ORDER BY 7, 1", 2 };
static const struct db_stmt st_inc_of = { "status_inc_of",
	"SELECT id FROM status_incidents WHERE ticket_id = $1 "
	"AND resolved_at IS NULL", 1 };
static const struct db_stmt st_inc_new = { "status_inc_new",
	"INSERT INTO status_incidents (ticket_id, title, components, eta, "
	"opened_at) VALUES ($1, $2, $3, $4, $5) RETURNING id", 5 };
static const struct db_stmt st_inc_eta = { "status_inc_eta",
	"UPDATE status_incidents SET eta = $2 WHERE id = $1", 2 };
static const struct db_stmt st_inc_move = { "status_inc_move",
	"UPDATE status_incidents SET ticket_id = $2 WHERE id = $1 "
	"AND resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM "
	"status_incidents o WHERE o.ticket_id = $2 AND o.resolved_at IS NULL) "
	"RETURNING id", 2 };
static const struct db_stmt st_inc_resolve = { "status_inc_resolve",
	"UPDATE status_incidents SET resolved_at = $2 WHERE id = $1 "
	"AND resolved_at IS NULL", 2 };
static const struct db_stmt st_post = { "status_post",
	"WITH p AS (INSERT INTO status_posts (kind, incident_id, "
	"maintenance_id, body, eta, at) VALUES ($1, $2, $3, $4, $5, $6) "
	"RETURNING id) UPDATE status_state SET version = version + 1 "
	"WHERE id = 1 AND EXISTS (SELECT 1 FROM p)", 6 };
static const struct db_stmt st_mnt_add = { "status_mnt_add",
	"INSERT INTO status_maintenance (title, components, starts_at, "
	"ends_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id", 5 };
static const struct db_stmt st_mnt_cancel = { "status_mnt_cancel",
	"UPDATE status_maintenance SET cancelled_at = $2 WHERE id = $1 "
	"AND cancelled_at IS NULL AND ends_at > $2 RETURNING id", 2 };
static const struct db_stmt st_subscribe = { "status_subscribe",
	"INSERT INTO status_subscribers (address, token, subscribed_at) "
	"VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id", 3 };
static const struct db_stmt st_unsubscribe = { "status_unsubscribe",
	"UPDATE status_subscribers SET unsubscribed_at = $3 "
	"WHERE unsubscribed_at IS NULL AND (lower(address) = lower($1) "
	"OR token = $2) RETURNING address", 3 };
static const struct db_stmt st_unsubscribe_reply = {
	"status_unsubscribe_reply",
	"UPDATE status_subscribers s SET unsubscribed_at = $3 "
	"WHERE s.unsubscribed_at IS NULL AND lower(s.address) = lower($1) "
	"AND EXISTS (SELECT 1 FROM status_notices n WHERE n.subscriber_id = "
	"s.id AND n.message_id = ANY ($2::text[])) RETURNING s.id", 3 };
static const struct db_stmt st_subscribers = { "status_subscribers",
	"SELECT address FROM status_subscribers WHERE unsubscribed_at IS NULL "
	"ORDER BY subscribed_at, id", 0 };
/* a second daemon's INSERT waits for the first one's row, then skips */
static const struct db_stmt st_claim = { "status_claim",
	"WITH due AS (SELECT p.id AS post_id, s.id AS sub_id "
	"FROM status_posts p JOIN status_subscribers s "
	"ON s.unsubscribed_at IS NULL AND s.subscribed_at <= p.at "
	"WHERE p.at >= $1 AND NOT EXISTS (SELECT 1 FROM status_notices n "
	"WHERE n.post_id = p.id AND n.subscriber_id = s.id) "
	"ORDER BY p.id, s.id LIMIT $2), "
	"ins AS (INSERT INTO status_notices (post_id, subscriber_id, at) "
	"SELECT post_id, sub_id, $3 FROM due ON CONFLICT DO NOTHING "
	"RETURNING post_id, subscriber_id) "
	"SELECT ins.post_id, ins.subscriber_id, s.address, s.token, p.kind, "
	"p.body, coalesce(i.title, m.title), coalesce(i.components, "
	"m.components), " EPOCH("p.eta") ", " EPOCH("p.at") ", "
	EPOCH("m.starts_at") ", " EPOCH("m.ends_at") " FROM ins "
	"JOIN status_posts p ON p.id = ins.post_id "
	"JOIN status_subscribers s ON s.id = ins.subscriber_id "
	"LEFT JOIN status_incidents i ON i.id = p.incident_id "
	"LEFT JOIN status_maintenance m ON m.id = p.maintenance_id "
	"ORDER BY ins.post_id, ins.subscriber_id", 3 };
static const struct db_stmt st_notice_sent = { "status_notice_sent",
	"UPDATE status_notices SET message_id = $3 WHERE post_id = $1 "
	"AND subscriber_id = $2", 3 };
static const struct db_stmt st_state = { "status_state",
	"SELECT version, rendered_version, " EPOCH("rendered_at") ", "
	"EXISTS (SELECT 1 FROM status_maintenance m "
	"WHERE m.cancelled_at IS NULL AND ((m.starts_at <= $1 AND "
	"m.starts_at > coalesce(st.rendered_at, '-infinity')) OR "
	"(m.ends_at <= $1 AND m.ends_at > coalesce(st.rendered_at, "
	"'-infinity')))) FROM status_state st WHERE id = 1", 1 };
static const struct db_stmt st_rendered = { "status_rendered",
	"UPDATE status_state SET rendered_version = greatest("
	"rendered_version, $1), rendered_at = greatest(rendered_at, $2) "
	"WHERE id = 1", 2 };

static const char *
col(struct arena *a, const PGresult *res, int row, int c)
{
	const char *v = db_get(res, row, c);

	return arena_strdup(a, v ? v : "");
}

static int64_t
id_of(const PGresult *res, int row, int c)
{
	return db_get(res, row, c) ? (int64_t)db_get_ll(res, row, c) : 0;
}

static void
read_maint(struct status_rows *out, const PGresult *res)
{
	int n = PQntuples(res);

	out->mnt = arena_alloc(&out->a, ((size_t)n + 1) * sizeof(*out->mnt));
	for (int i = 0; i < n; i++) {
		struct status_maint *m = &out->mnt[out->nmnt++];

		m->id = id_of(res, i, 0);
		m->title = col(&out->a, res, i, 1);
		m->components = col(&out->a, res, i, 2);
		m->starts_at = ts_of(res, i, 3);
		m->ends_at = ts_of(res, i, 4);
		m->created_at = ts_of(res, i, 5);
		m->cancelled_at = ts_of(res, i, 6);
	}
}

int
status_db_load(struct db *db, time_t since, struct status_rows *out,
    struct gc_err *err)
{
	PGresult *res;
	char lim[16];
	int rc, n;
	TS(ts, since);

	memset(out, 0, sizeof(*out));
	arena_init(&out->a, 16384);
	snprintf(lim, sizeof(lim), "%d", STATUS_MAX_POSTS);
	if ((rc = db_execv(db, &st_inc_load, &res, err, 1, ts)) != 0)
		return rc;
	n = PQntuples(res);
	out->inc = arena_alloc(&out->a, ((size_t)n + 1) * sizeof(*out->inc));
	for (int i = 0; i < n; i++) {
		struct status_incident *x = &out->inc[out->ninc++];

		x->id = id_of(res, i, 0);
		x->ticket_id = id_of(res, i, 1);
		x->title = col(&out->a, res, i, 2);
		x->components = col(&out->a, res, i, 3);
		x->eta = ts_of(res, i, 4);
		x->opened_at = ts_of(res, i, 5);
		x->resolved_at = ts_of(res, i, 6);
	}
	PQclear(res);
	if ((rc = db_execv(db, &st_mnt_load, &res, err, 1, ts)) != 0)
		return rc;
	read_maint(out, res);
	PQclear(res);
	if ((rc = db_execv(db, &st_post_load, &res, err, 2, ts, lim)) != 0)
		return rc;
	n = PQntuples(res);
	out->posts = arena_alloc(&out->a, ((size_t)n + 1) *
	    sizeof(*out->posts));
	for (int i = 0; i < n; i++) {
		struct status_post *p = &out->posts[out->nposts++];

		p->id = id_of(res, i, 0);
		p->kind = col(&out->a, res, i, 1);
		p->incident_id = id_of(res, i, 2);
		p->maintenance_id = id_of(res, i, 3);
		p->body = col(&out->a, res, i, 4);
		p->eta = ts_of(res, i, 5);
		p->at = ts_of(res, i, 6);
	}
	PQclear(res);
	return 0;
}

int
status_db_maint_list(struct db *db, time_t since, struct status_rows *out,
    struct gc_err *err)
{
	PGresult *res;
	int rc;
	TS(ts, since);

	memset(out, 0, sizeof(*out));
	arena_init(&out->a, 4096);
	if ((rc = db_execv(db, &st_mnt_list, &res, err, 1, ts)) != 0)
		return rc;
	read_maint(out, res);
	PQclear(res);
	return 0;
}

void
status_rows_free(struct status_rows *r)
{
	arena_free(&r->a);
	memset(r, 0, sizeof(*r));
}

/* The first column of the first row as an id, 0 when no row. */
static int
returned_id(const struct db_stmt *st, struct db *db, int64_t *id_r,
    struct gc_err *err, const char *const *p)
{
	PGresult *res;
	int rc;

	*id_r = 0;
	if ((rc = db_exec(db, st, p, NULL, NULL, &res, err)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		*id_r = id_of(res, 0, 0);
	PQclear(res);
	return 0;
}

int
status_db_incident_of(struct db *db, int64_t ticket_id, int64_t *id_r,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	const char *p[] = { tid };

	return returned_id(&st_inc_of, db, id_r, err, p);
}

int
status_db_incident_new(struct db *db, int64_t ticket_id, const char *title,
    const char *components, time_t eta, time_t now, int64_t *id_r,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(es, eta);
	TS(ns, now);
	const char *p[] = { tid, title, components, eta ? es : NULL, ns };

	return returned_id(&st_inc_new, db, id_r, err, p);
}

int
status_db_incident_eta(struct db *db, int64_t id, time_t eta,
    struct gc_err *err)
{
	I64(ids, id);
	TS(es, eta);

	return db_execv(db, &st_inc_eta, NULL, err, 2, ids, eta ? es : NULL);
}

int
status_db_incident_move(struct db *db, int64_t id, int64_t to_id,
    bool *moved, struct gc_err *err)
{
	I64(ids, id);
	I64(tos, to_id);
	const char *p[] = { ids, tos };
	int64_t got;
	int rc = returned_id(&st_inc_move, db, &got, err, p);

	*moved = rc == 0 && got != 0;
	return rc;
}

int
status_db_incident_resolve(struct db *db, int64_t id, time_t now,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ns, now);

	return db_execv(db, &st_inc_resolve, NULL, err, 2, ids, ns);
}

int
status_db_post(struct db *db, const char *kind, int64_t incident_id,
    int64_t maintenance_id, const char *body, time_t eta, time_t now,
    struct gc_err *err)
{
	I64(iid, incident_id);
	I64(mid, maintenance_id);
	TS(es, eta);
	TS(ns, now);

	return db_execv(db, &st_post, NULL, err, 6, kind,
	    incident_id ? iid : NULL, maintenance_id ? mid : NULL, body,
	    eta ? es : NULL, ns);
}

int
status_db_maint_add(struct db *db, const char *title,
    const char *components, time_t starts, time_t ends, time_t now,
    int64_t *id_r, struct gc_err *err)
{
	TS(ss, starts);
	TS(es, ends);
	TS(ns, now);
	const char *p[] = { title, components, ss, es, ns };

	return returned_id(&st_mnt_add, db, id_r, err, p);
}

int
status_db_maint_cancel(struct db *db, int64_t id, time_t now, bool *done,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ns, now);
	const char *p[] = { ids, ns };
	int64_t got;
	int rc = returned_id(&st_mnt_cancel, db, &got, err, p);

	*done = rc == 0 && got != 0;
	return rc;
}

int
status_db_subscribe(struct db *db, const char *address, const char *token,
    time_t now, bool *added, struct gc_err *err)
{
	TS(ns, now);
	const char *p[] = { address, token, ns };
	int64_t got;
	int rc = returned_id(&st_subscribe, db, &got, err, p);

	*added = rc == 0 && got != 0;
	return rc;
}

int
status_db_unsubscribe(struct db *db, const char *address, const char *token,
    time_t now, bool *done, char *addr_r, struct gc_err *err)
{
	PGresult *res;
	int rc;
	TS(ns, now);

	*done = false;
	if ((rc = db_execv(db, &st_unsubscribe, &res, err, 3, address, token,
	    ns)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		*done = true;
		if (addr_r != NULL)
			copy_field(addr_r, 256, db_get(res, 0, 0));
	}
	PQclear(res);
	return 0;
}

int
status_db_unsubscribe_reply(struct db *db, const char *from,
    const char *const *mids, size_t nmids, time_t now, bool *done,
    struct gc_err *err)
{
	char *arr = array_literal(mids, nmids);
	TS(ns, now);
	const char *p[] = { from, arr, ns };
	int64_t got;
	int rc = returned_id(&st_unsubscribe_reply, db, &got, err, p);

	free(arr);
	*done = rc == 0 && got != 0;
	return rc;
}

int
status_db_subscribers(struct db *db, char ***out, size_t *n_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_subscribers, &res, err, 0)) != 0)
		return rc;
	store_strings_of(res, out, n_r);
	PQclear(res);
	return 0;
}

int
status_db_claim_notices(struct db *db, time_t since, int limit, time_t now,
    struct status_notice **out, size_t *n_r, struct arena *a,
    struct gc_err *err)
{
	PGresult *res;
	char lim[16];
	int rc, n;
	TS(ss, since);
	TS(ns, now);

	*out = NULL;
	*n_r = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_execv(db, &st_claim, &res, err, 3, ss, lim, ns)) != 0)
		return rc;
	n = PQntuples(res);
	*out = arena_alloc(a, ((size_t)n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct status_notice *x = &(*out)[i];

		x->post_id = id_of(res, i, 0);
		x->subscriber_id = id_of(res, i, 1);
		x->address = col(a, res, i, 2);
		x->token = col(a, res, i, 3);
		x->kind = col(a, res, i, 4);
		x->body = col(a, res, i, 5);
		x->title = col(a, res, i, 6);
		x->components = col(a, res, i, 7);
		x->eta = ts_of(res, i, 8);
		x->at = ts_of(res, i, 9);
		x->starts_at = ts_of(res, i, 10);
		x->ends_at = ts_of(res, i, 11);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
status_db_notice_sent(struct db *db, int64_t post_id, int64_t subscriber_id,
    const char *message_id, struct gc_err *err)
{
	I64(pid, post_id);
	I64(sid, subscriber_id);

	return db_execv(db, &st_notice_sent, NULL, err, 3, pid, sid,
	    message_id);
}

int
status_db_state(struct db *db, time_t now, struct status_state *out,
    struct gc_err *err)
{
	PGresult *res;
	int rc;
	TS(ns, now);

	memset(out, 0, sizeof(*out));
	if ((rc = db_execv(db, &st_state, &res, err, 1, ns)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		out->version = id_of(res, 0, 0);
		out->rendered_version = id_of(res, 0, 1);
		out->rendered_at = ts_of(res, 0, 2);
		out->boundary = strcmp(db_get(res, 0, 3), "t") == 0;
	}
	PQclear(res);
	return 0;
}

int
status_db_rendered(struct db *db, int64_t version, time_t now,
    struct gc_err *err)
{
	I64(vs, version);
	TS(ns, now);

	return db_execv(db, &st_rendered, NULL, err, 2, vs, ns);
}
