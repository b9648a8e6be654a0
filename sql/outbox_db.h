/*
 * outbox_db.h - the outbox's statements: take a due mail or webhook,
 * its due recipients, and record what delivery did
 *
 * Schema in 001_init.sql (outbox), 007_outbox_rcpt.sql (one row per
 * recipient, made when the worker first takes a mail) and
 * 036_outbox_keep.sql (old content let go). Every function
 * works inside the caller's transaction; outbox_db_take() locks the row
 * it returns (FOR UPDATE SKIP LOCKED) until that transaction ends.
 *
 * Ownership: the structs filled here own their malloc'd members; free
 * them with outbox_db_row_clear() and outbox_db_rcpts_free().
 */
#ifndef GC_SQL_OUTBOX_DB_H
#define GC_SQL_OUTBOX_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct outbox_db_row {
	int64_t id;
	char kind[16];              /* "mail" | "webhook" */
	char *purpose;              /* malloc'd */
	int64_t ticket_id;          /* 0: none */
	char *message_id;           /* malloc'd, NULL for webhooks */
	char *mail_from;            /* malloc'd, may be NULL */
	char *url;                  /* malloc'd, NULL for mails */
	unsigned char *data;        /* malloc'd: the mail, or the JSON */
	size_t len;
	long long attempts;         /* transactions tried so far */
	time_t created;             /* when it was queued */
	/* A mail never tried whose recipients are plain (ASCII, distinct
	 * in any case, none missing): its outbox.rcpts, malloc'd, in their
	 * order (position i + 1). NULL otherwise: its recipients are then
	 * taken by outbox_db_rcpts_take(). */
	char **rcpts;
	size_t nrcpts;
};

void outbox_db_row_clear(struct outbox_db_row *r);

/* The oldest due pending row, locked; *found_r false when none. Its
 * rcpts are given when it is a mail never tried whose recipients can be
 * sent as they are (see rcpts above), at most max_rcpts of them (and
 * at most 64, past which the database sorts them). */
int outbox_db_take(struct db *db, time_t now, int max_rcpts,
    struct outbox_db_row *out, bool *found_r, struct gc_err *err);

/* The mail or webhook id sent whole at its first transaction: the row
 * marked sent (no recipient rows are made; the views read its rcpts)
 * and its ticket's (if any) "mail_sent" event with data_json, in one
 * statement, deferred to the commit (db_defer). */
int outbox_db_sent(struct db *db, int64_t id, time_t now,
    const char *data_json, struct gc_err *err);

/* A webhook's or mail's failure: status "pending" (error, due again
 * at next) or "dead" (error). */
int outbox_db_row_failed(struct db *db, int64_t id, const char *status,
    const char *error, time_t next, struct gc_err *err);

/* The receiver at url limits us until until: every pending webhook to
 * it due before then (the row in hand among them) is due then, with
 * error, its attempts not counted (a limit is not a failure: no row goes
 * dead of it); those another daemon holds now are left to it (no wait,
 * no deadlock between two daemons told the same). *n_r: how many. */
int outbox_db_webhooks_wait(struct db *db, const char *url, time_t until,
    const char *error, long long *n_r, struct gc_err *err);

struct outbox_db_rcpt {
	int position;
	char *address;              /* malloc'd */
	long long attempts;         /* before this one */
};

/* The recipients of mail id due at now, at most max, in their order;
 * makes the recipient rows from outbox.rcpts the first time. *out is
 * malloc'd (NULL when none). */
int outbox_db_rcpts_take(struct db *db, int64_t id, time_t now, int max,
    struct outbox_db_rcpt **out, size_t *n_r, struct gc_err *err);
void outbox_db_rcpts_free(struct outbox_db_rcpt **r, size_t n);

/* The recipient rows of a mail tried from its plain rcpts (row.rcpts)
 * that not every recipient took, made as outbox_db_rcpts_take() would
 * have: addr[i] at position i + 1, due at now. */
int outbox_db_rcpts_make(struct db *db, int64_t id, time_t now,
    const char *const *addr, size_t n, struct gc_err *err);

struct outbox_db_result {
	int position;
	const char *status;         /* "sent" | "pending" | "refused" |
	                               "dead" */
	const char *error;          /* NULL when sent */
	time_t next_at;             /* pending: when to try again */
};

/* Record one transaction's results (n may be 0: only bring the mail's
 * row in line with its recipients); *status_r gets the mail's new
 * status ("pending", "sent", "dead"). */
int outbox_db_rcpts_done(struct db *db, int64_t id, time_t now,
    const struct outbox_db_result *res, size_t n, char *status_r,
    size_t status_len, struct gc_err *err);

/* Seconds until the next pending row is due (0 if one is due now), or
 * -1 when none is pending. */
int outbox_db_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err);

/* Make dead row id pending again (its unsent recipients from zero
 * attempts); GC_ENOTFOUND when there is no such row, GC_EINVAL when it
 * is not dead. *ticket_id_r (0: none) and *nrcpts_r (recipients due
 * again) tell what was done. */
int outbox_db_retry(struct db *db, int64_t id, time_t now,
    int64_t *ticket_id_r, long long *nrcpts_r, struct gc_err *err);

/* The next max rows of the walk (036_outbox_keep.sql) created before
 * `before` and done (sent or dead) lose their data; the walk stops at
 * the first row younger or still pending. *emptied_r: rows emptied;
 * *more_r: the batch was full, another may follow. */
int outbox_db_keep(struct db *db, time_t before, int max, int *emptied_r,
    bool *more_r, struct gc_err *err);

/* The dead rows whose content is still there (outbox_keep), of kind
 * ("mail", "webhook"; NULL: both) queued at or after since (0: any),
 * oldest first, at most max: for `outbox retry --dead`. *ids_r is
 * malloc'd. */
int outbox_db_dead_ids(struct db *db, const char *kind, time_t since,
    size_t max, int64_t **ids_r, size_t *n_r, struct gc_err *err);

#endif
