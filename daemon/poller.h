/*
 * poller.h - one IMAP mailbox: connect, fetch new mail in batches, hand
 * each mail to intake, commit, then move it out of the folder
 *
 * Order of a pass: (1) take the mailbox's advisory lock in PostgreSQL so
 * that one daemon polls it at a time; (2) SELECT the folder and compare
 * UIDVALIDITY with the stored one; (3) UID SEARCH what is in the folder
 * and UID FETCH it in batches of fetch_batch; (4) one transaction per
 * batch, a savepoint per mail; (5) after COMMIT only, UID MOVE each mail
 * to processed_folder or quarantine_folder. A crash between (4) and (5)
 * leaves mails in the folder: the next pass fetches them again and intake
 * recognises them as already stored (dedup), then moves them.
 *
 * Connection trouble (IMAP or PostgreSQL) is logged and retried with
 * exponential backoff; it never ends the daemon.
 *
 * Ownership: struct poller borrows its conf_mailbox from the config
 * generation it was made for; rebuild pollers when the config changes.
 */
#ifndef GC_POLLER_H
#define GC_POLLER_H

#include <stdbool.h>
#include <time.h>

#include "conf/conf.h"
#include "desk/intake.h"
#include "sql/db.h"

struct poller;

struct poll_stats {
	int fetched;
	int new_tickets;
	int followups;
	int duplicates;
	int quarantined;
	int loops;          /* our own mail come back (dropped) */
	int bounces;        /* delivery reports recorded (not followups) */
	int held;           /* held by a rule (spam), not quarantined for a
	                     * fault */
	bool standby;       /* another daemon holds the mailbox */
};

/* One mail's outcome counted in st. */
void poll_stats_count(struct poll_stats *st, const struct intake_result *r);

void poller_new(struct poller **out, const struct conf *conf,
    const struct conf_mailbox *mb);
void poller_free(struct poller **p);

const struct conf_mailbox *poller_mailbox(const struct poller *p);

/* One pass. stop is checked between mails: when it becomes true the mail
 * in hand is finished, the batch committed and moved, and the pass ends.
 * Returns 0, GC_ETEMP when PostgreSQL went away (the caller reconnects),
 * or another code for IMAP trouble (already logged, backoff set). */
int poller_run(struct poller *p, struct desk *in, time_t now,
    volatile int *stop, struct poll_stats *stats, struct gc_err *err);

/* When the poller wants to run next (its interval, or its backoff). */
time_t poller_next(const struct poller *p);

/* IDLE between passes: start it (if the server offers it, the config
 * allows it and this daemon holds the mailbox), and give the fd to poll;
 * -1 when not idling. */
int poller_idle_fd(struct poller *p);
/* The fd was readable: leave IDLE; true if new mail came in. */
bool poller_idle_wake(struct poller *p);

/* Its OAuth2 tokens (auth = oauth2), or NULL: for /metrics. */
struct oauth2 *poller_oauth2(const struct poller *p);

/* The IMAP parameters of mailbox mb, as the poller connects with them
 * (the OAuth2 token aside); `check-config --connect` uses them too. */
struct imap_params;
void poller_imap_params(const struct conf *c, const struct conf_mailbox *mb,
    struct imap_params *ip);

/* A connection to mailbox mb as the poller makes it, its OAuth2 token
 * taken first (a refresh token refused: "run `guichet oauth2 authorize
 * --mailbox NAME`"), for the commands that reach a mailbox once
 * (`check-config --connect`, `recover`). */
struct imap_conn;
int poller_connect_mailbox(const struct conf *c,
    const struct conf_mailbox *mb, struct imap_conn **imap_r,
    struct gc_err *err);

/* The database connection was replaced: advisory locks are gone. */
void poller_lost_lock(struct poller *p);

#endif
