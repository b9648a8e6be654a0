/*
 * report_db.h - the figures of an organisation's report, each section one
 * aggregate query over its tickets and SLA timers; and the rows that
 * make a scheduled report go out once per period
 *
 * Every query takes the organisation's name and the period [start,
 * as_of): tickets opened, resolved and still open; timers met in the
 * period, breached in it (their deadline passed) and running at its end
 * (report_timer_state() of migration 018); durations in business time
 * over multiranges of open hours that the caller computed from its
 * calendars (report_business_seconds()). Nothing loads a ticket: lists
 * (breaches, P1 incidents) are capped, with their full count, and their
 * subjects cut to 300 characters.
 *
 * Conventions of the whole store (transactions, times, ownership): see
 * sql/store.h. Strings of the rows returned are allocated in the
 * caller's arena.
 */
#ifndef GC_SQL_REPORT_DB_H
#define GC_SQL_REPORT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sql/db.h"

/* A name (a priority, a timer) and three counts: opened, resolved and
 * still open tickets; met, breached and running timers. */
struct report_db_count {
	char name[16];
	long long n[3];
};

struct report_db_breach {
	const char *number, *subject;
	char priority[16], kind[16];
	time_t at;                  /* when it was breached */
	long long late_seconds;     /* until met, or until as_of */
	bool met;
};

struct report_db_duration {
	char kind[16];              /* "acknowledge" or "resolve" */
	long long count;
	double mean, median, p90;   /* seconds */
};

struct report_db_incident {
	const char *number, *subject;
	time_t created_at, resolved_at;
	char rca[8];                /* sent, late, due, none */
};

struct report_db_time {
	const char *number, *subject;
	long long minutes;          /* logged in the period, corrections in */
};

/* Bucket i (0-based) of the bounds given to report_db_buckets(). */
struct report_db_bucket {
	long long opened, resolved, breached, met;
};

/* Tickets by priority (out: max rows, *n_r of them). */
int report_db_counts(struct db *db, const char *org, time_t start,
    time_t as_of, struct report_db_count *out, size_t max, size_t *n_r,
    struct gc_err *err);

/* Timers by kind. */
int report_db_timers(struct db *db, const char *org, time_t start,
    time_t as_of, struct report_db_count *out, size_t max, size_t *n_r,
    struct gc_err *err);

/* The breaches of the period, oldest first, at most max (arena a);
 * *total_r counts them all. */
int report_db_breaches(struct db *db, const char *org, time_t start,
    time_t as_of, struct arena *a, struct report_db_breach **out,
    size_t max, size_t *n_r, long long *total_r, struct gc_err *err);

/* Where the acknowledge and resolve timers met in the period started
 * (*since_r, the earliest; 0 when none) and the calendars they and those
 * started in the period count on (names into a, *ncal_r of at most
 * maxcal). */
int report_db_duration_scope(struct db *db, const char *org, time_t start,
    time_t as_of, time_t *since_r, struct arena *a, const char **cals,
    size_t maxcal, size_t *ncal_r, struct gc_err *err);

/* Mean, median and p90 of those timers, each counted in business
 * seconds of its calendar: cal_names[i] counts over cal_ranges[i] (a
 * tstzmultirange literal); a calendar not named counts every second. */
int report_db_durations(struct db *db, const char *org, time_t start,
    time_t as_of, const char *const *cal_names,
    const char *const *cal_ranges, size_t ncal,
    struct report_db_duration *out, size_t max, size_t *n_r,
    struct gc_err *err);

/* The tickets agents logged time on in the period (#time), most first:
 * at most max, with how many there are and the minutes of them all. */
int report_db_time(struct db *db, const char *org, time_t start,
    time_t as_of, struct arena *a, struct report_db_time **out,
    size_t max, size_t *n_r, long long *tickets_r, long long *minutes_r,
    struct gc_err *err);

/* The P1 tickets opened in the period with their RCA's state. */
int report_db_incidents(struct db *db, const char *org, time_t start,
    time_t as_of, struct arena *a, struct report_db_incident **out,
    size_t max, size_t *n_r, long long *total_r, struct gc_err *err);

/* Opened, resolved, breached, met per bucket: bounds[0] == start <
 * bounds[1] < ... (nbounds buckets, the last one up to as_of). */
int report_db_buckets(struct db *db, const char *org, time_t start,
    time_t as_of, const time_t *bounds, size_t nbounds,
    struct report_db_bucket *out, struct gc_err *err);

/* ----- Scheduled sending -------------------------------------------- */

/* Of names, those whose report (kind, period) was not sent yet. */
int report_db_unsent(struct db *db, const char *kind, const char *period,
    const char *const *names, size_t n, bool *unsent, struct gc_err *err);

/* The names of the imported organisations on one of plans whose report
 * (kind, period) was not sent yet, at most max (in a), by name. */
int report_db_unsent_imported(struct db *db, const char *kind,
    const char *period, const char *const *plans, size_t nplans,
    struct arena *a, const char **out, size_t max, size_t *n_r,
    struct gc_err *err);

/* Claim the report (kind, period) of org in the caller's transaction:
 * *claimed_r false when another transaction (a second daemon, an earlier
 * run) already did. The row waits for the other's commit, so that only
 * one of two daemons ever claims. */
int report_db_claim(struct db *db, const char *org, const char *kind,
    const char *period, time_t now, bool *claimed_r, struct gc_err *err);

/* What became of a claimed report: the outbox row's Message-ID (or NULL)
 * and its recipients, or why none went (note). */
int report_db_sent(struct db *db, const char *org, const char *kind,
    const char *period, const char *message_id,
    const char *const *rcpts, size_t nrcpts, const char *note,
    struct gc_err *err);

#endif
