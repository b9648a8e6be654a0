/*
 * store_ticket.h - a ticket's row: create it with its number, find it by
 * number or id, change its status, priority, assignee and milestones,
 * merge it, pick the resolved ones to close
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_TICKET_H
#define GC_SQL_STORE_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct store_timer;   /* sql/timer_cols.h */

struct store_ticket {
	int64_t id;
	char number[64];
	char status[16];
	char priority[4];
	char plan[32];
	char queue[64];
	char mailbox[64];
	char language[8];
	char assignee[64];      /* [agent NAME] or "" */
	int64_t merged_into;    /* 0: not merged */
	char *requester;        /* malloc'd */
	char *requester_name;   /* malloc'd, may be NULL */
	char *subject;          /* malloc'd */
	time_t created_at;
	time_t eta;             /* announced solution (#eta), 0: none */
	int link_epoch;         /* raised by ticket revoke-links */
	char last_answer_by[64];   /* the agent who answered the customer
	                              last, "" (043_last_answer.sql) */
};

void store_ticket_clear(struct store_ticket *t);

/* The columns a struct store_ticket is read from, in the order of
 * store_ticket_row(), which fills *t from the first row of res, its
 * columns from c on (the row must be there). */
#define STORE_TICKET_COLS "id, number, status, priority, plan, queue, " \
	"mailbox, language, requester, requester_name, subject, " \
	"extract(epoch FROM created_at)::bigint, coalesce(assignee, ''), " \
	"coalesce(merged_into, 0), coalesce(extract(epoch FROM eta)::bigint, " \
	"0), link_epoch, coalesce(last_answer_by, '')"
void store_ticket_row(const PGresult *res, int c, struct store_ticket *t);

struct store_ticket_new {
	/* the number: prefix + sequence (padded to width, with '0' when
	 * zero) + suffix, see tracking_split() */
	const char *number_prefix, *number_suffix;
	int number_width;
	bool number_zero;
	const char *created_json, *qualified_json;   /* the two events */
	const char *status;
	const char *priority;
	const char *plan;
	const char *queue;
	const char *mailbox;
	const char *requester;
	const char *requester_name;
	const char *subject;
	const char *language;
	const char *organisation;
	const char *const *tags; size_t ntags;
	time_t now;
	/* its SLA timers (timers_opening()), none when ntimers is 0 */
	const struct store_timer *timers; size_t ntimers;
};

/* The ticket (number drawn from the sequence, into number_r), its
 * requester as first participant, its created and qualified events and
 * its SLA timers, in one statement. */
int store_ticket_insert(struct db *db, const struct store_ticket_new *t,
    int64_t *id_r, char *number_r, size_t numlen, struct gc_err *err);
/* Fill t from the ticket with that number / id; GC_ENOTFOUND if none. */
int store_ticket_by_number(struct db *db, const char *number,
    struct store_ticket *t, struct gc_err *err);
int store_ticket_by_id(struct db *db, int64_t id, struct store_ticket *t,
    struct gc_err *err);
int store_ticket_touch(struct db *db, int64_t id, time_t now,
    struct gc_err *err);
int store_ticket_set_status(struct db *db, int64_t id, const char *status,
    time_t now, struct gc_err *err);

/* A closed ticket, for a mail of address to it: when it closed (0: not
 * closed, or before closed_at was kept), and the newest ticket still
 * open that a mail of address to it opened since ("followed_up" event;
 * 0: none). Off the intake's common path. */
int store_ticket_closed(struct db *db, int64_t id, const char *address,
    time_t *closed_at_r, int64_t *followup_r, struct gc_err *err);

int store_ticket_set_priority(struct db *db, int64_t id, const char *prio,
    time_t now, struct gc_err *err);
/* The customer's language ("fr", "en"): our mails to them from now on. */
int store_ticket_set_language(struct db *db, int64_t id, const char *lang,
    time_t now, struct gc_err *err);
int store_ticket_set_assignee(struct db *db, int64_t id, const char *agent,
    time_t now, struct gc_err *err);
int store_ticket_set_related(struct db *db, int64_t id, int64_t related,
    struct gc_err *err);

/* Milestones kept on the ticket; the first time only where it says so. */
enum store_mark {
	STORE_MARK_WORKAROUND,       /* first time only */
	STORE_MARK_RCA_SENT,
	STORE_MARK_VALIDATED,
};
int store_ticket_mark(struct db *db, int64_t id, enum store_mark m,
    time_t now, struct gc_err *err);
/* An answer to the customer by agent actor: first response (first time
 * only), last update, who gave it (last_answer_by) and updated_at, and
 * with opened_json a new ticket made open (as
 * store_ticket_set_status() would) and its status_changed event (data
 * opened_json, by actor), in one write that rides with the next round
 * trip. */
int store_ticket_answered(struct db *db, int64_t id, const char *actor,
    const char *opened_json, time_t now, struct gc_err *err);

/* Merge ticket from into ticket into: its messages and participants move,
 * it is closed and points at into. */
int store_ticket_merge(struct db *db, int64_t from, int64_t into,
    time_t now, struct gc_err *err);

/* Resolved tickets whose resolution is older than before: ids, at most
 * max, locked for this transaction (SKIP LOCKED). */
int store_tickets_to_autoclose(struct db *db, time_t before, int max,
    int64_t *ids, size_t *n_r, struct gc_err *err);

/* Every page link of ticket `number` sent so far stops working (its link
 * epoch raised, 039_ticket_links.sql), with a links_revoked event by
 * `by`; *epoch_r the new epoch. GC_ENOTFOUND: no such ticket. */
int store_ticket_revoke_links(struct db *db, const char *number,
    const char *by, time_t now, int *epoch_r, struct gc_err *err);

#endif
