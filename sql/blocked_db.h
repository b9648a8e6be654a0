/*
 * blocked_db.h - the blocked senders (037_blocked_senders.sql): an
 * address or an @domain whose mails that would open a ticket are held
 *
 * Addresses are kept in lower case; the caller checks their shape. The
 * intake reads the table in its claim (store_claim_tagged()).
 */
#ifndef GC_SQL_BLOCKED_DB_H
#define GC_SQL_BLOCKED_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* Block address ("local@domain" or "@domain", lowered here), added by
 * `by`, from ticket_id (0: none); *added_r false when it was already. */
int blocked_db_add(struct db *db, const char *address, const char *by,
    int64_t ticket_id, time_t now, bool *added_r, struct gc_err *err);
/* GC_ENOTFOUND when address was not blocked. */
int blocked_db_remove(struct db *db, const char *address,
    struct gc_err *err);
/* All of them, as a JSON array (address order) of {address, added_by,
 * ticket, created_at}; malloc'd. */
int blocked_db_list(struct db *db, char **json_r, struct gc_err *err);

#endif
