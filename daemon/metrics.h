/*
 * metrics.h - the figures of /metrics and the verdict of /healthz
 *
 * One struct metrics per daemon. The main loop writes it (an increment
 * under a mutex per event: a pass of a mailbox, an outbox flush, a
 * scheduler tick) and copies the database's figures into it at most every
 * few seconds; the HTTP thread only reads it, through metrics_format() and
 * metrics_health(), which take the same mutex and do no I/O and read no
 * clock (now is a parameter): the text they make is unit-tested.
 *
 * Counters count what this daemon did since it started; several daemons
 * on one database each serve their own view. The database's figures
 * (open tickets, outbox depth) are the whole database's, as of
 * db_figures_at.
 *
 * Ownership: struct metrics owns its mailbox table; metrics_free() sets
 * the pointer to NULL. metrics_format() returns a malloc'd string.
 */
#ifndef GC_METRICS_H
#define GC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sql/metrics_db.h"

enum metrics_outcome {
	METRICS_TICKET,          /* a new ticket */
	METRICS_FOLLOWUP,        /* joined an existing ticket */
	METRICS_DUPLICATE,       /* a copy of a mail stored before */
	METRICS_QUARANTINE,      /* kept in the quarantine */
	METRICS_LOOP,            /* our own mail come back: dropped */
	METRICS_BOUNCE,          /* a delivery report recorded on a ticket */
	METRICS_HELD,            /* held by a rule (spam): no ticket */
	METRICS_NOUTCOMES
};

enum metrics_send_failure {
	METRICS_SEND_TEMPORARY,  /* a recipient to be tried again */
	METRICS_SEND_REFUSED,    /* a recipient refused for good (5xx) */
	METRICS_SEND_DEAD,       /* a mail or webhook given up */
	METRICS_NSEND
};

#define METRICS_MAX_TICKET_ROWS 1024  /* (priority, status, queue) kept */
#define METRICS_NBUCKETS 12

struct metrics;

struct metrics_thresholds {
	long long poll_stale_after;     /* seconds */
	long long outbox_stuck_after;   /* seconds */
	long long pass_stale_after;     /* seconds without a scheduler pass
	                                   reported; 0: not looked at */
};

void metrics_new(struct metrics **out, time_t started);
void metrics_free(struct metrics **m);

/* The mailboxes of the current config generation: counters of a mailbox
 * that stays are kept; a mailbox gone from the config keeps its counters
 * but is no longer looked at by /healthz. */
void metrics_set_mailboxes(struct metrics *m, const char *const *names,
    size_t n, time_t now);

/* A pass of a mailbox: counts by outcome (indexed by metrics_outcome);
 * ok: the pass completed; standby: another daemon holds the mailbox. */
void metrics_mailbox_pass(struct metrics *m, const char *mailbox,
    const unsigned long long *outcomes, bool ok, bool standby, time_t now);
/* Mails taken outside a pass (LMTP): counts by outcome, as for a pass,
 * the mailbox's pass figures (last success, failures) untouched. */
void metrics_mailbox_mail(struct metrics *m, const char *mailbox,
    const unsigned long long *outcomes);

/* LMTP (daemon/lmtp.h): what this daemon's listener did since it
 * started, as a whole (copied each turn). */
struct metrics_lmtp {
	bool on;                       /* a listener: the figures shown */
	unsigned long long stored;     /* recipients answered 250 */
	unsigned long long tempfail;   /* answered 451: the MTA retries */
	unsigned long long too_big;    /* answered 552 */
	unsigned long long refused;    /* connections past max_connections */
	unsigned long sessions;        /* open now */
};
void metrics_lmtp(struct metrics *m, const struct metrics_lmtp *f);

void metrics_send_failures(struct metrics *m, int temporary, int refused,
    int dead);
void metrics_sla(struct metrics *m, int warnings, int breaches, int closed,
    int summaries, int ratings_told);
/* The database connection's own round-trip count, read each turn: the
 * difference since the last call is added (a new connection starts from
 * 0 again). */
void metrics_db_round_trips(struct metrics *m, unsigned long long now_count);
void metrics_db_up(struct metrics *m, bool up);
/* What the connection's commits rest on (sql/db.h, db_durability_gap()). */
void metrics_db_durable(struct metrics *m, bool durable);
void metrics_observe_intake(struct metrics *m, double seconds,
    unsigned long n);
void metrics_observe_ack(struct metrics *m, double seconds, unsigned long n);
/* One scheduler pass (desk/scheduler.h) took this long, its commit
 * included, failed or not, and this much CPU time of the thread that ran
 * it (PostgreSQL's work not counted); it was reported at now. */
void metrics_observe_pass(struct metrics *m, double seconds,
    double cpu_seconds, time_t now);

/* The process as the kernel tells it (daemon/procself.h), given by the
 * HTTP thread as a scrape begins; shown under Prometheus' standard
 * process_* names when known. max_fds < 0: no limit. */
struct metrics_process {
	bool known;
	double cpu_seconds;            /* user + system, all threads */
	double start_time;             /* unix time; 0: unknown */
	long long resident_bytes, virtual_bytes;
	long long open_fds, max_fds;   /* -1: unknown */
};
void metrics_set_process(struct metrics *m, const struct metrics_process *p);

/* The state of an OAuth2 credential ("mailbox NAME", "smtp"): counters
 * since start, and whether the provider refuses its refresh token
 * (then /healthz is 503). */
struct metrics_oauth2 {
	const char *name;
	bool refused;
	unsigned long long refreshes, failures, rotations;
};
void metrics_oauth2(struct metrics *m, const struct metrics_oauth2 *o);

/* The database's figures, read by the main loop. */
void metrics_set_db_figures(struct metrics *m,
    const struct metrics_db_tickets *rows, size_t n, long long outbox_pending,
    time_t outbox_oldest, time_t now);
time_t metrics_db_figures_at(struct metrics *m);

/* Whether a scrape came since the last refresh of the database's
 * figures (set by the HTTP thread, cleared by the main loop). */
void metrics_want_refresh(struct metrics *m);
bool metrics_refresh_wanted(struct metrics *m);

/* The Prometheus text format (version 0.0.4) of everything, at now. */
char *metrics_format(struct metrics *m, time_t now);

/* 0 when healthy; otherwise -1 and the reasons, one a line, in why. */
int metrics_health(struct metrics *m, time_t now,
    const struct metrics_thresholds *t, char *why, size_t whylen);

#endif
