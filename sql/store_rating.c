/*
 * store_rating.c - satisfaction ratings (see store_rating.h)
 */
#include "sql/store_rating.h"

#include <string.h>

#include "sql/store_util.h"

/* the score replaced is read before the upsert, in the same statement */
static const struct db_stmt st_rating_set = { "rating_set",
	"WITH old AS (SELECT score FROM ticket_ratings WHERE ticket_id = $1) "
	"INSERT INTO ticket_ratings (ticket_id, score, comment, via, rated_at, "
	"sealed_comment) VALUES ($1, $2::int, $3, $4, $5, $6::bytea) "
	"ON CONFLICT (ticket_id) DO UPDATE "
	"SET score = EXCLUDED.score, comment = EXCLUDED.comment, "
	"sealed_comment = EXCLUDED.sealed_comment, "
	"via = EXCLUDED.via, rated_at = EXCLUDED.rated_at, "
	"changes = ticket_ratings.changes + 1 "
	"RETURNING coalesce((SELECT score FROM old), 0)", 6 };
static const struct db_stmt st_satisfaction = { "satisfaction",
	"SELECT ratings, coalesce(average::text, ''), coalesce(csat::text, ''), "
	"s1, s2, s3, s4, s5 FROM satisfaction($1::timestamptz)", 1 };

int
store_rating_set(struct db *db, int64_t ticket_id, int score,
    const char *comment, const unsigned char *sealed, size_t sealed_len,
    const char *via, time_t now, int *previous_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, now);
	char sc[8];
	const char *p[6] = { tid, sc, sealed ? NULL : comment, via, ts,
		(const char *)sealed };
	int lens[6] = { 0, 0, 0, 0, 0, (int)sealed_len };
	int bin[6] = { 0, 0, 0, 0, 0, 1 };
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
