/*
 * store_rating.c - satisfaction ratings (see store_rating.h)
 */
#include "sql/store_rating.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

#include "sql/store_util.h"

/* the score replaced is read before the upsert, in the same statement */
static const struct db_stmt st_rating_set = { "rating_set",
	"WITH old AS (SELECT score FROM ticket_ratings WHERE ticket_id = $1) "
	"INSERT INTO ticket_ratings (ticket_id, score, comment, via, rated_at, "
	"sealed_comment, told_at) VALUES ($1, $2::int, $3, $4, $5, $6::bytea, "
	"CASE WHEN $7::boolean THEN NULL ELSE $5::timestamptz END) "
	"ON CONFLICT (ticket_id) DO UPDATE "
	"SET score = EXCLUDED.score, comment = EXCLUDED.comment, "
	"sealed_comment = EXCLUDED.sealed_comment, "
	"via = EXCLUDED.via, rated_at = EXCLUDED.rated_at, "
	"told_at = EXCLUDED.told_at, "
	"changes = ticket_ratings.changes + 1 "
	"RETURNING coalesce((SELECT score FROM old), 0)", 7 };
static const struct db_stmt st_satisfaction = { "satisfaction",
	"SELECT ratings, coalesce(average::text, ''), coalesce(csat::text, ''), "
	"s1, s2, s3, s4, s5 FROM satisfaction($1::timestamptz)", 1 };

int
store_rating_set(struct db *db, int64_t ticket_id, int score,
    const char *comment, const unsigned char *sealed, size_t sealed_len,
    const char *via, bool tell, time_t now, int *previous_r,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, now);
	char sc[8];
	const char *p[7] = { tid, sc, sealed ? NULL : comment, via, ts,
		(const char *)sealed, tell ? "t" : "f" };
	int lens[7] = { 0, 0, 0, 0, 0, (int)sealed_len, 0 };
	int bin[7] = { 0, 0, 0, 0, 0, 1, 0 };
	PGresult *res;
	int rc;

	snprintf(sc, sizeof(sc), "%d", score);
	*previous_r = 0;
	if ((rc = db_exec(db, &st_rating_set, p, lens, bin, &res, err)) != 0)
		return rc;
	*previous_r = (int)db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

int
store_satisfaction(struct db *db, time_t since,
    struct store_satisfaction *out, struct gc_err *err)
{
	TS(ts, since);
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_execv(db, &st_satisfaction, &res, err, 1, since ? ts :
	    NULL)) != 0)
		return rc;
	out->ratings = db_get_ll(res, 0, 0);
	copy_field(out->average, sizeof(out->average), db_get(res, 0, 1));
	copy_field(out->csat, sizeof(out->csat), db_get(res, 0, 2));
	for (int i = 1; i <= 5; i++)
		out->score[i] = db_get_ll(res, 0, 2 + i);
	PQclear(res);
	return 0;
}

/* $1 at most */
static const struct db_stmt st_untold = { "rating_untold",
	"SELECT r.ticket_id, r.score, r.comment, encode(r.sealed_comment, "
	"'hex') FROM ticket_ratings r WHERE r.told_at IS NULL "
	"ORDER BY r.rated_at LIMIT $1::integer FOR UPDATE SKIP LOCKED", 1 };

int
store_rating_untold(struct db *db, int max, struct store_rating **out,
    size_t *n_r, struct gc_err *err)
{
	I64(lim, (int64_t)max);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_untold, &res, err, 1, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct store_rating *r = &(*out)[i];

		r->ticket_id = db_get_ll(res, i, 0);
		r->score = (int)db_get_ll(res, i, 1);
		r->comment = db_get(res, i, 2) ? xstrdup(db_get(res, i, 2)) :
		    NULL;
		r->sealed_hex = db_get(res, i, 3) ? xstrdup(db_get(res, i,
		    3)) : NULL;
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_ratings_free(struct store_rating **r, size_t n)
{
	for (size_t i = 0; *r != NULL && i < n; i++) {
		free((*r)[i].comment);
		free((*r)[i].sealed_hex);
	}
	free(*r);
	*r = NULL;
}

static const struct db_stmt st_told = { "rating_told",
	"UPDATE ticket_ratings SET told_at = $2 WHERE ticket_id = $1", 2 };

int
store_rating_told(struct db *db, int64_t ticket_id, time_t now,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, now);

	return db_execv(db, &st_told, NULL, err, 2, tid, ts);
}
