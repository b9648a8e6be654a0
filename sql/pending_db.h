/*
 * pending_db.h - tickets waiting on their customer (042_pending.sql)
 *
 * A wait is a ticket's open pause (ticket_pauses, end_at NULL) while
 * the ticket is pending. Each call takes at most max tickets, skipping
 * those another daemon holds, locked to the end of the transaction.
 */
#ifndef GC_SQL_PENDING_DB_H
#define GC_SQL_PENDING_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The tickets pending since `since` or before and not reminded in this
 * wait, marked reminded at now; oldest first. */
int pending_db_remind_take(struct db *db, time_t since, time_t now,
    int max, int64_t *ids, size_t *n_r, struct gc_err *err);
/* A reminder that could not be written: the mark taken back, for the
 * next pass. */
int pending_db_remind_undo(struct db *db, int64_t ticket_id,
    struct gc_err *err);

/* The tickets to close, oldest first: with reminded, those whose wait
 * was reminded at `before` or earlier; else those never reminded,
 * pending since `before` or earlier. */
int pending_db_to_close(struct db *db, bool reminded, time_t before,
    int max, int64_t *ids, size_t *n_r, struct gc_err *err);

#endif
