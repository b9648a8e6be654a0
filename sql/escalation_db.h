/*
 * escalation_db.h - who was told of each escalation, and the escalations
 * that wait to be gathered into one mail (desk/escalation.h; the table
 * escalation_sends, 047_escalation_sends.sql)
 */
#ifndef GC_SQL_ESCALATION_DB_H
#define GC_SQL_ESCALATION_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* How many escalations each of addrs[0..n) had in the hour before now,
 * gathered or not, into counts[0..n). An address is one whatever its
 * case: the table keeps it in lower case (049). */
int escalation_db_recent(struct db *db, time_t now, const char *const *addrs,
    size_t n, long long *counts, struct gc_err *err);

/* One address told of one escalation. */
struct escalation_send {
	const char *address;
	int64_t ticket_id;
	const char *timer;       /* "acknowledge"... */
	const char *level;       /* "warning" | "breach" */
	time_t due_at;
	bool gathered;           /* waits for the mail that lists it */
};

/* Note rows[0..n) at now, in the caller's transaction, each address in
 * lower case. */
int escalation_db_note(struct db *db, const struct escalation_send *rows,
    size_t n, time_t now, struct gc_err *err);

/* One escalation that waits, with what its ticket is now. */
struct escalation_waiting {
	int64_t id;
	const char *address;     /* in lower case */
	const char *number, *priority, *plan, *status, *queue, *assignee,
	    *subject, *timer, *level;              /* assignee "": nobody */
	time_t due_at, at;
};

struct escalation_waits {
	struct escalation_waiting *rows;
	size_t n;
	void *res;               /* what the strings point into */
};

/* The waiting escalations of every address whose oldest waits since
 * before `before`, at most max, locked for this transaction (SKIP
 * LOCKED: another daemon's pass takes the others), by address, then
 * breaches first, then the soonest due. */
int escalation_db_waiting(struct db *db, time_t before, int max,
    struct escalation_waits *out, struct gc_err *err);
void escalation_waits_free(struct escalation_waits *w);

/* ids[0..n) went in the mail message_id at now. */
int escalation_db_sent(struct db *db, const int64_t *ids, size_t n,
    const char *message_id, time_t now, struct gc_err *err);

/* Rows noted before `before` that wait for nothing, at most max:
 * *deleted_r. */
int escalation_db_purge(struct db *db, time_t before, int max,
    int *deleted_r, struct gc_err *err);

#endif
