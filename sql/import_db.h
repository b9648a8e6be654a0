/*
 * import_db.h - tickets imported from another help desk: their old
 * numbers (ticket_refs), their dates and statuses of then, their messages
 *
 * An imported message's dedup key is "import:SOURCE:REF:ID" (ID: the
 * tool's message id, else the SHA-256 of its date, sender and text), so
 * that importing the same export again adds nothing. Conventions of the
 * store (transactions, times): see sql/store.h.
 */
#ifndef GC_SQL_IMPORT_DB_H
#define GC_SQL_IMPORT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The ticket imported from source with that number; GC_ENOTFOUND. */
int import_ref_find(struct db *db, const char *source, const char *ref,
    int64_t *ticket_id_r, struct gc_err *err);
int import_ref_add(struct db *db, const char *source, const char *ref,
    int64_t ticket_id, time_t now, struct gc_err *err);

/* The number (ours) of the ticket imported with that old number from the
 * first of sources (a PostgreSQL array literal, "{rt,generic}") that has
 * it; GC_ENOTFOUND. */
int import_ref_lookup(struct db *db, const char *ref, const char *sources,
    char *number_r, size_t len, struct gc_err *err);

/* A ticket's status and dates as they were in the other tool. closed:
 * 0 for none; resolved_at is set for resolved and closed tickets,
 * closed_at for closed ones. */
int import_ticket_dates(struct db *db, int64_t ticket_id, const char *status,
    time_t created, time_t updated, time_t closed, time_t first_answer,
    time_t last_answer, struct gc_err *err);

struct import_message {
	int64_t ticket_id;
	const char *source, *ref;
	const char *id;              /* the tool's, or NULL */
	const char *author;          /* "customer" | "agent" */
	bool internal;
	const char *mailbox;
	const char *from, *from_name;   /* may be NULL */
	const char *subject;
	time_t date;
	const char *text;
};

/* *added_r: false when the message was there already. */
int import_message_add(struct db *db, const struct import_message *m,
    bool *added_r, struct gc_err *err);

#endif
