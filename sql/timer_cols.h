/*
 * timer_cols.h - a ticket's SLA timers as the columns of a statement
 *
 * The timers that sla/timer.c decided, as array literals (one per
 * column), for the two statements that write them: store_timers_set()
 * (sql/timers_db.h) and a new ticket's own (store_ticket_insert(),
 * sql/store_ticket.h).
 */
#ifndef GUICHET_SQL_TIMER_COLS_H
#define GUICHET_SQL_TIMER_COLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/mem.h"

struct store_timer {
	const char *kind;
	time_t start_at, due_at, warn_at, met_at;   /* 0: NULL */
	long long target_seconds;
	const char *calendar;
	time_t next_at;                             /* 0: NULL */
	bool keep_warned, keep_breached;  /* the stored mark stays */
};
/* The columns of n timers as array literals, 0 instants as NULL, for a
 * statement that writes them: store_timers_set()'s and the new ticket's
 * own (store_ticket_insert()). */
struct store_timer_cols {
	struct buf k, st, due, warn, met, tgt, c, kw, kb, next;
};
void store_timer_cols(struct store_timer_cols *a, const struct store_timer *t,
    size_t n);
void store_timer_cols_free(struct store_timer_cols *a);
/* The eight arrays that STORE_TIMERS_INSERT takes, in its order, into
 * p[0..7]. */
void store_timer_cols_new(const struct store_timer_cols *a, const char **p);
/* The INSERT of a new ticket's timers (nothing fired yet) for the ticket
 * id ID of the rows of FROM ("" or "t, ", say), their columns in the
 * parameters P1..P8 as store_timer_cols_new() gives them: the statement
 * of store_timers_set() and a part of the ticket's own (store_ticket.c). */
#define STORE_TIMERS_INSERT(ID, FROM, P1, P2, P3, P4, P5, P6, P7, P8) \
	"INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, " \
	"warn_at, met_at, target_seconds, calendar, next_at) SELECT " ID \
	", u.k, u.st, u.du, u.wa, u.me, u.ta, u.ca, u.nx FROM " FROM \
	"unnest(" P1 "::text[], " P2 "::timestamptz[], " P3 \
	"::timestamptz[], " P4 "::timestamptz[], " P5 "::timestamptz[], " \
	P6 "::bigint[], " P7 "::text[], " P8 "::timestamptz[]) AS u(k, st, " \
	"du, wa, me, ta, ca, nx)"

#endif
