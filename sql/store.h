/*
 * store.h - the data-access layer: one function per thing the program
 * reads or writes, each a named prepared statement with parameters.
 *
 * One header per job: store_ticket.h (a ticket's row), store_message.h
 * (its mails and threading), store_participant.h, store_event.h (events
 * and the mails of ours queued), store_mailbox.h (dedup claim, poller
 * lock, IMAP position), store_quarantine.h, store_org.h,
 * store_setting.h; this one holds the SLA state and timers.
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

/* What the SLA policy needs to know of a ticket; times 0 when unset. */
struct store_sla_state {
	char plan[32];
	char priority[8];
	char queue[64];
	char status[16];
	time_t created_at;
	time_t first_response_at;
	time_t workaround_at;
	time_t resolved_at;
	time_t last_update_at;
	time_t rca_sent_at;
	time_t *pause_start;     /* malloc'd, npauses each */
	time_t *pause_end;       /* 0: still paused */
	size_t npauses;
};
int store_sla_state(struct db *db, int64_t ticket_id,
    struct store_sla_state *out, struct gc_err *err);
void store_sla_state_clear(struct store_sla_state *s);

struct store_timer {
	const char *kind;
	time_t start_at, due_at, warn_at, met_at;   /* 0: NULL */
	long long target_seconds;
	const char *calendar;
};
/* Replace the timers of a ticket by these (a fired level is kept only
 * while its deadline stays the same), and set their next_at; closed
 * tickets get no next_at. fresh: the ticket has none yet (cheaper). */
int store_timers_set(struct db *db, int64_t ticket_id,
    const struct store_timer *t, size_t n, bool closed, bool fresh,
    struct gc_err *err);

struct store_due_timer {
	int64_t ticket_id;
	char kind[16];
	time_t due_at, warn_at;          /* 0: NULL */
	bool warned, breached;
	struct store_ticket ticket;      /* its ticket */
};
void store_due_timers_free(struct store_due_timer **d, size_t n);

/* What one timer fired, for store_timers_fire(): level 0 nothing (its
 * next_at was stale), 1 the warning, 2 the breach. */
struct store_fire {
	int64_t ticket_id;
	const char *kind;
	int level;
	const char *event_kind;          /* "sla_warning"..., NULL: none */
	const char *event_json;
	const struct store_outbox *mail; /* NULL: no mail (staff-only: no
	                                    message on the ticket) */
	const char *mail_event_json;
	const struct store_outbox *hooks; size_t nhooks;
};
/* Write what a pass fired, in one statement, in the order given. */
int store_timers_fire(struct db *db, const struct store_fire *f, size_t n,
    time_t now, struct gc_err *err);
/* Timers whose next_at has come, locked for this transaction (SKIP
 * LOCKED), oldest first; *out malloc'd. */
int store_timers_due(struct db *db, time_t now, int max,
    struct store_due_timer **out, size_t *n_r, struct gc_err *err);
/* The earliest next_at of all timers, 0 when none. */
int store_timers_next(struct db *db, time_t *next_r, struct gc_err *err);

#endif
