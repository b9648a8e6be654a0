/*
 * store_quarantine.h - mail kept whole instead of lost: put it in the
 * quarantine, read it back, retry it, tie it to the ticket it became
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_QUARANTINE_H
#define GC_SQL_STORE_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct store_quarantine {
	const char *mailbox;
	const char *reason;
	const char *detail;
	const char *raw; size_t raw_len;
	const char *dedup_key;
	int64_t imap_uid;
	time_t now;
	size_t raw_sealed_len;       /* raw is sealed, raw_len the mail's */
	const char *notice_queue;    /* held, and its agents are to be told
	                                (desk/held_notice.h); else NULL */
};

int store_quarantine_insert(struct db *db, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err);

/* The raw mail and mailbox of a quarantine entry (malloc'd). */
int store_quarantine_get(struct db *db, int64_t id, char **raw_r,
    size_t *len_r, char **mailbox_r, char **status_r, struct gc_err *err);
/* Mark an entry retried and free its dedup key for the new attempt. */
int store_quarantine_mark_retried(struct db *db, int64_t id, time_t now,
    struct gc_err *err);
int store_quarantine_set_ticket(struct db *db, int64_t id,
    int64_t ticket_id, struct gc_err *err);

/* Deletes at most max entries that a rule held (reason "held"), never
 * released nor retried, received before `before`; *n_r says how many. */
int store_quarantine_purge_held(struct db *db, time_t before, int max,
    int *n_r, struct gc_err *err);

/* A held entry whose queue's agents are told (desk/held_notice.h). */
struct store_held_entry {
	int64_t id;
	time_t received_at;
	char detail[400];
};

/* The queues that have held entries not told yet (free with
 * store_strings_free()). */
int store_quarantine_notice_queues(struct db *db, char ***names_r,
    size_t *n_r, struct gc_err *err);
/* Unless an entry of queue was told after `since`, marks told at now
 * every held entry of queue not told yet and returns them, oldest first
 * (*out malloc'd, *n_r of them; none: NULL, 0). Waits for, then shuts
 * out, the other daemons doing the same for queue until the caller's
 * transaction ends. */
int store_quarantine_notice_take(struct db *db, const char *queue,
    time_t now, time_t since, struct store_held_entry **out, size_t *n_r,
    struct gc_err *err);

#endif
