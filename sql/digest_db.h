/*
 * digest_db.h - the rows of the agents' digest (desk/digest.h): who had
 * theirs today, and the open tickets of a set of queues
 */
#ifndef GC_SQL_DIGEST_DB_H
#define GC_SQL_DIGEST_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The agents whose digest of day ("2026-11-27") is claimed already:
 * *names_r malloc'd (store_strings_free()). */
int digest_db_done(struct db *db, const char *day, char ***names_r,
    size_t *n_r, struct gc_err *err);

/* Claim agent's digest of day, in the caller's transaction: *claimed_r
 * false when another pass has it (it waits for that pass's transaction
 * and finds its row). */
int digest_db_claim(struct db *db, const char *day, const char *agent,
    time_t now, bool *claimed_r, struct gc_err *err);

/* What the claimed row of agent and day became: tickets listed (0: no
 * mail), the mail's Message-ID or NULL. */
int digest_db_note(struct db *db, const char *day, const char *agent,
    long long tickets, const char *message_id, struct gc_err *err);

/* One open ticket of the digest. */
struct digest_row {
	const char *number, *priority, *plan, *status, *queue, *assignee,
	    *subject;           /* assignee "" when nobody */
	time_t due;             /* the soonest running deadline, 0: none */
	const char *due_kind;   /* "ack", "workaround"...: that deadline's */
	bool overdue;           /* due before now */
};

/* The counts of the whole list (not only the rows handed over). */
struct digest_counts {
	long long open, overdue, unassigned, mine;
};

/* The open tickets (new, open, pending; not merged) of queues[0..nq),
 * most urgent first as `ticket list` orders them (the soonest running
 * deadline, then the plan's rank: plans[i] has ranks[i], any other
 * other_rank, then the newest): the first max handed to fn one at a
 * time, and *counts of all of them (mine: assigned to agent). fn returns
 * 0 or an error that stops the list. */
typedef int digest_row_fn(void *arg, const struct digest_row *row);
int digest_db_tickets(struct db *db, const char *const *queues, size_t nq,
    const char *agent, time_t now, const char *const *plans,
    const int *ranks, size_t nplans, int other_rank, long long max,
    digest_row_fn *fn, void *arg, struct digest_counts *counts,
    struct gc_err *err);

#endif
