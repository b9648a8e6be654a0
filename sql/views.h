/*
 * views.h - read-side queries that produce the JSON documents of the
 * public contract (`ticket list|show --json`, `quarantine list --json`)
 *
 * PostgreSQL builds the JSON (json_build_object), so one round trip gives
 * the whole document. Field names are snake_case, times ISO-8601 UTC.
 * Returned strings are malloc'd; the caller frees them.
 */
#ifndef GC_VIEWS_H
#define GC_VIEWS_H

#include <stdbool.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* One ticket with its messages and events; GC_ENOTFOUND if no such. */
int views_ticket(struct db *db, const char *number, char **json_r,
    struct gc_err *err);

/* What `ticket list` asks for: each string NULL for any. plans[i] has
 * handling rank ranks[i] (nplans of them, sla_policy_plan_ranks());
 * other_rank is the rank of a plan the policy does not know. */
struct views_ticket_filter {
	const char *status;
	const char *queue;
	const char *priority;
	const char *assignee;
	const char *organisation;
	bool breached;         /* an SLA due before it was met, or before now */
	time_t now;
	const char *const *plans;
	const int *ranks;
	size_t nplans;
	int other_rank;
	long long max;         /* at most so many tickets; 0: all */
};

/* The first f->max tickets that pass the filter (without messages and
 * events), most urgent first: the soonest SLA due, then the plan's rank,
 * then the newest; each handed to fn as a JSON object's text as it
 * comes from the database (one in memory at a time). fn returns 0, or
 * an error code that stops the list and is returned. */
typedef int views_ticket_fn(void *arg, const char *json);
int views_ticket_list(struct db *db, const struct views_ticket_filter *f,
    views_ticket_fn *fn, void *arg, struct gc_err *err);

/* Which quarantine entries `quarantine list` shows: each filter NULL (or
 * 0) for any. */
struct views_quarantine_filter {
	const char *reason;     /* "parse", "held", "stranger"... */
	const char *status;     /* held | retried | released */
	const char *queue;      /* held security reports told to (or for)
	                           this queue's agents (notice_queue) */
	time_t since;           /* received at or after */
	long long max;          /* the newest max of them */
};

/* The newest f->max entries that pass the filter, oldest of them first:
 * a JSON array; *more_r says whether older ones were left out. */
int views_quarantine_list(struct db *db,
    const struct views_quarantine_filter *f, char **json_r, bool *more_r,
    struct gc_err *err);
int views_quarantine(struct db *db, long long id, char **json_r,
    struct gc_err *err);

/* What the customer's page of a ticket shows (daemon/follow_page.h),
 * times in zone (a time zone name PostgreSQL knows): a JSON object
 * with number, subject, status, priority, queue, language, requester,
 * merged_into (a number, or null), created_at, eta, timers [{kind, due_at, met_at}] and history, the
 * newest 100 of what happened [{at, what, from, to}], oldest first.
 * No message's text. GC_ENOTFOUND without the ticket. */
int views_follow(struct db *db, long long id, const char *zone,
    char **json_r, struct gc_err *err);

/* Outbox rows, newest first, at most max (status NULL: all), with
 * their recipients: a JSON array. */
int views_outbox_list(struct db *db, const char *status, long long max,
    char **json_r, struct gc_err *err);

#endif
