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
	const char *due_kind;   /* "acknowledge"...: that deadline's */
	bool overdue;           /* due before now */
};

/* How many open tickets a queue has that one agent (or nobody: "")
 * has, and how many of them are past a deadline. */
struct digest_group {
	const char *queue, *assignee;
	long long open, overdue;
};

/* The open tickets of a set of queues, as one read gave them. */
struct digest_open {
	struct digest_row *rows;    /* most urgent first */
	size_t nrows;
	struct digest_group *groups;
	size_t ngroups;
	void *res;                  /* what the strings point into */
};

/*
 * The open tickets (new, open, pending; not merged) of queues[0..nq), in
 * one read for every agent of a pass: the first max of each queue, most
 * urgent first as `ticket list` orders them (the soonest running
 * deadline, then the plan's rank: plans[i] has ranks[i], any other
 * other_rank, then the newest), all of them in that order; and the
 * counts of every (queue, assignee). The first max of any set of these
 * queues are the first max of the rows that are of one of them.
 * digest_db_open_free() it.
 */
int digest_db_open(struct db *db, const char *const *queues, size_t nq,
    time_t now, const char *const *plans, const int *ranks, size_t nplans,
    int other_rank, long long max, struct digest_open *out,
    struct gc_err *err);
void digest_db_open_free(struct digest_open *o);

#endif
