/*
 * store.h - the data-access layer: one function per thing the program
 * reads or writes, each a named prepared statement with parameters.
 *
 * One header per job: store_ticket.h (a ticket's row), store_message.h
 * (its mails and threading), store_participant.h, store_event.h (events
 * and the mails of ours queued), store_mailbox.h (dedup claim, poller
 * lock, IMAP position), store_quarantine.h, store_org.h,
 * store_setting.h, timers_db.h (the SLA timers); this one holds what a
 * refresh of the timers reads, the SLA state of a ticket.
 *
 * Every function works inside whatever transaction the caller opened; the
 * caller decides where the transaction (and the per-mail savepoint) ends.
 * Writes whose result is not asked for (events, timers, a message or a
 * mail of ours when no id is wanted) are deferred (db_defer()): their
 * errors come back from the next call that waits, or from db_flush().
 * Times are Unix seconds from Guichet's own clock; ids are PostgreSQL
 * bigints. Strings returned are copied into the caller's buffers or
 * returned as malloc'd strings documented per function.
 */
#ifndef GC_STORE_H
#define GC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"
#include "sql/store_event.h"
#include "sql/store_ticket.h"

/* ----- SLA ----------------------------------------------------------- */

/* A timer of a ticket as stored, for a refresh; times 0 when unset. */
struct store_sla_timer {
	char kind[16];
	time_t due_at, warn_at;
	bool warned, breached;           /* fired */
	/* the rest of the row, so that a refresh that changes nothing
	 * writes nothing; whole: all of it read */
	time_t start_at, met_at, next_at;
	long long target_seconds;
	char calendar[64];
	bool whole;
};

/* What the SLA policy needs to know of a ticket; times 0 when unset. */
struct store_sla_state {
	char plan[32];
	char priority[8];
	char queue[64];
	char status[16];
	time_t created_at;          /* where its SLA clock starts: its
	                               sla_start_at, else created_at */
	time_t first_response_at;
	time_t workaround_at;
	time_t resolved_at;
	time_t last_update_at;
	time_t rca_sent_at;
	time_t *pause_start;     /* malloc'd, npauses each */
	time_t *pause_end;       /* 0: still paused */
	size_t npauses;
	struct store_sla_timer *timers;  /* malloc'd, its timers now */
	size_t ntimers;
	size_t nstored;     /* its rows, also those that do not read */
};
int store_sla_state(struct db *db, int64_t ticket_id,
    struct store_sla_state *out, struct gc_err *err);
void store_sla_state_clear(struct store_sla_state *s);

#endif
