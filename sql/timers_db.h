/*
 * timers_db.h - the SLA timers' statements
 *
 * Writing a ticket's timers, the scheduler's due timers (locked for its
 * transaction) and what one pass fired, in one statement each. The rule
 * that decides next_at and the fired marks is sla/timer.c: these store
 * what it decided.
 */
#ifndef GUICHET_SQL_TIMERS_DB_H
#define GUICHET_SQL_TIMERS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sql/db.h"
#include "sql/store.h"
#include "sql/timer_cols.h"

/* Replace the timers of a ticket by these, with the next_at and marks
 * that sla_timer_refresh() decided (a mark not kept goes). how: replace
 * them all (STORE_TIMERS_REPLACE), the ticket has none yet
 * (STORE_TIMERS_NEW, cheaper), or the ticket has timers of these very
 * kinds and t holds only those that change (STORE_TIMERS_CHANGED: the
 * others are not written again). */
enum store_timers_how {
	STORE_TIMERS_REPLACE, STORE_TIMERS_NEW, STORE_TIMERS_CHANGED
};
int store_timers_set(struct db *db, int64_t ticket_id,
    const struct store_timer *t, size_t n, enum store_timers_how how,
    struct gc_err *err);
struct store_due_timer {
	int64_t ticket_id;
	char kind[16];
	time_t due_at, warn_at;          /* 0: NULL */
	bool warned, breached;
	time_t met_at;                   /* 0: NULL */
	struct store_ticket ticket;      /* its ticket */
};
void store_due_timers_free(struct store_due_timer **d, size_t n);

/* What one timer fired, for store_timers_fire(), as sla_timer_fire()
 * decided: its marks after the pass (a mark set keeps its time) and its
 * next instant. No event: it fired nothing (its next_at was stale). */
#define STORE_FIRE_MAILS 2

struct store_fire {
	int64_t ticket_id;
	const char *kind;
	bool warned, breached;
	time_t next_at;                  /* 0: NULL */
	const char *event_kind;          /* "sla_warning"..., NULL: none */
	const char *event_json;
	/* its mails (staff-only: no message on the ticket), each with the
	 * JSON of its mail_queued event */
	const struct store_outbox *mails[STORE_FIRE_MAILS];
	const char *mail_events[STORE_FIRE_MAILS];
	size_t nmails;
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
