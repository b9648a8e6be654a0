/*
 * hold.c - mail held back, and let go (see hold.h)
 */
#include "sql/hold.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

/* ----- Quarantine release ----------------------------------------- */

/* The UPDATE waits for a transaction releasing the same entry, then sees
 * its outcome: of two operators at once, one gets the row. */
static const struct db_stmt st_release_claim = { "hold_release_claim",
	"UPDATE quarantine SET status = 'released', released_at = $2, "
	"released_by = $3 WHERE id = $1 AND status = 'held' "
	"RETURNING raw, mailbox, reason, detail, dedup_key", 3 };
static const struct db_stmt st_release_state = { "hold_release_state",
	"SELECT q.status, q.released_by, iso_utc(coalesce(q.released_at, "
	"q.retried_at)), t.number FROM quarantine q LEFT JOIN tickets t ON "
	"t.id = q.ticket_id WHERE q.id = $1", 1 };

static char *
dup_value(const PGresult *res, int col)
{
	const char *v = db_get(res, 0, col);

	return v ? xstrdup(v) : NULL;
}

/* Why entry id cannot be released: it is gone or no longer held. */
static int
not_held(struct db *db, int64_t id, struct gc_err *err)
{
	char ids[24];
	PGresult *res;
	const char *status, *by, *at, *number;
	int rc;

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = db_execv(db, &st_release_state, &res, err, 1, ids)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no quarantine entry %"
		    PRId64, id);
	}
	status = db_get(res, 0, 0);
	by = db_get(res, 0, 1);
	at = db_get(res, 0, 2);
	number = db_get(res, 0, 3);
	if (status != NULL && strcmp(status, "released") == 0)
		rc = gc_err_set(err, GC_EINVAL, "quarantine entry %" PRId64
		    " was already released by %s at %s into %s", id,
		    by ? by : "?", at ? at : "?", number ? number : "?");
	else
		rc = gc_err_set(err, GC_EINVAL, "quarantine entry %" PRId64
		    " is %s (at %s%s%s), not held", id,
		    status ? status : "?", at ? at : "?",
		    number ? ", ticket " : "", number ? number : "");
	PQclear(res);
	return rc;
}

int
hold_release_claim(struct db *db, int64_t id, time_t now, const char *by,
    struct hold_entry *out, struct gc_err *err)
{
	char ids[24], ts[32];
	unsigned char *raw;
	PGresult *res;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	time_iso8601(ts, sizeof(ts), now);
	if ((rc = db_execv(db, &st_release_claim, &res, err, 3, ids, ts,
	    by)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return not_held(db, id, err);
	}
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
	    &len);
	if (raw == NULL)
		fatal("PQunescapeBytea: out of memory");
	out->raw = xmalloc(len + 1);
	memcpy(out->raw, raw, len);
	out->raw[len] = '\0';
	out->len = len;
	PQfreemem(raw);
	out->mailbox = dup_value(res, 1);
	out->reason = dup_value(res, 2);
	out->detail = dup_value(res, 3);
	out->dedup_key = dup_value(res, 4);
	PQclear(res);
	return 0;
}

void
hold_entry_clear(struct hold_entry *e)
{
	free(e->raw);
	free(e->mailbox);
	free(e->reason);
	free(e->detail);
	free(e->dedup_key);
	memset(e, 0, sizeof(*e));
}
